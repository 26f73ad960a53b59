package llm

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/tmc/langchaingo/llms"
)

// ErrEmptyResponse is the cause of an [*Error] when the provider answered
// with neither text nor tool calls: a chat turn cannot show that to anyone,
// and the clients return it for some broken answers (an OpenAI stream with
// no data, an Ollama error status with an empty body).
var ErrEmptyResponse = errors.New("the model answered with neither text nor tool calls")

// Error is how a call through [NewModel]'s model fails, after its retries.
// errors.Is(err, context.DeadlineExceeded) is true when the last attempt ran
// out of time.
type Error struct {
	// Provider is openai, ollama or anthropic.
	Provider string
	// Attempts is how many requests were made.
	Attempts int
	// Status is the HTTP status of the last answer; 0 when none arrived.
	Status int
	// Streamed is true when part of the answer had already reached the
	// caller's streaming function (which is why it was not retried).
	Streamed bool
	// Err is the last attempt's failure.
	Err error
}

func (e *Error) Error() string {
	s := fmt.Sprintf("llm: %s: ", e.Provider)
	if e.Attempts > 1 {
		s += fmt.Sprintf("%d attempts: ", e.Attempts)
	}
	if e.Status != 0 && e.Status != http.StatusOK {
		s += fmt.Sprintf("HTTP %d: ", e.Status)
	}
	if e.Streamed {
		s += "after streaming part of the answer: "
	}
	return s + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// resilient is the model NewModel returns: the provider's client with a
// deadline on every attempt and retries of transient failures.
type resilient struct {
	next     llms.Model
	provider string
	timeout  time.Duration
	retries  int
	base     time.Duration
	max      time.Duration
	rand     func() float64
	onRetry  func(RetryEvent)
}

func newResilient(next llms.Model, cfg Config) *resilient {
	r := &resilient{
		next:     next,
		provider: cfg.Provider,
		timeout:  cfg.Timeout,
		retries:  cfg.MaxRetries,
		base:     cfg.RetryBaseDelay,
		max:      cfg.RetryMaxDelay,
		rand:     cfg.RandFunc,
		onRetry:  cfg.RetryFunc,
	}
	if r.rand == nil {
		r.rand = rand.Float64 // safe for concurrent use, seeded by the runtime
	}
	return r
}

// Call implements the deprecated half of llms.Model through GenerateContent.
func (r *resilient) Call(ctx context.Context, prompt string, options ...llms.CallOption) (string, error) {
	return llms.GenerateFromSinglePrompt(ctx, r, prompt, options...)
}

// GenerateContent calls the provider, retrying as the package documentation
// describes. A failure is an [*Error]; when ctx ends, the error also wraps
// ctx's error.
func (r *resilient) GenerateContent(ctx context.Context, messages []llms.MessageContent, options ...llms.CallOption) (*llms.ContentResponse, error) {
	var tracker streamTracker
	options, streaming := tracker.wrap(options)
	for attempt := 1; ; attempt++ {
		resp, obs, err := r.attempt(ctx, messages, options, streaming)
		if err == nil {
			return resp, nil
		}
		streamed, callerErr := tracker.state()
		e := &Error{Provider: r.provider, Attempts: attempt, Status: obs.status, Streamed: streamed, Err: err}
		if ctx.Err() != nil {
			if !errors.Is(err, ctx.Err()) {
				e.Err = fmt.Errorf("%w (%v)", ctx.Err(), err)
			}
			return nil, e
		}
		if callerErr != nil || streamed || attempt > r.retries || !retryable(obs, err) {
			return nil, e
		}
		delay, ok := r.backoff(attempt, obs)
		if !ok {
			return nil, e
		}
		if dl, has := ctx.Deadline(); has && time.Until(dl) < delay {
			return nil, e // the caller's deadline would pass while waiting
		}
		if r.onRetry != nil {
			r.onRetry(RetryEvent{Provider: r.provider, Attempt: attempt, Status: obs.status, Delay: delay, Err: err})
		}
		if err := sleep(ctx, delay); err != nil {
			e.Err = fmt.Errorf("%w while waiting to retry (%v)", err, e.Err)
			return nil, e
		}
	}
}

// attempt makes one request under its own deadline and turns what the
// client reported as success, but is not, into an error.
func (r *resilient) attempt(ctx context.Context, messages []llms.MessageContent, options []llms.CallOption, streaming bool) (*llms.ContentResponse, observed, error) {
	actx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	o := &observation{}
	resp, err := r.next.GenerateContent(withObservation(actx, o), messages, options...)
	obs := o.snapshot()
	timedOut := ctx.Err() == nil && errors.Is(actx.Err(), context.DeadlineExceeded)
	switch {
	case err != nil && timedOut:
		// The clients replace the context's error with their own text.
		err = fmt.Errorf("%w: no answer within %s (%v)", context.DeadlineExceeded, r.timeout, err)
	case err != nil:
	case streaming && timedOut:
		// The OpenAI client can return a stream cut by the deadline as a
		// complete answer.
		err = fmt.Errorf("%w: the answer was still streaming after %s", context.DeadlineExceeded, r.timeout)
	case obs.status >= http.StatusBadRequest:
		// The Ollama client reads an error status with an empty body as an
		// empty answer.
		err = fmt.Errorf("HTTP %d with no error message", obs.status)
	case empty(resp):
		err = ErrEmptyResponse
	}
	return resp, obs, err
}

// retryable tells transient failures from those another attempt would
// repeat. It relies on what the transport saw, not on the clients' error text.
func retryable(obs observed, err error) bool {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return true
	case obs.transportErr != nil: // refused, reset, DNS: nothing came back
		return true
	case obs.status == http.StatusTooManyRequests, obs.status == http.StatusRequestTimeout,
		obs.status >= http.StatusInternalServerError:
		return true
	case obs.status >= http.StatusBadRequest:
		return false // the request itself is wrong: bad key, bad model, too long
	case obs.bodyErr != nil: // the connection broke while the answer arrived
		return true
	default:
		return false // a body that arrived but could not be understood
	}
}

// backoff is the wait before the retry after attempt: full jitter over an
// exponential cap, but not less than the provider's Retry-After. ok is false
// when Retry-After asks for more than the longest wait allowed.
func (r *resilient) backoff(attempt int, obs observed) (d time.Duration, ok bool) {
	if obs.hasRetry && obs.retryAfter > r.max {
		return 0, false
	}
	ceiling := r.base
	for i := 1; i < attempt && ceiling < r.max; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, r.max)
	d = time.Duration(r.rand() * float64(ceiling))
	if obs.hasRetry {
		d = max(d, obs.retryAfter)
	}
	return d, true
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// empty reports an answer with no text and no tool calls in any choice.
func empty(resp *llms.ContentResponse) bool {
	if resp == nil {
		return true
	}
	for _, c := range resp.Choices {
		if c != nil && (c.Content != "" || len(c.ToolCalls) > 0 || c.FuncCall != nil) {
			return false
		}
	}
	return true
}
