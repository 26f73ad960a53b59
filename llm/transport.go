package llm

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// The langchaingo clients turn an HTTP failure into a string ("API returned
// unexpected status code: 429: …"), hide network errors behind generic text,
// and never expose Retry-After. So the HTTP client given to them carries a
// transport that writes what really happened into an observation that the
// resilient model put in the request's context.

// observed is what the transport saw during one attempt.
type observed struct {
	status       int           // of the last response; 0 when none arrived
	retryAfter   time.Duration // parsed Retry-After of the last response
	hasRetry     bool          // the last response had a usable Retry-After
	transportErr error         // the request never got a response
	bodyErr      error         // reading the response body failed (not EOF)
}

// observation collects what the transport sees. The transport writes it
// from the client's goroutines (the streaming readers), so it is guarded.
type observation struct {
	mu   sync.Mutex
	seen observed
}

type observationKey struct{}

func withObservation(ctx context.Context, o *observation) context.Context {
	return context.WithValue(ctx, observationKey{}, o)
}

func (o *observation) snapshot() observed {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.seen
}

// observingClient copies c with its transport wrapped by observer.
func observingClient(c *http.Client) *http.Client {
	var cp http.Client
	if c != nil {
		cp = *c
	}
	next := cp.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	cp.Transport = observer{next: next}
	return &cp
}

type observer struct{ next http.RoundTripper }

func (t observer) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	o, _ := req.Context().Value(observationKey{}).(*observation)
	if o == nil {
		return resp, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if err != nil {
		o.seen.transportErr = err
		return resp, err
	}
	o.seen.status = resp.StatusCode
	o.seen.transportErr = nil
	o.seen.retryAfter, o.seen.hasRetry = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	resp.Body = &observedBody{ReadCloser: resp.Body, o: o}
	return resp, nil
}

// observedBody records a failure to read the body, which tells a connection
// dropped mid-answer (worth retrying) from a body that arrived whole but
// could not be parsed (not worth it).
type observedBody struct {
	io.ReadCloser
	o *observation
}

func (b *observedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		b.o.mu.Lock()
		if b.o.seen.bodyErr == nil {
			b.o.seen.bodyErr = err
		}
		b.o.mu.Unlock()
	}
	return n, err
}

// parseRetryAfter reads a Retry-After value: seconds, or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0, false
		}
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}
