package storetest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
)

// Run runs the conformance suite against stores made by open. Each call of
// open returns a fresh, empty, migrated store that the suite may close.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	t.Helper()
	require.NotNil(t, open, "storetest.Run needs a factory")

	t.Run("Contacts", func(t *testing.T) { exerciseContacts(t, open) })
	t.Run("Conversations", func(t *testing.T) { exerciseConversations(t, open) })
	t.Run("Messages", func(t *testing.T) { exerciseMessages(t, open) })
	t.Run("Knowledge", func(t *testing.T) { exerciseKnowledge(t, open) })
	t.Run("SearchVector", func(t *testing.T) { exerciseSearchVector(t, open) })
	t.Run("SearchText", func(t *testing.T) { exerciseSearchText(t, open) })
	t.Run("Usage", func(t *testing.T) { exerciseUsage(t, open) })
	t.Run("AppendMessages", func(t *testing.T) { exerciseAppendMessages(t, open) })
	t.Run("Deliveries", func(t *testing.T) { exerciseDeliveries(t, open) })
	t.Run("Staff", func(t *testing.T) { exerciseStaff(t, open) })
	t.Run("Handoffs", func(t *testing.T) { exerciseHandoffs(t, open) })
	t.Run("Business", func(t *testing.T) { exerciseBusiness(t, open) })
	t.Run("WebSignals", func(t *testing.T) { exerciseWebSignals(t, open) })
	t.Run("Lifecycle", func(t *testing.T) { exerciseLifecycle(t, open) })
	t.Run("NUL", func(t *testing.T) { exerciseNUL(t, open) })
}

// testTimeout bounds every store call of one subtest, so that a backend that
// deadlocks (a transaction waiting on another pooled connection, which
// PGlite turns into a hang) fails with a message instead of stalling the
// whole test binary until its global timeout.
const testTimeout = 60 * time.Second

// testBundle is what one subtest works with: a fresh store and a context
// that ends with the subtest.
type testBundle struct {
	ctx   context.Context
	store store.Store
	// claims counts the seatOffers calls, each claiming later than the
	// one before.
	claims int
}

// setup opens a fresh store for t and closes it when t ends.
func setup(t *testing.T, open func(t *testing.T) store.Store) *testBundle {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
	t.Cleanup(cancel)
	s := open(t)
	require.NotNil(t, s, "the factory returned a nil store")
	t.Cleanup(func() {
		require.NoError(t, s.Close(), "closing the store at the end of the test")
	})
	return &testBundle{ctx: ctx, store: s}
}

// requireErrorIs fails unless err wraps target, naming the operation in the
// message so a failure says which call broke which rule.
func requireErrorIs(t *testing.T, err, target error, op string) {
	t.Helper()
	require.Error(t, err, "%s: want an error wrapping %q, got nil", op, target)
	require.True(t, errors.Is(err, target), "%s: want an error wrapping %q, got %q", op, target, err)
}

// requireStoreTime checks a timestamp the store sets itself: not zero, in
// UTC, and taken during the call (between before and after, with a second
// of slack for a database clock that rounds or runs slightly apart).
func requireStoreTime(t *testing.T, ts, before, after time.Time, what string) {
	t.Helper()
	require.False(t, ts.IsZero(), "%s: the store must set it, got the zero time", what)
	require.Equal(t, time.UTC, ts.Location(), "%s: want UTC, got %s (%v)", what, ts.Location(), ts)
	require.False(t, ts.Before(before.Add(-time.Second)) || ts.After(after.Add(time.Second)),
		"%s: %v is not the time of the write (between %v and %v)", what, ts, before.UTC(), after.UTC())
}

// requireSameTime checks that a later read returns the very instant an
// earlier call returned, in UTC: a timestamp that changes between reads (a
// rounding on write that the first answer did not show, a local time zone)
// breaks every caller that compares or caches them.
func requireSameTime(t *testing.T, want, got time.Time, what string) {
	t.Helper()
	require.True(t, want.Equal(got), "%s: want %v, got %v", what, want, got)
	require.Equal(t, time.UTC, got.Location(), "%s: want UTC, got %s", what, got.Location())
}

// sortedIdentities returns ids in a fixed order, nil when empty: the
// contract does not order identities, and nil and empty mean the same.
func sortedIdentities(ids []store.Identity) []store.Identity {
	if len(ids) == 0 {
		return nil
	}
	out := slices.Clone(ids)
	slices.SortFunc(out, func(a, b store.Identity) int {
		if c := strings.Compare(a.Channel, b.Channel); c != 0 {
			return c
		}
		return strings.Compare(a.ExternalID, b.ExternalID)
	})
	return out
}

// sortedStrings returns ss sorted, nil when empty (tags are a set).
func sortedStrings(ss []string) []string {
	if len(ss) == 0 {
		return nil
	}
	out := slices.Clone(ss)
	slices.Sort(out)
	return out
}

func exerciseLifecycle(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("PingAndClose", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
		defer cancel()
		// Not setup: this test closes the store itself and checks the error.
		s := open(t)
		require.NotNil(t, s, "the factory returned a nil store")
		require.NoError(t, s.Ping(ctx), "Ping on an open store")
		require.NoError(t, s.Close(), "Close")

		// A cancelled context must not be answered with nil: Ping is what
		// health checks use, and "answers within ctx" is its whole promise.
		s2 := open(t)
		require.NotNil(t, s2, "the factory returned a nil store")
		defer func() { require.NoError(t, s2.Close(), "Close") }()
		done, cancelDone := context.WithCancel(ctx)
		cancelDone()
		require.Error(t, s2.Ping(done), "Ping with an already cancelled context must fail")
		require.NoError(t, s2.Ping(ctx), "Ping after a cancelled call: the store must still work")
	})
}

// requireEmptyOrNotFound accepts either answer to a list of something that
// does not exist (the messages of a missing conversation…): the contracts
// leave it open, and both are safe for a caller; anything else is not.
func requireEmptyOrNotFound(t *testing.T, n int, err error, op string) {
	t.Helper()
	if err != nil {
		requireErrorIs(t, err, store.ErrNotFound, op)
		return
	}
	require.Zero(t, n, "%s: want nothing (or ErrNotFound), got %d items", op, n)
}
