package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/faroai/faro/store"
)

const handoffColumns = `id, conversation_id, kind, actor, message_id, detail, created_at`

// AddHandoffEvent stores e once per ID.
func (db *DB) AddHandoffEvent(ctx context.Context, e store.HandoffEvent) (store.HandoffEvent, bool, error) {
	op := fmt.Sprintf("add hand-off event %s of %s", e.Kind, e.ConversationID)
	if err := store.CheckHandoffEvent(e); err != nil {
		return e, false, wrap(op, err)
	}
	if e.ID == "" {
		id, err := newID()
		if err != nil {
			return e, false, wrap(op, err)
		}
		e.ID = id
	}
	e.CreatedAt = now()
	created := false
	err := db.write(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM conversations WHERE id = ?`, e.ConversationID).Scan(&one); err != nil {
			if err == sql.ErrNoRows {
				return notFound("conversation %q", e.ConversationID)
			}
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO handoff_events (`+handoffColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO NOTHING`,
			e.ID, e.ConversationID, string(e.Kind), e.Actor, e.MessageID, e.Detail, toNanos(e.CreatedAt))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		created = n == 1
		return err
	})
	if err != nil {
		return store.HandoffEvent{}, false, wrap(op, err)
	}
	if created {
		return e, true, nil
	}
	es, err := queryHandoffEvents(ctx, db.sql, `WHERE id = ?`, e.ID)
	if err == nil && len(es) == 0 {
		err = sql.ErrNoRows
	}
	if err != nil {
		return store.HandoffEvent{}, false, wrap(op, err)
	}
	return es[0], false, nil
}

// HandoffEvents lists a conversation's events, oldest first.
func (db *DB) HandoffEvents(ctx context.Context, conversationID string) ([]store.HandoffEvent, error) {
	es, err := queryHandoffEvents(ctx, db.sql, `WHERE conversation_id = ? ORDER BY created_at, rowid`, conversationID)
	if err != nil {
		return nil, wrap(fmt.Sprintf("hand-off events of %q", conversationID), err)
	}
	return es, nil
}

func queryHandoffEvents(ctx context.Context, q querier, where string, args ...any) ([]store.HandoffEvent, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+handoffColumns+` FROM handoff_events `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []store.HandoffEvent{}
	for rows.Next() {
		var (
			e    store.HandoffEvent
			kind string
			at   int64
		)
		if err := rows.Scan(&e.ID, &e.ConversationID, &kind, &e.Actor, &e.MessageID, &e.Detail, &at); err != nil {
			return nil, err
		}
		e.Kind, e.CreatedAt = store.HandoffKind(kind), fromNanos(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

const threadColumns = `conversation_id, platform, channel, thread, created_at`

// SaveStaffThread stores the conversation's first thread.
func (db *DB) SaveStaffThread(ctx context.Context, th store.StaffThread) (store.StaffThread, bool, error) {
	op := fmt.Sprintf("save staff thread of %s", th.ConversationID)
	if err := store.CheckStaffThread(th); err != nil {
		return th, false, wrap(op, err)
	}
	th.CreatedAt = now()
	var (
		out     store.StaffThread
		created bool
	)
	err := db.write(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM conversations WHERE id = ?`, th.ConversationID).Scan(&one); err != nil {
			if err == sql.ErrNoRows {
				return notFound("conversation %q", th.ConversationID)
			}
			return err
		}
		have, err := queryThreads(ctx, tx, `WHERE conversation_id = ?`, th.ConversationID)
		if err != nil {
			return err
		}
		if len(have) > 0 {
			out = have[0]
			return nil
		}
		other, err := queryThreads(ctx, tx, `WHERE platform = ? AND channel = ? AND thread = ?`, th.Platform, th.Channel, th.Thread)
		if err != nil {
			return err
		}
		if len(other) > 0 {
			return conflict("thread %s/%s/%s belongs to conversation %q", th.Platform, th.Channel, th.Thread, other[0].ConversationID)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO staff_threads (`+threadColumns+`) VALUES (?, ?, ?, ?, ?)`,
			th.ConversationID, th.Platform, th.Channel, th.Thread, toNanos(th.CreatedAt))
		out, created = th, err == nil
		return err
	})
	if err != nil {
		return store.StaffThread{}, false, wrap(op, err)
	}
	return out, created, nil
}

// StaffThread returns the conversation's thread.
func (db *DB) StaffThread(ctx context.Context, conversationID string) (store.StaffThread, error) {
	return db.oneThread(ctx, fmt.Sprintf("staff thread of %q", conversationID), `WHERE conversation_id = ?`, conversationID)
}

// StaffThreadByThread finds the conversation of a staff thread.
func (db *DB) StaffThreadByThread(ctx context.Context, platform, channel, thread string) (store.StaffThread, error) {
	return db.oneThread(ctx, fmt.Sprintf("staff thread %s/%s/%s", platform, channel, thread),
		`WHERE platform = ? AND channel = ? AND thread = ?`, platform, channel, thread)
}

func (db *DB) oneThread(ctx context.Context, op, where string, args ...any) (store.StaffThread, error) {
	ths, err := queryThreads(ctx, db.sql, where, args...)
	if err == nil && len(ths) == 0 {
		err = sql.ErrNoRows
	}
	if err != nil {
		return store.StaffThread{}, wrap(op, err)
	}
	return ths[0], nil
}

func queryThreads(ctx context.Context, q querier, where string, args ...any) ([]store.StaffThread, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+threadColumns+` FROM staff_threads `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.StaffThread
	for rows.Next() {
		var (
			th store.StaffThread
			at int64
		)
		if err := rows.Scan(&th.ConversationID, &th.Platform, &th.Channel, &th.Thread, &at); err != nil {
			return nil, err
		}
		th.CreatedAt = fromNanos(at)
		out = append(out, th)
	}
	return out, rows.Err()
}
