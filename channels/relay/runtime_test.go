package relay_test

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/store"
)

// TestAnsweredOnce: a message accepted three times (the platform's
// re-deliveries) is answered once, and its delivery recorded as sent.
func TestAnsweredOnce(t *testing.T) {
	for _, b := range backends {
		t.Run(b, func(t *testing.T) {
			f := &fake{name: "test", limit: 4096}
			e := setup(t, b, nil, f)
			in := inbound("test", "u-1", "chat-1", "hola, ¿qué cursos tienen?")
			accepted := 0
			for range 3 {
				ok, err := e.runtime.Accept(t.Context(), in)
				require.NoError(t, err)
				if ok {
					accepted++
				}
			}
			require.Equal(t, 1, accepted, "one of three deliveries accepted")
			sent := f.waitSent(t, 1, 10*time.Second, e.logs)
			time.Sleep(200 * time.Millisecond) // nothing else comes
			require.Len(t, f.snapshot(), 1)
			require.NotEmpty(t, sent[0].Text)
			require.JSONEq(t, `{"chat":"chat-1"}`, string(sent[0].Address))
			ds, err := e.store.Deliveries(t.Context(), sent[0].MessageID)
			require.NoError(t, err)
			require.Len(t, ds, 1)
			require.Equal(t, store.DeliverySent, ds[0].Status)
			require.Equal(t, "test-1", ds[0].PlatformMessageID)
			require.Positive(t, f.typings, "typing shown while the turn ran")

			// A re-delivery after the answer adds nothing either.
			ok, err := e.runtime.Accept(t.Context(), in)
			require.NoError(t, err)
			require.False(t, ok)

			// A status callback moves the delivery forward, never back.
			require.NoError(t, e.runtime.Status(t.Context(), "test", "test-1", store.DeliveryRead, ""))
			require.NoError(t, e.runtime.Status(t.Context(), "test", "test-1", store.DeliveryDelivered, ""))
			ds, err = e.store.Deliveries(t.Context(), sent[0].MessageID)
			require.NoError(t, err)
			require.Equal(t, store.DeliveryRead, ds[0].Status)
			require.ErrorIs(t, e.runtime.Status(t.Context(), "test", "nope", store.DeliveryRead, ""), store.ErrNotFound)
		})
	}
}

// TestPlatformDownThenBack: the platform fails (502) for a while; every
// reply is delivered once it is back, each once, with short backoffs.
func TestPlatformDownThenBack(t *testing.T) {
	for _, b := range backends {
		t.Run(b, func(t *testing.T) {
			var up atomic.Bool
			f := &fake{name: "test", limit: 4096, fail: func(int, relay.Outbound) error {
				if !up.Load() {
					return errDown
				}
				return nil
			}}
			e := setup(t, b, nil, f)
			for i, text := range []string{"hola", "¿tienen cursos de IA?", "gracias"} {
				ok, err := e.runtime.Accept(t.Context(), inbound("test", "down-"+string(rune('a'+i)), "chat-"+string(rune('a'+i)), text))
				require.NoError(t, err)
				require.True(t, ok)
			}
			// Down until every reply has failed at least twice.
			deadline := time.Now().Add(15 * time.Second)
			for {
				f.mu.Lock()
				calls := f.calls
				f.mu.Unlock()
				if calls >= 6 {
					break
				}
				require.True(t, time.Now().Before(deadline), "only %d calls while down", calls)
				time.Sleep(10 * time.Millisecond)
			}
			up.Store(true)
			sent := f.waitSent(t, 3, 15*time.Second, e.logs)
			time.Sleep(300 * time.Millisecond)
			require.Len(t, f.snapshot(), 3, "each reply once")
			seen := map[string]bool{}
			for _, s := range sent {
				require.False(t, seen[s.MessageID])
				seen[s.MessageID] = true
				require.Greater(t, s.Attempt, 1, "delivered on a retry")
			}
			require.Zero(t, e.failures(""))
		})
	}
}

// TestRetryAfterHonoured: a RetryAfter error waits the platform's delay,
// and does not count as a failed attempt.
func TestRetryAfterHonoured(t *testing.T) {
	for _, b := range backends {
		t.Run(b, func(t *testing.T) {
			var first time.Time
			f := &fake{name: "test", limit: 4096, fail: func(n int, _ relay.Outbound) error {
				if n == 1 {
					first = time.Now()
					return relay.RetryAfter(time.Second, errors.New("429 Too Many Requests"))
				}
				return nil
			}}
			e := setup(t, b, func(o *relay.Options) { o.MaxAttempts = 1 }, f)
			_, err := e.runtime.Accept(t.Context(), inbound("test", "ra-1", "chat-ra", "hola"))
			require.NoError(t, err)
			f.waitSent(t, 1, 10*time.Second, e.logs)
			f.mu.Lock()
			waited := f.at[0].Sub(first)
			f.mu.Unlock()
			require.GreaterOrEqual(t, waited, time.Second, "retried after retry_after")
			require.Less(t, waited, 3*time.Second)
			require.Zero(t, e.failures(""), "a snooze is no failed attempt, even with MaxAttempts 1")
		})
	}
}

// TestFailureRecorded: a permanent error, and a transient one past
// MaxAttempts, are recorded on the stored reply and counted.
func TestFailureRecorded(t *testing.T) {
	for _, b := range backends {
		t.Run(b, func(t *testing.T) {
			f := &fake{name: "test", limit: 4096, fail: func(_ int, out relay.Outbound) error {
				if strings.HasPrefix(out.ConversationID, "") && out.Address != nil && strings.Contains(string(out.Address), "perm") {
					return relay.Permanent(errors.New("400 Bad Request: chat not found"))
				}
				return errDown
			}}
			e := setup(t, b, func(o *relay.Options) { o.MaxAttempts = 3 }, f)
			_, err := e.runtime.Accept(t.Context(), inbound("test", "f-1", "perm", "hola"))
			require.NoError(t, err)
			_, err = e.runtime.Accept(t.Context(), inbound("test", "f-2", "down", "hola"))
			require.NoError(t, err)
			deadline := time.Now().Add(15 * time.Second)
			for e.failures("") < 2 && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			require.Equal(t, 1, e.failures("permanent"), e.logs.String())
			require.Equal(t, 1, e.failures("attempts"))
			f.mu.Lock()
			calls := f.calls
			f.mu.Unlock()
			require.Equal(t, 1+3, calls, "a permanent error is not retried; a transient one MaxAttempts times")
			for _, pid := range []string{"f-1", "f-2"} {
				in, err := e.store.MessageByPlatformID(t.Context(), "test", pid)
				require.NoError(t, err)
				ms, err := e.store.Messages(t.Context(), in.ConversationID, store.MessageQuery{AfterSeq: in.Seq, Limit: 1})
				require.NoError(t, err)
				ds, err := e.store.Deliveries(t.Context(), ms[0].ID)
				require.NoError(t, err)
				require.Len(t, ds, 1)
				require.Equal(t, store.DeliveryFailed, ds[0].Status)
				require.NotEmpty(t, ds[0].Detail)
			}
		})
	}
}

// TestLongReplySplitInOrder: a reply over the limit goes out in parts, in
// order, each within the limit, even when one part needs a retry.
func TestLongReplySplitInOrder(t *testing.T) {
	for _, b := range backends {
		t.Run(b, func(t *testing.T) {
			f := &fake{name: "test", limit: 60, fail: func(n int, _ relay.Outbound) error {
				if n == 2 {
					return errDown // the second part fails once
				}
				return nil
			}}
			e := setup(t, b, nil, f)
			_, err := e.runtime.Accept(t.Context(), inbound("test", "long-1", "chat-long", "¿qué cursos tienen?"))
			require.NoError(t, err)
			first := f.waitSent(t, 1, 10*time.Second, e.logs)
			parts := first[0].Parts
			require.Greater(t, parts, 1, "the reply was split: %q", first[0].Text)
			f.waitSent(t, parts, 10*time.Second, e.logs)
			time.Sleep(200 * time.Millisecond)
			sent := f.snapshot()
			require.Len(t, sent, parts)
			for i, s := range sent {
				require.Equal(t, i+1, s.Part, "in order")
				require.LessOrEqual(t, relay.Runes(s.Text), 60)
			}
		})
	}
}

// TestReusedPlatformID: Telegram's update_id turns random after a week
// without updates, so an id may come back for a new message. Within the
// dedupe window it is a re-delivery; once the window has passed (and
// River's cleaner dropped the old job) it is a new message, answered anew
// rather than with the old one's stored reply.
func TestReusedPlatformID(t *testing.T) {
	f := &fake{name: "test", limit: 4096}
	e := setup(t, "sqlite", nil, f)
	in := inbound("test", "77", "chat-r", "hola")
	ok, err := e.runtime.Accept(t.Context(), in)
	require.NoError(t, err)
	require.True(t, ok)
	first := f.waitSent(t, 1, 10*time.Second, e.logs)

	// River's cleaner, after the window: the completed jobs go. The part
	// is sent before its job is marked completed; wait for that, or the
	// old job would still hold the id.
	require.Eventually(t, func() bool {
		var open int
		err := e.jobs.QueryRowContext(t.Context(), `SELECT count(*) FROM river_job WHERE state <> 'completed'`).Scan(&open)
		return err == nil && open == 0
	}, 10*time.Second, 20*time.Millisecond, "every job completed")
	_, err = e.jobs.ExecContext(t.Context(), `DELETE FROM river_job WHERE state = 'completed'`)
	require.NoError(t, err)
	again := inbound("test", "77", "chat-r", "¿qué cursos tienen?")
	again.ReceivedAt = time.Now().Add(relay.DefaultDedupeTTL + time.Hour)
	ok, err = e.runtime.Accept(t.Context(), again)
	require.NoError(t, err)
	require.True(t, ok, "a new message under a reused id")
	sent := f.waitSent(t, 2, 10*time.Second, e.logs)
	require.NotEqual(t, first[0].MessageID, sent[1].MessageID, "answered anew, not with the old reply")
}
