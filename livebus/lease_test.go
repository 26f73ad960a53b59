package livebus_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/livebus"
)

type leaser interface {
	Lease(ctx context.Context, key string) (func(), error)
}

var (
	_ leaser = (*livebus.Member)(nil)
	_ leaser = (*livebus.Postgres)(nil)
)

// testLeases: one server at a time holds a key; the turns of one server
// share it; a wait is bounded by its context.
func testLeases(t *testing.T, a, b leaser) {
	ctx := t.Context()
	key := "web:lease-" + time.Now().Format("150405.000000000")
	r1, err := a.Lease(ctx, key)
	require.NoError(t, err)
	r2, err := a.Lease(ctx, key)
	require.NoError(t, err, "a second turn of the same server shares the lease")

	wctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	_, err = b.Lease(wctx, key)
	cancel()
	require.ErrorIs(t, err, context.DeadlineExceeded, "b waits while a holds it")

	got := make(chan error, 1)
	go func() {
		r, err := b.Lease(ctx, key)
		if err == nil {
			r()
		}
		got <- err
	}()
	r1()
	select {
	case err := <-got:
		t.Fatalf("b took it while a still had a turn: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	r2()
	select {
	case err := <-got:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("b never got the lease a gave back")
	}

	// Many turns on both servers: never two servers inside at once.
	var inside [2]atomic.Int32
	var wg sync.WaitGroup
	var overlap atomic.Bool
	for i := range 20 {
		s, l := i%2, a
		if s == 1 {
			l = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := l.Lease(ctx, key)
			if err != nil {
				t.Error(err)
				return
			}
			inside[s].Add(1)
			if inside[1-s].Load() > 0 {
				overlap.Store(true)
			}
			time.Sleep(5 * time.Millisecond)
			inside[s].Add(-1)
			r()
		}()
	}
	wg.Wait()
	require.False(t, overlap.Load(), "two servers held the lease at once")
}

func TestHubLeases(t *testing.T) {
	t.Parallel()
	h := livebus.NewHub()
	testLeases(t, h.Member(), h.Member())
}

func TestPostgresLeases(t *testing.T) {
	url := realServer(t)
	testLeases(t, openPostgres(t, url, true, time.Minute), openPostgres(t, url, true, time.Minute))
}

func TestPGliteLeases(t *testing.T) {
	url := pglite.URL(t, "livebus leases")
	testLeases(t, openPostgres(t, url, false, time.Second), openPostgres(t, url, false, time.Second))
}

// TestLeaseOfDeadServerExpires: a server killed holding a lease (its row
// stays) holds up the key only until the row expires.
func TestLeaseOfDeadServerExpires(t *testing.T) {
	url := realServer(t)
	b := openPostgres(t, url, true, time.Minute)
	conn, err := pgx.Connect(t.Context(), url)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	_, err = conn.Exec(t.Context(), `INSERT INTO livebus_leases (key, holder, expires_at) VALUES ('dead', 'killed/1', now() + interval '1 second')`)
	require.NoError(t, err)
	start := time.Now()
	r, err := b.Lease(t.Context(), "dead")
	require.NoError(t, err)
	r()
	require.GreaterOrEqual(t, time.Since(start), 500*time.Millisecond, "waited for the expiry")
}
