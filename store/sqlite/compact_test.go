package sqlite

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
)

func textSegments(t *testing.T, db *DB) int {
	t.Helper()
	var n int
	require.NoError(t, db.sql.QueryRowContext(t.Context(), `SELECT count(DISTINCT segid) FROM chunks_fts_idx`).Scan(&n))
	return n
}

// Each knowledge write leaves a full-text segment; CompactText merges them
// into one, in steps, and searches answer the same afterwards.
func TestCompactTextMergesSegments(t *testing.T) {
	ctx := t.Context()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "faro.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	require.NoError(t, db.CompactText(ctx), "an empty index: nothing to do")

	for d := range 40 {
		var chunks []store.Chunk
		for i := range 30 {
			chunks = append(chunks, store.Chunk{Position: i, Text: fmt.Sprintf("curso %d de marketing con inteligencia artificial, módulo %d, precio %d", d, i, 100+d*i)})
		}
		_, err := db.PutDocument(ctx, store.Document{Source: fmt.Sprintf("es/%02d.md", d), Language: "es"}, chunks)
		require.NoError(t, err)
	}
	require.Greater(t, textSegments(t, db), 1, "one write, one segment")
	q := store.TextQuery{Text: "precio del curso de marketing", Language: "es", K: 20}
	before, err := db.SearchText(ctx, q)
	require.NoError(t, err)

	require.NoError(t, db.CompactText(ctx))
	require.Equal(t, 1, textSegments(t, db))
	after, err := db.SearchText(ctx, q)
	require.NoError(t, err)
	require.Equal(t, before, after)
	require.NoError(t, db.CompactText(ctx), "a merged index: nothing to do")
	require.Equal(t, 1, textSegments(t, db))
}
