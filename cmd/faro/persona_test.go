package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/llm"
	"github.com/faroai/faro/llm/llmtest"
	"github.com/faroai/faro/store"
)

func TestConfigPersona(t *testing.T) {
	t.Parallel()
	c, err := LoadConfig("", envOf(nil))
	require.NoError(t, err)
	require.Equal(t, agent.Persona{Business: "Brújula Digital", Assistant: "Brújula"}, c.Persona(), "the demo's")

	path := filepath.Join(t.TempDir(), "faro.yaml")
	require.NoError(t, os.WriteFile(path, []byte(`business_name: Acme Learning
assistant_name: Ada
assistant_tone: warm and brief
instructions:
  all: Never promise discounts.
  es: Tutea al usuario.
  en: Use British spelling.
  roles:
    staff: Give figures with two decimals.
    prospect: Offer the free Thursday class.
`), 0o600))
	c, err = LoadConfig(path, envOf(map[string]string{
		"FARO_ASSISTANT_NAME":        "Ada Lovelace",
		"FARO_INSTRUCTIONS_PT":       "Trate o usuário por você.",
		"FARO_INSTRUCTIONS_PROSPECT": "Offer the free Friday class.",
	}))
	require.NoError(t, err)
	require.Equal(t, "Never promise discounts.", c.Instructions.All)
	require.Equal(t, agent.Persona{
		Business: "Acme Learning", Assistant: "Ada Lovelace", Tone: "warm and brief",
		Instructions: map[string]string{"es": "Tutea al usuario.", "en": "Use British spelling.", "pt": "Trate o usuário por você."},
		RoleInstructions: map[store.Role]string{
			store.RoleStaff:    "Give figures with two decimals.",
			store.RoleProspect: "Offer the free Friday class.", // the environment wins, the other role stays
		},
	}, c.Persona())

	// Bad values name the setting, in one line.
	for name, env := range map[string]map[string]string{
		"FARO_BUSINESS_NAME":        {"FARO_BUSINESS_NAME": "Acme\nLearning"},
		"FARO_ASSISTANT_NAME":       {"FARO_ASSISTANT_NAME": strings.Repeat("a", maxNameLen+1)},
		"FARO_ASSISTANT_TONE":       {"FARO_ASSISTANT_TONE": strings.Repeat("b", maxToneLen+1)},
		"FARO_INSTRUCTIONS_EN":      {"FARO_INSTRUCTIONS_EN": strings.Repeat("c", maxInstructionsLen+1)},
		"FARO_INSTRUCTIONS_STAFF":   {"FARO_INSTRUCTIONS_STAFF": strings.Repeat("d", maxInstructionsLen+1)},
		"FARO_INSTRUCTIONS":         {"FARO_INSTRUCTIONS": "\xff\xfe"},
		"FARO_ASSISTANT_NAME (bad)": {"FARO_ASSISTANT_NAME": "\xff"},
	} {
		_, err := LoadConfig("", envOf(env))
		want, _, _ := strings.Cut(name, " ")
		require.ErrorContains(t, err, want+": ", name)
		require.NotContains(t, err.Error(), "\n", name)
	}
	path = filepath.Join(t.TempDir(), "faro.yaml")
	require.NoError(t, os.WriteFile(path, []byte("instructions: Never promise discounts.\n"), 0o600))
	c, err = LoadConfig(path, envOf(nil))
	require.NoError(t, err)
	require.Equal(t, InstructionsConfig{All: "Never promise discounts."}, c.Instructions, "one string is for every conversation")
	for yaml, want := range map[string]string{
		"instructions:\n  roles:\n    admin: hi\n": `instructions.roles: "admin" is not prospect, student or staff`,
		"instructions:\n  fr: Bonjour\n":           "fr",
	} {
		path := filepath.Join(t.TempDir(), "faro.yaml")
		require.NoError(t, os.WriteFile(path, []byte(yaml), 0o600))
		_, err := LoadConfig(path, envOf(nil))
		require.ErrorContains(t, err, want, yaml)
		require.NotContains(t, err.Error(), "\n", yaml)
	}
}

// TestServePersonaReachesTheProvider: set in the configuration, the
// business's and assistant's names and the instructions for the caller's
// language and role reach the provider's system prompt.
func TestServePersonaReachesTheProvider(t *testing.T) {
	t.Parallel()
	systems := make(chan string, 1)
	srv := llmtest.NewOpenAI(t, llmtest.Reply{Func: func(req llmtest.Request) llmtest.Reply {
		systems <- req.System
		return llmtest.Reply{Text: "Hi! I'm Ada, from Acme Learning."}
	}})
	cfg := testConfig(t)
	cfg.LLM, cfg.LLMBaseURL, cfg.LLMAPIKey, cfg.LLMModel, cfg.LLMMaxRetries = llm.ProviderOpenAI, srv.URL, srv.APIKey, "test-model", 0
	cfg.BusinessName, cfg.AssistantName, cfg.AssistantTone = "Acme Learning", "Ada", "warm and brief"
	cfg.Instructions = InstructionsConfig{EN: "Use British spelling.", ES: "Tutea al usuario.",
		Roles: map[string]string{"prospect": "Offer the free Thursday class.", "staff": "Give figures with two decimals."}}
	require.NoError(t, cfg.validate())
	var logs bytes.Buffer
	m := NewMain(cfg, newLogger(cfg, &environment{stderr: &logs}))
	require.NoError(t, m.Run(context.Background()))
	t.Cleanup(func() { require.NoError(t, m.Close()) })

	r, err := m.Agent.Turn(t.Context(), agent.Message{
		Channel: "web", PlatformID: "m1", ChatID: "c-en",
		Sender: store.Identity{Channel: "web", ExternalID: "leo"}, Text: "Hello, who are you and which courses do you have?",
	}, nil)
	require.NoError(t, err, "logs:\n%s", logs.String())
	require.Equal(t, "Hi! I'm Ada, from Acme Learning.", r.Text)
	sys := <-systems
	require.Contains(t, sys, "You are Ada, the virtual assistant of Acme Learning:")
	require.Contains(t, sys, "Tone: warm and brief.")
	require.Contains(t, sys, "Use British spelling.")
	require.Contains(t, sys, "Offer the free Thursday class.")
	require.NotContains(t, sys, "Tutea")
	require.NotContains(t, sys, "two decimals")
}

// TestOfflineGreetingNamesTheAssistant: on the defaults (the demo), the
// offline engine introduces Brújula, Brújula Digital's assistant.
func TestOfflineGreetingNamesTheAssistant(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	var logs bytes.Buffer
	m := NewMain(cfg, newLogger(cfg, &environment{stderr: &logs}))
	require.NoError(t, m.Run(context.Background()))
	t.Cleanup(func() { require.NoError(t, m.Close()) })
	for text, want := range map[string]string{
		"hola":  "Soy Brújula, el asistente de Brújula Digital.",
		"hello": "I'm Brújula, the assistant of Brújula Digital.",
	} {
		r, err := m.Agent.Turn(t.Context(), agent.Message{
			Channel: "web", PlatformID: "m-" + text, ChatID: "c-" + text,
			Sender: store.Identity{Channel: "web", ExternalID: "v-" + text}, Text: text,
		}, nil)
		require.NoError(t, err, "logs:\n%s", logs.String())
		require.Contains(t, r.Text, want)
	}
}
