package pgtest

import (
	"context"
	neturl "net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestWithDatabase(t *testing.T) {
	got, err := withDatabase("postgres://u:p@db:5432/postgres?sslmode=disable", "faro_test_1")
	require.NoError(t, err)
	require.Equal(t, "postgres://u:p@db:5432/faro_test_1?sslmode=disable", got)
	got, err = withDatabase("host=db user=u dbname=postgres", "faro_test_1")
	require.NoError(t, err)
	require.Equal(t, "host=db user=u dbname=postgres dbname=faro_test_1", got)
}

// TestFindPGliteServerStopsAtModuleRoot checks the error that tells a
// developer without node_modules what to do.
func TestFindPGliteServerStopsAtModuleRoot(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module x\n"), 0o644))
	sub := filepath.Join(dir, "a", "b")
	require.NoError(t, os.MkdirAll(sub, 0o755))
	t.Chdir(sub)
	_, _, err := findPGliteServer()
	require.ErrorContains(t, err, "npm ci")
	require.ErrorContains(t, err, EnvURL)

	bin := filepath.Join(dir, "node_modules", ".bin")
	require.NoError(t, os.MkdirAll(bin, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(bin, "pglite-server"), nil, 0o755))
	root, found, err := findPGliteServer()
	require.NoError(t, err)
	require.Equal(t, dir, root)
	require.Equal(t, filepath.Join(bin, "pglite-server"), found)
}

// TestStart starts PGlite (the test must not find FARO_TEST_DATABASE_URL
// set, or it runs against that server), then points FARO_TEST_DATABASE_URL
// at it to check that a database is created and dropped: PGlite accepts
// CREATE and DROP DATABASE though every connection lands in its one
// database, so this checks the bookkeeping, not the isolation.
func TestStart(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	base, stopBase, err := Start(ctx)
	require.NoError(t, err, "Start")
	stopped := false
	defer func() {
		if !stopped {
			stopBase()
		}
	}()
	require.NoError(t, ping(ctx, base), "the server answers")
	require.NoError(t, Reset(ctx, base), "Reset of a database without tables")

	t.Setenv(EnvURL, base)
	url, stop, err := Start(ctx)
	require.NoError(t, err, "Start with %s", EnvURL)
	u, err := neturl.Parse(url)
	require.NoError(t, err)
	name := strings.TrimPrefix(u.Path, "/")
	require.True(t, strings.HasPrefix(name, "faro_test_"), "database name %q", name)
	exists := func() bool {
		conn, err := connect(ctx, base)
		require.NoError(t, err)
		defer conn.Close(ctx)
		var n int
		require.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM pg_database WHERE datname = $1`, name).Scan(&n))
		return n == 1
	}
	require.True(t, exists(), "Start creates the database")
	require.NoError(t, ping(ctx, url), "the database answers")
	stop()
	stop() // twice is harmless
	require.False(t, exists(), "stop drops the database")

	stopBase()
	stopped = true
	require.Error(t, ping(ctx, base), "stop ends the server")
}
