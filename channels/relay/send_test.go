package relay_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/store"
)

// addressable is a fake that reaches a conversation outside a turn.
type addressable struct{ fake }

func (a *addressable) AddressOf(conv store.Conversation) (json.RawMessage, error) {
	return json.Marshal(map[string]string{"chat": conv.ExternalID})
}

// TestStaffMessagesInOrderOnce: staff messages written outside a turn go
// out through delivery jobs, each once however often it is handed over,
// and in the order written even when the first one is retried.
func TestStaffMessagesInOrderOnce(t *testing.T) {
	for _, b := range backends {
		t.Run(b, func(t *testing.T) {
			a := &addressable{fake{name: "test", limit: 10, fail: func(n int, _ relay.Outbound) error {
				if n <= 3 {
					return errDown // the first message's first part, three times
				}
				return nil
			}}}
			e := setup(t, b, nil, a)
			ctx := t.Context()
			c, err := e.store.CreateContact(ctx, store.Contact{Name: "Ana"})
			require.NoError(t, err)
			conv, err := e.store.CreateConversation(ctx, store.Conversation{ContactID: c.ID, Channel: "test", ExternalID: "chat-9",
				Status: store.ConversationHandedOff})
			require.NoError(t, err)
			staff := func(text string) store.Message {
				m, _, err := e.store.AppendMessage(ctx, store.Message{ConversationID: conv.ID, Author: store.AuthorStaff, Text: text})
				require.NoError(t, err)
				return m
			}
			first := staff("uno dos tres cuatro") // two parts of at most 10 runes
			second := staff("cinco")
			require.NoError(t, e.runtime.DeliverAfter(ctx, conv, first, ""))
			require.NoError(t, e.runtime.DeliverAfter(ctx, conv, first, ""), "queued already: nothing added")
			require.NoError(t, e.runtime.DeliverAfter(ctx, conv, second, first.ID))

			a.waitSent(t, 4, 15*time.Second, e.logs)
			time.Sleep(200 * time.Millisecond) // nothing else comes
			sent := a.snapshot()
			var texts []string
			for _, out := range sent {
				texts = append(texts, out.Text)
				require.JSONEq(t, `{"chat":"chat-9"}`, string(out.Address))
			}
			require.Equal(t, []string{"uno dos", "tres", "cuatro", "cinco"}, texts, "the second message after every part of the first, each once")
			for _, m := range []store.Message{first, second} {
				ds, err := e.store.Deliveries(ctx, m.ID)
				require.NoError(t, err)
				for _, d := range ds {
					require.Equal(t, store.DeliverySent, d.Status, "message %s part %d", m.Text, d.Part)
				}
			}
			ds, err := e.store.Deliveries(ctx, first.ID)
			require.NoError(t, err)
			require.Len(t, ds, 3)
			require.Equal(t, 4, ds[0].Attempts, "the first part sent on its fourth try")
		})
	}
}

// TestDeliverNeedsAnAddresser: a channel that cannot reach a person
// outside a turn says so, and nothing is queued.
func TestDeliverNeedsAnAddresser(t *testing.T) {
	f := &fake{name: "test", limit: 100}
	e := setup(t, "sqlite", nil, f)
	ctx := t.Context()
	c, err := e.store.CreateContact(ctx, store.Contact{Name: "Ana"})
	require.NoError(t, err)
	conv, err := e.store.CreateConversation(ctx, store.Conversation{ContactID: c.ID, Channel: "test", ExternalID: "x"})
	require.NoError(t, err)
	m, _, err := e.store.AppendMessage(ctx, store.Message{ConversationID: conv.ID, Author: store.AuthorStaff, Text: "hola"})
	require.NoError(t, err)
	require.ErrorIs(t, e.runtime.Deliver(ctx, conv, m), relay.ErrNoAddress)
	conv.Channel = "nope"
	require.ErrorIs(t, e.runtime.Deliver(ctx, conv, m), relay.ErrUnknownChannel)
	ds, err := e.store.Deliveries(ctx, m.ID)
	require.NoError(t, err)
	require.Empty(t, ds)
}
