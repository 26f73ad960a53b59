package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/faroai/faro/store"
)

// fetchAttempts bounds how often a search starts over because a winning
// chunk was deleted between the scan and the fetch of its row.
const fetchAttempts = 3

// SearchVector returns the K chunks nearest to q.Embedding by cosine
// similarity, best first, filters applied during the scan. It is exact:
// every embedded chunk is compared. ErrInvalid for K below 1, an empty
// query, one with no direction (all zeros, or a value that is not finite),
// or one whose dimension differs from the index's.
func (db *DB) SearchVector(ctx context.Context, q store.VectorQuery) ([]store.Hit, error) {
	const op = "search vector"
	if q.K < 1 {
		return nil, wrap(op, invalid("k %d", q.K))
	}
	if len(q.Embedding) == 0 {
		return nil, wrap(op, invalid("empty query embedding"))
	}
	if err := checkVector("query embedding", q.Embedding); err != nil {
		return nil, wrap(op, err)
	}
	for attempt := 1; ; attempt++ {
		hits, complete, err := db.searchVector(ctx, q)
		if err != nil {
			return nil, wrap(op, err)
		}
		if complete || attempt == fetchAttempts {
			return hits, nil
		}
	}
}

// searchVector runs one scan and fetch; complete is false when a winner
// vanished before its row was read.
func (db *DB) searchVector(ctx context.Context, q store.VectorQuery) (hits []store.Hit, complete bool, err error) {
	s, err := db.currentVectors(ctx)
	if err != nil {
		return nil, false, err
	}
	if s.rows() == 0 {
		// Nothing to compare with; still refuse a query of the wrong
		// dimension so the mistake shows before the index fills.
		if s.dim != 0 && len(q.Embedding) != s.dim {
			return nil, false, invalid("query has %d dimensions, the index %d", len(q.Embedding), s.dim)
		}
		return []store.Hit{}, true, nil
	}
	if len(q.Embedding) != s.dim {
		return nil, false, invalid("query has %d dimensions, the index %d", len(q.Embedding), s.dim)
	}
	rf, ok := s.resolveFilter(q.Filter)
	if !ok {
		return []store.Hit{}, true, nil
	}
	query := make([]float32, len(q.Embedding))
	copy(query, q.Embedding)
	if !normalize(query) {
		// Unreachable after checkVector; kept so a zero vector can never
		// reach the dot products as NaN.
		return nil, false, invalid("query embedding: all zeros, no direction")
	}
	winners := s.nearest(query, q.K, rf)
	if len(winners) == 0 {
		return []store.Hit{}, true, nil
	}
	return db.fetchHits(ctx, s, winners)
}

// fetchHits returns the hits of winners, in order (see hitsOf).
func (db *DB) fetchHits(ctx context.Context, s *vectorSnapshot, winners []scored) ([]store.Hit, bool, error) {
	ranked := make([]rankedPK, len(winners))
	for i, w := range winners {
		ranked[i] = rankedPK{pk: s.pks[w.row], score: float64(w.score)}
	}
	return db.hitsOf(ctx, s, ranked)
}

// rankedPK is a chunk a search ranked, by its pk.
type rankedPK struct {
	pk    int64
	score float64
}

// hitsOf returns the chunks of ranked as hits, in order, from the
// snapshot's rows when it holds them and from the database otherwise;
// complete is false when one of them was deleted meanwhile.
func (db *DB) hitsOf(ctx context.Context, s *vectorSnapshot, ranked []rankedPK) ([]store.Hit, bool, error) {
	byPK := make(map[int64]store.Hit, len(ranked))
	var missing []any
	for _, r := range ranked {
		if h, ok := s.hits.Get(r.pk); ok {
			byPK[r.pk] = h
		} else {
			missing = append(missing, r.pk)
		}
	}
	if len(missing) > 0 {
		err := queryIn(ctx, db.sql,
			`SELECT c.pk, `+chunkColumns+`, d.source, d.title, d.url
			FROM chunks c JOIN documents d ON d.id = c.document_id
			WHERE c.pk IN (%s)`, missing,
			func(rows *sql.Rows) error {
				var pk int64
				var h store.Hit
				c := &h.Chunk
				if err := rows.Scan(&pk, &c.ID, &c.DocumentID, &c.Position, &c.Heading, &c.Text, &c.Language, &c.Link,
					&h.Source, &h.Title, &h.URL); err != nil {
					return err
				}
				byPK[pk] = h
				s.hits.Add(pk, h)
				return nil
			})
		if err != nil {
			return nil, false, fmt.Errorf("fetch hits: %w", err)
		}
	}
	hits := make([]store.Hit, 0, len(ranked))
	for _, r := range ranked {
		h, ok := byPK[r.pk]
		if !ok {
			continue
		}
		h.Score = r.score
		h.Rank = len(hits) + 1
		hits = append(hits, h)
	}
	return hits, len(hits) == len(ranked), nil
}
