package agent

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/faroai/faro/store/fulltext"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tmc/langchaingo/llms"

	"github.com/faroai/faro/knowledge"
	"github.com/faroai/faro/llm"
	"github.com/faroai/faro/llm/turnctx"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/tools"
)

// carry is what the discarded generations of a batch spent; the turn that
// answers the batch reports it as its own.
type carry struct {
	usage    Usage
	tools    []ToolSummary
	restarts int
}

// genResult is how a generation ended: stale (nothing more to say), or
// with the reply every waiter of the batch gets (drive sets the fields
// that differ by waiter).
type genResult struct {
	stale bool
	reply Reply
	err   error
	// usage and tools are what a stale generation spent.
	usage Usage
	tools []ToolSummary
}

// turn is the state of one generation.
type turn struct {
	a        *Agent
	g        *generation
	turnCtx  context.Context // tools, store: ends at TurnTimeout
	modelCtx context.Context // model calls: also ends when the generation goes stale
	start    time.Time

	conv      store.Conversation
	contact   store.Contact
	role      store.Role
	lang      string
	channel   string
	caller    tools.Caller
	prevTotal int64 // the conversation's tokens before this turn
	// slid are the messages just before the history window, when the
	// kept window held them (see window).
	slid     []histMsg
	dayTotal int64 // the contact's tokens today before this turn; -1 when not counted

	guard *guard // of the system prompt
	msgs  []llms.MessageContent
	known map[string]Citation // refs the reply may cite
	ids   map[string]bool     // tool call ids used in the conversation

	// pending are steps of read-only tool calls not stored yet: they are
	// stored with whatever the turn stores next, in one transaction (see
	// runCalls).
	pending []store.Message

	usage    Usage
	tools    []ToolSummary
	steps    int
	executed int
	fallback bool
	handoff  bool
}

// generate answers g's batch: it loads the conversation, checks budgets,
// retrieves passages, builds the prompt and runs the model and its tool
// calls until the model answers or a limit is reached.
func (a *Agent) generate(turnCtx, modelCtx context.Context, g *generation, carried carry) genResult {
	newest := g.newest()
	t := &turn{
		a: a, g: g, turnCtx: turnCtx, modelCtx: modelCtx, start: time.Now(),
		contact: newest.contact, role: newest.role, channel: newest.msg.Channel,
		usage: carried.usage, tools: slices.Clone(carried.tools),
		known: map[string]Citation{}, ids: map[string]bool{}, dayTotal: -1,
	}
	res := t.run()
	if res.stale {
		// Lookups not stored yet are dropped with the generation (the
		// reply's Tools still lists them): stored now, they would follow
		// the newer message that made it stale, as if made for it.
		res.usage, res.tools = t.usage, t.tools
		return res
	}
	res.reply.Usage = t.usage
	res.reply.Tools = t.tools
	res.reply.Documents = documentsOf(t.tools)
	ev := TurnEvent{
		ConversationID: g.convID, Channel: t.channel, Role: t.role, Language: res.reply.Language,
		Outcome: res.reply.Outcome, Messages: len(g.seqs), Steps: t.steps, ToolCalls: t.executed,
		Usage: t.usage, Fallback: t.fallback, Restarts: carried.restarts, Duration: time.Since(t.start), Err: res.err,
	}
	attrs := []any{
		"conversation_id", g.convID, "channel", t.channel, "role", string(t.role), "language", ev.Language,
		"outcome", string(ev.Outcome), "messages", ev.Messages, "steps", ev.Steps, "tool_calls", ev.ToolCalls,
		"prompt_tokens", t.usage.PromptTokens, "completion_tokens", t.usage.CompletionTokens,
		"restarts", ev.Restarts, "fallback", ev.Fallback, "duration_ms", ev.Duration.Milliseconds(),
	}
	if res.err != nil {
		a.log.Error("turn failed", append(attrs, "err", res.err)...)
	} else {
		a.log.Info("turn", attrs...)
	}
	if a.onTurn != nil {
		a.onTurn(ev)
	}
	return res
}

func (t *turn) run() genResult {
	a, g := t.a, t.g
	conv, err := a.store.Conversation(t.turnCtx, g.convID)
	if err != nil {
		return t.fail(fmt.Errorf("load conversation: %w", err))
	}
	t.conv = conv
	if conv.Status == store.ConversationHandedOff {
		return genResult{reply: Reply{
			ConversationID: conv.ID, Answers: g.seqs, Language: cmp.Or(conv.Language, a.lang),
			Role: t.role, Outcome: OutcomeHandedOff, Handoff: true,
		}}
	}
	if err := t.pinLanguage(); err != nil {
		return t.fail(err)
	}
	t.caller = tools.Caller{
		ContactID: t.contact.ID, ConversationID: conv.ID, Channel: t.channel, Language: t.lang,
		Email: t.contact.Email, Name: cmp.Or(t.contact.Name, g.newest().msg.SenderName), Role: t.role,
	}

	hist, err := t.history()
	if err != nil {
		return t.fail(err)
	}
	if over, err := t.overBudget(); err != nil {
		return t.fail(err)
	} else if over {
		return t.commit(textFor(t.lang).budget, OutcomeBudget)
	}
	if err := t.prompt(hist); err != nil {
		return t.fail(err)
	}
	return t.loop()
}

// pinLanguage applies the batch's messages to the conversation's pinned
// language and decides the reply's.
func (t *turn) pinLanguage() error {
	lang, changed := t.conv.Language, false
	var text strings.Builder
	for _, w := range t.g.batch {
		if w.dup {
			continue
		}
		var c bool
		lang, c = pinLanguage(lang, w.msg.Text)
		changed = changed || c
		text.WriteString(w.msg.Text + "\n")
	}
	if changed {
		if err := t.a.updateConversation(t.turnCtx, t.conv.ID, func(c *store.Conversation) { c.Language = lang }); err != nil {
			return fmt.Errorf("pin language %s: %w", lang, err)
		}
		t.conv.Language = lang
		t.a.log.Info("conversation language pinned", "conversation_id", t.conv.ID, "language", lang)
	}
	// Until a language is pinned, answer in the contact's, or in the best
	// guess for the message, or in the default.
	t.lang = cmp.Or(lang, t.contact.Language, detectLanguage(text.String()).Lang, t.a.lang)
	if !supportedLanguage(t.lang) {
		t.lang = t.a.lang
	}
	return nil
}

// history loads the newest stored messages (always including the batch),
// and notes the conversation's tokens so far.
func (t *turn) history() ([]histMsg, error) {
	a := t.a
	hist, err := t.window()
	if err != nil {
		return nil, fmt.Errorf("load history: %w", err)
	}
	// Messages stored after the batch's newest (a tool call of a turn
	// folded into this one is before it; a newer message is for the next
	// turn) are not this turn's business.
	last := t.g.seqs[len(t.g.seqs)-1]
	hist = slices.DeleteFunc(hist, func(m histMsg) bool {
		return m.seq > last && m.author == store.AuthorUser
	})
	for _, m := range hist {
		for _, c := range m.calls {
			t.ids[c.ID] = true
		}
	}
	found := false
	for i := len(hist) - 1; i >= 0 && !found; i-- {
		if len(hist[i].answers) > 0 {
			t.prevTotal, found = hist[i].convTokens, true
		}
	}
	if !found && len(hist) > 0 && hist[0].seq > 1 {
		// No reply in the window (a long exchange with staff): find the
		// last one further back, so the running total stays right.
		all, err := a.store.Messages(t.turnCtx, t.conv.ID, store.MessageQuery{})
		if err != nil {
			return nil, fmt.Errorf("load conversation usage: %w", err)
		}
		for i := len(all) - 1; i >= 0; i-- {
			if meta, ok := decodeReplyMeta(all[i]); ok {
				t.prevTotal = meta.ConversationTokens
				break
			}
		}
	}
	return hist, nil
}

// window returns the conversation's newest HistoryMessages messages, or
// all since the batch's first when more came since, decoded. The kept
// window (see recent) is used when it reaches up to the newest messages
// with no gap: then only the messages after it are read.
func (t *turn) window() ([]histMsg, error) {
	a := t.a
	limit := a.limits.HistoryMessages
	if gap := t.conv.LastSeq - t.g.seqs[0] + 1; gap > int64(limit) {
		// A long burst, or a turn that waited long: start at its first
		// message however many came since.
		ms, err := a.store.Messages(t.turnCtx, t.conv.ID, store.MessageQuery{AfterSeq: t.g.seqs[0] - 1})
		if err != nil {
			return nil, err
		}
		return decodeAll(nil, ms), nil
	}
	kept := a.recent.get(t.conv.ID)
	q := store.MessageQuery{Last: true, Limit: limit}
	if len(kept) > 0 {
		q.AfterSeq = kept[len(kept)-1].seq
	}
	ms, err := a.store.Messages(t.turnCtx, t.conv.ID, q)
	if err != nil {
		return nil, err
	}
	var all []histMsg // ascending, the newest last
	if len(kept) > 0 && len(ms) < limit && (len(ms) == 0 || ms[0].Seq == q.AfterSeq+1) {
		// The kept messages and what followed them.
		all = decodeAll(slices.Clip(kept), ms)
	} else {
		if len(kept) > 0 && len(ms) < limit {
			// A gap after the kept window: read the window whole.
			if ms, err = a.store.Messages(t.turnCtx, t.conv.ID, store.MessageQuery{Last: true, Limit: limit}); err != nil {
				return nil, err
			}
		}
		all = decodeAll(nil, ms)
	}
	a.recent.put(t.conv.ID, all)
	// The window is the newest limit; the running summary may want the
	// kept ones before it. A copy: the caller edits it, and all may be
	// the cache's.
	cut := max(0, len(all)-limit)
	t.slid = all[:cut]
	return slices.Clone(all[cut:]), nil
}

// decodeAll appends ms, decoded, to hs.
func decodeAll(hs []histMsg, ms []store.Message) []histMsg {
	for _, m := range ms {
		hs = append(hs, decodeHist(m))
	}
	return hs
}

// prompt builds the model's messages: the system prompt, the running
// summary, the turn context with the retrieved passages, the history.
func (t *turn) prompt(hist []histMsg) error {
	a := t.a
	windowStart := t.g.seqs[0]
	if len(hist) > 0 {
		windowStart = hist[0].seq
	}
	summary, err := a.runningSummary(t.turnCtx, t.conv, windowStart, t.slid)
	if err != nil {
		// A summary is a help, not a need: answer without the new part.
		a.log.Warn("summary not updated", "conversation_id", t.conv.ID, "err", err)
	}
	passages := t.retrieve(hist)

	instr := a.instructions(t.lang, t.role)
	t.guard = a.guards.get(t.lang, t.role, a.persona, instr)
	// One part per system message, each ending in a blank line: Anthropic's
	// client reads only a system message's first part and joins system
	// messages with nothing between them.
	t.msgs = append(t.msgs, llms.TextParts(llms.ChatMessageTypeSystem, systemPrompt(t.lang, t.role, a.persona, instr)+"\n\n"))
	if s := strings.TrimSpace(summary); s != "" {
		t.msgs = append(t.msgs, llms.TextParts(llms.ChatMessageTypeSystem, summaryHeader[t.lang]+"\n"+s+"\n\n"))
	}
	tc := turnctx.Context{
		Language: t.lang, Role: string(t.role), Name: t.caller.Name, Email: t.contact.Email,
		Phone: t.contact.Phone, Channel: t.channel, Passages: passages,
		Business: a.persona.Business, Assistant: a.persona.Assistant,
	}
	part := tc.Part()
	part.Text += "\n\n"
	t.msgs = append(t.msgs, llms.MessageContent{Role: llms.ChatMessageTypeSystem, Parts: []llms.ContentPart{part}})
	t.msgs = append(t.msgs, historyMessages(hist)...)
	return nil
}

// retrieve searches the knowledge base for the batch's messages (with the
// previous user message when they lean on it) and returns the passages
// for the turn context.
func (t *turn) retrieve(hist []histMsg) []turnctx.Passage {
	a := t.a
	if a.knowledge == nil {
		return nil
	}
	var texts []string
	for _, w := range t.g.batch {
		if !w.dup {
			texts = append(texts, w.msg.Text)
		}
	}
	query := strings.Join(texts, "\n")
	followUp := anaphoric(query)
	if followUp {
		// A follow-up leans on the question before and on the answer it
		// got: "¿y cuándo arranca?" after "Tus cursos: Análisis de datos
		// con IA" is about that course.
		var prevReply string
		for i := len(hist) - 1; i >= 0; i-- {
			m := hist[i]
			if m.seq >= t.g.seqs[0] {
				continue
			}
			// An answer from the knowledge base was found by the
			// question's own words; an answer from a tool ("Tus
			// cursos: …", no citations) says what the question did not.
			if m.author == store.AuthorAssistant && prevReply == "" && !markerRE.MatchString(m.text) {
				prevReply = firstLine(m.text, followUpReplyChars)
			}
			if m.author == store.AuthorUser {
				query = a.topicOf(m.text) + "\n" + query
				if prevReply != "" {
					query = a.topicOf(prevReply) + "\n" + query
				}
				break
			}
		}
	}
	q := knowledge.Query{Text: clip(query, 1000), K: knowledge.DefaultK}
	// The language is the message's own, not that of the question before
	// it a follow-up borrows ("what about sundays?" after "¿el sábado hay
	// alguien?").
	if d := detectLanguage(strings.Join(texts, "\n")); d.Confident {
		q.Language = d.Lang
		if !slices.Contains(fulltext.Languages, d.Lang) {
			// A language the index cannot stem (Portuguese) finds the
			// documents of the others through its words' synonyms in them.
			q.Text = clip(a.widen(query, nil), 2000)
		}
	}
	if followUp && q.Text == clip(query, 1000) {
		// What a follow-up asks for, alone, is worded by the documents as a
		// label ("¿y cuándo empieza?" → "Inicio: 15 de marzo"): its
		// synonyms find it.
		q.Text = clip(a.widen(query, askingConcepts), 2000)
	}
	results, err := a.knowledge.Search(t.turnCtx, q)
	if err != nil {
		// The model can still answer, search again with its tool, or say
		// it does not know.
		a.log.Warn("knowledge search failed", "conversation_id", t.conv.ID, "err", err)
		return nil
	}
	passages := make([]turnctx.Passage, 0, len(results))
	for _, r := range results {
		text, dropped := a.passages.clean(r.Chunk.Text)
		if dropped > 0 {
			a.log.Warn("knowledge passage holds instructions for the assistant; left out", "conversation_id", t.conv.ID,
				"source", r.Citation.Source, "chunk_id", r.Chunk.ID, "paragraphs", dropped)
		}
		if text == "" {
			continue
		}
		ref := strconv.Itoa(len(passages) + 1)
		passages = append(passages, turnctx.Passage{
			Ref: ref, Source: r.Citation.Source, Title: r.Citation.Title, Heading: r.Citation.Heading,
			Link: r.Citation.Link, Text: text, Score: math.Round(r.Score*1e4) / 1e4,
		})
		t.known[ref] = Citation{Ref: ref, Citation: r.Citation}
	}
	return passages
}

// followUpReplyChars is how much of the previous answer a follow-up's
// search borrows: its first line says what it was about, the rest would
// outweigh the question.
const followUpReplyChars = 160

// firstLine is the first non-empty line of text that is not a list
// heading ending in ":", cut at n bytes on a word boundary.
func firstLine(text string, n int) string {
	var out []string
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(strings.TrimLeft(line, "-*• "))
		if line == "" {
			continue
		}
		out = append(out, line)
		if !strings.HasSuffix(line, ":") {
			break
		}
	}
	s := strings.Join(out, " ")
	if len(s) > n {
		if i := strings.LastIndexByte(s[:n], ' '); i > 0 {
			s = s[:i]
		}
	}
	return s
}

// anaphoricStarts are the openings (accent-folded words) of a message that
// leans on the one before ("y el de marketing?", "and the price?", "what
// about installments?"). They are phrases: "what", "so" or "cuánto" alone
// open as many new questions as follow-ups.
var anaphoricStarts = phrases(`y, e, ou, and, or, also, too, tambien, pero, but, mas, eso, esto, esa, ese, esas, esos,
	isso, isto, essa, esse, that, this, those, these, and what about, what about, how about, and how about,
	y que tal, que tal, y si, e se, e quanto, y cuanto, and how much, y el, y la, y los, y las, e o, e a, and the`)

// phrases splits a comma-separated list into phrases of folded words.
func phrases(list string) [][]string {
	var out [][]string
	for _, p := range strings.Split(list, ",") {
		if ws := words(fold(p)); len(ws) > 0 {
			out = append(out, ws)
		}
	}
	return out
}

// anaphoric reports whether a message is too short, or too dependent on
// the previous one, to be searched alone.
func anaphoric(text string) bool {
	ws := words(fold(text))
	if len(ws) < 4 {
		return true
	}
	for _, p := range anaphoricStarts {
		if len(p) <= len(ws) && slices.Equal(ws[:len(p)], p) {
			return true
		}
	}
	// "once I finish, how long until it's issued?": a short question
	// about "it" is about what the conversation was on.
	return len(ws) <= anaphoricWords && slices.ContainsFunc(ws, func(w string) bool { return standIns[w] })
}

// anaphoricWords is the longest message a pronoun makes a follow-up.
const anaphoricWords = 12

// standIns are pronouns (accent-folded) that stand for a thing named
// before; articles that double as pronouns ("la", "lo") are left out.
var standIns = wordSet(`it its them eso esto ello isso isto ele ela`)

// loop calls the model and runs its tool calls until it answers or a limit
// is reached.
func (t *turn) loop() genResult {
	a := t.a
	defs := a.tools.Definitions(t.role)
	for {
		if t.g.stale.Load() {
			return genResult{stale: true}
		}
		if over, err := t.overBudget(); err != nil {
			return t.fail(err)
		} else if over {
			return t.commit(textFor(t.lang).budget, OutcomeBudget)
		}
		t.steps++
		text, calls, err := t.callModel(defs)
		switch {
		case t.g.stale.Load():
			return genResult{stale: true}
		case err != nil && errors.Is(t.turnCtx.Err(), context.DeadlineExceeded):
			return t.commit(textFor(t.lang).timeout, OutcomeTimeout)
		case err != nil:
			return t.fail(fmt.Errorf("model: %w", err))
		}
		if len(calls) == 0 {
			return t.answer(text)
		}
		if t.steps >= a.limits.MaxSteps {
			return t.refuseCalls(text, calls, OutcomeStepLimit, "step limit reached: the tool was not run")
		}
		if t.executed+len(calls) > a.limits.MaxToolCallsPerTurn {
			return t.refuseCalls(text, calls, OutcomeToolLimit, "too many tool calls in one turn: the tool was not run")
		}
		if res, ok := t.runCalls(text, calls); !ok {
			return res
		}
	}
}

// callModel makes one model call, streaming its text to the newest
// message's caller, and returns the text and tool calls of the answer.
func (t *turn) callModel(defs []llms.Tool) (string, []llms.ToolCall, error) {
	a, g := t.a, t.g
	stream := &guardedStream{g: t.guard, sink: g.newest().sink}
	opts := []llms.CallOption{
		llms.WithStreamingFunc(func(_ context.Context, chunk []byte) error {
			if g.stale.Load() {
				return errStale
			}
			stream.write(string(chunk))
			return nil
		}),
	}
	if len(defs) > 0 {
		opts = append(opts, llms.WithTools(defs))
	}
	resp, err := a.model.GenerateContent(t.modelCtx, t.msgs, opts...)
	t.usage.ModelCalls++
	if err != nil {
		return "", nil, err
	}
	p, c := llm.Usage(resp)
	t.usage.PromptTokens += p
	t.usage.CompletionTokens += c
	if fell, interrupted := llm.FellBack(resp); fell {
		t.fallback = true
		a.log.Warn("answered by the fallback model", "conversation_id", g.convID, "stream_interrupted", interrupted)
		if a.onFallback != nil {
			a.onFallback(FallbackEvent{ConversationID: g.convID, StreamInterrupted: interrupted})
		}
	}
	var text strings.Builder
	var calls []llms.ToolCall
	if resp != nil {
		// Anthropic's client gives one choice per content block: text in
		// one, each tool call in its own.
		for _, ch := range resp.Choices {
			if ch == nil {
				continue
			}
			text.WriteString(ch.Content)
			for _, c := range ch.ToolCalls {
				if c.FunctionCall != nil && c.FunctionCall.Name != "" {
					calls = append(calls, c)
				}
			}
		}
	}
	return strings.TrimSpace(text.String()), calls, nil
}

// runCalls persists the model's tool calls, runs them one by one and
// persists each result before the model reads it. ok is false when the
// turn ends here (stale, or the store failed).
//
// Calls that change nothing (no tool among them is Mutating) are the
// exception: they and their results are kept in t.pending and stored with
// the turn's next write — its reply, most often — in one transaction.
// Storing first is what makes a retry after a crash do nothing twice;
// there is nothing to do twice in a lookup, and a crash before the reply
// is stored loses only work the next delivery of the message redoes, as
// it would redo the model's. A busy server then makes two writes for a
// turn that searched, not four.
func (t *turn) runCalls(text string, calls []llms.ToolCall) (genResult, bool) {
	a := t.a
	if t.g.stale.Load() {
		// Nothing was done yet for these calls: drop them with the
		// generation.
		return genResult{stale: true}, false
	}
	calls = t.normalizeCalls(calls)
	later := !slices.ContainsFunc(calls, func(c llms.ToolCall) bool { return a.tools.Mutating(c.FunctionCall.Name) })
	if err := t.persistCalls(text, calls, later); err != nil {
		return t.fail(err), false
	}
	for _, c := range calls {
		o := a.tools.Call(t.turnCtx, t.caller, c)
		t.executed++
		if sources := cleanSearchResult(&a.passages, &o); len(sources) > 0 {
			a.log.Warn("knowledge passage holds instructions for the assistant; left out", "conversation_id", t.g.convID,
				"tool", o.Tool, "sources", sources)
		}
		t.record(o)
		if err := t.persistResult(c, o.Status, o.Response.Content, later); err != nil {
			return t.fail(err), false
		}
		if o.Status == tools.StatusOK && o.Tool == "request_human" {
			t.handoff = true
		}
		if r, ok := o.Result.(tools.SearchKnowledgeResult); ok {
			for _, p := range r.Passages {
				t.known[strings.ToLower(p.Ref)] = Citation{Ref: strings.ToLower(p.Ref), Citation: p.Citation}
			}
		}
		t.msgs = append(t.msgs, callMessages(recordOf(c), o.Response.Content)...)
	}
	return genResult{}, true
}

// record logs a tool call, reports it to the hook and adds it to the
// turn's summary.
func (t *turn) record(o tools.Outcome) {
	a := t.a
	attrs := []any{"conversation_id", t.g.convID, "tool", o.Tool, "status", string(o.Status),
		"role", string(t.role), "duration_ms", o.Duration.Milliseconds()}
	switch o.Status {
	case tools.StatusOK:
		a.log.Info("tool call", attrs...)
	case tools.StatusRefused:
		// The model asked for a tool outside the caller's role: an
		// injection attempt or a confused model. Refused in code.
		a.log.Warn("tool call refused", append(attrs, "err", o.Err)...)
	default:
		a.log.Warn("tool call failed", append(attrs, "err", o.Err)...)
	}
	if a.onToolCall != nil {
		a.onToolCall(ToolCallEvent{ConversationID: t.g.convID, Role: t.role, Tool: o.Tool, Status: o.Status, Duration: o.Duration})
	}
	t.tools = append(t.tools, ToolSummary{Name: o.Tool, Args: o.Args, Status: o.Status, Result: json.RawMessage(o.Response.Content)})
}

// normalizeCalls gives every call a type and an id unique in the
// conversation (models and engines may omit or reuse them, and a result
// is matched to its call by id).
func (t *turn) normalizeCalls(calls []llms.ToolCall) []llms.ToolCall {
	out := make([]llms.ToolCall, len(calls))
	for i, c := range calls {
		fc := *c.FunctionCall
		c.FunctionCall = &fc
		c.Type = "function"
		if c.ID == "" || t.ids[c.ID] {
			c.ID = fmt.Sprintf("call_%d_%d_%d", t.g.seqs[len(t.g.seqs)-1], t.steps, i+1)
		}
		t.ids[c.ID] = true
		out[i] = c
	}
	return out
}

func recordOf(c llms.ToolCall) ToolCallRecord {
	return ToolCallRecord{ID: c.ID, Name: c.FunctionCall.Name, Arguments: c.FunctionCall.Arguments}
}

// persistCalls stores the message of calls (see step).
func (t *turn) persistCalls(text string, calls []llms.ToolCall, later bool) error {
	recs := make([]ToolCallRecord, len(calls))
	for i, c := range calls {
		recs[i] = recordOf(c)
	}
	raw, err := json.Marshal(recs)
	if err != nil {
		return fmt.Errorf("encode tool calls: %w", err)
	}
	m := store.Message{ConversationID: t.conv.ID, Author: store.AuthorAssistant, Text: text, ToolCalls: raw, Channel: t.conv.Channel}
	if err := t.step(m, later); err != nil {
		return fmt.Errorf("persist tool calls: %w", err)
	}
	return nil
}

// persistResult stores the result of c (see step).
func (t *turn) persistResult(c llms.ToolCall, status tools.Status, content string, later bool) error {
	raw, err := json.Marshal(ToolResultRecord{ToolCallID: c.ID, Name: c.FunctionCall.Name, Status: status, Content: content})
	if err != nil {
		return fmt.Errorf("encode tool result: %w", err)
	}
	m := store.Message{ConversationID: t.conv.ID, Author: store.AuthorTool, ToolResults: raw, Channel: t.conv.Channel}
	if err := t.step(m, later); err != nil {
		return fmt.Errorf("persist result of %s: %w", c.FunctionCall.Name, err)
	}
	return nil
}

// step stores m, a step, with the steps pending; or, later, adds it to
// them.
func (t *turn) step(m store.Message, later bool) error {
	if later {
		t.pending = append(t.pending, m)
		return nil
	}
	_, err := t.persist(t.turnCtx, store.Usage{}, m)
	return err
}

// persist stores the pending steps, then ms, and records u, in one
// transaction, and returns ms as stored. The steps join the kept history
// as they are stored; the reply is the caller's to add. Nothing pending
// and nothing given stores nothing.
func (t *turn) persist(ctx context.Context, u store.Usage, ms ...store.Message) ([]store.Message, error) {
	all := append(t.pending, ms...)
	if len(all) == 0 {
		return nil, nil
	}
	stored, err := t.a.store.AppendMessages(ctx, all, u)
	if err != nil {
		return nil, err
	}
	t.pending = nil
	for _, m := range stored {
		if m.IsStep() {
			t.a.recent.add(t.conv.ID, decodeHist(m))
		}
	}
	return stored[len(stored)-len(ms):], nil
}

// refuseCalls records calls the turn will not run (a limit was reached),
// each with a result saying so, and ends the turn with a graceful reply.
func (t *turn) refuseCalls(text string, calls []llms.ToolCall, outcome Outcome, why string) genResult {
	if t.g.stale.Load() {
		return genResult{stale: true}
	}
	calls = t.normalizeCalls(calls)
	// None of them runs: they are stored with the reply.
	if err := t.persistCalls(text, calls, true); err != nil {
		return t.fail(err)
	}
	content := fmt.Sprintf(`{"error":"limit_reached","message":%q}`, why)
	for _, c := range calls {
		if err := t.persistResult(c, StatusSkipped, content, true); err != nil {
			return t.fail(err)
		}
		t.tools = append(t.tools, ToolSummary{Name: c.FunctionCall.Name, Args: json.RawMessage(recordArgs(c.FunctionCall.Arguments)), Status: StatusSkipped, Result: json.RawMessage(content)})
	}
	t.a.log.Warn("turn limit reached", "conversation_id", t.g.convID, "outcome", string(outcome),
		"steps", t.steps, "tool_calls", t.executed, "asked", len(calls))
	c := textFor(t.lang)
	if outcome == OutcomeStepLimit {
		return t.commit(c.stepLimit, outcome)
	}
	return t.commit(c.toolLimit, outcome)
}

func recordArgs(args string) string {
	if s := strings.TrimSpace(args); s != "" && json.Valid([]byte(s)) {
		return s
	}
	b, _ := json.Marshal(args) // a string always encodes
	return string(b)
}

// answer finishes the turn with the model's text: guarded against leaking
// the instructions, with its citations checked.
func (t *turn) answer(text string) genResult {
	c := textFor(t.lang)
	switch {
	case text == "":
		text = c.empty
	case t.guard.leaks(text):
		t.a.log.Warn("reply withheld: it quoted the system prompt", "conversation_id", t.g.convID)
		text = c.noLeak
	}
	return t.commit(text, OutcomeAnswered)
}

// commit persists the reply, unless a newer message made the generation
// stale first: from here on, a newer message waits for the next turn.
func (t *turn) commit(text string, outcome Outcome) genResult {
	a, g := t.a, t.g
	if a.foldsAcross() && a.staleAcross(g) {
		return genResult{stale: true}
	}
	ls := &a.lanes
	ls.mu.Lock()
	if g.stale.Load() {
		ls.mu.Unlock()
		return genResult{stale: true}
	}
	g.committing = true
	ls.mu.Unlock()

	text, cites := citeRefs(text, t.known)
	meta := ReplyMeta{
		AnswersSeq: g.seqs, Outcome: outcome, Language: t.lang, Role: t.role, Citations: cites,
		Tools: t.tools, Handoff: t.handoff, Fallback: t.fallback, Usage: t.usage,
		ConversationTokens: t.prevTotal + t.usage.Total(),
	}
	raw, err := json.Marshal(meta)
	if err != nil {
		return t.fail(fmt.Errorf("encode reply meta: %w", err))
	}
	// A turn that ran out of time still records its reply.
	ctx := t.turnCtx
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), persistTimeout)
		defer cancel()
	}
	// The reply, the steps not stored yet and the tokens spent on them
	// are stored together.
	replies, err := t.persist(ctx, t.usageRecord(), store.Message{
		ConversationID: t.conv.ID, Author: store.AuthorAssistant, Text: text, Meta: raw, Channel: t.conv.Channel,
	})
	if err != nil {
		return t.fail(fmt.Errorf("persist reply: %w", err))
	}
	stored := replies[0]
	// As decodeHist reads it back, without decoding the Meta just encoded.
	a.recent.add(t.conv.ID, histMsg{seq: stored.Seq, author: store.AuthorAssistant, text: stored.Text,
		answers: meta.AnswersSeq, convTokens: meta.ConversationTokens})
	return genResult{reply: Reply{
		ConversationID: t.conv.ID, MessageID: stored.ID, Seq: stored.Seq, Answers: g.seqs,
		Text: text, Language: t.lang, Role: t.role, Outcome: outcome, Citations: cites, Handoff: t.handoff,
	}}
}

// persistTimeout bounds persisting a reply after the turn's own deadline.
const persistTimeout = 5 * time.Second

// fail ends the turn with an error: nothing is persisted as a reply, so a
// re-delivery of the message tries again; the callers get a short apology
// in the user's language to show.
func (t *turn) fail(err error) genResult {
	if t.g.stale.Load() {
		return genResult{stale: true}
	}
	// Steps taken and tokens spent before the failure were taken and
	// spent all the same.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(t.turnCtx), persistTimeout)
	defer cancel()
	if len(t.pending) == 0 {
		t.recordUsage(ctx)
	} else if _, perr := t.persist(ctx, t.usageRecord()); perr != nil {
		t.a.log.Error("steps and token usage of a failed turn not stored", "conversation_id", t.g.convID,
			"steps", len(t.pending), "tokens", t.usage.Total(), "err", perr)
	}
	lang := cmp.Or(t.lang, t.conv.Language, t.contact.Language, t.a.lang)
	return genResult{
		reply: Reply{
			ConversationID: t.g.convID, Answers: t.g.seqs, Text: textFor(lang).failure,
			Language: lang, Role: t.role, Outcome: OutcomeError, Handoff: t.handoff,
		},
		err: fmt.Errorf("agent: turn of conversation %s: %w", t.g.convID, err),
	}
}

// widenWords is how many synonyms of a word a widened search adds.
const widenWords = 3

// widen appends to a query the synonyms of its words in the other
// languages of the lexicon ("senha" brings "contrasena" and "password").
func (a *Agent) widen(query string, only map[string]bool) string {
	seen := map[string]bool{}
	ws := words(fold(query))
	for _, w := range ws {
		seen[w] = true
	}
	var b strings.Builder
	b.WriteString(query)
	for _, w := range ws {
		if only != nil && !only[a.synonyms.Concept(w)] {
			continue
		}
		// A concept's first words are its commonest (Spanish, then
		// English); the rest would only add noise to the search.
		syns := a.synonyms.Of(w)
		for _, syn := range syns[:min(len(syns), widenWords)] {
			if !seen[syn] {
				seen[syn] = true
				b.WriteByte(' ')
				b.WriteString(syn)
			}
		}
	}
	return b.String()
}

// askingConcepts are what a question asks for (a price, a date, a
// duration, an hour), as opposed to what it is about.
var askingConcepts = map[string]bool{"price": true, "start": true, "duration": true, "schedule": true, "hour": true}

// topicOf is what a message is about, without what it asks: a follow-up
// ("¿y cuándo empieza?") borrows "el curso de IA para marketing" from
// "¿cuánto cuesta el curso de IA para marketing?", not "cuánto cuesta",
// which would find the prices again.
func (a *Agent) topicOf(text string) string {
	var kept []string
	ws := words(fold(text))
	for i := 0; i < len(ws); i++ {
		// "cuánto sale": a concept written as two words.
		if i+1 < len(ws) && askingConcepts[a.synonyms.Concept(ws[i]+" "+ws[i+1])] {
			i++
			continue
		}
		if !askingConcepts[a.synonyms.Concept(ws[i])] {
			kept = append(kept, ws[i])
		}
	}
	return strings.Join(kept, " ")
}
