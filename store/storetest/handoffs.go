package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
)

func exerciseHandoffs(t *testing.T, open func(t *testing.T) store.Store) {
	seed := func(t *testing.T) (*testBundle, store.Conversation) {
		b := setup(t, open)
		c := b.createContact(t, "Ana", store.Identity{Channel: "telegram", ExternalID: "501"})
		return b, b.createConversation(t, c.ID, "telegram", "501")
	}

	t.Run("Events", func(t *testing.T) {
		b, conv := seed(t)
		ctx, s := b.ctx, b.store
		es, err := s.HandoffEvents(ctx, conv.ID)
		require.NoError(t, err)
		require.Empty(t, es, "none yet")
		require.NotNil(t, es, "an empty list, not nil")

		before := time.Now()
		req, created, err := s.AddHandoffEvent(ctx, store.HandoffEvent{ID: "requested:" + conv.ID + ":1", ConversationID: conv.ID,
			Kind: store.HandoffRequested, Detail: "quiere hablar con alguien"})
		after := time.Now()
		require.NoError(t, err)
		require.True(t, created)
		requireStoreTime(t, req.CreatedAt, before, after, "AddHandoffEvent: CreatedAt")
		// The same id again: the stored one, unchanged.
		again, created, err := s.AddHandoffEvent(ctx, store.HandoffEvent{ID: req.ID, ConversationID: conv.ID,
			Kind: store.HandoffReleased, Detail: "other"})
		require.NoError(t, err)
		require.False(t, created, "an id stored already is not stored again")
		require.Equal(t, store.HandoffRequested, again.Kind)
		require.Equal(t, "quiere hablar con alguien", again.Detail)

		taken, created, err := s.AddHandoffEvent(ctx, store.HandoffEvent{ConversationID: conv.ID, Kind: store.HandoffTaken, Actor: "slack:U1"})
		require.NoError(t, err)
		require.True(t, created)
		require.NotEmpty(t, taken.ID, "an empty id gets a new one")
		msg, _ := b.appendText(t, conv, store.AuthorStaff, "hola, soy Marta", "")
		_, _, err = s.AddHandoffEvent(ctx, store.HandoffEvent{ConversationID: conv.ID, Kind: store.HandoffReplied, Actor: "slack:U1", MessageID: msg.ID})
		require.NoError(t, err)
		_, _, err = s.AddHandoffEvent(ctx, store.HandoffEvent{ConversationID: conv.ID, Kind: store.HandoffReleased, Actor: "api:ops"})
		require.NoError(t, err)

		es, err = s.HandoffEvents(ctx, conv.ID)
		require.NoError(t, err)
		require.Len(t, es, 4)
		kinds := []store.HandoffKind{}
		for _, e := range es {
			kinds = append(kinds, e.Kind)
			require.Equal(t, conv.ID, e.ConversationID)
		}
		require.Equal(t, []store.HandoffKind{store.HandoffRequested, store.HandoffTaken, store.HandoffReplied, store.HandoffReleased}, kinds, "oldest first")
		require.Equal(t, msg.ID, es[2].MessageID)
		require.Equal(t, "slack:U1", es[2].Actor)

		other := b.createConversation(t, conv.ContactID, "telegram", "502")
		es, err = s.HandoffEvents(ctx, other.ID)
		require.NoError(t, err)
		require.Empty(t, es, "another conversation's events are its own")
	})

	t.Run("EventsRefused", func(t *testing.T) {
		b, conv := seed(t)
		ctx, s := b.ctx, b.store
		for name, e := range map[string]store.HandoffEvent{
			"no conversation": {Kind: store.HandoffTaken},
			"unknown kind":    {ConversationID: conv.ID, Kind: "stolen"},
			"NUL":             {ConversationID: conv.ID, Kind: store.HandoffTaken, Actor: "a\x00b"},
		} {
			_, _, err := s.AddHandoffEvent(ctx, e)
			requireErrorIs(t, err, store.ErrInvalid, "AddHandoffEvent with "+name)
		}
		_, _, err := s.AddHandoffEvent(ctx, store.HandoffEvent{ConversationID: "missing", Kind: store.HandoffTaken})
		requireErrorIs(t, err, store.ErrNotFound, "AddHandoffEvent of a conversation that does not exist")
	})

	t.Run("StaffThreads", func(t *testing.T) {
		b, conv := seed(t)
		ctx, s := b.ctx, b.store
		_, err := s.StaffThread(ctx, conv.ID)
		requireErrorIs(t, err, store.ErrNotFound, "StaffThread before one is saved")

		th, created, err := s.SaveStaffThread(ctx, store.StaffThread{ConversationID: conv.ID, Platform: "slack", Channel: "C1", Thread: "1700000000.0001"})
		require.NoError(t, err)
		require.True(t, created)
		require.False(t, th.CreatedAt.IsZero())
		// A second thread for the conversation (two servers posting the
		// summary at once): the first one stays.
		kept, created, err := s.SaveStaffThread(ctx, store.StaffThread{ConversationID: conv.ID, Platform: "slack", Channel: "C1", Thread: "1700000000.0002"})
		require.NoError(t, err)
		require.False(t, created)
		require.Equal(t, "1700000000.0001", kept.Thread)

		got, err := s.StaffThread(ctx, conv.ID)
		require.NoError(t, err)
		require.Equal(t, th.Thread, got.Thread)
		found, err := s.StaffThreadByThread(ctx, "slack", "C1", "1700000000.0001")
		require.NoError(t, err)
		require.Equal(t, conv.ID, found.ConversationID)
		_, err = s.StaffThreadByThread(ctx, "mattermost", "C1", "1700000000.0001")
		requireErrorIs(t, err, store.ErrNotFound, "StaffThreadByThread of another platform")

		other := b.createConversation(t, conv.ContactID, "telegram", "502")
		_, _, err = s.SaveStaffThread(ctx, store.StaffThread{ConversationID: other.ID, Platform: "slack", Channel: "C1", Thread: "1700000000.0001"})
		requireErrorIs(t, err, store.ErrConflict, "SaveStaffThread of a thread another conversation has")
		_, _, err = s.SaveStaffThread(ctx, store.StaffThread{ConversationID: "missing", Platform: "slack", Channel: "C1", Thread: "x"})
		requireErrorIs(t, err, store.ErrNotFound, "SaveStaffThread of a conversation that does not exist")
		_, _, err = s.SaveStaffThread(ctx, store.StaffThread{ConversationID: conv.ID, Platform: "slack", Channel: "C1"})
		requireErrorIs(t, err, store.ErrInvalid, "SaveStaffThread without a thread")
	})
}
