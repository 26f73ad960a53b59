package sqlite

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
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
