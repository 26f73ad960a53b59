package postgres

import (
	"context"
	"fmt"
	neturl "net/url"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/postgres/pgtest"
	"github.com/faroai/faro/store/storetest"
)

// testURL is the database every test of the package shares, one test at a
// time (PGlite has one database and one backend). Set once by TestMain
// before any test runs, and read-only after.
var testURL string

func TestMain(m *testing.M) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	url, stop, err := pgtest.Start(ctx)
	cancel()
	if err != nil {
		// Fail, never skip: a PostgreSQL backend nobody tested is broken.
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testURL = url
	code := m.Run()
	stop()
	os.Exit(code)
}

// openDB empties the shared database and opens a store on it through url,
// closed when t ends (closing twice is harmless).
func openDB(t *testing.T, url string) *DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	require.NoError(t, pgtest.Reset(ctx, testURL), "reset the test database")
	db, err := Open(ctx, url)
	require.NoError(t, err, "open the test database")
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openDB(t, testURL) })
}

// TestConformanceExtendedProtocol runs the suite again over pgx's extended
// protocol and binary formats, what a real server gets by default, when
// the shared database is PGlite on the simple protocol (see pgtest). One
// connection, since PGlite interleaves concurrent extended-protocol
// messages; statements unnamed, since its one session outlives
// connections.
func TestConformanceExtendedProtocol(t *testing.T) {
	u, err := neturl.Parse(testURL)
	require.NoError(t, err, "parse the test URL")
	q := u.Query()
	if q.Get("default_query_exec_mode") != "simple_protocol" {
		t.Skip("TestConformance already ran over the extended protocol")
	}
	q.Set("default_query_exec_mode", "cache_describe")
	q.Set("pool_max_conns", "1")
	u.RawQuery = q.Encode()
	storetest.Run(t, func(t *testing.T) store.Store { return openDB(t, u.String()) })
}
