package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"sync/atomic"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/faroai/faro/store"
)

// vectorCache holds the in-memory vector index of one DB. Searches read the
// current snapshot without locking; a load replaces it whole.
type vectorCache struct {
	snap atomic.Pointer[vectorSnapshot]
	// loading admits one load at a time, so concurrent searches after a
	// write load once; a channel so that waiting honours ctx.
	loading chan struct{}
}

func (c *vectorCache) reset() { c.snap.Store(nil) }

// vectorSnapshot is every embedded chunk at one knowledge generation,
// immutable once built. Rows are parallel across the slices.
type vectorSnapshot struct {
	generation int64
	dim        int
	// vecs holds row i at vecs[i*dim:(i+1)*dim], scaled to unit length so
	// that a dot product is the cosine (a zero vector stays zero).
	vecs  []float32
	pks   []int64 // chunks.pk of each row
	docs  []int32 // each row's index into docSources and docTags
	langs []int32 // each row's index into languages

	docSources []string
	docTags    [][]string
	languages  []string

	// hits holds rows searches found, as hits without Score and Rank:
	// a row is read once per generation, not once per search that finds
	// it. Its pages are seldom in SQLite's page cache, which a
	// connection drops whenever anything was written since its last
	// transaction — every few milliseconds on a busy server.
	hits *lru.Cache[int64, store.Hit]
}

// cachedHits bounds the rows a snapshot keeps (a chunk is what the
// chunker cut: 800 runes by default).
const cachedHits = 4096

func (s *vectorSnapshot) rows() int { return len(s.pks) }

// currentVectors returns a snapshot at least as new as the knowledge
// generation at the time of the call, loading one if the cached one is
// older. The check costs one single-row SELECT.
func (db *DB) currentVectors(ctx context.Context) (*vectorSnapshot, error) {
	gen, err := generation(ctx, db.sql)
	if err != nil {
		return nil, err
	}
	if s := db.vectors.snap.Load(); s != nil && s.generation >= gen {
		return s, nil
	}
	select {
	case db.vectors.loading <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-db.vectors.loading }()
	// Another search may have loaded it while this one waited.
	if s := db.vectors.snap.Load(); s != nil && s.generation >= gen {
		return s, nil
	}
	var s *vectorSnapshot
	err = db.read(ctx, func(tx *sql.Tx) (err error) {
		s, err = loadVectors(ctx, tx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("load vectors: %w", err)
	}
	db.vectors.snap.Store(s)
	return s, nil
}

// loadVectors reads every embedded chunk inside one read transaction, so the
// snapshot matches the generation it is labelled with.
func loadVectors(ctx context.Context, tx *sql.Tx) (*vectorSnapshot, error) {
	hits, err := lru.New[int64, store.Hit](cachedHits)
	if err != nil {
		return nil, fmt.Errorf("hit cache: %w", err)
	}
	s := &vectorSnapshot{hits: hits}
	var n int
	if err := tx.QueryRowContext(ctx,
		`SELECT generation, dimension, (SELECT count(*) FROM chunks WHERE embedding IS NOT NULL) FROM knowledge_meta`).
		Scan(&s.generation, &s.dim, &n); err != nil {
		return nil, fmt.Errorf("read knowledge meta: %w", err)
	}
	docIndex, err := loadDocMeta(ctx, tx, s)
	if err != nil {
		return nil, err
	}
	s.vecs = make([]float32, 0, n*s.dim)
	s.pks = make([]int64, 0, n)
	s.docs = make([]int32, 0, n)
	s.langs = make([]int32, 0, n)
	langIndex := map[string]int32{}

	rows, err := tx.QueryContext(ctx,
		`SELECT pk, document_id, language, embedding FROM chunks WHERE embedding IS NOT NULL ORDER BY pk`)
	if err != nil {
		return nil, fmt.Errorf("select embeddings: %w", err)
	}
	defer rows.Close()
	// RawBytes are reused from row to row and only looked up or decoded
	// before the next one: loading allocates nothing per row.
	var docID, lang, blob sql.RawBytes
	for rows.Next() {
		var pk int64
		if err := rows.Scan(&pk, &docID, &lang, &blob); err != nil {
			return nil, fmt.Errorf("scan embedding: %w", err)
		}
		if len(blob) != 4*s.dim {
			return nil, fmt.Errorf("chunk %d: embedding of %d bytes, index dimension %d", pk, len(blob), s.dim)
		}
		doc, ok := docIndex[string(docID)]
		if !ok {
			return nil, fmt.Errorf("chunk %d: no document %q", pk, docID)
		}
		li, ok := langIndex[string(lang)]
		if !ok {
			li = int32(len(s.languages))
			langIndex[string(lang)] = li
			s.languages = append(s.languages, string(lang))
		}
		row := len(s.vecs)
		s.vecs = s.vecs[:row+s.dim]
		v := s.vecs[row:]
		decodeVectorInto(v, blob)
		normalize(v)
		s.pks = append(s.pks, pk)
		s.docs = append(s.docs, doc)
		s.langs = append(s.langs, li)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("select embeddings: %w", err)
	}
	return s, nil
}

// loadDocMeta fills the document columns filters need and returns the
// index of each document id.
func loadDocMeta(ctx context.Context, tx *sql.Tx, s *vectorSnapshot) (map[string]int32, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, source, tags FROM documents`)
	if err != nil {
		return nil, fmt.Errorf("select documents: %w", err)
	}
	defer rows.Close()
	index := map[string]int32{}
	for rows.Next() {
		var id, source, tagsJSON string
		if err := rows.Scan(&id, &source, &tagsJSON); err != nil {
			return nil, fmt.Errorf("scan document: %w", err)
		}
		var tags []string
		if err := json.Unmarshal([]byte(tagsJSON), &tags); err != nil {
			return nil, fmt.Errorf("document %q: tags: %w", id, err)
		}
		index[id] = int32(len(s.docSources))
		s.docSources = append(s.docSources, source)
		s.docTags = append(s.docTags, tags)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("select documents: %w", err)
	}
	return index, nil
}

// normalize scales v to unit length in place and reports whether it could:
// a zero vector stays zero.
func normalize(v []float32) bool {
	var sum float64
	for _, f := range v {
		sum += float64(f) * float64(f)
	}
	if sum == 0 {
		return false
	}
	inv := float32(1 / math.Sqrt(sum))
	for i := range v {
		v[i] *= inv
	}
	return true
}
