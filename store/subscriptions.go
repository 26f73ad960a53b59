package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// ---------------------------------------------------------------- subscriptions

// Subscription is one customer's subscription to the marketing SaaS
// (Brújula Pulse), as billing reports it. Billing owns it: Faro stores
// what it is told, keyed by billing's id, and reads it for the KPIs.
type Subscription struct {
	// ExternalID is billing's id of the subscription: unique, the key of
	// idempotent upserts.
	ExternalID string `json:"external_id"`
	// ContactID is the chat contact, when billing knows it.
	ContactID string `json:"contact_id,omitempty"`
	// Email is the customer's (compared by [FoldEmail]); the customer is
	// known by it, as in enrolments, else by ContactID.
	Email string `json:"email,omitempty"`
	Plan  string `json:"plan"`
	// MonthlyAmountCents is what the subscription bills a month, in cents
	// of Currency (annual plans report a twelfth of their price).
	MonthlyAmountCents int64     `json:"monthly_amount_cents"`
	Currency           string    `json:"currency"` // ISO 4217; empty is USD
	StartedAt          time.Time `json:"started_at"`
	// CancelledAt is when it ended; zero while it runs.
	CancelledAt time.Time `json:"cancelled_at,omitzero"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// ActiveAt reports whether s bills at instant t: started before t and not
// cancelled by then. "Active at the end of [from, to)" is ActiveAt(to).
func (s Subscription) ActiveAt(t time.Time) bool {
	return s.StartedAt.Before(t) && (s.CancelledAt.IsZero() || !s.CancelledAt.Before(t))
}

// Subscriptions stores the subscriptions billing feeds.
type Subscriptions interface {
	// PutSubscription creates (created=true) or replaces (created=false;
	// CreatedAt kept) the subscription with s.ExternalID and returns it as
	// stored; putting the same subscription again changes nothing but
	// UpdatedAt. Times are kept in UTC at the microsecond. ErrInvalid
	// (see [NormalizeSubscription]) for: an empty external id or one with
	// spaces, neither an email nor a contact id, an empty plan, a negative
	// amount, a currency that is not three letters, a zero StartedAt, or a
	// CancelledAt before StartedAt.
	PutSubscription(ctx context.Context, s Subscription) (stored Subscription, created bool, err error)
	// Subscription returns ErrNotFound if there is none with that
	// external id.
	Subscription(ctx context.Context, externalID string) (Subscription, error)
	// ListSubscriptions returns subscriptions newest started first (then
	// by external id), offset/limit paginated (limit 0: no cap; negative
	// values are ErrInvalid).
	ListSubscriptions(ctx context.Context, offset, limit int) ([]Subscription, error)
}

// NormalizeSubscription checks s as [Subscriptions.PutSubscription]
// documents and returns it as it is to be stored, with the customer key
// the KPIs count customers by: the folded email when there is one, else
// "contact:" and the contact id (enrolments are keyed by folded email
// alike, so one person enrolled and subscribed is one customer).
func NormalizeSubscription(s Subscription) (Subscription, string, error) {
	s.ExternalID = strings.TrimSpace(s.ExternalID)
	s.ContactID = strings.TrimSpace(s.ContactID)
	s.Email = strings.TrimSpace(s.Email)
	s.Plan = strings.TrimSpace(s.Plan)
	s.Currency = strings.ToUpper(strings.TrimSpace(s.Currency))
	if s.Currency == "" {
		s.Currency = "USD"
	}
	s.StartedAt = s.StartedAt.UTC().Truncate(time.Microsecond)
	if !s.CancelledAt.IsZero() {
		s.CancelledAt = s.CancelledAt.UTC().Truncate(time.Microsecond)
	}
	op := fmt.Sprintf("subscription %q", s.ExternalID)
	switch {
	case s.ExternalID == "" || strings.ContainsAny(s.ExternalID, " \t\r\n"):
		return Subscription{}, "", fmt.Errorf("%s: external id must be one word: %w", op, ErrInvalid)
	case s.Email == "" && s.ContactID == "":
		return Subscription{}, "", fmt.Errorf("%s: an email or a contact id is needed: %w", op, ErrInvalid)
	case s.Email != "" && !ValidEmail(s.Email):
		return Subscription{}, "", fmt.Errorf("%s: email %q is not an email address: %w", op, s.Email, ErrInvalid)
	case s.Plan == "":
		return Subscription{}, "", fmt.Errorf("%s: plan is empty: %w", op, ErrInvalid)
	case s.MonthlyAmountCents < 0:
		return Subscription{}, "", fmt.Errorf("%s: negative monthly amount %d: %w", op, s.MonthlyAmountCents, ErrInvalid)
	case !isCurrency(s.Currency):
		return Subscription{}, "", fmt.Errorf("%s: currency %q is not an ISO 4217 code: %w", op, s.Currency, ErrInvalid)
	case s.StartedAt.IsZero() || s.StartedAt.Year() < 1970:
		return Subscription{}, "", fmt.Errorf("%s: started_at is missing: %w", op, ErrInvalid)
	case !s.CancelledAt.IsZero() && s.CancelledAt.Before(s.StartedAt):
		return Subscription{}, "", fmt.Errorf("%s: cancelled_at is before started_at: %w", op, ErrInvalid)
	}
	key := FoldEmail(s.Email)
	if key == "" {
		key = "contact:" + s.ContactID
	}
	s.CreatedAt, s.UpdatedAt = time.Time{}, time.Time{}
	return s, key, nil
}

func isCurrency(c string) bool {
	if len(c) != 3 {
		return false
	}
	for _, r := range c {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}
