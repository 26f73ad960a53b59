package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/faroai/faro/store"
)

const eventColumns = `id, type, payload, attempts, next_attempt_at, last_error, delivered_at, created_at`

// EnqueueEvent stores e unless an event with its id was stored before.
func (db *DB) EnqueueEvent(ctx context.Context, e store.Event) (bool, error) {
	op := fmt.Sprintf("enqueue event %q", e.ID)
	payload, err := store.CheckEvent(e)
	if err != nil {
		return false, wrap(op, err)
	}
	var created bool
	err = db.write(ctx, func(tx *sql.Tx) error {
		var err error
		created, err = insertEvent(ctx, tx, store.Event{ID: e.ID, Type: e.Type, Payload: payload, NextAttemptAt: e.NextAttemptAt})
		return err
	})
	if err != nil {
		return false, wrap(op, err)
	}
	return created, nil
}

// insertEvent stores e (checked by store.CheckEvent) in q unless its id
// was stored before: EnqueueEvent, and the writes that enqueue an event in
// their own transaction (a promotion from a waiting list).
func insertEvent(ctx context.Context, q querier, e store.Event) (bool, error) {
	payload, err := store.CheckEvent(e)
	if err != nil {
		return false, err
	}
	t := now()
	due := e.NextAttemptAt
	if due.IsZero() {
		due = t
	}
	res, err := q.ExecContext(ctx, `INSERT INTO outbox_events (id, type, payload, next_attempt_at, created_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
		e.ID, strings.TrimSpace(e.Type), string(payload), toNanos(due), toNanos(t))
	if err != nil {
		return false, fmt.Errorf("insert event %q: %w", e.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("insert event %q: %w", e.ID, err)
	}
	return n == 1, nil
}

// Event returns ErrNotFound if there is none with that id.
func (db *DB) Event(ctx context.Context, id string) (store.Event, error) {
	es, err := queryEvents(ctx, db.sql, `WHERE id = ?`, id)
	if err == nil && len(es) == 0 {
		err = sql.ErrNoRows
	}
	if err != nil {
		return store.Event{}, wrap(fmt.Sprintf("event %q", id), err)
	}
	return es[0], nil
}

// ClaimEvents leases up to limit due events. The write transaction makes
// the select and the update one step for every process sharing the file.
func (db *DB) ClaimEvents(ctx context.Context, at time.Time, limit int, lease time.Duration) ([]store.Event, error) {
	const op = "claim events"
	if err := store.CheckClaim(limit, lease); err != nil {
		return nil, wrap(op, err)
	}
	var out []store.Event
	err := db.write(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = queryEvents(ctx, tx, `WHERE delivered_at IS NULL AND next_attempt_at <= ? AND claimed_until <= ?
			ORDER BY next_attempt_at, created_at, id LIMIT ?`, toNanos(at), toNanos(at), limit)
		if err != nil || len(out) == 0 {
			return err
		}
		ids := make([]any, len(out))
		for i := range out {
			ids[i] = out[i].ID
			out[i].Attempts++
		}
		_, err = tx.ExecContext(ctx, `UPDATE outbox_events SET attempts = attempts + 1, claimed_until = ?
			WHERE id IN (`+placeholders(len(ids))+`)`, append([]any{toNanos(at.Add(lease))}, ids...)...)
		return err
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

// MarkDelivered records the delivery; marking again does nothing.
func (db *DB) MarkDelivered(ctx context.Context, id string) error {
	op := fmt.Sprintf("mark event %q delivered", id)
	err := db.write(ctx, func(tx *sql.Tx) error {
		if err := mustExist(ctx, tx, `SELECT EXISTS (SELECT 1 FROM outbox_events WHERE id = ?)`, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE outbox_events SET delivered_at = ?, last_error = '', claimed_until = 0
			WHERE id = ? AND delivered_at IS NULL`, toNanos(now()), id)
		return err
	})
	return wrap(op, err)
}

// MarkFailed ends the lease and schedules the next attempt.
func (db *DB) MarkFailed(ctx context.Context, id string, nextAttemptAt time.Time, lastErr string) error {
	op := fmt.Sprintf("mark event %q failed", id)
	err := db.write(ctx, func(tx *sql.Tx) error {
		if err := mustExist(ctx, tx, `SELECT EXISTS (SELECT 1 FROM outbox_events WHERE id = ?)`, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE outbox_events SET next_attempt_at = ?, last_error = ?, claimed_until = 0
			WHERE id = ? AND delivered_at IS NULL`, toNanos(nextAttemptAt), lastErr, id)
		return err
	})
	return wrap(op, err)
}

func queryEvents(ctx context.Context, q querier, rest string, args ...any) ([]store.Event, error) {
	out := []store.Event{}
	err := queryBatch(ctx, q, `SELECT `+eventColumns+` FROM outbox_events `+rest, args, func(rows *sql.Rows) error {
		var (
			e             store.Event
			payload       string
			next, created int64
			delivered     *int64
		)
		if err := rows.Scan(&e.ID, &e.Type, &payload, &e.Attempts, &next, &e.LastError, &delivered, &created); err != nil {
			return fmt.Errorf("scan event: %w", err)
		}
		e.Payload = []byte(payload)
		e.NextAttemptAt, e.CreatedAt = fromNanos(next), fromNanos(created)
		if delivered != nil {
			e.DeliveredAt = fromNanos(*delivered)
		}
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("select events: %w", err)
	}
	return out, nil
}

// Interface guard: the embedded store keeps the business data too.
var _ store.Business = (*DB)(nil)
