package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/fulltext"
)

// filteredCandidates is how many of the best matches, per hit asked for,
// a filtered search ranks before filtering: enough that a filter keeping
// a fair share of the matches fills K from them.
const (
	filteredCandidates    = 20
	minFilteredCandidates = 200
)

// SearchText returns the K chunks that best match q.Text, best first. The
// query's words are folded and stemmed like the indexed text, any of them
// may match, and FTS5's bm25 ranks (Score is -bm25: higher is better).
// K filtered hits come back whenever that many match. A query with no
// searchable word has no hits; K below 1 is ErrInvalid.
//
// Matches are ranked inside FTS5 first and only the best are joined with
// their chunk and document rows, rather than every match (for a common
// word most of the corpus) before the LIMIT. At 100,000 chunks that saves
// little (~380 to ~340 ms for three common words): what remains is bm25
// itself, computed for every match. With a filter, the best filteredCandidates×K matches
// are ranked and then filtered; when they hold fewer than K that pass
// while more matches exist, the filter is selective and the search falls
// back to filtering every match, which is what a selective filter needs.
// Ties are broken by rowid in both, so both give the same order.
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
	match := strings.Join(quoted, " OR ")
	filter, fargs := filterSQL(q.Filter)
	if filter == "" {
		hits, err := db.searchTextRanked(ctx, match, q.K)
		if err != nil {
			return nil, wrap(op, err)
		}
		return hits, nil
	}
	n := max(filteredCandidates*q.K, minFilteredCandidates)
	hits, candidates, err := db.searchText(ctx, match, n, q.K, filter, fargs)
	if err != nil {
		return nil, wrap(op, err)
	}
	// candidates is read from the rows that passed: with none, how many
	// matches there were is unknown, and the fallback decides.
	if len(hits) == q.K || len(hits) > 0 && candidates < n {
		return hits, nil
	}
	hits, err = db.searchTextFiltered(ctx, match, q.K, filter, fargs)
	if err != nil {
		return nil, wrap(op, err)
	}
	return hits, nil
}

// searchTextRanked returns the best k matches, ranked inside FTS5, their
// rows read as the vector search reads its winners' (see hitsOf).
func (db *DB) searchTextRanked(ctx context.Context, match string, k int) ([]store.Hit, error) {
	for attempt := 1; ; attempt++ {
		s, err := db.currentVectors(ctx)
		if err != nil {
			return nil, err
		}
		var ranked []rankedPK
		err = queryBatch(ctx, db.sql,
			`SELECT rowid, -bm25(chunks_fts) FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY bm25(chunks_fts), rowid LIMIT ?`,
			[]any{match, k},
			func(rows *sql.Rows) error {
				var r rankedPK
				if err := rows.Scan(&r.pk, &r.score); err != nil {
					return fmt.Errorf("scan: %w", err)
				}
				ranked = append(ranked, r)
				return nil
			})
		if err != nil {
			return nil, err
		}
		hits, complete, err := db.hitsOf(ctx, s, ranked)
		if err != nil {
			return nil, err
		}
		if complete || attempt == fetchAttempts {
			return hits, nil
		}
	}
}

// searchText ranks the best n matches inside FTS5, then joins their rows
// and keeps the best k that pass filter. candidates is how many matches
// were ranked (n when at least n match).
func (db *DB) searchText(ctx context.Context, match string, n, k int, filter string, fargs []any) (hits []store.Hit, candidates int, err error) {
	args := append([]any{match, n}, fargs...)
	args = append(args, k)
	// MATERIALIZED: ranked once, and counted from the result.
	rows, err := db.sql.QueryContext(ctx,
		`WITH ranked AS MATERIALIZED (
			SELECT rowid AS pk, bm25(chunks_fts) AS score FROM chunks_fts
			WHERE chunks_fts MATCH ?
			ORDER BY score, rowid
			LIMIT ?
		)
		SELECT `+chunkColumns+`, d.source, d.title, d.url, -r.score, (SELECT count(*) FROM ranked)
		FROM ranked r
		JOIN chunks c ON c.pk = r.pk
		JOIN documents d ON d.id = c.document_id
		WHERE true`+filter+`
		ORDER BY r.score, r.pk
		LIMIT ?`, args...)
	if err != nil {
		return nil, 0, err
	}
	hits, candidates, err = scanTextHits(rows, true)
	if err != nil {
		return nil, 0, err
	}
	return hits, candidates, nil
}

// searchTextFiltered filters every match before ranking: for a filter that
// few matches pass.
func (db *DB) searchTextFiltered(ctx context.Context, match string, k int, filter string, fargs []any) ([]store.Hit, error) {
	args := append([]any{match}, fargs...)
	args = append(args, k)
	rows, err := db.sql.QueryContext(ctx,
		`SELECT `+chunkColumns+`, d.source, d.title, d.url, -bm25(chunks_fts)
		FROM chunks_fts
		JOIN chunks c ON c.pk = chunks_fts.rowid
		JOIN documents d ON d.id = c.document_id
		WHERE chunks_fts MATCH ?`+filter+`
		ORDER BY bm25(chunks_fts), c.pk
		LIMIT ?`, args...)
	if err != nil {
		return nil, err
	}
	hits, _, err := scanTextHits(rows, false)
	return hits, err
}

// scanTextHits reads hits in order and closes rows; with counted, each row
// ends with the number of candidates.
func scanTextHits(rows *sql.Rows, counted bool) ([]store.Hit, int, error) {
	defer rows.Close()
	hits := []store.Hit{}
	candidates := 0
	for rows.Next() {
		var h store.Hit
		c := &h.Chunk
		dest := []any{&c.ID, &c.DocumentID, &c.Position, &c.Heading, &c.Text, &c.Language, &c.Link,
			&h.Source, &h.Title, &h.URL, &h.Score}
		if counted {
			dest = append(dest, &candidates)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, 0, fmt.Errorf("scan: %w", err)
		}
		h.Rank = len(hits) + 1
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	return hits, candidates, nil
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
