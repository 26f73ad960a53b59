package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/fulltext"
)

// SearchText returns the K chunks that best match q.Text, best first. The
// query's words are folded and stemmed like the indexed text, any of them
// may match, and FTS5's bm25 ranks (Score is -bm25: higher is better).
// Filters are part of the SQL query, so K filtered hits come back whenever
// that many match. A query with no searchable word has no hits; K below 1
// is ErrInvalid.
func (db *DB) SearchText(ctx context.Context, q store.TextQuery) ([]store.Hit, error) {
	op := fmt.Sprintf("search text %q", q.Text)
	if q.K < 1 {
		return nil, wrap(op, invalid("k %d", q.K))
	}
	terms := fulltext.QueryTerms(q.Text, q.Language)
	if len(terms) == 0 {
		return []store.Hit{}, nil
	}
	quoted := make([]string, len(terms))
	for i, t := range terms {
		// Quoted, each term is a plain string to FTS5, never an operator.
		quoted[i] = `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
	}
	filter, args := filterSQL(q.Filter)
	args = append([]any{strings.Join(quoted, " OR ")}, args...)
	args = append(args, q.K)
	rows, err := db.sql.QueryContext(ctx,
		`SELECT `+chunkColumns+`, d.source, d.title, d.url, -bm25(chunks_fts)
		FROM chunks_fts
		JOIN chunks c ON c.pk = chunks_fts.rowid
		JOIN documents d ON d.id = c.document_id
		WHERE chunks_fts MATCH ?`+filter+`
		ORDER BY bm25(chunks_fts), c.pk
		LIMIT ?`, args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	hits := []store.Hit{}
	for rows.Next() {
		var h store.Hit
		c := &h.Chunk
		if err := rows.Scan(&c.ID, &c.DocumentID, &c.Position, &c.Heading, &c.Text, &c.Language, &c.Link,
			&h.Source, &h.Title, &h.URL, &h.Score); err != nil {
			return nil, wrap(op, fmt.Errorf("scan: %w", err))
		}
		h.Rank = len(hits) + 1
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(op, err)
	}
	return hits, nil
}

// filterSQL renders f as " AND …" conditions on chunks c and documents d.
func filterSQL(f store.SearchFilter) (string, []any) {
	var b strings.Builder
	var args []any
	if f.Language != "" {
		b.WriteString(` AND c.language = ?`)
		args = append(args, f.Language)
	}
	if f.SourcePrefix != "" {
		// substr, not LIKE: LIKE folds ASCII case and treats % and _ as
		// wildcards.
		b.WriteString(` AND substr(d.source, 1, length(?)) = ?`)
		args = append(args, f.SourcePrefix, f.SourcePrefix)
	}
	for _, tag := range f.Tags {
		b.WriteString(` AND EXISTS (SELECT 1 FROM json_each(d.tags) WHERE json_each.value = ?)`)
		args = append(args, tag)
	}
	return b.String(), args
}
