package slack_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tmc/langchaingo/llms"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/knowledge"
	"github.com/faroai/faro/llm/offline"
	"github.com/faroai/faro/llm/offline/business"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/postgres"
	"github.com/faroai/faro/store/postgres/pgtest"
	"github.com/faroai/faro/store/sqlite"
	"github.com/faroai/faro/tools"
)

// The PostgreSQL of the package's tests (PGlite unless
// FARO_TEST_DATABASE_URL is set), started by the first test that needs
// it. PGlite is one database: tests on it take pgMu and reset it.
var (
	pgOnce sync.Once
	pgURL  string
	pgStop func()
	pgErr  error
	pgMu   sync.Mutex
)

func TestMain(m *testing.M) {
	code := m.Run()
	if pgStop != nil {
		pgStop()
	}
	os.Exit(code)
}

// backends are the stores the end-to-end tests run on.
var backends = []struct {
	name string
	open func(t testing.TB) store.Store
}{
	{"sqlite", openSQLite},
	{"postgres", openPostgres},
}

func openSQLite(t testing.TB) store.Store {
	t.Helper()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "faro.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func openPostgres(t testing.TB) store.Store {
	t.Helper()
	pgOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		pgURL, pgStop, pgErr = pgtest.Start(ctx)
	})
	require.NoError(t, pgErr, "PostgreSQL (PGlite from node_modules, or %s)", pgtest.EnvURL)
	pgMu.Lock()
	t.Cleanup(pgMu.Unlock)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	require.NoError(t, pgtest.Reset(ctx, pgURL))
	db, err := postgres.Open(ctx, pgURL)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// syncBuffer is a log sink goroutines may share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// agentOptions shape newAgent's agent.
type agentOptions struct {
	staff []store.Identity
	// model replaces the offline engine when set.
	model llms.Model
	// onTurn is told of every turn (to count model calls).
	onTurn func(agent.TurnEvent)
}

// newAgent is the agent `faro serve` builds, over st: every tool, the
// offline engine over the business (or o.model), staff o.staff, no burst
// window.
func newAgent(t testing.TB, st store.Store, log *slog.Logger, o agentOptions) *agent.Agent {
	t.Helper()
	emb, err := offline.NewEmbedder(offline.EmbedderOptions{})
	require.NoError(t, err)
	kb := knowledge.New(st, emb, emb.Name(), log)
	backend, ok := st.(tools.Backend)
	require.True(t, ok)
	reg, err := tools.NewDefault(backend, kb, tools.DefaultConfig(), log)
	require.NoError(t, err)
	var model llms.Model = business.NewModel(st, reg, business.Options{Engine: offline.Options{Logger: log}})
	if o.model != nil {
		model = o.model
	}
	a, err := agent.New(agent.Options{
		Store: st, Model: model, Tools: reg, Knowledge: kb, Logger: log,
		Roles:      &agent.ConfigRoles{Staff: o.staff},
		Limits:     agent.Limits{BurstWindow: -1},
		OnTurnFunc: o.onTurn,
	})
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = a.Close(ctx)
	})
	return a
}
