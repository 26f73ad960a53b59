package agent

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tmc/langchaingo/llms"

	"github.com/faroai/faro/store"
	"github.com/faroai/faro/tools"
)

// historyMessages turns stored messages, decoded, into the model's
// conversation: user, assistant and tool messages, with each tool call sent
// back as an assistant message holding that one call followed by the tool
// message answering it — the shape every provider accepts (see package
// llm).
//
// A call's result is found among the later messages by call id, wherever
// it was stored: a user message may have been stored between a call and
// its result. A call with no stored result (the process stopped while it
// ran, or the history window cut it off) is answered with a note saying
// so; a result whose call is outside the window is left out; consecutive
// user messages (a burst) become one.
//
// Messages are put in the order of the turns, not of their Seq: a reply,
// and the tool calls of its turn, come right after the newest message it
// answers, even if a message of someone else was stored in between (a
// group chat: "ana asks, bob asks, ana's answer" is sent as "ana asks,
// ana's answer, bob asks").
func historyMessages(msgs []histMsg) []llms.MessageContent {
	msgs = turnOrder(msgs)
	var out []llms.MessageContent
	used := make([]bool, len(msgs))
	for i, m := range msgs {
		switch m.author {
		case store.AuthorUser:
			text := strings.TrimSpace(m.text)
			if text == "" {
				continue
			}
			if n := len(out); n > 0 && out[n-1].Role == llms.ChatMessageTypeHuman {
				prev := out[n-1].Parts[0].(llms.TextContent)
				out[n-1].Parts[0] = llms.TextPart(prev.Text + "\n" + text)
				continue
			}
			out = append(out, llms.TextParts(llms.ChatMessageTypeHuman, text))
		case store.AuthorAssistant, store.AuthorStaff:
			if len(m.calls) == 0 {
				text := strings.TrimSpace(m.text)
				if text == "" {
					continue
				}
				if m.author == store.AuthorStaff {
					text = "(a member of staff wrote) " + text
				}
				out = append(out, llms.TextParts(llms.ChatMessageTypeAI, text))
				continue
			}
			for _, c := range m.calls {
				res, ok := findResult(msgs, used, i, c.ID)
				if !ok {
					res = ToolResultRecord{ToolCallID: c.ID, Name: c.Name, Status: tools.StatusError,
						Content: `{"error":"interrupted","message":"no result was recorded for this call"}`}
				}
				out = append(out, callMessages(c, res.Content)...)
			}
		}
	}
	return out
}

// callMessages is one tool call and its result as the model sees them.
func callMessages(c ToolCallRecord, content string) []llms.MessageContent {
	args := c.Arguments
	if !json.Valid([]byte(args)) {
		// Anthropic's client parses the arguments it sends back.
		args = "{}"
	}
	return []llms.MessageContent{
		{Role: llms.ChatMessageTypeAI, Parts: []llms.ContentPart{llms.ToolCall{
			ID: c.ID, Type: "function", FunctionCall: &llms.FunctionCall{Name: c.Name, Arguments: args},
		}}},
		{Role: llms.ChatMessageTypeTool, Parts: []llms.ContentPart{llms.ToolCallResponse{
			ToolCallID: c.ID, Name: c.Name, Content: content,
		}}},
	}
}

// turnOrder sorts msgs by turn: each message gets an anchor, the Seq of
// the user message it follows in the conversation's logic — a user or
// staff message its own Seq; a bot message the newest message answered by
// the first reply at or after it (its turn's), or, when no reply follows
// yet (a turn still running), the user message stored before it — and
// messages are sorted by anchor, user messages first, then by Seq.
func turnOrder(msgs []histMsg) []histMsg {
	type keyed struct {
		m      histMsg
		anchor int64
		user   bool
	}
	ks := make([]keyed, len(msgs))
	var next int64 = -1 // anchor of the first reply at or after i
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		if len(m.answers) > 0 {
			next = slices.Max(m.answers)
		}
		ks[i] = keyed{m: m, anchor: next, user: m.author == store.AuthorUser || m.author == store.AuthorStaff}
	}
	var lastUser int64
	for i := range ks {
		switch {
		case ks[i].user:
			ks[i].anchor = ks[i].m.seq
			lastUser = ks[i].m.seq
		case ks[i].anchor < 0:
			ks[i].anchor = lastUser
		}
	}
	slices.SortStableFunc(ks, func(x, y keyed) int {
		if c := cmp.Compare(x.anchor, y.anchor); c != 0 {
			return c
		}
		if x.user != y.user {
			if x.user {
				return -1
			}
			return 1
		}
		return cmp.Compare(x.m.seq, y.m.seq)
	})
	out := make([]histMsg, len(ks))
	for i, k := range ks {
		out[i] = k.m
	}
	return out
}

// findResult finds the first unused tool message that answers call id,
// looking after msgs[i] first.
func findResult(msgs []histMsg, used []bool, i int, id string) (ToolResultRecord, bool) {
	if r, ok := findResultIn(msgs, used, i+1, len(msgs), id); ok {
		return r, true
	}
	return findResultIn(msgs, used, 0, i, id)
}

func findResultIn(msgs []histMsg, used []bool, from, to int, id string) (ToolResultRecord, bool) {
	for j := from; j < to; j++ {
		if used[j] || msgs[j].author != store.AuthorTool || !msgs[j].hasResult {
			continue
		}
		if r := msgs[j].result; r.ToolCallID == id {
			used[j] = true
			return r, true
		}
	}
	return ToolResultRecord{}, false
}

func decodeCalls(raw json.RawMessage) []ToolCallRecord {
	if len(raw) == 0 {
		return nil
	}
	var calls []ToolCallRecord
	if json.Unmarshal(raw, &calls) != nil {
		return nil
	}
	return calls
}

func decodeResult(raw json.RawMessage) (ToolResultRecord, bool) {
	var r ToolResultRecord
	if len(raw) == 0 || json.Unmarshal(raw, &r) != nil {
		return r, false
	}
	return r, true
}

// histMsg is a stored message as a turn reads it: its JSON decoded once,
// and only what turns read of it kept (a reply's Meta repeats its tools'
// results and citations, which no turn reads back).
type histMsg struct {
	seq    int64
	author store.Author
	text   string
	calls  []ToolCallRecord
	// result is a tool message's, when hasResult.
	result    ToolResultRecord
	hasResult bool
	// answers and convTokens are a reply's ReplyMeta.AnswersSeq and
	// ConversationTokens; a message with no answers is not a reply.
	answers    []int64
	convTokens int64
}

func decodeHist(m store.Message) histMsg {
	h := histMsg{seq: m.Seq, author: m.Author, text: m.Text, calls: decodeCalls(m.ToolCalls)}
	if m.Author == store.AuthorTool {
		h.result, h.hasResult = decodeResult(m.ToolResults)
	}
	if m.Author == store.AuthorAssistant && len(m.Meta) > 0 && len(m.ToolCalls) == 0 {
		var meta struct {
			AnswersSeq         []int64 `json:"answers_seq"`
			ConversationTokens int64   `json:"conversation_tokens"`
		}
		if json.Unmarshal(m.Meta, &meta) == nil && len(meta.AnswersSeq) > 0 {
			h.answers, h.convTokens = meta.AnswersSeq, meta.ConversationTokens
		}
	}
	return h
}

// size is about the bytes h holds, for bounding a cache of them.
func (h histMsg) size() int64 {
	n := 96 + len(h.text) + len(h.result.ToolCallID) + len(h.result.Name) + len(h.result.Content) + 8*len(h.answers)
	for _, c := range h.calls {
		n += 48 + len(c.ID) + len(c.Name) + len(c.Arguments)
	}
	return int64(n)
}

func decodeReplyMeta(m store.Message) (ReplyMeta, bool) {
	if m.Author != store.AuthorAssistant || len(m.Meta) == 0 || len(m.ToolCalls) > 0 {
		return ReplyMeta{}, false
	}
	var meta ReplyMeta
	if json.Unmarshal(m.Meta, &meta) != nil || len(meta.AnswersSeq) == 0 {
		return ReplyMeta{}, false
	}
	return meta, true
}

// Summaries. A conversation's running summary (store.Conversation.Summary)
// covers the messages older than the history window, so a long
// conversation keeps its thread without sending every message each turn.
// It is extractive — who said what, clipped — so it costs no model call,
// and it starts with the line "(through message N)" saying which messages
// it covers, so each turn adds only what fell out of the window since.

const (
	summaryLineRunes = 160  // longest line of a summary, in runes
	summaryMaxRunes  = 2400 // longest summary; older lines are dropped
	summaryMaxFetch  = 400  // most messages summarised in one turn
)

func parseSummary(s string) (through int64, body string) {
	first, rest, _ := strings.Cut(s, "\n")
	if _, err := fmt.Sscanf(first, "(through message %d)", &through); err != nil {
		return 0, s
	}
	return through, rest
}

// runningSummary brings the conversation's summary up to the first
// message of the history window and returns its body.
//
// slid are messages just before the window, read already (they slid out
// of the kept window this turn): when they cover what the summary lacks,
// they are not read again.
func (a *Agent) runningSummary(ctx context.Context, conv store.Conversation, windowStart int64, slid []histMsg) (string, error) {
	through, body := parseSummary(conv.Summary)
	if a.limits.SummaryAfter < 0 || conv.LastSeq <= int64(a.limits.SummaryAfter) || windowStart-1 <= through {
		return body, nil
	}
	from := through
	if windowStart-1-from > summaryMaxFetch {
		from = windowStart - 1 - summaryMaxFetch
	}
	older := covering(slid, from, windowStart)
	if older == nil {
		ms, err := a.store.Messages(ctx, conv.ID, store.MessageQuery{AfterSeq: from, Limit: int(windowStart - 1 - from)})
		if err != nil {
			return body, fmt.Errorf("summary: load messages: %w", err)
		}
		older = decodeAll(nil, ms)
	}
	lines := strings.Split(strings.TrimSpace(body), "\n")
	if len(lines) == 1 && lines[0] == "" {
		lines = nil
	}
	for _, m := range older {
		if l := summaryLine(m); l != "" {
			lines = append(lines, l)
		}
	}
	for len(lines) > 1 && utf8.RuneCountInString(strings.Join(lines, "\n")) > summaryMaxRunes {
		lines = lines[1:]
	}
	body = strings.Join(lines, "\n")
	text := fmt.Sprintf("(through message %d)\n%s", windowStart-1, body)
	if err := a.updateConversation(ctx, conv.ID, func(c *store.Conversation) { c.Summary = text }); err != nil {
		return body, fmt.Errorf("summary: save: %w", err)
	}
	return body, nil
}

// covering returns the messages of slid after from, when slid holds every
// message from from+1 to windowStart-1 (slid is ascending with no gap);
// nil when it does not.
func covering(slid []histMsg, from, windowStart int64) []histMsg {
	if len(slid) == 0 || slid[0].seq > from+1 || slid[len(slid)-1].seq != windowStart-1 {
		return nil
	}
	i, _ := slices.BinarySearchFunc(slid, from+1, func(m histMsg, seq int64) int { return cmp.Compare(m.seq, seq) })
	return slid[i:]
}

func summaryLine(m histMsg) string {
	switch m.author {
	case store.AuthorUser:
		return "- user: " + clip(m.text, summaryLineRunes)
	case store.AuthorStaff:
		return "- staff: " + clip(m.text, summaryLineRunes)
	case store.AuthorAssistant:
		if calls := m.calls; len(calls) > 0 {
			names := make([]string, len(calls))
			for i, c := range calls {
				names[i] = c.Name
			}
			return "- assistant used: " + strings.Join(names, ", ")
		}
		return "- assistant: " + clip(m.text, summaryLineRunes)
	}
	return ""
}

// clip shortens s to n runes on one line, at a word boundary when it can.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n]
	cut := string(r)
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return cut + "…"
}

// updateConversation reads the conversation afresh, applies edit and saves
// it, so that fields changed meanwhile (a hand-off by a tool) are kept.
func (a *Agent) updateConversation(ctx context.Context, id string, edit func(*store.Conversation)) error {
	c, err := a.store.Conversation(ctx, id)
	if err != nil {
		return err
	}
	edit(&c)
	_, err = a.store.UpdateConversation(ctx, c)
	return err
}

// storedReply finds the reply that answered inbound message seq, and
// reports whether there is one.
func (a *Agent) storedReply(ctx context.Context, convID string, seq int64) (store.Message, ReplyMeta, bool, error) {
	// A reply comes soon after what it answers; past a thousand messages
	// the message was never answered.
	const page, pages = 100, 10
	after := seq
	for range pages {
		ms, err := a.store.Messages(ctx, convID, store.MessageQuery{AfterSeq: after, Limit: page})
		if err != nil {
			return store.Message{}, ReplyMeta{}, false, err
		}
		for _, m := range ms {
			if meta, ok := decodeReplyMeta(m); ok {
				for _, s := range meta.AnswersSeq {
					if s == seq {
						return m, meta, true, nil
					}
				}
			}
		}
		if len(ms) < page {
			return store.Message{}, ReplyMeta{}, false, nil
		}
		after = ms[len(ms)-1].Seq
	}
	return store.Message{}, ReplyMeta{}, false, nil
}

// errStale ends a generation that a newer message made stale.
var errStale = errors.New("agent: generation folded into a newer message")
