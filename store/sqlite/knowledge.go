package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/faroai/faro/store"
)

// KnowledgeIndex says which embedder built the stored vectors; the zero
// IndexInfo when none was recorded yet.
func (db *DB) KnowledgeIndex(ctx context.Context) (store.IndexInfo, error) {
	info, err := knowledgeIndex(ctx, db.sql)
	if err != nil {
		return store.IndexInfo{}, wrap("knowledge index", err)
	}
	return info, nil
}

// SetKnowledgeIndex records the embedder. Changing the dimension while
// chunks with embeddings exist is ErrConflict; an empty embedder name or a
// dimension below 1 is ErrInvalid.
func (db *DB) SetKnowledgeIndex(ctx context.Context, info store.IndexInfo) error {
	op := fmt.Sprintf("set knowledge index %q/%d", info.Embedder, info.Dimension)
	if err := checkIndexInfo(info); err != nil {
		return wrap(op, err)
	}
	err := db.write(ctx, func(tx *sql.Tx) error {
		cur, err := knowledgeIndex(ctx, tx)
		if err != nil {
			return err
		}
		if cur.Dimension != 0 && cur.Dimension != info.Dimension {
			var embedded bool
			if err := tx.QueryRowContext(ctx,
				`SELECT EXISTS (SELECT 1 FROM chunks WHERE embedding IS NOT NULL)`).Scan(&embedded); err != nil {
				return fmt.Errorf("find embedded chunks: %w", err)
			}
			if embedded {
				return conflict("chunks are embedded with %d dimensions; re-embed with ReplaceEmbeddings or delete the documents first", cur.Dimension)
			}
		}
		if _, err := tx.ExecContext(ctx,
			`UPDATE knowledge_meta SET embedder = ?, dimension = ?`, info.Embedder, info.Dimension); err != nil {
			return fmt.Errorf("update: %w", err)
		}
		return bumpGeneration(ctx, tx)
	})
	return wrap(op, err)
}

// ReplaceEmbeddings sets new vectors for all chunks at once, keyed by chunk
// id, and records info, in one transaction. ErrInvalid if a chunk is
// missing from vectors, a key is no chunk's id, a vector does not have
// info.Dimension values or has no direction (all zeros, or a value that
// is not finite), or info is (see SetKnowledgeIndex).
func (db *DB) ReplaceEmbeddings(ctx context.Context, info store.IndexInfo, vectors map[string][]float32) error {
	op := fmt.Sprintf("replace embeddings with %q/%d", info.Embedder, info.Dimension)
	if err := checkIndexInfo(info); err != nil {
		return wrap(op, err)
	}
	// Sorted, so that which bad vector is reported does not depend on map order.
	ids := make([]string, 0, len(vectors))
	for id, v := range vectors {
		if len(v) != info.Dimension {
			return wrap(op, invalid("chunk %q: embedding has %d dimensions, want %d", id, len(v), info.Dimension))
		}
		if err := checkVector(fmt.Sprintf("chunk %q", id), v); err != nil {
			return wrap(op, err)
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	err := db.write(ctx, func(tx *sql.Tx) error {
		var total int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM chunks`).Scan(&total); err != nil {
			return fmt.Errorf("count chunks: %w", err)
		}
		if len(ids) < total {
			return invalid("%d of %d chunks have no vector", total-len(ids), total)
		}
		upd, err := tx.PrepareContext(ctx, `UPDATE chunks SET embedding = ? WHERE id = ?`)
		if err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		defer upd.Close()
		for _, id := range ids {
			res, err := upd.ExecContext(ctx, encodeVector(vectors[id]), id)
			if err != nil {
				return fmt.Errorf("update chunk %q: %w", id, err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return fmt.Errorf("update chunk %q: %w", id, err)
			} else if n == 0 {
				return invalid("no chunk %q", id)
			}
		}
		if _, err := tx.ExecContext(ctx,
			`UPDATE knowledge_meta SET embedder = ?, dimension = ?`, info.Embedder, info.Dimension); err != nil {
			return fmt.Errorf("record index: %w", err)
		}
		return bumpGeneration(ctx, tx)
	})
	return wrap(op, err)
}

// checkIndexInfo refuses an index record that cannot tell embedders apart
// (no name: the knowledge base could not refuse a query vector of another
// embedder of the same dimension) or holds no vector at all.
func checkIndexInfo(info store.IndexInfo) error {
	if info.Embedder == "" {
		return invalid("embedder name is empty")
	}
	if info.Dimension < 1 {
		return invalid("dimension %d", info.Dimension)
	}
	return nil
}

func knowledgeIndex(ctx context.Context, q querier) (store.IndexInfo, error) {
	var info store.IndexInfo
	if err := q.QueryRowContext(ctx, `SELECT embedder, dimension FROM knowledge_meta`).Scan(&info.Embedder, &info.Dimension); err != nil {
		return store.IndexInfo{}, fmt.Errorf("read knowledge meta: %w", err)
	}
	return info, nil
}

// bumpGeneration marks the knowledge base changed, inside the transaction
// that changes it, so the in-memory vector index reloads exactly when
// needed.
func bumpGeneration(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `UPDATE knowledge_meta SET generation = generation + 1`); err != nil {
		return fmt.Errorf("bump generation: %w", err)
	}
	return nil
}

func generation(ctx context.Context, q querier) (int64, error) {
	var g int64
	if err := q.QueryRowContext(ctx, `SELECT generation FROM knowledge_meta`).Scan(&g); err != nil {
		return 0, fmt.Errorf("read generation: %w", err)
	}
	return g, nil
}
