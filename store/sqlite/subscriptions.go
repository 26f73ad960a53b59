package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/faroai/faro/store"
)

const subscriptionColumns = `external_id, contact_id, email, plan, monthly_amount_cents, currency, started_at,
	cancelled_at, created_at, updated_at`

// PutSubscription creates or replaces the subscription of s.ExternalID;
// see [store.Subscriptions].
func (db *DB) PutSubscription(ctx context.Context, s store.Subscription) (store.Subscription, bool, error) {
	op := fmt.Sprintf("put subscription %q", s.ExternalID)
	s, key, err := store.NormalizeSubscription(s)
	if err != nil {
		return store.Subscription{}, false, wrap(op, err)
	}
	var (
		out     store.Subscription
		created bool
	)
	err = db.write(ctx, func(tx *sql.Tx) error {
		t := now()
		var cancelled any
		if !s.CancelledAt.IsZero() {
			cancelled = toNanos(s.CancelledAt)
		}
		_, err := getSubscription(ctx, tx, s.ExternalID)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			created = true
			_, err = tx.ExecContext(ctx, `INSERT INTO subscriptions (`+subscriptionColumns+`, customer_key)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				s.ExternalID, s.ContactID, s.Email, s.Plan, s.MonthlyAmountCents, s.Currency, toNanos(s.StartedAt),
				cancelled, toNanos(t), toNanos(t), key)
		case err != nil:
			return err
		default:
			_, err = tx.ExecContext(ctx, `UPDATE subscriptions SET contact_id = ?, email = ?, customer_key = ?, plan = ?,
				monthly_amount_cents = ?, currency = ?, started_at = ?, cancelled_at = ?, updated_at = ?
				WHERE external_id = ?`,
				s.ContactID, s.Email, key, s.Plan, s.MonthlyAmountCents, s.Currency, toNanos(s.StartedAt), cancelled,
				toNanos(t), s.ExternalID)
		}
		if err != nil {
			return fmt.Errorf("write subscription: %w", err)
		}
		out, err = getSubscription(ctx, tx, s.ExternalID)
		return err
	})
	if err != nil {
		return store.Subscription{}, false, wrap(op, err)
	}
	return out, created, nil
}

// Subscription returns ErrNotFound if there is none with that external id.
func (db *DB) Subscription(ctx context.Context, externalID string) (store.Subscription, error) {
	s, err := getSubscription(ctx, db.sql, externalID)
	if err != nil {
		return store.Subscription{}, wrap(fmt.Sprintf("subscription %q", externalID), err)
	}
	return s, nil
}

// ListSubscriptions returns subscriptions newest started first, paginated.
func (db *DB) ListSubscriptions(ctx context.Context, offset, limit int) ([]store.Subscription, error) {
	const op = "list subscriptions"
	offset, limit, err := listPage(offset, limit)
	if err != nil {
		return nil, wrap(op, err)
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT `+subscriptionColumns+` FROM subscriptions
		ORDER BY started_at DESC, external_id LIMIT ? OFFSET ?`, limit, offset)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	out := []store.Subscription{}
	for rows.Next() {
		s, err := scanSubscription(rows)
		if err != nil {
			return nil, wrap(op, err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

func getSubscription(ctx context.Context, q querier, externalID string) (store.Subscription, error) {
	return scanSubscription(q.QueryRowContext(ctx, `SELECT `+subscriptionColumns+` FROM subscriptions WHERE external_id = ?`, externalID))
}

func scanSubscription(row interface{ Scan(...any) error }) (store.Subscription, error) {
	var (
		s                         store.Subscription
		started, created, updated int64
		cancelled                 sql.NullInt64
	)
	if err := row.Scan(&s.ExternalID, &s.ContactID, &s.Email, &s.Plan, &s.MonthlyAmountCents, &s.Currency,
		&started, &cancelled, &created, &updated); err != nil {
		return store.Subscription{}, err
	}
	s.StartedAt, s.CreatedAt, s.UpdatedAt = fromNanos(started), fromNanos(created), fromNanos(updated)
	if cancelled.Valid {
		s.CancelledAt = fromNanos(cancelled.Int64)
	}
	return s, nil
}
