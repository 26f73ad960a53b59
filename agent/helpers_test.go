package agent_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tmc/langchaingo/llms"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/internal/testlog"
	"github.com/faroai/faro/knowledge"
	"github.com/faroai/faro/llm"
	"github.com/faroai/faro/llm/llmtest"
	"github.com/faroai/faro/llm/offline"
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

// backends are the stores the persistence tests run on.
var backends = []struct {
	name string
	open func(t *testing.T) store.Store
}{
	{"sqlite", openSQLite},
	{"postgres", openPostgres},
}

func openSQLite(t *testing.T) store.Store {
	t.Helper()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "faro.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// openPostgres returns a store on the shared PostgreSQL, emptied, held by
// t until it ends. It fails the test, never skips it, when no PostgreSQL
// can be had.
func openPostgres(t *testing.T) store.Store {
	t.Helper()
	pgURL := pg.URL(t, "the agent's tests")
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	db, err := postgres.Open(ctx, pgURL)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// bundle is what a test works with.
type bundle struct {
	store store.Store
	agent *agent.Agent
	tools *tools.Registry
	kb    *knowledge.Base
	logs  *testlog.Buffer
}

// setup builds an agent over st and model, with search_knowledge and
// request_human, a knowledge base holding docs (source → Markdown), no
// burst window, and the edits applied to its options.
func setup(t *testing.T, st store.Store, model llms.Model, docs map[string]string, edit ...func(*agent.Options)) *bundle {
	t.Helper()
	emb, err := offline.NewEmbedder(offline.EmbedderOptions{})
	require.NoError(t, err)
	kb := knowledge.New(st, emb, emb.Name(), nil)
	for source, text := range docs {
		rep, err := kb.IngestData(t.Context(), source, []byte(text), knowledge.IngestOptions{})
		require.NoError(t, err)
		require.Empty(t, rep.Failed)
	}
	reg := tools.NewRegistry()
	tools.AddSearchKnowledge(reg, kb)
	tools.AddRequestHuman(reg, st)
	logs := &testlog.Buffer{}
	opts := agent.Options{
		Store: st, Model: model, Tools: reg, Knowledge: kb,
		Limits: agent.Limits{BurstWindow: -1},
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, e := range edit {
		e(&opts)
	}
	a, err := agent.New(opts)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, a.Close(ctx))
	})
	return &bundle{store: st, agent: a, tools: reg, kb: kb, logs: logs}
}

// openAI is the real langchaingo OpenAI client, made resilient by
// llm.NewModel, pointed at srv; no retries, so each request is one reply.
func openAI(t *testing.T, srv *llmtest.Server) llms.Model {
	t.Helper()
	return provider(t, llm.ProviderOpenAI, srv)
}

func provider(t *testing.T, name string, srv *llmtest.Server) llms.Model {
	t.Helper()
	cfg := llm.Config{Provider: name, Model: "test-model", BaseURL: srv.URL, APIKey: srv.APIKey, Timeout: 30 * time.Second}
	if name == llm.ProviderOllama {
		cfg.APIKey = ""
	}
	m, err := llm.NewModel(cfg, nil)
	require.NoError(t, err)
	return m
}

// from makes a message of sender on the web channel, in chat "chat-1".
func from(sender, platformID, text string) agent.Message {
	return agent.Message{
		Channel: "web", PlatformID: platformID, ChatID: "chat-1",
		Sender: store.Identity{Channel: "web", ExternalID: sender}, SenderName: sender, Text: text,
	}
}

// collector gathers streamed deltas.
type collector struct {
	mu sync.Mutex
	b  strings.Builder
	n  int
}

func (c *collector) add(d string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.b.WriteString(d)
	c.n++
}

func (c *collector) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.b.String()
}

// transcript is the conversation's stored messages as "author: text" or
// "author: tool…" lines, for asserting what was persisted and in what
// order.
func transcript(t *testing.T, st store.Store, convID string) []string {
	t.Helper()
	ms, err := st.Messages(t.Context(), convID, store.MessageQuery{})
	require.NoError(t, err)
	var out []string
	for _, m := range ms {
		switch {
		case len(m.ToolCalls) > 0:
			out = append(out, fmt.Sprintf("%s: calls %s", m.Author, m.ToolCalls))
		case len(m.ToolResults) > 0:
			out = append(out, fmt.Sprintf("%s: result %s", m.Author, m.ToolResults))
		default:
			out = append(out, fmt.Sprintf("%s: %s", m.Author, m.Text))
		}
	}
	return out
}

const priceDoc = `# Precios del curso IA para marketing

El curso IA para marketing cuesta 199 USD y dura seis semanas. Se puede pagar en tres cuotas sin interés.
`

const refundDoc = `# Refund policy

We refund 100% of the price during the first 14 days after purchase, no questions asked.
`
