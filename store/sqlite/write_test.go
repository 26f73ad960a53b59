package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func openWrites(t *testing.T) *DB {
	t.Helper()
	db, err := Open(t.Context(), filepath.Join(t.TempDir(), "faro.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	_, err = db.sql.Exec(`CREATE TABLE scratch (k INTEGER PRIMARY KEY, v TEXT NOT NULL)`)
	require.NoError(t, err)
	return db
}

func keys(t *testing.T, db *DB) map[int]bool {
	t.Helper()
	rows, err := db.sql.Query(`SELECT k FROM scratch`)
	require.NoError(t, err)
	defer rows.Close()
	got := map[int]bool{}
	for rows.Next() {
		var k int
		require.NoError(t, rows.Scan(&k))
		got[k] = true
	}
	require.NoError(t, rows.Err())
	return got
}

// Concurrent writes commit together; one that fails after writing leaves
// nothing, and the others are not affected.
func TestWritesCommitTogether(t *testing.T) {
	db := openWrites(t)
	boom := errors.New("boom")
	const n = 400
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = db.write(t.Context(), func(tx *sql.Tx) error {
				if _, err := tx.Exec(`INSERT INTO scratch (k, v) VALUES (?, ?)`, i, fmt.Sprint(i)); err != nil {
					return err
				}
				if i%7 == 0 {
					return boom // after its insert: rolled back alone
				}
				// A read of what the write itself did sees it.
				var v string
				return tx.QueryRow(`SELECT v FROM scratch WHERE k = ?`, i).Scan(&v)
			})
		})
	}
	wg.Wait()
	got := keys(t, db)
	for i := range n {
		if i%7 == 0 {
			require.ErrorIs(t, errs[i], boom)
			require.False(t, got[i], "%d failed: nothing of it is kept", i)
		} else {
			require.NoError(t, errs[i])
			require.True(t, got[i], "%d", i)
		}
	}
	require.Positive(t, db.writes.batched.Load(), "some were committed in batches")

	// A constraint error inside a batch is that write's alone.
	wg = sync.WaitGroup{}
	var dup, fresh error
	wg.Go(func() {
		dup = db.write(t.Context(), func(tx *sql.Tx) error {
			_, err := tx.Exec(`INSERT INTO scratch (k, v) VALUES (1, 'again')`)
			return err
		})
	})
	wg.Go(func() {
		fresh = db.write(t.Context(), func(tx *sql.Tx) error {
			_, err := tx.Exec(`INSERT INTO scratch (k, v) VALUES (100000, 'new')`)
			return err
		})
	})
	wg.Wait()
	require.ErrorContains(t, dup, "UNIQUE")
	require.NoError(t, fresh)
}

// A write whose caller's context ends while it runs interrupts SQLite,
// which rolls the whole transaction back: the batch runs again, each write
// alone, and only the interrupted one fails.
func TestWriteBatchSurvivesAnInterruptedMember(t *testing.T) {
	db := openWrites(t)
	for round := range 20 {
		var wg sync.WaitGroup
		errs := make([]error, 16)
		for i := range 16 {
			wg.Go(func() {
				ctx := t.Context()
				if i == 5 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, time.Millisecond)
					defer cancel()
				}
				k := round*100 + i
				errs[i] = db.write(ctx, func(tx *sql.Tx) error {
					if i == 5 {
						// Long enough for the deadline to strike mid-statement.
						_, err := tx.ExecContext(ctx, `INSERT INTO scratch (k, v) SELECT ?, 'x' FROM (WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c WHERE n < 3000000) SELECT count(*) FROM c)`, k)
						return err
					}
					_, err := tx.ExecContext(ctx, `INSERT INTO scratch (k, v) VALUES (?, 'ok')`, k)
					return err
				})
			})
		}
		wg.Wait()
		got := keys(t, db)
		for i, err := range errs {
			k := round*100 + i
			if i == 5 {
				require.Error(t, err)
				require.False(t, got[k])
				continue
			}
			require.NoError(t, err, "round %d write %d", round, i)
			require.True(t, got[k], "round %d write %d", round, i)
		}
	}
	t.Logf("writes batched %d, retried alone %d", db.writes.batched.Load(), db.writes.retried.Load())
}

// A panic in a write reaches its own caller, as without batching; the
// writes batched with it commit, and the write lock is free afterwards.
func TestWritePanicReachesItsCaller(t *testing.T) {
	db := openWrites(t)
	var wg sync.WaitGroup
	var panicked any
	errs := make([]error, 8)
	for i := range 8 {
		wg.Go(func() {
			defer func() {
				if i == 3 {
					panicked = recover()
				}
			}()
			errs[i] = db.write(t.Context(), func(tx *sql.Tx) error {
				if _, err := tx.Exec(`INSERT INTO scratch (k, v) VALUES (?, 'v')`, i); err != nil {
					return err
				}
				if i == 3 {
					panic("write 3 broke")
				}
				return nil
			})
		})
	}
	wg.Wait()
	require.Equal(t, "write 3 broke", panicked)
	got := keys(t, db)
	for i := range 8 {
		if i == 3 {
			require.False(t, got[i])
			continue
		}
		require.NoError(t, errs[i])
		require.True(t, got[i])
	}
	require.NoError(t, db.write(t.Context(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO scratch (k, v) VALUES (99, 'after')`)
		return err
	}))
}

// A write whose context ends while it waits is not run.
func TestWriteCanceledWhileWaiting(t *testing.T) {
	db := openWrites(t)
	hold := make(chan struct{})
	started := make(chan struct{})
	go func() {
		_ = db.write(context.Background(), func(tx *sql.Tx) error {
			close(started)
			<-hold
			return nil
		})
	}()
	<-started
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	err := db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO scratch (k, v) VALUES (7, 'late')`)
		return err
	})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	close(hold)
	require.NoError(t, db.write(t.Context(), func(*sql.Tx) error { return nil }))
	require.False(t, keys(t, db)[7])
}
