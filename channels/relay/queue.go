package relay

import (
	"context"
	crand "crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// queueName is the River queue of the runtime's jobs.
const queueName = "relay"

// OpenSQLite opens (creating it and its directory if needed) the SQLite
// file that keeps the jobs of the embedded store's runtime. It is a file of
// its own, not the store's: River's writes and the store's then never wait
// for each other's lock (SQLite has one writer per file), and one
// connection serialises River's own statements, as its driver recommends,
// so no SQLITE_BUSY is ever retried.
func OpenSQLite(path string) (*sql.DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("relay: open jobs %s: %w", path, err)
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("relay: open jobs %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxIdleTime(0)
	return db, nil
}

// turnArgs is a turn job: answer In.
type turnArgs struct {
	In Inbound `json:"in"`
	// Key is what makes a message one job: channel and platform id.
	Key string `json:"key" river:"unique"`
}

func (turnArgs) Kind() string { return "relay_turn" }

// deliverArgs is a delivery job: send Out, then queue the next part.
type deliverArgs struct {
	Out Outbound `json:"out"`
	// Rest are the texts of the parts after Out, in order: each is queued
	// once the one before it is sent or given up, so parts arrive in
	// order.
	Rest []string `json:"rest,omitempty"`
	// Key is what makes a part one job: the stored reply and the part.
	Key string `json:"key" river:"unique"`
	// After is a message of the conversation that must be sent, or given
	// up, before this one's first part is tried (staff replies, in order).
	After string `json:"after,omitempty"`
}

func (deliverArgs) Kind() string { return "relay_deliver" }

func deliverKey(messageID string, part int) string { return fmt.Sprintf("%s/%d", messageID, part) }

// queue is River's client, whatever its driver.
type queue interface {
	start(ctx context.Context) error
	stop(ctx context.Context) error
	insertTurn(ctx context.Context, a turnArgs) (bool, error)
	insertDelivery(ctx context.Context, a deliverArgs) error
}

// riverQueue is a queue on a River client with transactions of type TTx.
type riverQueue[TTx any] struct {
	r      *Runtime
	driver riverdriver.Driver[TTx]
	c      *river.Client[TTx]
	// resume moves jobs left running by a dead process back to available
	// (the embedded store's single process); nil where the rescuer does it.
	resume func(ctx context.Context) error
}

func newQueue(r *Runtime) (queue, error) {
	if r.opts.Jobs.sqlite != nil {
		db := r.opts.Jobs.sqlite
		return newRiverQueue(r, riversqlite.New(db), func(ctx context.Context) error {
			_, err := db.ExecContext(ctx, `UPDATE river_job SET state = 'available' WHERE state = 'running'`)
			return err
		})
	}
	return newRiverQueue[pgx.Tx](r, riverpgxv5.New(r.opts.Jobs.pg), nil)
}

func newRiverQueue[TTx any](r *Runtime, driver riverdriver.Driver[TTx], resume func(context.Context) error) (*riverQueue[TTx], error) {
	q := &riverQueue[TTx]{r: r, driver: driver, resume: resume}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &turnWorker{r: r}); err != nil {
		return nil, fmt.Errorf("relay: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &deliverWorker{r: r}); err != nil {
		return nil, fmt.Errorf("relay: %w", err)
	}
	o := r.opts
	queues := map[string]river.QueueConfig{queueName: {MaxWorkers: o.Workers}}
	if o.Workers < 0 {
		queues = nil // insert only
	}
	c, err := river.NewClient(driver, &river.Config{
		// Poll only: PGlite (and PgBouncer in transaction mode) pass no
		// LISTEN/NOTIFY between connections, and SQLite has none; jobs
		// this process stores wake its own workers at once anyway.
		PollOnly:          true,
		FetchPollInterval: o.PollInterval,
		FetchCooldown:     min(o.PollInterval, river.FetchCooldownDefault),
		Queues:            queues,
		Workers:           workers,
		// Completed turn jobs are the dedupe set: a message's key is
		// remembered as long as its job is kept.
		CompletedJobRetentionPeriod: o.DedupeTTL,
		RescueStuckJobsAfter:        max(o.TurnTimeout, o.DeliverTimeout) + time.Minute,
		JobTimeout:                  max(o.TurnTimeout, o.DeliverTimeout),
		RetryPolicy:                 backoff{base: o.BackoffBase, max: o.BackoffMax},
		Logger:                      slog.New(quietHandler{o.Logger.Handler()}),
	})
	if err != nil {
		return nil, fmt.Errorf("relay: river: %w", err)
	}
	q.c = c
	return q, nil
}

func (q *riverQueue[TTx]) start(ctx context.Context) error {
	if _, err := migrate(ctx, q.driver); err != nil {
		return err
	}
	if q.resume != nil {
		if err := q.resume(ctx); err != nil {
			return fmt.Errorf("resume jobs: %w", err)
		}
	}
	if q.r.opts.Workers < 0 {
		return nil // insert only: nothing to start
	}
	// The client lives until Stop, not until the caller's ctx ends.
	return q.c.Start(context.WithoutCancel(ctx))
}

func (q *riverQueue[TTx]) stop(ctx context.Context) error {
	if q.r.opts.Workers < 0 {
		return nil
	}
	err := q.c.Stop(ctx)
	if ctx.Err() != nil {
		// Jobs still running are cancelled; they run again after a
		// restart (SQLite) or after the rescue delay (PostgreSQL).
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return q.c.StopAndCancel(cctx)
	}
	return err
}

func (q *riverQueue[TTx]) insertTurn(ctx context.Context, a turnArgs) (bool, error) {
	res, err := q.c.Insert(ctx, a, &river.InsertOpts{
		Queue: queueName, MaxAttempts: turnAttempts,
		UniqueOpts: river.UniqueOpts{ByArgs: true},
	})
	if err != nil {
		return false, err
	}
	return !res.UniqueSkippedAsDuplicate, nil
}

func (q *riverQueue[TTx]) insertDelivery(ctx context.Context, a deliverArgs) error {
	_, err := q.c.Insert(ctx, a, &river.InsertOpts{
		Queue: queueName, MaxAttempts: q.r.opts.MaxAttempts,
		// Unique in every state: a part sent, or given up, is never
		// queued again by a turn job run twice.
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
			rivertype.JobStateAvailable, rivertype.JobStateCancelled, rivertype.JobStateCompleted,
			rivertype.JobStateDiscarded, rivertype.JobStatePending, rivertype.JobStateRetryable,
			rivertype.JobStateRunning, rivertype.JobStateScheduled,
		}},
	})
	return err
}

// backoff is the retry policy: exponential from base, capped, with jitter
// (a random time in the upper half) so that parts failing together do not
// retry together.
type backoff struct{ base, max time.Duration }

func (b backoff) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().Add(b.delay(job.Attempt))
}

func (b backoff) delay(attempt int) time.Duration {
	d := b.base
	for i := 1; i < attempt && d < b.max; i++ {
		d *= 2
	}
	d = min(d, b.max)
	return d/2 + rand.N(d/2+1)
}

// quietHandler passes River's warnings and errors on, and drops its info
// and debug lines (a line per start, stop and election).
type quietHandler struct{ slog.Handler }

func (h quietHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && h.Handler.Enabled(ctx, l)
}

func (h quietHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return quietHandler{h.Handler.WithAttrs(as)}
}

func (h quietHandler) WithGroup(name string) slog.Handler {
	return quietHandler{h.Handler.WithGroup(name)}
}

func newKey() string {
	b := make([]byte, 16)
	_, _ = crand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

func jsonValid(b []byte) bool { return json.Valid(b) }

// Migrate applies River's pending migrations to the jobs database and
// returns their versions' names, oldest first ([Runtime.Start] applies
// them too): what `faro migrate` runs.
func Migrate(ctx context.Context, jobs Jobs) ([]string, error) {
	if jobs.sqlite != nil {
		return migrate(ctx, riversqlite.New(jobs.sqlite))
	}
	if jobs.pg != nil {
		return migrate[pgx.Tx](ctx, riverpgxv5.New(jobs.pg))
	}
	return nil, fmt.Errorf("relay: migrate: no jobs database")
}

func migrate[TTx any](ctx context.Context, driver riverdriver.Driver[TTx]) ([]string, error) {
	m, err := rivermigrate.New(driver, nil)
	if err != nil {
		return nil, fmt.Errorf("relay: migrations: %w", err)
	}
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return nil, fmt.Errorf("relay: migrate: %w", err)
	}
	var out []string
	for _, v := range res.Versions {
		out = append(out, fmt.Sprintf("river %03d %s", v.Version, v.Name))
	}
	return out, nil
}
