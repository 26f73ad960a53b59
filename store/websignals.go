package store

import (
	"context"
	"time"
)

// WebSignals are the engagement signals a consenting widget visitor's page
// reported last: running totals, as [Signals] are.
type WebSignals struct {
	// VisitorID is the visitor's id, or a signed-in user's email: the
	// ExternalID of the web identity their messages come from.
	VisitorID      string
	ConversationID string // "" before the visitor wrote
	Signals
	UpdatedAt time.Time // set by the store
}

// WebSignalStore keeps widget visitors' signals in the database, so that
// every server, and a restarted one, scores a lead with what the page
// reported, whichever server held its socket.
type WebSignalStore interface {
	// PutWebSignals stores s as the visitor's latest, replacing what was
	// there. ErrInvalid without a VisitorID or with a negative count.
	PutWebSignals(ctx context.Context, s WebSignals) error
	// WebSignals returns the visitor's latest; ErrNotFound when none.
	WebSignals(ctx context.Context, visitorID string) (WebSignals, error)
	// ForgetWebSignals deletes the visitor's signals (consent withdrawn);
	// nil when there were none.
	ForgetWebSignals(ctx context.Context, visitorID string) error
}
