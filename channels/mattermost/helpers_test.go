package mattermost_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
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

// pg is the package's PostgreSQL for its tests (see pgtest.Shared).
var pg pgtest.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	pg.Stop()
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
	pgURL := pg.URL(t, "the Mattermost tests")
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	db, err := postgres.Open(ctx, pgURL)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
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
