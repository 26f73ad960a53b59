// Package server is Faro's HTTP front: health and readiness, the admin REST
// API under /api/v1, the OpenAI-compatible API under /v1, Prometheus
// metrics, request ids, API-key auth and a graceful shutdown. Channels
// mount their own routes with [Server.Handle] and close their long-lived
// connections through [Server.OnShutdown].
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/faroai/faro/handoff"
)

// Pinger is what readiness needs of the store: an answer within a deadline.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Readier is a part of the server that must work for it to take
// traffic besides the store (the live bus between servers).
type Readier interface {
	Ready(ctx context.Context) error
}

// Options configures a Server. Only what is set is mounted: the admin API
// needs Admin, its knowledge routes Knowledge, the OpenAI-compatible API
// Agent, /metrics Metrics. Every API route needs an API key from Keys.
type Options struct {
	Store  Pinger
	Logger *slog.Logger
	// ReadyTimeout bounds one readiness check of the store (default 2s).
	ReadyTimeout time.Duration
	// Bus, when set, is ready too, or so is not the server.
	Bus Readier

	// Keys authenticates API keys; nil or empty refuses every API call.
	Keys *Keys
	// Sessions, when set, also admits the console's signed-in browsers.
	Sessions Sessions
	// Admin is the store the admin API reads and writes.
	Admin AdminStore
	// Handoff is the hand-off desk behind staff replies and release; nil
	// makes one over Admin (when Admin is a handoff.Store).
	Handoff *handoff.Desk
	// Knowledge is the knowledge base the admin API changes.
	Knowledge KnowledgeBase
	// Business holds leads, courses, enrolments and tickets; nil leaves
	// their routes out.
	Business BusinessStore
	// Documents serves generated documents: the admin routes, and the
	// signed download links at /d/{id} that need no key. Nil leaves them
	// out.
	Documents *Documents
	// Subscriptions are fed by billing; nil leaves their routes out.
	Subscriptions SubscriptionStore
	// KPIs answer GET /api/v1/kpis; nil leaves it out.
	KPIs KPIReporter
	// Agent answers the OpenAI-compatible API.
	Agent Turner
	// Metrics are served at /metrics (to admin and staff keys) and
	// counted by every request.
	Metrics *Metrics
	// MaxUploadBytes caps a knowledge upload (default 20 MiB).
	MaxUploadBytes int64
	// Clock is the time; nil means time.Now.
	Clock func() time.Time
}

// Server serves Faro's HTTP routes.
type Server struct {
	opts   Options
	mux    *http.ServeMux
	http   *http.Server
	routes []route // the API's routes, documented in the OpenAPI description

	mu       sync.Mutex
	patterns []string // every pattern mounted, for the OpenAPI test
	hooks    []func(context.Context)
	desk     *handoff.Desk
	draining atomic.Bool
}

// New returns a Server with its routes mounted.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.ReadyTimeout <= 0 {
		opts.ReadyTimeout = 2 * time.Second
	}
	if opts.MaxUploadBytes <= 0 {
		opts.MaxUploadBytes = 20 << 20
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	s := &Server{opts: opts, mux: http.NewServeMux(), desk: opts.Handoff}
	if hs, ok := opts.Admin.(handoff.Store); ok && s.desk == nil {
		s.desk, _ = handoff.New(handoff.Options{Store: hs, Logger: opts.Logger, OnDeliverFunc: opts.Metrics.Delivery}) // a store: never fails
	}
	s.Handle("GET /healthz", http.HandlerFunc(s.healthz))
	s.Handle("GET /readyz", http.HandlerFunc(s.readyz))
	if opts.Metrics != nil {
		// Metrics tell a stranger too much (routes, traffic, errors): on
		// this listener they need an admin or staff key; FARO_DEBUG_ADDR's
		// private listener serves them without one.
		s.Handle("GET /metrics", s.authorize(adminStaff, opts.Metrics.Handler().ServeHTTP))
	}
	s.routes = s.apiRoutes()
	for _, rt := range s.routes {
		h := rt.handler
		if rt.roles != nil {
			h = s.authorize(rt.roles, h)
		}
		s.Handle(rt.pattern(), h)
	}
	if opts.Documents != nil && opts.Documents.Store != nil && opts.Documents.Links != nil {
		s.Handle("GET /d/{id}", http.HandlerFunc(s.downloadLink))
	}
	// API paths answer in the API's error shape even when nothing matches.
	s.Handle("/api/", http.HandlerFunc(s.unmatched))
	s.Handle("/v1/", http.HandlerFunc(s.unmatched))
	s.http = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(opts.Logger.Handler(), slog.LevelWarn),
	}
	return s
}

// Handle mounts h at pattern (http.ServeMux syntax). Requests reach h with
// a request id (see [RequestID]) and are counted by pattern in the metrics.
// It panics, as http.ServeMux does, on a pattern that conflicts with one
// already mounted.
func (s *Server) Handle(pattern string, h http.Handler) {
	s.mux.Handle(pattern, h)
	s.mu.Lock()
	s.patterns = append(s.patterns, pattern)
	s.mu.Unlock()
}

// Handler returns the root handler, for tests and embedding.
func (s *Server) Handler() http.Handler { return s }

// Metrics returns the server's metrics (nil when none were configured), so
// channels can count connections and deliveries.
func (s *Server) Metrics() *Metrics { return s.opts.Metrics }

// OnShutdown registers f to run when Shutdown begins, after the server
// stops accepting connections and before it waits for requests in flight:
// the place for a channel to close its websockets (with 1001, going away)
// since hijacked connections are not waited for. Hooks run one after the
// other, in the order registered, each with Shutdown's context.
func (s *Server) OnShutdown(f func(ctx context.Context)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hooks = append(s.hooks, f)
}

// Serve answers requests on l until Shutdown is called. It returns nil after
// a clean shutdown.
func (s *Server) Serve(l net.Listener) error {
	if err := s.http.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("server: serve %s: %w", l.Addr(), err)
	}
	return nil
}

// Drain fails readiness from now on, so that a load balancer sends new
// work (reconnecting widgets among it) to the other servers; Shutdown
// drains too.
func (s *Server) Drain() { s.draining.Store(true) }

// Shutdown stops accepting connections and fails readiness, runs the
// OnShutdown hooks in order, and waits, until ctx ends, for requests in
// flight (turns of the OpenAI-compatible API among them) to finish.
func (s *Server) Shutdown(ctx context.Context) error {
	s.draining.Store(true)
	done := make(chan error, 1)
	// http.Server.Shutdown closes the listeners first, then waits.
	go func() { done <- s.http.Shutdown(ctx) }()
	s.mu.Lock()
	hooks := slices.Clone(s.hooks)
	s.mu.Unlock()
	for _, f := range hooks {
		f(ctx)
	}
	if err := <-done; err != nil {
		return fmt.Errorf("server: shutdown: %w", err)
	}
	return nil
}

// healthz says the process is up; it checks nothing else, so an orchestrator
// does not restart a server whose database is briefly away.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz says whether this server can take traffic: only when the store
// answers, and not once shutting down, so a load balancer moves on.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "shutting down"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.ReadyTimeout)
	defer cancel()
	if s.opts.Store == nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "no store"})
		return
	}
	if err := s.opts.Store.Ping(ctx); err != nil {
		s.log(r.Context()).Warn("readiness check failed", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "database not answering"})
		return
	}
	if s.opts.Bus != nil {
		if err := s.opts.Bus.Ready(ctx); err != nil {
			s.log(r.Context()).Warn("readiness check failed", "err", err)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "live bus not working"})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// unmatched answers API paths no route matched: 405 with Allow when the
// path exists for another method, else 404.
func (s *Server) unmatched(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, p := s.mux.Handler(probe); p != "" && p != "/api/" && p != "/v1/" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		for _, m := range allow {
			w.Header().Add("Allow", m)
		}
		s.writeError(w, r, Errorf(CodeMethodNotAllowed, "%s is not allowed here", r.Method))
		return
	}
	s.writeError(w, r, Errorf(CodeNotFound, "no such API route: %s %s", r.Method, r.URL.Path))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
