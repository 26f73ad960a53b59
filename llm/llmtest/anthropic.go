package llmtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Anthropic messages, as https://docs.anthropic.com/en/api/messages describes
// them and as the API enforces them.

type anthropicRequest struct {
	Model     string          `json:"model"`
	MaxTokens int             `json:"max_tokens"`
	System    json.RawMessage `json:"system"`
	Stream    bool            `json:"stream"`
	Messages  []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	} `json:"messages"`
	Tools []struct {
		Name        string          `json:"name"`
		Description string          `json:"description"`
		InputSchema json.RawMessage `json:"input_schema"`
	} `json:"tools"`
}

type anthropicBlock struct {
	Type      string          `json:"type"`
	Text      *string         `json:"text"`
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Input     json.RawMessage `json:"input"`
	ToolUseID string          `json:"tool_use_id"`
	Content   json.RawMessage `json:"content"`
}

// anthropicBlocks reads content: a string (one text block) or blocks.
func anthropicBlocks(raw json.RawMessage) ([]anthropicBlock, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return []anthropicBlock{{Type: "text", Text: &s}}, nil
	}
	var blocks []anthropicBlock
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return nil, fmt.Errorf("content: expected a string or an array of content blocks")
	}
	return blocks, nil
}

// text joins the text of blocks (a tool_result's content is a string or
// blocks too).
func blocksText(blocks []anthropicBlock) string {
	var b strings.Builder
	for _, bl := range blocks {
		if bl.Type == "text" && bl.Text != nil {
			b.WriteString(*bl.Text)
		}
	}
	return b.String()
}

func (s *Server) parseAnthropic(r *http.Request, body []byte) (Request, int, string) {
	var req Request
	if r.Header.Get("x-api-key") != s.APIKey {
		return req, http.StatusUnauthorized, fmt.Sprintf("invalid x-api-key %q (want %q)", r.Header.Get("x-api-key"), s.APIKey)
	}
	if r.Header.Get("anthropic-version") == "" {
		return req, http.StatusBadRequest, "anthropic-version: header is required"
	}
	var in anthropicRequest
	if err := json.Unmarshal(body, &in); err != nil {
		return req, http.StatusBadRequest, "invalid request body: " + err.Error()
	}
	req.Model, req.Stream, req.MaxTokens = in.Model, in.Stream, in.MaxTokens
	for _, t := range in.Tools {
		req.Tools = append(req.Tools, Tool{Name: t.Name, Description: t.Description, Parameters: t.InputSchema})
	}
	if len(in.System) > 0 && string(in.System) != "null" {
		blocks, err := anthropicBlocks(in.System)
		if err != nil {
			return req, http.StatusBadRequest, "system: " + err.Error()
		}
		req.System = blocksText(blocks)
		req.Messages = append(req.Messages, Message{Role: "system", Text: req.System})
	}

	// The API joins consecutive messages of one role into one turn, and
	// checks tool results against the turn before.
	type turn struct {
		role   string
		blocks []anthropicBlock
		first  int // index of its first message
	}
	var turns []turn
	for i, m := range in.Messages {
		blocks, err := anthropicBlocks(m.Content)
		if err != nil {
			return req, http.StatusBadRequest, fmt.Sprintf("messages.%d.%v", i, err)
		}
		if m.Role != "user" && m.Role != "assistant" {
			return req, http.StatusBadRequest, fmt.Sprintf("messages.%d.role: Input should be 'user' or 'assistant' (the system prompt is the top-level system parameter), not %q", i, m.Role)
		}
		var text []string
		var calls []ToolCall
		flush := func() {
			if len(text) > 0 || len(calls) > 0 {
				req.Messages = append(req.Messages, Message{Role: m.Role, Text: strings.Join(text, ""), ToolCalls: calls})
			}
			text, calls = nil, nil
		}
		for j, b := range blocks {
			switch b.Type {
			case "text":
				if b.Text == nil || *b.Text == "" {
					return req, http.StatusBadRequest, fmt.Sprintf("messages.%d.content.%d: text content blocks must be non-empty", i, j)
				}
				text = append(text, *b.Text)
			case "tool_use":
				if m.Role != "assistant" {
					return req, http.StatusBadRequest, fmt.Sprintf("messages.%d.content.%d: tool_use blocks are only allowed in assistant messages", i, j)
				}
				if !isJSONObject(b.Input) {
					return req, http.StatusBadRequest, fmt.Sprintf("messages.%d.content.%d.tool_use.input: Input should be a valid dictionary", i, j)
				}
				calls = append(calls, ToolCall{ID: b.ID, Name: b.Name, Args: compactJSON(b.Input)})
			case "tool_result":
				if m.Role != "user" {
					return req, http.StatusBadRequest, fmt.Sprintf("messages.%d.content.%d: tool_result blocks are only allowed in user messages", i, j)
				}
				flush()
				var resText string
				if len(b.Content) > 0 {
					rb, err := anthropicBlocks(b.Content)
					if err != nil {
						return req, http.StatusBadRequest, fmt.Sprintf("messages.%d.content.%d.tool_result.%v", i, j, err)
					}
					resText = blocksText(rb)
				}
				req.Messages = append(req.Messages, Message{Role: "tool", Text: resText, ToolCallID: b.ToolUseID})
			case "image", "document", "thinking", "redacted_thinking":
			default:
				return req, http.StatusBadRequest, fmt.Sprintf("messages.%d.content.%d.type: unknown block type %q", i, j, b.Type)
			}
		}
		flush()
		if n := len(turns); n > 0 && turns[n-1].role == m.Role {
			turns[n-1].blocks = append(turns[n-1].blocks, blocks...)
		} else {
			turns = append(turns, turn{role: m.Role, blocks: blocks, first: i})
		}
	}

	if in.Model == "" {
		return req, http.StatusBadRequest, "model: Field required"
	}
	if in.MaxTokens <= 0 {
		return req, http.StatusBadRequest, "max_tokens: Field required (a positive integer)"
	}
	if len(in.Messages) == 0 {
		return req, http.StatusBadRequest, "messages: at least one message is required"
	}
	for i, t := range in.Tools {
		if !toolNameRE.MatchString(t.Name) {
			return req, http.StatusBadRequest, fmt.Sprintf("tools.%d.name: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'", i)
		}
		if len(t.InputSchema) == 0 || string(t.InputSchema) == "null" {
			return req, http.StatusBadRequest, fmt.Sprintf("tools.%d.input_schema: Field required", i)
		}
		var schema struct {
			Type string `json:"type"`
		}
		if json.Unmarshal(t.InputSchema, &schema) != nil || schema.Type != "object" {
			return req, http.StatusBadRequest, fmt.Sprintf("tools.%d.input_schema.type: Input should be 'object'", i)
		}
	}
	for k, t := range turns {
		if t.role != "user" {
			continue
		}
		uses := map[string]bool{}
		if k > 0 {
			for _, b := range turns[k-1].blocks {
				if b.Type == "tool_use" {
					uses[b.ID] = true
				}
			}
		}
		answered := map[string]bool{}
		for _, b := range t.blocks {
			if b.Type != "tool_result" {
				continue
			}
			if !uses[b.ToolUseID] {
				return req, http.StatusBadRequest, fmt.Sprintf("messages.%d.content: unexpected `tool_use_id` found in `tool_result` blocks: %s. Each `tool_result` block must have a corresponding `tool_use` block in the previous message.", t.first, b.ToolUseID)
			}
			answered[b.ToolUseID] = true
		}
		for id := range uses {
			if !answered[id] {
				return req, http.StatusBadRequest, fmt.Sprintf("messages.%d: `tool_use` ids were found without `tool_result` blocks immediately after: %s. Each `tool_use` block must have a corresponding `tool_result` block in the next message.", turns[k-1].first, id)
			}
		}
	}
	return req, 0, ""
}

func compactJSON(raw json.RawMessage) string {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return string(raw)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func (a answer) anthropicStop() string {
	switch {
	case a.stopReason != "":
		return a.stopReason
	case len(a.calls) > 0:
		return "tool_use"
	}
	return "end_turn"
}

func anthropicResponse(req Request, a answer) map[string]any {
	content := []map[string]any{}
	if a.text != "" {
		content = append(content, map[string]any{"type": "text", "text": a.text})
	}
	for _, c := range a.calls {
		content = append(content, map[string]any{"type": "tool_use", "id": c.ID, "name": c.Name, "input": json.RawMessage(c.Args)})
	}
	return map[string]any{
		"id": a.id, "type": "message", "role": "assistant", "model": req.Model,
		"content": content, "stop_reason": a.anthropicStop(), "stop_sequence": nil,
		"usage": map[string]any{"input_tokens": a.usage.PromptTokens, "output_tokens": a.usage.CompletionTokens},
	}
}

// streamAnthropic sends the answer as the messages API's events:
// message_start, ping, then per content block content_block_start, its
// deltas (text_delta a word at a time, input_json_delta in fragments) and
// content_block_stop, then message_delta with the stop reason and usage, and
// message_stop.
func streamAnthropic(p *pacer, req Request, a answer) {
	p.w.Header().Set("Content-Type", "text/event-stream")
	p.w.Header().Set("Cache-Control", "no-cache")
	start := map[string]any{"type": "message_start", "message": map[string]any{
		"id": a.id, "type": "message", "role": "assistant", "model": req.Model, "content": []any{},
		"stop_reason": nil, "stop_sequence": nil,
		"usage": map[string]any{"input_tokens": a.usage.PromptTokens, "output_tokens": 1},
	}}
	if !p.send(sse("message_start", start), false) || !p.send(sse("ping", map[string]any{"type": "ping"}), false) {
		return
	}
	index := 0
	if a.text != "" {
		if !p.send(sse("content_block_start", map[string]any{"type": "content_block_start", "index": index,
			"content_block": map[string]any{"type": "text", "text": ""}}), false) {
			return
		}
		for _, piece := range a.chunks {
			if !p.send(sse("content_block_delta", map[string]any{"type": "content_block_delta", "index": index,
				"delta": map[string]any{"type": "text_delta", "text": piece}}), true) {
				return
			}
		}
		if !p.send(sse("content_block_stop", map[string]any{"type": "content_block_stop", "index": index}), false) {
			return
		}
		index++
	}
	for _, c := range a.calls {
		if !p.send(sse("content_block_start", map[string]any{"type": "content_block_start", "index": index,
			"content_block": map[string]any{"type": "tool_use", "id": c.ID, "name": c.Name, "input": map[string]any{}}}), false) {
			return
		}
		for _, f := range fragments(c.Args) {
			if !p.send(sse("content_block_delta", map[string]any{"type": "content_block_delta", "index": index,
				"delta": map[string]any{"type": "input_json_delta", "partial_json": f}}), false) {
				return
			}
		}
		if !p.send(sse("content_block_stop", map[string]any{"type": "content_block_stop", "index": index}), false) {
			return
		}
		index++
	}
	if !p.send(sse("message_delta", map[string]any{"type": "message_delta",
		"delta": map[string]any{"stop_reason": a.anthropicStop(), "stop_sequence": nil},
		"usage": map[string]any{"output_tokens": a.usage.CompletionTokens}}), false) {
		return
	}
	p.send(sse("message_stop", map[string]any{"type": "message_stop"}), false)
}
