package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/faroai/faro/store"
)

// KnowledgeCollections lists the recorded collections, ordered by name.
func (db *DB) KnowledgeCollections(ctx context.Context) ([]store.Collection, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT name, root, created_at FROM knowledge_collections ORDER BY name`)
	if err != nil {
		return nil, wrap("knowledge collections", err)
	}
	defer rows.Close()
	var out []store.Collection
	for rows.Next() {
		var c store.Collection
		var created int64
		if err := rows.Scan(&c.Name, &c.Root, &created); err != nil {
			return nil, wrap("knowledge collections", err)
		}
		c.CreatedAt = fromNanos(created)
		out = append(out, c)
	}
	return out, wrap("knowledge collections", rows.Err())
}

// AddKnowledgeCollection returns the collection of root, recording it
// under name (or name-2, name-3…) if there is none.
func (db *DB) AddKnowledgeCollection(ctx context.Context, root, name string) (store.Collection, error) {
	op := fmt.Sprintf("add knowledge collection %q for %s", name, root)
	if err := store.CheckCollection(root, name); err != nil {
		return store.Collection{}, wrap(op, err)
	}
	var c store.Collection
	err := db.write(ctx, func(tx *sql.Tx) error {
		var created int64
		err := tx.QueryRowContext(ctx, `SELECT name, root, created_at FROM knowledge_collections WHERE root = ?`, root).
			Scan(&c.Name, &c.Root, &created)
		if err == nil {
			c.CreatedAt = fromNanos(created)
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		for n := 1; ; n++ {
			c = store.Collection{Name: store.CollectionName(name, n), Root: root, CreatedAt: time.Now().UTC()}
			var taken bool
			if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM knowledge_collections WHERE name = ?)`, c.Name).Scan(&taken); err != nil {
				return err
			}
			if !taken {
				break
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO knowledge_collections (name, root, created_at) VALUES (?, ?, ?)`,
			c.Name, c.Root, toNanos(c.CreatedAt))
		return err
	})
	if err != nil {
		return store.Collection{}, wrap(op, err)
	}
	return c, nil
}
