package console_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/console"
	"github.com/faroai/faro/documents"
	"github.com/faroai/faro/handoff"
	"github.com/faroai/faro/internal/testlog"
	"github.com/faroai/faro/knowledge"
	"github.com/faroai/faro/kpi"
	"github.com/faroai/faro/llm"
	"github.com/faroai/faro/llm/offline"
	"github.com/faroai/faro/llm/offline/toolcatalog"
	"github.com/faroai/faro/server"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/postgres"
	"github.com/faroai/faro/store/postgres/pgtest"
	"github.com/faroai/faro/store/sqlite"
	"github.com/faroai/faro/tools"
)

const (
	adminEmail, staffEmail = "admin@example.com", "staff@example.com"
	password               = "correct horse battery"
)

// bundle is a server with the console mounted, over a real store,
// knowledge base and offline agent, with an admin and a staff account.
type bundle struct {
	st    store.Store
	kb    *knowledge.Base
	http  *httptest.Server
	logs  *testlog.Buffer
	conv  store.Conversation
	kbDoc store.Document
	clock *time.Time
}

func setup(t *testing.T, st store.Store) *bundle {
	t.Helper()
	logs := &testlog.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	emb, name, err := llm.NewEmbedder(llm.EmbedderConfig{Provider: llm.ProviderOffline})
	require.NoError(t, err)
	kb := knowledge.New(st, emb, name, log)
	reg := tools.NewRegistry(tools.WithLogger(log))
	tools.AddSearchKnowledge(reg, kb)
	tools.AddRequestHuman(reg, st)
	a, err := agent.New(agent.Options{
		Store: st, Model: offline.NewModel(offline.Options{Catalog: toolcatalog.New(reg), Logger: log}),
		Tools: reg, Knowledge: kb, Logger: log, Limits: agent.Limits{BurstWindow: -1},
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close(context.Background()) })
	cat, err := documents.New()
	require.NoError(t, err)
	links, err := documents.NewLinks("https://faro.example", []byte("a-server-secret-of-32-characters"), time.Hour)
	require.NoError(t, err)
	now := time.Now()
	b := &bundle{st: st, kb: kb, logs: logs, clock: &now}
	reporter := kpi.NewReporter(st, nil, nil)
	desk, err := handoff.New(handoff.Options{Store: st, Logger: log})
	require.NoError(t, err)
	con, err := console.New(console.Options{Store: st, KPIs: reporter, Knowledge: kb, Agent: a, Desk: desk, Templates: cat.Templates(),
		Logger: log, Clock: func() time.Time { return *b.clock }})
	require.NoError(t, err)
	srv := server.New(server.Options{
		Store: st, Logger: log, Admin: st, Knowledge: kb, Business: st, Agent: a, Sessions: con, Handoff: desk,
		Documents: &server.Documents{Store: st, Catalog: cat, Links: links}, Subscriptions: st, KPIs: reporter,
	})
	con.Mount(srv.Handle)
	b.http = httptest.NewServer(srv.Handler())
	t.Cleanup(b.http.Close)

	ctx := t.Context()
	for email, role := range map[string]store.StaffRole{adminEmail: store.StaffAdmin, staffEmail: store.StaffMember} {
		hash, err := console.HashPassword(password)
		require.NoError(t, err)
		_, err = st.CreateStaff(ctx, store.StaffAccount{Email: email, Role: role, PasswordHash: hash})
		require.NoError(t, err)
	}
	ct, err := st.CreateContact(ctx, store.Contact{Name: "Lucía Pérez", Email: "lucia@example.com"})
	require.NoError(t, err)
	b.conv, err = st.CreateConversation(ctx, store.Conversation{ContactID: ct.ID, Channel: "web", ExternalID: "v-1"})
	require.NoError(t, err)
	_, _, err = st.AppendMessage(ctx, store.Message{ConversationID: b.conv.ID, Author: store.AuthorUser, Text: "¿Cuánto cuesta el curso?"})
	require.NoError(t, err)
	_, err = kb.IngestData(ctx, "faq/precios.md", []byte("# Precios\n\nEl curso de IA cuesta 300 dólares."), knowledge.IngestOptions{})
	require.NoError(t, err)
	b.kbDoc, err = st.DocumentBySource(ctx, "faq/precios.md")
	require.NoError(t, err)
	return b
}

// client is a browser: a cookie jar that does not follow redirects.
type client struct {
	t    *testing.T
	b    *bundle
	http *http.Client
	csrf string
}

func (b *bundle) anonymous(t *testing.T) *client {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &client{t: t, b: b, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// signIn signs a new browser in as email and reads its CSRF token.
func (b *bundle) signIn(t *testing.T, email string) *client {
	c := b.anonymous(t)
	status, _, loc := c.form("/console/signin", url.Values{"email": {email}, "password": {password}, "next": {"/console/inbox"}}, false)
	require.Equal(t, http.StatusSeeOther, status, "sign in as %s", email)
	require.Equal(t, "/console/inbox", loc, "back where the browser was going")
	_, body, _ := c.get("/console/inbox")
	m := regexp.MustCompile(`name="csrf-token" content="([^"]+)"`).FindStringSubmatch(body)
	require.Len(t, m, 2, "the page carries the CSRF token")
	c.csrf = m[1]
	return c
}

func (c *client) do(req *http.Request) (int, string, string) {
	c.t.Helper()
	resp, err := c.http.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	return resp.StatusCode, string(body), resp.Header.Get("Location")
}

func (c *client) get(path string) (int, string, string) {
	req, err := http.NewRequest("GET", c.b.http.URL+path, nil)
	require.NoError(c.t, err)
	return c.do(req)
}

// form posts v, with the session's CSRF token when withCSRF.
func (c *client) form(path string, v url.Values, withCSRF bool) (int, string, string) {
	if withCSRF {
		v.Set("csrf", c.csrf)
	}
	req, err := http.NewRequest("POST", c.b.http.URL+path, strings.NewReader(v.Encode()))
	require.NoError(c.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// api calls the admin API with the session, and its CSRF header when
// withCSRF.
func (c *client) api(method, path, body string, withCSRF bool) (int, string) {
	req, err := http.NewRequest(method, c.b.http.URL+path, strings.NewReader(body))
	require.NoError(c.t, err)
	req.Header.Set("Content-Type", "application/json")
	if withCSRF {
		req.Header.Set(server.CSRFHeader, c.csrf)
	}
	status, out, _ := c.do(req)
	return status, out
}

func TestAuthorizationOnSQLite(t *testing.T) {
	t.Parallel()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "faro.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	authorization(t, setup(t, st))
}

func TestAuthorizationOnPostgres(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	u, stop, err := pgtest.Start(ctx)
	require.NoError(t, err, "PostgreSQL (PGlite from node_modules, or %s)", pgtest.EnvURL)
	t.Cleanup(stop)
	require.NoError(t, pgtest.Reset(ctx, u))
	st, err := postgres.Open(ctx, u)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	authorization(t, setup(t, st))
}

// authorization checks every console route, and the API through a
// console session, as anonymous, staff and admin.
func authorization(t *testing.T, b *bundle) {
	anon, staff, admin := b.anonymous(t), b.signIn(t, staffEmail), b.signIn(t, adminEmail)
	conv := b.conv.ID
	everyone := []string{"/console/", "/console/inbox", "/console/inbox/rows", "/console/conversations/" + conv,
		"/console/conversations/" + conv + "/transcript", "/console/leads", "/console/tickets", "/console/enrollments",
		"/console/documents", "/console/knowledge", "/console/?period=this_year&interval=month", "/console/inbox?status=open&q=luc",
		"/console/leads?stage=new&min_score=10&source=web&sort=score&page=2"}
	for _, p := range everyone {
		status, _, loc := anon.get(p)
		require.Equal(t, http.StatusSeeOther, status, "anonymous GET %s", p)
		require.Equal(t, "/console/signin?next="+url.QueryEscape(p), loc, "anonymous GET %s goes to sign in, then back", p)
		for who, c := range map[string]*client{"staff": staff, "admin": admin} {
			status, body, _ := c.get(p)
			require.Equal(t, http.StatusOK, status, "%s GET %s: %s", who, p, body)
		}
	}
	// Admin only.
	status, _, _ := anon.get("/console/staff")
	require.Equal(t, http.StatusSeeOther, status)
	status, _, _ = staff.get("/console/staff")
	require.Equal(t, http.StatusForbidden, status, "staff may not list accounts")
	status, body, _ := admin.get("/console/staff")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, staffEmail)

	newAccount := url.Values{"email": {"new@example.com"}, "role": {"staff"}, "password": {"another long password"}}
	status, _, _ = anon.form("/console/staff", newAccount, false)
	require.Equal(t, http.StatusUnauthorized, status, "anonymous POST")
	status, _, _ = staff.form("/console/staff", newAccount, true)
	require.Equal(t, http.StatusForbidden, status, "staff may not add accounts")
	status, body, _ = admin.form("/console/staff", newAccount, false)
	require.Equal(t, http.StatusForbidden, status, "a form without the CSRF token is refused")
	require.Contains(t, body, "security token")
	status, body, _ = admin.form("/console/staff", newAccount, true)
	require.Equal(t, http.StatusCreated, status, body)
	status, body, _ = admin.form("/console/staff", newAccount, true)
	require.Equal(t, http.StatusBadRequest, status, "the same email twice")
	require.Contains(t, body, "conflict")
	short := url.Values{"email": {"short@example.com"}, "role": {"staff"}, "password": {"short"}}
	status, body, _ = admin.form("/console/staff", short, true)
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, body, "at least 10 characters")

	// "Try a question": every signed-in role, with the token.
	q := url.Values{"question": {"¿Cuánto cuesta el curso de IA?"}}
	status, _, _ = anon.form("/console/knowledge/try", q, false)
	require.Equal(t, http.StatusUnauthorized, status)
	status, _, _ = staff.form("/console/knowledge/try", q, false)
	require.Equal(t, http.StatusForbidden, status, "no CSRF token")
	status, body, _ = staff.form("/console/knowledge/try", q, true)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "faq/precios.md", "the passage found")
	require.Contains(t, body, "300", "the answer")
	_, body, _ = admin.get("/console/inbox")
	require.NotContains(t, body, "try-", "tries stay out of the inbox")
	require.Contains(t, body, "Lucía Pérez")

	// Take, reply, release: the hand-off desk, as whoever is signed in.
	take, reply, release := "/console/conversations/"+conv+"/take", "/console/conversations/"+conv+"/reply", "/console/conversations/"+conv+"/release"
	status, _, _ = anon.form(take, url.Values{}, false)
	require.Equal(t, http.StatusUnauthorized, status, "anonymous take")
	status, _, _ = staff.form(take, url.Values{}, false)
	require.Equal(t, http.StatusForbidden, status, "take without the CSRF token")
	status, body, _ = staff.form(reply, url.Values{"text": {"hola"}}, true)
	require.Equal(t, http.StatusConflict, status, "a reply before anyone took it")
	require.Contains(t, body, "With the bot")
	status, _, loc := staff.form(take, url.Values{}, true)
	require.Equal(t, http.StatusSeeOther, status)
	require.Equal(t, "/console/conversations/"+conv+"#reply", loc)
	got, err := b.st.Conversation(t.Context(), conv)
	require.NoError(t, err)
	require.Equal(t, store.ConversationHandedOff, got.Status)
	evs, err := b.st.HandoffEvents(t.Context(), conv)
	require.NoError(t, err)
	require.Equal(t, "console:"+staffEmail, evs[len(evs)-1].Actor, "the desk records who took it")
	_, body, _ = staff.get("/console/inbox?mine=1")
	require.Contains(t, body, "Lucía Pérez", "handed off to me")
	_, body, _ = admin.get("/console/inbox/rows?mine=1")
	require.NotContains(t, body, "Lucía Pérez", "not to the admin")
	status, body, _ = admin.form(reply, url.Values{"text": {"  "}}, true)
	require.Equal(t, http.StatusBadRequest, status, "an empty reply")
	require.Contains(t, body, "must not be empty")
	status, _, _ = admin.form(reply, url.Values{"text": {"Hola Lucía, soy del equipo."}}, true)
	require.Equal(t, http.StatusSeeOther, status)
	msgs, err := b.st.Messages(t.Context(), conv, store.MessageQuery{Limit: 1, Last: true})
	require.NoError(t, err)
	require.Equal(t, store.AuthorStaff, msgs[0].Author)
	require.Contains(t, string(msgs[0].Meta), "admin", "who wrote it")
	_, body, _ = admin.get("/console/conversations/" + conv)
	require.Contains(t, body, "Hola Lucía, soy del equipo.")
	status, _, _ = staff.form(release, url.Values{}, true)
	require.Equal(t, http.StatusSeeOther, status)
	got, err = b.st.Conversation(t.Context(), conv)
	require.NoError(t, err)
	require.Equal(t, store.ConversationOpen, got.Status, "back with the bot")

	// The API through a session: the account's role, and the CSRF header
	// on whatever changes something.
	del := "/api/v1/knowledge/documents/" + b.kbDoc.ID
	status, _ = anon.api("DELETE", del, "", false)
	require.Equal(t, http.StatusUnauthorized, status)
	status, body = staff.api("DELETE", del, "", true)
	require.Equal(t, http.StatusForbidden, status, "staff may not change the knowledge base: %s", body)
	status, _ = staff.api("PUT", "/api/v1/courses/ia-101", `{"title":"x"}`, true)
	require.Equal(t, http.StatusForbidden, status, "nor the catalogue")
	status, body = admin.api("DELETE", del, "", false)
	require.Equal(t, http.StatusForbidden, status, "no CSRF header")
	require.Contains(t, body, server.CSRFHeader)
	status, _ = staff.api("GET", "/api/v1/kpis", "", false)
	require.Equal(t, http.StatusOK, status, "reading needs no CSRF header")
	status, body = anon.api("GET", "/api/v1/openapi.json", "", false)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `"consoleSession"`, "the description names the console's sessions")
	require.Contains(t, body, `"faro_console"`)
	status, _ = staff.api("POST", "/api/v1/conversations/"+conv+"/reply", `{"text":"hola"}`, true)
	require.Equal(t, http.StatusConflict, status, "staff may reply, once it is handed off")
	status, _ = staff.api("POST", "/api/v1/knowledge/reindex", "", true)
	require.Equal(t, http.StatusForbidden, status, "staff may not re-index")
	status, body = admin.api("POST", "/api/v1/knowledge/reindex", "", true)
	require.Equal(t, http.StatusOK, status, "admin re-indexes: %s", body)
	status, body = admin.api("DELETE", del, "", true)
	require.Equal(t, http.StatusNoContent, status, body)
	_, body, _ = staff.get("/console/knowledge")
	require.NotContains(t, body, `data-method="DELETE"`, "staff see no delete buttons")

	// Signing out ends the session for the API too.
	status, _, loc = staff.form("/console/signout", url.Values{}, true)
	require.Equal(t, http.StatusSeeOther, status)
	require.Equal(t, "/console/signin", loc)
	status, _, _ = staff.get("/console/inbox")
	require.Equal(t, http.StatusSeeOther, status, "signed out")
	status, _ = staff.api("GET", "/api/v1/kpis", "", false)
	require.Equal(t, http.StatusUnauthorized, status, "the old cookie is no key")
	status, _, _ = anon.form("/console/signout", url.Values{}, false)
	require.Equal(t, http.StatusUnauthorized, status)
}
