package relay

import (
	"errors"
	"fmt"
	"time"
)

// retryAfterError is an error the platform said when to retry.
type retryAfterError struct {
	after time.Duration
	err   error
}

func (e *retryAfterError) Error() string {
	return fmt.Sprintf("retry after %s: %v", e.after, e.err)
}

func (e *retryAfterError) Unwrap() error { return e.err }

// permanentError is an error repeating the call cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return "permanent: " + e.err.Error() }

func (e *permanentError) Unwrap() error { return e.err }

// RetryAfter marks err as one the platform said when to retry: Telegram's
// 429 parameters.retry_after, Slack's Retry-After, WhatsApp's throttling
// codes 130429 and 131056 (with the adapter's own backoff as d). The job
// waits d and tries again; the wait does not count as a failed attempt.
// A d below zero is zero.
func RetryAfter(d time.Duration, err error) error {
	if err == nil {
		err = errors.New("rate limited")
	}
	return &retryAfterError{after: max(d, 0), err: err}
}

// Permanent marks err as one that never succeeds when repeated: 400 bad
// request, 403 blocked by the user, outside WhatsApp's window with no
// template. The failure is recorded on the stored message and counted, and
// the part is not retried.
func Permanent(err error) error {
	if err == nil {
		err = errors.New("permanent failure")
	}
	return &permanentError{err: err}
}

// retryAfterOf reports the delay of a RetryAfter error in err's chain.
func retryAfterOf(err error) (time.Duration, bool) {
	var r *retryAfterError
	if errors.As(err, &r) {
		return r.after, true
	}
	return 0, false
}

// isPermanent reports whether err's chain holds a Permanent error.
func isPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}
