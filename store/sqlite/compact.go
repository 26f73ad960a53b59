package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// compactPages bounds the work of one merge step: about this many pages
// (4 KiB each) are written per write transaction, so messages wait at
// most a few milliseconds for the write lock while an index is compacted.
const compactPages = 256

// CompactText merges the full-text index's segments into one. FTS5 adds a
// segment per write transaction, and a query seeks every segment for every
// term: after the demo knowledge base's 50 documents, a search cost 3.3
// times what it costs on the merged index. It is meant for the end of a
// batch of knowledge writes (merging after each would rewrite the whole
// index each time), and runs as short steps that each hold the write lock
// briefly, until a step finds nothing left to merge.
func (db *DB) CompactText(ctx context.Context) error {
	for {
		var changed int64
		err := db.write(ctx, func(tx *sql.Tx) error {
			var before, after int64
			if err := tx.QueryRowContext(ctx, `SELECT total_changes()`).Scan(&before); err != nil {
				return err
			}
			// A negative page count merges segments of any level, not only
			// levels that already hold 'usermerge' of them.
			if _, err := tx.ExecContext(ctx, `INSERT INTO chunks_fts (chunks_fts, rank) VALUES ('merge', ?)`, -compactPages); err != nil {
				return err
			}
			if err := tx.QueryRowContext(ctx, `SELECT total_changes()`).Scan(&after); err != nil {
				return err
			}
			changed = after - before
			return nil
		})
		if err != nil {
			return fmt.Errorf("sqlite: compact full-text index: %w", err)
		}
		// FTS5's documented test: fewer than two changes, nothing merged.
		if changed < 2 {
			return nil
		}
	}
}
