// Package console is the staff web app served at /console: sign-in with
// staff accounts, the KPI dashboard, the inbox and conversations, leads,
// tickets, enrolments, documents and the knowledge base. Pages are
// rendered on the server (html/template) with one small shared script;
// whatever changes something goes through the admin API under /api/v1,
// which admits a console session (with its CSRF token) as it admits a key,
// so the console and API clients share one set of rules and roles.
package console

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/documents"
	"github.com/faroai/faro/knowledge"
	"github.com/faroai/faro/kpi"
	"github.com/faroai/faro/server"
	"github.com/faroai/faro/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Store is what the console reads; store.Store satisfies it.
type Store interface {
	store.Staff
	Contact(ctx context.Context, id string) (store.Contact, error)
	ListConversations(ctx context.Context, contactID string, offset, limit int) ([]store.Conversation, error)
	Conversation(ctx context.Context, id string) (store.Conversation, error)
	Messages(ctx context.Context, conversationID string, q store.MessageQuery) ([]store.Message, error)
	ListLeads(ctx context.Context, f store.LeadFilter, offset, limit int) ([]store.Lead, error)
	LeadByEmail(ctx context.Context, email string) (store.Lead, error)
	LeadHistory(ctx context.Context, leadID string) ([]store.LeadStageChange, error)
	ListTickets(ctx context.Context, f store.TicketFilter, offset, limit int) ([]store.Ticket, error)
	ListEnrollments(ctx context.Context, f store.EnrollmentFilter, offset, limit int) ([]store.Enrollment, error)
	ListGeneratedDocuments(ctx context.Context, f store.GeneratedDocumentFilter, offset, limit int) ([]store.GeneratedDocument, error)
	ListDocuments(ctx context.Context, offset, limit int) ([]store.Document, error)
	HandoffEvents(ctx context.Context, conversationID string) ([]store.HandoffEvent, error)
}

// KPIs computes the dashboard's figures; *kpi.Reporter is one.
type KPIs interface {
	Report(ctx context.Context, req kpi.Request) (kpi.Report, error)
	Series(ctx context.Context, req kpi.SeriesRequest) (kpi.Series, error)
}

// Searcher finds passages for "try a question"; *knowledge.Base is one.
type Searcher interface {
	Search(ctx context.Context, q knowledge.Query) ([]knowledge.Result, error)
}

// Turner answers a question as the assistant would; *agent.Agent is one.
type Turner interface {
	Turn(ctx context.Context, msg agent.Message, stream func(delta string)) (agent.Reply, error)
}

// Interface guards.
var (
	_ Store    = store.Store(nil)
	_ KPIs     = (*kpi.Reporter)(nil)
	_ Searcher = (*knowledge.Base)(nil)
	_ Turner   = (*agent.Agent)(nil)
)

// Options configures a Console. Store is required; what else is nil
// leaves its part out.
type Options struct {
	Store     Store
	KPIs      KPIs
	Knowledge Searcher
	Agent     Turner
	// Desk takes, replies to and releases conversations; nil shows the
	// conversations read-only.
	Desk Desk
	// Templates are the document templates offered by the documents page.
	Templates []documents.Template
	Logger    *slog.Logger
	// SessionTTL is how long a sign-in lasts (default 12 hours).
	SessionTTL time.Duration
	// SecureCookies marks cookies Secure even on plain HTTP: for TLS ended
	// by a proxy in front. Requests that arrive over TLS always get them.
	SecureCookies bool
	// Clock is the time; nil is time.Now.
	Clock func() time.Time
}

// The sign-in throttle: after MaxFailedSignIns failures in a row an
// account refuses sign-ins until ThrottleWindow has passed since the last.
const (
	MaxFailedSignIns = 5
	ThrottleWindow   = 15 * time.Minute
)

// sessionCookie holds the session token. Its path is / because the pages'
// script calls the API under /api/v1 with it.
const sessionCookie = "faro_console"

// Console serves the staff web app.
type Console struct {
	opts  Options
	pages map[string]*template.Template
}

// New returns a Console; it fails only when a template does not parse.
func New(opts Options) (*Console, error) {
	if opts.Store == nil {
		return nil, errors.New("console: no store")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = 12 * time.Hour
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	c := &Console{opts: opts, pages: map[string]*template.Template{}}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("console: templates: %w", err)
	}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" || base == "parts" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/parts.html", n)
		if err != nil {
			return nil, fmt.Errorf("console: template %s: %w", base, err)
		}
		c.pages[base] = t
	}
	return c, nil
}

// Mount adds the console's routes with handle (server.Server.Handle).
func (c *Console) Mount(handle func(pattern string, h http.Handler)) {
	static, _ := fs.Sub(staticFS, "static")
	files := http.StripPrefix("/console/static/", http.FileServerFS(static))
	handle("GET /console/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	}))
	handle("GET /console", http.RedirectHandler("/console/", http.StatusSeeOther))
	handle("GET /console/signin", http.HandlerFunc(c.signinPage))
	handle("POST /console/signin", http.HandlerFunc(c.signin))
	handle("GET /console/lang/{lang}", http.HandlerFunc(c.setLang))
	handle("POST /console/signout", c.page(anyone, c.signout))
	handle("GET /console/{$}", c.page(anyone, c.dashboard))
	handle("GET /console/inbox", c.page(anyone, c.inbox))
	handle("GET /console/inbox/rows", c.page(anyone, c.inboxRows))
	handle("GET /console/conversations/{id}", c.page(anyone, c.conversation))
	handle("GET /console/conversations/{id}/transcript", c.page(anyone, c.transcript))
	handle("POST /console/conversations/{id}/take", c.page(anyone, c.act("take")))
	handle("POST /console/conversations/{id}/reply", c.page(anyone, c.act("reply")))
	handle("POST /console/conversations/{id}/release", c.page(anyone, c.act("release")))
	handle("GET /console/leads", c.page(anyone, c.leads))
	handle("GET /console/tickets", c.page(anyone, c.tickets))
	handle("GET /console/enrollments", c.page(anyone, c.enrollments))
	handle("GET /console/documents", c.page(anyone, c.documents))
	handle("GET /console/knowledge", c.page(anyone, c.knowledge))
	handle("POST /console/knowledge/try", c.page(anyone, c.tryQuestion))
	handle("GET /console/staff", c.page(adminOnly, c.staff))
	handle("POST /console/staff", c.page(adminOnly, c.addStaff))
	handle("/console/", c.page(anyone, func(w http.ResponseWriter, r *http.Request, v *view) {
		c.fail(w, r, v, http.StatusNotFound)
	}))
}

// SessionPrincipal implements server.Sessions: the API admits a console
// session as the key of its account's role.
func (c *Console) SessionPrincipal(r *http.Request) (server.Principal, string, bool) {
	sess, acct, ok := c.session(r)
	if !ok {
		return server.Principal{}, "", false
	}
	return server.Principal{Name: acct.Email, Role: apiRole(acct.Role)}, sess.CSRF, true
}

// CookieName implements server.Sessions.
func (c *Console) CookieName() string { return sessionCookie }

var _ server.Sessions = (*Console)(nil)

func apiRole(r store.StaffRole) server.Role {
	if r == store.StaffAdmin {
		return server.RoleAdmin
	}
	return server.RoleStaff
}

// session reads r's session cookie and finds its live session.
func (c *Console) session(r *http.Request) (store.StaffSession, store.StaffAccount, bool) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil || ck.Value == "" || len(ck.Value) > 128 {
		return store.StaffSession{}, store.StaffAccount{}, false
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	sess, acct, err := c.opts.Store.StaffSession(ctx, tokenHash(ck.Value), c.opts.Clock())
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			c.opts.Logger.Warn("console: session look-up failed", "err", err)
		}
		return store.StaffSession{}, store.StaffAccount{}, false
	}
	return sess, acct, true
}

// view is what every page template gets.
type view struct {
	Lang    string
	L       map[string]string
	Account store.StaffAccount
	CSRF    string
	Admin   bool
	Path    string
	Title   string
	Notice  string
	Error   string
	Data    any
}

type roles []store.StaffRole

var (
	anyone    = roles{store.StaffAdmin, store.StaffMember}
	adminOnly = roles{store.StaffAdmin}
)

// page wraps h: a signed-out browser is sent to sign in (back here after),
// a role not in allowed gets 403, and a POST without the session's CSRF
// token is refused before h runs.
func (c *Console) page(allowed roles, h func(http.ResponseWriter, *http.Request, *view)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Frame-Options", "DENY")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'")
		lang := langOf(r)
		v := &view{Lang: lang, L: messages[lang], Path: r.URL.Path}
		sess, acct, ok := c.session(r)
		if !ok {
			if r.Method != http.MethodGet {
				v.Error = v.L["signin.expired"]
				c.render(w, r, http.StatusUnauthorized, "signin", v)
				return
			}
			http.Redirect(w, r, "/console/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		v.Account, v.CSRF, v.Admin = acct, sess.CSRF, acct.Role == store.StaffAdmin
		if !containsRole(allowed, acct.Role) {
			c.opts.Logger.Info("console: page refused for its role", "staff", acct.Email, "role", acct.Role, "path", r.URL.Path)
			c.fail(w, r, v, http.StatusForbidden)
			return
		}
		if r.Method == http.MethodPost && !c.csrfOK(r, sess.CSRF) {
			c.opts.Logger.Info("console: form refused: no CSRF token", "staff", acct.Email, "path", r.URL.Path)
			v.Error = v.L["csrf.bad"]
			c.fail(w, r, v, http.StatusForbidden)
			return
		}
		h(w, r, v)
	})
}

func containsRole(rs roles, r store.StaffRole) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// fail renders the error page of status.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, v *view, status int) {
	switch status {
	case http.StatusForbidden:
		v.Title = v.L["forbidden.title"]
		if v.Error == "" {
			v.Error = fmt.Sprintf(v.L["forbidden.text"], v.L["role."+string(v.Account.Role)])
		}
	case http.StatusNotFound:
		v.Title, v.Error = v.L["notfound.title"], v.L["notfound.text"]
	default:
		v.Title, v.Error = v.L["error.title"], v.L["error.text"]
	}
	c.render(w, r, status, "error", v)
}

// oops logs err and renders the error page; what failed stays in the log.
func (c *Console) oops(w http.ResponseWriter, r *http.Request, v *view, err error) {
	if errors.Is(err, store.ErrNotFound) {
		c.fail(w, r, v, http.StatusNotFound)
		return
	}
	c.opts.Logger.Error("console: page failed", "path", r.URL.Path, "err", err)
	c.fail(w, r, v, http.StatusInternalServerError)
}

func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, name string, v *view) {
	t, ok := c.pages[name]
	if !ok {
		http.Error(w, "no template "+name, http.StatusInternalServerError)
		return
	}
	entry := "layout.html"
	if strings.HasSuffix(name, "_rows") || r.Header.Get("X-Fragment") == "1" && t.Lookup("fragment") != nil {
		entry = "fragment"
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := t.ExecuteTemplate(w, entry, v); err != nil {
		c.opts.Logger.Error("console: render", "template", name, "err", err)
	}
}
