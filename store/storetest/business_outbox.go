package storetest

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
)

func exerciseOutbox(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("EnqueueIdempotent", func(t *testing.T) {
		b := setup(t, open)
		ctx, s := b.ctx, b.store
		payload := json.RawMessage(`{"lead_id":"l1","score":82}`)
		before := time.Now()
		created, err := s.EnqueueEvent(ctx, store.Event{ID: "lead.qualified:l1", Type: "lead.qualified", Payload: payload})
		after := time.Now()
		require.NoError(t, err)
		require.True(t, created)
		e, err := s.Event(ctx, "lead.qualified:l1")
		require.NoError(t, err)
		require.Equal(t, "lead.qualified", e.Type)
		require.JSONEq(t, string(payload), string(e.Payload))
		require.Zero(t, e.Attempts)
		require.True(t, e.DeliveredAt.IsZero())
		requireStoreTime(t, e.CreatedAt, before, after, "EnqueueEvent: CreatedAt")
		requireStoreTime(t, e.NextAttemptAt, before, after, "EnqueueEvent without a time is due now")

		created, err = s.EnqueueEvent(ctx, store.Event{ID: "lead.qualified:l1", Type: "other", Payload: json.RawMessage(`{}`)})
		require.NoError(t, err)
		require.False(t, created, "the same id again is not a new event")
		e2, err := s.Event(ctx, "lead.qualified:l1")
		require.NoError(t, err)
		require.Equal(t, "lead.qualified", e2.Type, "the first event stays as it was")

		created, err = s.EnqueueEvent(ctx, store.Event{ID: "empty", Type: "t"})
		require.NoError(t, err)
		require.True(t, created)
		e3, err := s.Event(ctx, "empty")
		require.NoError(t, err)
		require.JSONEq(t, `null`, string(e3.Payload), "an empty payload is null")

		for name, bad := range map[string]store.Event{
			"no id":         {Type: "t"},
			"no type":       {ID: "x"},
			"a bad payload": {ID: "x", Type: "t", Payload: json.RawMessage(`{"a":`)},
		} {
			_, err := s.EnqueueEvent(ctx, bad)
			requireErrorIs(t, err, store.ErrInvalid, "EnqueueEvent with "+name)
		}
		_, err = s.Event(ctx, "x")
		requireErrorIs(t, err, store.ErrNotFound, "a refused event is not stored")
		requireErrorIs(t, s.MarkDelivered(ctx, "x"), store.ErrNotFound, "MarkDelivered of an unknown event")
		requireErrorIs(t, s.MarkFailed(ctx, "x", time.Now(), "boom"), store.ErrNotFound, "MarkFailed of an unknown event")
	})

	t.Run("ClaimLeaseRetry", func(t *testing.T) {
		b := setup(t, open)
		ctx, s := b.ctx, b.store
		t0 := time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC)
		for i, due := range []time.Time{t0.Add(2 * time.Second), t0, t0.Add(time.Hour)} {
			_, err := s.EnqueueEvent(ctx, store.Event{ID: fmt.Sprintf("e%d", i), Type: "t", Payload: json.RawMessage(`{}`), NextAttemptAt: due})
			require.NoError(t, err)
		}
		_, err := s.ClaimEvents(ctx, t0, 0, time.Minute)
		requireErrorIs(t, err, store.ErrInvalid, "ClaimEvents with limit 0")
		_, err = s.ClaimEvents(ctx, t0, 1, 0)
		requireErrorIs(t, err, store.ErrInvalid, "ClaimEvents without a lease")

		none, err := s.ClaimEvents(ctx, t0.Add(-time.Second), 10, time.Minute)
		require.NoError(t, err)
		require.Empty(t, none, "nothing is due yet")

		now := t0.Add(10 * time.Second)
		got, err := s.ClaimEvents(ctx, now, 10, time.Minute)
		require.NoError(t, err)
		require.Equal(t, []string{"e1", "e0"}, eventIDs(got), "the due events, earliest due first; not the future one")
		require.Equal(t, 1, got[0].Attempts, "a claim counts an attempt")

		again, err := s.ClaimEvents(ctx, now.Add(30*time.Second), 10, time.Minute)
		require.NoError(t, err)
		require.Empty(t, again, "claimed events are not handed out while the lease runs")

		require.NoError(t, s.MarkDelivered(ctx, "e1"))
		require.NoError(t, s.MarkDelivered(ctx, "e1"), "MarkDelivered twice")
		d, err := s.Event(ctx, "e1")
		require.NoError(t, err)
		require.False(t, d.DeliveredAt.IsZero(), "a delivered event says when")

		retry := now.Add(5 * time.Minute)
		require.NoError(t, s.MarkFailed(ctx, "e0", retry, "HTTP 503"))
		f, err := s.Event(ctx, "e0")
		require.NoError(t, err)
		require.Equal(t, "HTTP 503", f.LastError)
		require.True(t, retry.Equal(f.NextAttemptAt), "NextAttemptAt: want %v, got %v", retry, f.NextAttemptAt)
		got, err = s.ClaimEvents(ctx, retry.Add(-time.Second), 10, time.Minute)
		require.NoError(t, err)
		require.Empty(t, got, "a failed event waits for its next attempt")

		// The lease of a crashed deliverer ends: the event is handed out
		// again. e2 is due by then too.
		_, err = s.EnqueueEvent(ctx, store.Event{ID: "e3", Type: "t", NextAttemptAt: now})
		require.NoError(t, err)
		got, err = s.ClaimEvents(ctx, now, 10, time.Minute)
		require.NoError(t, err)
		require.Equal(t, []string{"e3"}, eventIDs(got))
		later := t0.Add(2 * time.Hour)
		got, err = s.ClaimEvents(ctx, later, 10, time.Minute)
		require.NoError(t, err)
		require.ElementsMatch(t, []string{"e0", "e2", "e3"}, eventIDs(got), "due again: the failed one, the future one, the expired lease")
		for _, e := range got {
			if e.ID == "e0" || e.ID == "e3" {
				require.Equal(t, 2, e.Attempts, "%s: the second attempt", e.ID)
			}
		}
		require.NoError(t, s.MarkDelivered(ctx, "e0"), "delivered at the second attempt")
		d0, err := s.Event(ctx, "e0")
		require.NoError(t, err)
		require.Empty(t, d0.LastError, "a delivered event keeps no error")
		require.NoError(t, s.MarkDelivered(ctx, "e2"))
		require.NoError(t, s.MarkDelivered(ctx, "e3"))
		got, err = s.ClaimEvents(ctx, later, 10, time.Minute)
		require.NoError(t, err)
		require.Empty(t, got, "delivered events are never handed out")

		// A late failure report after delivery changes nothing.
		require.NoError(t, s.MarkFailed(ctx, "e1", later, "late"))
		d2, err := s.Event(ctx, "e1")
		require.NoError(t, err)
		require.False(t, d2.DeliveredAt.IsZero())
		require.Empty(t, d2.LastError)

		// limit caps the claim.
		for i := range 3 {
			_, err := s.EnqueueEvent(ctx, store.Event{ID: fmt.Sprintf("x%d", i), Type: "t", NextAttemptAt: t0})
			require.NoError(t, err)
		}
		got, err = s.ClaimEvents(ctx, later.Add(time.Hour), 2, time.Minute)
		require.NoError(t, err)
		require.Len(t, got, 2, "limit caps the claim")
	})

	// Servers claiming at once never get the same event while its lease
	// runs. On PGlite the statements run one at a time.
	t.Run("ConcurrentClaims", func(t *testing.T) {
		b := setup(t, open)
		t0 := time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC)
		const n = 20
		for i := range n {
			_, err := b.store.EnqueueEvent(b.ctx, store.Event{ID: fmt.Sprintf("e%02d", i), Type: "t", NextAttemptAt: t0})
			require.NoError(t, err)
		}
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			seen = map[string]int{}
			errs []error
		)
		for range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := b.store.ClaimEvents(b.ctx, t0.Add(time.Second), 4, time.Minute)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err)
					return
				}
				for _, e := range got {
					seen[e.ID]++
				}
			}()
		}
		wg.Wait()
		require.Empty(t, errs)
		require.Len(t, seen, n, "six claims of four take all twenty events")
		for id, k := range seen {
			require.Equal(t, 1, k, "event %s handed out %d times", id, k)
		}
	})
}

func eventIDs(es []store.Event) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}
