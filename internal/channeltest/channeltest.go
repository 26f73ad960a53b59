// Package channeltest is what the channel adapters' tests share: the two
// stores they run on, the agent `faro serve` builds, the runtime's jobs
// database, a log kept for a failing test, and the latency figures of
// their benchmarks. It is an ordinary package so that the external test
// packages (slack_test, mattermost_test, discord_test, …) can import it;
// only tests do.
package channeltest

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"github.com/tmc/langchaingo/llms"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/internal/testlog"
	"github.com/faroai/faro/knowledge"
	"github.com/faroai/faro/llm"
	"github.com/faroai/faro/llm/llmtest"
	"github.com/faroai/faro/llm/offline"
	"github.com/faroai/faro/llm/offline/business"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/postgres"
	"github.com/faroai/faro/store/postgres/pgtest"
	"github.com/faroai/faro/store/sqlite"
	"github.com/faroai/faro/tools"
)

// Backend is a store the end-to-end tests run on.
type Backend struct {
	Name string
	Open func(t testing.TB) store.Store
}

// Backends are SQLite and PostgreSQL, the latter on the test package's
// pg; what names the tests for pgtest's messages ("the Slack tests").
func Backends(pg *pgtest.Shared, what string) []Backend {
	return []Backend{
		{"sqlite", OpenSQLite},
		{"postgres", func(t testing.TB) store.Store { return OpenPostgres(t, pg, what) }},
	}
}

// ForEachBackend runs f on each backend in a parallel subtest named for
// it: SQLite runs beside everything, PostgreSQL tests take turns on the
// one PGlite database (pgtest.Shared.URL).
func ForEachBackend(t *testing.T, backends []Backend, f func(t *testing.T, open func(t testing.TB) store.Store)) {
	for _, b := range backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			f(t, b.Open)
		})
	}
}

// OpenSQLite is a new SQLite store in t's temporary directory, closed
// when t ends.
func OpenSQLite(t testing.TB) store.Store {
	t.Helper()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "faro.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// OpenPostgres is a store on pg, emptied and held by t until it ends. It
// fails the test, never skips it, when no PostgreSQL can be had.
func OpenPostgres(t testing.TB, pg *pgtest.Shared, what string) store.Store {
	t.Helper()
	pgURL := pg.URL(t, what)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	db, err := postgres.Open(ctx, pgURL)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// IsPostgres tells whether st is the PostgreSQL store.
func IsPostgres(st store.Store) bool { return strings.Contains(fmt.Sprintf("%T", st), "postgres") }

// Jobs is where the runtime keeps its jobs: a SQLite file beside the
// embedded store, or the PostgreSQL database itself (pg's) beside st.
func Jobs(t testing.TB, pg *pgtest.Shared, st store.Store) relay.Jobs {
	t.Helper()
	if pg.Started() == "" || !IsPostgres(st) {
		return SQLiteJobs(t)
	}
	// PGlite takes eight connections (pgtest's -m 8): the store's pool
	// holds up to four, and the next test's reset needs one.
	cfg, err := pgxpool.ParseConfig(pg.Started())
	require.NoError(t, err)
	cfg.MaxConns = 2
	pool, err := pgxpool.NewWithConfig(t.Context(), cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return relay.PostgresJobs(pool)
}

// SQLiteJobs is a jobs database in a SQLite file of t's temporary
// directory, closed when t ends.
func SQLiteJobs(t testing.TB) relay.Jobs {
	t.Helper()
	db, err := relay.OpenSQLite(filepath.Join(t.TempDir(), "jobs.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return relay.SQLiteJobs(db)
}

// Log is a debug logger into a buffer that is printed if t fails.
func Log(t testing.TB) (*slog.Logger, *testlog.Buffer) {
	logs := &testlog.Buffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs:\n%s", logs.String())
		}
	})
	return slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), logs
}

// AgentOptions shape NewAgent's agent.
type AgentOptions struct {
	Staff []store.Identity
	// Model replaces the offline engine when set.
	Model llms.Model
	// OnTurn is told of every turn (to count model calls).
	OnTurn func(agent.TurnEvent)
}

// NewAgent is the agent `faro serve` builds, over st: every tool, the
// offline engine over the business (or o.Model), staff o.Staff, no burst
// window. It is closed when t ends.
func NewAgent(t testing.TB, st store.Store, log *slog.Logger, o AgentOptions) *agent.Agent {
	t.Helper()
	emb, err := offline.NewEmbedder(offline.EmbedderOptions{})
	require.NoError(t, err)
	kb := knowledge.New(st, emb, emb.Name(), log)
	backend, ok := st.(tools.Backend)
	require.True(t, ok)
	reg, err := tools.NewDefault(backend, kb, tools.DefaultConfig(), log)
	require.NoError(t, err)
	var model llms.Model = business.NewModel(st, reg, business.Options{Engine: offline.Options{Logger: log}})
	if o.Model != nil {
		model = o.Model
	}
	a, err := agent.New(agent.Options{
		Store: st, Model: model, Tools: reg, Knowledge: kb, Logger: log,
		Roles:      &agent.ConfigRoles{Staff: o.Staff},
		Limits:     agent.Limits{BurstWindow: -1},
		OnTurnFunc: o.OnTurn,
	})
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = a.Close(ctx)
	})
	return a
}

// IdleAgent never answers: the agent of a runtime with no workers, which
// never asks it.
type IdleAgent struct{}

// Turn waits for ctx to end.
func (IdleAgent) Turn(ctx context.Context, _ agent.Message, _ func(string)) (agent.Reply, error) {
	<-ctx.Done()
	return agent.Reply{}, ctx.Err()
}

// ReportLatency reports the median and 99th percentile of took, in
// microseconds, as b's µs-p50 and µs-p99; it sorts took.
func ReportLatency(b *testing.B, took []time.Duration) {
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds()), "µs-p50")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds()), "µs-p99")
}

// WaitFor polls until cond holds, failing t after within.
func WaitFor(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Delivered is those of msgs, the bot's messages on a platform, whose
// delivery on channel the runtime recorded as sent (a preview not yet
// replaced by its reply is not one), in order; id is a message's
// platform id.
func Delivered[M any](t testing.TB, st store.Store, channel string, msgs []M, id func(M) string) []M {
	t.Helper()
	var out []M
	for _, m := range msgs {
		d, err := st.DeliveryByPlatformID(t.Context(), channel, id(m))
		if err == nil && d.Status == store.DeliverySent {
			out = append(out, m)
		}
	}
	return out
}

// OpenAIModel is the OpenAI client `faro serve` builds, against a local
// OpenAI-compatible server that answers replies: a model whose answer
// the test chooses (a long one, say).
func OpenAIModel(t testing.TB, replies ...llmtest.Reply) llms.Model {
	t.Helper()
	srv := llmtest.NewOpenAI(t, replies...)
	model, err := llm.NewModel(llm.Config{Provider: llm.ProviderOpenAI, Model: "test-model", BaseURL: srv.BaseURL(),
		APIKey: srv.APIKey, Timeout: 30 * time.Second}, nil)
	require.NoError(t, err)
	return model
}

// LongReply is head and then n paragraphs "Párrafo NN. …" of some 250
// characters each, NN of digits digits: an answer to split into parts
// whose order ParagraphNumbers tells.
func LongReply(head string, n, digits int) string {
	var b strings.Builder
	b.WriteString(head)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "Párrafo %0*d. %s\n\n", digits, i, strings.Repeat("El curso de IA para marketing enseña a automatizar campañas. ", 4))
	}
	return strings.TrimSpace(b.String())
}

// ParagraphNumbers are the numbers of LongReply's "Párrafo NN." in s, in
// order.
func ParagraphNumbers(s string, digits int) []int {
	format := fmt.Sprintf("%%0%dd.", digits)
	var out []int
	for _, f := range strings.Split(s, "Párrafo ")[1:] {
		var n int
		if _, err := fmt.Sscanf(f, format, &n); err == nil {
			out = append(out, n)
		}
	}
	return out
}
