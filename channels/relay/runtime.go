package relay

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/store"
)

// Agent answers a message; *agent.Agent implements it.
type Agent interface {
	Turn(ctx context.Context, msg agent.Message, stream func(delta string)) (agent.Reply, error)
}

// Store is what the runtime keeps in the conversation store: the stored
// messages (to tell a reused platform id from a re-delivery) and how each
// part of a reply fared. store.Store implements it.
type Store interface {
	MessageByPlatformID(ctx context.Context, channel, platformID string) (store.Message, error)
	store.Deliveries
}

// Jobs is the database the runtime keeps its jobs in: [SQLiteJobs] or
// [PostgresJobs].
type Jobs struct {
	sqlite *sql.DB
	pg     *pgxpool.Pool
}

// SQLiteJobs keeps the jobs in an SQLite database opened with
// [OpenSQLite]: a file of its own, beside the embedded store's.
func SQLiteJobs(db *sql.DB) Jobs { return Jobs{sqlite: db} }

// PostgresJobs keeps the jobs in a PostgreSQL database, normally the
// store's. The pool must not be closed before the runtime stops.
func PostgresJobs(pool *pgxpool.Pool) Jobs { return Jobs{pg: pool} }

// DeliveryEvent describes what became of one delivery attempt, for
// [Options.OnDeliveryFunc] (metrics).
type DeliveryEvent struct {
	Channel string
	// Status is DeliverySent, DeliveryPending (to be retried) or
	// DeliveryFailed (given up: permanent, or out of attempts).
	Status   store.DeliveryStatus
	Attempts int
	// Reason is "permanent", "attempts" or "expired" for a failure, "retry_after"
	// or "transient" for a retry, "" when sent.
	Reason string
	Err    error
}

// Options configure a [Runtime]. Agent, Store and Jobs are required.
type Options struct {
	Agent  Agent
	Store  Store
	Jobs   Jobs
	Logger *slog.Logger
	// DedupeTTL is how long a (Channel, PlatformID) accepted is remembered,
	// so a re-delivery within it adds nothing. Telegram's update_id
	// becomes random after a week without updates: an id seen again after
	// the window is a new message. Default 72 h.
	DedupeTTL time.Duration
	// MaxAttempts is how many times a part is tried before it is recorded
	// as failed. Default 20 (with the default backoff, about three hours).
	MaxAttempts int
	// BackoffBase and BackoffMax shape the retry delays: attempt n waits
	// a random time in [d/2, d] with d = min(BackoffBase·2^(n-1),
	// BackoffMax). Defaults 1 s and 15 min.
	BackoffBase, BackoffMax time.Duration
	// PollInterval is how often idle workers look for jobs another
	// process stored (jobs stored by this process start at once). Default
	// 200 ms.
	PollInterval time.Duration
	// TurnTimeout bounds a turn job; DeliverTimeout one delivery attempt.
	// Defaults 3 min and 30 s. A job still marked running after its
	// timeout plus a minute (its process died) is run again.
	TurnTimeout, DeliverTimeout time.Duration
	// Workers is how many jobs run at once. Default 20.
	Workers int
	// OnDeliveryFunc, when set, is told of every delivery attempt.
	OnDeliveryFunc func(DeliveryEvent)
}

// Runtime relays messages between the registered adapters and the agent.
// Build it with [New], [Runtime.Register] the adapters, then
// [Runtime.Start]; [Runtime.Stop] ends it.
type Runtime struct {
	opts     Options
	log      *slog.Logger
	adapters map[string]Adapter
}

// ErrUnknownChannel is returned by Accept for a message of a channel no
// registered adapter answers.
var ErrUnknownChannel = errors.New("relay: no adapter for the channel")

// New checks opts and returns a runtime that is not started.
func New(opts Options) (*Runtime, error) {
	return nil, errors.New("relay: not implemented yet")
}

// Register adds an adapter; it must be called before Start. Registering
// two adapters of one channel is an error.
func (r *Runtime) Register(a Adapter) error {
	return errors.New("relay: not implemented yet")
}

// Channels lists the registered channels, sorted.
func (r *Runtime) Channels() []string { return nil }

// Start applies the job tables' migrations and starts the workers: jobs
// left by a process that died are resumed.
func (r *Runtime) Start(ctx context.Context) error {
	return errors.New("relay: not implemented yet")
}

// Stop stops taking jobs and waits, until ctx ends, for those running;
// unfinished jobs run again at the next Start.
func (r *Runtime) Stop(ctx context.Context) error { return nil }

// Accept makes the message durable work and returns: after it returns nil
// the message will be answered exactly once, even if this process dies now
// (the turn is a job, resumed by whichever server is up). A re-delivery
// (same Channel and PlatformID within DedupeTTL) returns (false, nil) and
// adds nothing. Call it in the webhook's acknowledgement path: it never
// runs the model. An invalid message (no text, no sender, a channel
// without an adapter) is an error wrapping agent.ErrInvalidMessage or
// ErrUnknownChannel: answer the platform 2xx anyway, since retrying cannot
// fix it.
func (r *Runtime) Accept(ctx context.Context, in Inbound) (accepted bool, err error) {
	return false, errors.New("relay: not implemented yet")
}

// Status records a platform's report about a message Faro sent (WhatsApp
// sent, delivered, read, failed) on the stored delivery, found by the
// platform's id of what was sent. A report never moves a delivery
// backwards (store.DeliveryStatus.Rank). An id Faro did not send is
// store.ErrNotFound (wrapped): a platform may report on messages sent by
// other tools; ignore it.
func (r *Runtime) Status(ctx context.Context, channel, platformMessageID string, status store.DeliveryStatus, detail string) error {
	return errors.New("relay: not implemented yet")
}
