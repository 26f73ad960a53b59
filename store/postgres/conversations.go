package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/faroai/faro/store"
)

const conversationColumns = `id, contact_id, channel, external_id, language, status, summary, last_seq, created_at, updated_at`

func scanConversation(row pgx.Row) (store.Conversation, error) {
	var c store.Conversation
	if err := row.Scan(&c.ID, &c.ContactID, &c.Channel, &c.ExternalID, &c.Language, &c.Status, &c.Summary,
		&c.LastSeq, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return store.Conversation{}, err
	}
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c, nil
}

func checkStatus(op string, s store.ConversationStatus) error {
	switch s {
	case "", store.ConversationOpen, store.ConversationHandedOff, store.ConversationClosed:
		return nil
	}
	return invalid(op, "status %q", s)
}

// CreateConversation stores c with a new ID, status open unless given.
// ErrNotFound if the contact does not exist; ErrConflict if
// (Channel, ExternalID) is already taken; ErrInvalid without a channel.
func (db *DB) CreateConversation(ctx context.Context, c store.Conversation) (store.Conversation, error) {
	const op = "create conversation"
	if err := checkStatus(op, c.Status); err != nil {
		return store.Conversation{}, err
	}
	if c.Channel == "" {
		return store.Conversation{}, invalid(op, "channel is empty")
	}
	if c.Status == "" {
		c.Status = store.ConversationOpen
	}
	id, err := newID()
	if err != nil {
		return store.Conversation{}, fmt.Errorf("postgres: %s: %w", op, err)
	}
	out, err := scanConversation(db.pool.QueryRow(ctx, `INSERT INTO conversations
		(id, contact_id, channel, external_id, language, status, summary, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING `+conversationColumns,
		id, c.ContactID, c.Channel, c.ExternalID, c.Language, c.Status, c.Summary, now()))
	if err != nil {
		return store.Conversation{}, dbErr(op, err)
	}
	return out, nil
}

// Conversation returns ErrNotFound if there is none with that id.
func (db *DB) Conversation(ctx context.Context, id string) (store.Conversation, error) {
	c, err := scanConversation(db.pool.QueryRow(ctx, `SELECT `+conversationColumns+` FROM conversations WHERE id = $1`, id))
	if err != nil {
		return store.Conversation{}, dbErr(fmt.Sprintf("conversation %q", id), err)
	}
	return c, nil
}

// ConversationByExternalID finds the conversation of a platform chat or
// thread; ErrNotFound if none (and for an empty externalID, which is not
// unique).
func (db *DB) ConversationByExternalID(ctx context.Context, channel, externalID string) (store.Conversation, error) {
	op := fmt.Sprintf("conversation %s/%s", channel, externalID)
	if externalID == "" {
		return store.Conversation{}, fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
	}
	c, err := scanConversation(db.pool.QueryRow(ctx, `SELECT `+conversationColumns+` FROM conversations
		WHERE channel = $1 AND external_id = $2 AND external_id <> ''`, channel, externalID))
	if err != nil {
		return store.Conversation{}, dbErr(op, err)
	}
	return c, nil
}

// UpdateConversation saves language, status and summary of c.ID; an empty
// status leaves the stored one. ErrNotFound if it does not exist.
func (db *DB) UpdateConversation(ctx context.Context, c store.Conversation) (store.Conversation, error) {
	op := fmt.Sprintf("update conversation %q", c.ID)
	if err := checkStatus(op, c.Status); err != nil {
		return store.Conversation{}, err
	}
	out, err := scanConversation(db.pool.QueryRow(ctx, `UPDATE conversations
		SET language = $2, status = COALESCE(NULLIF($3, ''), status), summary = $4, updated_at = $5
		WHERE id = $1 RETURNING `+conversationColumns,
		c.ID, c.Language, string(c.Status), c.Summary, now()))
	if err != nil {
		return store.Conversation{}, dbErr(op, err)
	}
	return out, nil
}

// ListConversations returns conversations most recently updated first
// (appending a message updates a conversation); contactID "" lists
// everyone's. Limit 0 means no cap.
func (db *DB) ListConversations(ctx context.Context, contactID string, offset, limit int) ([]store.Conversation, error) {
	const op = "list conversations"
	if err := checkPage(op, offset, limit); err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, `SELECT `+conversationColumns+` FROM conversations
		WHERE $1 = '' OR contact_id = $1
		ORDER BY updated_at DESC, id DESC OFFSET $2 LIMIT $3`, contactID, offset, limitArg(limit))
	if err != nil {
		return nil, dbErr(op, err)
	}
	out, err := collect(rows, func(r pgx.Rows) (store.Conversation, error) { return scanConversation(r) })
	if err != nil {
		return nil, dbErr(op, err)
	}
	return out, nil
}

const messageColumns = `id, conversation_id, seq, author, text, tool_calls, tool_results, channel, platform_id, meta, created_at`

func scanMessage(row pgx.Row) (store.Message, error) {
	var (
		m                    store.Message
		calls, results, meta []byte
	)
	if err := row.Scan(&m.ID, &m.ConversationID, &m.Seq, &m.Author, &m.Text, &calls, &results,
		&m.Channel, &m.PlatformID, &meta, &m.CreatedAt); err != nil {
		return store.Message{}, err
	}
	m.CreatedAt = m.CreatedAt.UTC()
	m.ToolCalls, m.ToolResults, m.Meta = compactJSON(calls), compactJSON(results), compactJSON(meta)
	return m, nil
}

// compactJSON gives jsonb's text back without the spaces jsonb puts after
// ':' and ','. Keys come back in jsonb's order (shorter keys first), so a
// round trip is equal as JSON, not byte for byte. NULL stays nil.
func compactJSON(b []byte) json.RawMessage {
	if b == nil {
		return nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return json.RawMessage(b) // jsonb always holds valid JSON; keep it as it came
	}
	return json.RawMessage(buf.Bytes())
}

// jsonArg is a jsonb argument: NULL for an empty message.
func jsonArg(op, field string, raw json.RawMessage) (any, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	if !json.Valid(raw) {
		return nil, invalid(op, "%s is not valid JSON", field)
	}
	return string(raw), nil
}

func checkAuthor(op string, a store.Author) error {
	switch a {
	case store.AuthorUser, store.AuthorAssistant, store.AuthorTool, store.AuthorStaff, store.AuthorSystem:
		return nil
	}
	return invalid(op, "author %q", a)
}

// AppendMessage stores m at the end of its conversation, giving it an ID
// and the next Seq. An empty m.Channel is the conversation's channel. If
// m.PlatformID is set and (channel, PlatformID) was stored before, nothing
// is written and the stored message comes back with created=false.
// ErrNotFound if the conversation does not exist.
func (db *DB) AppendMessage(ctx context.Context, m store.Message) (store.Message, bool, error) {
	op := fmt.Sprintf("append message to conversation %q", m.ConversationID)
	row, err := newMessageRow(op, m)
	if err != nil {
		return store.Message{}, false, err
	}
	// A re-delivery is usually answered here, without taking the
	// conversation's row lock.
	if m.PlatformID != "" && m.Channel != "" {
		stored, err := db.MessageByPlatformID(ctx, m.Channel, m.PlatformID)
		if err == nil {
			return stored, false, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return store.Message{}, false, err
		}
	}
	var (
		out       store.Message
		duplicate bool
		channel   = m.Channel
	)
	// errDuplicate rolls back the seq the transaction took.
	errDuplicate := errors.New("duplicate")
	err = db.inTx(ctx, pgx.TxOptions{}, func(tx pgx.Tx) error {
		var err error
		out, err = row.insert(ctx, tx)
		if errors.Is(err, pgx.ErrNoRows) {
			// A concurrent writer of the same platform id made the insert
			// wait for it, then do nothing; the stored message is read
			// after the rollback.
			channel = row.channel
			duplicate = true
			return errDuplicate
		}
		return err
	})
	if duplicate {
		stored, err := db.MessageByPlatformID(ctx, channel, m.PlatformID)
		if err != nil {
			return store.Message{}, false, err
		}
		return stored, false, nil
	}
	if err != nil {
		return store.Message{}, false, dbErr(op, err)
	}
	return out, true, nil
}

// AppendMessages stores ms in order and records u, in one transaction:
// all or nothing (see store.Messages).
func (db *DB) AppendMessages(ctx context.Context, ms []store.Message, u store.Usage) ([]store.Message, error) {
	if len(ms) == 0 {
		return nil, invalid("append messages", "no messages")
	}
	conv := ms[0].ConversationID
	op := fmt.Sprintf("append messages to conversation %q", conv)
	rows := make([]messageRow, len(ms))
	for i, m := range ms {
		switch {
		case m.ConversationID != conv:
			return nil, invalid(op, "a message of conversation %q among them", m.ConversationID)
		case m.PlatformID != "":
			return nil, invalid(op, "a message with a platform id among them: it would be a re-delivery")
		}
		row, err := newMessageRow(op, m)
		if err != nil {
			return nil, err
		}
		rows[i] = row
	}
	tokens := u.PromptTokens != 0 || u.CompletionTokens != 0
	if tokens {
		if err := checkUsage(op, u); err != nil {
			return nil, err
		}
	}
	out := make([]store.Message, len(ms))
	err := db.inTx(ctx, pgx.TxOptions{}, func(tx pgx.Tx) error {
		for i := range rows {
			var err error
			if out[i], err = rows[i].insert(ctx, tx); err != nil {
				return err
			}
		}
		if !tokens {
			return nil
		}
		return insertUsage(ctx, tx, u)
	})
	if err != nil {
		return nil, dbErr(op, err)
	}
	return out, nil
}

// messageRow is a message checked and encoded for its INSERT, with its new
// ID.
type messageRow struct {
	m                    store.Message
	id                   string
	calls, results, meta any
	// channel is the message's once inserted (the conversation's when m
	// has none).
	channel string
}

func newMessageRow(op string, m store.Message) (messageRow, error) {
	r := messageRow{m: m, channel: m.Channel}
	if err := checkAuthor(op, m.Author); err != nil {
		return r, err
	}
	var err error
	if r.calls, err = jsonArg(op, "tool_calls", m.ToolCalls); err != nil {
		return r, err
	}
	if r.results, err = jsonArg(op, "tool_results", m.ToolResults); err != nil {
		return r, err
	}
	if r.meta, err = jsonArg(op, "meta", m.Meta); err != nil {
		return r, err
	}
	if r.id, err = newID(); err != nil {
		return r, fmt.Errorf("postgres: %s: %w", op, err)
	}
	return r, nil
}

// insert appends the message in tx: the next seq, the conversation's
// UpdatedAt unless it is a step, the row. pgx.ErrNoRows when its platform
// id was stored before.
func (r *messageRow) insert(ctx context.Context, tx pgx.Tx) (store.Message, error) {
	m := r.m
	var (
		seq         int64
		convChannel string
	)
	t := now()
	// The row lock taken here is held until commit: concurrent appends
	// to one conversation queue behind it and get consecutive seqs.
	next := `UPDATE conversations SET last_seq = last_seq + 1, updated_at = $2 WHERE id = $1 RETURNING last_seq, channel`
	args := []any{m.ConversationID, t}
	if m.IsStep() {
		next = `UPDATE conversations SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq, channel`
		args = args[:1]
	}
	if err := tx.QueryRow(ctx, next, args...).Scan(&seq, &convChannel); err != nil {
		return store.Message{}, err
	}
	if r.channel == "" {
		r.channel = convChannel
	}
	return scanMessage(tx.QueryRow(ctx, `INSERT INTO messages
		(id, conversation_id, seq, author, text, tool_calls, tool_results, channel, platform_id, meta, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (channel, platform_id) WHERE platform_id <> '' DO NOTHING
		RETURNING `+messageColumns,
		r.id, m.ConversationID, seq, m.Author, m.Text, r.calls, r.results, r.channel, m.PlatformID, r.meta, t))
}

// Messages lists messages of a conversation by q, in ascending Seq; none
// (and no error) for a conversation that does not exist.
func (db *DB) Messages(ctx context.Context, conversationID string, q store.MessageQuery) ([]store.Message, error) {
	op := fmt.Sprintf("messages of conversation %q", conversationID)
	if q.Limit < 0 {
		return nil, invalid(op, "limit %d is negative", q.Limit)
	}
	query := `SELECT ` + messageColumns + ` FROM messages WHERE conversation_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`
	if q.Last {
		query = `SELECT * FROM (SELECT ` + messageColumns + ` FROM messages WHERE conversation_id = $1 AND seq > $2
			ORDER BY seq DESC LIMIT $3) newest ORDER BY seq`
	}
	rows, err := db.pool.Query(ctx, query, conversationID, q.AfterSeq, limitArg(q.Limit))
	if err != nil {
		return nil, dbErr(op, err)
	}
	out, err := collect(rows, func(r pgx.Rows) (store.Message, error) { return scanMessage(r) })
	if err != nil {
		return nil, dbErr(op, err)
	}
	return out, nil
}

// MessageByPlatformID returns ErrNotFound if no such message was stored.
func (db *DB) MessageByPlatformID(ctx context.Context, channel, platformID string) (store.Message, error) {
	op := fmt.Sprintf("message %s/%s", channel, platformID)
	if platformID == "" {
		return store.Message{}, fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
	}
	m, err := scanMessage(db.pool.QueryRow(ctx, `SELECT `+messageColumns+` FROM messages
		WHERE channel = $1 AND platform_id = $2 AND platform_id <> ''`, channel, platformID))
	if err != nil {
		return store.Message{}, dbErr(op, err)
	}
	return m, nil
}
