package relay_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/internal/testlog"
	"github.com/faroai/faro/knowledge"
	"github.com/faroai/faro/llm"
	"github.com/faroai/faro/llm/offline"
	"github.com/faroai/faro/llm/offline/toolcatalog"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/postgres"
	"github.com/faroai/faro/store/postgres/pgtest"
	"github.com/faroai/faro/store/sqlite"
	"github.com/faroai/faro/tools"
)

// pg is the package's PostgreSQL for its tests (see pgtest.Shared).
var pg pgtest.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	pg.Stop()
	os.Exit(code)
}

// backends are the stores every runtime test runs on.
var backends = []string{"sqlite", "postgres"}

// env is a runtime over a real store and the real agent (offline engine).
type env struct {
	store   store.Store
	agent   *agent.Agent
	runtime *relay.Runtime
	logs    *testlog.Buffer
	// jobs is the SQLite jobs database (nil on PostgreSQL).
	jobs *sql.DB

	mu     sync.Mutex
	events []relay.DeliveryEvent
}

// setup builds an env on backend with the adapters; edit changes the
// runtime's options (short backoffs are the default here).
func setup(t *testing.T, backend string, edit func(*relay.Options), adapters ...relay.Adapter) *env {
	t.Helper()
	e := &env{logs: &testlog.Buffer{}}
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var jobs relay.Jobs
	switch backend {
	case "sqlite":
		dir := t.TempDir()
		db, err := sqlite.Open(t.Context(), filepath.Join(dir, "faro.db"))
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		e.store = db
		jdb, err := relay.OpenSQLite(filepath.Join(dir, "jobs.db"))
		require.NoError(t, err)
		t.Cleanup(func() { _ = jdb.Close() })
		jobs, e.jobs = relay.SQLiteJobs(jdb), jdb
	case "postgres":
		pgURL := pg.URL(t, "the runtime's tests")
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		db, err := postgres.Open(ctx, pgURL)
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		e.store = db
		pool, err := pgxpool.New(ctx, pgURL)
		require.NoError(t, err)
		t.Cleanup(pool.Close)
		jobs = relay.PostgresJobs(pool)
	}
	emb, name, err := llm.NewEmbedder(llm.EmbedderConfig{Provider: llm.ProviderOffline})
	require.NoError(t, err)
	kb := knowledge.New(e.store, emb, name, log)
	reg := tools.NewRegistry(tools.WithLogger(log))
	tools.AddSearchKnowledge(reg, kb)
	e.agent, err = agent.New(agent.Options{
		Store: e.store, Model: offline.NewModel(offline.Options{Catalog: toolcatalog.New(reg), Logger: log}),
		Tools: reg, Knowledge: kb, Logger: log, Limits: agent.Limits{BurstWindow: -1},
	})
	require.NoError(t, err)
	opts := relay.Options{
		Agent: e.agent, Store: e.store, Jobs: jobs, Logger: log,
		BackoffBase: 20 * time.Millisecond, BackoffMax: 200 * time.Millisecond, PollInterval: 20 * time.Millisecond,
		OnDeliveryFunc: func(ev relay.DeliveryEvent) {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.events = append(e.events, ev)
		},
	}
	if edit != nil {
		edit(&opts)
	}
	e.runtime, err = relay.New(opts)
	require.NoError(t, err)
	for _, a := range adapters {
		require.NoError(t, e.runtime.Register(a))
	}
	require.NoError(t, e.runtime.Start(t.Context()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = e.runtime.Stop(ctx)
		_ = e.agent.Close(ctx)
	})
	return e
}

// inbound is a message of chat from user on the test channel.
func inbound(channel, platformID, chat, text string) relay.Inbound {
	addr, _ := json.Marshal(map[string]string{"chat": chat})
	return relay.Inbound{
		Message: agent.Message{Channel: channel, PlatformID: platformID, ChatID: chat,
			Sender: store.Identity{Channel: channel, ExternalID: "user-" + chat}, SenderName: "Ana", Text: text},
		Address: addr,
	}
}

func (e *env) failures(reason string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, ev := range e.events {
		if ev.Status == store.DeliveryFailed && (reason == "" || ev.Reason == reason) {
			n++
		}
	}
	return n
}

// fake is an adapter that records what it sends and fails as scripted.
type fake struct {
	name  string
	limit int
	// fail, when set, decides the outcome of each call (n counts calls
	// from 1); nil error sends.
	fail func(n int, out relay.Outbound) error

	mu      sync.Mutex
	calls   int
	sent    []relay.Outbound
	at      []time.Time
	typings int
}

func (f *fake) Channel() string { return f.name }

func (f *fake) Limit() (int, func(string) int) { return f.limit, relay.Runes }

func (f *fake) Render(r agent.Reply) string { return r.Text }

func (f *fake) Deliver(_ context.Context, out relay.Outbound) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.fail != nil {
		if err := f.fail(f.calls, out); err != nil {
			return "", err
		}
	}
	f.sent = append(f.sent, out)
	f.at = append(f.at, time.Now())
	return fmt.Sprintf("%s-%d", f.name, len(f.sent)), nil
}

func (f *fake) Typing(context.Context, relay.Inbound) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.typings++
	return nil
}

func (f *fake) TypingEvery() time.Duration { return 10 * time.Millisecond }

func (f *fake) snapshot() []relay.Outbound {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]relay.Outbound(nil), f.sent...)
}

// waitSent waits until the fake has sent n parts.
func (f *fake) waitSent(t *testing.T, n int, within time.Duration, logs *testlog.Buffer) []relay.Outbound {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if s := f.snapshot(); len(s) >= n {
			return s
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%d of %d parts sent in %s; logs:\n%s", len(f.snapshot()), n, within, logs.String())
	return nil
}

var errDown = errors.New("502 bad gateway")
