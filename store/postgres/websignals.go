package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/faroai/faro/store"
)

// Interface guard.
var _ store.WebSignalStore = (*DB)(nil)

// PutWebSignals stores s as the visitor's latest.
func (db *DB) PutWebSignals(ctx context.Context, s store.WebSignals) error {
	op := fmt.Sprintf("put web signals of %q", s.VisitorID)
	switch {
	case strings.TrimSpace(s.VisitorID) == "":
		return fmt.Errorf("postgres: %s: visitor id is empty: %w", op, store.ErrInvalid)
	case strings.ContainsRune(s.VisitorID+s.ConversationID, 0):
		return fmt.Errorf("postgres: %s: text holds a NUL character: %w", op, store.ErrInvalid)
	}
	if err := s.Signals.Check(); err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO web_signals
		(visitor_id, conversation_id, pages_viewed, time_on_site_seconds, pricing_visits, demo_requested, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (visitor_id) DO UPDATE SET conversation_id = EXCLUDED.conversation_id,
			pages_viewed = EXCLUDED.pages_viewed, time_on_site_seconds = EXCLUDED.time_on_site_seconds,
			pricing_visits = EXCLUDED.pricing_visits, demo_requested = EXCLUDED.demo_requested,
			updated_at = EXCLUDED.updated_at`,
		s.VisitorID, s.ConversationID, s.PagesViewed, s.TimeOnSiteSeconds, s.PricingVisits, s.DemoRequested, time.Now().UTC())
	if err != nil {
		return dbErr(op, err)
	}
	return nil
}

// WebSignals returns the visitor's latest; ErrNotFound when none.
func (db *DB) WebSignals(ctx context.Context, visitorID string) (store.WebSignals, error) {
	op := fmt.Sprintf("web signals of %q", visitorID)
	if strings.ContainsRune(visitorID, 0) {
		return store.WebSignals{}, fmt.Errorf("postgres: %s: text holds a NUL character: %w", op, store.ErrInvalid)
	}
	var out store.WebSignals
	err := db.pool.QueryRow(ctx, `SELECT visitor_id, conversation_id, pages_viewed, time_on_site_seconds,
		pricing_visits, demo_requested, updated_at FROM web_signals WHERE visitor_id = $1`, visitorID).
		Scan(&out.VisitorID, &out.ConversationID, &out.PagesViewed, &out.TimeOnSiteSeconds, &out.PricingVisits, &out.DemoRequested, &out.UpdatedAt)
	if err != nil {
		return store.WebSignals{}, dbErr(op, err)
	}
	out.UpdatedAt = out.UpdatedAt.UTC()
	return out, nil
}

// ForgetWebSignals deletes the visitor's signals.
func (db *DB) ForgetWebSignals(ctx context.Context, visitorID string) error {
	op := fmt.Sprintf("forget web signals of %q", visitorID)
	if strings.ContainsRune(visitorID, 0) {
		return fmt.Errorf("postgres: %s: text holds a NUL character: %w", op, store.ErrInvalid)
	}
	if _, err := db.pool.Exec(ctx, `DELETE FROM web_signals WHERE visitor_id = $1`, visitorID); err != nil {
		return dbErr(op, err)
	}
	return nil
}
