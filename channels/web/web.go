package web

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/store"
)

//go:embed assets
var assetsFS embed.FS

// Channel is the agent.Message Channel of widget messages.
const Channel = "web"

// Agent answers messages; *agent.Agent satisfies it.
type Agent interface {
	Turn(ctx context.Context, msg agent.Message, stream func(delta string)) (agent.Reply, error)
}

// Store is what the widget reads: conversations to check ownership and
// messages to replay; and, for signed-in visitors, their contact and
// enrolments (see identify). store.Store satisfies it.
type Store interface {
	Conversation(ctx context.Context, id string) (store.Conversation, error)
	ConversationByExternalID(ctx context.Context, channel, externalID string) (store.Conversation, error)
	Messages(ctx context.Context, conversationID string, q store.MessageQuery) ([]store.Message, error)

	ContactByIdentity(ctx context.Context, id store.Identity) (store.Contact, error)
	ContactByEmail(ctx context.Context, email string) (store.Contact, error)
	CreateContact(ctx context.Context, c store.Contact) (store.Contact, error)
	UpdateContact(ctx context.Context, c store.Contact) (store.Contact, error)
	LinkIdentity(ctx context.Context, contactID string, id store.Identity) error
	EnrollmentsByContact(ctx context.Context, contactID string) ([]store.Enrollment, error)
	EnrollmentsByEmail(ctx context.Context, email string) ([]store.Enrollment, error)
}

// Bus carries "conversation X has messages up to seq N" between the
// servers that share a database, each of which delivers what its sockets
// lack, read from the store by seq (livebus.Postgres; livebus.Hub in one
// process). Hold says this server has a socket for a conversation until
// release; Received, that its sockets have everything up to seq; Reached
// waits for another server's Received (false: none holds it, or ctx
// ended). Listen's wake must not block.
type Bus interface {
	Publish(ctx context.Context, conversationID string, seq int64) error
	Listen(wake func(conversationID string, seq int64)) (stop func())
	Hold(conversationID string) (release func())
	Received(ctx context.Context, conversationID string, seq int64) error
	Reached(ctx context.Context, conversationID string, seq int64) (bool, error)
}

// SignalStore keeps consenting visitors' engagement signals where every
// server reads them; store.WebSignalStore satisfies it.
type SignalStore interface {
	PutWebSignals(ctx context.Context, s store.WebSignals) error
	WebSignals(ctx context.Context, visitorID string) (store.WebSignals, error)
	ForgetWebSignals(ctx context.Context, visitorID string) error
}

// ErrNotDelivered is Deliver's error when no connection, on this server or
// another, received the message: the visitor gets it from the store when
// they come back.
var ErrNotDelivered = errors.New("web: no connection of the conversation received it")

var (
	_ Agent = (*agent.Agent)(nil)
	_ Store = store.Store(nil)
)

// Theme is the widget's look and greeting, served as /widget/config.json so
// the same script is white-labelled by configuration.
type Theme struct {
	Title      string `json:"title"`
	Color      string `json:"color"`      // #rrggbb, the bubble and header
	TextColor  string `json:"text_color"` // #rrggbb, text on Color
	LogoURL    string `json:"logo_url,omitempty"`
	GreetingES string `json:"greeting_es"`
	GreetingEN string `json:"greeting_en"`
	Language   string `json:"language"` // es or en: used when the page says neither
}

// DefaultTheme is the demo business's look.
func DefaultTheme() Theme {
	return Theme{
		Title:      "Brújula Digital",
		Color:      "#0b5cad",
		TextColor:  "#ffffff",
		GreetingES: "¡Hola! Soy el asistente de Brújula Digital. ¿En qué te ayudo? Cursos, Pulse o documentos.",
		GreetingEN: "Hi! I'm Brújula Digital's assistant. How can I help? Courses, Pulse or documents.",
		Language:   "es",
	}
}

var hexColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// Validate names the field at fault.
func (t Theme) Validate() error {
	if !hexColor.MatchString(t.Color) {
		return fmt.Errorf("color %q is not #rrggbb", t.Color)
	}
	if !hexColor.MatchString(t.TextColor) {
		return fmt.Errorf("text color %q is not #rrggbb", t.TextColor)
	}
	if t.LogoURL != "" {
		u, err := url.Parse(t.LogoURL)
		if err != nil || !(u.Scheme == "https" || u.Scheme == "http" || (u.Scheme == "" && strings.HasPrefix(t.LogoURL, "/"))) {
			return fmt.Errorf("logo URL %q is not an http(s) URL or a path", t.LogoURL)
		}
	}
	if t.Language != "es" && t.Language != "en" {
		return fmt.Errorf("language %q is not es or en", t.Language)
	}
	return nil
}

// Options configure a Handler. Agent, Store and Secret are required.
type Options struct {
	Agent  Agent
	Store  Store
	Secret []byte // at least 32 bytes
	// IdentitySecret, when set (at least 32 bytes), is shared with the
	// embedding site's backend, which signs who its signed-in user is
	// (see User); without it a session that names a user is refused.
	IdentitySecret []byte
	// Origins are the page origins ("https://example.com") allowed to open
	// the widget. Empty allows only the server's own origin.
	Origins []string
	Theme   Theme
	// Tenant is bound into tokens; "default" when empty.
	Tenant string
	// TokenTTL is how long a visitor token is valid (default 15 min).
	TokenTTL time.Duration
	// MaxConnsPerIP caps the sockets one address holds (default 20).
	MaxConnsPerIP int
	// SessionsPerMinute is the per-address rate of POST /widget/session
	// (default 30, burst the same).
	SessionsPerMinute int
	// SignalStore, when set, keeps the signals, for every server; nil
	// keeps them in this server's memory.
	SignalStore SignalStore
	// OnSignals, when set, is told the engagement signals of a visitor who
	// consented (the latest are also kept: see Handler.Signals). It must
	// not block.
	OnSignals func(Signals)
	// Bus, when set, carries messages to the sockets of other servers
	// and back; nil serves this server's sockets alone.
	Bus Bus
	// ReceiptWait bounds how long Deliver waits for another server to
	// say a connection received a staff message (default 3 s: longer
	// than a poll of livebus).
	ReceiptWait time.Duration
	// OnOpen and OnClose, when set, are told each time a socket is
	// registered and unregistered, for metrics. They must not block.
	OnOpen, OnClose func()
	Logger          *slog.Logger
	Clock           func() time.Time

	// Timing, for tests; zero means the production values.
	AuthTimeout  time.Duration // 5s
	PingInterval time.Duration // 54s
	PongWait     time.Duration // 60s
	WriteWait    time.Duration // 10s
	SendQueue    int           // 256
}

// Handler serves the widget: its socket, sessions, script, config and the
// demo pages.
type Handler struct {
	opts     Options
	signer   signer
	upgrader websocket.Upgrader
	log      *slog.Logger
	now      func() time.Time
	origins  map[string]bool
	assets   fs.FS

	mu       sync.Mutex
	closing  bool
	conns    map[*conn]struct{}
	perIP    map[string]int
	byConv   map[string]map[*conn]struct{}
	limiters map[string]*ipLimiter
	signals  map[string]Signals // by visitor id
	holds    map[string]func()  // bus holds of byConv's conversations
	wg       sync.WaitGroup
	// unlisten ends the bus subscription; nil without a bus.
	unlisten func()
}

type ipLimiter struct {
	lim  *rate.Limiter
	seen time.Time
}

// New returns a Handler.
func New(opts Options) (*Handler, error) {
	if opts.Agent == nil || opts.Store == nil {
		return nil, errors.New("web: Agent and Store are required")
	}
	if len(opts.Secret) < 32 {
		return nil, errors.New("web: the signing secret must be at least 32 bytes")
	}
	if len(opts.IdentitySecret) > 0 && len(opts.IdentitySecret) < 32 {
		return nil, errors.New("web: the identity secret must be at least 32 bytes")
	}
	if opts.Theme == (Theme{}) {
		opts.Theme = DefaultTheme()
	}
	if err := opts.Theme.Validate(); err != nil {
		return nil, fmt.Errorf("web: theme: %w", err)
	}
	if opts.Tenant == "" {
		opts.Tenant = "default"
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&opts.TokenTTL, 15*time.Minute)
	def(&opts.AuthTimeout, 5*time.Second)
	def(&opts.PingInterval, 54*time.Second)
	def(&opts.PongWait, 60*time.Second)
	def(&opts.WriteWait, 10*time.Second)
	def(&opts.ReceiptWait, 3*time.Second)
	if opts.MaxConnsPerIP <= 0 {
		opts.MaxConnsPerIP = 20
	}
	if opts.SessionsPerMinute <= 0 {
		opts.SessionsPerMinute = 30
	}
	if opts.SendQueue <= 0 {
		opts.SendQueue = 256
	}
	h := &Handler{
		opts:     opts,
		signer:   signer{secret: opts.Secret},
		log:      opts.Logger,
		now:      opts.Clock,
		origins:  map[string]bool{},
		conns:    map[*conn]struct{}{},
		perIP:    map[string]int{},
		byConv:   map[string]map[*conn]struct{}{},
		limiters: map[string]*ipLimiter{},
		signals:  map[string]Signals{},
		holds:    map[string]func(){},
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	for _, o := range opts.Origins {
		n, err := normalizeOrigin(o)
		if err != nil {
			return nil, fmt.Errorf("web: origin %q: %w", o, err)
		}
		h.origins[n] = true
	}
	sub, err := fs.Sub(assetsFS, "assets")
	if err != nil {
		return nil, fmt.Errorf("web: assets: %w", err)
	}
	h.assets = sub
	if opts.Bus != nil {
		h.unlisten = opts.Bus.Listen(h.wake)
	}
	h.upgrader = websocket.Upgrader{
		ReadBufferSize:  1024,
		WriteBufferSize: 1024,
		CheckOrigin:     h.originAllowed,
		// Compression costs memory per socket; widget frames are small.
		EnableCompression: false,
	}
	return h, nil
}

// normalizeOrigin returns scheme://host[:port] in lower case, refusing
// anything that is not an http(s) origin.
func normalizeOrigin(o string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(o))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return "", errors.New("not an origin like https://example.com")
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), nil
}

// originAllowed is the socket's and the session's gate: the request's
// Origin must be configured, or, with none configured, be the server's own
// origin. A request without Origin is refused: browsers always send it, so
// only scripts omit it, and they can send any Origin they like anyway.
func (h *Handler) originAllowed(r *http.Request) bool {
	o, err := normalizeOrigin(r.Header.Get("Origin"))
	if err != nil {
		return false
	}
	if len(h.origins) > 0 {
		return h.origins[o]
	}
	u, _ := url.Parse(o)
	return strings.EqualFold(u.Host, r.Host)
}

// Mount registers the routes on mux (server.Server's Handle fits). demo adds
// the demo landing page at / and /pricing.
func (h *Handler) Mount(handle func(pattern string, h http.Handler), demo bool) {
	handle("GET /widget/ws", http.HandlerFunc(h.serveWS))
	handle("POST /widget/session", http.HandlerFunc(h.serveSession))
	handle("OPTIONS /widget/session", http.HandlerFunc(h.serveSession))
	handle("GET /widget/config.json", http.HandlerFunc(h.serveConfig))
	handle("GET /widget.js", h.asset("widget.js", "text/javascript; charset=utf-8"))
	handle("GET /widget.css", h.asset("widget.css", "text/css; charset=utf-8"))
	// Browsers ask every server for /favicon.ico; an SVG under that name is
	// drawn by all current ones, and it seldom changes, so it is cached a day.
	handle("GET /favicon.ico", h.asset("favicon.svg", "image/svg+xml"))
	handle("GET /favicon.svg", h.asset("favicon.svg", "image/svg+xml"))
	if demo {
		handle("GET /{$}", h.asset("index.html", "text/html; charset=utf-8"))
		handle("GET /pricing", h.asset("pricing.html", "text/html; charset=utf-8"))
		handle("GET /demo.css", h.asset("demo.css", "text/css; charset=utf-8"))
		handle("GET /demo.js", h.asset("demo.js", "text/javascript; charset=utf-8"))
	}
}

func (h *Handler) asset(name, ctype string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := fs.ReadFile(h.assets, name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "no-cache")
		if name == "favicon.svg" {
			w.Header().Set("Cache-Control", "public, max-age=86400")
		}
		if strings.HasSuffix(name, ".html") {
			// The demo pages load nothing but our own script and styles.
			w.Header().Set("Content-Security-Policy", "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' https: data:; frame-ancestors 'none'")
		}
		_, _ = w.Write(b)
	})
}

func (h *Handler) serveConfig(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "max-age=300")
	// The script fetches this from customers' pages too.
	w.Header().Set("Access-Control-Allow-Origin", "*")
	_ = json.NewEncoder(w).Encode(h.opts.Theme)
}

// sessionRequest is the body of POST /widget/session: the visitor id the
// page kept from an earlier session, or nothing for a new visitor; and
// the signed-in user, when the site signed who they are.
type sessionRequest struct {
	VisitorID string `json:"visitor_id"`
	User      *User  `json:"user"`
}

type sessionResponse struct {
	Token     string `json:"token"`
	VisitorID string `json:"visitor_id"`
	ExpiresAt int64  `json:"expires_at"` // unix seconds
	ExpiresIn int    `json:"expires_in"` // seconds
	// Identified: the session is the signed-in user's.
	Identified bool `json:"identified,omitempty"`
}

var visitorIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)

// serveSession issues a visitor token bound to the request's origin. A
// visitor id is a random 128-bit value the page keeps in localStorage: it is
// the visitor's capability to their conversation, so it is only accepted
// in a well-formed, unguessable shape, and refreshing is asking again with it.
func (h *Handler) serveSession(w http.ResponseWriter, r *http.Request) {
	if !h.originAllowed(r) {
		http.Error(w, "origin not allowed", http.StatusForbidden)
		return
	}
	origin, _ := normalizeOrigin(r.Header.Get("Origin"))
	w.Header().Set("Access-Control-Allow-Origin", origin)
	w.Header().Set("Vary", "Origin")
	if r.Method == http.MethodOptions {
		w.Header().Set("Access-Control-Allow-Methods", "POST")
		w.Header().Set("Access-Control-Allow-Headers", "Content-Type")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if !h.allowSession(clientIP(r)) {
		w.Header().Set("Retry-After", "10")
		http.Error(w, "too many sessions", http.StatusTooManyRequests)
		return
	}
	var req sessionRequest
	if r.ContentLength != 0 {
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&req); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
	}
	vid := req.VisitorID
	if !visitorIDPattern.MatchString(vid) || strings.HasPrefix(vid, identifiedPrefix) {
		// A signed-in user's id is only ever given for their signature.
		vid = newID()
	}
	var email string
	if req.User != nil {
		var err error
		if email, err = verifyUser(h.opts.IdentitySecret, *req.User, h.now()); err != nil {
			status := http.StatusUnauthorized
			if errors.Is(err, errIdentityOff) {
				status = http.StatusForbidden
			}
			h.log.Info("widget identity refused", "ip", clientIP(r), "err", err)
			http.Error(w, err.Error(), status)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		err = h.identify(ctx, email, strings.TrimSpace(req.User.Name))
		cancel()
		if err != nil {
			h.log.Warn("widget identity: contact", "err", err)
			http.Error(w, "could not start the session", http.StatusInternalServerError)
			return
		}
		vid = h.userVisitor(email)
	}
	exp := h.now().Add(h.opts.TokenTTL)
	tok := h.signer.sign(claims{Tenant: h.opts.Tenant, Visitor: vid, Origin: origin, Expiry: exp.Unix(), Email: email})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(sessionResponse{Token: tok, VisitorID: vid, ExpiresAt: exp.Unix(), ExpiresIn: int(h.opts.TokenTTL / time.Second), Identified: email != ""})
}

func (h *Handler) allowSession(ip string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.now()
	l, ok := h.limiters[ip]
	if !ok {
		// Forget addresses idle for ten minutes, so the map stays small.
		if len(h.limiters) > 10000 {
			for k, v := range h.limiters {
				if now.Sub(v.seen) > 10*time.Minute {
					delete(h.limiters, k)
				}
			}
		}
		per := time.Minute / time.Duration(h.opts.SessionsPerMinute)
		l = &ipLimiter{lim: rate.NewLimiter(rate.Every(per), h.opts.SessionsPerMinute)}
		h.limiters[ip] = l
	}
	l.seen = now
	return l.lim.AllowN(now, 1)
}

// clientIP is the peer address. Behind a proxy every visitor shares the
// proxy's address; trusting X-Forwarded-For is the proxy's configuration
// to make, not ours, so it is not read.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Signals returns the latest engagement signals a consenting visitor's page
// reported (see PROTOCOL.md, "Signals"), from the SignalStore, or else
// this server's memory.
func (h *Handler) Signals(visitorID string) (Signals, bool) {
	if st := h.opts.SignalStore; st != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s, err := st.WebSignals(ctx, visitorID)
		if err != nil {
			return Signals{}, false
		}
		return Signals{VisitorID: s.VisitorID, ConversationID: s.ConversationID, PagesViewed: s.PagesViewed,
			TimeOnSiteSeconds: s.TimeOnSiteSeconds, PricingVisits: s.PricingVisits, DemoRequested: s.DemoRequested}, true
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	s, ok := h.signals[visitorID]
	return s, ok
}

// Connections is the number of open sockets.
func (h *Handler) Connections() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.conns)
}

// Shutdown closes every socket with 1001 (going away), so clients resume on
// another server or after the restart, and refuses new ones. Call it before
// the HTTP server's Shutdown: hijacked connections are not the HTTP server's
// to wait for. Turns in flight go on and persist their replies; a client
// gets them on resume.
func (h *Handler) Shutdown(ctx context.Context) error {
	h.mu.Lock()
	h.closing = true
	all := make([]*conn, 0, len(h.conns))
	for c := range h.conns {
		all = append(all, c)
	}
	h.mu.Unlock()
	if h.unlisten != nil {
		h.unlisten()
	}
	for _, c := range all {
		c.closeWith(websocket.CloseGoingAway, "server shutting down")
	}
	done := make(chan struct{})
	go func() { h.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("web: shutdown: %w", ctx.Err())
	}
}

func (h *Handler) register(c *conn) bool {
	h.mu.Lock()
	if h.closing || h.perIP[c.ip] >= h.opts.MaxConnsPerIP {
		h.mu.Unlock()
		return false
	}
	h.conns[c] = struct{}{}
	h.perIP[c.ip]++
	h.wg.Add(1)
	h.mu.Unlock()
	if h.opts.OnOpen != nil {
		h.opts.OnOpen()
	}
	return true
}

func (h *Handler) unregister(c *conn) {
	h.mu.Lock()
	delete(h.conns, c)
	if h.perIP[c.ip]--; h.perIP[c.ip] <= 0 {
		delete(h.perIP, c.ip)
	}
	if c.convID != "" {
		h.unsubscribeLocked(c, c.convID)
	}
	h.mu.Unlock()
	h.wg.Done()
	if h.opts.OnClose != nil {
		h.opts.OnClose()
	}
}

func (h *Handler) subscribe(c *conn, convID string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if c.convID == convID {
		return
	}
	if c.convID != "" {
		h.unsubscribeLocked(c, c.convID)
	}
	c.convID = convID
	m := h.byConv[convID]
	if m == nil {
		m = map[*conn]struct{}{}
		h.byConv[convID] = m
		if h.opts.Bus != nil {
			h.holds[convID] = h.opts.Bus.Hold(convID) // never waits
		}
	}
	m[c] = struct{}{}
}

func (h *Handler) unsubscribeLocked(c *conn, convID string) {
	if m := h.byConv[convID]; m != nil {
		delete(m, c)
		if len(m) == 0 {
			delete(h.byConv, convID)
			if release := h.holds[convID]; release != nil {
				delete(h.holds, convID)
				release()
			}
		}
	}
}

// subscribers are the sockets showing a conversation (a visitor's tabs).
func (h *Handler) subscribers(convID string) []*conn {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]*conn, 0, len(h.byConv[convID]))
	for c := range h.byConv[convID] {
		out = append(out, c)
	}
	return out
}

// maxSignals bounds the visitors whose signals are kept in memory; past
// it an arbitrary older entry makes room (they are a hint for the lead
// score, not a record).
const maxSignals = 100_000

func (h *Handler) storeSignals(s Signals) {
	if st := h.opts.SignalStore; st != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := st.PutWebSignals(ctx, store.WebSignals{VisitorID: s.VisitorID, ConversationID: s.ConversationID, Signals: store.Signals{
			PagesViewed: s.PagesViewed, TimeOnSiteSeconds: s.TimeOnSiteSeconds, PricingVisits: s.PricingVisits, DemoRequested: s.DemoRequested,
		}})
		cancel()
		if err != nil {
			// A hint for the lead score: the next report (a minute on)
			// replaces it anyway.
			h.log.Warn("widget signals not stored", "conversation_id", s.ConversationID, "err", err)
		}
		if h.opts.OnSignals != nil {
			h.opts.OnSignals(s)
		}
		return
	}
	h.mu.Lock()
	if _, ok := h.signals[s.VisitorID]; !ok && len(h.signals) >= maxSignals {
		for k := range h.signals {
			delete(h.signals, k)
			break
		}
	}
	h.signals[s.VisitorID] = s
	h.mu.Unlock()
	if h.opts.OnSignals != nil {
		h.opts.OnSignals(s)
	}
}

// forgetSignals drops what is kept of a visitor who withdrew consent.
func (h *Handler) forgetSignals(visitorID string) {
	if st := h.opts.SignalStore; st != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := st.ForgetWebSignals(ctx, visitorID); err != nil {
			h.log.Error("widget signals not forgotten after consent was withdrawn", "err", err)
		}
	}
	h.mu.Lock()
	delete(h.signals, visitorID)
	h.mu.Unlock()
}

// Deliver sends a stored staff message (a person answering a handed-off
// conversation) to the visitor's open sockets now, on this server and,
// through the bus, on the others. It returns nil when a connection
// received it (here, or another server said so within ReceiptWait), and
// ErrNotDelivered otherwise: the visitor gets it on resume, from the
// store. It satisfies server.Deliverer.
func (h *Handler) Deliver(ctx context.Context, conv store.Conversation, m store.Message) error {
	if conv.Channel != Channel {
		return fmt.Errorf("web: deliver: conversation %s is on %q", conv.ID, conv.Channel)
	}
	f := replyFrame{Type: "reply", Seq: m.Seq, Text: m.Text, From: "staff", Citations: []citation{}, Tools: []toolOutcome{}}
	here := false
	for _, c := range h.subscribers(conv.ID) {
		if c.deliver(m.Seq, f) {
			here = true
		}
	}
	if h.opts.Bus == nil {
		if !here {
			return ErrNotDelivered
		}
		return nil
	}
	if err := h.opts.Bus.Publish(ctx, conv.ID, m.Seq); err != nil {
		if here {
			h.log.Warn("widget: staff reply not announced to the other servers", "conversation_id", conv.ID, "err", err)
			return nil
		}
		return fmt.Errorf("web: deliver: %w", err)
	}
	if here {
		return nil
	}
	wctx, cancel := context.WithTimeout(ctx, h.opts.ReceiptWait)
	defer cancel()
	reached, err := h.opts.Bus.Reached(wctx, conv.ID, m.Seq)
	if err != nil {
		return fmt.Errorf("web: deliver: %w", err)
	}
	if !reached {
		return ErrNotDelivered
	}
	return nil
}

// publish tells the other servers that conv has messages up to seq.
func (h *Handler) publish(convID string, seq int64) {
	if h.opts.Bus == nil || convID == "" || seq <= 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := h.opts.Bus.Publish(ctx, convID, seq); err != nil {
		// The others' poll finds it all the same (the store has it).
		h.log.Warn("widget: messages not announced to the other servers", "conversation_id", convID, "seq", seq, "err", err)
	}
}

// wake is the bus's note that another server stored messages of convID up
// to seq: each socket of it here reads what it lacks from the store, and
// once all have it, the bus is told so (Deliver on that server waits for
// it). The bus's goroutine never waits on the store.
func (h *Handler) wake(convID string, seq int64) {
	h.mu.Lock()
	if h.closing { // the sockets are closing: they resume elsewhere
		h.mu.Unlock()
		return
	}
	h.wg.Add(1) // under h.mu, as register: never while Shutdown waits
	h.mu.Unlock()
	go func() {
		defer h.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		least := int64(-1)
		for _, c := range h.subscribers(convID) {
			got, err := c.catchUp(ctx, convID)
			if err != nil {
				h.log.Warn("widget: catch up", "conversation_id", convID, "err", err)
				return
			}
			if least < 0 || got < least {
				least = got
			}
		}
		if least >= seq {
			if err := h.opts.Bus.Received(ctx, convID, least); err != nil {
				h.log.Warn("widget: receipt", "conversation_id", convID, "err", err)
			}
		}
	}()
}
