package offline

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tmc/langchaingo/llms"

	"github.com/faroai/faro/lexicon"
)

// ToolCatalog tells the engine what a call's tool definitions do not: the
// example requests each tool serves, by which the engine routes messages,
// and the argument schema with its properties in declaration order (the
// definitions carry the schema as a map, which loses the order). Package
// [github.com/faroai/faro/llm/offline/toolcatalog] adapts the tool
// registry; this package cannot import package tools itself (tools imports
// knowledge, whose tests import this package).
type ToolCatalog interface {
	// Tool returns what is known of the named tool; ok is false when the
	// catalogue has no such tool, and the engine then routes by the
	// description in the call's definition alone.
	Tool(name string) (info ToolInfo, ok bool)
}

// ToolInfo is a catalogue's description of one tool.
type ToolInfo struct {
	// Description says what the tool does; when empty, the call's
	// definition's is used.
	Description string
	// Examples are requests the tool serves, as users write them.
	Examples []Example
	// Schema is the JSON schema of the arguments with properties in order;
	// nil means the call's definition's.
	Schema json.RawMessage
	// Mutating says the tool changes data (enrols, opens a ticket): the
	// engine calls such a tool on a question ("¿se puede pagar en
	// cuotas?") only when the question clearly asks for it.
	Mutating bool
}

// Example is a request a tool serves, in a language (es, en or pt).
type Example struct {
	Lang string
	Text string
}

// TextEmbedder turns text into vectors: [Embedder] does, and so does
// langchaingo's embeddings.Embedder.
type TextEmbedder interface {
	EmbedDocuments(ctx context.Context, texts []string) ([][]float32, error)
	EmbedQuery(ctx context.Context, text string) ([]float32, error)
}

// Options configure a [Model]. The zero value works: the hashing embedder,
// no catalogue (routing by tool descriptions only) and no vocabulary
// (course names are passed on as the user writes them).
type Options struct {
	// Embedder compares messages with tool examples and questions with
	// passage sentences. Nil means this package's hashing embedder, which
	// is fast and local; a networked embedder would make every turn wait
	// on it.
	Embedder TextEmbedder
	// Catalog supplies tool examples and ordered schemas; may be nil.
	Catalog ToolCatalog
	// Vocabulary supplies the courses users name; may be nil.
	Vocabulary Vocabulary
	// Now gives the date used for dates written without a year and for
	// "today"/"tomorrow"; nil means time.Now. Everything else the engine
	// does depends only on the messages.
	Now func() time.Time
	// Lexicon is the languages' data the engine learns from; nil means
	// the lexicon shipped in the binary.
	Lexicon *lexicon.Lexicon
	// Logger receives what the engine cannot act on (a vocabulary that
	// failed, an unreadable tool schema); nil discards it.
	Logger *slog.Logger
}

// Model is Faro's offline language model: a deterministic engine that
// implements langchaingo's llms.Model without a network or a model file.
// For each call it reads the conversation (and the agent's turn context)
// and either calls one of the offered tools with arguments taken from what
// the user wrote, or answers: extractively from knowledge passages, with a
// question for a missing argument, or with a short phrase (greeting,
// thanks, hand-off). The same messages always get the same response. It is
// safe for concurrent use.
//
// # State
//
// The engine keeps nothing between calls. It rebuilds where the
// conversation stands by deciding each earlier turn again (it decides as it
// did, being deterministic) and reading what happened after: a question it
// asked for an argument leaves that task open, a tool's refusal of an
// argument leaves it open on that field, an offer of a ticket waits for a
// yes. Call IDs count the conversation's calls ("call_3").
//
// # Language
//
// An explicit request ("in English please", "em português") wins; then the
// language the agent pinned in the turn context, unless the message is long
// and clearly in another; then the message's own when clear; then the
// latest clear one of the conversation. Short messages ("ok", "gracias")
// are never clear. Replies come from a Spanish, English and Portuguese
// phrasebook; knowledge is quoted as written, introduced in the user's
// language when it is in another.
//
// # Routing
//
// Only the user's latest message (with the task it continues) routes;
// passages and tool results never do. Greetings, thanks, goodbyes, requests
// for a person, cancellations and language switches are recognised by word
// lists. Otherwise the message is compared with each offered tool's example
// requests, the first sentence of its description and its name: an
// F-measure of word overlap (same word, Snowball stem, a concept of the
// lexicon's es/en/pt synonym table, or a typo), each word weighed by how
// few of the offered tools know it, blended with the hashing embedder's
// cosine. A classifier trained on the same texts and on the lexicon's
// questions for information (classifier.go) raises a tool whose request is
// diluted by the values around it; it makes a candidate, never a clear
// match. Course names weigh little (they say which course, not what to
// do). A tool clearly ahead is called; one merely ahead of the knowledge
// base's score is called unless the tool changes data and the message is
// a question for information, in which case the question is answered and
// the task begun if beginning it only asks. A short follow-up of a tool's
// call that gives it a new value ("¿y la conversión del mes pasado?")
// calls it again. Everything else is a knowledge question, or, with no
// content, a question back.
//
// # Arguments
//
// Each field of the tool's schema gets an extractor by its type, format,
// name and description: emails, phones, amounts ("5k", "5.000 USD",
// "$3,000", a minus sign kept), counts pointed to by the words around them
// ("50 empleados", "200-person"), dates (ISO, "3 de marzo", "March 3rd",
// ranges), enum values by word, synonym or label in any language, names
// after "me llamo"/"I'm", companies after "de"/"trabajo en", courses by
// fuzzy title from the [Vocabulary], free text (subject, description,
// reason) from what the messages say beyond the request itself. The
// caller's own name, email and phone the task's messages lack come from
// what the conversation said before (their messages, earlier calls'
// arguments) or else the turn context: the caller is never asked twice.
// Nothing is guessed: a required field still empty (or an optional email
// the tool would take from what it knows, when nobody knows one) is asked
// for, one at a time, an email or phone before a name or free text and
// otherwise in schema order, and the answer is read for that field first.
//
// # Answers
//
// Passages are cut into sentences (headings, an FAQ's question and a
// table's header frame the sentences under them; text addressed to the
// assistant and everything after it is dropped). Each sentence is scored on
// the question's words (rare ones weigh more; the question's own clauses
// more than the story around them; "how much", "when", "how many" are
// answered only by a price, a date, a number), its embedding cosine, its
// passage's rank and language. The best sentence and those that add most
// of what the question still lacks are quoted verbatim with their [ref]
// and a sources line. When part of the question is unanswered and
// search_knowledge is offered, the engine searches once more for it. When
// nothing answers — too little of the question covered, or the thing asked
// about ("parking", "bitcoin") in no passage — it says so and offers a
// ticket or a person.
type Model struct {
	emb     TextEmbedder
	catalog ToolCatalog
	vocab   Vocabulary
	now     func() time.Time
	log     *slog.Logger
	// questions are the lexicon's questions for information: what the
	// router's knowledge class is trained on; anchors, the few of them
	// the word-overlap knowledge score compares each message with.
	questions, anchors []string

	// trace, when set (by tests), receives the engine's reasoning.
	trace func(format string, args ...any)
	// rankHook, set by tests only, receives every sentence ranking with
	// the parts of each sentence's score (see rank).
	rankHook func(question string, rows []RankRow)

	// toPT carries a Spanish passage into Portuguese, which the knowledge
	// base lacks; built on first use (nil when the lexicon has no table).
	toPT func() *lexicon.Transfer

	// texts caches the analysis and embedding of tool examples and
	// descriptions, which repeat on every call; splits, passages cut into
	// sentences (a turn's passages come back in its second call, and
	// popular ones in many turns); courseIx, the vocabulary analysed, with
	// the key of the courses it was built from.
	mu        sync.Mutex
	texts     map[string]*routeText
	splits    map[passage][]sentence
	courseIx  *courseIndex
	courseKey string

	memo *memo // offered tools and decisions; see memo.go
	// an analyses text, with the stems of the words seen before cached.
	an *analyzer
	// counts caches the word counts of long prompt texts; see textWords.
	counts *textCache[int]
	// turnCtxs caches turn contexts by their text; see readTurnContext.
	turnCtxs *textCache[turnContext]
}

// maxCachedSplits bounds the cache of passages cut into sentences.
const maxCachedSplits = 1024

// sentencesOf returns the sentences of passage p (number idx in its list),
// cut once and then from the cache. The caller may change the copy.
func (m *Model) sentencesOf(p passage, idx int) []sentence {
	key := p
	key.Ref, key.Score = "", 0
	m.mu.Lock()
	cached, ok := m.splits[key]
	m.mu.Unlock()
	if !ok {
		cached = splitPassage(m.an, p, 0)
		m.mu.Lock()
		if len(m.splits) >= maxCachedSplits {
			m.splits = map[passage][]sentence{}
		}
		m.splits[key] = cached
		m.mu.Unlock()
	}
	out := make([]sentence, len(cached))
	copy(out, cached)
	for i := range out {
		out[i].passage = idx
	}
	return out
}

// courseIndex returns the vocabulary's courses analysed, rebuilt only when
// the courses change.
func (m *Model) courseIndex(cs []Named) *courseIndex {
	// Every call builds the key, so it is written piece by piece, with no
	// string built on the way.
	var b strings.Builder
	var langs []string
	for _, c := range cs {
		b.WriteString(c.Slug)
		langs = langs[:0]
		for l := range c.Titles {
			langs = append(langs, l)
		}
		slices.Sort(langs)
		for _, l := range langs {
			b.WriteByte(0)
			b.WriteString(l)
			b.WriteByte(0)
			b.WriteString(c.Titles[l])
		}
		b.WriteByte(0)
		for i, k := range c.Keywords {
			if i > 0 {
				b.WriteByte(0)
			}
			b.WriteString(k)
		}
		b.WriteByte(1)
	}
	key := b.String()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.courseIx == nil || m.courseKey != key {
		m.courseIx, m.courseKey = newCourseIndex(m.an, cs), key
		m.courseIx.key = key
	}
	return m.courseIx
}

// Interface guard.
var _ llms.Model = (*Model)(nil)

// maxCachedTexts bounds the cache of analysed tool texts; a registry has a
// few hundred examples at most, so this is only reached if tools change
// their texts at run time.
const maxCachedTexts = 4096

// NewModel returns the offline model.
func NewModel(opts Options) *Model {
	m := &Model{
		emb:     opts.Embedder,
		catalog: opts.Catalog,
		vocab:   opts.Vocabulary,
		now:     opts.Now,
		log:     opts.Logger,
		texts:   map[string]*routeText{},
		splits:  map[passage][]sentence{},
		memo:    newMemo(),
		an:      newAnalyzer(),
		counts:  newTextCache[int](maxCachedCounts, maxCountedBytes),
		// A turn context is read again in its turn's later calls.
		turnCtxs: newTextCache[turnContext](maxCachedTurnContexts, maxTurnContextBytes),
	}
	if m.emb == nil {
		e, err := NewEmbedder(EmbedderOptions{})
		if err != nil {
			// The default options are valid; this is a bug in this package.
			panic(fmt.Sprintf("offline: default embedder: %v", err))
		}
		m.emb = e
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	lx := opts.Lexicon
	if lx == nil {
		// Parsed once for the package's word lists and phrasebook; a
		// model only reads it.
		lx = shipped
	}
	m.questions, m.anchors = lx.Questions(), lx.Anchors()
	m.toPT = sync.OnceValue(func() *lexicon.Transfer {
		t, err := lexicon.NewTransfer(langES, langPT)
		if err != nil {
			m.log.Warn("offline: no Spanish-to-Portuguese transfer; Portuguese answers quote Spanish", "err", err)
			return nil
		}
		return t
	})
	return m
}

// Call implements llms.Model: the prompt as one human message.
//
// Deprecated: use GenerateContent, as llms.Model says.
func (m *Model) Call(ctx context.Context, prompt string, options ...llms.CallOption) (string, error) {
	return llms.GenerateFromSinglePrompt(ctx, m, prompt, options...)
}

// GenerateContent implements llms.Model. It returns one choice: either
// text, or one tool call (StopReason "tool_calls") for the agent to run and
// answer with a tool message. GenerationInfo holds word-count estimates of
// the tokens (PromptTokens, CompletionTokens, TotalTokens), so budgets work
// offline as with a provider. With a streaming function, the text is
// delivered in chunks of a few words before GenerateContent returns.
func (m *Model) GenerateContent(ctx context.Context, messages []llms.MessageContent, options ...llms.CallOption) (*llms.ContentResponse, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("offline model: %w", err)
	}
	var opts llms.CallOptions
	for _, o := range options {
		o(&opts)
	}
	r := m.newRun(ctx, messages, opts)
	out := r.respond()

	choice := &llms.ContentChoice{}
	completion := 0
	if out.call != nil {
		choice.ToolCalls = []llms.ToolCall{*out.call}
		choice.FuncCall = out.call.FunctionCall
		choice.StopReason = "tool_calls"
		completion = 1 + wordCount(argSeparators.Replace(out.call.FunctionCall.Arguments))
	} else {
		choice.Content = out.text
		choice.StopReason = "stop"
		completion = wordCount(out.text)
	}
	prompt := m.promptWords(messages, opts.Tools)
	choice.GenerationInfo = map[string]any{
		"PromptTokens":     prompt,
		"CompletionTokens": completion,
		"TotalTokens":      prompt + completion,
	}
	if opts.StreamingFunc != nil && choice.Content != "" {
		for _, chunk := range chunks(choice.Content, streamWords) {
			if err := opts.StreamingFunc(ctx, []byte(chunk)); err != nil {
				return nil, fmt.Errorf("offline model: streaming: %w", err)
			}
		}
	}
	return &llms.ContentResponse{Choices: []*llms.ContentChoice{choice}}, nil
}

// streamWords is how many words each streamed chunk holds: enough chunks
// for a channel to show the reply growing, few enough to cost nothing.
const streamWords = 4

// chunks splits s into pieces of n words that concatenate back to s.
func chunks(s string, n int) []string {
	var out []string
	words, start := 0, 0
	inWord := false
	for i, r := range s {
		space := r == ' ' || r == '\n' || r == '\t'
		if !space && !inWord {
			if words == n {
				out = append(out, s[start:i])
				start, words = i, 0
			}
			words++
		}
		inWord = !space
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// argSeparators makes the punctuation of a call's JSON arguments space, so
// that its keys and values count as words.
var argSeparators = strings.NewReplacer(",", " ", ":", " ")

// promptWords estimates the prompt's tokens as its words, tool
// definitions included.
func (m *Model) promptWords(msgs []llms.MessageContent, tools []llms.Tool) int {
	n := 0
	for _, mc := range msgs {
		for _, p := range mc.Parts {
			switch v := p.(type) {
			case llms.TextContent:
				n += m.textWords(v.Text)
			case llms.ToolCall:
				if v.FunctionCall != nil {
					n += 1 + m.textWords(v.FunctionCall.Arguments)
				}
			case llms.ToolCallResponse:
				n += m.textWords(v.Content)
			}
		}
	}
	for _, t := range tools {
		if t.Function != nil {
			n += 1 + m.textWords(t.Function.Description)
		}
	}
	return n
}

// Every call counts its whole prompt, and most of it was counted before:
// the system prompt, the tool descriptions, the turn's passages (again in
// the turn's later calls) and the earlier messages and tool results (again
// in every later turn). Long texts are therefore counted once and then
// looked up, which hashes and compares them, several times faster than
// counting; short ones cost less to count than to look up.
const (
	minCountedLen   = 256
	maxCachedCounts = 1 << 13
	// maxCountedBytes bounds the texts the cache keeps.
	maxCountedBytes = 8 << 20
)

// A turn context comes back within its turn, milliseconds later: those of
// the last thousand turns or so (a second or two of a loaded server) are
// plenty. Each is kept twice, as text and parsed.
const (
	maxCachedTurnContexts = 1024
	maxTurnContextBytes   = 4 << 20
)

// textWords is wordCount(s), from the cache for a long s counted before.
func (m *Model) textWords(s string) int {
	if len(s) < minCountedLen {
		return wordCount(s)
	}
	if n, ok := m.counts.get(s); ok {
		return n
	}
	n := wordCount(s)
	m.counts.put(s, n)
	return n
}

// reply is what one call answers: text or a tool call.
type reply struct {
	text string
	call *llms.ToolCall
}

// run is the work of one GenerateContent call.
type run struct {
	m     *Model
	ctx   context.Context
	conv  conversation
	tools []*toolDef // offered in this call, in the order given
	lang  string
	now   time.Time
	// toolset is the offered tools as the engine sees them, shared with
	// the calls that offer the same.
	toolset *toolset
	// base hashes what every decision of the call depends on besides
	// the message and its state (see decideMemo); 0 until computed.
	base uint64
	// degraded is set when the embedder failed while ranking, so that
	// answer is not remembered (see answerFull).
	degraded bool

	// fromPassages caches passagesEnum: tool and field to value.
	fromPassages map[string]string

	coursesLoaded bool
	courseList    []Named
	courseIx      *courseIndex

	// pairs is similarity's scratch: the matches of word pairs.
	pairs []float64

	// known is what the conversation said of the caller before the turn
	// being decided (see callerBefore); turnFacts, what each turn said,
	// read once; knownCursor, the turn after the last one decided.
	known callerFacts
	// earlier are the caller's messages before the turn being decided,
	// latest first (at most earlierTurns): a required choice the request
	// leaves open ("¿qué te interesa?") may have been made there.
	earlier     []string
	turnFacts   []callerFacts
	knownCursor int
}

func (m *Model) newRun(ctx context.Context, msgs []llms.MessageContent, opts llms.CallOptions) *run {
	r := &run{m: m, ctx: ctx, conv: m.readConversation(msgs), now: m.now()}
	r.toolset = m.toolset(ctx, opts.Tools)
	r.tools = r.toolset.tools
	r.lang = r.chooseLang()
	return r
}

// tool returns the offered tool with that name, or nil.
func (r *run) tool(name string) *toolDef {
	for _, t := range r.tools {
		if t.name == name {
			return t
		}
	}
	return nil
}

// courses returns the vocabulary's courses, loaded once per call.
func (r *run) courses() []Named {
	if r.coursesLoaded {
		return r.courseList
	}
	r.coursesLoaded = true
	if r.m.vocab == nil {
		return nil
	}
	cs, err := r.m.vocab.Courses(r.ctx)
	if err != nil {
		r.m.log.WarnContext(r.ctx, "offline model: course vocabulary failed; course names are asked for and passed on as written", "err", err)
		return nil
	}
	r.courseList = cs
	return cs
}

// chooseLang decides the reply's language: an explicit request to switch
// wins; then the language the agent pinned, unless the message is long and
// clearly in another; then the message's own, if clear; then the latest
// clear one in the conversation; then the best guess.
// switchLang is the confidence from which a message of six words or more
// is answered in its own language rather than the conversation's pinned
// one: "legal. e se eu quiser ver o plano maior, dá?" (0.67) in an
// English conversation is answered in Portuguese.
const switchLang = 0.6

func (r *run) chooseLang() string {
	var humans []string
	for _, t := range r.conv.turns {
		humans = append(humans, t.human)
	}
	cur := ""
	if len(humans) > 0 {
		cur = humans[len(humans)-1]
	}
	if sw := explicitSwitch(cur); sw != "" {
		return sw
	}
	g := detectLang(cur)
	if p := r.conv.tc.Language; p == langES || p == langEN || p == langPT {
		if g.lang != "" && g.lang != p && g.confidence >= switchLang && wordCount(cur) >= 6 {
			return g.lang
		}
		return p
	}
	if g.confidence >= confidentLang {
		return g.lang
	}
	// Short messages: the latest clear one before, else all of the
	// evidence together.
	sum := g.scores
	for i := len(humans) - 2; i >= 0 && i >= len(humans)-8; i-- {
		if sw := explicitSwitch(humans[i]); sw != "" {
			return sw
		}
		h := detectLang(humans[i])
		if h.confidence >= confidentLang {
			return h.lang
		}
		for j := range sum {
			sum[j] += h.scores[j]
		}
	}
	best := 0
	for j := range sum {
		if sum[j] > sum[best] {
			best = j
		}
	}
	if sum[best] > 0 {
		return langCodes[best]
	}
	return defaultLang
}
