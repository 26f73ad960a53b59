package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/faroai/faro/store"
)

const handoffColumns = `id, conversation_id, kind, actor, message_id, detail, created_at`

// AddHandoffEvent stores e once per ID.
func (db *DB) AddHandoffEvent(ctx context.Context, e store.HandoffEvent) (store.HandoffEvent, bool, error) {
	op := fmt.Sprintf("add hand-off event %s of %s", e.Kind, e.ConversationID)
	if err := store.CheckHandoffEvent(e); err != nil {
		return e, false, fmt.Errorf("postgres: %s: %w", op, err)
	}
	if e.ID == "" {
		id, err := newID()
		if err != nil {
			return e, false, fmt.Errorf("postgres: %s: %w", op, err)
		}
		e.ID = id
	}
	e.CreatedAt = now()
	tag, err := db.pool.Exec(ctx, `INSERT INTO handoff_events (`+handoffColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (id) DO NOTHING`,
		e.ID, e.ConversationID, string(e.Kind), e.Actor, e.MessageID, e.Detail, e.CreatedAt)
	if err != nil {
		return store.HandoffEvent{}, false, dbErr(op, err)
	}
	if tag.RowsAffected() == 1 {
		return e, true, nil
	}
	es, err := db.queryHandoffEvents(ctx, `WHERE id = $1`, e.ID)
	if err == nil && len(es) == 0 {
		err = pgx.ErrNoRows
	}
	if err != nil {
		return store.HandoffEvent{}, false, dbErr(op, err)
	}
	return es[0], false, nil
}

// HandoffEvents lists a conversation's events, oldest first.
func (db *DB) HandoffEvents(ctx context.Context, conversationID string) ([]store.HandoffEvent, error) {
	es, err := db.queryHandoffEvents(ctx, `WHERE conversation_id = $1 ORDER BY n`, conversationID)
	if err != nil {
		return nil, dbErr(fmt.Sprintf("hand-off events of %q", conversationID), err)
	}
	return es, nil
}

func (db *DB) queryHandoffEvents(ctx context.Context, where string, args ...any) ([]store.HandoffEvent, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+handoffColumns+` FROM handoff_events `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []store.HandoffEvent{}
	for rows.Next() {
		var (
			e    store.HandoffEvent
			kind string
		)
		if err := rows.Scan(&e.ID, &e.ConversationID, &kind, &e.Actor, &e.MessageID, &e.Detail, &e.CreatedAt); err != nil {
			return nil, err
		}
		e.Kind, e.CreatedAt = store.HandoffKind(kind), e.CreatedAt.UTC()
		out = append(out, e)
	}
	if err := rows.Err(); err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, err
	}
	return out, nil
}

const threadColumns = `conversation_id, platform, channel, thread, created_at`

// SaveStaffThread stores the conversation's first thread.
func (db *DB) SaveStaffThread(ctx context.Context, th store.StaffThread) (store.StaffThread, bool, error) {
	op := fmt.Sprintf("save staff thread of %s", th.ConversationID)
	if err := store.CheckStaffThread(th); err != nil {
		return th, false, fmt.Errorf("postgres: %s: %w", op, err)
	}
	th.CreatedAt = now()
	tag, err := db.pool.Exec(ctx, `INSERT INTO staff_threads (`+threadColumns+`) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (conversation_id) DO NOTHING`, th.ConversationID, th.Platform, th.Channel, th.Thread, th.CreatedAt)
	if err != nil {
		return store.StaffThread{}, false, dbErr(op, err)
	}
	if tag.RowsAffected() == 1 {
		return th, true, nil
	}
	have, err := db.StaffThread(ctx, th.ConversationID)
	if err != nil {
		return store.StaffThread{}, false, err
	}
	return have, false, nil
}

// StaffThread returns the conversation's thread.
func (db *DB) StaffThread(ctx context.Context, conversationID string) (store.StaffThread, error) {
	return db.oneThread(ctx, fmt.Sprintf("staff thread of %q", conversationID), `WHERE conversation_id = $1`, conversationID)
}

// StaffThreadByThread finds the conversation of a staff thread.
func (db *DB) StaffThreadByThread(ctx context.Context, platform, channel, thread string) (store.StaffThread, error) {
	return db.oneThread(ctx, fmt.Sprintf("staff thread %s/%s/%s", platform, channel, thread),
		`WHERE platform = $1 AND channel = $2 AND thread = $3`, platform, channel, thread)
}

func (db *DB) oneThread(ctx context.Context, op, where string, args ...any) (store.StaffThread, error) {
	var th store.StaffThread
	err := db.pool.QueryRow(ctx, `SELECT `+threadColumns+` FROM staff_threads `+where, args...).
		Scan(&th.ConversationID, &th.Platform, &th.Channel, &th.Thread, &th.CreatedAt)
	if err != nil {
		return store.StaffThread{}, dbErr(op, err)
	}
	th.CreatedAt = th.CreatedAt.UTC()
	return th, nil
}
