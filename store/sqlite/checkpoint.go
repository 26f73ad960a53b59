package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"
)

const (
	// checkpointEvery is how often the background checkpointer runs.
	checkpointEvery = time.Second
	// walRestartFrames is the log's length, in frames (pages), past which
	// the checkpointer makes the next writer start the log over (see
	// restartLog): 4096 frames are 16 MiB of 4 KiB pages.
	walRestartFrames = 4096
	// restartWait bounds how long a restart waits for readers, holding
	// this process's writers; restartPoll is how often it looks.
	restartWait = 50 * time.Millisecond
	restartPoll = 500 * time.Microsecond
)

// SQLite's automatic checkpoint runs inside the COMMIT that crosses the
// WAL's size limit: it copies the log into the database file and syncs it,
// and the group commit's leader (see write.go) holds the write lock all
// that time, so every write of every turn waits behind a disk sync — the
// p99 spikes of a loaded server. The DSN turns the automatic checkpoint off
// and this goroutine runs PASSIVE checkpoints instead, outside the write
// lock: they copy what no reader still needs and never block a writer.
//
// A PASSIVE checkpoint never starts the log over, though: a writer rewinds
// the WAL only when, as it begins, every frame has been copied and no
// reader still reads from the log — which never happens on a busy server,
// where frames arrive every millisecond and readers never stop. The log
// then grew without bound (3.5 GB in 80 s of load, written to disk at 44
// MB/s). So once the log is longer than walRestartFrames, the checkpointer
// takes this process's write lock and runs a RESTART checkpoint: it copies
// the few frames written since the PASSIVE one, waits (briefly) for the
// readers of older snapshots to finish, and the next writer starts the log
// from its beginning, rewriting the same file pages.

// checkpointer runs until stop is closed, then closes done.
type checkpointer struct {
	stop, done chan struct{}
}

// startCheckpointer checkpoints every period, restarting the log past
// restartFrames (walRestartFrames; smaller in tests).
func (db *DB) startCheckpointer(every time.Duration, restartFrames int) {
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
				_ = db.checkpoint(context.Background(), restartFrames)
			}
		}
	}()
}

// checkpoint copies the WAL into the database file as far as readers
// allow (PASSIVE: it never waits for a writer or blocks one), then has the
// log started over when it is longer than restartFrames.
func (db *DB) checkpoint(ctx context.Context, restartFrames int) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var busy, logFrames, copied int
	if err := db.sql.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logFrames, &copied); err != nil {
		return fmt.Errorf("passive checkpoint: %w", err)
	}
	if logFrames < restartFrames {
		return nil
	}
	return db.restartLog(ctx)
}

// restartLog runs a RESTART checkpoint holding writeSem, so that this
// process's writers wait on it in Go, not in SQLite's busy handler. The
// checkpoint waits for the readers of older snapshots to finish; SQLite's
// own busy handler would sleep between looks in growing steps (1, 2, 5,
// 10… ms), holding every writer far longer than the readers need, so the
// checkpoint is tried without one, every restartPoll, for at most
// restartWait. A restart that did not happen is tried again at the next
// tick.
func (db *DB) restartLog(ctx context.Context) error {
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return fmt.Errorf("restart checkpoint: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA busy_timeout = 0`); err != nil {
		return fmt.Errorf("restart checkpoint: %w", err)
	}
	select {
	case db.writeSem <- struct{}{}:
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err == nil {
		err = restartPolling(ctx, conn)
		<-db.writeSem
	}
	if _, rerr := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA busy_timeout = %d`, busyTimeoutMS)); rerr != nil {
		// Not back to the pool without a busy timeout.
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		err = errors.Join(err, rerr)
	}
	if err != nil {
		return fmt.Errorf("restart checkpoint: %w", err)
	}
	return nil
}

// restartPolling tries a RESTART checkpoint on conn until it is not
// blocked by a reader or restartWait has passed.
func restartPolling(ctx context.Context, conn *sql.Conn) error {
	deadline := time.Now().Add(restartWait)
	for {
		var busy, logFrames, copied int
		if err := conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(RESTART)`).Scan(&busy, &logFrames, &copied); err != nil {
			return err
		}
		if busy == 0 || time.Now().After(deadline) {
			return nil
		}
		select {
		case <-time.After(restartPoll):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// stopCheckpointer ends the goroutine and waits for it.
func (db *DB) stopCheckpointer() {
	if c := db.checkpoints; c != nil {
		close(c.stop)
		<-c.done
		db.checkpoints = nil
	}
}
