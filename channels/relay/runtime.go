package relay

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"
	"unicode/utf8"

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
// [OpenSQLite]: a file of its own, beside the embedded store's, used by one
// process (jobs it finds running when it starts were left by a process
// that died, and run again at once).
func SQLiteJobs(db *sql.DB) Jobs { return Jobs{sqlite: db} }

// PostgresJobs keeps the jobs in a PostgreSQL database, normally the
// store's, shared by every server. The pool must not be closed before the
// runtime stops.
func PostgresJobs(pool *pgxpool.Pool) Jobs { return Jobs{pg: pool} }

// DeliveryEvent describes what became of one delivery attempt, for
// [Options.OnDeliveryFunc] (metrics).
type DeliveryEvent struct {
	Channel string
	// Status is DeliverySent, DeliveryPending (to be retried) or
	// DeliveryFailed (given up).
	Status   store.DeliveryStatus
	Attempts int
	// Reason says why it is not sent: "retry_after" or "transient" for a
	// retry, "permanent" or "attempts" for a failure; "" when sent.
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
	// so that a re-delivery within it adds nothing. Telegram's update_id
	// becomes random after a week without updates: an id seen again after
	// the window is a new message. Default 72 h.
	DedupeTTL time.Duration
	// MaxAttempts is how many times a part is tried before it is recorded
	// as failed. Default 20 (with the default backoff, up to two and a half hours).
	MaxAttempts int
	// BackoffBase and BackoffMax shape the retry delays: after attempt n
	// the job waits a random time in [d/2, d], d = min(BackoffBase·2^(n-1),
	// BackoffMax). Defaults 1 s and 15 min.
	BackoffBase, BackoffMax time.Duration
	// PollInterval is how often idle workers look for jobs another
	// process stored or a retry made due (jobs stored by this process
	// start at once). Default 200 ms.
	PollInterval time.Duration
	// TurnTimeout bounds a turn job; DeliverTimeout one delivery attempt.
	// Defaults 3 min and 30 s. On PostgreSQL a job still running a minute
	// after its timeout (its server died) is run again by another.
	TurnTimeout, DeliverTimeout time.Duration
	// Workers is how many jobs run at once. Default 20; below zero, none:
	// this runtime only accepts messages, and another server's runtime
	// on the same database answers them.
	Workers int
	// OnDeliveryFunc, when set, is told of every delivery attempt.
	OnDeliveryFunc func(DeliveryEvent)
}

// Defaults.
const (
	DefaultDedupeTTL      = 72 * time.Hour
	DefaultMaxAttempts    = 20
	DefaultBackoffBase    = time.Second
	DefaultBackoffMax     = 15 * time.Minute
	DefaultPollInterval   = 200 * time.Millisecond
	DefaultTurnTimeout    = 3 * time.Minute
	DefaultDeliverTimeout = 30 * time.Second
	DefaultWorkers        = 20
	// turnAttempts: a turn whose model and fallback both fail is tried
	// again a few times; every later one is answered by the next message.
	turnAttempts = 5
)

// Runtime relays messages between the registered adapters and the agent.
// Build it with [New], [Runtime.Register] the adapters, then
// [Runtime.Start]; [Runtime.Stop] ends it.
type Runtime struct {
	opts Options
	log  *slog.Logger
	q    queue

	mu       sync.RWMutex
	adapters map[string]Adapter
	started  bool
}

// ErrUnknownChannel is returned by Accept for a message of a channel no
// registered adapter answers.
var ErrUnknownChannel = errors.New("relay: no adapter for the channel")

// ErrNotStarted is returned by Accept before Start.
var ErrNotStarted = errors.New("relay: the runtime is not started")

// New checks opts and returns a runtime that is not started.
func New(opts Options) (*Runtime, error) {
	switch {
	case opts.Agent == nil:
		return nil, errors.New("relay: no agent")
	case opts.Store == nil:
		return nil, errors.New("relay: no store")
	case (opts.Jobs.sqlite == nil) == (opts.Jobs.pg == nil):
		return nil, errors.New("relay: jobs need one database: SQLiteJobs or PostgresJobs")
	}
	opts.Logger = cmp.Or(opts.Logger, slog.New(slog.DiscardHandler))
	opts.DedupeTTL = positive(opts.DedupeTTL, DefaultDedupeTTL)
	opts.MaxAttempts = max(opts.MaxAttempts, 0)
	opts.MaxAttempts = cmp.Or(opts.MaxAttempts, DefaultMaxAttempts)
	opts.BackoffBase = positive(opts.BackoffBase, DefaultBackoffBase)
	opts.BackoffMax = max(positive(opts.BackoffMax, DefaultBackoffMax), opts.BackoffBase)
	opts.PollInterval = positive(opts.PollInterval, DefaultPollInterval)
	opts.TurnTimeout = positive(opts.TurnTimeout, DefaultTurnTimeout)
	opts.DeliverTimeout = positive(opts.DeliverTimeout, DefaultDeliverTimeout)
	if opts.Workers == 0 {
		opts.Workers = DefaultWorkers
	}
	r := &Runtime{opts: opts, log: opts.Logger, adapters: map[string]Adapter{}}
	q, err := newQueue(r)
	if err != nil {
		return nil, err
	}
	r.q = q
	return r, nil
}

func positive(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Register adds an adapter; it must be called before Start. Registering
// two adapters of one channel is an error.
func (r *Runtime) Register(a Adapter) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	name := a.Channel()
	switch {
	case r.started:
		return fmt.Errorf("relay: register %q: the runtime is started", name)
	case name == "":
		return errors.New("relay: register: an adapter without a channel name")
	case r.adapters[name] != nil:
		return fmt.Errorf("relay: register %q: registered twice", name)
	}
	if max, count := a.Limit(); max < 1 || count == nil {
		return fmt.Errorf("relay: register %q: Limit must be positive with a count", name)
	}
	r.adapters[name] = a
	return nil
}

// Channels lists the registered channels, sorted.
func (r *Runtime) Channels() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.adapters))
	for name := range r.adapters {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

func (r *Runtime) adapter(channel string) Adapter {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.adapters[channel]
}

// Start applies the job tables' migrations and starts the workers: jobs
// left by a process that died are resumed.
func (r *Runtime) Start(ctx context.Context) error {
	r.mu.Lock()
	if r.started {
		r.mu.Unlock()
		return errors.New("relay: started twice")
	}
	r.started = true
	r.mu.Unlock()
	if err := r.q.start(ctx); err != nil {
		return fmt.Errorf("relay: start: %w", err)
	}
	return nil
}

// Stop stops taking jobs and waits, until ctx ends, for those running
// (then cancels them); unfinished jobs run again at the next Start.
func (r *Runtime) Stop(ctx context.Context) error {
	r.mu.RLock()
	started := r.started
	r.mu.RUnlock()
	if !started {
		return nil
	}
	if err := r.q.stop(ctx); err != nil {
		return fmt.Errorf("relay: stop: %w", err)
	}
	return nil
}

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
	r.mu.RLock()
	started, a := r.started, r.adapters[in.Channel]
	r.mu.RUnlock()
	switch {
	case !started:
		return false, ErrNotStarted
	case a == nil:
		return false, fmt.Errorf("%w: %q", ErrUnknownChannel, in.Channel)
	case in.Sender.ExternalID == "":
		return false, fmt.Errorf("relay: accept: %w: no sender", agent.ErrInvalidMessage)
	case in.Text == "":
		return false, fmt.Errorf("relay: accept: %w: no text", agent.ErrInvalidMessage)
	case utf8.RuneCountInString(in.Text) > agent.MaxTextRunes:
		return false, fmt.Errorf("relay: accept: %w: text longer than %d characters", agent.ErrInvalidMessage, agent.MaxTextRunes)
	case in.Address != nil && !jsonValid(in.Address):
		return false, fmt.Errorf("relay: accept: %w: address is not JSON", agent.ErrInvalidMessage)
	}
	if in.ReceivedAt.IsZero() {
		in.ReceivedAt = time.Now().UTC()
	}
	args := turnArgs{In: in}
	if in.PlatformID == "" {
		// No platform id: nothing to dedupe on, every message is new.
		args.Key = "once:" + newKey()
	} else {
		args.Key = in.Channel + "\x1f" + in.PlatformID
		reused, err := r.reused(ctx, in)
		if err != nil {
			return false, err
		}
		if reused {
			// The platform reused an id of a message older than the
			// dedupe window: this one is new, and the turn must not
			// find the old one's reply.
			args.In.PlatformID = fmt.Sprintf("%s~%d", in.PlatformID, in.ReceivedAt.UnixNano())
		}
	}
	inserted, err := r.q.insertTurn(ctx, args)
	if err != nil {
		return false, fmt.Errorf("relay: accept %s message %q: %w", in.Channel, in.PlatformID, err)
	}
	return inserted, nil
}

// reused reports whether in's platform id was stored for a message older
// than the dedupe window.
func (r *Runtime) reused(ctx context.Context, in Inbound) (bool, error) {
	m, err := r.opts.Store.MessageByPlatformID(ctx, in.Channel, in.PlatformID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("relay: accept %s message %q: %w", in.Channel, in.PlatformID, err)
	}
	return in.ReceivedAt.Sub(m.CreatedAt) > r.opts.DedupeTTL, nil
}

// Status records a platform's report about a message Faro sent (WhatsApp
// sent, delivered, read, failed) on the stored delivery, found by the
// platform's id of what was sent. A report never moves a delivery
// backwards (store.DeliveryStatus.Rank): a late "delivered" after "read"
// changes nothing. An id Faro did not send is store.ErrNotFound (wrapped):
// a platform may report on messages sent by other tools; ignore it.
func (r *Runtime) Status(ctx context.Context, channel, platformMessageID string, status store.DeliveryStatus, detail string) error {
	if !status.Valid() {
		return fmt.Errorf("relay: status %q of %s message %q: %w", status, channel, platformMessageID, store.ErrInvalid)
	}
	d, err := r.opts.Store.DeliveryByPlatformID(ctx, channel, platformMessageID)
	if err != nil {
		return fmt.Errorf("relay: status of %s message %q: %w", channel, platformMessageID, err)
	}
	if status.Rank() <= d.Status.Rank() {
		return nil
	}
	d.Status, d.Detail = status, detail
	if _, err := r.opts.Store.RecordDelivery(ctx, d); err != nil {
		return fmt.Errorf("relay: status of %s message %q: %w", channel, platformMessageID, err)
	}
	if status == store.DeliveryFailed {
		r.log.Warn("the platform reports a reply not delivered", "channel", channel, "message_id", d.MessageID,
			"part", d.Part, "detail", detail)
		r.observe(DeliveryEvent{Channel: channel, Status: store.DeliveryFailed, Attempts: d.Attempts, Reason: "platform",
			Err: errors.New(detail)})
	}
	return nil
}

func (r *Runtime) observe(e DeliveryEvent) {
	if r.opts.OnDeliveryFunc != nil {
		r.opts.OnDeliveryFunc(e)
	}
}
