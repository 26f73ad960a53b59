package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/faroai/faro/store"
)

const conversationColumns = `id, contact_id, channel, external_id, language, status, summary, last_seq, created_at, updated_at`

// CreateConversation stores c with a new ID, status open unless given, and
// LastSeq 0. ErrNotFound if the contact does not exist; ErrConflict if
// (Channel, ExternalID) is already taken; ErrInvalid without a channel or
// with an unknown status.
func (db *DB) CreateConversation(ctx context.Context, c store.Conversation) (store.Conversation, error) {
	const op = "create conversation"
	if c.Channel == "" {
		return store.Conversation{}, wrap(op, invalid("channel is required"))
	}
	status := c.Status
	if status == "" {
		status = store.ConversationOpen
	}
	if err := checkStatus(status); err != nil {
		return store.Conversation{}, wrap(op, err)
	}
	id, err := newID()
	if err != nil {
		return store.Conversation{}, wrap(op, err)
	}
	t := toNanos(now())
	var out store.Conversation
	err = db.write(ctx, func(tx *sql.Tx) error {
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM contacts WHERE id = ?)`, c.ContactID).Scan(&exists); err != nil {
			return fmt.Errorf("find contact: %w", err)
		}
		if !exists {
			return notFound("contact %q", c.ContactID)
		}
		if c.ExternalID != "" {
			if err := tx.QueryRowContext(ctx,
				`SELECT EXISTS (SELECT 1 FROM conversations WHERE channel = ? AND external_id = ?)`,
				c.Channel, c.ExternalID).Scan(&exists); err != nil {
				return fmt.Errorf("find external id: %w", err)
			}
			if exists {
				return conflict("conversation %s:%q exists", c.Channel, c.ExternalID)
			}
		}
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO conversations (`+conversationColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
			id, c.ContactID, c.Channel, c.ExternalID, c.Language, string(status), c.Summary, t, t); err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		var err error
		out, err = getConversation(ctx, tx, `WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return store.Conversation{}, wrap(op, err)
	}
	return out, nil
}

// Conversation returns ErrNotFound if there is none with that id.
func (db *DB) Conversation(ctx context.Context, id string) (store.Conversation, error) {
	c, err := getConversation(ctx, db.sql, `WHERE id = ?`, id)
	if err != nil {
		return store.Conversation{}, wrap(fmt.Sprintf("conversation %q", id), err)
	}
	return c, nil
}

// ConversationByExternalID finds the conversation of a platform chat or
// thread; ErrNotFound if none (always for an empty externalID, which is not
// unique).
func (db *DB) ConversationByExternalID(ctx context.Context, channel, externalID string) (store.Conversation, error) {
	op := fmt.Sprintf("conversation %s:%q", channel, externalID)
	if externalID == "" {
		return store.Conversation{}, wrap(op, store.ErrNotFound)
	}
	c, err := getConversation(ctx, db.sql, whereConversationExternal, channel, externalID)
	if err != nil {
		return store.Conversation{}, wrap(op, err)
	}
	return c, nil
}

// UpdateConversation saves language, status and summary of c.ID; an empty
// status keeps the stored one. ErrNotFound if it does not exist; ErrInvalid
// for an unknown status.
func (db *DB) UpdateConversation(ctx context.Context, c store.Conversation) (store.Conversation, error) {
	op := fmt.Sprintf("update conversation %q", c.ID)
	if c.Status != "" {
		if err := checkStatus(c.Status); err != nil {
			return store.Conversation{}, wrap(op, err)
		}
	}
	var out store.Conversation
	err := db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			`UPDATE conversations SET language = ?, status = coalesce(nullif(?, ''), status), summary = ?, updated_at = ?
			WHERE id = ?`,
			c.Language, string(c.Status), c.Summary, toNanos(now()), c.ID)
		if err != nil {
			return fmt.Errorf("update: %w", err)
		}
		if err := mustAffect(res); err != nil {
			return err
		}
		out, err = getConversation(ctx, tx, `WHERE id = ?`, c.ID)
		return err
	})
	if err != nil {
		return store.Conversation{}, wrap(op, err)
	}
	return out, nil
}

// ListConversations returns conversations most recently updated first (a
// new message counts as an update); contactID "" lists everyone's. Limit 0
// means no cap; a negative offset or limit is ErrInvalid.
func (db *DB) ListConversations(ctx context.Context, contactID string, offset, limit int) ([]store.Conversation, error) {
	offset, limit, perr := page(offset, limit)
	if perr != nil {
		return nil, wrap("list conversations", perr)
	}
	var (
		out []store.Conversation
		err error
	)
	if contactID == "" {
		out, err = queryConversations(ctx, db.sql,
			`ORDER BY updated_at DESC, id DESC LIMIT ? OFFSET ?`, limit, offset)
	} else {
		out, err = queryConversations(ctx, db.sql,
			`WHERE contact_id = ? ORDER BY updated_at DESC, id DESC LIMIT ? OFFSET ?`, contactID, limit, offset)
	}
	if err != nil {
		return nil, wrap("list conversations", err)
	}
	return out, nil
}

func checkStatus(s store.ConversationStatus) error {
	switch s {
	case store.ConversationOpen, store.ConversationHandedOff, store.ConversationClosed:
		return nil
	}
	return invalid("status %q", s)
}

func getConversation(ctx context.Context, q querier, where string, args ...any) (store.Conversation, error) {
	cs, err := queryConversations(ctx, q, where, args...)
	if err != nil {
		return store.Conversation{}, err
	}
	if len(cs) == 0 {
		return store.Conversation{}, sql.ErrNoRows
	}
	return cs[0], nil
}

func queryConversations(ctx context.Context, q querier, rest string, args ...any) ([]store.Conversation, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+conversationColumns+` FROM conversations `+rest, args...)
	if err != nil {
		return nil, fmt.Errorf("select conversations: %w", err)
	}
	defer rows.Close()
	out := []store.Conversation{}
	for rows.Next() {
		var c store.Conversation
		var status string
		var created, updated int64
		if err := rows.Scan(&c.ID, &c.ContactID, &c.Channel, &c.ExternalID, &c.Language, &status,
			&c.Summary, &c.LastSeq, &created, &updated); err != nil {
			return nil, fmt.Errorf("scan conversation: %w", err)
		}
		c.Status = store.ConversationStatus(status)
		c.CreatedAt, c.UpdatedAt = fromNanos(created), fromNanos(updated)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("select conversations: %w", err)
	}
	return out, nil
}
