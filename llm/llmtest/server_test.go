package llmtest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// captureTB records the failures a server reports instead of failing the
// test, so the failures themselves can be checked.
type captureTB struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (c *captureTB) Errorf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errs = append(c.errs, fmt.Sprintf(format, args...))
}

func (c *captureTB) Failed() bool { return false }

func (c *captureTB) errors() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.errs...)
}

func post(t *testing.T, url string, header map[string]string, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func TestOpenAIRejectsWhatOpenAIRejects(t *testing.T) {
	t.Parallel()
	auth := map[string]string{"Authorization": "Bearer " + DefaultAPIKey}
	cases := []struct {
		name   string
		header map[string]string
		body   string
		status int
		want   string
	}{
		{"wrong key", map[string]string{"Authorization": "Bearer nope"}, `{"model":"m","messages":[{"role":"user","content":"hi"}]}`, 401, "Incorrect API key"},
		{"no model", auth, `{"messages":[{"role":"user","content":"hi"}]}`, 400, "model"},
		{"tool result without call", auth, `{"model":"m","messages":[{"role":"user","content":"hi"},{"role":"tool","tool_call_id":"call_1","content":"x"}]}`, 400, "must be a response to a preceding message with 'tool_calls'"},
		{"call without result", auth, `{"model":"m","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"user","content":"?"}]}`, 400, "did not have response messages: call_1"},
		{"call without type", auth, `{"model":"m","messages":[{"role":"user","content":"hi"},{"role":"assistant","tool_calls":[{"id":"call_1","type":"","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"call_1","content":"x"}]}`, 400, "tool_calls[0].type"},
		{"bad tool name", auth, `{"model":"m","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"enroll course"}}]}`, 400, "function.name"},
		{"stream options without stream", auth, `{"model":"m","messages":[{"role":"user","content":"hi"}],"stream_options":{"include_usage":true}}`, 400, "stream_options"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tb := &captureTB{TB: t}
			srv := NewOpenAI(tb)
			status, body := post(t, srv.URL+"/v1/chat/completions", c.header, c.body)
			require.Equal(t, c.status, status, body)
			require.Contains(t, body, c.want)
			require.Len(t, tb.errors(), 1)
			require.Contains(t, tb.errors()[0], c.want)
			require.Equal(t, c.want != "", srv.Requests()[0].Rejected != "")
		})
	}
}

func TestAnthropicRejectsWhatAnthropicRejects(t *testing.T) {
	t.Parallel()
	hdr := map[string]string{"x-api-key": DefaultAPIKey, "anthropic-version": "2023-06-01"}
	cases := []struct {
		name   string
		header map[string]string
		body   string
		status int
		want   string
	}{
		{"wrong key", map[string]string{"x-api-key": "nope", "anthropic-version": "2023-06-01"}, `{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}`, 401, "x-api-key"},
		{"no version", map[string]string{"x-api-key": DefaultAPIKey}, `{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}`, 400, "anthropic-version"},
		{"no max_tokens", hdr, `{"model":"m","messages":[{"role":"user","content":"hi"}]}`, 400, "max_tokens"},
		{"system role", hdr, `{"model":"m","max_tokens":10,"messages":[{"role":"system","content":"be nice"},{"role":"user","content":"hi"}]}`, 400, "top-level system"},
		{"empty text", hdr, `{"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"text","text":""}]}]}`, 400, "non-empty"},
		{"tool without schema", hdr, `{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}],"tools":[{"name":"f"}]}`, 400, "input_schema: Field required"},
		{"result without use", hdr, `{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"ok"},{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"x"}]}]}`, 400, "unexpected `tool_use_id`"},
		{"use without result", hdr, `{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"f","input":{}}]},{"role":"user","content":"?"}]}`, 400, "without `tool_result`"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tb := &captureTB{TB: t}
			srv := NewAnthropic(tb)
			status, body := post(t, srv.URL+"/v1/messages", c.header, c.body)
			require.Equal(t, c.status, status, body)
			require.Contains(t, body, c.want)
			require.Contains(t, body, `"type":"error"`)
			require.Len(t, tb.errors(), 1)
		})
	}
}

// TestAnthropicMergesTurns: consecutive messages of one role are one turn,
// so a tool call split from its text is still answered in order.
func TestAnthropicMergesTurns(t *testing.T) {
	t.Parallel()
	srv := NewAnthropic(t, Reply{Text: "ok"})
	hdr := map[string]string{"x-api-key": DefaultAPIKey, "anthropic-version": "2023-06-01"}
	status, body := post(t, srv.URL+"/v1/messages", hdr, `{"model":"m","max_tokens":10,"system":"sé breve","messages":[
		{"role":"user","content":"hi"},
		{"role":"assistant","content":[{"type":"text","text":"voy"}]},
		{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"f","input":{"a":1}}]},
		{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"hecho"}]}]}]}`)
	require.Equal(t, 200, status, body)
	req := srv.Requests()[0]
	require.Equal(t, "sé breve", req.System)
	res, ok := req.LastToolResult()
	require.True(t, ok)
	require.Equal(t, Message{Role: "tool", Text: "hecho", ToolCallID: "toolu_1"}, res)
	require.Equal(t, []Message{
		{Role: "system", Text: "sé breve"},
		{Role: "user", Text: "hi"},
		{Role: "assistant", Text: "voy"},
		{Role: "assistant", ToolCalls: []ToolCall{{ID: "toolu_1", Name: "f", Args: `{"a":1}`}}},
		{Role: "tool", Text: "hecho", ToolCallID: "toolu_1"},
	}, req.Messages)
}

func TestScriptMisuseFailsTheTest(t *testing.T) {
	t.Parallel()
	auth := map[string]string{"Authorization": "Bearer " + DefaultAPIKey}
	t.Run("request after the script", func(t *testing.T) {
		tb := &captureTB{TB: t}
		srv := NewOpenAI(tb)
		status, _ := post(t, srv.URL+"/v1/chat/completions", auth, `{"model":"m","messages":[{"role":"user","content":"hola"}]}`)
		require.Equal(t, 500, status)
		require.Len(t, tb.errors(), 1)
		require.Contains(t, tb.errors()[0], "no reply left for request 0")
		require.Contains(t, tb.errors()[0], `"hola"`)
	})
	tb := &captureTB{}
	t.Run("reply never requested", func(t *testing.T) {
		tb.TB = t
		NewOpenAI(tb, Reply{Text: "a"}, Reply{Text: "b", Times: 2}, Reply{Text: "c", Times: Forever})
	})
	require.Len(t, tb.errors(), 1)
	require.Contains(t, tb.errors()[0], "2 scripted replies were never requested")
	t.Run("unknown path", func(t *testing.T) {
		tb := &captureTB{TB: t}
		srv := NewOpenAI(tb)
		status, _ := post(t, srv.URL+"/v1/embeddings", auth, `{}`)
		require.Equal(t, 404, status)
		require.Len(t, tb.errors(), 1)
	})
	t.Run("args that are not an object", func(t *testing.T) {
		tb := &captureTB{TB: t}
		srv := NewOllama(tb, Reply{ToolCalls: []ToolCall{{Name: "f", Args: `"x"`}}})
		status, _ := post(t, srv.URL+"/api/chat", nil, `{"model":"m","messages":[{"role":"user","content":"hola"}]}`)
		require.Equal(t, 500, status)
		require.Len(t, tb.errors(), 1)
		require.Contains(t, tb.errors()[0], "not a JSON object")
	})
}

// TestHandle: another endpoint can share the server.
func TestHandle(t *testing.T) {
	t.Parallel()
	srv := NewOpenAI(t)
	srv.Handle("/v1/embeddings", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, `{"data":[]}`)
	}))
	status, body := post(t, srv.URL+"/v1/embeddings", nil, `{}`)
	require.Equal(t, 200, status)
	require.Equal(t, `{"data":[]}`, body)
	require.Empty(t, srv.Requests())
}

// TestOpenAIStreamShape checks the events against what OpenAI sends.
func TestOpenAIStreamShape(t *testing.T) {
	t.Parallel()
	srv := NewOpenAI(t, Reply{Text: "Hola amigo", ToolCalls: []ToolCall{{ID: "call_9", Name: "f", Args: `{"course":"ia-101-avanzado"}`}}})
	auth := map[string]string{"Authorization": "Bearer " + DefaultAPIKey}
	status, body := post(t, srv.URL+"/v1/chat/completions", auth,
		`{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hola"}]}`)
	require.Equal(t, 200, status)
	var deltas []string
	var args strings.Builder
	var finish string
	var usage map[string]any
	sc := bufio.NewScanner(strings.NewReader(body))
	var last string
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		require.True(t, strings.HasPrefix(line, "data: "), line)
		last = strings.TrimPrefix(line, "data: ")
		if last == "[DONE]" {
			continue
		}
		var ev struct {
			Object  string `json:"object"`
			Choices []struct {
				Delta struct {
					Content   string `json:"content"`
					ToolCalls []struct {
						Index    int    `json:"index"`
						ID       string `json:"id"`
						Function struct {
							Name      string `json:"name"`
							Arguments string `json:"arguments"`
						} `json:"function"`
					} `json:"tool_calls"`
				} `json:"delta"`
				FinishReason *string `json:"finish_reason"`
			} `json:"choices"`
			Usage map[string]any `json:"usage"`
		}
		require.NoError(t, json.Unmarshal([]byte(last), &ev))
		require.Equal(t, "chat.completion.chunk", ev.Object)
		if ev.Usage != nil {
			usage = ev.Usage
		}
		for _, c := range ev.Choices {
			if c.Delta.Content != "" {
				deltas = append(deltas, c.Delta.Content)
			}
			for _, tc := range c.Delta.ToolCalls {
				require.Equal(t, 0, tc.Index)
				args.WriteString(tc.Function.Arguments)
			}
			if c.FinishReason != nil {
				finish = *c.FinishReason
			}
		}
	}
	require.Equal(t, "[DONE]", last)
	require.Equal(t, []string{"Hola", " amigo"}, deltas)
	require.Equal(t, `{"course":"ia-101-avanzado"}`, args.String())
	require.Equal(t, "tool_calls", finish)
	require.NotNil(t, usage)
}

func TestWordsAndFragments(t *testing.T) {
	t.Parallel()
	require.Equal(t, []string{"Hola,", " ¿qué", " tal?", "\n\nBien"}, words("Hola, ¿qué tal?\n\nBien"))
	require.Empty(t, words(""))
	frags := fragments(`{"nombre":"José Ñúñez Ávila"}`)
	require.Greater(t, len(frags), 1)
	require.Equal(t, `{"nombre":"José Ñúñez Ávila"}`, strings.Join(frags, ""))
	for _, f := range frags {
		require.True(t, utf8.ValidString(f), "fragment %q splits a rune", f)
	}
}
