package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/faroai/faro/store"
)

// KnowledgeCollections lists the recorded collections, ordered by name.
func (db *DB) KnowledgeCollections(ctx context.Context) ([]store.Collection, error) {
	rows, err := db.pool.Query(ctx, `SELECT name, root, created_at FROM knowledge_collections ORDER BY name`)
	if err != nil {
		return nil, dbErr("knowledge collections", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Collection, error) {
		var c store.Collection
		err := r.Scan(&c.Name, &c.Root, &c.CreatedAt)
		c.CreatedAt = c.CreatedAt.UTC()
		return c, err
	})
	if err != nil {
		return nil, dbErr("knowledge collections", err)
	}
	return out, nil
}

// AddKnowledgeCollection returns the collection of root, recording it
// under name (or name-2, name-3…) if there is none. The knowledge lock
// makes two ingests of new folders wanting one name take turns.
func (db *DB) AddKnowledgeCollection(ctx context.Context, root, name string) (store.Collection, error) {
	op := fmt.Sprintf("add knowledge collection %q for %s", name, root)
	if err := store.CheckCollection(root, name); err != nil {
		return store.Collection{}, fmt.Errorf("postgres: %s: %w", op, err)
	}
	var c store.Collection
	err := db.inTx(ctx, pgx.TxOptions{}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, knowledgeLock); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `SELECT name, root, created_at FROM knowledge_collections WHERE root = $1`, root).
			Scan(&c.Name, &c.Root, &c.CreatedAt)
		if err == nil {
			c.CreatedAt = c.CreatedAt.UTC()
			return nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		for n := 1; ; n++ {
			c = store.Collection{Name: store.CollectionName(name, n), Root: root, CreatedAt: now()}
			var taken bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM knowledge_collections WHERE name = $1)`, c.Name).Scan(&taken); err != nil {
				return err
			}
			if !taken {
				break
			}
		}
		_, err = tx.Exec(ctx, `INSERT INTO knowledge_collections (name, root, created_at) VALUES ($1, $2, $3)`, c.Name, c.Root, c.CreatedAt)
		return err
	})
	if err != nil {
		return store.Collection{}, dbErr(op, err)
	}
	return c, nil
}
