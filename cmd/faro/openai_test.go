package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/stretchr/testify/require"
	"github.com/tmc/langchaingo/llms"
	lcopenai "github.com/tmc/langchaingo/llms/openai"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/server"
	"github.com/faroai/faro/store"
)

const (
	testAdminKey   = "admin-key-for-tests-0001"
	testStudentKey = "student-key-for-tests-0001"
)

// lockedWriter is a log sink for the server's goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}

// startWithKeys runs a Main on defaults (offline engine, SQLite in a temp
// dir) with an admin and a student key.
func startWithKeys(t *testing.T) (*Main, *lockedWriter) {
	t.Helper()
	logs := &lockedWriter{w: &bytes.Buffer{}}
	cfg := testConfig(t)
	cfg.APIKeys = []server.KeySpec{
		{Name: "ops", Role: server.RoleAdmin, Key: testAdminKey},
		{Name: "lms", Role: server.RoleStudent, Key: testStudentKey},
	}
	m := NewMain(cfg, newLogger(cfg, &environment{stderr: logs}))
	require.NoError(t, m.Run(context.Background()))
	t.Cleanup(func() { require.NoError(t, m.Close()) })
	return m, logs
}

// TestOpenAIClientTalksToFaro: the stock openai-go client, streaming and
// not, against a real Main: Faro is listed as a model, answers from the
// demo knowledge base, keeps one conversation across requests that resend
// the history, and counts the turns in /metrics.
func TestOpenAIClientTalksToFaro(t *testing.T) {
	t.Parallel()
	m, logs := startWithKeys(t)
	base := "http://" + m.Addr()
	client := openai.NewClient(option.WithBaseURL(base+"/v1/"), option.WithAPIKey(testStudentKey), option.WithMaxRetries(0))
	ctx := t.Context()

	models, err := client.Models.List(ctx)
	require.NoError(t, err)
	require.Len(t, models.Data, 1)
	require.Equal(t, "faro", models.Data[0].ID)

	q1 := "¿Cuánto cuesta el curso de IA para marketing?"
	first, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
		Model:    "faro",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage(q1)},
	})
	require.NoError(t, err, "logs:\n%s", logs.String())
	require.Len(t, first.Choices, 1)
	a1 := first.Choices[0].Message.Content
	require.NotEmpty(t, a1)
	require.Equal(t, "stop", first.Choices[0].FinishReason)
	t.Logf("%s → %s", q1, a1)

	// The second request resends the history and streams the answer.
	q2 := "¿Y qué otros cursos tienen?"
	stream := client.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{
		Model: "faro",
		Messages: []openai.ChatCompletionMessageParamUnion{
			openai.UserMessage(q1), openai.AssistantMessage(a1), openai.UserMessage(q2),
		},
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
	})
	var acc openai.ChatCompletionAccumulator
	chunks := 0
	for stream.Next() {
		acc.AddChunk(stream.Current())
		chunks++
	}
	require.NoError(t, stream.Err(), "logs:\n%s", logs.String())
	require.NoError(t, stream.Close())
	require.Greater(t, chunks, 2)
	a2 := acc.Choices[0].Message.Content
	require.NotEmpty(t, a2)
	require.Equal(t, "stop", acc.Choices[0].FinishReason)
	t.Logf("%s → %s", q2, a2)

	// One conversation on the api channel: two user messages (the history
	// was not stored twice) and two replies, the streamed one as stored.
	convs, err := m.Store.ListConversations(ctx, "", 0, 10)
	require.NoError(t, err)
	require.Len(t, convs, 1)
	require.Equal(t, agent.APIChannel, convs[0].Channel)
	msgs, err := m.Store.Messages(ctx, convs[0].ID, store.MessageQuery{})
	require.NoError(t, err)
	var users, replies []string
	for _, msg := range msgs {
		switch msg.Author {
		case store.AuthorUser:
			users = append(users, msg.Text)
		case store.AuthorAssistant:
			if msg.Text != "" { // not a step that only called tools
				replies = append(replies, msg.Text)
			}
		}
	}
	require.Equal(t, []string{q1, q2}, users)
	require.Equal(t, []string{a1, a2}, replies, "what the client read is what was stored")

	// A key that is not configured is refused with OpenAI's status.
	bad := openai.NewClient(option.WithBaseURL(base+"/v1/"), option.WithAPIKey("wrong-key-wrong-key"), option.WithMaxRetries(0))
	_, err = bad.Models.List(ctx)
	var apiErr *openai.Error
	require.True(t, errors.As(err, &apiErr), "%v", err)
	require.Equal(t, http.StatusUnauthorized, apiErr.StatusCode)

	scrape := func() string {
		req, err := http.NewRequest(http.MethodGet, base+"/metrics", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+testAdminKey)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return string(body)
	}
	// A request is counted when its handler returns, which may be just
	// after the client read the end of the stream.
	require.Eventually(t, func() bool {
		return strings.Contains(scrape(), `faro_http_requests_total{code="200",route="POST /v1/chat/completions"} 2`)
	}, 5*time.Second, 20*time.Millisecond)
	text := scrape()
	require.Contains(t, text, `faro_turns_total{channel="api",outcome="answered"} 2`)
	require.Contains(t, text, `faro_turn_duration_seconds_count{channel="api"} 2`)
	require.Contains(t, text, `faro_tool_calls_total{outcome="ok",tool="list_courses"}`)
	require.Contains(t, text, `faro_http_requests_total{code="401",route="GET /v1/models"} 1`)
	require.True(t, strings.Contains(logs.String(), "request_id="), "request ids in the logs")
}

// TestMainServesTheAdminAPI: Main mounts the admin API with the configured
// keys and the OpenAPI description.
func TestMainServesTheAdminAPI(t *testing.T) {
	t.Parallel()
	m, _ := startWithKeys(t)
	base := "http://" + m.Addr()
	get := func(path, key string) int {
		req, _ := http.NewRequestWithContext(t.Context(), "GET", base+path, nil)
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	require.Equal(t, http.StatusOK, get("/api/v1/openapi.json", ""))
	require.Equal(t, http.StatusUnauthorized, get("/api/v1/knowledge/documents", ""))
	require.Equal(t, http.StatusForbidden, get("/api/v1/knowledge/documents", testStudentKey))
	require.Equal(t, http.StatusOK, get("/api/v1/knowledge/documents", testAdminKey))
	require.Equal(t, http.StatusOK, get("/api/v1/courses", testAdminKey))
	require.Equal(t, http.StatusOK, get("/api/v1/leads", testAdminKey))
}

func TestAPIKeysConfig(t *testing.T) {
	t.Parallel()
	env := map[string]string{"FARO_API_KEYS": "ops:admin:0123456789abcdef0123,bot:prospect:fedcba9876543210fedc"}
	cfg, err := LoadConfig("", func(k string) string { return env[k] })
	require.NoError(t, err)
	require.Equal(t, []server.KeySpec{
		{Name: "ops", Role: server.RoleAdmin, Key: "0123456789abcdef0123"},
		{Name: "bot", Role: server.RoleProspect, Key: "fedcba9876543210fedc"},
	}, cfg.APIKeys)

	yamlPath := filepath.Join(t.TempDir(), "faro.yaml")
	require.NoError(t, os.WriteFile(yamlPath, []byte("api_keys:\n  - name: ops\n    role: staff\n    key: 0123456789abcdef0123\n"), 0o600))
	cfg, err = LoadConfig(yamlPath, func(string) string { return "" })
	require.NoError(t, err)
	require.Equal(t, []server.KeySpec{{Name: "ops", Role: server.RoleStaff, Key: "0123456789abcdef0123"}}, cfg.APIKeys)

	for _, bad := range []string{"ops:root:0123456789abcdef0123", "ops:admin:short", "ops-admin"} {
		env["FARO_API_KEYS"] = bad
		_, err = LoadConfig("", func(k string) string { return env[k] })
		var ce *configError
		require.ErrorAs(t, err, &ce, bad)
		require.Equal(t, "FARO_API_KEYS", ce.name)
		require.NotContains(t, err.Error(), "0123456789abcdef0123", "errors never show a secret")
	}
}

// TestLangchaingoClientTalksToFaro: langchaingo's own OpenAI client, the
// one Faro itself uses for providers, streaming and not.
func TestLangchaingoClientTalksToFaro(t *testing.T) {
	t.Parallel()
	m, logs := startWithKeys(t)
	client, err := lcopenai.New(lcopenai.WithBaseURL("http://"+m.Addr()+"/v1"), lcopenai.WithToken(testStudentKey), lcopenai.WithModel("faro"))
	require.NoError(t, err)
	ctx := t.Context()

	q := "What is your refund policy for courses?"
	resp, err := client.GenerateContent(ctx, []llms.MessageContent{llms.TextParts(llms.ChatMessageTypeHuman, q)})
	require.NoError(t, err, "logs:\n%s", logs.String())
	a := resp.Choices[0].Content
	require.NotEmpty(t, a)

	var streamed strings.Builder
	resp, err = client.GenerateContent(ctx, []llms.MessageContent{
		llms.TextParts(llms.ChatMessageTypeHuman, q),
		llms.TextParts(llms.ChatMessageTypeAI, a),
		llms.TextParts(llms.ChatMessageTypeHuman, "¿Y cuánto cuesta el curso de IA para marketing?"),
	}, llms.WithStreamingFunc(func(_ context.Context, chunk []byte) error {
		streamed.Write(chunk)
		return nil
	}))
	require.NoError(t, err, "logs:\n%s", logs.String())
	require.NotEmpty(t, streamed.String())
	require.Equal(t, streamed.String(), resp.Choices[0].Content)

	convs, err := m.Store.ListConversations(ctx, "", 0, 10)
	require.NoError(t, err)
	require.Len(t, convs, 1, "one conversation across both requests")
}
