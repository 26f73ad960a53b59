package offline_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tmc/langchaingo/llms"

	"github.com/faroai/faro/llm/offline"
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
