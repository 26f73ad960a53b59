package sqlite_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
)

// TestAppendMessageConcurrentWithRedelivery mixes new messages and
// re-deliveries of the same platform ids from many goroutines: every
// distinct message is stored once, Seq runs 1..n with no gap or repeat.
func TestAppendMessageConcurrentWithRedelivery(t *testing.T) {
	ctx := t.Context()
	db := openTest(t)
	c, err := db.CreateContact(ctx, store.Contact{Name: "Ana"})
	require.NoError(t, err)
	conv, err := db.CreateConversation(ctx, store.Conversation{ContactID: c.ID, Channel: "telegram", ExternalID: "1"})
	require.NoError(t, err)

	const writers, perWriter, shared = 8, 20, 10
	var wg sync.WaitGroup
	var mu sync.Mutex
	created := map[string]int{} // platform id → times created
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				// Half the writes are one of `shared` platform ids every
				// writer delivers; the rest are the writer's own.
				pid := fmt.Sprintf("w%d-%d", w, i)
				if i%2 == 0 {
					pid = fmt.Sprintf("shared-%d", i/2%shared)
				}
				m, isNew, err := db.AppendMessage(ctx, store.Message{
					ConversationID: conv.ID, Author: store.AuthorUser, Text: pid, PlatformID: pid,
				})
				if !assertNoError(t, err) {
					return
				}
				mu.Lock()
				if isNew {
					created[pid]++
				}
				mu.Unlock()
				if m.PlatformID != pid || m.Channel != "telegram" {
					t.Errorf("AppendMessage %s returned %+v", pid, m)
				}
			}
		})
	}
	wg.Wait()

	for pid, n := range created {
		require.Equal(t, 1, n, "platform id %s created %d times", pid, n)
	}
	msgs, err := db.Messages(ctx, conv.ID, store.MessageQuery{})
	require.NoError(t, err)
	require.Len(t, msgs, len(created))
	for i, m := range msgs {
		require.Equal(t, int64(i+1), m.Seq, "seq of message %d", i)
	}
	got, err := db.Conversation(ctx, conv.ID)
	require.NoError(t, err)
	require.Equal(t, int64(len(created)), got.LastSeq)
}

func assertNoError(t *testing.T, err error) bool {
	t.Helper()
	if err != nil {
		t.Errorf("unexpected error: %v", err)
		return false
	}
	return true
}
