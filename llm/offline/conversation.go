package offline

import (
	"encoding/json"
	"strings"

	"github.com/faroai/faro/llm/turnctx"
	"github.com/tmc/langchaingo/llms"
)

// The turn context comes from the leaf package turnctx, shared with the
// agent. The error result of a tool is read from its wire format, because
// this package cannot import package tools (tools imports knowledge, whose
// tests import this package); the external tests check it against
// tools.ErrorResult.

// turnContext is the agent's turn context block.
type turnContext = turnctx.Context

// passage is a passage of the turn context, and also of a search_knowledge
// result (tools.Passage), which has the same JSON names.
type passage = turnctx.Passage

// readTurnContext finds the turn context in msgs (the last one wins), as
// turnctx.Read does. A turn's calls all carry its turn context, and parsing
// its passages' JSON again was a good part of a call that decides from the
// memo: a text read before comes from the cache. The context is shared:
// read it only.
func (m *Model) readTurnContext(msgs []llms.MessageContent) (turnContext, bool) {
	return turnctx.ReadWith(msgs, func(text string) (turnContext, bool) {
		if c, ok := m.turnCtxs.get(text); ok {
			return c, true
		}
		c, ok := turnctx.Parse(text)
		if ok {
			m.turnCtxs.put(text, c)
		}
		return c, ok
	})
}

// errorResult mirrors tools.ErrorResult: the content of a tool result that
// is not a success.
type errorResult struct {
	Error   string       `json:"error"`
	Message string       `json:"message"`
	Fields  []fieldError `json:"fields,omitempty"`
}

// fieldError mirrors tools.FieldError.
type fieldError struct {
	Field   string `json:"field"`
	Problem string `json:"problem"`
}

// Problems and codes of tools' error results that the engine acts on
// (tools.ProblemMissing, tools.ProblemUnknown, tools.CodeInvalidArguments).
const (
	problemMissing       = "missing"
	problemUnknown       = "unknown field"
	codeInvalidArguments = "invalid_arguments"
)

// readError parses a tool result as tools.ReadError does: an object with a
// non-empty "error" string.
func readError(content string) (errorResult, bool) {
	// Results are written by encoding/json, which spells the key plainly:
	// without it there is nothing to parse (most results are successes,
	// some of them passages kilobytes long).
	if !strings.Contains(content, `"error"`) {
		return errorResult{}, false
	}
	var er errorResult
	if err := json.Unmarshal([]byte(content), &er); err != nil || er.Error == "" {
		return errorResult{}, false
	}
	return er, true
}

// readMissing reads the names a successful result says are still missing
// ({"status": "incomplete", "missing": ["company", "items"]}): the tool
// did nothing and waits for them.
func readMissing(content string) []string {
	if !strings.Contains(content, `"missing"`) {
		return nil
	}
	var res struct {
		Missing []string `json:"missing"`
	}
	if json.Unmarshal([]byte(content), &res) != nil {
		return nil
	}
	return res.Missing
}

// message is one non-system message of the conversation.
type message struct {
	role  llms.ChatMessageType
	text  string
	calls []llms.ToolCall
	resps []llms.ToolCallResponse
}

// turn is one human message and what followed it until the next one.
type turn struct {
	human string
	// calls and resps are the tool calls made in the turn and their
	// results, in order.
	calls []llms.ToolCall
	resps []llms.ToolCallResponse
	// reply is the last text the assistant said in the turn, if any.
	reply string
}

// toolOf returns the name of the tool a response of the turn answers: its
// own Name, else its call's.
func (t turn) toolOf(resp llms.ToolCallResponse) string {
	if resp.Name != "" {
		return resp.Name
	}
	for _, c := range t.calls {
		if c.ID == resp.ToolCallID && c.FunctionCall != nil {
			return c.FunctionCall.Name
		}
	}
	return ""
}

// conversation is the call's messages as the engine reads them.
type conversation struct {
	tc    turnContext
	hasTC bool
	msgs  []message
	turns []turn
	// lastRole is the role of the last non-system message.
	lastRole llms.ChatMessageType
}

// readConversation sorts the call's messages into turns. System messages
// other than the turn context (the agent's prompt, a running summary) are
// instructions for hosted models; the engine has its own behaviour and
// skips them.
func (m *Model) readConversation(msgs []llms.MessageContent) conversation {
	var c conversation
	c.tc, c.hasTC = m.readTurnContext(msgs)
	for _, mc := range msgs {
		if mc.Role == llms.ChatMessageTypeSystem {
			continue
		}
		m := message{role: mc.Role}
		var texts []string
		for _, p := range mc.Parts {
			switch v := p.(type) {
			case llms.TextContent:
				if s := strings.TrimSpace(v.Text); s != "" {
					texts = append(texts, s)
				}
			case llms.ToolCall:
				m.calls = append(m.calls, v)
			case llms.ToolCallResponse:
				m.resps = append(m.resps, v)
			}
		}
		m.text = strings.Join(texts, "\n")
		if m.role == llms.ChatMessageTypeGeneric || m.role == "" {
			m.role = llms.ChatMessageTypeHuman
		}
		c.msgs = append(c.msgs, m)
		c.lastRole = m.role
		switch m.role {
		case llms.ChatMessageTypeHuman:
			c.turns = append(c.turns, turn{human: m.text})
		case llms.ChatMessageTypeAI:
			if len(c.turns) == 0 {
				continue
			}
			t := &c.turns[len(c.turns)-1]
			t.calls = append(t.calls, m.calls...)
			if m.text != "" {
				t.reply = m.text
			}
		case llms.ChatMessageTypeTool:
			if len(c.turns) == 0 {
				continue
			}
			t := &c.turns[len(c.turns)-1]
			t.resps = append(t.resps, m.resps...)
		}
	}
	return c
}

// callCount is how many tool calls the conversation holds: the next call's
// ID is derived from it, so IDs are deterministic and distinct.
func (c conversation) callCount() int {
	n := 0
	for _, m := range c.msgs {
		n += len(m.calls)
	}
	return n
}

// lastResult returns the last tool result of the conversation and the
// call it answers (found by ID, else by position), when the conversation
// ends with tool results.
func (c conversation) lastResult() (llms.ToolCall, llms.ToolCallResponse, bool) {
	if len(c.msgs) == 0 || c.lastRole != llms.ChatMessageTypeTool {
		return llms.ToolCall{}, llms.ToolCallResponse{}, false
	}
	last := c.msgs[len(c.msgs)-1]
	if len(last.resps) == 0 {
		return llms.ToolCall{}, llms.ToolCallResponse{}, false
	}
	resp := last.resps[len(last.resps)-1]
	var match llms.ToolCall
	found := false
	for i := len(c.msgs) - 1; i >= 0 && !found; i-- {
		for _, call := range c.msgs[i].calls {
			if call.ID == resp.ToolCallID && call.FunctionCall != nil {
				match, found = call, true
				break
			}
		}
	}
	if !found {
		// No ID to go by: the latest call with the result's tool name.
		for i := len(c.msgs) - 1; i >= 0 && !found; i-- {
			for j := len(c.msgs[i].calls) - 1; j >= 0; j-- {
				call := c.msgs[i].calls[j]
				if call.FunctionCall != nil && (resp.Name == "" || call.FunctionCall.Name == resp.Name) {
					match, found = call, true
					break
				}
			}
		}
	}
	if !found {
		match = llms.ToolCall{FunctionCall: &llms.FunctionCall{Name: resp.Name}}
	}
	return match, resp, true
}
