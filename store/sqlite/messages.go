package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/faroai/faro/store"
)

const messageColumns = `id, conversation_id, seq, author, text, tool_calls, tool_results, channel, platform_id, meta, created_at`

// AppendMessage stores m at the end of its conversation with a new ID and
// the next Seq, in one immediate transaction: the write lock is held from
// the dedupe check to the insert, so concurrent writers neither lose a
// message nor repeat a Seq. An empty m.Channel takes the conversation's.
// If (channel, m.PlatformID) was stored before, nothing is written and the
// stored message comes back with created=false. ErrNotFound if the
// conversation does not exist; ErrInvalid for an unknown author or JSON
// fields that are not JSON.
func (db *DB) AppendMessage(ctx context.Context, m store.Message) (store.Message, bool, error) {
	op := fmt.Sprintf("append message to conversation %q", m.ConversationID)
	if err := checkMessage(m); err != nil {
		return store.Message{}, false, wrap(op, err)
	}
	id, err := newID()
	if err != nil {
		return store.Message{}, false, wrap(op, err)
	}
	var (
		out   store.Message
		isNew bool
	)
	err = db.write(ctx, func(tx *sql.Tx) error {
		var err error
		out, isNew, err = insertMessage(ctx, tx, m, id, now())
		return err
	})
	if err != nil {
		return store.Message{}, false, wrap(op, err)
	}
	return out, isNew, nil
}

// AppendMessages stores ms in order and records u, in one transaction:
// all or nothing (see store.Messages).
func (db *DB) AppendMessages(ctx context.Context, ms []store.Message, u store.Usage) ([]store.Message, error) {
	if len(ms) == 0 {
		return nil, wrap("append messages", invalid("no messages"))
	}
	conv := ms[0].ConversationID
	op := fmt.Sprintf("append messages to conversation %q", conv)
	ids := make([]string, len(ms))
	for i, m := range ms {
		switch {
		case m.ConversationID != conv:
			return nil, wrap(op, invalid("a message of conversation %q among them", m.ConversationID))
		case m.PlatformID != "":
			return nil, wrap(op, invalid("a message with a platform id among them: it would be a re-delivery"))
		}
		if err := checkMessage(m); err != nil {
			return nil, wrap(op, err)
		}
		id, err := newID()
		if err != nil {
			return nil, wrap(op, err)
		}
		ids[i] = id
	}
	tokens := u.PromptTokens != 0 || u.CompletionTokens != 0
	if tokens {
		if err := checkUsage(u); err != nil {
			return nil, wrap(op, err)
		}
	}
	out := make([]store.Message, len(ms))
	err := db.write(ctx, func(tx *sql.Tx) error {
		for i, m := range ms {
			var err error
			if out[i], _, err = insertMessage(ctx, tx, m, ids[i], now()); err != nil {
				return err
			}
		}
		if !tokens {
			return nil
		}
		return insertUsage(ctx, tx, u)
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

// insertMessage stores m as id, or finds it stored before by its platform
// id (isNew false).
func insertMessage(ctx context.Context, tx *sql.Tx, m store.Message, id string, created time.Time) (out store.Message, isNew bool, err error) {
	channel := m.Channel
	if m.PlatformID != "" {
		// The duplicate check comes before the seq is taken, and needs
		// the conversation (unknown is not found, as for any message)
		// and the channel.
		var convChannel string
		err := tx.QueryRowContext(ctx, `SELECT channel FROM conversations WHERE id = ?`, m.ConversationID).Scan(&convChannel)
		if errors.Is(err, sql.ErrNoRows) {
			return out, false, notFound("conversation")
		}
		if err != nil {
			return out, false, fmt.Errorf("find conversation: %w", err)
		}
		if channel == "" {
			channel = convChannel
		}
		stored, err := getMessage(ctx, tx, whereMessagePlatform, channel, m.PlatformID)
		if err == nil {
			return stored, false, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return out, false, fmt.Errorf("find platform id: %w", err)
		}
	}
	// One statement takes the next seq and reads the conversation's
	// channel (a message's own, when it has none).
	var (
		seq         int64
		convChannel string
	)
	next := `UPDATE conversations SET last_seq = last_seq + 1, updated_at = ? WHERE id = ? RETURNING last_seq, channel`
	args := []any{toNanos(created), m.ConversationID}
	if m.IsStep() {
		// Without updated_at in the SET, SQLite leaves its indexes alone.
		next = `UPDATE conversations SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq, channel`
		args = args[1:]
	}
	err = tx.QueryRowContext(ctx, next, args...).Scan(&seq, &convChannel)
	if errors.Is(err, sql.ErrNoRows) {
		return out, false, notFound("conversation")
	}
	if err != nil {
		return out, false, fmt.Errorf("next seq: %w", err)
	}
	if channel == "" {
		channel = convChannel
	}
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO messages (`+messageColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, m.ConversationID, seq, string(m.Author), m.Text, nullJSON(m.ToolCalls), nullJSON(m.ToolResults),
		channel, m.PlatformID, nullJSON(m.Meta), toNanos(created)); err != nil {
		return out, false, fmt.Errorf("insert: %w", err)
	}
	out = m
	out.ID, out.Seq, out.Channel, out.CreatedAt = id, seq, channel, created
	// Read back as stored: empty JSON is absent.
	out.ToolCalls, out.ToolResults, out.Meta = emptyToNil(m.ToolCalls), emptyToNil(m.ToolResults), emptyToNil(m.Meta)
	return out, true, nil
}

// Messages lists messages of a conversation by q, in ascending Seq; an
// unknown conversation has none. Limit 0 means no cap; a negative Limit is
// ErrInvalid.
func (db *DB) Messages(ctx context.Context, conversationID string, q store.MessageQuery) ([]store.Message, error) {
	op := fmt.Sprintf("messages of conversation %q", conversationID)
	if q.Limit < 0 {
		return nil, wrap(op, invalid("limit %d is negative", q.Limit))
	}
	limit := q.Limit
	if limit == 0 {
		limit = -1
	}
	order := "ASC"
	if q.Last {
		order = "DESC"
	}
	out, err := queryMessages(ctx, db.sql,
		`WHERE conversation_id = ? AND seq > ? ORDER BY seq `+order+` LIMIT ?`,
		conversationID, q.AfterSeq, limit)
	if err != nil {
		return nil, wrap(op, err)
	}
	if q.Last {
		slices.Reverse(out)
	}
	return out, nil
}

// MessageByPlatformID returns ErrNotFound if no such message was stored.
func (db *DB) MessageByPlatformID(ctx context.Context, channel, platformID string) (store.Message, error) {
	op := fmt.Sprintf("message %s:%q", channel, platformID)
	if platformID == "" {
		return store.Message{}, wrap(op, store.ErrNotFound)
	}
	m, err := getMessage(ctx, db.sql, whereMessagePlatform, channel, platformID)
	if err != nil {
		return store.Message{}, wrap(op, err)
	}
	return m, nil
}

func checkMessage(m store.Message) error {
	switch m.Author {
	case store.AuthorUser, store.AuthorAssistant, store.AuthorTool, store.AuthorStaff, store.AuthorSystem:
	default:
		return invalid("author %q", m.Author)
	}
	return errors.Join(
		checkJSON("tool_calls", m.ToolCalls),
		checkJSON("tool_results", m.ToolResults),
		checkJSON("meta", m.Meta),
	)
}

func emptyToNil(raw []byte) []byte {
	if len(raw) == 0 {
		return nil
	}
	return raw
}

func getMessage(ctx context.Context, q querier, where string, args ...any) (store.Message, error) {
	ms, err := queryMessages(ctx, q, where, args...)
	if err != nil {
		return store.Message{}, err
	}
	if len(ms) == 0 {
		return store.Message{}, sql.ErrNoRows
	}
	return ms[0], nil
}

func queryMessages(ctx context.Context, q querier, rest string, args ...any) ([]store.Message, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+messageColumns+` FROM messages `+rest, args...)
	if err != nil {
		return nil, fmt.Errorf("select messages: %w", err)
	}
	defer rows.Close()
	out := []store.Message{}
	for rows.Next() {
		var m store.Message
		var author string
		var calls, results, meta *string
		var created int64
		if err := rows.Scan(&m.ID, &m.ConversationID, &m.Seq, &author, &m.Text, &calls, &results,
			&m.Channel, &m.PlatformID, &meta, &created); err != nil {
			return nil, fmt.Errorf("scan message: %w", err)
		}
		m.Author = store.Author(author)
		m.ToolCalls, m.ToolResults, m.Meta = rawJSON(calls), rawJSON(results), rawJSON(meta)
		m.CreatedAt = fromNanos(created)
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("select messages: %w", err)
	}
	return out, nil
}
