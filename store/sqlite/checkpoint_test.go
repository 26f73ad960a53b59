package sqlite

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Writers never checkpoint (that would hold the write lock through a disk
// sync); the background checkpointer copies the log into the database.
func TestCheckpointsRunInTheBackground(t *testing.T) {
	path := filepath.Join(t.TempDir(), "faro.db")
	db, err := Open(t.Context(), path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })

	var auto int
	require.NoError(t, db.sql.QueryRow(`PRAGMA wal_autocheckpoint`).Scan(&auto))
	require.Zero(t, auto, "no checkpoint inside a writer's COMMIT")

	_, err = db.sql.Exec(`CREATE TABLE scratch (k INTEGER PRIMARY KEY, v TEXT NOT NULL)`)
	require.NoError(t, err)
	size := func() int64 {
		fi, err := os.Stat(path)
		require.NoError(t, err)
		return fi.Size()
	}
	before := size()
	blob := strings.Repeat("x", 4000)
	require.NoError(t, db.write(t.Context(), func(tx *sql.Tx) error {
		for i := range 1000 {
			if _, err := tx.Exec(`INSERT INTO scratch (k, v) VALUES (?, ?)`, i, blob); err != nil {
				return err
			}
		}
		return nil
	}))
	// 4 MB went into the log; the database file receives it only from a
	// checkpoint.
	require.Eventually(t, func() bool { return size() > before+3<<20 }, 10*time.Second, 50*time.Millisecond)

	require.NoError(t, db.Close())
	require.Nil(t, db.checkpoints, "stopped with the database")
}

// Under a steady stream of writes and readers that never stop, the log is
// started over instead of growing with everything ever written.
func TestCheckpointsKeepTheLogShort(t *testing.T) {
	path := filepath.Join(t.TempDir(), "faro.db")
	db, err := Open(t.Context(), path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	const restartFrames = 256 // 1 MiB of pages
	db.stopCheckpointer()
	db.startCheckpointer(20*time.Millisecond, restartFrames)

	_, err = db.sql.Exec(`CREATE TABLE scratch (k INTEGER PRIMARY KEY, v TEXT NOT NULL)`)
	require.NoError(t, err)
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for range 3 {
		readers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				var n int
				_ = db.read(t.Context(), func(tx *sql.Tx) error {
					return tx.QueryRow(`SELECT count(*) FROM scratch WHERE k % 7 = 0`).Scan(&n)
				})
			}
		})
	}
	blob := strings.Repeat("x", 4000)
	var biggest int64
	for i := range 6000 { // about 24 MiB written, a few pages at a time
		require.NoError(t, db.write(t.Context(), func(tx *sql.Tx) error {
			_, err := tx.Exec(`INSERT OR REPLACE INTO scratch (k, v) VALUES (?, ?)`, i%500, blob)
			return err
		}))
		if fi, err := os.Stat(path + "-wal"); err == nil {
			biggest = max(biggest, fi.Size())
		}
	}
	close(stop)
	readers.Wait()
	require.Less(t, biggest, int64(8<<20), "the log is started over, not grown to all that was written")
}
