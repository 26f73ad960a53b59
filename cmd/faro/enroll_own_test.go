package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/store"
)

// TestWidgetProspectCannotUseAnotherEmail: on the demo's defaults (the
// offline engine), a widget visitor who asks to be enrolled with Bob's
// email is told it belongs to another account, and learns nothing of
// Bob's seat; with their own email they are enrolled.
func TestWidgetProspectCannotUseAnotherEmail(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	var logs bytes.Buffer
	m := NewMain(cfg, newLogger(cfg, &environment{stderr: &logs}))
	require.NoError(t, m.Run(context.Background()))
	t.Cleanup(func() { require.NoError(t, m.Close()) })
	ctx := t.Context()

	bob, err := m.Store.CreateContact(ctx, store.Contact{Name: "Bob", Email: "bob@example.com", Role: store.RoleStudent})
	require.NoError(t, err)
	seat, _, err := m.Store.Enroll(ctx, store.EnrollRequest{CourseSlug: "prompt-engineering", ContactID: bob.ID, Email: "bob@example.com", Name: "Bob"})
	require.NoError(t, err)

	ask := func(text string) agent.Reply {
		t.Helper()
		r, err := m.Agent.Turn(ctx, agent.Message{
			Channel: "web", PlatformID: "m-" + text, ChatID: "c-visitor",
			Sender: store.Identity{Channel: "web", ExternalID: "visitor"}, Text: text,
		}, nil)
		require.NoError(t, err, "logs:\n%s", logs.String())
		t.Logf("%s → %s", text, r.Text)
		return r
	}
	r := ask("enrol me in prompt engineering with bob@example.com")
	require.Contains(t, r.Text, "another account")
	for _, leak := range []string{seat.ID, "pay.example", "pending", "already", "bob@"} {
		require.NotContains(t, r.Text, leak)
	}
	ens, err := m.Store.EnrollmentsByEmail(ctx, "bob@example.com")
	require.NoError(t, err)
	require.Len(t, ens, 1, "nothing written")

	r = ask("enrol me in prompt engineering with leo@example.com")
	require.Contains(t, r.Text, "leo@example.com")
	ens, err = m.Store.EnrollmentsByEmail(ctx, "leo@example.com")
	require.NoError(t, err)
	require.Len(t, ens, 1, "enrolled with their own email: %s", r.Text)
}
