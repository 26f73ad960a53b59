package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"

	"github.com/tmc/langchaingo/llms"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/channels/web"
	"github.com/faroai/faro/documents"
	"github.com/faroai/faro/handoff"
	"github.com/faroai/faro/knowledge"
	"github.com/faroai/faro/kpi"
	"github.com/faroai/faro/llm"
	"github.com/faroai/faro/llm/offline"
	"github.com/faroai/faro/llm/offline/business"
	"github.com/faroai/faro/server"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/tools"
	"github.com/faroai/faro/webhook"
)

// Main is the running server, built from a Config. Tests build the same Main
// with Addr ":0" and a data directory in t.TempDir().
type Main struct {
	Config Config
	Log    *slog.Logger

	Store store.Store
	// Agent answers every channel's messages; set by Run.
	Agent *agent.Agent
	// Handoff is the hand-off desk: staff take, reply to and release
	// conversations through it (the API, the staff channel); set by Run.
	Handoff *handoff.Desk
	// Widget serves the web chat widget and its demo page; set by Run.
	Widget *web.Handler
	// Knowledge is the knowledge base the agent searches and the admin API
	// changes; set by Run.
	Knowledge *knowledge.Base
	// Metrics are served at /metrics (admin and staff keys; without a key
	// on FARO_DEBUG_ADDR); the agent, the channels and the
	// model's fallback count into them. Set by Run.
	Metrics *server.Metrics
	server  *server.Server
	ln      net.Listener
	served  chan error
	// Relay is the messaging channels' runtime; nil when no channel is
	// configured. Set by Run.
	Relay *relay.Runtime
	// EditRelay, when set, changes the runtime's options before it is
	// built (tests: short backoffs).
	EditRelay func(*relay.Options)
	// stopChannels stops the pollers and the runtime's workers; nil when
	// no channel is on.
	stopChannels func(ctx context.Context) error
	// stopWebhooks ends the webhook deliverer and waits for it; nil when
	// no webhook is configured.
	stopWebhooks func()
	// debug serves runtime profiles when FARO_DEBUG_ADDR is set.
	debug *debugServer
	// Bus carries live delivery between the servers of one database; set
	// by Run. closeBus ends it.
	Bus      liveBus
	closeBus func() error
}

// turns is the agent every channel's turns go through: one turn of a
// chat at a time across the servers of the database (the agent holds the
// bus's lease on it).
func (m *Main) turns() handoff.Agent { return m.Agent }

// NewMain returns a Main for cfg; Run starts it.
func NewMain(cfg Config, log *slog.Logger) *Main {
	return &Main{Config: cfg, Log: log}
}

// Run opens the store (applying migrations), then starts serving HTTP in the
// background. It returns once the server is listening.
func (m *Main) Run(ctx context.Context) error {
	st, err := openStore(ctx, m.Config, m.Log)
	if err != nil {
		return err
	}
	m.Store = st
	if m.Bus, m.closeBus, err = openBus(ctx, m.Config, m.Log); err != nil {
		_ = st.Close()
		return err
	}
	served := false
	defer func() {
		if !served { // every failure below closes the store itself
			_ = m.closeBus()
			m.closeBus = nil
		}
	}()
	loadDemoKnowledge(ctx, m.Config, st, m.Log)
	loadDemoCatalog(ctx, st, m.Log)
	loadDemoSubscriptions(ctx, st, m.Log)
	m.Metrics = server.NewMetrics()
	signals := &visitorSignals{contacts: st}
	signals.stored, _ = st.(store.WebSignalStore)
	secret, err := widgetSecret(m.Config)
	if err != nil {
		_ = st.Close()
		return err
	}
	docs, err := newDocuments(m.Config, secret)
	if err != nil {
		_ = st.Close()
		return err
	}
	if m.Agent, m.Knowledge, err = newAgent(m.Config, st, m.Log, m.Metrics, signals, docs, m.Bus); err != nil {
		_ = st.Close()
		return err
	}
	shareKnowledgeChanges(m.Knowledge, m.Bus, m.Log)
	if m.Handoff, err = handoff.New(handoff.Options{Store: st, Logger: m.Log, OnDeliverFunc: m.Metrics.Delivery}); err != nil {
		_ = st.Close()
		return err
	}
	// Every channel's turns go through the desk's watch: staff hear of
	// hand-offs and of the person's messages while they answer.
	watched := m.Handoff.Watch(m.turns())
	keys, err := server.NewKeys(m.Config.APIKeys)
	if err != nil {
		_ = st.Close()
		return &configError{"FARO_API_KEYS", err}
	}
	opts := server.Options{
		Store: st, Logger: m.Log, Keys: keys, Admin: st, Knowledge: m.Knowledge, Agent: watched, Metrics: m.Metrics,
		Handoff: m.Handoff, Documents: &server.Documents{Store: st, Catalog: docs.Catalog, Links: docs.Links},
		Bus: m.Bus,
	}
	// The business data joins the admin API once the store holds it.
	if b, ok := st.(server.BusinessStore); ok {
		opts.Business = b
	}
	if sub, ok := st.(server.SubscriptionStore); ok {
		opts.Subscriptions = sub
	}
	// The same reporter, in the same time zone, as report_kpis.
	if src, ok := st.(kpi.Source); ok {
		opts.KPIs = kpi.NewReporter(src, m.Config.Location(), nil)
	}
	cons, err := newConsole(m, st, opts, docs)
	if err != nil {
		_ = st.Close()
		return err
	}
	opts.Sessions = cons
	m.server = server.New(opts)
	cons.Mount(m.server.Handle)
	if m.Widget, err = newWidget(m.Config, st, watched, m.Log, m.Metrics, secret, m.Bus); err != nil {
		_ = st.Close()
		return err
	}
	signals.widget = m.Widget.Signals // before serving: no turn runs yet
	m.Widget.Mount(m.server.Handle, true)
	// Staff replies to handed-off widget conversations reach open sockets.
	m.server.RegisterDeliverer(web.Channel, m.Widget)
	if err := m.startWebhooks(); err != nil {
		_ = st.Close()
		return err
	}
	if err := m.startChannels(ctx); err != nil {
		if m.stopWebhooks != nil {
			m.stopWebhooks()
		}
		_ = st.Close()
		return err
	}
	if keys.Len() == 0 {
		m.Log.Info("no API keys (FARO_API_KEYS): the admin and OpenAI-compatible APIs refuse every call")
	}
	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		if m.stopChannels != nil {
			_ = m.stopChannels(context.Background())
		}
		if m.stopWebhooks != nil {
			m.stopWebhooks()
		}
		_ = st.Close()
		return fmt.Errorf("listen on %s (FARO_ADDR): %w", m.Config.Addr, err)
	}
	if m.Config.DebugAddr != "" {
		if m.debug, err = startDebug(m.Config.DebugAddr, m.Metrics.Handler()); err != nil {
			_ = ln.Close()
			if m.stopChannels != nil {
				_ = m.stopChannels(context.Background())
			}
			if m.stopWebhooks != nil {
				m.stopWebhooks()
			}
			_ = st.Close()
			return err
		}
		m.Log.Info("runtime profiles and metrics", "url", "http://"+displayAddr(m.debug.ln.Addr())+"/debug/pprof/",
			"metrics", "http://"+displayAddr(m.debug.ln.Addr())+"/metrics")
	}
	m.ln = ln
	m.served = make(chan error, 1)
	go func() { m.served <- m.server.Serve(ln) }()
	served = true
	m.Log.Info("faro is serving", "addr", ln.Addr().String(), "url", "http://"+displayAddr(ln.Addr()))
	return nil
}

// startWebhooks runs the outbound webhook deliverer in the background
// when FARO_WEBHOOK_URLS is set: it sends the outbox's events (a lead that
// became sales qualified, a conversation handed to a person), signed,
// retrying with backoff. Every server runs one; the outbox leases each
// event to one of them at a time.
func (m *Main) startWebhooks() error {
	if len(m.Config.WebhookURLs) == 0 {
		return nil
	}
	out, ok := m.Store.(webhook.Outbox)
	if !ok {
		return &configError{"FARO_WEBHOOK_URLS", fmt.Errorf("the store %T keeps no outbox", m.Store)}
	}
	eps := make([]webhook.Endpoint, len(m.Config.WebhookURLs))
	for i, u := range m.Config.WebhookURLs {
		eps[i] = webhook.Endpoint{URL: u, Secret: m.Config.WebhookSecret}
	}
	d, err := webhook.New(out, webhook.Options{Endpoints: eps, Logger: m.Log})
	if err != nil {
		return &configError{"FARO_WEBHOOK_URLS", err}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = d.Run(ctx) // returns nil when ctx ends
	}()
	m.stopWebhooks = func() { cancel(); <-done }
	m.Log.Info("webhooks", "urls", len(eps))
	return nil
}

// Addr is the address the server listens on (useful with port 0).
func (m *Main) Addr() string { return m.ln.Addr().String() }

// Done reports a serving error that ends the server before Close.
func (m *Main) Done() <-chan error { return m.served }

// Close shuts the server down gracefully: it stops accepting, waits up to
// ShutdownTimeout for work in flight, then closes the store.
func (m *Main) Close() error {
	var first error
	if m.debug != nil {
		_ = m.debug.Close()
	}
	if m.server != nil {
		// Not ready from now on: the widgets about to be closed reconnect
		// to the other servers.
		m.server.Drain()
	}
	if m.Widget != nil {
		// Sockets first, with 1001 so widgets resume elsewhere or after
		// the restart: hijacked connections are not the HTTP server's to
		// wait for. Turns in flight go on (the agent closes below), store
		// their replies and announce them on the bus, which delivers them
		// on the server the visitor moved to.
		ctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownTimeout)
		if err := m.Widget.Shutdown(ctx); err != nil {
			first = err
		}
		cancel()
	}
	if m.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownTimeout)
		defer cancel()
		if err := m.server.Shutdown(ctx); err != nil {
			first = err
		}
	}
	if m.stopChannels != nil {
		// Before the agent: turn jobs running finish (or run again after
		// the restart); none starts after this.
		ctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownTimeout)
		defer cancel()
		if err := m.stopChannels(ctx); err != nil && first == nil {
			first = err
		}
	}
	if m.Agent != nil {
		// Turns in flight finish and persist their replies before the
		// store closes.
		ctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownTimeout)
		defer cancel()
		if err := m.Agent.Close(ctx); err != nil && first == nil {
			first = err
		}
	}
	if m.stopWebhooks != nil {
		// After the agent: events of its last turns are enqueued by now;
		// those not delivered wait in the outbox for the next start.
		m.stopWebhooks()
	}
	if m.closeBus != nil {
		// After the agent: its last turns announced their replies. The
		// holds go, so other servers stop waiting on this one.
		if err := m.closeBus(); err != nil && first == nil {
			first = err
		}
	}
	if m.Store != nil {
		if err := m.Store.Close(); err != nil && first == nil {
			first = fmt.Errorf("close store: %w", err)
		}
	}
	return first
}

// newAgent builds the agent over st: the knowledge base with the
// configured embedder, the tools, and the model (see newModel), counting
// turns, tool calls, fallbacks and model errors into metrics.
func newAgent(cfg Config, st store.Store, log *slog.Logger, metrics *server.Metrics, signals tools.SignalSource, docs tools.DocumentConfig, bus liveBus) (*agent.Agent, *knowledge.Base, error) {
	kb, err := cfg.newKnowledgeBase(st, log)
	if err != nil {
		return nil, nil, err
	}
	kb.CacheSearches(cfg.SearchCache, cfg.SearchCacheTTL)
	reg, err := agentToolsWith(st, kb, log, signals, docs, cfg.Location())
	if err != nil {
		return nil, nil, err
	}
	model, err := newModelWith(cfg, st, reg, log, func() { metrics.ModelError(cfg.LLM) })
	if err != nil {
		return nil, nil, err
	}
	staff, err := cfg.staffIdentities() // validated by LoadConfig
	if err != nil {
		return nil, nil, &configError{"FARO_STAFF", err}
	}
	lease, wake := sharedTurns(cfg, bus)
	a, err := agent.New(agent.Options{
		Lease: lease, Wake: wake,
		Store: st, Model: model, Tools: reg, Knowledge: kb, Logger: log,
		Instructions: cfg.Instructions.All, Persona: cfg.Persona(),
		// Staff are the configured identities; API callers get their
		// key's role from the server.
		Roles:          &agent.ConfigRoles{Staff: staff},
		Limits:         agent.Limits{BurstWindow: cfg.BurstWindow},
		RecentBytes:    recentBytes(cfg.HistoryCacheMB),
		OnTurnFunc:     metrics.ObserveTurn,
		OnToolCallFunc: metrics.ObserveToolCall,
		OnFallbackFunc: metrics.ObserveFallback,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("agent: %w", err)
	}
	return a, kb, nil
}

// recentBytes is FARO_HISTORY_CACHE as the agent takes it: 0 MiB is none.
func recentBytes(mb int) int64 {
	if mb == 0 {
		return -1
	}
	return int64(mb) << 20
}

// newModel is the offline engine, or the configured provider with the
// offline engine answering whenever the provider fails. The engine names
// the courses of st, as they are when each turn runs.
func newModel(cfg Config, st business.CourseLister, reg *tools.Registry, log *slog.Logger) (llms.Model, error) {
	return newModelWith(cfg, st, reg, log, nil)
}

// newModelWith is newModel with onError, when set, told of every failure of
// the provider (for metrics).
func newModelWith(cfg Config, st business.CourseLister, reg *tools.Registry, log *slog.Logger, onError func()) (llms.Model, error) {
	engine := business.NewModel(st, reg, business.Options{Engine: offline.Options{Logger: log}})
	lc := cfg.LLMConfig()
	if !lc.Remote() {
		log.Info("model", "provider", llm.ProviderOffline)
		return engine, nil
	}
	primary, err := llm.NewModel(lc, nil)
	if err != nil {
		return nil, fmt.Errorf("model (FARO_LLM): %w", err)
	}
	log.Info("model", "provider", cfg.LLM, "model", cfg.LLMModel, "fallback", llm.ProviderOffline)
	return llm.WithFallback(primary, engine, func(err error) {
		log.Warn("the model failed; the offline engine answers", "provider", cfg.LLM, "err", err)
		if onError != nil {
			onError()
		}
	}), nil
}

func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

func runServe(ctx context.Context, env *environment, args []string) error {
	fs, cfgPath := newFlagSet(env, "serve")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := LoadConfig(*cfgPath, env.getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, env)
	if pct, tuned := tuneGC(env.getenv); tuned {
		log.Debug("garbage collector", "gogc", pct)
	}
	m := NewMain(cfg, log)
	if err := m.Run(ctx); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		log.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	case err := <-m.Done():
		_ = m.Close()
		return err
	}
	if err := m.Close(); err != nil {
		return err
	}
	log.Info("stopped")
	return nil
}

func newLogger(cfg Config, env *environment) *slog.Logger {
	level, _ := parseLevel(cfg.LogLevel) // validated by LoadConfig
	opts := &slog.HandlerOptions{Level: level}
	w := env.stderr
	if w == nil {
		w = os.Stderr
	}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// widgetSecret is the server's signing secret: FARO_WIDGET_SECRET, or one
// kept in the data directory so that what it signed survives a restart.
// It signs the widget's visitor tokens and, through a key derived from it,
// the download links of generated documents.
func widgetSecret(cfg Config) ([]byte, error) {
	if cfg.WidgetSecret != "" {
		return []byte(cfg.WidgetSecret), nil
	}
	secret, err := web.LoadOrCreateSecret(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("widget secret (FARO_WIDGET_SECRET or FARO_DATA_DIR): %w", err)
	}
	return secret, nil
}

// newDocuments is the templates and the download links of generated
// documents: under FARO_PUBLIC_URL, signed with a key derived from the
// server's secret, so every server sharing the secret verifies them.
func newDocuments(cfg Config, secret []byte) (tools.DocumentConfig, error) {
	cat, err := documents.New()
	if err != nil {
		return tools.DocumentConfig{}, err
	}
	links, err := documents.NewLinks(cfg.PublicBase(), secret, 0)
	if err != nil {
		return tools.DocumentConfig{}, &configError{"FARO_PUBLIC_URL", err}
	}
	return tools.DocumentConfig{Catalog: cat, Links: links}, nil
}

// newWidget builds the web widget over the agent, its visitor tokens
// signed with secret (see widgetSecret).
func newWidget(cfg Config, st store.Store, a web.Agent, log *slog.Logger, metrics *server.Metrics, secret []byte, bus web.Bus) (*web.Handler, error) {
	opts := web.Options{
		Agent: a, Store: st, Secret: secret, IdentitySecret: []byte(cfg.WidgetIdentitySecret), Bus: bus,
		Origins: cfg.WidgetOrigins, Theme: cfg.WidgetTheme(),
		MaxConnsPerIP: cfg.WidgetMaxConnsPerIP, SessionsPerMinute: cfg.WidgetSessionsPerMinute, Logger: log,
		OnOpen: metrics.WebsocketOpened, OnClose: metrics.WebsocketClosed,
	}
	if ss, ok := st.(store.WebSignalStore); ok {
		opts.SignalStore = ss // every server reads what any widget reported
	}
	h, err := web.New(opts)
	if err != nil {
		return nil, fmt.Errorf("widget: %w", err)
	}
	return h, nil
}
