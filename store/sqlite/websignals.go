package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/faroai/faro/store"
)

// Interface guard.
var _ store.WebSignalStore = (*DB)(nil)

// checkWebSignals is ErrInvalid for what no store keeps.
func checkWebSignals(s store.WebSignals) error {
	if strings.TrimSpace(s.VisitorID) == "" {
		return fmt.Errorf("visitor id is empty: %w", store.ErrInvalid)
	}
	if strings.ContainsRune(s.VisitorID+s.ConversationID, 0) {
		return fmt.Errorf("text holds a NUL character: %w", store.ErrInvalid)
	}
	return s.Signals.Check()
}

// PutWebSignals stores s as the visitor's latest.
func (db *DB) PutWebSignals(ctx context.Context, s store.WebSignals) error {
	op := fmt.Sprintf("put web signals of %q", s.VisitorID)
	if err := checkWebSignals(s); err != nil {
		return wrap(op, err)
	}
	err := db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO web_signals
			(visitor_id, conversation_id, pages_viewed, time_on_site_seconds, pricing_visits, demo_requested, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (visitor_id) DO UPDATE SET conversation_id = excluded.conversation_id,
				pages_viewed = excluded.pages_viewed, time_on_site_seconds = excluded.time_on_site_seconds,
				pricing_visits = excluded.pricing_visits, demo_requested = excluded.demo_requested,
				updated_at = excluded.updated_at`,
			s.VisitorID, s.ConversationID, s.PagesViewed, s.TimeOnSiteSeconds, s.PricingVisits, s.DemoRequested, toNanos(now()))
		return err
	})
	return wrap(op, err)
}

// WebSignals returns the visitor's latest; ErrNotFound when none.
func (db *DB) WebSignals(ctx context.Context, visitorID string) (store.WebSignals, error) {
	op := fmt.Sprintf("web signals of %q", visitorID)
	if strings.ContainsRune(visitorID, 0) {
		return store.WebSignals{}, wrap(op, fmt.Errorf("text holds a NUL character: %w", store.ErrInvalid))
	}
	var out store.WebSignals
	err := db.read(ctx, func(tx *sql.Tx) error {
		var at int64
		err := tx.QueryRowContext(ctx, `SELECT visitor_id, conversation_id, pages_viewed, time_on_site_seconds,
			pricing_visits, demo_requested, updated_at FROM web_signals WHERE visitor_id = ?`, visitorID).
			Scan(&out.VisitorID, &out.ConversationID, &out.PagesViewed, &out.TimeOnSiteSeconds, &out.PricingVisits, &out.DemoRequested, &at)
		out.UpdatedAt = fromNanos(at)
		return err
	})
	if err != nil {
		return store.WebSignals{}, wrap(op, err)
	}
	return out, nil
}

// ForgetWebSignals deletes the visitor's signals.
func (db *DB) ForgetWebSignals(ctx context.Context, visitorID string) error {
	op := fmt.Sprintf("forget web signals of %q", visitorID)
	if strings.ContainsRune(visitorID, 0) {
		return wrap(op, fmt.Errorf("text holds a NUL character: %w", store.ErrInvalid))
	}
	err := db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM web_signals WHERE visitor_id = ?`, visitorID)
		return err
	})
	return wrap(op, err)
}
