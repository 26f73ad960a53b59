package sqlite_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/sqlite"
)

func randomVector(rng *rand.Rand, dim int) []float32 {
	v := make([]float32, dim)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return v
}

// putRandomDocument stores a document of n chunks with random vectors,
// recording a "random" embedder of dim first if none is.
func putRandomDocument(t testing.TB, db *sqlite.DB, rng *rand.Rand, source, lang string, tags []string, n, dim int) store.Document {
	t.Helper()
	info, err := db.KnowledgeIndex(t.Context())
	require.NoError(t, err, "KnowledgeIndex")
	if info.Dimension == 0 {
		require.NoError(t, db.SetKnowledgeIndex(t.Context(), store.IndexInfo{Embedder: "random", Dimension: dim}), "SetKnowledgeIndex")
	}
	chunks := make([]store.Chunk, n)
	for i := range chunks {
		chunks[i] = store.Chunk{Position: i, Text: fmt.Sprintf("%s chunk %d", source, i), Embedding: randomVector(rng, dim)}
	}
	d, err := db.PutDocument(t.Context(), store.Document{Source: source, Language: lang, Tags: tags}, chunks)
	require.NoError(t, err, "PutDocument %s", source)
	return d
}

func cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	return ab / math.Sqrt(aa*bb)
}

// TestSearchVectorMatchesBruteForce compares SearchVector with a float64
// brute force over what Chunks returns, with and without filters.
func TestSearchVectorMatchesBruteForce(t *testing.T) {
	ctx := t.Context()
	db := openTest(t)
	rng := rand.New(rand.NewPCG(7, 8))
	const dim = 16
	type meta struct {
		chunk  store.Chunk
		source string
		tags   []string
	}
	var all []meta
	for i, spec := range []struct {
		source, lang string
		tags         []string
	}{
		{"cursos/ia.md", "es", []string{"curso", "ia"}},
		{"cursos/prompting.md", "en", []string{"curso"}},
		{"faq/pagos.md", "es", []string{"faq"}},
		{"faq/billing.md", "en", []string{"faq", "billing"}},
	} {
		d := putRandomDocument(t, db, rng, spec.source, spec.lang, spec.tags, 300+50*i, dim)
		chunks, err := db.Chunks(ctx, d.ID)
		require.NoError(t, err)
		for _, c := range chunks {
			all = append(all, meta{c, spec.source, spec.tags})
		}
	}
	byID := map[string]meta{}
	for _, m := range all {
		byID[m.chunk.ID] = m
	}
	filters := []store.SearchFilter{{}, {Language: "en"}, {SourcePrefix: "faq/"}, {Tags: []string{"curso"}}, {Language: "es", Tags: []string{"faq"}}}
	for _, f := range filters {
		// K 700 needs two batches of rows fetched by pk.
		for _, k := range []int{1, 10, 10, 10, 700} {
			q := randomVector(rng, dim)
			hits, err := db.SearchVector(ctx, store.VectorQuery{Embedding: q, K: k, Filter: f})
			require.NoError(t, err)
			var want []meta
			for _, m := range all {
				if (f.Language == "" || m.chunk.Language == f.Language) &&
					(f.SourcePrefix == "" || len(m.source) >= len(f.SourcePrefix) && m.source[:len(f.SourcePrefix)] == f.SourcePrefix) &&
					!slices.ContainsFunc(f.Tags, func(tag string) bool { return !slices.Contains(m.tags, tag) }) {
					want = append(want, m)
				}
			}
			slices.SortFunc(want, func(a, b meta) int {
				return -cmpFloat(cosine(q, a.chunk.Embedding), cosine(q, b.chunk.Embedding))
			})
			want = want[:min(k, len(want))]
			require.Len(t, hits, len(want), "filter %+v", f)
			// Each hit is a chunk that passes the filter, with its true
			// cosine as score, and the scores are the best K: the answer
			// is exact up to the order of float32 near-ties.
			seen := map[string]bool{}
			for i, h := range hits {
				m, ok := byID[h.Chunk.ID]
				require.True(t, ok && slices.ContainsFunc(want, func(w meta) bool { return w.chunk.ID == h.Chunk.ID }) ||
					math.Abs(h.Score-cosine(q, want[len(want)-1].chunk.Embedding)) < 1e-5,
					"filter %+v: hit %d is not among the best", f, i+1)
				require.False(t, seen[h.Chunk.ID], "hit %d repeated", i+1)
				seen[h.Chunk.ID] = true
				require.InDelta(t, cosine(q, m.chunk.Embedding), h.Score, 1e-5, "filter %+v: score of hit %d", f, i+1)
				require.InDelta(t, cosine(q, want[i].chunk.Embedding), h.Score, 1e-5, "filter %+v: hit %d has the %d-th best score", f, i+1, i+1)
				require.Equal(t, m.source, h.Source)
				require.Equal(t, i+1, h.Rank)
			}
		}
	}
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// TestSearchVectorSeesEveryWrite checks that the cached index reloads after
// each kind of knowledge write.
func TestSearchVectorSeesEveryWrite(t *testing.T) {
	ctx := t.Context()
	db := openTest(t)
	top := func(q []float32) string {
		t.Helper()
		hits, err := db.SearchVector(ctx, store.VectorQuery{Embedding: q, K: 1})
		require.NoError(t, err)
		if len(hits) == 0 {
			return ""
		}
		return hits[0].Source
	}
	x, y := []float32{1, 0, 0}, []float32{0, 1, 0}
	require.Empty(t, top(x), "empty knowledge base")
	require.NoError(t, db.SetKnowledgeIndex(ctx, store.IndexInfo{Embedder: "test", Dimension: 3}))

	a, err := db.PutDocument(ctx, store.Document{Source: "a"}, []store.Chunk{{Text: "a", Embedding: x}})
	require.NoError(t, err)
	require.Equal(t, "a", top(y), "only chunk")
	_, err = db.PutDocument(ctx, store.Document{Source: "b"}, []store.Chunk{{Text: "b", Embedding: y}})
	require.NoError(t, err)
	require.Equal(t, "b", top(y), "after PutDocument")

	chunks, err := db.Chunks(ctx, a.ID)
	require.NoError(t, err)
	b, err := db.DocumentBySource(ctx, "b")
	require.NoError(t, err)
	bChunks, err := db.Chunks(ctx, b.ID)
	require.NoError(t, err)
	// Swap the two vectors.
	require.NoError(t, db.ReplaceEmbeddings(ctx, store.IndexInfo{Embedder: "swap", Dimension: 3},
		map[string][]float32{chunks[0].ID: y, bChunks[0].ID: x}))
	require.Equal(t, "a", top(y), "after ReplaceEmbeddings")

	require.NoError(t, db.DeleteDocument(ctx, a.ID))
	require.Equal(t, "b", top(y), "after DeleteDocument")
}

func TestDimensionRules(t *testing.T) {
	ctx := t.Context()
	db := openTest(t)

	_, err := db.PutDocument(ctx, store.Document{Source: "text-only"}, []store.Chunk{{Text: "no vector"}})
	require.NoError(t, err, "a chunk without an embedding needs no dimension")
	info, err := db.KnowledgeIndex(ctx)
	require.NoError(t, err)
	require.Zero(t, info)

	_, err = db.PutDocument(ctx, store.Document{Source: "a"}, []store.Chunk{{Text: "a", Embedding: []float32{1, 2}}})
	require.ErrorIs(t, err, store.ErrInvalid, "an embedding before any embedder is recorded")
	info, err = db.KnowledgeIndex(ctx)
	require.NoError(t, err)
	require.Zero(t, info, "a refused embedding records nothing")
	require.ErrorIs(t, db.SetKnowledgeIndex(ctx, store.IndexInfo{Dimension: 2}), store.ErrInvalid, "an embedder without a name")
	require.NoError(t, db.SetKnowledgeIndex(ctx, store.IndexInfo{Embedder: "first", Dimension: 2}))
	d, err := db.PutDocument(ctx, store.Document{Source: "a"}, []store.Chunk{{Text: "a", Embedding: []float32{1, 2}}})
	require.NoError(t, err)
	_, err = db.PutDocument(ctx, store.Document{Source: "zero"}, []store.Chunk{{Text: "z", Embedding: []float32{0, 0}}})
	require.ErrorIs(t, err, store.ErrInvalid, "a zero vector has no direction")

	_, err = db.PutDocument(ctx, store.Document{Source: "b"}, []store.Chunk{{Text: "b", Embedding: []float32{1, 2, 3}}})
	require.ErrorIs(t, err, store.ErrInvalid, "wrong dimension")
	_, err = db.DocumentBySource(ctx, "b")
	require.ErrorIs(t, err, store.ErrNotFound, "a rejected document is not stored")
	_, err = db.PutDocument(ctx, store.Document{Source: "nan"}, []store.Chunk{{Text: "b", Embedding: []float32{float32(math.NaN()), 1}}})
	require.ErrorIs(t, err, store.ErrInvalid, "NaN")
	_, err = db.PutDocument(ctx, store.Document{Source: "pos"}, []store.Chunk{{Text: "1"}, {Text: "2"}})
	require.ErrorIs(t, err, store.ErrInvalid, "repeated position")

	require.ErrorIs(t, db.SetKnowledgeIndex(ctx, store.IndexInfo{Embedder: "big", Dimension: 3}), store.ErrConflict)
	require.NoError(t, db.SetKnowledgeIndex(ctx, store.IndexInfo{Embedder: "named", Dimension: 2}), "same dimension, new name")
	_, err = db.SearchVector(ctx, store.VectorQuery{Embedding: []float32{1, 2, 3}, K: 1})
	require.ErrorIs(t, err, store.ErrInvalid, "query of the wrong dimension")
	_, err = db.SearchVector(ctx, store.VectorQuery{Embedding: []float32{1, 2}, K: 0})
	require.ErrorIs(t, err, store.ErrInvalid, "K 0")
	_, err = db.SearchVector(ctx, store.VectorQuery{Embedding: []float32{0, 0}, K: 1})
	require.ErrorIs(t, err, store.ErrInvalid, "a zero query vector has no direction")

	require.NoError(t, db.DeleteDocument(ctx, d.ID))
	require.NoError(t, db.SetKnowledgeIndex(ctx, store.IndexInfo{Embedder: "big", Dimension: 3}), "no embedded chunk left")

	text, err := db.DocumentBySource(ctx, "text-only")
	require.NoError(t, err)
	tc, err := db.Chunks(ctx, text.ID)
	require.NoError(t, err)
	require.ErrorIs(t, db.ReplaceEmbeddings(ctx, store.IndexInfo{Embedder: "e", Dimension: 3}, map[string][]float32{}), store.ErrInvalid, "a chunk without a vector")
	require.ErrorIs(t, db.ReplaceEmbeddings(ctx, store.IndexInfo{Embedder: "e", Dimension: 3},
		map[string][]float32{tc[0].ID: {1, 2, 3}, "no-such-chunk": {1, 2, 3}}), store.ErrInvalid, "an unknown chunk")
	require.NoError(t, db.ReplaceEmbeddings(ctx, store.IndexInfo{Embedder: "e", Dimension: 3}, map[string][]float32{tc[0].ID: {1, 2, 3}}))
}

// TestSearchVectorDuringWrites runs searches while documents are replaced,
// for the race detector and for the reload path.
func TestSearchVectorDuringWrites(t *testing.T) {
	ctx := t.Context()
	db := openTest(t)
	rng := rand.New(rand.NewPCG(9, 10))
	const dim = 8
	for i := range 4 {
		putRandomDocument(t, db, rng, fmt.Sprintf("doc-%d", i), "es", nil, 50, dim)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		wrng := rand.New(rand.NewPCG(11, 12))
		for i := range 20 {
			putRandomDocument(t, db, wrng, fmt.Sprintf("doc-%d", i%4), "es", nil, 50, dim)
		}
	})
	for r := range 3 {
		wg.Go(func() {
			srng := rand.New(rand.NewPCG(uint64(r), 13))
			for range 30 {
				hits, err := db.SearchVector(ctx, store.VectorQuery{Embedding: randomVector(srng, dim), K: 5})
				if !assertNoError(t, err) {
					return
				}
				if len(hits) != 5 {
					t.Errorf("got %d hits, want 5", len(hits))
				}
			}
		})
	}
	wg.Wait()
}
