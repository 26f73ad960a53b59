package offline_test

import (
	"context"
	"testing"

	"github.com/faroai/faro/llm/turnctx"
	"github.com/faroai/faro/store"
	"github.com/stretchr/testify/require"
	"github.com/tmc/langchaingo/llms"
)

// replyIn runs one call on a conversation of human messages (earlier
// replies "ok") with the language the agent pinned, and returns the reply.
func replyIn(t *testing.T, pinned string, humans ...string) string {
	t.Helper()
	m := newModel(t, nil)
	msgs := []llms.MessageContent{{Role: llms.ChatMessageTypeSystem, Parts: []llms.ContentPart{turnctx.Context{Role: "prospect", Language: pinned}.Part()}}}
	for i, h := range humans {
		if i > 0 {
			msgs = append(msgs, llms.TextParts(llms.ChatMessageTypeAI, "…"))
		}
		msgs = append(msgs, llms.TextParts(llms.ChatMessageTypeHuman, h))
	}
	resp, err := m.GenerateContent(context.Background(), msgs)
	require.NoError(t, err)
	return resp.Choices[0].Content
}

// The reply's language: the user's explicit request wins, then the
// language the agent pinned (a short "ok" or "gracias" does not move it),
// then the message's own, then the conversation's.
func TestReplyLanguage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		pinned string
		humans []string
		want   string // a phrase of the reply in the expected language
	}{
		{"spanish greeting", "", []string{"hola, buenas tardes"}, "¡Hola! ¿En qué puedo ayudarte?"},
		{"english greeting", "", []string{"hi there, good morning"}, "Hi! How can I help you?"},
		{"portuguese greeting", "", []string{"oi, bom dia! tudo bem?"}, "Olá! Como posso ajudar?"},
		{"spanish without accents or capitals", "", []string{"gracias por la info, muy amable"}, "¡De nada!"},
		{"pinned es, short english thanks", "es", []string{"thanks"}, "¡De nada!"},
		{"pinned en, short spanish gracias", "en", []string{"gracias!"}, "You're welcome!"},
		{"pinned es, ok", "es", []string{"ok"}, "¡Perfecto!"},
		{"pinned es, explicit switch", "es", []string{"in English please"}, "Sure, let's continue in English."},
		{"pinned en, explicit switch to spanish", "en", []string{"podemos seguir en español?"}, "Claro, seguimos en español."},
		{"pinned es, explicit switch to portuguese", "es", []string{"pode falar em português?"}, "Claro, vamos continuar em português."},
		{"unpinned: a short ok follows the conversation", "", []string{"hola, quisiera información de los cursos", "ok"}, "¡Perfecto!"},
		{"unpinned: an earlier switch holds", "", []string{"hola", "english please", "ok"}, "Great!"},
		{"pinned es, a long clearly english message", "es", []string{"thanks a lot for all the help, that was really useful for me and my team"}, "You're welcome!"},
		{"pinned en, a portuguese question of its own", "en", []string{"legal. e se eu quiser ver o plano maior, dá?"}, "Não encontrei"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			require.Contains(t, replyIn(t, c.pinned, c.humans...), c.want)
		})
	}
}

// Asking for a language in the middle of a question switches and answers.
func TestSwitchWithAQuestion(t *testing.T) {
	t.Parallel()
	a := newAgent(t, store.RoleProspect, "es")
	a.passages = func(string) []turnctx.Passage {
		return []turnctx.Passage{{Ref: "1", Source: "en/courses/ai-for-managers.md", Title: "AI Strategy for Managers",
			Text: "- Price: USD 229\n- Length: 3 weeks"}}
	}
	res := a.say("can we switch to english please? my spanish is not great. how much is the one for managers")
	require.Contains(t, res.reply, "Sure, let's continue in English.")
	require.Contains(t, res.reply, "USD 229 [1]")
}
