package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/faroai/faro/store"
)

// Outbox is what a [Deliverer] needs from the store: claim due events
// under a lease, and record how each attempt went. store.Store satisfies
// it.
type Outbox interface {
	ClaimEvents(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]store.Event, error)
	MarkDelivered(ctx context.Context, id string) error
	MarkFailed(ctx context.Context, id string, nextAttemptAt time.Time, lastErr string) error
}

// Endpoint is one URL events are sent to.
type Endpoint struct {
	URL string
	// Secret signs the deliveries to this URL (see [Sign]); required.
	Secret string
	// Types are the event types sent here ("lead.qualified"); empty means
	// every type.
	Types []string
}

func (e Endpoint) wants(eventType string) bool {
	return len(e.Types) == 0 || slices.Contains(e.Types, eventType)
}

// Options configure a [Deliverer]. Zero values take the defaults given.
type Options struct {
	Endpoints []Endpoint
	// Client sends the requests; default a client with a 10s timeout.
	Client *http.Client
	// PollInterval is how often Run looks for due events; default 2s.
	PollInterval time.Duration
	// Lease is how long a claimed event is this deliverer's before another
	// may take it; default 1 minute. Make it longer than a batch takes.
	Lease time.Duration
	// Batch is how many events one step claims; default 20.
	Batch int
	// MinBackoff and MaxBackoff bound the wait before a failed event is
	// tried again: MinBackoff after the first failure, doubling each
	// time, at most MaxBackoff, with jitter; defaults 10s and 1h.
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Jitter spreads a backoff d so that receivers that come back are not
	// hit by every retry at once; default a random duration in [d/2, d].
	Jitter func(d time.Duration) time.Duration
	// Logger gets one line per failed attempt; default slog.Default().
	Logger *slog.Logger
}

// Deliverer sends the outbox's events to the endpoints. Make one with
// [New]; it is safe for concurrent use, and several (in several servers)
// may share one outbox.
type Deliverer struct {
	out  Outbox
	opts Options
}

// New returns a Deliverer over out. Every endpoint needs a URL and a
// secret.
func New(out Outbox, opts Options) (*Deliverer, error) {
	if out == nil {
		return nil, errors.New("webhook: nil outbox")
	}
	for i, e := range opts.Endpoints {
		if e.URL == "" || e.Secret == "" {
			return nil, fmt.Errorf("webhook: endpoint %d (%q): a URL and a secret are required", i, e.URL)
		}
	}
	opts.Endpoints = slices.Clone(opts.Endpoints)
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = 2 * time.Second
	}
	if opts.Lease <= 0 {
		opts.Lease = time.Minute
	}
	if opts.Batch <= 0 {
		opts.Batch = 20
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = 10 * time.Second
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = max(time.Hour, opts.MinBackoff)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Jitter == nil {
		opts.Jitter = func(d time.Duration) time.Duration {
			if d <= 1 {
				return d
			}
			return d/2 + rand.N(d/2+1)
		}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Deliverer{out: out, opts: opts}, nil
}

// Run delivers due events every PollInterval until ctx ends, and returns
// nil then. A failing store is logged and tried again at the next tick.
func (d *Deliverer) Run(ctx context.Context) error {
	t := time.NewTicker(d.opts.PollInterval)
	defer t.Stop()
	for {
		// Drain: a full batch means more may be due at once.
		for {
			n, _, err := d.DeliverDue(ctx)
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				d.opts.Logger.Warn("webhook: deliver due events", "err", err)
				break
			}
			if n < d.opts.Batch {
				break
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// DeliverDue claims the due events (one batch) and sends each to its
// endpoints, marking it delivered when all answered 2xx and failed, due
// again after a backoff, otherwise. It returns how many events it claimed
// and how many of those failed; its error is the store's.
func (d *Deliverer) DeliverDue(ctx context.Context) (claimed, failed int, err error) {
	events, err := d.out.ClaimEvents(ctx, d.opts.Now(), d.opts.Batch, d.opts.Lease)
	if err != nil {
		return 0, 0, fmt.Errorf("webhook: claim events: %w", err)
	}
	for _, ev := range events {
		if derr := d.deliver(ctx, ev); derr != nil {
			failed++
			next := d.opts.Now().Add(d.backoff(ev.Attempts))
			d.opts.Logger.Warn("webhook: delivery failed", "event", ev.ID, "type", ev.Type, "attempt", ev.Attempts,
				"next_attempt_at", next, "err", derr)
			// Recorded even when ctx ended: a shutdown should not leave the
			// event waiting for its lease to run out.
			mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			err = errors.Join(err, d.out.MarkFailed(mctx, ev.ID, next, derr.Error()))
			cancel()
			continue
		}
		mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		if merr := d.out.MarkDelivered(mctx, ev.ID); merr != nil {
			// Delivered but not recorded: it goes out again after the
			// lease, and the receiver drops it by its id.
			err = errors.Join(err, fmt.Errorf("webhook: mark %s delivered: %w", ev.ID, merr))
		}
		cancel()
	}
	return len(events), failed, err
}

// backoff is the wait after the attempt-th failed attempt.
func (d *Deliverer) backoff(attempt int) time.Duration {
	b := d.opts.MinBackoff
	for i := 1; i < attempt && b < d.opts.MaxBackoff; i++ {
		b *= 2
	}
	return d.opts.Jitter(min(b, d.opts.MaxBackoff))
}

// deliver sends ev to every endpoint that wants it. All are tried even
// when one fails, so one receiver down does not hold the others back for
// long; the retry sends to all again (they de-duplicate).
func (d *Deliverer) deliver(ctx context.Context, ev store.Event) error {
	body, err := eventBody(ev)
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range d.opts.Endpoints {
		if !e.wants(ev.Type) {
			continue
		}
		if err := d.post(ctx, e, ev, body); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", e.URL, err))
		}
	}
	return errors.Join(errs...)
}

func (d *Deliverer) post(ctx context.Context, e Endpoint, ev store.Event, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	ts := d.opts.Now()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Faro-Webhook/1")
	req.Header.Set(HeaderEventID, ev.ID)
	req.Header.Set(HeaderEventType, ev.Type)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	req.Header.Set(HeaderSignature, Sign(e.Secret, ts, body))
	resp, err := d.opts.Client.Do(req)
	if err != nil {
		return fmt.Errorf("post: %w", err)
	}
	defer resp.Body.Close()
	// Drained (a little) so the connection is reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("answered %s", resp.Status)
	}
	return nil
}

// eventBody is the JSON a delivery of ev carries ([Body]).
func eventBody(ev store.Event) ([]byte, error) {
	data := ev.Payload
	if len(data) == 0 {
		data = json.RawMessage("null")
	}
	body, err := json.Marshal(Body{ID: ev.ID, Type: ev.Type, CreatedAt: ev.CreatedAt.UTC(), Attempt: ev.Attempts, Data: data})
	if err != nil {
		return nil, fmt.Errorf("encode event %s: %w", ev.ID, err)
	}
	return body, nil
}
