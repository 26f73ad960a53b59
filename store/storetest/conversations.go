package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
)

// requireSameConversation compares two conversations, timestamps as
// instants.
func requireSameConversation(t *testing.T, want, got store.Conversation, what string) {
	t.Helper()
	requireSameTime(t, want.CreatedAt, got.CreatedAt, what+": CreatedAt")
	requireSameTime(t, want.UpdatedAt, got.UpdatedAt, what+": UpdatedAt")
	want.CreatedAt, want.UpdatedAt, got.CreatedAt, got.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	require.Equal(t, want, got, what)
}

// createConversation stores an open conversation of contactID and fails
// the test if that is not possible.
func (b *testBundle) createConversation(t *testing.T, contactID, channel, externalID string) store.Conversation {
	t.Helper()
	c, err := b.store.CreateConversation(b.ctx, store.Conversation{ContactID: contactID, Channel: channel, ExternalID: externalID})
	require.NoError(t, err, "CreateConversation %s/%s", channel, externalID)
	return c
}

func exerciseConversations(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("RoundTrip", func(t *testing.T) {
		b := setup(t, open)
		contact := b.createContact(t, "Ana")

		in := store.Conversation{ContactID: contact.ID, Channel: "telegram", ExternalID: "chat-42", Language: "es", Summary: "pregunta por precios"}
		before := time.Now()
		created, err := b.store.CreateConversation(b.ctx, in)
		after := time.Now()
		require.NoError(t, err, "CreateConversation")
		require.NotEmpty(t, created.ID, "CreateConversation must give the conversation an ID")
		requireStoreTime(t, created.CreatedAt, before, after, "CreateConversation: CreatedAt")
		requireStoreTime(t, created.UpdatedAt, before, after, "CreateConversation: UpdatedAt")
		want := in
		want.ID, want.Status, want.CreatedAt, want.UpdatedAt = created.ID, store.ConversationOpen, created.CreatedAt, created.UpdatedAt
		requireSameConversation(t, want, created, "CreateConversation without a status stores it open, LastSeq 0")

		got, err := b.store.Conversation(b.ctx, created.ID)
		require.NoError(t, err, "Conversation by id")
		requireSameConversation(t, created, got, "Conversation(id) returns what CreateConversation returned")
		again, err := b.store.Conversation(b.ctx, created.ID)
		require.NoError(t, err, "Conversation by id, second read")
		requireSameConversation(t, got, again, "two reads of one conversation")

		got, err = b.store.ConversationByExternalID(b.ctx, "telegram", "chat-42")
		require.NoError(t, err, "ConversationByExternalID")
		requireSameConversation(t, created, got, "ConversationByExternalID")

		handed, err := b.store.CreateConversation(b.ctx, store.Conversation{ContactID: contact.ID, Channel: "slack", ExternalID: "T1/C1/1700000000.0001", Status: store.ConversationHandedOff})
		require.NoError(t, err, "CreateConversation with a status")
		require.Equal(t, store.ConversationHandedOff, handed.Status, "CreateConversation keeps a status it is given")
		got, err = b.store.Conversation(b.ctx, handed.ID)
		require.NoError(t, err, "Conversation by id (handed off)")
		requireSameConversation(t, handed, got, "round trip of a conversation created handed off")

		_, err = b.store.Conversation(b.ctx, "no-such-conversation")
		requireErrorIs(t, err, store.ErrNotFound, "Conversation of a missing id")
		_, err = b.store.ConversationByExternalID(b.ctx, "telegram", "chat-0")
		requireErrorIs(t, err, store.ErrNotFound, "ConversationByExternalID of an unknown chat")
		_, err = b.store.ConversationByExternalID(b.ctx, "whatsapp", "chat-42")
		requireErrorIs(t, err, store.ErrNotFound, "ConversationByExternalID: a known external id on another channel")
		_, err = b.store.CreateConversation(b.ctx, store.Conversation{ContactID: "no-such-contact", Channel: "web", ExternalID: "s1"})
		requireErrorIs(t, err, store.ErrNotFound, "CreateConversation for a missing contact")
		_, err = b.store.ConversationByExternalID(b.ctx, "web", "s1")
		requireErrorIs(t, err, store.ErrNotFound, "a refused CreateConversation must store nothing")
	})

	t.Run("Update", func(t *testing.T) {
		b := setup(t, open)
		contact := b.createContact(t, "Ana")
		created := b.createConversation(t, contact.ID, "web", "session-1")

		time.Sleep(5 * time.Millisecond)
		change := created
		change.Language = "en"
		change.Status = store.ConversationHandedOff
		change.Summary = "asked for a human about billing"
		// Only language, status and summary are saved; the rest is who and
		// where the conversation is, which an update must not move.
		change.Channel = "slack"
		change.ExternalID = "moved"
		change.ContactID = b.createContact(t, "Otro").ID
		before := time.Now()
		updated, err := b.store.UpdateConversation(b.ctx, change)
		after := time.Now()
		require.NoError(t, err, "UpdateConversation")

		want := created
		want.Language, want.Status, want.Summary = change.Language, change.Status, change.Summary
		want.UpdatedAt = updated.UpdatedAt
		requireSameConversation(t, want, updated, "UpdateConversation saves language, status and summary only")
		requireStoreTime(t, updated.UpdatedAt, before, after, "UpdateConversation: UpdatedAt")
		require.True(t, updated.UpdatedAt.After(created.UpdatedAt), "UpdateConversation must move UpdatedAt forward (was %v, now %v)", created.UpdatedAt, updated.UpdatedAt)

		got, err := b.store.Conversation(b.ctx, created.ID)
		require.NoError(t, err, "Conversation after update")
		requireSameConversation(t, updated, got, "Conversation(id) after UpdateConversation")
		got, err = b.store.ConversationByExternalID(b.ctx, "web", "session-1")
		require.NoError(t, err, "ConversationByExternalID after update: the external id must not move")
		require.Equal(t, created.ID, got.ID, "ConversationByExternalID after update")

		closed := got
		closed.Status = store.ConversationClosed
		closed, err = b.store.UpdateConversation(b.ctx, closed)
		require.NoError(t, err, "UpdateConversation to closed")
		require.Equal(t, store.ConversationClosed, closed.Status, "status after closing")

		// An empty status keeps the stored one: a caller that only changes
		// the summary cannot reopen a conversation by accident.
		summary := closed
		summary.Status = ""
		summary.Summary = "resumen nuevo"
		summary, err = b.store.UpdateConversation(b.ctx, summary)
		require.NoError(t, err, "UpdateConversation with an empty status")
		require.Equal(t, store.ConversationClosed, summary.Status, "UpdateConversation with an empty status keeps the stored status")
		require.Equal(t, "resumen nuevo", summary.Summary, "UpdateConversation with an empty status still saves the summary")
		got, err = b.store.Conversation(b.ctx, created.ID)
		require.NoError(t, err, "Conversation")
		requireSameConversation(t, summary, got, "Conversation after an update with an empty status")

		missing := got
		missing.ID = "no-such-conversation"
		_, err = b.store.UpdateConversation(b.ctx, missing)
		requireErrorIs(t, err, store.ErrNotFound, "UpdateConversation of a missing id")
	})

	t.Run("Invalid", func(t *testing.T) {
		b := setup(t, open)
		contact := b.createContact(t, "Ana")
		_, err := b.store.CreateConversation(b.ctx, store.Conversation{ContactID: contact.ID, Channel: "web", Status: "archived"})
		requireErrorIs(t, err, store.ErrInvalid, "CreateConversation with an unknown status")
		_, err = b.store.CreateConversation(b.ctx, store.Conversation{ContactID: contact.ID, ExternalID: "x"})
		requireErrorIs(t, err, store.ErrInvalid, "CreateConversation without a channel")
		conv := b.createConversation(t, contact.ID, "web", "s1")
		bad := conv
		bad.Status = "archived"
		_, err = b.store.UpdateConversation(b.ctx, bad)
		requireErrorIs(t, err, store.ErrInvalid, "UpdateConversation to an unknown status")
		got, err := b.store.Conversation(b.ctx, conv.ID)
		require.NoError(t, err, "Conversation")
		requireSameConversation(t, conv, got, "a refused UpdateConversation changes nothing")
		list, err := b.store.ListConversations(b.ctx, "", 0, 10)
		require.NoError(t, err, "ListConversations")
		require.Len(t, list, 1, "refused conversations must not be stored")
	})

	t.Run("ExternalIDUnique", func(t *testing.T) {
		b := setup(t, open)
		ana := b.createContact(t, "Ana")
		beto := b.createContact(t, "Beto")
		first := b.createConversation(t, ana.ID, "telegram", "chat-7")

		_, err := b.store.CreateConversation(b.ctx, store.Conversation{ContactID: beto.ID, Channel: "telegram", ExternalID: "chat-7"})
		requireErrorIs(t, err, store.ErrConflict, "CreateConversation with a (channel, external id) already taken")
		got, err := b.store.ConversationByExternalID(b.ctx, "telegram", "chat-7")
		require.NoError(t, err, "ConversationByExternalID after a conflict")
		require.Equal(t, first.ID, got.ID, "a conflicting CreateConversation must not replace the first")

		other := b.createConversation(t, beto.ID, "whatsapp", "chat-7")
		require.NotEqual(t, first.ID, other.ID, "the same external id on another channel is another conversation")

		// Conversations without a platform id (the API, the terminal) are
		// not unique.
		a := b.createConversation(t, ana.ID, "api", "")
		c := b.createConversation(t, ana.ID, "api", "")
		require.NotEqual(t, a.ID, c.ID, "two conversations with an empty external id are two conversations")
		// "" is no platform chat: it must not find one of them.
		_, err = b.store.ConversationByExternalID(b.ctx, "api", "")
		requireErrorIs(t, err, store.ErrNotFound, "ConversationByExternalID with an empty external id")
	})

	t.Run("List", func(t *testing.T) {
		b := setup(t, open)
		ana := b.createContact(t, "Ana")
		beto := b.createContact(t, "Beto")

		list, err := b.store.ListConversations(b.ctx, "", 0, 10)
		require.NoError(t, err, "ListConversations on an empty store")
		require.Empty(t, list, "ListConversations on an empty store")

		var anas []store.Conversation
		for i := range 4 {
			anas = append(anas, b.createConversation(t, ana.ID, "web", fmt.Sprintf("a%d", i)))
			time.Sleep(3 * time.Millisecond)
		}
		betos := b.createConversation(t, beto.ID, "web", "b0")
		time.Sleep(3 * time.Millisecond)

		// Touch the oldest: "most recently updated first" must now put it
		// first, ahead of conversations created after it.
		touched := anas[0]
		touched.Summary = "vuelve a escribir"
		touched, err = b.store.UpdateConversation(b.ctx, touched)
		require.NoError(t, err, "UpdateConversation")
		wantAna := []store.Conversation{touched, anas[3], anas[2], anas[1]}

		got, err := b.store.ListConversations(b.ctx, ana.ID, 0, 10)
		require.NoError(t, err, "ListConversations of one contact")
		require.Len(t, got, len(wantAna), "ListConversations of one contact must list only theirs")
		for i := range got {
			require.Equal(t, wantAna[i].ID, got[i].ID, "ListConversations(ana)[%d]: want most recently updated first", i)
			requireSameConversation(t, wantAna[i], got[i], fmt.Sprintf("ListConversations(ana)[%d]", i))
		}

		page, err := b.store.ListConversations(b.ctx, ana.ID, 1, 2)
		require.NoError(t, err, "ListConversations offset 1 limit 2")
		require.Len(t, page, 2, "ListConversations offset 1 limit 2")
		require.Equal(t, []string{wantAna[1].ID, wantAna[2].ID}, []string{page[0].ID, page[1].ID}, "ListConversations offset 1 limit 2")

		everyone, err := b.store.ListConversations(b.ctx, "", 0, 10)
		require.NoError(t, err, "ListConversations of everyone")
		var ids []string
		for _, c := range everyone {
			ids = append(ids, c.ID)
		}
		require.Equal(t, []string{touched.ID, betos.ID, anas[3].ID, anas[2].ID, anas[1].ID}, ids,
			"ListConversations with contact \"\" lists everyone's, most recently updated first")

		all, err := b.store.ListConversations(b.ctx, ana.ID, 1, 0)
		require.NoError(t, err, "ListConversations limit 0")
		require.Len(t, all, len(wantAna)-1, "ListConversations offset 1 limit 0: limit 0 means no cap")

		none, err := b.store.ListConversations(b.ctx, "no-such-contact", 0, 10)
		requireEmptyOrNotFound(t, len(none), err, "ListConversations of an unknown contact")

		for _, p := range [][2]int{{-1, 3}, {0, -1}} {
			for _, contact := range []string{"", ana.ID} {
				_, err = b.store.ListConversations(b.ctx, contact, p[0], p[1])
				requireErrorIs(t, err, store.ErrInvalid, fmt.Sprintf("ListConversations(%q) offset %d limit %d", contact, p[0], p[1]))
			}
		}
	})
}
