package agent

import (
	"context"
	"errors"
	"fmt"
	"github.com/faroai/faro/lexicon"
	"log/slog"
	"sync"
	"time"

	"github.com/tmc/langchaingo/llms"

	"github.com/faroai/faro/knowledge"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/tools"
)

// Store is what the agent needs from storage. store.Store satisfies it.
type Store interface {
	ContactByIdentity(ctx context.Context, id store.Identity) (store.Contact, error)
	CreateContact(ctx context.Context, c store.Contact) (store.Contact, error)
	Conversation(ctx context.Context, id string) (store.Conversation, error)
	ConversationByExternalID(ctx context.Context, channel, externalID string) (store.Conversation, error)
	CreateConversation(ctx context.Context, c store.Conversation) (store.Conversation, error)
	UpdateConversation(ctx context.Context, c store.Conversation) (store.Conversation, error)
	AppendMessage(ctx context.Context, m store.Message) (store.Message, bool, error)
	AppendMessages(ctx context.Context, ms []store.Message, u store.Usage) ([]store.Message, error)
	Messages(ctx context.Context, conversationID string, q store.MessageQuery) ([]store.Message, error)
	RecordUsage(ctx context.Context, u store.Usage) error
	UsageSince(ctx context.Context, contactID string, since time.Time) (int64, error)
}

// Searcher finds knowledge passages for a message. *knowledge.Base
// satisfies it.
type Searcher interface {
	Search(ctx context.Context, q knowledge.Query) ([]knowledge.Result, error)
}

// Interface guards.
var (
	_ Store    = store.Store(nil)
	_ Searcher = (*knowledge.Base)(nil)
)

// Limits bound what one turn may do. Zero fields take the defaults of
// [DefaultLimits]; use a negative value where "none" is meant and allowed.
type Limits struct {
	// MaxSteps is the number of model calls a turn may make; when the
	// model still asks for tools at the last one, the turn ends with a
	// graceful reply. Default 6.
	MaxSteps int
	// MaxToolCallsPerTurn caps the tool calls a turn may execute; a model
	// asking for more ends the turn gracefully (OWASP LLM06). Default 8.
	MaxToolCallsPerTurn int
	// TurnTimeout bounds one turn: retrieval, every model call and tool.
	// Default 90s.
	TurnTimeout time.Duration
	// BurstWindow is the quiet time a turn waits for more messages of the
	// same sender before it starts, so that a request split over several
	// short messages is answered once. Default 1.5s; negative disables it.
	BurstWindow time.Duration
	// HistoryMessages is how many stored messages (the newest) the model
	// sees besides the summary. Default 20.
	HistoryMessages int
	// SummaryAfter: once a conversation has more messages than this, the
	// ones older than the history window are folded into its running
	// summary. Default 40; negative disables summaries.
	SummaryAfter int
	// Budgets caps token spending.
	Budgets Budgets
}

// Budgets cap the tokens (prompt + completion, as the provider reports
// them) spent answering. Zero means no cap. Over a budget, a turn answers
// with an offer of a person instead of calling the model.
type Budgets struct {
	// TokensPerContactPerDay caps one contact's tokens per UTC day, over
	// all their conversations.
	TokensPerContactPerDay int64
	// TokensPerConversation caps one conversation's tokens, ever.
	TokensPerConversation int64
}

// DefaultLimits returns the limits a zero [Limits] stands for.
func DefaultLimits() Limits {
	return Limits{
		MaxSteps:            6,
		MaxToolCallsPerTurn: 8,
		TurnTimeout:         90 * time.Second,
		BurstWindow:         1500 * time.Millisecond,
		HistoryMessages:     20,
		SummaryAfter:        40,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxSteps <= 0 {
		l.MaxSteps = d.MaxSteps
	}
	if l.MaxToolCallsPerTurn <= 0 {
		l.MaxToolCallsPerTurn = d.MaxToolCallsPerTurn
	}
	if l.TurnTimeout <= 0 {
		l.TurnTimeout = d.TurnTimeout
	}
	switch {
	case l.BurstWindow == 0:
		l.BurstWindow = d.BurstWindow
	case l.BurstWindow < 0:
		l.BurstWindow = 0
	}
	if l.HistoryMessages <= 0 {
		l.HistoryMessages = d.HistoryMessages
	}
	if l.SummaryAfter == 0 {
		l.SummaryAfter = d.SummaryAfter
	}
	return l
}

// Options configure an [Agent]. Store and Model are required.
type Options struct {
	Store Store
	// Model answers: a provider's client (made resilient by llm.NewModel,
	// usually behind llm.WithFallback) or the offline engine.
	Model llms.Model
	// Tools are what the model may call, each gated by role in code. Nil
	// means no tools.
	Tools *tools.Registry
	// Knowledge is searched for every message; nil means no retrieval.
	Knowledge Searcher
	// Roles decides the caller's role; nil means everyone is a prospect
	// unless trusted code set Message.Role or the contact is a student.
	Roles  RoleResolver
	Limits Limits
	// Instructions are the operator's own instructions, appended to every
	// system prompt (the business's tone, facts that never change). They
	// are never shown to users; see the package documentation on prompts.
	Instructions string
	// Persona names the business and its assistant, sets its tone and
	// adds instructions by language and role, in every system prompt.
	Persona Persona
	// DefaultLanguage is used until a conversation's language is known:
	// es, en or pt. Default es.
	DefaultLanguage string
	// Clock is the time; nil means time.Now.
	Clock func() time.Time
	// Logger gets one line per event, each with the conversation id; nil
	// discards.
	Logger *slog.Logger

	// OnTurnFunc, when set, is told about every turn that ran (not about
	// duplicates or folded callers), for metrics. It must not block.
	OnTurnFunc func(TurnEvent)
	// OnToolCallFunc, when set, is told about every tool call.
	OnToolCallFunc func(ToolCallEvent)
	// OnFallbackFunc, when set, is told when an answer came from the
	// fallback model of llm.WithFallback.
	OnFallbackFunc func(FallbackEvent)

	// RecentBytes bounds the memory kept of recently active
	// conversations' newest messages, decoded, so that a turn reads only
	// what was stored since the conversation's last turn (see recent.go).
	// Zero means DefaultRecentBytes; negative keeps none.
	RecentBytes int64

	// TimerFunc returns a channel that receives after d; nil means
	// time.After. Tests inject one to drive burst windows without sleeping.
	TimerFunc func(d time.Duration) <-chan time.Time

	// Lease, when set, is held on a conversation while a turn of it
	// runs, so that the agents of several servers sharing the store
	// answer it one turn at a time; with a burst window, a turn also
	// folds in the messages of the same sender stored by another server
	// (see the package documentation). Nil: this agent is the store's
	// only one.
	Lease Leaser
	// Wake, when set with Lease, carries the news that another server
	// stored a message of a conversation, so that a turn being prepared
	// here folds it in at once rather than when it reads the store before
	// its reply. Nil: that read alone.
	Wake Waker
}

// Waker announces a name's change to the other servers and tells this one
// of theirs (livebus's Bump and Watch). A note is only a wake-up: the
// store says what changed.
type Waker interface {
	Bump(ctx context.Context, name string) error
	Watch(name string, f func()) (stop func())
}

// Leaser gives one agent at a time, among those sharing the store, a key
// (livebus's Lease). release gives it back; ctx bounds the wait.
type Leaser interface {
	Lease(ctx context.Context, key string) (release func(), err error)
}

// Agent runs turns. It is safe for concurrent use; one Agent serves every
// channel of the process.
type Agent struct {
	store     Store
	model     llms.Model
	tools     *tools.Registry
	knowledge Searcher
	roles     RoleResolver
	limits    Limits
	instr     string
	persona   Persona
	lang      string
	now       func() time.Time
	log       *slog.Logger
	timer     func(time.Duration) <-chan time.Time

	onTurn     func(TurnEvent)
	onToolCall func(ToolCallEvent)
	onFallback func(FallbackEvent)
	lease      Leaser
	wake       Waker

	// onQueued is a test hook: told when a message joins its
	// conversation's queue (see export_test.go).
	onQueued func(conversationID string, seq int64)

	lanes    lanes
	recent   *recent
	passages passageFilter
	// synonyms widen a search in a language the index cannot stem.
	synonyms *lexicon.Synonyms
	guards   guards

	// stop ends the turns still running when Close gives up waiting.
	stopCtx context.Context
	stop    context.CancelFunc
	running sync.WaitGroup
	closeMu sync.RWMutex
	closed  bool
}

// New returns an Agent. It fails when Store or Model is missing or a
// setting is out of range.
func New(opts Options) (*Agent, error) {
	if opts.Store == nil {
		return nil, errors.New("agent: no Store")
	}
	if opts.Model == nil {
		return nil, errors.New("agent: no Model")
	}
	lang := opts.DefaultLanguage
	if lang == "" {
		lang = "es"
	}
	if !supportedLanguage(lang) {
		return nil, fmt.Errorf("agent: DefaultLanguage %q is not es, en or pt", lang)
	}
	if opts.Limits.Budgets.TokensPerContactPerDay < 0 || opts.Limits.Budgets.TokensPerConversation < 0 {
		return nil, errors.New("agent: budgets must be 0 (no cap) or positive")
	}
	a := &Agent{
		store:      opts.Store,
		model:      opts.Model,
		tools:      opts.Tools,
		knowledge:  opts.Knowledge,
		roles:      opts.Roles,
		limits:     opts.Limits.withDefaults(),
		instr:      opts.Instructions,
		persona:    opts.Persona.clean(),
		lang:       lang,
		now:        opts.Clock,
		log:        opts.Logger,
		timer:      opts.TimerFunc,
		onTurn:     opts.OnTurnFunc,
		onToolCall: opts.OnToolCallFunc,
		onFallback: opts.OnFallbackFunc,
		lease:      opts.Lease,
		wake:       opts.Wake,
		synonyms:   lexicon.NewSynonyms(),
	}
	if a.tools == nil {
		a.tools = tools.NewRegistry()
	}
	if a.roles == nil {
		a.roles = &ConfigRoles{}
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.timer == nil {
		a.timer = time.After
	}
	a.lanes.m = map[string]*lane{}
	if opts.RecentBytes == 0 {
		opts.RecentBytes = DefaultRecentBytes
	}
	a.recent = newRecent(opts.RecentBytes, a.limits.HistoryMessages)
	a.stopCtx, a.stop = context.WithCancel(context.Background())
	return a, nil
}

// ErrClosed is returned by Turn once Close has been called.
var ErrClosed = errors.New("agent: closed")

// Close stops taking turns and waits, until ctx ends, for the turns in
// flight to finish and persist their replies; then it cancels what is
// still running. It returns ctx's error when it had to cancel.
func (a *Agent) Close(ctx context.Context) error {
	a.closeMu.Lock()
	a.closed = true
	a.closeMu.Unlock()
	done := make(chan struct{})
	go func() {
		a.running.Wait()
		close(done)
	}()
	select {
	case <-done:
		a.stop()
		return nil
	case <-ctx.Done():
		a.stop()
		<-done
		return fmt.Errorf("agent: close: turns canceled: %w", ctx.Err())
	}
}

// enter registers work in flight; false once closed.
func (a *Agent) enter() bool {
	a.closeMu.RLock()
	defer a.closeMu.RUnlock()
	if a.closed {
		return false
	}
	a.running.Add(1)
	return true
}
