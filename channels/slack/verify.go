package slack

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/slack-go/slack"
)

// MaxBody is the largest request body Slack is read for. An Events API
// payload is a few KiB; a message's text is at most 40,000 characters,
// which with its blocks and JSON escaping fits well within 1 MiB.
const MaxBody = 1 << 20

// errUnverified is a request whose signature, timestamp or headers do not
// prove it came from Slack.
var errUnverified = errors.New("slack: request not signed with the signing secret")

// errTooLarge is a body above MaxBody.
var errTooLarge = errors.New("slack: request body too large")

// readVerified reads r's body, at most max bytes, and checks Slack's v0
// signature over it: X-Slack-Signature is v0=hex(HMAC-SHA256(secret,
// "v0:"+X-Slack-Request-Timestamp+":"+body)), and the timestamp is within
// five minutes of now (slack.NewSecretsVerifier; hmac.Equal, so in
// constant time). The body is returned only when the signature holds; a
// failure wraps errUnverified or is errTooLarge.
func readVerified(r *http.Request, secret string, max int64) ([]byte, error) {
	// Headers first: a request without them costs no read of the body.
	sv, err := slack.NewSecretsVerifier(r.Header, secret)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errUnverified, err)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, max+1))
	if err != nil {
		return nil, fmt.Errorf("slack: read body: %w", err)
	}
	if int64(len(body)) > max {
		return nil, errTooLarge
	}
	if _, err := sv.Write(body); err != nil {
		return nil, fmt.Errorf("slack: hash body: %w", err)
	}
	if err := sv.Ensure(); err != nil {
		return nil, fmt.Errorf("%w: %w", errUnverified, err)
	}
	return body, nil
}
