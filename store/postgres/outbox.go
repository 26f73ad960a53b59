package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/faroai/faro/store"
)

const eventColumns = `id, type, payload, attempts, next_attempt_at, last_error, delivered_at, created_at`

func scanEvent(row pgx.Row) (store.Event, error) {
	var (
		e         store.Event
		payload   string
		delivered *time.Time
	)
	if err := row.Scan(&e.ID, &e.Type, &payload, &e.Attempts, &e.NextAttemptAt, &e.LastError, &delivered, &e.CreatedAt); err != nil {
		return store.Event{}, err
	}
	e.Payload = []byte(payload)
	if delivered != nil {
		e.DeliveredAt = delivered.UTC()
	}
	e.NextAttemptAt, e.CreatedAt = e.NextAttemptAt.UTC(), e.CreatedAt.UTC()
	return e, nil
}

// EnqueueEvent stores e unless an event with its id was stored before.
func (db *DB) EnqueueEvent(ctx context.Context, e store.Event) (bool, error) {
	op := fmt.Sprintf("enqueue event %q", e.ID)
	payload, err := store.CheckEvent(e)
	if err != nil {
		return false, fmt.Errorf("postgres: %s: %w", op, err)
	}
	e.Payload = payload
	created, err := insertEvent(ctx, db.pool, e)
	if err != nil {
		return false, dbErr(op, err)
	}
	return created, nil
}

// insertEvent stores e (checked by store.CheckEvent) unless its id was
// stored before: EnqueueEvent, and the writes that enqueue an event in
// their own transaction (a promotion from a waiting list).
func insertEvent(ctx context.Context, q interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}, e store.Event) (bool, error) {
	payload, err := store.CheckEvent(e)
	if err != nil {
		return false, err
	}
	t := now()
	due := e.NextAttemptAt
	if due.IsZero() {
		due = t
	}
	tag, err := q.Exec(ctx, `INSERT INTO outbox_events (id, type, payload, next_attempt_at, created_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`, e.ID, strings.TrimSpace(e.Type), string(payload), due, t)
	if err != nil {
		return false, fmt.Errorf("insert event %q: %w", e.ID, err)
	}
	return tag.RowsAffected() == 1, nil
}

// Event returns ErrNotFound if there is none with that id.
func (db *DB) Event(ctx context.Context, id string) (store.Event, error) {
	e, err := scanEvent(db.pool.QueryRow(ctx, `SELECT `+eventColumns+` FROM outbox_events WHERE id = $1`, id))
	if err != nil {
		return store.Event{}, dbErr(fmt.Sprintf("event %q", id), err)
	}
	return e, nil
}

// ClaimEvents leases up to limit due events in one statement. FOR UPDATE
// SKIP LOCKED lets servers claiming at the same moment take different
// events instead of queueing behind each other.
func (db *DB) ClaimEvents(ctx context.Context, at time.Time, limit int, lease time.Duration) ([]store.Event, error) {
	const op = "claim events"
	if err := store.CheckClaim(limit, lease); err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", op, err)
	}
	rows, err := db.pool.Query(ctx, `UPDATE outbox_events SET attempts = attempts + 1, claimed_until = $2
		WHERE id IN (
			SELECT id FROM outbox_events
			WHERE delivered_at IS NULL AND next_attempt_at <= $1 AND (claimed_until IS NULL OR claimed_until <= $1)
			ORDER BY next_attempt_at, created_at, id COLLATE "C"
			LIMIT $3
			FOR UPDATE SKIP LOCKED)
		RETURNING `+eventColumns, at, at.Add(lease), limit)
	if err != nil {
		return nil, dbErr(op, err)
	}
	out, err := collect(rows, func(r pgx.Rows) (store.Event, error) { return scanEvent(r) })
	if err != nil {
		return nil, dbErr(op, err)
	}
	// RETURNING has no order; give the contract's.
	slices.SortFunc(out, func(a, b store.Event) int {
		if c := a.NextAttemptAt.Compare(b.NextAttemptAt); c != 0 {
			return c
		}
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// MarkDelivered records the delivery; marking again does nothing.
func (db *DB) MarkDelivered(ctx context.Context, id string) error {
	op := fmt.Sprintf("mark event %q delivered", id)
	var found bool
	// The UPDATE … FROM reports the event whether or not it was still to
	// deliver, so a repeat is told apart from a missing event in one
	// statement.
	err := db.pool.QueryRow(ctx, `WITH e AS (SELECT id FROM outbox_events WHERE id = $1),
		u AS (UPDATE outbox_events SET delivered_at = $2, last_error = '', claimed_until = NULL WHERE id = $1 AND delivered_at IS NULL)
		SELECT EXISTS (SELECT 1 FROM e)`, id, now()).Scan(&found)
	if err != nil {
		return dbErr(op, err)
	}
	if !found {
		return fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
	}
	return nil
}

// MarkFailed ends the lease and schedules the next attempt.
func (db *DB) MarkFailed(ctx context.Context, id string, nextAttemptAt time.Time, lastErr string) error {
	op := fmt.Sprintf("mark event %q failed", id)
	var found bool
	err := db.pool.QueryRow(ctx, `WITH e AS (SELECT id FROM outbox_events WHERE id = $1),
		u AS (UPDATE outbox_events SET next_attempt_at = $2, last_error = $3, claimed_until = NULL
			WHERE id = $1 AND delivered_at IS NULL)
		SELECT EXISTS (SELECT 1 FROM e)`, id, nextAttemptAt, lastErr).Scan(&found)
	if err != nil {
		return dbErr(op, err)
	}
	if !found {
		return fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
	}
	return nil
}

// Interface guard: PostgreSQL keeps the business data too.
var _ store.Business = (*DB)(nil)
