package livebus_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/livebus"
)

type generations interface {
	Bump(ctx context.Context, name string) error
	Watch(name string, f func()) (stop func())
}

var (
	_ generations = (*livebus.Member)(nil)
	_ generations = (*livebus.Postgres)(nil)
)

// testGenerations: a bump by a is seen by b's watcher, not by a's own.
func testGenerations(t *testing.T, a, b generations) {
	name := "knowledge-" + time.Now().Format("150405.000000000")
	var seenA, seenB atomic.Int64
	a.Watch(name, func() { seenA.Add(1) })
	stop := b.Watch(name, func() { seenB.Add(1) })
	// A first poll may report the generation as it is: wait it out.
	time.Sleep(300 * time.Millisecond)
	base := seenB.Load()
	require.NoError(t, a.Bump(t.Context(), name))
	require.Eventually(t, func() bool { return seenB.Load() > base }, 10*time.Second, 10*time.Millisecond, "b forgets")
	require.Zero(t, seenA.Load(), "a bump is not news to its own server")
	stop()
}

func TestHubGenerations(t *testing.T) {
	t.Parallel()
	h := livebus.NewHub()
	testGenerations(t, h.Member(), h.Member())
}

// TestPostgresGenerationsNotify: the poll is a minute; a notification
// tells.
func TestPostgresGenerationsNotify(t *testing.T) {
	url := realServer(t)
	a, b := openPostgres(t, url, true, time.Minute), openPostgres(t, url, true, time.Minute)
	waitReady(t, a, b)
	testGenerations(t, a, b)
}

// TestPostgresGenerationsPoll: without notifications, the poll tells.
func TestPostgresGenerationsPoll(t *testing.T) {
	url := pglite.URL(t, "livebus generations")
	testGenerations(t, openPostgres(t, url, false, 100*time.Millisecond), openPostgres(t, url, false, 100*time.Millisecond))
}
