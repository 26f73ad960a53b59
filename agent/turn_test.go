package agent_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/llm"
	"github.com/faroai/faro/llm/llmtest"
	"github.com/faroai/faro/llm/offline"
	"github.com/faroai/faro/llm/offline/toolcatalog"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/tools"
)

// TestAnswerWithCitations: a question is persisted, passages retrieved and
// handed over in the turn context, the answer streamed, its citations
// checked against what was retrieved, and the reply persisted with them.
func TestAnswerWithCitations(t *testing.T) {
	t.Parallel()
	srv := llmtest.NewOpenAI(t, llmtest.Reply{
		Func: func(req llmtest.Request) llmtest.Reply {
			// The passages come as data in a system message; the
			// question is the last user message.
			require.Contains(t, req.System, "TURN CONTEXT")
			require.Contains(t, req.System, "199 USD")
			require.Equal(t, "¿Cuánto cuesta el curso de IA para marketing?", req.LastUserText())
			return llmtest.Reply{Text: "Cuesta 199 USD [1], y hay reembolso total [7].", Usage: &llmtest.Usage{PromptTokens: 120, CompletionTokens: 30}}
		},
	})
	b := setup(t, openSQLite(t), openAI(t, srv), map[string]string{"cursos/ia-marketing.md": priceDoc})

	var c collector
	r, err := b.agent.Turn(t.Context(), from("ana", "m1", "¿Cuánto cuesta el curso de IA para marketing?"), c.add)
	require.NoError(t, err)
	require.Equal(t, agent.OutcomeAnswered, r.Outcome)
	require.Equal(t, "Cuesta 199 USD [1], y hay reembolso total.", r.Text, "a marker citing nothing retrieved is removed")
	require.Equal(t, "Cuesta 199 USD [1], y hay reembolso total [7].", c.String(), "the raw answer was streamed; Text is final")
	require.Greater(t, c.n, 1, "streamed in pieces")
	require.Len(t, r.Citations, 1)
	require.Equal(t, "1", r.Citations[0].Ref)
	require.Equal(t, "cursos/ia-marketing.md", r.Citations[0].Source)
	require.Equal(t, "es", r.Language)
	require.Equal(t, store.RoleProspect, r.Role)
	require.Equal(t, agent.Usage{PromptTokens: 120, CompletionTokens: 30, ModelCalls: 1}, r.Usage)
	require.Equal(t, int64(1), r.InboundSeq)
	require.Equal(t, []int64{1}, r.Answers)
	require.False(t, r.Duplicate || r.Folded || r.Handoff)

	// Persisted: the question first, then the reply with its meta.
	require.Equal(t, []string{
		"user: ¿Cuánto cuesta el curso de IA para marketing?",
		"assistant: Cuesta 199 USD [1], y hay reembolso total.",
	}, transcript(t, b.store, r.ConversationID))
	ms, err := b.store.Messages(t.Context(), r.ConversationID, store.MessageQuery{})
	require.NoError(t, err)
	var meta agent.ReplyMeta
	require.NoError(t, json.Unmarshal(ms[1].Meta, &meta))
	require.Equal(t, []int64{1}, meta.AnswersSeq)
	require.Equal(t, int64(150), meta.ConversationTokens)
	require.Equal(t, r.Citations, meta.Citations)
	require.Equal(t, r.MessageID, ms[1].ID)

	// The conversation's language was pinned by a clear Spanish question.
	conv, err := b.store.Conversation(t.Context(), r.ConversationID)
	require.NoError(t, err)
	require.Equal(t, "es", conv.Language)
	require.Contains(t, b.logs.String(), "conversation_id="+r.ConversationID)
}

// TestToolRoundTrip runs a scripted multi-step conversation — a tool call,
// its result, the final answer — through each provider's real langchaingo
// client, streaming, and checks the steps of a lookup are persisted with
// the answer.
func TestToolRoundTrip(t *testing.T) {
	t.Parallel()
	for _, p := range []struct {
		name string
		new  func(testing.TB, ...llmtest.Reply) *llmtest.Server
	}{
		{llm.ProviderOpenAI, llmtest.NewOpenAI},
		{llm.ProviderOllama, llmtest.NewOllama},
		{llm.ProviderAnthropic, llmtest.NewAnthropic},
	} {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			var b *bundle
			var ref string
			srv := p.new(t,
				llmtest.Reply{Text: "Let me check.", ToolCalls: []llmtest.ToolCall{{ID: "call_a", Name: "search_knowledge", Args: `{"query":"refund policy","language":"en"}`}}},
				llmtest.Reply{Func: func(req llmtest.Request) llmtest.Reply {
					// search_knowledge changes nothing: its call and
					// result are stored with the answer.
					convs, err := b.store.ListConversations(t.Context(), "", 0, 10)
					require.NoError(t, err)
					require.Len(t, transcript(t, b.store, convs[0].ID), 1, "only the question is stored yet")

					res, ok := req.LastToolResult()
					require.True(t, ok)
					var out tools.SearchKnowledgeResult
					require.NoError(t, json.Unmarshal([]byte(res.Text), &out))
					require.NotEmpty(t, out.Passages)
					ref = out.Passages[0].Ref
					return llmtest.Reply{Text: "You get a full refund within 14 days [" + ref + "]."}
				}},
			)
			b = setup(t, openSQLite(t), provider(t, p.name, srv), map[string]string{"legal/refunds.md": refundDoc})

			var c collector
			r, err := b.agent.Turn(t.Context(), from("bob", "m1", "Hi! can I get my money back if I don't like it?"), c.add)
			require.NoError(t, err)
			require.Equal(t, agent.OutcomeAnswered, r.Outcome)
			require.Equal(t, "You get a full refund within 14 days ["+ref+"].", r.Text)
			require.Len(t, r.Citations, 1, "a passage found by search_knowledge is citable")
			require.Equal(t, "legal/refunds.md", r.Citations[0].Source)
			require.Len(t, r.Tools, 1)
			require.Equal(t, "search_knowledge", r.Tools[0].Name)
			require.Equal(t, tools.StatusOK, r.Tools[0].Status)
			require.JSONEq(t, `{"query":"refund policy","language":"en"}`, string(r.Tools[0].Args))
			require.Equal(t, 2, r.Usage.ModelCalls)
			require.Contains(t, c.String(), "full refund", "the answer was streamed")

			reqs := srv.Requests()
			require.Len(t, reqs, 2)
			for _, req := range reqs {
				require.True(t, req.Stream, "every call streams")
				require.ElementsMatch(t, []string{"request_human", "search_knowledge"}, req.ToolNames())
			}
			lines := transcript(t, b.store, r.ConversationID)
			require.Len(t, lines, 4, "question, call, result, answer")
			require.Contains(t, lines[1], `"name":"search_knowledge"`)
			require.Contains(t, lines[2], `"status":"ok"`)
			require.Equal(t, "assistant: You get a full refund within 14 days ["+ref+"].", lines[3])
		})
	}
}

// TestStepsStoredBeforeChanges: a lookup's call and result wait for the
// turn's next write; a tool that changes data has its call stored — with
// the lookup before it, in order — before it runs, and its result before
// the model reads it.
func TestStepsStoredBeforeChanges(t *testing.T) {
	t.Parallel()
	var b *bundle
	lines := func() []string {
		t.Helper()
		convs, err := b.store.ListConversations(t.Context(), "", 0, 10)
		require.NoError(t, err)
		require.Len(t, convs, 1)
		return transcript(t, b.store, convs[0].ID)
	}
	srv := llmtest.NewOpenAI(t,
		llmtest.Reply{ToolCalls: []llmtest.ToolCall{{ID: "call_a", Name: "search_knowledge", Args: `{"query":"precio"}`}}},
		llmtest.Reply{Func: func(llmtest.Request) llmtest.Reply {
			require.Len(t, lines(), 1, "the lookup is not stored yet")
			return llmtest.Reply{ToolCalls: []llmtest.ToolCall{{ID: "call_b", Name: "note_interest", Args: `{"course":"ia-marketing"}`}}}
		}},
		llmtest.Reply{Func: func(llmtest.Request) llmtest.Reply {
			got := lines()
			require.Len(t, got, 5, "the change's result is stored before the model reads it")
			require.Contains(t, got[4], `"name":"note_interest"`)
			return llmtest.Reply{Text: "Anotado: 199 USD."}
		}},
	)
	b = setup(t, openSQLite(t), openAI(t, srv), map[string]string{"cursos/ia-marketing.md": priceDoc})
	ran := 0
	tools.Add(b.tools, tools.Spec{
		Name: "note_interest", Description: "Notes the user's interest in a course.", Roles: []store.Role{store.RoleProspect, store.RoleStudent, store.RoleStaff},
		Examples: []tools.Example{{Lang: "es", Text: "me interesa el curso"}, {Lang: "en", Text: "I'm interested in the course"}},
		Mutating: true,
	}, func(_ context.Context, _ tools.Caller, in struct {
		Course string `json:"course"`
	}) (map[string]string, error) {
		ran++
		got := lines()
		require.Len(t, got, 4, "question, the lookup's call and result, this call: stored before it runs")
		require.Contains(t, got[1], `"name":"search_knowledge"`)
		require.Contains(t, got[2], `"status":"ok"`)
		require.Contains(t, got[3], `"name":"note_interest"`)
		return map[string]string{"noted": in.Course}, nil
	})

	r, err := b.agent.Turn(t.Context(), from("ana", "m1", "¿Cuánto cuesta el curso de IA para marketing? Me interesa."), nil)
	require.NoError(t, err)
	require.Equal(t, "Anotado: 199 USD.", r.Text)
	require.Equal(t, 1, ran)
	ms, err := b.store.Messages(t.Context(), r.ConversationID, store.MessageQuery{})
	require.NoError(t, err)
	require.Len(t, ms, 6)
	for i, m := range ms {
		require.Equal(t, int64(i+1), m.Seq)
	}
	require.Equal(t, r.MessageID, ms[5].ID)
}

// TestHistoryAcrossTurns: the next turn sends the earlier question, tool
// call, tool result and answer back in a shape the provider accepts.
func TestHistoryAcrossTurns(t *testing.T) {
	t.Parallel()
	srv := llmtest.NewOpenAI(t,
		llmtest.Reply{ToolCalls: []llmtest.ToolCall{{ID: "call_1", Name: "search_knowledge", Args: `{"query":"precio"}`}}},
		llmtest.Reply{Text: "Cuesta 199 USD."},
		llmtest.Reply{Func: func(req llmtest.Request) llmtest.Reply {
			var roles []string
			for _, m := range req.Messages {
				roles = append(roles, m.Role)
			}
			require.Equal(t, []string{"system", "system", "user", "assistant", "tool", "assistant", "user"}, roles)
			require.Equal(t, "call_1", req.Messages[3].ToolCalls[0].ID)
			require.Equal(t, "call_1", req.Messages[4].ToolCallID)
			return llmtest.Reply{Text: "Seis semanas."}
		}},
	)
	b := setup(t, openSQLite(t), openAI(t, srv), map[string]string{"cursos/ia-marketing.md": priceDoc})
	_, err := b.agent.Turn(t.Context(), from("ana", "m1", "¿Cuánto cuesta el curso de IA para marketing?"), nil)
	require.NoError(t, err)
	r, err := b.agent.Turn(t.Context(), from("ana", "m2", "¿y cuánto dura?"), nil)
	require.NoError(t, err)
	require.Equal(t, "Seis semanas.", r.Text)
	// The lane's driver removes it just after handing over the reply, in
	// its own goroutine: soon after, not necessarily before Turn returns.
	require.Eventually(t, func() bool { return agent.Lanes(b.agent) == 0 }, 10*time.Second, time.Millisecond,
		"an idle conversation holds no lock")
}

func TestInvalidMessage(t *testing.T) {
	t.Parallel()
	srv := llmtest.NewOpenAI(t)
	b := setup(t, openSQLite(t), openAI(t, srv), nil)
	for name, m := range map[string]agent.Message{
		"no text":    from("ana", "m1", "   "),
		"no sender":  {Channel: "web", Text: "hola"},
		"no channel": {Sender: store.Identity{ExternalID: "x"}, Text: "hola"},
		"bad role":   {Channel: "web", Sender: store.Identity{ExternalID: "x"}, Text: "hola", Role: "admin"},
		"too long":   from("ana", "m1", strings.Repeat("a", agent.MaxTextRunes+1)),
		"only NULs":  from("ana", "m1", "\x00\x00"),
		"NUL in id":  from("an\x00a", "m1", "hola"),
	} {
		r, err := b.agent.Turn(t.Context(), m, nil)
		require.ErrorIs(t, err, agent.ErrInvalidMessage, name)
		require.NotEmpty(t, r.Text, "%s: a short apology to show", name)
	}
}

// TestLanguagePinned: the conversation's language is pinned by a clear
// message, kept through "ok" and "thanks", and changed on request; the
// system prompt follows it.
func TestLanguagePinned(t *testing.T) {
	t.Parallel()
	expect := func(lang, marker string) llmtest.Reply {
		return llmtest.Reply{Func: func(req llmtest.Request) llmtest.Reply {
			require.Contains(t, req.System, marker, "the prompt is in %s", lang)
			require.Contains(t, req.System, `"language": "`+lang+`"`, "the turn context says %s", lang)
			return llmtest.Reply{Text: "(" + lang + ")"}
		}}
	}
	srv := llmtest.NewOpenAI(t,
		expect("es", "Responde siempre en español"),
		expect("es", "Responde siempre en español"),
		expect("es", "Responde siempre en español"),
		expect("en", "Always answer in English"),
		expect("en", "Always answer in English"),
	)
	b := setup(t, openSQLite(t), openAI(t, srv), nil)
	for i, step := range []struct{ text, lang string }{
		{"Hola, quiero saber el precio del curso de IA", "es"},
		{"ok", "es"},
		{"thanks", "es"},
		{"in English please", "en"},
		{"gracias", "en"},
	} {
		r, err := b.agent.Turn(t.Context(), from("ana", fmt.Sprint("m", i), step.text), nil)
		require.NoError(t, err)
		require.Equal(t, step.lang, r.Language, step.text)
	}
}

// TestFirstMessageUnsure: a first "ok" pins nothing; the reply takes the
// contact's language, else the default.
func TestFirstMessageUnsure(t *testing.T) {
	t.Parallel()
	srv := llmtest.NewOpenAI(t, llmtest.Reply{Text: "Hi!"})
	st := openSQLite(t)
	_, err := st.CreateContact(t.Context(), store.Contact{Language: "en", Identities: []store.Identity{{Channel: "web", ExternalID: "zoe"}}})
	require.NoError(t, err)
	b := setup(t, st, openAI(t, srv), nil)
	r, err := b.agent.Turn(t.Context(), from("zoe", "m1", "ok"), nil)
	require.NoError(t, err)
	require.Equal(t, "en", r.Language)
}

// TestRunningSummary: a long conversation sends the newest messages and a
// summary of the older ones.
func TestRunningSummary(t *testing.T) {
	t.Parallel()
	srv := llmtest.NewOpenAI(t, llmtest.Reply{Times: llmtest.Forever, Func: func(req llmtest.Request) llmtest.Reply {
		return llmtest.Reply{Text: "respuesta a " + req.LastUserText()}
	}})
	b := setup(t, openSQLite(t), openAI(t, srv), nil, func(o *agent.Options) {
		o.Limits.HistoryMessages = 4
		o.Limits.SummaryAfter = 4
	})
	var r agent.Reply
	for i := range 5 {
		var err error
		r, err = b.agent.Turn(t.Context(), from("ana", fmt.Sprint("m", i), fmt.Sprintf("pregunta número %d sobre los cursos", i)), nil)
		require.NoError(t, err)
	}
	reqs := srv.Requests()
	last := reqs[len(reqs)-1]
	require.Contains(t, last.System, "RESUMEN de la conversación anterior")
	require.Contains(t, last.System, "- user: pregunta número 0 sobre los cursos")
	var users int
	for _, m := range last.Messages {
		if m.Role == "user" {
			users++
		}
	}
	require.Equal(t, 2, users, "only the newest messages go as they are")
	conv, err := b.store.Conversation(t.Context(), r.ConversationID)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(conv.Summary, "(through message 5)\n"), conv.Summary)
}

// TestCloseWaitsForTurns: Close lets a turn in flight finish and persist
// its reply, and refuses new turns.
func TestCloseWaitsForTurns(t *testing.T) {
	t.Parallel()
	model := newGateModel()
	b := setup(t, openSQLite(t), model, nil)
	res := goTurn(b.agent, from("ana", "m1", "hola, quiero info de los cursos"))
	call := model.next(t)
	closed := make(chan error, 1)
	go func() { closed <- b.agent.Close(t.Context()) }()
	call.answer <- "¡Hola!"
	r := recv(t, res)
	require.NoError(t, r.err)
	require.NoError(t, recv(t, closed))
	_, err := b.agent.Turn(t.Context(), from("ana", "m2", "sigo aquí"), nil)
	require.ErrorIs(t, err, agent.ErrClosed)
}

// TestFallback: when the provider fails, the offline engine answers; the
// turn says so in its hook, logs and the reply's meta.
func TestFallback(t *testing.T) {
	t.Parallel()
	srv := llmtest.NewOpenAI(t, llmtest.Reply{Status: 500, Times: llmtest.Forever})
	reg := tools.NewRegistry()
	engine := offline.NewModel(offline.Options{Catalog: toolcatalog.New(reg)})
	var events []agent.FallbackEvent
	var turns []agent.TurnEvent
	b := setup(t, openSQLite(t), llm.WithFallback(openAI(t, srv), engine, nil), map[string]string{"cursos/ia-marketing.md": priceDoc},
		func(o *agent.Options) {
			o.Tools = reg
			o.OnFallbackFunc = func(e agent.FallbackEvent) { events = append(events, e) }
			o.OnTurnFunc = func(e agent.TurnEvent) { turns = append(turns, e) }
		})
	tools.AddSearchKnowledge(reg, b.kb)
	r, err := b.agent.Turn(t.Context(), from("ana", "m1", "¿Cuánto cuesta el curso de IA para marketing?"), nil)
	require.NoError(t, err)
	require.Equal(t, agent.OutcomeAnswered, r.Outcome)
	require.Contains(t, r.Text, "199")
	require.NotEmpty(t, r.Citations)
	require.NotEmpty(t, events)
	require.Equal(t, r.ConversationID, events[0].ConversationID)
	require.Len(t, turns, 1)
	require.True(t, turns[0].Fallback)
	require.Contains(t, b.logs.String(), "answered by the fallback model")
}
