package kpi_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/handoff"
	"github.com/faroai/faro/kpi"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/sqlite"
)

// TestAutomationRateWithHandoffs: automation_rate counts a conversation as
// handed to a person however the hand-off went through the desk, and
// still after staff release it: taken and released before anyone wrote,
// asked for by the person and answered, or taken back at once. Only
// conversations the bot handled alone count as automated.
func TestAutomationRateWithHandoffs(t *testing.T) {
	ctx := t.Context()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "faro.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	desk, err := handoff.New(handoff.Options{Store: db})
	require.NoError(t, err)
	contact, err := db.CreateContact(ctx, store.Contact{Name: "Ana"})
	require.NoError(t, err)
	conv := func() store.Conversation {
		t.Helper()
		c, err := db.CreateConversation(ctx, store.Conversation{ContactID: contact.ID, Channel: "telegram"})
		require.NoError(t, err)
		_, _, err = db.AppendMessage(ctx, store.Message{ConversationID: c.ID, Author: store.AuthorUser, Text: "hola"})
		require.NoError(t, err)
		return c
	}
	staff := handoff.Staff{ID: "slack:U1", Name: "Marta"}

	for range 3 { // the bot alone
		conv()
	}
	taken := conv() // taken from the staff channel, released before a word
	_, _, err = desk.Take(ctx, taken.ID, staff, "")
	require.NoError(t, err)
	_, _, err = desk.Release(ctx, taken.ID, staff)
	require.NoError(t, err)
	asked := conv() // request_human, a staff reply, released
	asked.Status = store.ConversationHandedOff
	_, err = db.UpdateConversation(ctx, asked)
	require.NoError(t, err)
	require.NoError(t, desk.Requested(ctx, asked.ID, "2", "quiere hablar con alguien"))
	_, err = desk.Reply(ctx, asked.ID, staff, "Hola Ana, soy Marta")
	require.NoError(t, err)
	_, _, err = desk.Release(ctx, asked.ID, staff)
	require.NoError(t, err)
	held := conv() // taken and still with staff
	_, _, err = desk.Take(ctx, held.ID, staff, "")
	require.NoError(t, err)

	at := time.Now().UTC()
	r := kpi.NewReporter(db, nil, func() time.Time { return at })
	rep, err := r.Report(ctx, kpi.Request{Metrics: []kpi.Metric{kpi.AutomationRate}, Period: kpi.ThisMonth, Language: "en"})
	require.NoError(t, err)
	v := rep.Metrics[0]
	require.NotNil(t, v.Value, v.Unavailable)
	require.Equal(t, 0.5, *v.Value, "3 of 6 conversations never handed to a person")
	require.Equal(t, map[string]float64{"conversations": 6, "handed_off": 3}, v.Breakdown)
}
