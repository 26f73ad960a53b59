package sqlite_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/sqlite"
)

// benchDim is the dimension of common small sentence embedders
// (all-MiniLM-L6-v2, multilingual-e5-small).
const benchDim = 384

// fillRandom stores n chunks of random benchDim vectors through PutDocument,
// 1,000 chunks a document, alternating two languages and two tags.
func fillRandom(b *testing.B, db *sqlite.DB, n int) {
	b.Helper()
	rng := rand.New(rand.NewPCG(uint64(n), 1))
	const perDoc = 1000
	for d := 0; d*perDoc < n; d++ {
		lang, tag := "es", "curso"
		if d%2 == 1 {
			lang, tag = "en", "faq"
		}
		putRandomDocument(b, db, rng, fmt.Sprintf("docs/%05d.md", d), lang, []string{tag}, min(perDoc, n-d*perDoc), benchDim)
	}
}

func BenchmarkSearchVector10k(b *testing.B)  { benchSearchVector(b, 10_000) }
func BenchmarkSearchVector100k(b *testing.B) { benchSearchVector(b, 100_000) }

// benchSearchVector measures one exact top-10 search over n chunks, the
// index already in memory ("filtered" keeps half the chunks by language),
// and a search that must first reload the index.
func benchSearchVector(b *testing.B, n int) {
	db := openTest(b)
	fillRandom(b, db, n)
	rng := rand.New(rand.NewPCG(2, 3))
	queries := make([][]float32, 64)
	for i := range queries {
		queries[i] = randomVector(rng, benchDim)
	}
	ctx := b.Context()
	// The first search loads the index; it is not what is measured.
	_, err := db.SearchVector(ctx, store.VectorQuery{Embedding: queries[0], K: 10})
	require.NoError(b, err)
	for _, bc := range []struct {
		name   string
		filter store.SearchFilter
	}{
		{"all", store.SearchFilter{}},
		{"filtered", store.SearchFilter{Language: "en"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				hits, err := db.SearchVector(ctx, store.VectorQuery{Embedding: queries[i%len(queries)], K: 10, Filter: bc.filter})
				if err != nil || len(hits) != 10 {
					b.Fatalf("SearchVector: %d hits, %v", len(hits), err)
				}
				i++
			}
		})
	}
	// reload: every search follows a knowledge write, so it loads the
	// index from the database first. This is the cost a search pays once
	// after each ingest.
	b.Run("reload", func(b *testing.B) {
		info, err := db.KnowledgeIndex(ctx)
		require.NoError(b, err)
		for b.Loop() {
			require.NoError(b, db.SetKnowledgeIndex(ctx, info))
			_, err := db.SearchVector(ctx, store.VectorQuery{Embedding: queries[0], K: 10})
			require.NoError(b, err)
		}
	})
}
