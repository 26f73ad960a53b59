package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/server"
	"github.com/faroai/faro/store"
)

// scriptedTurner streams deltas and returns final, recording messages.
type scriptedTurner struct {
	mu     sync.Mutex
	got    []agent.Message
	deltas []string
	final  string
}

func (s *scriptedTurner) Turn(_ context.Context, m agent.Message, stream func(string)) (agent.Reply, error) {
	s.mu.Lock()
	s.got = append(s.got, m)
	s.mu.Unlock()
	if stream != nil {
		for _, d := range s.deltas {
			stream(d)
		}
	}
	return agent.Reply{ConversationID: "conv-1", Text: s.final, Outcome: agent.OutcomeAnswered, Language: "es",
		Usage: agent.Usage{PromptTokens: 7, CompletionTokens: 3}}, nil
}

func (s *scriptedTurner) messages() []agent.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]agent.Message(nil), s.got...)
}

// sseEvents reads the data lines of a server-sent event stream.
func sseEvents(t *testing.T, body string) []string {
	t.Helper()
	var events []string
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		require.True(t, strings.HasPrefix(line, "data: "), "only data lines: %q", line)
		events = append(events, strings.TrimPrefix(line, "data: "))
	}
	return events
}

func TestChatCompletionsStreamFormat(t *testing.T) {
	t.Parallel()
	turner := &scriptedTurner{deltas: []string{"El curso ", "cuesta 300 USD"}, final: "El curso cuesta 300 USD [1]."}
	b := setup(t, nil, func(o *server.Options) { o.Agent = turner })
	r := b.do(t, "POST", "/v1/chat/completions", studentKey, map[string]any{
		"model": "faro", "stream": true, "stream_options": map[string]any{"include_usage": true},
		"messages": []map[string]any{
			{"role": "system", "content": "be nice"},
			{"role": "user", "content": "hola"},
			{"role": "assistant", "content": "¡Hola!"},
			{"role": "user", "content": []map[string]any{{"type": "text", "text": "¿cuánto cuesta?"}}},
		},
	})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	require.Equal(t, "text/event-stream", r.header.Get("Content-Type"))
	events := sseEvents(t, string(r.body))
	require.Equal(t, "[DONE]", events[len(events)-1])
	var text strings.Builder
	var finish []string
	var usage *server.ChatUsage
	var id string
	for i, e := range events[:len(events)-1] {
		var c server.ChatChunk
		require.NoError(t, json.Unmarshal([]byte(e), &c), e)
		require.Equal(t, "chat.completion.chunk", c.Object)
		require.Equal(t, "faro", c.Model)
		if id == "" {
			id = c.ID
		}
		require.Equal(t, id, c.ID, "one id for the stream")
		if i == 0 {
			require.Equal(t, "assistant", c.Choices[0].Delta.Role)
		}
		if c.Usage != nil {
			require.Empty(t, c.Choices, "the usage chunk has no choices")
			usage = c.Usage
			continue
		}
		text.WriteString(c.Choices[0].Delta.Content)
		if c.Choices[0].FinishReason != nil {
			finish = append(finish, *c.Choices[0].FinishReason)
		}
		// finish_reason is present (null) in every chunk, as OpenAI sends it.
		require.Contains(t, e, `"finish_reason":`)
	}
	require.Equal(t, "El curso cuesta 300 USD [1].", text.String(), "the final text completes the streamed preview")
	require.Equal(t, []string{"stop"}, finish)
	require.Equal(t, &server.ChatUsage{PromptTokens: 7, CompletionTokens: 3, TotalTokens: 10}, usage)

	msgs := turner.messages()
	require.Len(t, msgs, 1)
	require.Equal(t, "¿cuánto cuesta?", msgs[0].Text, "only the last user message is a turn")
	require.Equal(t, store.RoleStudent, msgs[0].Role, "the key decides the role")
	require.Equal(t, agent.APIChannel, msgs[0].Channel)
	require.True(t, strings.HasPrefix(msgs[0].ChatID, "lms/"), "conversations are the key's own: %s", msgs[0].ChatID)
}

func TestChatCompletionsConversationIDs(t *testing.T) {
	t.Parallel()
	turner := &scriptedTurner{final: "ok"}
	b := setup(t, nil, func(o *server.Options) { o.Agent = turner })
	ask := func(key string, header string, body map[string]any) string {
		t.Helper()
		raw, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", b.http.URL+"/v1/chat/completions", strings.NewReader(string(raw)))
		req.Header.Set("Authorization", "Bearer "+key)
		if header != "" {
			req.Header.Set(server.ConversationHeader, header)
		}
		r := send(t, req)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		var c server.ChatCompletion
		r.json(t, &c)
		require.Equal(t, "chat.completion", c.Object)
		require.Equal(t, "ok", c.Choices[0].Message.Content)
		require.Equal(t, "stop", c.Choices[0].FinishReason)
		return r.header.Get(server.ConversationHeader)
	}
	first := map[string]any{"messages": []map[string]any{{"role": "user", "content": "hola"}}}
	second := map[string]any{"messages": []map[string]any{{"role": "user", "content": "hola"}, {"role": "assistant", "content": "ok"}, {"role": "user", "content": "y?"}}}
	c1 := ask(prospectKey, "", first)
	require.Equal(t, c1, ask(prospectKey, "", second), "the whole history resent stays in one conversation")
	require.NotEqual(t, c1, ask(prospectKey, "", map[string]any{"messages": []map[string]any{{"role": "user", "content": "otra cosa"}}}))
	require.Equal(t, "mine-42", ask(prospectKey, "mine-42", first))
	require.Equal(t, "u-7", ask(prospectKey, "", map[string]any{"user": "u-7", "messages": first["messages"]}))
	msgs := turner.messages()
	require.Equal(t, msgs[0].ChatID, msgs[1].ChatID)
	require.Equal(t, "site/mine-42", msgs[3].ChatID)
	require.Equal(t, "site/u-7", msgs[4].Sender.ExternalID)
	require.Equal(t, store.RoleProspect, msgs[0].Role)
	// The same id under another key is another conversation.
	ask(adminKey, "mine-42", first)
	msgs = turner.messages()
	require.Equal(t, "ops/mine-42", msgs[5].ChatID)
	require.Equal(t, store.RoleStaff, msgs[5].Role, "an admin is staff to the assistant")

	for _, body := range []map[string]any{
		{"messages": []map[string]any{{"role": "system", "content": "x"}}},
		{"messages": "nope"},
	} {
		r := b.do(t, "POST", "/v1/chat/completions", prospectKey, body)
		require.Equal(t, http.StatusBadRequest, r.status)
		require.Equal(t, server.CodeInvalid, r.errorBody(t).Code)
	}
	var model server.Model
	b.do(t, "GET", "/v1/models/faro", prospectKey, nil).json(t, &model)
	require.Equal(t, "faro", model.ID)
	require.Equal(t, http.StatusNotFound, b.do(t, "GET", "/v1/models/gpt-4o", prospectKey, nil).status)
	r := b.do(t, "POST", "/v1/chat/completions", prospectKey, map[string]any{"model": "gpt-4o", "messages": first["messages"]})
	require.Equal(t, http.StatusNotFound, r.status)
	require.Equal(t, server.CodeNotFound, r.errorBody(t).Code)
}

// TestChatCompletionsOnTheAgent: the real agent (offline engine) answers
// through the API, and the turn is counted in the metrics.
func TestChatCompletionsOnTheAgent(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, nil)
	r := b.do(t, "POST", "/v1/chat/completions", prospectKey, map[string]any{
		"model": "faro", "messages": []map[string]any{{"role": "user", "content": "quiero hablar con una persona"}},
	})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var c server.ChatCompletion
	r.json(t, &c)
	require.NotEmpty(t, c.Choices[0].Message.Content)
	require.NotNil(t, c.Faro)
	require.NotEmpty(t, c.Faro.ConversationID)
	conv, err := b.st.Conversation(t.Context(), c.Faro.ConversationID)
	require.NoError(t, err)
	require.Equal(t, agent.APIChannel, conv.Channel)

	m := b.do(t, "GET", "/metrics", staffKey, nil)
	require.Equal(t, http.StatusOK, m.status)
	text := string(m.body)
	require.Contains(t, text, `faro_turns_total{channel="api",outcome=`)
	require.Contains(t, text, `faro_turn_duration_seconds_bucket{channel="api"`)
	require.Contains(t, text, `faro_tool_calls_total{outcome=`)
	require.Contains(t, text, `faro_http_requests_total{code="200",route="POST /v1/chat/completions"}`)
	require.Contains(t, text, "go_goroutines")
}
