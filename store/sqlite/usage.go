package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/faroai/faro/store"
)

// RecordUsage stores u; a zero At is now. ErrInvalid if ContactID is empty
// or a count is negative.
func (db *DB) RecordUsage(ctx context.Context, u store.Usage) error {
	op := fmt.Sprintf("record usage of contact %q", u.ContactID)
	if err := checkUsage(u); err != nil {
		return wrap(op, err)
	}
	err := db.write(ctx, func(tx *sql.Tx) error { return insertUsage(ctx, tx, u) })
	return wrap(op, err)
}

// insertUsage stores u (checked); a zero At is now.
func insertUsage(ctx context.Context, tx *sql.Tx, u store.Usage) error {
	at := u.At
	if at.IsZero() {
		at = now()
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO token_usage
		(contact_id, conversation_id, prompt_tokens, completion_tokens, created_at) VALUES (?, ?, ?, ?, ?)`,
		u.ContactID, u.ConversationID, u.PromptTokens, u.CompletionTokens, toNanos(at))
	if err != nil {
		return fmt.Errorf("record usage: %w", err)
	}
	return nil
}

// UsageSince returns the tokens recorded for the contact at or after since.
func (db *DB) UsageSince(ctx context.Context, contactID string, since time.Time) (int64, error) {
	var total int64
	err := db.sql.QueryRowContext(ctx, `SELECT COALESCE(SUM(prompt_tokens + completion_tokens), 0)
		FROM token_usage WHERE contact_id = ? AND created_at >= ?`, contactID, toNanos(since)).Scan(&total)
	if err != nil {
		return 0, wrap(fmt.Sprintf("usage of contact %q", contactID), err)
	}
	return total, nil
}

func checkUsage(u store.Usage) error {
	switch {
	case u.ContactID == "":
		return invalid("usage without a contact")
	case u.PromptTokens < 0 || u.CompletionTokens < 0:
		return invalid("negative token count")
	}
	return nil
}
