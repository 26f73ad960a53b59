package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/faroai/faro/store"
)

// genDocColumns are the columns of a generated document without its
// content, which only GeneratedDocument reads.
const genDocColumns = `id, template, format, language, variables, content_type, filename, size, sha256,
	created_by, for_contact, conversation_id, created_at`

func scanGeneratedDocument(row pgx.Row, content bool) (store.GeneratedDocument, error) {
	var (
		d          store.GeneratedDocument
		vars       []byte
		forC, conv *string
	)
	dest := []any{&d.ID, &d.Template, &d.Format, &d.Language, &vars, &d.ContentType, &d.Filename, &d.Size, &d.SHA256,
		&d.CreatedBy, &forC, &conv, &d.CreatedAt}
	if content {
		dest = append(dest, &d.Content)
	}
	if err := row.Scan(dest...); err != nil {
		return store.GeneratedDocument{}, err
	}
	d.Variables = vars
	if forC != nil {
		d.ForContact = *forC
	}
	if conv != nil {
		d.ConversationID = *conv
	}
	d.CreatedAt = d.CreatedAt.UTC()
	return d, nil
}

// SaveGeneratedDocument stores d, or returns the document already stored
// under its dedupe key. Concurrent saves of one key meet at its unique
// index: the loser's insert does nothing (ON CONFLICT waits for the
// winner to commit) and it reads the winner's document.
func (db *DB) SaveGeneratedDocument(ctx context.Context, in store.GeneratedDocument) (store.GeneratedDocument, bool, error) {
	op := fmt.Sprintf("save generated document %q", in.Template)
	d, err := store.NormalizeGeneratedDocument(in)
	if err != nil {
		return store.GeneratedDocument{}, false, fmt.Errorf("postgres: %s: %w", op, err)
	}
	id, err := newID()
	if err != nil {
		return store.GeneratedDocument{}, false, fmt.Errorf("postgres: %s: %w", op, err)
	}
	out, err := scanGeneratedDocument(db.pool.QueryRow(ctx, `INSERT INTO generated_documents (id, template, format, language,
			variables, content, content_type, filename, size, sha256, created_by, for_contact, conversation_id, dedupe_key, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		ON CONFLICT (dedupe_key) DO NOTHING
		RETURNING `+genDocColumns+`, content`,
		id, d.Template, d.Format, d.Language, string(d.Variables), d.Content, d.ContentType, d.Filename, d.Size, d.SHA256,
		d.CreatedBy, nullText(d.ForContact), nullText(d.ConversationID), nullText(d.DedupeKey), now()), true)
	if errors.Is(err, pgx.ErrNoRows) {
		// Only a stored dedupe key answers no row: a NULL key never conflicts.
		out, err = scanGeneratedDocument(db.pool.QueryRow(ctx, `SELECT `+genDocColumns+`, content FROM generated_documents
			WHERE dedupe_key = $1`, d.DedupeKey), true)
		if err != nil {
			return store.GeneratedDocument{}, false, dbErr(op, err)
		}
		return out, false, nil
	}
	if err != nil {
		return store.GeneratedDocument{}, false, dbErr(op, err)
	}
	return out, true, nil
}

// GeneratedDocument returns the document with its content.
func (db *DB) GeneratedDocument(ctx context.Context, id string) (store.GeneratedDocument, error) {
	d, err := scanGeneratedDocument(db.pool.QueryRow(ctx, `SELECT `+genDocColumns+`, content FROM generated_documents WHERE id = $1`, id), true)
	if err != nil {
		return store.GeneratedDocument{}, dbErr(fmt.Sprintf("generated document %q", id), err)
	}
	return d, nil
}

// ListGeneratedDocuments returns documents matching f, newest first,
// without their content.
func (db *DB) ListGeneratedDocuments(ctx context.Context, f store.GeneratedDocumentFilter, offset, limit int) ([]store.GeneratedDocument, error) {
	const op = "list generated documents"
	if err := checkPage(op, offset, limit); err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, `SELECT `+genDocColumns+` FROM generated_documents
		WHERE ($1 = '' OR template = $1) AND ($2 = '' OR created_by = $2) AND ($3 = '' OR for_contact = $3)
		ORDER BY created_at DESC, id DESC OFFSET $4 LIMIT $5`,
		f.Template, f.CreatedBy, f.ForContact, offset, limitArg(limit))
	if err != nil {
		return nil, dbErr(op, err)
	}
	out, err := collect(rows, func(r pgx.Rows) (store.GeneratedDocument, error) { return scanGeneratedDocument(r, false) })
	if err != nil {
		return nil, dbErr(op, err)
	}
	return out, nil
}

// nullText stores "" as NULL.
func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}
