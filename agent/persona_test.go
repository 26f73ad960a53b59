package agent_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/llm/llmtest"
	"github.com/faroai/faro/store"
)

// TestPersonaInSystemPrompt: a provider (the real OpenAI client against a
// local server) is told the business's and the assistant's names, the
// tone, and the operator's instructions for the caller's language and
// role only; a reply introducing the assistant by name is not withheld.
func TestPersonaInSystemPrompt(t *testing.T) {
	t.Parallel()
	persona := agent.Persona{
		Business: "Brújula Digital", Assistant: "Brújula", Tone: "cercano y directo",
		Instructions: map[string]string{
			"es": "Tutea siempre al usuario.",
			"en": "Use British spelling.",
		},
		RoleInstructions: map[store.Role]string{
			store.RoleProspect: "Ofrece la clase gratuita del jueves.",
			store.RoleStaff:    "Give figures with two decimals.",
		},
	}
	systems := make(chan string, 2)
	srv := llmtest.NewOpenAI(t,
		llmtest.Reply{Func: func(req llmtest.Request) llmtest.Reply {
			systems <- req.System
			return llmtest.Reply{Text: "¡Hola! Soy Brújula, el asistente virtual de Brújula Digital. ¿En qué te ayudo?"}
		}},
		llmtest.Reply{Func: func(req llmtest.Request) llmtest.Reply {
			systems <- req.System
			return llmtest.Reply{Text: "Hi, I'm Brújula."}
		}},
	)
	b := setup(t, openSQLite(t), openAI(t, srv), nil, func(o *agent.Options) {
		o.Instructions = "Nunca prometas descuentos."
		o.Persona = persona
	})

	r, err := b.agent.Turn(t.Context(), from("visitor-1", "m1", "hola, ¿quién eres y qué cursos tienen?"), nil)
	require.NoError(t, err)
	require.Equal(t, store.RoleProspect, r.Role)
	require.Contains(t, r.Text, "Soy Brújula, el asistente virtual de Brújula Digital", "the names are there to be said")
	sys := <-systems
	require.Contains(t, sys, "Eres Brújula, el asistente virtual de Brújula Digital:")
	require.Contains(t, sys, "Tono: cercano y directo.")
	require.Contains(t, sys, "Nunca prometas descuentos.")
	require.Contains(t, sys, "Tutea siempre al usuario.")
	require.Contains(t, sys, "Ofrece la clase gratuita del jueves.")
	require.NotContains(t, sys, "British spelling", "another language's instructions")
	require.NotContains(t, sys, "two decimals", "another role's instructions")
	require.Contains(t, sys, `"business": "Brújula Digital"`, "the turn context names them too")
	require.Contains(t, sys, `"assistant": "Brújula"`)

	staff := from("sam", "m2", "How many new leads did we get this week?")
	staff.ChatID, staff.Role = "chat-staff", store.RoleStaff
	r, err = b.agent.Turn(t.Context(), staff, nil)
	require.NoError(t, err)
	require.Equal(t, store.RoleStaff, r.Role)
	sys = <-systems
	require.Contains(t, sys, "You are Brújula, the virtual assistant of Brújula Digital:")
	require.Contains(t, sys, "Tone: cercano y directo.")
	require.Contains(t, sys, "Nunca prometas descuentos.")
	require.Contains(t, sys, "Use British spelling.")
	require.Contains(t, sys, "Give figures with two decimals.")
	require.NotContains(t, sys, "Tutea")
	require.NotContains(t, sys, "clase gratuita")
}

// TestPersonaDefaults: without a persona the prompt keeps its generic
// introduction.
func TestPersonaDefaults(t *testing.T) {
	t.Parallel()
	require.Contains(t, agent.SystemPrompt("es", store.RoleProspect, ""), "Eres el asistente virtual de la empresa: cursos")
	require.Contains(t, agent.SystemPrompt("en", store.RoleProspect, ""), "You are the company's virtual assistant: courses")
	require.Contains(t, agent.SystemPrompt("pt", store.RoleProspect, ""), "Você é o assistente virtual da empresa: cursos")
}
