package agent_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tmc/langchaingo/llms"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/llm/llmtest"
	"github.com/faroai/faro/store"
)

// gateModel is a model whose every call waits for the test to answer it,
// so tests decide what happens while a turn is in flight, with no sleeps.
type gateModel struct {
	calls chan *gateCall
}

func newGateModel() *gateModel { return &gateModel{calls: make(chan *gateCall)} }

// gateCall is one call waiting for its answer.
type gateCall struct {
	ctx    context.Context
	msgs   []llms.MessageContent
	answer chan string
}

// lastUser is the text of the call's last human message.
func (c *gateCall) lastUser() string {
	for i := len(c.msgs) - 1; i >= 0; i-- {
		if c.msgs[i].Role == llms.ChatMessageTypeHuman {
			return c.msgs[i].Parts[0].(llms.TextContent).Text
		}
	}
	return ""
}

func (m *gateModel) Call(ctx context.Context, prompt string, options ...llms.CallOption) (string, error) {
	return llms.GenerateFromSinglePrompt(ctx, m, prompt, options...)
}

func (m *gateModel) GenerateContent(ctx context.Context, msgs []llms.MessageContent, options ...llms.CallOption) (*llms.ContentResponse, error) {
	var o llms.CallOptions
	for _, opt := range options {
		opt(&o)
	}
	c := &gateCall{ctx: ctx, msgs: msgs, answer: make(chan string)}
	select {
	case m.calls <- c:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case text := <-c.answer:
		// "call:NAME ARGS" answers with a tool call.
		if rest, ok := strings.CutPrefix(text, "call:"); ok {
			name, args, _ := strings.Cut(rest, " ")
			return &llms.ContentResponse{Choices: []*llms.ContentChoice{{ToolCalls: []llms.ToolCall{
				{ID: "call_" + name, Type: "function", FunctionCall: &llms.FunctionCall{Name: name, Arguments: args}},
			}}}}, nil
		}
		if o.StreamingFunc != nil {
			for _, w := range strings.SplitAfter(text, " ") {
				if err := o.StreamingFunc(ctx, []byte(w)); err != nil {
					return nil, err
				}
			}
		}
		return &llms.ContentResponse{Choices: []*llms.ContentChoice{{Content: text}}}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// next returns the model's next call, failing the test if none comes.
func (m *gateModel) next(t *testing.T) *gateCall {
	t.Helper()
	select {
	case c := <-m.calls:
		return c
	case <-time.After(20 * time.Second):
		t.Fatal("the model was not called")
		return nil
	}
}

// none asserts no model call is waiting now.
func (m *gateModel) none(t *testing.T) {
	t.Helper()
	select {
	case c := <-m.calls:
		t.Fatalf("unexpected model call for %q", c.lastUser())
	default:
	}
}

// turnResult is a Turn run in a goroutine.
type turnResult struct {
	reply  agent.Reply
	err    error
	deltas *collector
}

func goTurn(a *agent.Agent, m agent.Message) <-chan turnResult {
	ch := make(chan turnResult, 1)
	c := &collector{}
	go func() {
		r, err := a.Turn(context.Background(), m, c.add)
		ch <- turnResult{r, err, c}
	}()
	return ch
}

func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(20 * time.Second):
		t.Fatal("nothing arrived")
		var zero T
		return zero
	}
}

// queued returns a channel told the seq of each message as it joins its
// conversation's queue.
func queued(a *agent.Agent) <-chan int64 {
	ch := make(chan int64, 16)
	agent.SetQueuedHook(a, func(_ string, seq int64) { ch <- seq })
	return ch
}

// TestSerialisedInOrder: two people write in one group chat at once. The
// second message waits for the first turn, whose answer its own turn
// sees: turns of one conversation never interleave.
func TestSerialisedInOrder(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			model := newGateModel()
			b := setup(t, be.open(t), model, nil)
			q := queued(b.agent)

			first := goTurn(b.agent, from("ana", "m1", "hola, quiero info de los cursos"))
			require.Equal(t, int64(1), recv(t, q))
			call1 := model.next(t)
			second := goTurn(b.agent, from("bob", "m2", "y yo quiero saber los precios"))
			require.Equal(t, int64(2), recv(t, q))
			model.none(t) // bob waits for ana's turn

			call1.answer <- "Tenemos tres cursos."
			r1 := recv(t, first)
			require.NoError(t, r1.err)
			require.Equal(t, "Tenemos tres cursos.", r1.reply.Text)

			call2 := model.next(t)
			require.Equal(t, "y yo quiero saber los precios", call2.lastUser(), "bob's message is not folded into ana's")
			var sawAnswer bool
			for _, m := range call2.msgs {
				if m.Role == llms.ChatMessageTypeAI && m.Parts[0].(llms.TextContent).Text == "Tenemos tres cursos." {
					sawAnswer = true
				}
			}
			require.True(t, sawAnswer, "the second turn sees the first one's answer")
			call2.answer <- "El curso cuesta 199 USD."
			r2 := recv(t, second)
			require.NoError(t, r2.err)
			require.False(t, r1.reply.Folded || r2.reply.Folded)

			require.Equal(t, []string{
				"user: hola, quiero info de los cursos",
				"user: y yo quiero saber los precios",
				"assistant: Tenemos tres cursos.",
				"assistant: El curso cuesta 199 USD.",
			}, transcript(t, b.store, r1.reply.ConversationID))
			require.Equal(t, []int64{1}, r1.reply.Answers)
			require.Equal(t, []int64{2}, r2.reply.Answers)
			require.Eventually(t, func() bool { return agent.Lanes(b.agent) == 0 }, 10*time.Second, time.Millisecond,
				"the conversation's queue is gone once idle")
		})
	}
}

// TestStaleReplyFolded: a newer message of the same sender arrives while
// the reply to the older one is being prepared. The stale preparation is
// canceled and one turn answers both; the older caller gets the same
// reply, marked Folded.
func TestStaleReplyFolded(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			model := newGateModel()
			b := setup(t, be.open(t), model, nil)
			q := queued(b.agent)

			first := goTurn(b.agent, from("ana", "m1", "hola"))
			require.Equal(t, int64(1), recv(t, q))
			stale := model.next(t)
			second := goTurn(b.agent, from("ana", "m2", "quiero inscribirme en el curso de IA"))
			require.Equal(t, int64(2), recv(t, q))
			select {
			case <-stale.ctx.Done(): // the stale model call is canceled
			case <-time.After(20 * time.Second):
				t.Fatal("the stale generation's model call was not canceled")
			}

			call := model.next(t)
			require.Equal(t, "hola\nquiero inscribirme en el curso de IA", call.lastUser(), "one turn answers both")
			call.answer <- "¡Hola! Te ayudo con la inscripción."
			r1, r2 := recv(t, first), recv(t, second)
			require.NoError(t, r1.err)
			require.NoError(t, r2.err)
			require.Equal(t, r2.reply.Text, r1.reply.Text)
			require.Equal(t, r2.reply.MessageID, r1.reply.MessageID)
			require.True(t, r1.reply.Folded, "the older caller's reply was delivered through the newer one")
			require.False(t, r2.reply.Folded)
			require.Equal(t, []int64{1, 2}, r2.reply.Answers)
			require.Equal(t, int64(1), r1.reply.InboundSeq)
			require.Equal(t, int64(2), r2.reply.InboundSeq)
			require.Equal(t, "¡Hola! Te ayudo con la inscripción.", r2.deltas.String(), "the newest caller streams")
			require.Equal(t, 2, r2.reply.Usage.ModelCalls, "the canceled call counts")

			require.Equal(t, []string{
				"user: hola",
				"user: quiero inscribirme en el curso de IA",
				"assistant: ¡Hola! Te ayudo con la inscripción.",
			}, transcript(t, b.store, r1.reply.ConversationID), "one reply, no stale one")
			require.Contains(t, b.logs.String(), "turn folded into a newer message")
		})
	}
}

// TestStaleLookupDropped: a lookup made by a generation that goes stale
// before its reply is stored is not stored (it would follow the newer
// message, as if made for it); the reply still lists it.
func TestStaleLookupDropped(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			model := newGateModel()
			b := setup(t, be.open(t), model, map[string]string{"cursos/ia-marketing.md": priceDoc})
			q := queued(b.agent)

			first := goTurn(b.agent, from("ana", "m1", "¿cuánto cuesta el curso de IA para marketing?"))
			require.Equal(t, int64(1), recv(t, q))
			model.next(t).answer <- `call:search_knowledge {"query":"precio curso IA para marketing"}`
			stale := model.next(t) // the answer after the lookup
			second := goTurn(b.agent, from("ana", "m2", "¿y cuánto dura?"))
			require.Equal(t, int64(2), recv(t, q))
			select {
			case <-stale.ctx.Done():
			case <-time.After(20 * time.Second):
				t.Fatal("the stale generation's model call was not canceled")
			}

			call := model.next(t)
			for _, m := range call.msgs {
				require.NotEqual(t, llms.ChatMessageTypeTool, m.Role, "the dropped lookup is not in the history")
			}
			call.answer <- "Cuesta 199 USD y dura seis semanas."
			r1, r2 := recv(t, first), recv(t, second)
			require.NoError(t, r1.err)
			require.NoError(t, r2.err)
			require.Len(t, r2.reply.Tools, 1, "the reply lists the lookup")
			require.Equal(t, "search_knowledge", r2.reply.Tools[0].Name)
			require.Equal(t, []string{
				"user: ¿cuánto cuesta el curso de IA para marketing?",
				"user: ¿y cuánto dura?",
				"assistant: Cuesta 199 USD y dura seis semanas.",
			}, transcript(t, b.store, r2.reply.ConversationID))
		})
	}
}

// fakeTimers stands in for time.After: each wait the agent starts is
// handed to the test, which fires it when it wants.
type fakeTimers chan chan time.Time

func (f fakeTimers) after(time.Duration) <-chan time.Time {
	c := make(chan time.Time, 1)
	f <- c
	return c
}

// TestBurstAnsweredOnce: messages arriving within the burst window are
// answered by one turn with one model call; each new message restarts the
// window.
func TestBurstAnsweredOnce(t *testing.T) {
	t.Parallel()
	timers := make(fakeTimers, 8)
	srv := llmtest.NewOpenAI(t, llmtest.Reply{Func: func(req llmtest.Request) llmtest.Reply {
		require.Equal(t, "hola\nquiero info\ndel curso de IA", req.LastUserText())
		return llmtest.Reply{Text: "¡Claro! El curso de IA dura seis semanas."}
	}})
	b := setup(t, openSQLite(t), openAI(t, srv), nil, func(o *agent.Options) {
		o.Limits.BurstWindow = 1500 * time.Millisecond
		o.TimerFunc = timers.after
	})
	q := queued(b.agent)

	var results []<-chan turnResult
	var last chan time.Time
	for i, text := range []string{"hola", "quiero info", "del curso de IA"} {
		results = append(results, goTurn(b.agent, from("ana", "m"+string(rune('1'+i)), text)))
		recv(t, q)
		last = recv(t, timers) // the window (re)starts
	}
	require.Empty(t, srv.Requests(), "nothing runs during the window")
	last <- time.Now()

	var replies []agent.Reply
	for _, ch := range results {
		r := recv(t, ch)
		require.NoError(t, r.err)
		replies = append(replies, r.reply)
	}
	require.Len(t, srv.Requests(), 1, "a burst costs one model call")
	for i, r := range replies {
		require.Equal(t, "¡Claro! El curso de IA dura seis semanas.", r.Text)
		require.Equal(t, []int64{1, 2, 3}, r.Answers)
		require.Equal(t, i < 2, r.Folded, "reply %d", i)
	}
}

// TestRedelivery (OWASP LLM10): a re-delivered platform message — after
// its answer, or while it is being answered — costs no model call and
// gets the same reply.
func TestRedelivery(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			srv := llmtest.NewOpenAI(t, llmtest.Reply{Text: "Cuesta 199 USD [1].", Usage: &llmtest.Usage{PromptTokens: 10, CompletionTokens: 5}})
			b := setup(t, be.open(t), openAI(t, srv), map[string]string{"precios.md": priceDoc})
			m := from("ana", "wamid.1", "¿Cuánto cuesta el curso de IA para marketing?")
			r1, err := b.agent.Turn(t.Context(), m, nil)
			require.NoError(t, err)
			require.False(t, r1.Duplicate)

			for range 3 {
				again, err := b.agent.Turn(t.Context(), m, nil)
				require.NoError(t, err)
				require.True(t, again.Duplicate)
				require.Equal(t, r1.Text, again.Text)
				require.Equal(t, r1.MessageID, again.MessageID)
				require.Equal(t, r1.Citations, again.Citations)
				require.Equal(t, r1.Usage, again.Usage)
				require.Equal(t, r1.InboundSeq, again.InboundSeq)
			}
			require.Len(t, srv.Requests(), 1, "zero additional model calls")
			require.Len(t, transcript(t, b.store, r1.ConversationID), 2, "nothing stored twice")
		})
	}

	t.Run("in flight", func(t *testing.T) {
		model := newGateModel()
		b := setup(t, openSQLite(t), model, nil)
		q := queued(b.agent)
		m := from("ana", "update-7", "hola, quiero info")
		first := goTurn(b.agent, m)
		recv(t, q)
		call := model.next(t)
		again := goTurn(b.agent, m)
		require.Equal(t, int64(1), recv(t, q), "the re-delivery waits for the answer in progress")
		model.none(t)
		call.answer <- "¡Hola!"
		r1, r2 := recv(t, first), recv(t, again)
		require.NoError(t, r1.err)
		require.NoError(t, r2.err)
		require.False(t, r1.reply.Duplicate)
		require.True(t, r2.reply.Duplicate)
		require.False(t, r2.reply.Folded)
		require.Equal(t, r1.reply.MessageID, r2.reply.MessageID)
	})

	t.Run("never answered", func(t *testing.T) {
		srv := llmtest.NewOpenAI(t, llmtest.Reply{Status: 400}, llmtest.Reply{Text: "¡Hola!"})
		b := setup(t, openSQLite(t), openAI(t, srv), nil)
		m := from("ana", "m1", "hola")
		r, err := b.agent.Turn(t.Context(), m, nil)
		require.Error(t, err, "the model failed")
		require.Equal(t, agent.OutcomeError, r.Outcome)
		require.NotEmpty(t, r.Text, "a short apology to show")
		require.NotContains(t, r.Text, "400")

		r, err = b.agent.Turn(t.Context(), m, nil)
		require.NoError(t, err, "a message never answered is answered on its re-delivery")
		require.True(t, r.Duplicate)
		require.Equal(t, "¡Hola!", r.Text)
	})
}

// TestHandoff: request_human hands the conversation to a person; from
// then on messages are stored and the bot stays quiet.
func TestHandoff(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			srv := llmtest.NewOpenAI(t,
				llmtest.Reply{ToolCalls: []llmtest.ToolCall{{Name: "request_human", Args: `{"reason":"quiere hablar con ventas"}`}}},
				llmtest.Reply{Text: "Te paso con una persona del equipo."},
			)
			b := setup(t, be.open(t), openAI(t, srv), nil)
			r, err := b.agent.Turn(t.Context(), from("ana", "m1", "quiero hablar con una persona"), nil)
			require.NoError(t, err)
			require.True(t, r.Handoff)
			require.Equal(t, "Te paso con una persona del equipo.", r.Text)
			conv, err := b.store.Conversation(t.Context(), r.ConversationID)
			require.NoError(t, err)
			require.Equal(t, store.ConversationHandedOff, conv.Status)

			r, err = b.agent.Turn(t.Context(), from("ana", "m2", "hola? sigue alguien ahí?"), nil)
			require.NoError(t, err)
			require.Equal(t, agent.OutcomeHandedOff, r.Outcome)
			require.True(t, r.Handoff)
			require.Empty(t, r.Text, "no bot reply")
			require.Empty(t, r.MessageID)
			require.Len(t, srv.Requests(), 2, "no model call once with a person")
			lines := transcript(t, b.store, r.ConversationID)
			require.Equal(t, "user: hola? sigue alguien ahí?", lines[len(lines)-1], "the message is stored for the person")

			again, err := b.agent.Turn(t.Context(), from("ana", "m2", "hola? sigue alguien ahí?"), nil)
			require.NoError(t, err)
			require.True(t, again.Duplicate)
			require.Equal(t, agent.OutcomeHandedOff, again.Outcome)
		})
	}
}
