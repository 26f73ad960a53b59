package webhook_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
	"github.com/faroai/faro/webhook"
)

// memOutbox is an outbox in memory with the store's claim semantics
// (due, not leased, attempts counted), so these tests need no database.
type memOutbox struct {
	mu     sync.Mutex
	events map[string]*memEvent
}

type memEvent struct {
	ev         store.Event
	leaseUntil time.Time
}

func newOutbox(events ...store.Event) *memOutbox {
	o := &memOutbox{events: map[string]*memEvent{}}
	for _, e := range events {
		o.events[e.ID] = &memEvent{ev: e}
	}
	return o
}

func (o *memOutbox) ClaimEvents(_ context.Context, now time.Time, limit int, lease time.Duration) ([]store.Event, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []store.Event
	for _, e := range o.events {
		if len(out) == limit {
			break
		}
		if !e.ev.DeliveredAt.IsZero() || e.ev.NextAttemptAt.After(now) || e.leaseUntil.After(now) {
			continue
		}
		e.leaseUntil = now.Add(lease)
		e.ev.Attempts++
		out = append(out, e.ev)
	}
	return out, nil
}

func (o *memOutbox) MarkDelivered(_ context.Context, id string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	e, ok := o.events[id]
	if !ok {
		return store.ErrNotFound
	}
	if e.ev.DeliveredAt.IsZero() {
		e.ev.DeliveredAt = time.Now()
	}
	return nil
}

func (o *memOutbox) MarkFailed(_ context.Context, id string, next time.Time, lastErr string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	e, ok := o.events[id]
	if !ok {
		return store.ErrNotFound
	}
	if !e.ev.DeliveredAt.IsZero() {
		return nil
	}
	e.ev.NextAttemptAt, e.ev.LastError, e.leaseUntil = next, lastErr, time.Time{}
	return nil
}

func (o *memOutbox) get(id string) store.Event {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.events[id].ev
}

// clock is a settable time.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// receiver records what it gets and answers with the next status.
type receiver struct {
	mu       sync.Mutex
	statuses []int
	got      []delivery
}

type delivery struct {
	header http.Header
	body   []byte
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.got = append(r.got, delivery{header: req.Header.Clone(), body: body})
	status := http.StatusOK
	if len(r.statuses) > 0 {
		status, r.statuses = r.statuses[0], r.statuses[1:]
	}
	r.mu.Unlock()
	w.WriteHeader(status)
}

func (r *receiver) deliveries() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.got...)
}

const secret = "s3cret-shared-with-the-crm"

func newDeliverer(t *testing.T, out webhook.Outbox, c *clock, urls ...string) *webhook.Deliverer {
	t.Helper()
	var eps []webhook.Endpoint
	for _, u := range urls {
		eps = append(eps, webhook.Endpoint{URL: u, Secret: secret})
	}
	d, err := webhook.New(out, webhook.Options{
		Endpoints: eps, Now: c.Now, MinBackoff: 10 * time.Second, MaxBackoff: time.Minute,
		Jitter: func(d time.Duration) time.Duration { return d }, // deterministic
		Client: &http.Client{Timeout: 2 * time.Second},
	})
	require.NoError(t, err)
	return d
}

func leadEvent() store.Event {
	return store.Event{ID: "lead.qualified:L1", Type: "lead.qualified", Payload: json.RawMessage(`{"lead_id":"L1","email":"ana@example.com"}`),
		CreatedAt: time.Date(2027, 1, 4, 10, 0, 0, 0, time.UTC)}
}

func TestDeliverSignedAndVerifiable(t *testing.T) {
	t.Parallel()
	rec := &receiver{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	c := &clock{now: time.Now()}
	out := newOutbox(leadEvent())
	d := newDeliverer(t, out, c, srv.URL)

	n, failed, err := d.DeliverDue(t.Context())
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Zero(t, failed)
	require.False(t, out.get("lead.qualified:L1").DeliveredAt.IsZero())

	got := rec.deliveries()
	require.Len(t, got, 1)
	h, body := got[0].header, got[0].body
	require.Equal(t, "lead.qualified:L1", h.Get(webhook.HeaderEventID))
	require.Equal(t, "lead.qualified", h.Get(webhook.HeaderEventType))
	require.Equal(t, "application/json", h.Get("Content-Type"))
	require.NoError(t, webhook.Verify(secret, h, body, c.Now(), 0), "the receiver can verify the signature")

	var b webhook.Body
	require.NoError(t, json.Unmarshal(body, &b))
	require.Equal(t, "lead.qualified:L1", b.ID)
	require.Equal(t, 1, b.Attempt)
	require.JSONEq(t, `{"lead_id":"L1","email":"ana@example.com"}`, string(b.Data))

	// Tampering, a wrong secret, a replay long after, a missing header:
	// all refused.
	tampered := append([]byte(nil), body...)
	tampered[len(tampered)-2] ^= 1
	require.ErrorIs(t, webhook.Verify(secret, h, tampered, c.Now(), 0), webhook.ErrBadSignature)
	require.ErrorIs(t, webhook.Verify("another", h, body, c.Now(), 0), webhook.ErrBadSignature)
	require.ErrorIs(t, webhook.Verify(secret, h, body, c.Now().Add(time.Hour), 0), webhook.ErrStale)
	forged := h.Clone()
	forged.Set(webhook.HeaderTimestamp, "1")
	require.ErrorIs(t, webhook.Verify(secret, forged, body, c.Now(), 0), webhook.ErrBadSignature, "the timestamp is signed")
	require.ErrorIs(t, webhook.Verify(secret, http.Header{}, body, c.Now(), 0), webhook.ErrNoSignature)

	// Delivered events are not sent again.
	n, _, err = d.DeliverDue(t.Context())
	require.NoError(t, err)
	require.Zero(t, n)
	require.Len(t, rec.deliveries(), 1)
}

func TestServerErrorThenSuccessDeliversOnceMore(t *testing.T) {
	t.Parallel()
	rec := &receiver{statuses: []int{http.StatusInternalServerError}}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	c := &clock{now: time.Now()}
	out := newOutbox(leadEvent())
	d := newDeliverer(t, out, c, srv.URL)

	n, failed, err := d.DeliverDue(t.Context())
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Equal(t, 1, failed)
	ev := out.get("lead.qualified:L1")
	require.True(t, ev.DeliveredAt.IsZero())
	require.Contains(t, ev.LastError, "500")
	require.Equal(t, c.Now().Add(10*time.Second), ev.NextAttemptAt, "first backoff is MinBackoff")

	// Not due before the backoff.
	n, _, err = d.DeliverDue(t.Context())
	require.NoError(t, err)
	require.Zero(t, n)

	c.add(11 * time.Second)
	n, failed, err = d.DeliverDue(t.Context())
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Zero(t, failed)
	require.False(t, out.get("lead.qualified:L1").DeliveredAt.IsZero())

	got := rec.deliveries()
	require.Len(t, got, 2, "sent twice at most: the failure and the success")
	require.Equal(t, got[0].header.Get(webhook.HeaderEventID), got[1].header.Get(webhook.HeaderEventID), "same id: the receiver de-duplicates")
	for _, g := range got {
		require.NoError(t, webhook.Verify(secret, g.header, g.body, c.Now(), 0))
	}
}

func TestReceiverDownRetriedWithBackoff(t *testing.T) {
	t.Parallel()
	rec := &receiver{}
	srv := httptest.NewServer(rec)
	url := srv.URL
	srv.Close() // down: connections refused
	c := &clock{now: time.Now()}
	out := newOutbox(leadEvent())
	d := newDeliverer(t, out, c, url)

	var waits []time.Duration
	for range 4 {
		before := c.Now()
		n, failed, err := d.DeliverDue(t.Context())
		require.NoError(t, err)
		require.Equal(t, 1, n)
		require.Equal(t, 1, failed)
		ev := out.get("lead.qualified:L1")
		waits = append(waits, ev.NextAttemptAt.Sub(before))
		c.now = ev.NextAttemptAt
	}
	require.Equal(t, []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, time.Minute}, waits,
		"exponential backoff, capped at MaxBackoff")
	require.Equal(t, 4, out.get("lead.qualified:L1").Attempts)

	// The receiver is back on another address: a new deliverer (as after
	// a configuration change) delivers the event still waiting.
	srv2 := httptest.NewServer(rec)
	defer srv2.Close()
	d2 := newDeliverer(t, out, c, srv2.URL)
	n, failed, err := d2.DeliverDue(t.Context())
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Zero(t, failed)
	require.Len(t, rec.deliveries(), 1)
}

func TestJitterSpreadsBackoff(t *testing.T) {
	t.Parallel()
	out := newOutbox(leadEvent())
	c := &clock{now: time.Now()}
	d, err := webhook.New(out, webhook.Options{
		Endpoints: []webhook.Endpoint{{URL: "http://127.0.0.1:1/", Secret: secret}}, Now: c.Now,
		MinBackoff: 10 * time.Second, Client: &http.Client{Timeout: time.Second},
	})
	require.NoError(t, err)
	_, failed, err := d.DeliverDue(t.Context())
	require.NoError(t, err)
	require.Equal(t, 1, failed)
	wait := out.get("lead.qualified:L1").NextAttemptAt.Sub(c.Now())
	require.GreaterOrEqual(t, wait, 5*time.Second)
	require.LessOrEqual(t, wait, 10*time.Second)
}

func TestRunDeliversUntilCanceled(t *testing.T) {
	t.Parallel()
	rec := &receiver{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	out := newOutbox(leadEvent())
	d, err := webhook.New(out, webhook.Options{
		Endpoints: []webhook.Endpoint{{URL: srv.URL, Secret: secret}}, PollInterval: 10 * time.Millisecond,
	})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	require.Eventually(t, func() bool { return len(rec.deliveries()) == 1 }, 5*time.Second, 10*time.Millisecond)
	cancel()
	require.NoError(t, <-done)
}

func TestNewRejectsEndpointWithoutSecret(t *testing.T) {
	t.Parallel()
	_, err := webhook.New(newOutbox(), webhook.Options{Endpoints: []webhook.Endpoint{{URL: "http://x"}}})
	require.Error(t, err)
	_, err = webhook.New(nil, webhook.Options{})
	require.Error(t, err)
}
