// Package webhook delivers Faro's outbound events — a lead that became
// sales qualified, a conversation handed to a person, a seat offered to
// the first of a course's waiting list — to the URLs the business
// configured (a CRM, a staff chat bridge, a mailer), from the store's
// outbox.
//
// Delivery is at least once: an event stays in the outbox until every
// configured URL answered 2xx, and a failed or interrupted attempt is
// retried later with exponential backoff and jitter. A receiver therefore
// de-duplicates by the X-Faro-Event-Id header, which is the same on every
// attempt. Any number of servers may run a [Deliverer] over one database:
// the outbox leases each event to one of them at a time.
//
// Each request is a POST with the event as JSON ([Body]) and these
// headers:
//
//	Content-Type:       application/json
//	X-Faro-Event-Id:    lead.qualified:7f3c…   (the de-duplication key)
//	X-Faro-Event-Type:  lead.qualified
//	X-Faro-Timestamp:   1767225600             (Unix seconds of this attempt)
//	X-Faro-Signature:   sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the URL's secret>
//
// Receivers check the signature and the timestamp with [Verify]: the
// timestamp inside the signed text stops a captured request from being
// replayed later.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The headers of a delivery.
const (
	HeaderEventID   = "X-Faro-Event-Id"
	HeaderEventType = "X-Faro-Event-Type"
	HeaderTimestamp = "X-Faro-Timestamp"
	HeaderSignature = "X-Faro-Signature"
)

// DefaultTolerance is how old a delivery's timestamp may be for [Verify]
// (and how far in the future, for clock skew).
const DefaultTolerance = 5 * time.Minute

// Body is the JSON a delivery carries.
type Body struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	CreatedAt time.Time       `json:"created_at"`
	Attempt   int             `json:"attempt"`
	Data      json.RawMessage `json:"data"`
}

// Sign returns the X-Faro-Signature value of body sent at ts with secret.
func Sign(secret string, ts time.Time, body []byte) string {
	return "sha256=" + hex.EncodeToString(mac(secret, strconv.FormatInt(ts.Unix(), 10), body))
}

func mac(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Errors of [Verify].
var (
	ErrNoSignature  = errors.New("webhook: missing signature or timestamp")
	ErrBadSignature = errors.New("webhook: signature does not match")
	ErrStale        = errors.New("webhook: timestamp outside the tolerance")
)

// Verify checks a delivery as a receiver gets it: the signature in h
// matches body signed with secret at the timestamp in h, and that
// timestamp is within tolerance of now (0 means [DefaultTolerance]). The
// comparison is constant-time. It returns nil, [ErrNoSignature],
// [ErrBadSignature] or [ErrStale] (wrapped).
func Verify(secret string, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	tsText, sig := h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if tsText == "" || sig == "" {
		return ErrNoSignature
	}
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return fmt.Errorf("timestamp %q: %w", tsText, ErrBadSignature)
	}
	hexSig, ok := strings.CutPrefix(sig, "sha256=")
	if !ok {
		return fmt.Errorf("signature scheme: %w", ErrBadSignature)
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil || !hmac.Equal(got, mac(secret, tsText, body)) {
		return ErrBadSignature
	}
	// Checked after the signature, so a forged timestamp is a bad
	// signature, not a stale one.
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("sent %s ago: %w", d.Round(time.Second), ErrStale)
	}
	return nil
}
