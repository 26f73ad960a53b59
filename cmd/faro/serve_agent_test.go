package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/store"
)

// TestMainAgentAnswersOnDefaults: with no configuration, Main's agent
// answers course questions in Spanish and English from the demo knowledge
// base through the offline engine, with citations, and hands off to a
// person when asked.
func TestMainAgentAnswersOnDefaults(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	cfg := testConfig(t)
	m := NewMain(cfg, newLogger(cfg, &environment{stderr: &logs}))
	require.NoError(t, m.Run(context.Background()))
	t.Cleanup(func() { require.NoError(t, m.Close()) })
	require.NotNil(t, m.Agent)

	ask := func(sender, chat, text string) agent.Reply {
		t.Helper()
		r, err := m.Agent.Turn(t.Context(), agent.Message{
			Channel: "web", PlatformID: chat + text, ChatID: chat,
			Sender: store.Identity{Channel: "web", ExternalID: sender}, Text: text,
		}, nil)
		require.NoError(t, err, "logs:\n%s", logs.String())
		t.Logf("%s → %s %v", text, r.Text, r.Citations)
		return r
	}
	r := ask("ana", "c-es", "¿Cuánto cuesta el curso de IA para marketing?")
	require.Equal(t, agent.OutcomeAnswered, r.Outcome)
	require.Equal(t, "es", r.Language)
	require.NotEmpty(t, r.Citations, "an answer from the demo knowledge base, cited: %q", r.Text)

	r = ask("bob", "c-en", "What is your refund policy for courses?")
	require.Equal(t, "en", r.Language)
	require.NotEmpty(t, r.Citations, "an answer from the demo knowledge base, cited: %q", r.Text)

	r = ask("ana", "c-es", "quiero hablar con una persona")
	require.True(t, r.Handoff, "handed to a person: %q, tools %+v", r.Text, r.Tools)
}
