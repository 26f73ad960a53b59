package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/fulltext"
)

// TestSearchTextRanksBeforeJoining checks that ranking the best matches in
// FTS5 first, then joining and filtering, returns exactly what filtering
// every match does: with no filter, with a filter most matches pass, and
// with one so selective that the candidates hold fewer than K (the
// fallback), or none.
func TestSearchTextRanksBeforeJoining(t *testing.T) {
	ctx := t.Context()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "faro.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })

	// 12 documents of 25 chunks (more than minFilteredCandidates match "curso"); "curso" is in every chunk, "beca" in
	// every seventh, so ties and long match lists both occur. One small
	// document in English is what the selective filters keep.
	for d := range 12 {
		var chunks []store.Chunk
		for i := range 25 {
			text := fmt.Sprintf("curso número %d del documento %d", i, d)
			if i%7 == 0 {
				text += " con beca"
			}
			if i%3 == 0 {
				text += " y otro curso más"
			}
			chunks = append(chunks, store.Chunk{Position: i, Text: text})
		}
		_, err := db.PutDocument(ctx, store.Document{Source: fmt.Sprintf("es/%02d.md", d), Language: "es", Tags: []string{"es", fmt.Sprintf("t%d", d%3)}}, chunks)
		require.NoError(t, err)
	}
	_, err = db.PutDocument(ctx, store.Document{Source: "en/only.md", Language: "en", Tags: []string{"en"}}, []store.Chunk{
		{Position: 0, Text: "a curso in English"},
		{Position: 1, Text: "another curso, with a beca"},
	})
	require.NoError(t, err)

	filters := []store.SearchFilter{
		{},
		{Tags: []string{"t1"}},
		{SourcePrefix: "es/1"},
		{Language: "en"},
		{Tags: []string{"en"}},
		{Language: "pt"},
	}
	for _, text := range []string{"curso", "beca", "curso beca", "inexistente"} {
		for _, f := range filters {
			for _, k := range []int{1, 5, 50, 400} {
				got, err := db.SearchText(ctx, store.TextQuery{Text: text, Language: "es", K: k, Filter: f})
				require.NoError(t, err)
				var quoted []string
				for _, term := range fulltext.QueryTerms(text, "es") {
					quoted = append(quoted, `"`+term+`"`)
				}
				filter, fargs := filterSQL(f)
				want, err := db.searchTextFiltered(ctx, strings.Join(quoted, " OR "), k, filter, fargs)
				require.NoError(t, err)
				require.Equal(t, want, got, "SearchText %q K=%d filter %+v", text, k, f)
			}
		}
	}
}
