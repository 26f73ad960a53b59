package llmtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Ollama's native chat API, as https://github.com/ollama/ollama/blob/main/docs/api.md
// describes it: POST /api/chat, streamed as newline-delimited JSON unless the
// request says "stream": false.

type ollamaRequest struct {
	Model    string `json:"model"`
	Stream   *bool  `json:"stream"`
	Messages []struct {
		Role      string `json:"role"`
		Content   string `json:"content"`
		ToolName  string `json:"tool_name"`
		ToolCalls []struct {
			Function struct {
				Name      string          `json:"name"`
				Arguments json.RawMessage `json:"arguments"`
			} `json:"function"`
		} `json:"tool_calls"`
	} `json:"messages"`
	Tools []struct {
		Type     string `json:"type"`
		Function struct {
			Name        string          `json:"name"`
			Description string          `json:"description"`
			Parameters  json.RawMessage `json:"parameters"`
		} `json:"function"`
	} `json:"tools"`
	Options struct {
		NumPredict int `json:"num_predict"`
	} `json:"options"`
}

func parseOllama(body []byte) (Request, int, string) {
	var req Request
	var in ollamaRequest
	if err := json.Unmarshal(body, &in); err != nil {
		return req, http.StatusBadRequest, "invalid request body: " + err.Error()
	}
	// An absent "stream" means true: Ollama streams unless told not to.
	req.Model, req.Stream, req.MaxTokens = in.Model, in.Stream == nil || *in.Stream, in.Options.NumPredict
	for _, t := range in.Tools {
		req.Tools = append(req.Tools, Tool{Name: t.Function.Name, Description: t.Function.Description, Parameters: t.Function.Parameters})
	}
	var systems []string
	for i, m := range in.Messages {
		switch m.Role {
		case "system", "user", "assistant", "tool":
		default:
			return req, http.StatusBadRequest, fmt.Sprintf("messages[%d]: invalid role %q", i, m.Role)
		}
		msg := Message{Role: m.Role, Text: m.Content, Name: m.ToolName}
		for _, c := range m.ToolCalls {
			msg.ToolCalls = append(msg.ToolCalls, ToolCall{Name: c.Function.Name, Args: compactJSON(c.Function.Arguments)})
		}
		if m.Role == "system" {
			systems = append(systems, m.Content)
		}
		req.Messages = append(req.Messages, msg)
	}
	req.System = strings.Join(systems, "\n\n")
	if in.Model == "" {
		return req, http.StatusBadRequest, "model is required"
	}
	return req, 0, ""
}

func ollamaCalls(a answer) []map[string]any {
	var calls []map[string]any
	for i, c := range a.calls {
		calls = append(calls, map[string]any{"function": map[string]any{
			"index": i, "name": c.Name, "arguments": json.RawMessage(c.Args)}})
	}
	return calls
}

// ollamaFinal is the last object of an answer: the whole message when the
// answer is not streamed, an empty one closing a stream.
func ollamaFinal(req Request, a answer, whole bool) map[string]any {
	msg := map[string]any{"role": "assistant", "content": ""}
	if whole {
		msg["content"] = a.text
		if len(a.calls) > 0 {
			msg["tool_calls"] = ollamaCalls(a)
		}
	}
	reason := a.stopReason
	if reason == "" {
		reason = "stop" // Ollama says stop after tool calls too
	}
	return map[string]any{
		"model": req.Model, "created_at": time.Now().UTC().Format(time.RFC3339Nano),
		"message": msg, "done_reason": reason, "done": true,
		"total_duration": 1000000, "load_duration": 1000, "prompt_eval_count": a.usage.PromptTokens,
		"prompt_eval_duration": 1000, "eval_count": a.usage.CompletionTokens, "eval_duration": 1000,
	}
}

// streamOllama sends one JSON object a line: a piece of text each, the tool
// calls whole in one, and the final object with done and the counts.
func streamOllama(p *pacer, req Request, a answer) {
	p.w.Header().Set("Content-Type", "application/x-ndjson")
	line := func(v any) string {
		b, _ := json.Marshal(v)
		return string(b) + "\n"
	}
	chunk := func(msg map[string]any) string {
		return line(map[string]any{"model": req.Model, "created_at": time.Now().UTC().Format(time.RFC3339Nano),
			"message": msg, "done": false})
	}
	for _, piece := range a.chunks {
		if !p.send(chunk(map[string]any{"role": "assistant", "content": piece}), true) {
			return
		}
	}
	if len(a.calls) > 0 {
		if !p.send(chunk(map[string]any{"role": "assistant", "content": "", "tool_calls": ollamaCalls(a)}), false) {
			return
		}
	}
	p.send(line(ollamaFinal(req, a, false)), false)
}
