package livebus_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/livebus"
	"github.com/faroai/faro/store/postgres/pgtest"
)

// bus is what every implementation offers.
type bus interface {
	Publish(ctx context.Context, conversationID string, seq int64) error
	Listen(wake func(conversationID string, seq int64)) (stop func())
	Hold(conversationID string) (release func())
	Received(ctx context.Context, conversationID string, seq int64) error
	Reached(ctx context.Context, conversationID string, seq int64) (bool, error)
	Ready(ctx context.Context) error
}

var (
	_ bus = (*livebus.Member)(nil)
	_ bus = (*livebus.Postgres)(nil)
)

var (
	pglite pgtest.Shared
	realPG struct {
		once sync.Once
		url  string
		stop func()
		err  error
	}
)

func TestMain(m *testing.M) {
	code := m.Run()
	pglite.Stop()
	if realPG.stop != nil {
		realPG.stop()
	}
	os.Exit(code)
}

// realServer is a real PostgreSQL (Debian's), shared by the package's
// tests; the test skips when none is installed.
func realServer(t testing.TB) string {
	t.Helper()
	realPG.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		realPG.url, realPG.stop, realPG.err = pgtest.StartServer(ctx)
	})
	if errors.Is(realPG.err, pgtest.ErrNoServer) {
		t.Skip(realPG.err)
	}
	require.NoError(t, realPG.err)
	return realPG.url
}

func openPostgres(t testing.TB, url string, listen bool, poll time.Duration) *livebus.Postgres {
	t.Helper()
	b, err := livebus.Open(context.Background(), livebus.Options{URL: url, Listen: listen, PollInterval: poll})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, b.Close()) })
	return b
}

// wakes collects the notes a bus wakes its listener with.
type wakes struct {
	mu  sync.Mutex
	got map[string][]int64
	ch  chan struct{}
}

func listen(b bus) *wakes {
	w := &wakes{got: map[string][]int64{}, ch: make(chan struct{}, 1000)}
	b.Listen(func(conv string, seq int64) {
		w.mu.Lock()
		w.got[conv] = append(w.got[conv], seq)
		w.mu.Unlock()
		select {
		case w.ch <- struct{}{}:
		default:
		}
	})
	return w
}

// until waits for conv to have been woken up to seq.
func (w *wakes) until(t *testing.T, conv string, seq int64) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		w.mu.Lock()
		s := w.got[conv]
		reached := len(s) > 0 && s[len(s)-1] >= seq
		w.mu.Unlock()
		if reached {
			return
		}
		select {
		case <-w.ch:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			t.Fatalf("no wake for %s up to %d; got %v", conv, seq, s)
		}
	}
}

func (w *wakes) of(conv string) []int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]int64(nil), w.got[conv]...)
}

// testContract is what every bus does, given two servers a and b on it.
func testContract(t *testing.T, a, b bus) {
	ctx := t.Context()
	conv := fmt.Sprintf("conv-%d", time.Now().UnixNano())
	wa, wb := listen(a), listen(b)

	// Nobody holds the conversation: nothing reached, at once.
	reached, err := a.Reached(ctx, conv, 1)
	require.NoError(t, err)
	require.False(t, reached, "no server holds it")

	release := b.Hold(conv)
	// b is told of a's notes, never a of its own.
	require.NoError(t, a.Publish(ctx, conv, 3))
	wb.until(t, conv, 3)
	require.NoError(t, a.Publish(ctx, conv, 5))
	wb.until(t, conv, 5)
	require.Empty(t, wa.of(conv), "a publisher is not woken by its own note")
	got := wb.of(conv)
	require.True(t, sort.SliceIsSorted(got, func(i, j int) bool { return got[i] < got[j] }), "notes in order: %v", got)

	// Another conversation, not held by b: b is not woken for it.
	require.NoError(t, a.Publish(ctx, conv+"-other", 1))

	// a waits for b's receipt; b gives it.
	go func() {
		time.Sleep(20 * time.Millisecond)
		_ = b.Received(context.Background(), conv, 5)
	}()
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	reached, err = a.Reached(wctx, conv, 5)
	cancel()
	require.NoError(t, err)
	require.True(t, reached, "b received seq 5")
	// Not past what b received: a bounded wait that says false.
	wctx, cancel = context.WithTimeout(ctx, 300*time.Millisecond)
	reached, err = a.Reached(wctx, conv, 6)
	cancel()
	require.NoError(t, err)
	require.False(t, reached)
	require.Empty(t, wb.of(conv+"-other"), "not held, not woken")

	// Released: nobody holds it any more.
	release()
	require.Eventually(t, func() bool {
		r, err := a.Reached(ctx, conv, 1)
		return err == nil && !r
	}, 10*time.Second, 20*time.Millisecond)
	require.NoError(t, a.Ready(ctx))
}

func TestHub(t *testing.T) {
	t.Parallel()
	h := livebus.NewHub()
	testContract(t, h.Member(), h.Member())
}

// TestPostgresNotify: on a real PostgreSQL, notes arrive by NOTIFY; the
// poll is set to a minute, so only a notification can wake in time.
func TestPostgresNotify(t *testing.T) {
	url := realServer(t)
	a := openPostgres(t, url, true, time.Minute)
	b := openPostgres(t, url, true, time.Minute)
	waitReady(t, a, b)
	testContract(t, a, b)
}

// TestPostgresNotifyPoolURL: a URL that sizes the pool (pool_max_conns,
// which a server refuses as a setting) still gets its listener, and so
// notifications.
func TestPostgresNotifyPoolURL(t *testing.T) {
	url := realServer(t)
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	url += sep + "pool_max_conns=2"
	a := openPostgres(t, url, true, time.Minute)
	b := openPostgres(t, url, true, time.Minute)
	waitReady(t, a, b)
	testContract(t, a, b)
}

// TestPostgresCatchUp: without notifications (PGlite delivers none across
// connections; here the bus does not listen), the poll alone delivers.
func TestPostgresCatchUp(t *testing.T) {
	url := pglite.URL(t, "livebus")
	a := openPostgres(t, url, false, 100*time.Millisecond)
	b := openPostgres(t, url, false, 100*time.Millisecond)
	testContract(t, a, b)
}

// TestPostgresListenerLost: a listener whose connection is cut is not
// ready, reconnects, and catches up on the notes published meanwhile.
func TestPostgresListenerLost(t *testing.T) {
	url := realServer(t)
	a := openPostgres(t, url, true, time.Minute)
	b := openPostgres(t, url, true, time.Minute)
	waitReady(t, a, b)
	conv := fmt.Sprintf("lost-%d", time.Now().UnixNano())
	wb := listen(b)
	b.Hold(conv)
	require.NoError(t, a.Publish(t.Context(), conv, 1))
	wb.until(t, conv, 1)

	// Cut every LISTEN connection: b's listener goes down.
	conn, err := pgx.Connect(t.Context(), url)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	_, err = conn.Exec(t.Context(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`)
	require.NoError(t, err)
	// Published while b may not listen: the reconnect's catch-up brings it.
	require.NoError(t, a.Publish(t.Context(), conv, 2))
	wb.until(t, conv, 2)
	waitReady(t, b)
}

func waitReady(t *testing.T, bs ...*livebus.Postgres) {
	t.Helper()
	for _, b := range bs {
		require.Eventually(t, func() bool { return b.Ready(t.Context()) == nil }, 10*time.Second, 10*time.Millisecond, "bus ready")
	}
}
