package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/faroai/faro/store"
)

// RecordUsage stores u; a zero At is now. ErrInvalid if ContactID is empty
// or a count is negative.
func (db *DB) RecordUsage(ctx context.Context, u store.Usage) error {
	op := fmt.Sprintf("record usage of contact %q", u.ContactID)
	if err := checkUsage(op, u); err != nil {
		return err
	}
	if err := insertUsage(ctx, db.pool, u); err != nil {
		return dbErr(op, err)
	}
	return nil
}

func checkUsage(op string, u store.Usage) error {
	switch {
	case u.ContactID == "":
		return invalid(op, "usage without a contact")
	case u.PromptTokens < 0 || u.CompletionTokens < 0:
		return invalid(op, "negative token count")
	}
	return nil
}

// insertUsage stores u (checked); a zero At is now.
func insertUsage(ctx context.Context, q interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}, u store.Usage) error {
	at := u.At
	if at.IsZero() {
		at = now()
	}
	_, err := q.Exec(ctx, `INSERT INTO token_usage
		(contact_id, conversation_id, prompt_tokens, completion_tokens, created_at) VALUES ($1, $2, $3, $4, $5)`,
		u.ContactID, u.ConversationID, u.PromptTokens, u.CompletionTokens, at)
	return err
}

// UsageSince returns the tokens recorded for the contact at or after since.
func (db *DB) UsageSince(ctx context.Context, contactID string, since time.Time) (int64, error) {
	var total int64
	err := db.pool.QueryRow(ctx, `SELECT COALESCE(SUM(prompt_tokens + completion_tokens), 0)::bigint
		FROM token_usage WHERE contact_id = $1 AND created_at >= $2`, contactID, since).Scan(&total)
	if err != nil {
		return 0, dbErr(fmt.Sprintf("usage of contact %q", contactID), err)
	}
	return total, nil
}
