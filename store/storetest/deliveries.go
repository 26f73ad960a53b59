package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
)

func exerciseDeliveries(t *testing.T, open func(t *testing.T) store.Store) {
	seed := func(t *testing.T) (*testBundle, store.Message) {
		b := setup(t, open)
		c := b.createContact(t, "Ana", store.Identity{Channel: "telegram", ExternalID: "501"})
		conv := b.createConversation(t, c.ID, "telegram", "501")
		reply, _ := b.appendText(t, conv, store.AuthorAssistant, "hola", "")
		return b, reply
	}

	t.Run("RecordAndFind", func(t *testing.T) {
		b, reply := seed(t)
		ctx, s := b.ctx, b.store
		ds, err := s.Deliveries(ctx, reply.ID)
		require.NoError(t, err)
		require.Empty(t, ds, "none recorded yet")

		before := time.Now()
		d, err := s.RecordDelivery(ctx, store.Delivery{MessageID: reply.ID, Part: 2, Channel: "telegram", Attempts: 1, Detail: "502"})
		after := time.Now()
		require.NoError(t, err)
		require.Equal(t, store.DeliveryPending, d.Status, "an empty status is pending")
		requireStoreTime(t, d.UpdatedAt, before, after, "RecordDelivery: UpdatedAt")
		_, err = s.RecordDelivery(ctx, store.Delivery{MessageID: reply.ID, Part: 1, Channel: "telegram", Status: store.DeliverySent,
			PlatformMessageID: "m-1", Attempts: 1})
		require.NoError(t, err)
		// Part 2 again: replaced, not added.
		_, err = s.RecordDelivery(ctx, store.Delivery{MessageID: reply.ID, Part: 2, Channel: "telegram", Status: store.DeliveryFailed,
			Detail: "400 Bad Request", Attempts: 3})
		require.NoError(t, err)

		ds, err = s.Deliveries(ctx, reply.ID)
		require.NoError(t, err)
		require.Len(t, ds, 2)
		require.Equal(t, 1, ds[0].Part, "by part")
		require.Equal(t, store.DeliverySent, ds[0].Status)
		require.Equal(t, "m-1", ds[0].PlatformMessageID)
		require.Equal(t, store.DeliveryFailed, ds[1].Status)
		require.Equal(t, "400 Bad Request", ds[1].Detail)
		require.Equal(t, 3, ds[1].Attempts)

		found, err := s.DeliveryByPlatformID(ctx, "telegram", "m-1")
		require.NoError(t, err)
		require.Equal(t, reply.ID, found.MessageID)
		require.Equal(t, 1, found.Part)
		_, err = s.DeliveryByPlatformID(ctx, "whatsapp", "m-1")
		requireErrorIs(t, err, store.ErrNotFound, "DeliveryByPlatformID of another channel")
		_, err = s.DeliveryByPlatformID(ctx, "telegram", "")
		requireErrorIs(t, err, store.ErrNotFound, "DeliveryByPlatformID with an empty id")
	})

	t.Run("Refused", func(t *testing.T) {
		b, reply := seed(t)
		ctx, s := b.ctx, b.store
		for name, d := range map[string]store.Delivery{
			"no message id":     {Part: 1, Channel: "telegram"},
			"no channel":        {MessageID: reply.ID, Part: 1},
			"part 0":            {MessageID: reply.ID, Channel: "telegram"},
			"unknown status":    {MessageID: reply.ID, Part: 1, Channel: "telegram", Status: "lost"},
			"negative attempts": {MessageID: reply.ID, Part: 1, Channel: "telegram", Attempts: -1},
			"NUL":               {MessageID: reply.ID, Part: 1, Channel: "telegram", Detail: "a\x00b"},
		} {
			_, err := s.RecordDelivery(ctx, d)
			requireErrorIs(t, err, store.ErrInvalid, "RecordDelivery with "+name)
		}
		_, err := s.RecordDelivery(ctx, store.Delivery{MessageID: "missing", Part: 1, Channel: "telegram"})
		requireErrorIs(t, err, store.ErrNotFound, "RecordDelivery of a message that does not exist")

		_, err = s.RecordDelivery(ctx, store.Delivery{MessageID: reply.ID, Part: 1, Channel: "telegram", PlatformMessageID: "dup"})
		require.NoError(t, err)
		_, err = s.RecordDelivery(ctx, store.Delivery{MessageID: reply.ID, Part: 2, Channel: "telegram", PlatformMessageID: "dup"})
		requireErrorIs(t, err, store.ErrConflict, "RecordDelivery of a platform id another part holds")
		ds, err := s.Deliveries(ctx, reply.ID)
		require.NoError(t, err)
		require.Len(t, ds, 1, "nothing written by the refusals")
	})
}
