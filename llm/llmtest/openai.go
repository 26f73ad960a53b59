package llmtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// OpenAI chat completions, as https://platform.openai.com/docs/api-reference/chat
// describes them and as the API enforces them.

type openAIRequest struct {
	Model         string          `json:"model"`
	Messages      []openAIMessage `json:"messages"`
	Stream        bool            `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	Tools []struct {
		Type     string `json:"type"`
		Function struct {
			Name        string          `json:"name"`
			Description string          `json:"description"`
			Parameters  json.RawMessage `json:"parameters"`
		} `json:"function"`
	} `json:"tools"`
	MaxTokens           int `json:"max_tokens"`
	MaxCompletionTokens int `json:"max_completion_tokens"`
}

type openAIMessage struct {
	Role       string          `json:"role"`
	Content    json.RawMessage `json:"content"`
	Name       string          `json:"name"`
	ToolCallID string          `json:"tool_call_id"`
	ToolCalls  []struct {
		ID       string `json:"id"`
		Type     string `json:"type"`
		Function struct {
			Name      string `json:"name"`
			Arguments string `json:"arguments"`
		} `json:"function"`
	} `json:"tool_calls"`
}

var toolNameRE = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// parseOpenAI decodes and checks a chat completions request. A problem is
// reported with the status the API would answer.
func (s *Server) parseOpenAI(r *http.Request, body []byte) (Request, int, string) {
	var req Request
	// Ollama's compatible endpoint takes any key, or none.
	if s.kind == "openai" && r.Header.Get("Authorization") != "Bearer "+s.APIKey {
		return req, http.StatusUnauthorized, fmt.Sprintf("Incorrect API key provided: Authorization header %q, want \"Bearer %s\"", r.Header.Get("Authorization"), s.APIKey)
	}
	var in openAIRequest
	if err := json.Unmarshal(body, &in); err != nil {
		return req, http.StatusBadRequest, "We could not parse the JSON body of your request: " + err.Error()
	}
	req.Model, req.Stream = in.Model, in.Stream
	req.MaxTokens = max(in.MaxTokens, in.MaxCompletionTokens)
	for _, t := range in.Tools {
		req.Tools = append(req.Tools, Tool{Name: t.Function.Name, Description: t.Function.Description, Parameters: t.Function.Parameters})
	}
	var systems []string
	for _, m := range in.Messages {
		text, _ := openAIText(m.Content)
		msg := Message{Role: m.Role, Text: text, ToolCallID: m.ToolCallID, Name: m.Name}
		if m.Role == "developer" {
			msg.Role = "system"
		}
		if msg.Role == "system" {
			systems = append(systems, text)
		}
		for _, c := range m.ToolCalls {
			msg.ToolCalls = append(msg.ToolCalls, ToolCall{ID: c.ID, Name: c.Function.Name, Args: c.Function.Arguments})
		}
		req.Messages = append(req.Messages, msg)
	}
	req.System = strings.Join(systems, "\n\n")

	if in.Model == "" {
		return req, http.StatusBadRequest, "you must provide a model parameter"
	}
	if len(in.Messages) == 0 {
		return req, http.StatusBadRequest, "Invalid 'messages': empty array. Expected an array with minimum length 1."
	}
	if in.StreamOptions != nil && !in.Stream {
		return req, http.StatusBadRequest, "The 'stream_options' parameter is only allowed when 'stream' is enabled."
	}
	for i, t := range in.Tools {
		if t.Type != "function" {
			return req, http.StatusBadRequest, fmt.Sprintf("Invalid value for 'tools[%d].type': %q; supported: 'function'.", i, t.Type)
		}
		if !toolNameRE.MatchString(t.Function.Name) {
			return req, http.StatusBadRequest, fmt.Sprintf("Invalid 'tools[%d].function.name': %q does not match '^[a-zA-Z0-9_-]{1,64}$'.", i, t.Function.Name)
		}
		if len(t.Function.Parameters) > 0 && !isJSONObject(t.Function.Parameters) {
			return req, http.StatusBadRequest, fmt.Sprintf("Invalid 'tools[%d].function.parameters': expected an object.", i)
		}
	}
	pending := map[string]bool{} // calls of the last assistant message not yet answered
	var order []string
	for i, m := range in.Messages {
		if m.Role != "tool" && len(pending) > 0 {
			return req, http.StatusBadRequest, unanswered(order, pending)
		}
		switch m.Role {
		case "system", "developer", "user":
			if _, ok := openAIText(m.Content); !ok {
				return req, http.StatusBadRequest, fmt.Sprintf("Invalid 'messages[%d].content': expected a string or an array of content parts.", i)
			}
		case "assistant":
			if _, ok := openAIText(m.Content); !ok && len(m.ToolCalls) == 0 {
				return req, http.StatusBadRequest, fmt.Sprintf("Invalid 'messages[%d]': an assistant message needs content or tool_calls.", i)
			}
			order = order[:0]
			for j, c := range m.ToolCalls {
				switch {
				case c.ID == "":
					return req, http.StatusBadRequest, fmt.Sprintf("Missing required parameter: 'messages[%d].tool_calls[%d].id'.", i, j)
				case c.Type != "function":
					return req, http.StatusBadRequest, fmt.Sprintf("Invalid value for 'messages[%d].tool_calls[%d].type': %q; supported: 'function'.", i, j, c.Type)
				case c.Function.Name == "":
					return req, http.StatusBadRequest, fmt.Sprintf("Missing required parameter: 'messages[%d].tool_calls[%d].function.name'.", i, j)
				}
				pending[c.ID] = true
				order = append(order, c.ID)
			}
		case "tool":
			if m.ToolCallID == "" {
				return req, http.StatusBadRequest, fmt.Sprintf("Missing required parameter: 'messages[%d].tool_call_id'.", i)
			}
			if !pending[m.ToolCallID] {
				return req, http.StatusBadRequest, fmt.Sprintf("Invalid parameter: messages with role 'tool' must be a response to a preceding message with 'tool_calls' (messages[%d].tool_call_id %q answers no pending call).", i, m.ToolCallID)
			}
			delete(pending, m.ToolCallID)
		case "function":
		default:
			return req, http.StatusBadRequest, fmt.Sprintf("Invalid value: %q. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'. (messages[%d].role)", m.Role, i)
		}
	}
	if len(pending) > 0 {
		return req, http.StatusBadRequest, unanswered(order, pending)
	}
	return req, 0, ""
}

func unanswered(order []string, pending map[string]bool) string {
	var ids []string
	for _, id := range order {
		if pending[id] {
			ids = append(ids, id)
		}
	}
	return "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: " + strings.Join(ids, ", ")
}

// openAIText reads a message's content: a string, an array of parts (whose
// text parts are joined), or null (ok is then false).
func openAIText(raw json.RawMessage) (text string, ok bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", false
	}
	if err := json.Unmarshal(raw, &text); err == nil {
		return text, true
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", false
	}
	var b strings.Builder
	for _, p := range parts {
		if p.Type == "text" {
			b.WriteString(p.Text)
		}
	}
	return b.String(), true
}

func isJSONObject(raw json.RawMessage) bool {
	var obj map[string]any
	return json.Unmarshal(raw, &obj) == nil && obj != nil
}

func (a answer) openAIFinish() string {
	switch {
	case a.stopReason != "":
		return a.stopReason
	case len(a.calls) > 0:
		return "tool_calls"
	}
	return "stop"
}

func (a answer) openAIUsage() map[string]any {
	return map[string]any{
		"prompt_tokens":     a.usage.PromptTokens,
		"completion_tokens": a.usage.CompletionTokens,
		"total_tokens":      a.usage.PromptTokens + a.usage.CompletionTokens,
	}
}

func openAIResponse(req Request, a answer) map[string]any {
	msg := map[string]any{"role": "assistant", "content": a.text}
	if len(a.calls) > 0 {
		if a.text == "" {
			msg["content"] = nil
		}
		var calls []map[string]any
		for _, c := range a.calls {
			calls = append(calls, map[string]any{"id": c.ID, "type": "function",
				"function": map[string]any{"name": c.Name, "arguments": c.Args}})
		}
		msg["tool_calls"] = calls
	}
	return map[string]any{
		"id":                 a.id,
		"object":             "chat.completion",
		"created":            time.Now().Unix(),
		"model":              req.Model,
		"system_fingerprint": "fp_llmtest",
		"choices": []map[string]any{{
			"index": 0, "message": msg, "logprobs": nil, "finish_reason": a.openAIFinish(),
		}},
		"usage": a.openAIUsage(),
	}
}

// streamOpenAI sends the answer as chat.completion.chunk events: the role,
// the text a word at a time, each tool call's id and name and then its
// arguments in fragments, the finish reason, the usage when the client asked
// for it (stream_options.include_usage), and [DONE].
func streamOpenAI(p *pacer, req Request, a answer) {
	var in openAIRequest
	json.Unmarshal(req.Body, &in)
	withUsage := in.StreamOptions != nil && in.StreamOptions.IncludeUsage
	created := time.Now().Unix()
	chunk := func(delta map[string]any, finish any) string {
		c := map[string]any{
			"id": a.id, "object": "chat.completion.chunk", "created": created, "model": req.Model,
			"system_fingerprint": "fp_llmtest",
			"choices":            []map[string]any{{"index": 0, "delta": delta, "logprobs": nil, "finish_reason": finish}},
		}
		if withUsage {
			c["usage"] = nil
		}
		return sse("", c)
	}
	p.w.Header().Set("Content-Type", "text/event-stream")
	p.w.Header().Set("Cache-Control", "no-cache")
	if !p.send(chunk(map[string]any{"role": "assistant", "content": ""}, nil), false) {
		return
	}
	for _, piece := range a.chunks {
		if !p.send(chunk(map[string]any{"content": piece}, nil), true) {
			return
		}
	}
	for i, c := range a.calls {
		head := map[string]any{"tool_calls": []map[string]any{{"index": i, "id": c.ID, "type": "function",
			"function": map[string]any{"name": c.Name, "arguments": ""}}}}
		if !p.send(chunk(head, nil), false) {
			return
		}
		for _, f := range fragments(c.Args) {
			frag := map[string]any{"tool_calls": []map[string]any{{"index": i, "function": map[string]any{"arguments": f}}}}
			if !p.send(chunk(frag, nil), false) {
				return
			}
		}
	}
	if !p.send(chunk(map[string]any{}, a.openAIFinish()), false) {
		return
	}
	if withUsage {
		u := map[string]any{"id": a.id, "object": "chat.completion.chunk", "created": created, "model": req.Model,
			"system_fingerprint": "fp_llmtest", "choices": []any{}, "usage": a.openAIUsage()}
		if !p.send(sse("", u), false) {
			return
		}
	}
	p.send("data: [DONE]\n\n", false)
}

// sse formats one server-sent event, with an event name when given.
func sse(event string, data any) string {
	b, _ := json.Marshal(data)
	if event == "" {
		return "data: " + string(b) + "\n\n"
	}
	return "event: " + event + "\ndata: " + string(b) + "\n\n"
}
