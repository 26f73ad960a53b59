package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/faroai/faro/store"
)

// genDocColumns are the columns of a generated document without its
// content, which only GeneratedDocument reads.
const genDocColumns = `id, template, format, language, variables, content_type, filename, size, sha256,
	created_by, for_contact, conversation_id, created_at`

// SaveGeneratedDocument stores d, or returns the document already stored
// under its dedupe key. The write transaction serialises it with every
// other write, so two saves of one key cannot both miss it.
func (db *DB) SaveGeneratedDocument(ctx context.Context, in store.GeneratedDocument) (store.GeneratedDocument, bool, error) {
	op := fmt.Sprintf("save generated document %q", in.Template)
	d, err := store.NormalizeGeneratedDocument(in)
	if err != nil {
		return store.GeneratedDocument{}, false, wrap(op, err)
	}
	var (
		out     store.GeneratedDocument
		created bool
	)
	err = db.write(ctx, func(tx *sql.Tx) error {
		if d.DedupeKey != "" {
			old, err := getGeneratedDocument(ctx, tx, `WHERE dedupe_key = ?`, d.DedupeKey)
			if err == nil {
				out = old
				return nil
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		id, err := newID()
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO generated_documents (id, template, format, language, variables, content,
				content_type, filename, size, sha256, created_by, for_contact, conversation_id, dedupe_key, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, d.Template, d.Format, d.Language, string(d.Variables), d.Content, d.ContentType, d.Filename, d.Size, d.SHA256,
			d.CreatedBy, nullString(d.ForContact), nullString(d.ConversationID), nullString(d.DedupeKey), toNanos(now())); err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		created = true
		out, err = getGeneratedDocument(ctx, tx, `WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return store.GeneratedDocument{}, false, wrap(op, err)
	}
	return out, created, nil
}

// GeneratedDocument returns the document with its content.
func (db *DB) GeneratedDocument(ctx context.Context, id string) (store.GeneratedDocument, error) {
	d, err := getGeneratedDocument(ctx, db.sql, `WHERE id = ?`, id)
	if err != nil {
		return store.GeneratedDocument{}, wrap(fmt.Sprintf("generated document %q", id), err)
	}
	return d, nil
}

// ListGeneratedDocuments returns documents matching f, newest first,
// without their content.
func (db *DB) ListGeneratedDocuments(ctx context.Context, f store.GeneratedDocumentFilter, offset, limit int) ([]store.GeneratedDocument, error) {
	const op = "list generated documents"
	offset, limit, err := listPage(offset, limit)
	if err != nil {
		return nil, wrap(op, err)
	}
	out, err := queryGeneratedDocuments(ctx, db.sql, false, `WHERE (? = '' OR template = ?) AND (? = '' OR created_by = ?)
		AND (? = '' OR for_contact = ?) ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
		f.Template, f.Template, f.CreatedBy, f.CreatedBy, f.ForContact, f.ForContact, limit, offset)
	if err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

// getGeneratedDocument reads one document with its content.
func getGeneratedDocument(ctx context.Context, q querier, where string, args ...any) (store.GeneratedDocument, error) {
	ds, err := queryGeneratedDocuments(ctx, q, true, where, args...)
	if err != nil {
		return store.GeneratedDocument{}, err
	}
	if len(ds) == 0 {
		return store.GeneratedDocument{}, sql.ErrNoRows
	}
	return ds[0], nil
}

func queryGeneratedDocuments(ctx context.Context, q querier, content bool, rest string, args ...any) ([]store.GeneratedDocument, error) {
	cols := genDocColumns
	if content {
		cols += ", content"
	}
	out := []store.GeneratedDocument{}
	err := queryBatch(ctx, q, `SELECT `+cols+` FROM generated_documents `+rest, args, func(rows *sql.Rows) error {
		var (
			d          store.GeneratedDocument
			vars       string
			forC, conv sql.NullString
			created    int64
		)
		dest := []any{&d.ID, &d.Template, &d.Format, &d.Language, &vars, &d.ContentType, &d.Filename, &d.Size, &d.SHA256,
			&d.CreatedBy, &forC, &conv, &created}
		if content {
			dest = append(dest, &d.Content)
		}
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("scan generated document: %w", err)
		}
		d.Variables = []byte(vars)
		d.ForContact, d.ConversationID = forC.String, conv.String
		d.CreatedAt = fromNanos(created)
		out = append(out, d)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("select generated documents: %w", err)
	}
	return out, nil
}

// nullString stores "" as NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
