package sqlite

import (
	"context"
	"time"
)

// checkpointEvery is how often the background checkpointer runs.
const checkpointEvery = time.Second

// SQLite's automatic checkpoint runs inside the COMMIT that crosses the
// WAL's size limit: it copies the log into the database file and syncs it,
// and the group commit's leader (see write.go) holds the write lock all
// that time, so every write of every turn waits behind a disk sync — the
// p99 spikes of a loaded server. The DSN turns the automatic checkpoint off
// and this goroutine runs PASSIVE checkpoints instead, outside the write
// lock: they copy what no reader still needs and never block a writer.

// checkpointer runs until stop is closed, then closes done.
type checkpointer struct {
	stop, done chan struct{}
}

func (db *DB) startCheckpointer(every time.Duration) {
	c := &checkpointer{stop: make(chan struct{}), done: make(chan struct{})}
	db.checkpoints = c
	go func() {
		defer close(c.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-c.stop:
				return
			case <-t.C:
				// A failed checkpoint leaves the log to the next one; the
				// data is safe in the WAL either way.
				_ = db.checkpoint(context.Background())
			}
		}
	}()
}

// checkpoint copies the WAL into the database file as far as readers
// allow (PASSIVE: it never waits for a writer or blocks one).
func (db *DB) checkpoint(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var busy, logFrames, copied int
	return db.sql.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logFrames, &copied)
}

// stopCheckpointer ends the goroutine and waits for it.
func (db *DB) stopCheckpointer() {
	if c := db.checkpoints; c != nil {
		close(c.stop)
		<-c.done
		db.checkpoints = nil
	}
}
