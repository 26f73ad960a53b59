package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func openCaching(t *testing.T) *sql.DB {
	t.Helper()
	c, err := newCachingConnector(dsn(filepath.Join(t.TempDir(), "cache.db")))
	require.NoError(t, err)
	db := sql.OpenDB(c)
	t.Cleanup(func() { _ = db.Close() })
	_, err = db.Exec(`CREATE TABLE kv (k INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)`)
	require.NoError(t, err)
	return db
}

func cachedCount(t *testing.T, db *sql.DB) int {
	t.Helper()
	conn, err := db.Conn(t.Context())
	require.NoError(t, err)
	defer conn.Close()
	n := -1
	require.NoError(t, conn.Raw(func(dc any) error {
		n = len(dc.(*cachingConn).stmts)
		return nil
	}))
	return n
}

// A cached statement answers each call with that call's arguments, errors
// leave it usable, and a text is prepared once per connection.
func TestStatementCacheReusesStatements(t *testing.T) {
	db := openCaching(t)
	db.SetMaxOpenConns(1)
	ctx := t.Context()
	for i := range 50 {
		_, err := db.ExecContext(ctx, `INSERT INTO kv (k, v) VALUES (?, ?)`, i, fmt.Sprintf("v%d", i))
		require.NoError(t, err)
	}
	_, err := db.ExecContext(ctx, `INSERT INTO kv (k, v) VALUES (?, ?)`, 100, "v7")
	require.ErrorContains(t, err, "UNIQUE", "a constraint error comes through")
	_, err = db.ExecContext(ctx, `INSERT INTO kv (k, v) VALUES (?, ?)`, 100, "v100")
	require.NoError(t, err, "and the statement still works")
	for i := range 50 {
		var v string
		require.NoError(t, db.QueryRowContext(ctx, `SELECT v FROM kv WHERE k = ?`, i).Scan(&v))
		require.Equal(t, fmt.Sprintf("v%d", i), v)
	}
	var missing string
	require.ErrorIs(t, db.QueryRowContext(ctx, `SELECT v FROM kv WHERE k = ?`, 999).Scan(&missing), sql.ErrNoRows)
	// CREATE, INSERT, SELECT.
	require.Equal(t, 3, cachedCount(t, db))

	_, err = db.ExecContext(ctx, `SELECT nonsense FROM`)
	require.ErrorContains(t, err, "incomplete input", "SQL that does not parse is an error, not cached")
	require.Equal(t, 3, cachedCount(t, db))
}

// Reading a statement's rows while running the same text again (inside a
// transaction, on one connection) must not reset the rows being read.
func TestStatementCacheNestedUse(t *testing.T) {
	db := openCaching(t)
	ctx := t.Context()
	for i := range 10 {
		_, err := db.ExecContext(ctx, `INSERT INTO kv (k, v) VALUES (?, ?)`, i, fmt.Sprintf("v%d", i))
		require.NoError(t, err)
	}
	tx, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback() }()
	const q = `SELECT k, v FROM kv WHERE k >= ? ORDER BY k`
	outer, err := tx.QueryContext(ctx, q, 0)
	require.NoError(t, err)
	var seen []int
	for outer.Next() {
		var k int
		var v string
		require.NoError(t, outer.Scan(&k, &v))
		seen = append(seen, k)
		inner, err := tx.QueryContext(ctx, q, k)
		require.NoError(t, err)
		require.True(t, inner.Next())
		var ik int
		var iv string
		require.NoError(t, inner.Scan(&ik, &iv))
		require.Equal(t, k, ik)
		require.NoError(t, inner.Close())
	}
	require.NoError(t, outer.Err())
	require.NoError(t, outer.Close())
	require.Equal(t, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, seen)
}

// More texts than the cache holds: each still runs, the cache stays
// bounded.
func TestStatementCacheIsBounded(t *testing.T) {
	db := openCaching(t)
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	for i := range 3 * maxCachedStmts {
		var n int
		require.NoError(t, db.QueryRowContext(ctx, fmt.Sprintf(`SELECT %d + count(*) FROM kv`, i)).Scan(&n))
		require.Equal(t, i, n)
	}
	require.LessOrEqual(t, cachedCount(t, db), maxCachedStmts)
}
