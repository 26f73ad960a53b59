package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
)

// Group commit. Every message, tool call, result and usage record of a turn
// is a write transaction of its own, and SQLite has one writer: under load
// they queue for it, and each paid for its own BEGIN, COMMIT and WAL
// frames (the same pages — the messages table's last leaf, its indexes,
// the conversation's row — written again by the next). A writer that gets
// the lock runs every write waiting then in one transaction, each in a
// savepoint of its own, so one's failure rolls back only its part, and
// each caller learns its own outcome after the one commit. A write that
// waits alone runs alone, as before.
//
// A batch that cannot finish as one (a statement interrupted by its
// caller's context takes SQLite's whole transaction with it; a panic; a
// failed commit) is rolled back, and each of its writes runs again alone,
// on its caller's goroutine, as if no batch had been tried.

// maxBatch bounds the writes committed together.
const maxBatch = 64

// errRetryAlone tells a write's caller that its batch was rolled back and
// it must run alone.
var errRetryAlone = errors.New("sqlite: write batch rolled back; run alone")

type writeReq struct {
	ctx  context.Context
	fn   func(tx *sql.Tx) error
	done chan error // buffered: the leader never waits on a caller
}

type writeQueue struct {
	mu      sync.Mutex
	pending []*writeReq
	// batched counts the writes committed in a batch of more than one,
	// retried those of batches rolled back and run again alone.
	batched, retried atomic.Int64
}

func (q *writeQueue) push(r *writeReq) {
	q.mu.Lock()
	q.pending = append(q.pending, r)
	q.mu.Unlock()
}

// remove takes r out of the queue; false when a leader took it already.
func (q *writeQueue) remove(r *writeReq) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	i := slices.Index(q.pending, r)
	if i < 0 {
		return false
	}
	q.pending = slices.Delete(q.pending, i, i+1)
	return true
}

// take removes and returns up to maxBatch waiting writes, oldest first.
func (q *writeQueue) take() []*writeReq {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := min(len(q.pending), maxBatch)
	batch := slices.Clone(q.pending[:n])
	q.pending = slices.Delete(q.pending, 0, n)
	return batch
}

// write runs fn in an immediate transaction, committing if fn returns nil;
// possibly together with other writes waiting at the same time (see above).
// fn must return its statements' errors: a batch relies on it.
func (db *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := &writeReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
	db.writes.push(r)
	select {
	case err := <-r.done:
		// A leader ran it.
		return db.outcome(ctx, fn, err)
	case db.writeSem <- struct{}{}:
	case <-ctx.Done():
		if db.writes.remove(r) {
			return ctx.Err()
		}
		// A leader has it: its outcome comes shortly.
		return db.outcome(ctx, fn, <-r.done)
	}
	// This caller leads: it runs what waits, oldest first, until its own
	// write has run (an earlier leader may have taken it); then whoever
	// waits next leads.
	for len(r.done) == 0 {
		batch := db.writes.take()
		if len(batch) == 0 {
			break
		}
		db.runBatch(batch)
	}
	<-db.writeSem
	return db.outcome(ctx, fn, <-r.done)
}

// outcome is a write's result, running it alone when its batch failed.
func (db *DB) outcome(ctx context.Context, fn func(tx *sql.Tx) error, err error) error {
	if !errors.Is(err, errRetryAlone) {
		return err
	}
	select {
	case db.writeSem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-db.writeSem }()
	return db.runTx(ctx, fn)
}

// runBatch runs the writes of batch and tells each its outcome. The caller
// holds writeSem.
func (db *DB) runBatch(batch []*writeReq) {
	live := batch[:0:0]
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.done <- err
			continue
		}
		live = append(live, r)
	}
	switch len(live) {
	case 0:
		return
	case 1:
		r := live[0]
		r.done <- db.runAlone(r)
		return
	}
	errs := make([]error, len(live))
	// The batch's own context: one caller's end must not end the others'.
	err := db.runTx(context.Background(), func(tx *sql.Tx) (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("%w: a write panicked: %v", errRetryAlone, p)
			}
		}()
		for i, r := range live {
			if _, err := tx.Exec(`SAVEPOINT faro_write`); err != nil {
				return fmt.Errorf("%w: savepoint: %v", errRetryAlone, err)
			}
			if errs[i] = r.fn(tx); errs[i] != nil {
				if _, err := tx.Exec(`ROLLBACK TO faro_write`); err != nil {
					return fmt.Errorf("%w: rollback to savepoint: %v", errRetryAlone, err)
				}
			}
			if _, err := tx.Exec(`RELEASE faro_write`); err != nil {
				return fmt.Errorf("%w: release savepoint: %v", errRetryAlone, err)
			}
		}
		return nil
	})
	if err == nil {
		db.writes.batched.Add(int64(len(live)))
	} else {
		db.writes.retried.Add(int64(len(live)))
	}
	for i, r := range live {
		if err != nil {
			r.done <- errRetryAlone
		} else {
			r.done <- errs[i]
		}
	}
}

// runAlone runs one write in its own transaction; a panic in it is
// re-raised on its caller's goroutine, as without batching.
func (db *DB) runAlone(r *writeReq) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = errRetryAlone
		}
	}()
	return db.runTx(r.ctx, r.fn)
}
