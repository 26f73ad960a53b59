package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/faroai/faro/store"
)

const subscriptionColumns = `external_id, contact_id, email, plan, monthly_amount_cents, currency, started_at,
	cancelled_at, created_at, updated_at`

func scanSubscription(row pgx.Row) (store.Subscription, error) {
	var (
		s         store.Subscription
		cancelled *time.Time
	)
	if err := row.Scan(&s.ExternalID, &s.ContactID, &s.Email, &s.Plan, &s.MonthlyAmountCents, &s.Currency,
		&s.StartedAt, &cancelled, &s.CreatedAt, &s.UpdatedAt); err != nil {
		return store.Subscription{}, err
	}
	s.StartedAt, s.CreatedAt, s.UpdatedAt = s.StartedAt.UTC(), s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	if cancelled != nil {
		s.CancelledAt = cancelled.UTC()
	}
	return s, nil
}

// PutSubscription creates or replaces the subscription of s.ExternalID
// in one statement; see [store.Subscriptions]. created comes from
// whether the row existed before (xmax is 0 for a freshly inserted row).
func (db *DB) PutSubscription(ctx context.Context, s store.Subscription) (store.Subscription, bool, error) {
	op := fmt.Sprintf("put subscription %q", s.ExternalID)
	s, key, err := store.NormalizeSubscription(s)
	if err != nil {
		return store.Subscription{}, false, fmt.Errorf("postgres: %s: %w", op, err)
	}
	var cancelled *time.Time
	if !s.CancelledAt.IsZero() {
		cancelled = &s.CancelledAt
	}
	var (
		out     store.Subscription
		created bool
	)
	row := db.pool.QueryRow(ctx, `INSERT INTO subscriptions (external_id, contact_id, email, customer_key, plan,
			monthly_amount_cents, currency, started_at, cancelled_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
		ON CONFLICT (external_id) DO UPDATE SET contact_id = EXCLUDED.contact_id, email = EXCLUDED.email,
			customer_key = EXCLUDED.customer_key, plan = EXCLUDED.plan,
			monthly_amount_cents = EXCLUDED.monthly_amount_cents, currency = EXCLUDED.currency,
			started_at = EXCLUDED.started_at, cancelled_at = EXCLUDED.cancelled_at, updated_at = EXCLUDED.updated_at
		RETURNING `+subscriptionColumns+`, (xmax = 0)`,
		s.ExternalID, s.ContactID, s.Email, key, s.Plan, s.MonthlyAmountCents, s.Currency, s.StartedAt, cancelled, now())
	var cancelledOut *time.Time
	if err := row.Scan(&out.ExternalID, &out.ContactID, &out.Email, &out.Plan, &out.MonthlyAmountCents, &out.Currency,
		&out.StartedAt, &cancelledOut, &out.CreatedAt, &out.UpdatedAt, &created); err != nil {
		return store.Subscription{}, false, dbErr(op, err)
	}
	out.StartedAt, out.CreatedAt, out.UpdatedAt = out.StartedAt.UTC(), out.CreatedAt.UTC(), out.UpdatedAt.UTC()
	if cancelledOut != nil {
		out.CancelledAt = cancelledOut.UTC()
	}
	return out, created, nil
}

// Subscription returns ErrNotFound if there is none with that external id.
func (db *DB) Subscription(ctx context.Context, externalID string) (store.Subscription, error) {
	s, err := scanSubscription(db.pool.QueryRow(ctx, `SELECT `+subscriptionColumns+` FROM subscriptions WHERE external_id = $1`, externalID))
	if err != nil {
		return store.Subscription{}, dbErr(fmt.Sprintf("subscription %q", externalID), err)
	}
	return s, nil
}

// ListSubscriptions returns subscriptions newest started first, paginated.
func (db *DB) ListSubscriptions(ctx context.Context, offset, limit int) ([]store.Subscription, error) {
	const op = "list subscriptions"
	if err := checkPage(op, offset, limit); err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, `SELECT `+subscriptionColumns+` FROM subscriptions
		ORDER BY started_at DESC, external_id LIMIT $1 OFFSET $2`, limitArg(limit), offset)
	if err != nil {
		return nil, dbErr(op, err)
	}
	out, err := collect(rows, func(r pgx.Rows) (store.Subscription, error) { return scanSubscription(r) })
	if err != nil {
		return nil, dbErr(op, err)
	}
	return out, nil
}
