package postgres

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/postgres/pgtest"
)

// BenchmarkSearch measures SearchVector and SearchText on 10,000 chunks of
// random 384-dimension vectors (the hardest case for HNSW: no structure)
// and text drawn from a Zipf-distributed vocabulary of made-up words, and
// reports the recall@10 of the HNSW index against an exact search done in
// Go on the same vectors.
//
//	go test -run '^$' -bench Search -benchtime 200x ./store/postgres/
func BenchmarkSearch(b *testing.B) {
	const (
		chunks = 10_000
		perDoc = 100
		dim    = 384
		k      = 10
	)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	require.NoError(b, pgtest.Reset(ctx, testURL))
	db, err := Open(ctx, testURL)
	require.NoError(b, err)
	defer db.Close()
	require.NoError(b, db.SetKnowledgeIndex(ctx, store.IndexInfo{Embedder: "random", Dimension: dim}))

	rng := rand.New(rand.NewPCG(2024, dim))
	vocab := benchVocabulary(rng, 5000)
	zipf := rand.NewZipf(rand.New(rand.NewPCG(7, 7)), 1.1, 2, uint64(len(vocab)-1))
	sentence := func(words int) string {
		ws := make([]string, words)
		for i := range ws {
			ws[i] = vocab[zipf.Uint64()]
		}
		return strings.Join(ws, " ")
	}

	start := time.Now()
	type stored struct {
		id   string
		lang string
		vec  []float32 // unit length, as stored
	}
	var corpus []stored
	for d := range chunks / perDoc {
		lang := []string{"es", "en"}[d%2]
		cs := make([]store.Chunk, perDoc)
		for i := range cs {
			cs[i] = store.Chunk{Position: i, Text: sentence(60), Embedding: benchVector(rng, dim)}
		}
		doc, err := db.PutDocument(ctx, store.Document{Source: fmt.Sprintf("bench/%03d.md", d), Language: lang}, cs)
		require.NoError(b, err)
		got, err := db.Chunks(ctx, doc.ID)
		require.NoError(b, err)
		for _, c := range got {
			corpus = append(corpus, stored{c.ID, c.Language, c.Embedding})
		}
	}
	b.Logf("stored %d chunks of %d dimensions (HNSW index kept up to date) in %s", len(corpus), dim, time.Since(start).Round(time.Millisecond))

	queries := make([][]float32, 100)
	for i := range queries {
		queries[i] = benchVector(rng, dim)
	}
	// exact is the brute-force top k of q among the chunks that pass keep.
	exact := func(q []float32, keep func(stored) bool) map[string]bool {
		type scored struct {
			id    string
			score float64
		}
		var all []scored
		for _, c := range corpus {
			if keep(c) {
				var dot float64
				for i := range q {
					dot += float64(q[i]) * float64(c.vec[i])
				}
				all = append(all, scored{c.id, dot})
			}
		}
		slices.SortFunc(all, func(a, b scored) int { return cmp.Compare(b.score, a.score) })
		top := map[string]bool{}
		for _, s := range all[:k] {
			top[s.id] = true
		}
		return top
	}
	recall := func(b *testing.B, f store.SearchFilter, keep func(stored) bool) float64 {
		var found, total int
		for _, q := range queries {
			want := exact(q, keep)
			hits, err := db.SearchVector(ctx, store.VectorQuery{Embedding: q, K: k, Filter: f})
			require.NoError(b, err)
			for _, h := range hits {
				if want[h.Chunk.ID] {
					found++
				}
			}
			total += len(want)
		}
		return float64(found) / float64(total)
	}
	searchVector := func(f store.SearchFilter, keep func(stored) bool) func(b *testing.B) {
		return func(b *testing.B) {
			r := recall(b, f, keep)
			i := 0
			for b.Loop() {
				hits, err := db.SearchVector(ctx, store.VectorQuery{Embedding: queries[i%len(queries)], K: k, Filter: f})
				if err != nil || len(hits) != k {
					b.Fatalf("SearchVector: %d hits, %v", len(hits), err)
				}
				i++
			}
			b.ReportMetric(r, "recall@10")
		}
	}
	b.Run("SearchVector", searchVector(store.SearchFilter{}, func(stored) bool { return true }))
	// Half the chunks pass: the index scan must go on past the first
	// candidates it finds (pgvector's iterative scan).
	b.Run("SearchVectorFiltered", searchVector(store.SearchFilter{Language: "en"}, func(c stored) bool { return c.lang == "en" }))

	texts := make([]string, 100)
	for i := range texts {
		texts[i] = sentence(3)
	}
	b.Run("SearchText", func(b *testing.B) {
		i, hits := 0, 0
		for b.Loop() {
			got, err := db.SearchText(ctx, store.TextQuery{Text: texts[i%len(texts)], K: k})
			if err != nil {
				b.Fatalf("SearchText: %v", err)
			}
			hits += len(got)
			i++
		}
		b.ReportMetric(float64(hits)/float64(i), "hits/op")
	})
}

// benchVector draws a random direction, at unit length.
func benchVector(rng *rand.Rand, dim int) []float32 {
	v := make([]float32, dim)
	var norm float64
	for i := range v {
		x := rng.NormFloat64()
		v[i] = float32(x)
		norm += x * x
	}
	norm = math.Sqrt(norm)
	for i := range v {
		v[i] = float32(float64(v[i]) / norm)
	}
	return v
}

// benchVocabulary makes n distinct pronounceable words of two to four
// syllables.
func benchVocabulary(rng *rand.Rand, n int) []string {
	consonants, vowels := "bcdfglmnprstv", "aeiou"
	seen := map[string]bool{}
	var out []string
	for len(out) < n {
		var w strings.Builder
		for range 2 + rng.IntN(3) {
			w.WriteByte(consonants[rng.IntN(len(consonants))])
			w.WriteByte(vowels[rng.IntN(len(vowels))])
		}
		if !seen[w.String()] {
			seen[w.String()] = true
			out = append(out, w.String())
		}
	}
	return out
}
