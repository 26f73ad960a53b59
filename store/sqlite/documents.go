package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/fulltext"
)

const documentColumns = `d.id, d.source, d.title, d.language, d.content_hash, d.url, d.tags, d.created_at, d.updated_at,
	(SELECT count(*) FROM chunks c WHERE c.document_id = d.id)`

const chunkColumns = `c.id, c.document_id, c.position, c.heading, c.text, c.language, c.link`

// PutDocument creates or replaces the document with d.Source and all of its
// chunks, in one transaction. A replaced document keeps its ID and
// CreatedAt; its chunks get new IDs. Chunks keep the positions they are
// given (in any order; they must be distinct and not negative), and a
// chunk without a language takes the document's.
//
// Every embedding must have the recorded dimension, so an embedding before
// any SetKnowledgeIndex is ErrInvalid. ErrInvalid too for a missing
// source, a bad position, a wrong dimension, and a vector with no
// direction (all zeros, or a value that is not finite). Chunks without an
// embedding are stored and found by text only.
//
// The full-text terms are computed before the write lock is taken: they
// are most of the CPU of a write, and holding the one writer lock during
// them stalled every other writer (37% of ingest CPU ran under it).
func (db *DB) PutDocument(ctx context.Context, d store.Document, chunks []store.Chunk) (store.Document, error) {
	op := fmt.Sprintf("put document %q", d.Source)
	if d.Source == "" {
		return store.Document{}, wrap("put document", invalid("source is required"))
	}
	positions := make(map[int]bool, len(chunks))
	for i, c := range chunks {
		if c.Position < 0 || positions[c.Position] {
			return store.Document{}, wrap(op, invalid("chunk %d: position %d negative or repeated", i, c.Position))
		}
		positions[c.Position] = true
		if err := checkVector(fmt.Sprintf("chunk %d: embedding", i), c.Embedding); err != nil {
			return store.Document{}, wrap(op, err)
		}
	}
	tags := d.Tags
	if tags == nil {
		tags = []string{}
	}
	tagsJSON, err := json.Marshal(tags)
	if err != nil {
		return store.Document{}, wrap(op, fmt.Errorf("tags: %w", err))
	}
	newDocID, err := newID()
	if err != nil {
		return store.Document{}, wrap(op, err)
	}
	rows := make([]chunkRow, len(chunks))
	for i, c := range chunks {
		r := &rows[i]
		if r.id, err = newID(); err != nil {
			return store.Document{}, wrap(op, err)
		}
		r.language = cmp.Or(c.Language, d.Language)
		r.terms = strings.Join(fulltext.DocumentTerms(c.Heading+" "+c.Text, r.language), " ")
	}
	t := toNanos(now())
	var out store.Document
	err = db.write(ctx, func(tx *sql.Tx) error {
		if err := checkDimensions(ctx, tx, chunks); err != nil {
			return err
		}
		// Upsert keeps id and created_at of an existing source.
		var docID string
		if err := tx.QueryRowContext(ctx,
			`INSERT INTO documents (id, source, title, language, content_hash, url, tags, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (source) DO UPDATE SET title = excluded.title, language = excluded.language,
				content_hash = excluded.content_hash, url = excluded.url, tags = excluded.tags,
				updated_at = excluded.updated_at
			RETURNING id`,
			newDocID, d.Source, d.Title, d.Language, d.ContentHash, d.URL, string(tagsJSON), t, t).Scan(&docID); err != nil {
			return fmt.Errorf("upsert: %w", err)
		}
		// The delete trigger drops the old chunks' terms.
		if _, err := tx.ExecContext(ctx, `DELETE FROM chunks WHERE document_id = ?`, docID); err != nil {
			return fmt.Errorf("delete old chunks: %w", err)
		}
		if err := insertChunks(ctx, tx, docID, chunks, rows); err != nil {
			return err
		}
		if err := bumpGeneration(ctx, tx); err != nil {
			return err
		}
		var err error
		out, err = getDocument(ctx, tx, `WHERE d.id = ?`, docID)
		return err
	})
	if err != nil {
		return store.Document{}, wrap(op, err)
	}
	return out, nil
}

// checkDimensions fails with ErrInvalid unless every embedding of chunks has
// the recorded dimension. With none recorded, any embedding is refused:
// recording its dimension without an embedder's name would leave an index
// that no later SetKnowledgeIndex name can be checked against.
func checkDimensions(ctx context.Context, tx *sql.Tx, chunks []store.Chunk) error {
	info, err := knowledgeIndex(ctx, tx)
	if err != nil {
		return err
	}
	for i, c := range chunks {
		if len(c.Embedding) == 0 || len(c.Embedding) == info.Dimension {
			continue
		}
		if info.Dimension == 0 {
			return invalid("chunk %d has an embedding but no embedder is recorded (SetKnowledgeIndex first)", i)
		}
		return invalid("chunk %d: embedding has %d dimensions, the index %d", i, len(c.Embedding), info.Dimension)
	}
	return nil
}

// chunkRow is what PutDocument prepares for a chunk before taking the
// write lock.
type chunkRow struct {
	id       string
	language string // the chunk's, else the document's
	terms    string // full-text terms, space-separated
}

func insertChunks(ctx context.Context, tx *sql.Tx, docID string, chunks []store.Chunk, rows []chunkRow) error {
	if len(chunks) == 0 {
		return nil
	}
	ins, err := tx.PrepareContext(ctx,
		`INSERT INTO chunks (id, document_id, position, heading, text, language, link, embedding)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING pk`)
	if err != nil {
		return fmt.Errorf("prepare chunk insert: %w", err)
	}
	defer ins.Close()
	fts, err := tx.PrepareContext(ctx, `INSERT INTO chunks_fts (rowid, terms) VALUES (?, ?)`)
	if err != nil {
		return fmt.Errorf("prepare terms insert: %w", err)
	}
	defer fts.Close()
	for i, c := range chunks {
		r := rows[i]
		var pk int64
		if err := ins.QueryRowContext(ctx, r.id, docID, c.Position, c.Heading, c.Text, r.language, c.Link,
			encodeVector(c.Embedding)).Scan(&pk); err != nil {
			return fmt.Errorf("insert chunk %d: %w", i, err)
		}
		if _, err := fts.ExecContext(ctx, pk, r.terms); err != nil {
			return fmt.Errorf("index chunk %d: %w", i, err)
		}
	}
	return nil
}

// Document returns ErrNotFound if there is no document with that id.
func (db *DB) Document(ctx context.Context, id string) (store.Document, error) {
	d, err := getDocument(ctx, db.sql, `WHERE d.id = ?`, id)
	if err != nil {
		return store.Document{}, wrap(fmt.Sprintf("document %q", id), err)
	}
	return d, nil
}

// DocumentBySource returns ErrNotFound if no document has that source.
func (db *DB) DocumentBySource(ctx context.Context, source string) (store.Document, error) {
	d, err := getDocument(ctx, db.sql, `WHERE d.source = ?`, source)
	if err != nil {
		return store.Document{}, wrap(fmt.Sprintf("document by source %q", source), err)
	}
	return d, nil
}

// ListDocuments returns documents ordered by source; limit 0 means no cap,
// a negative offset or limit is ErrInvalid.
func (db *DB) ListDocuments(ctx context.Context, offset, limit int) ([]store.Document, error) {
	offset, limit, err := page(offset, limit)
	if err != nil {
		return nil, wrap("list documents", err)
	}
	out, err := queryDocuments(ctx, db.sql, `ORDER BY d.source LIMIT ? OFFSET ?`, limit, offset)
	if err != nil {
		return nil, wrap("list documents", err)
	}
	return out, nil
}

// DeleteDocument removes a document and its chunks; ErrNotFound if none.
func (db *DB) DeleteDocument(ctx context.Context, id string) error {
	err := db.write(ctx, func(tx *sql.Tx) error {
		// Chunks and their terms go by cascade and trigger.
		res, err := tx.ExecContext(ctx, `DELETE FROM documents WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("delete: %w", err)
		}
		if err := mustAffect(res); err != nil {
			return err
		}
		return bumpGeneration(ctx, tx)
	})
	return wrap(fmt.Sprintf("delete document %q", id), err)
}

// Chunks returns a document's chunks by position, with embeddings as they
// were put; an unknown document has none.
func (db *DB) Chunks(ctx context.Context, documentID string) ([]store.Chunk, error) {
	op := fmt.Sprintf("chunks of document %q", documentID)
	rows, err := db.sql.QueryContext(ctx,
		`SELECT `+chunkColumns+`, c.embedding FROM chunks c WHERE c.document_id = ? ORDER BY c.position`, documentID)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	out := []store.Chunk{}
	for rows.Next() {
		var c store.Chunk
		var blob []byte
		if err := rows.Scan(&c.ID, &c.DocumentID, &c.Position, &c.Heading, &c.Text, &c.Language, &c.Link, &blob); err != nil {
			return nil, wrap(op, fmt.Errorf("scan: %w", err))
		}
		if c.Embedding, err = decodeVector(blob); err != nil {
			return nil, wrap(op, fmt.Errorf("chunk %q: %w", c.ID, err))
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

func getDocument(ctx context.Context, q querier, where string, args ...any) (store.Document, error) {
	ds, err := queryDocuments(ctx, q, where, args...)
	if err != nil {
		return store.Document{}, err
	}
	if len(ds) == 0 {
		return store.Document{}, sql.ErrNoRows
	}
	return ds[0], nil
}

func queryDocuments(ctx context.Context, q querier, rest string, args ...any) ([]store.Document, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+documentColumns+` FROM documents d `+rest, args...)
	if err != nil {
		return nil, fmt.Errorf("select documents: %w", err)
	}
	defer rows.Close()
	out := []store.Document{}
	for rows.Next() {
		var d store.Document
		var tags string
		var created, updated int64
		if err := rows.Scan(&d.ID, &d.Source, &d.Title, &d.Language, &d.ContentHash, &d.URL, &tags,
			&created, &updated, &d.Chunks); err != nil {
			return nil, fmt.Errorf("scan document: %w", err)
		}
		if err := json.Unmarshal([]byte(tags), &d.Tags); err != nil {
			return nil, fmt.Errorf("document %q: tags: %w", d.ID, err)
		}
		if d.Tags == nil {
			d.Tags = []string{}
		}
		d.CreatedAt, d.UpdatedAt = fromNanos(created), fromNanos(updated)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("select documents: %w", err)
	}
	return out, nil
}
