package offline_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tmc/langchaingo/llms"

	"github.com/faroai/faro/llm/offline"
	"github.com/faroai/faro/llm/turnctx"
	"github.com/faroai/faro/store"
)

// Each message of a conversation is decided once: the turn's later calls
// and the next turns' replays find the decision remembered, and decide the
// same as a model that remembers nothing.
func TestDecisionsAreRemembered(t *testing.T) {
	t.Parallel()
	reg := newRegistry(t, &calls{}, nil)
	m := newModel(t, reg)
	opts := llms.WithTools(reg.Definitions(store.RoleProspect))
	said := []string{
		"hola, quiero inscribirme en un curso",
		"el de IA para marketing",
		"¿cuánto cuesta?",
		"mi correo es ana@acme.com",
	}
	var msgs []llms.MessageContent
	for i, text := range said {
		msgs = append(msgs, llms.TextParts(llms.ChatMessageTypeHuman, text))
		resp, err := m.GenerateContent(context.Background(), msgs, opts)
		require.NoError(t, err)
		require.Equal(t, i+1, offline.DecisionsRemembered(m), "after message %d", i+1)

		// The same call again (a retry, or the reply after a tool) decides
		// nothing new, and answers the same.
		again, err := m.GenerateContent(context.Background(), msgs, opts)
		require.NoError(t, err)
		require.Equal(t, i+1, offline.DecisionsRemembered(m))
		require.Equal(t, resp.Choices[0].Content, again.Choices[0].Content)
		require.Equal(t, resp.Choices[0].ToolCalls, again.Choices[0].ToolCalls)

		// A model that remembers nothing decides the same.
		fresh, err := newModel(t, reg).GenerateContent(context.Background(), msgs, opts)
		require.NoError(t, err)
		require.Equal(t, resp.Choices[0].Content, fresh.Choices[0].Content)
		require.Equal(t, resp.Choices[0].ToolCalls, fresh.Choices[0].ToolCalls)

		msgs = append(msgs, llms.TextParts(llms.ChatMessageTypeAI, resp.Choices[0].Content))
	}
}

// An answer made of a question and its passages is remembered, and is what
// a model that remembers nothing answers; one ranked while the embedder
// failed is not remembered.
func TestAnswersAreRemembered(t *testing.T) {
	t.Parallel()
	tc := turnctx.Context{Language: "es", Role: "prospect", Channel: "web", Passages: []turnctx.Passage{
		{Ref: "1", Source: "cursos/ia-marketing.md", Title: "IA para marketing", Language: "es",
			Text: "El curso IA para marketing cuesta 199 USD. Dura seis semanas y se puede pagar en tres cuotas."},
		{Ref: "2", Source: "cursos/becas.md", Title: "Becas", Language: "es", Text: "Hay becas del 50% para estudiantes."},
	}}
	msgs := []llms.MessageContent{
		{Role: llms.ChatMessageTypeSystem, Parts: []llms.ContentPart{tc.Part()}},
		llms.TextParts(llms.ChatMessageTypeHuman, "¿Cuánto cuesta el curso de IA para marketing?"),
	}
	answer := func(m *offline.Model) string {
		t.Helper()
		resp, err := m.GenerateContent(t.Context(), msgs)
		require.NoError(t, err)
		return resp.Choices[0].Content
	}
	m := offline.NewModel(offline.Options{})
	first := answer(m)
	require.Contains(t, first, "199 USD")
	require.Equal(t, 1, offline.AnswersRemembered(m))
	require.Equal(t, first, answer(m), "from the memo")
	require.Equal(t, 1, offline.AnswersRemembered(m))
	require.Equal(t, first, answer(offline.NewModel(offline.Options{})), "as worked out afresh")

	failing := offline.NewModel(offline.Options{Embedder: failingEmbedder{}})
	answer(failing)
	require.Zero(t, offline.AnswersRemembered(failing), "ranked without vectors: not remembered")
}

type failingEmbedder struct{}

func (failingEmbedder) EmbedDocuments(context.Context, []string) ([][]float32, error) {
	return nil, errors.New("embedder down")
}

func (failingEmbedder) EmbedQuery(context.Context, string) ([]float32, error) {
	return nil, errors.New("embedder down")
}
