package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/documents"
	"github.com/faroai/faro/internal/testlog"
	"github.com/faroai/faro/knowledge"
	"github.com/faroai/faro/kpi"
	"github.com/faroai/faro/llm"
	"github.com/faroai/faro/llm/offline"
	"github.com/faroai/faro/llm/offline/toolcatalog"
	"github.com/faroai/faro/server"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/sqlite"
	"github.com/faroai/faro/tools"
)

// The keys of the tests, by role.
const (
	adminKey    = "admin-secret-0123456789"
	staffKey    = "staff-secret-0123456789"
	studentKey  = "student-secret-0123456789"
	prospectKey = "prospect-secret-0123456789"
)

func testKeys(t *testing.T) *server.Keys {
	t.Helper()
	k, err := server.NewKeys([]server.KeySpec{
		{Name: "ops", Role: server.RoleAdmin, Key: adminKey},
		{Name: "sales", Role: server.RoleStaff, Key: staffKey},
		{Name: "lms", Role: server.RoleStudent, Key: studentKey},
		{Name: "site", Role: server.RoleProspect, Key: prospectKey},
	})
	require.NoError(t, err)
	return k
}

// fullStore is a store with the business data, as both backends are.
type fullStore interface {
	store.Store
	store.Business
}

// bundle is a server over a real store, knowledge base and agent (the
// offline engine), served by httptest.
type bundle struct {
	st      fullStore
	kb      *knowledge.Base
	agent   *agent.Agent
	srv     *server.Server
	http    *httptest.Server
	logs    *testlog.Buffer
	metrics *server.Metrics
}

func openSQLite(t *testing.T) *sqlite.DB {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "faro.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// setup builds the bundle over st (SQLite when nil); edit changes the
// options before the server is built.
func setup(t *testing.T, st fullStore, edit func(*server.Options)) *bundle {
	t.Helper()
	if st == nil {
		st = openSQLite(t)
	}
	logs := &testlog.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	emb, name, err := llm.NewEmbedder(llm.EmbedderConfig{Provider: llm.ProviderOffline})
	require.NoError(t, err)
	kb := knowledge.New(st, emb, name, log)
	reg := tools.NewRegistry(tools.WithLogger(log))
	tools.AddSearchKnowledge(reg, kb)
	tools.AddRequestHuman(reg, st)
	metrics := server.NewMetrics()
	a, err := agent.New(agent.Options{
		Store: st, Model: offline.NewModel(offline.Options{Catalog: toolcatalog.New(reg), Logger: log}),
		Tools: reg, Knowledge: kb, Logger: log,
		Limits:         agent.Limits{BurstWindow: -1},
		OnTurnFunc:     metrics.ObserveTurn,
		OnToolCallFunc: metrics.ObserveToolCall,
		OnFallbackFunc: metrics.ObserveFallback,
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close(context.Background()) })
	cat, err := documents.New()
	require.NoError(t, err)
	links, err := documents.NewLinks("https://faro.example", []byte("a-server-secret-of-32-characters"), time.Hour)
	require.NoError(t, err)
	opts := server.Options{
		Store: st, Logger: log, Keys: testKeys(t), Admin: st, Knowledge: kb, Business: st, Agent: a, Metrics: metrics,
		Documents:     &server.Documents{Store: st, Catalog: cat, Links: links},
		Subscriptions: st, KPIs: kpi.NewReporter(st, nil, nil),
	}
	if edit != nil {
		edit(&opts)
	}
	srv := server.New(opts)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &bundle{st: st, kb: kb, agent: a, srv: srv, http: hs, logs: logs, metrics: metrics}
}

// response is a decoded answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.body, v), "body: %s", r.body)
}

// errorBody decodes the one error shape, failing on anything else.
func (r response) errorBody(t *testing.T) server.ErrorDetail {
	t.Helper()
	var raw map[string]json.RawMessage
	r.json(t, &raw)
	require.Len(t, raw, 1, "only \"error\": %s", r.body)
	var e server.ErrorBody
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&e), "body: %s", r.body)
	require.NotEmpty(t, e.Error.Code)
	require.NotEmpty(t, e.Error.Message)
	require.Equal(t, "application/json", r.header.Get("Content-Type"))
	return e.Error
}

// do sends a request with key (none when empty) and a JSON body when body
// is not nil.
func (b *bundle) do(t *testing.T, method, path, key string, body any) response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, b.http.URL+path, rd)
	require.NoError(t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	return send(t, req)
}

func send(t *testing.T, req *http.Request) response {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return response{status: resp.StatusCode, header: resp.Header, body: raw}
}

// seedConversation stores a contact with a conversation of two messages.
func seedConversation(t *testing.T, st store.Store, name string) (store.Contact, store.Conversation) {
	t.Helper()
	ctx := t.Context()
	c, err := st.CreateContact(ctx, store.Contact{Name: name, Identities: []store.Identity{{Channel: "web", ExternalID: "v-" + name}}})
	require.NoError(t, err)
	conv, err := st.CreateConversation(ctx, store.Conversation{ContactID: c.ID, Channel: "web", ExternalID: "chat-" + name})
	require.NoError(t, err)
	for _, m := range []store.Message{
		{ConversationID: conv.ID, Author: store.AuthorUser, Text: "hola", Channel: "web"},
		{ConversationID: conv.ID, Author: store.AuthorAssistant, Text: "¡Hola! ¿En qué te ayudo?", Channel: "web"},
	} {
		_, _, err := st.AppendMessage(ctx, m)
		require.NoError(t, err)
	}
	return c, conv
}

func stringsReader(s string) io.Reader { return bytes.NewReader([]byte(s)) }
