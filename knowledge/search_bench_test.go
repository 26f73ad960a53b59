package knowledge

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

	"github.com/faroai/faro/llm/offline"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/postgres"
	"github.com/faroai/faro/store/postgres/pgtest"
)

// Search benchmarks over generated corpora of chunk-sized passages (about
// 120 words drawn with Zipf frequencies from a vocabulary of real and
// made-up words, in two languages), embedded by the offline embedder at
// dimension 384: the vectors and term statistics of real text, at any size.
//
//	go test ./knowledge -run '^$' -bench 'Search(SQLite|Postgres)' -benchtime 200x
//
// -short leaves out the 100k-chunk corpora, which take a minute to build.

const (
	benchDim          = 384
	benchChunksPerDoc = 100
	benchQueries      = 64
)

// benchCorpus is a generated corpus: documents, their chunks (with
// embeddings), and queries written from the corpus's words.
type benchCorpus struct {
	docs    []store.Document
	chunks  [][]store.Chunk
	queries []string
}

func genBenchCorpus(tb testing.TB, n int) benchCorpus {
	tb.Helper()
	rng := rand.New(rand.NewPCG(uint64(n), 7))
	vocab := strings.Fields(`curso inteligencia artificial marketing automatización precio certificado
		inscripción reembolso soporte plataforma alumnos módulo lección proyecto práctica datos análisis
		factura suscripción descuento cuotas campus contraseña horario plantilla contrato campaña
		course pricing refund certificate enrolment support platform students module lesson project
		invoice subscription discount installments password schedule template contract campaign
		documents generation audience segment conversion onboarding integration workflow report`)
	syllables := strings.Fields("ca pa ta ma lo ri sen tra mon cion es dor ble men cu ing er ly al pro ve na go fi")
	for len(vocab) < 30000 {
		var w strings.Builder
		for range 2 + rng.IntN(3) {
			w.WriteString(syllables[rng.IntN(len(syllables))])
		}
		vocab = append(vocab, w.String())
	}
	zipf := rand.NewZipf(rng, 1.07, 3, uint64(len(vocab)-1))
	var c benchCorpus
	texts := make([]string, 0, n)
	var b strings.Builder
	for d := 0; d*benchChunksPerDoc < n; d++ {
		lang := []string{"es", "en"}[d%2]
		doc := store.Document{
			Source: fmt.Sprintf("%s/gen/%05d.md", lang, d), Title: fmt.Sprintf("Documento %d", d),
			Language: lang, ContentHash: fmt.Sprint(d), Tags: []string{[]string{"cursos", "soporte", "precios"}[d%3]},
		}
		var chunks []store.Chunk
		for p := range min(benchChunksPerDoc, n-d*benchChunksPerDoc) {
			b.Reset()
			for j := range 120 {
				b.WriteString(vocab[zipf.Uint64()])
				if j%15 == 14 {
					b.WriteString(". ")
				} else {
					b.WriteByte(' ')
				}
			}
			chunks = append(chunks, store.Chunk{Position: p, Heading: doc.Title, Text: b.String(), Link: fmt.Sprintf("%s#p%d", doc.Source, p)})
			texts = append(texts, b.String())
		}
		c.docs = append(c.docs, doc)
		c.chunks = append(c.chunks, chunks)
	}
	e := benchEmbedder(tb)
	vecs, err := e.EmbedDocuments(context.Background(), texts)
	require.NoError(tb, err)
	i := 0
	for _, chunks := range c.chunks {
		for j := range chunks {
			chunks[j].Embedding = vecs[i]
			i++
		}
	}
	// Queries: three to six words of a random passage, as a user retypes
	// what they half remember.
	for range benchQueries {
		words := strings.Fields(texts[rng.IntN(len(texts))])
		start, l := rng.IntN(len(words)-6), 3+rng.IntN(4)
		c.queries = append(c.queries, strings.Join(words[start:start+l], " "))
	}
	return c
}

func benchEmbedder(tb testing.TB) *offline.Embedder {
	tb.Helper()
	e, err := offline.NewEmbedder(offline.EmbedderOptions{Dimension: benchDim})
	require.NoError(tb, err)
	return e
}

// fill stores the corpus, one document (100 chunks) a transaction, and
// returns how long that took.
func (c benchCorpus) fill(tb testing.TB, st store.Knowledge, e *offline.Embedder) time.Duration {
	tb.Helper()
	ctx := context.Background()
	start := time.Now()
	require.NoError(tb, st.SetKnowledgeIndex(ctx, store.IndexInfo{Embedder: e.Name(), Dimension: e.Dimension()}))
	for i, d := range c.docs {
		_, err := st.PutDocument(ctx, d, c.chunks[i])
		require.NoError(tb, err)
	}
	return time.Since(start)
}

func BenchmarkSearchSQLite(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("%dk", n/1000), func(b *testing.B) {
			if n > 10_000 && testing.Short() {
				b.Skip("100k chunks: not with -short")
			}
			c := genBenchCorpus(b, n)
			e := benchEmbedder(b)
			st := openSQLite(b)
			took := c.fill(b, st, e)
			b.Logf("sqlite: stored %d chunks in %s (%.0f chunks/s)", n, took.Round(time.Millisecond), float64(n)/took.Seconds())
			benchSearchModes(b, New(st, e, e.Name(), nil), st, c)
		})
	}
}

// BenchmarkSearchPostgres measures the search paths on PostgreSQL (pgvector
// HNSW + tsvector), and the recall@10 of its approximate vector search
// against exact search on the same data. It needs FARO_TEST_DATABASE_URL or
// PGlite (npm ci), and fails without one. On PGlite (WebAssembly, one
// backend) latencies are far above a real server's; recall is the same.
func BenchmarkSearchPostgres(b *testing.B) {
	ctx := context.Background()
	url, stop, err := pgtest.Start(ctx)
	require.NoError(b, err, "PostgreSQL for the benchmarks")
	b.Cleanup(stop)
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("%dk", n/1000), func(b *testing.B) {
			if n > 10_000 && testing.Short() {
				b.Skip("100k chunks: not with -short")
			}
			require.NoError(b, pgtest.Reset(ctx, url))
			db, err := postgres.Open(ctx, url)
			require.NoError(b, err)
			b.Cleanup(func() { _ = db.Close() })
			c := genBenchCorpus(b, n)
			e := benchEmbedder(b)
			took := c.fill(b, db, e)
			b.Logf("postgres: stored %d chunks in %s (%.0f chunks/s)", n, took.Round(time.Millisecond), float64(n)/took.Seconds())
			b.Run("recall@10", func(b *testing.B) {
				var recall, eps float64
				for b.Loop() {
					recall, eps = hnswRecall(b, db, c, e, 10, 0.01)
				}
				b.ReportMetric(recall, "recall@10")
				b.ReportMetric(eps, "recall@10/eps0.01")
				b.Logf("postgres HNSW against exact search, %d chunks, %d queries: recall@10 %.3f, within 1%% of the 10th distance %.3f", n, len(c.queries), recall, eps)
			})
			benchSearchModes(b, New(db, e, e.Name(), nil), db, c)
		})
	}
}

// benchSearchModes runs Search in each mode, K = 10, cycling through the
// corpus's queries, and the store's vector search alone (the query already
// embedded), which is what the exact-search target is about.
func benchSearchModes(b *testing.B, base *Base, st store.Knowledge, c benchCorpus) {
	ctx := context.Background()
	// Warm up: the first search loads the embedded store's vectors.
	_, err := base.Search(ctx, Query{Text: c.queries[0], K: 10})
	require.NoError(b, err)
	for _, mode := range Modes() {
		b.Run(string(mode), func(b *testing.B) {
			b.ReportAllocs()
			i, found := 0, 0
			for b.Loop() {
				res, err := base.Search(ctx, Query{Text: c.queries[i%len(c.queries)], K: 10, Mode: mode})
				if err != nil {
					b.Fatal(err)
				}
				found += len(res)
				i++
			}
			b.ReportMetric(float64(found)/float64(i), "results/op")
		})
	}
	e := base.embedder
	vecs := make([][]float32, len(c.queries))
	for i, q := range c.queries {
		v, err := e.EmbedQuery(ctx, q)
		require.NoError(b, err)
		vecs[i] = v
	}
	for _, f := range []struct {
		name   string
		filter store.SearchFilter
	}{{"store-vector", store.SearchFilter{}}, {"store-vector-filtered", store.SearchFilter{Language: "en"}}} {
		b.Run(f.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := st.SearchVector(ctx, store.VectorQuery{Embedding: vecs[i%len(vecs)], K: 10, Filter: f.filter}); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// hnswRecall compares the store's vector search with exact search
// (cosine, computed here over the corpus's vectors) for the corpus's
// queries. recall is the mean share of the exact top k that the store
// returns. epsRecall is ann-benchmarks' relaxed recall: a hit counts when
// its cosine distance is within (1+eps) of the exact k-th distance, which
// tells an index that misses equally good neighbours (short queries have
// many chunks within 0.001 of the 10th score) from one that returns
// worse ones.
func hnswRecall(tb testing.TB, st store.Knowledge, c benchCorpus, e *offline.Embedder, k int, eps float64) (recall, epsRecall float64) {
	tb.Helper()
	ctx := context.Background()
	type scored struct {
		key   string
		score float64
	}
	var all []scored
	for _, q := range c.queries {
		v, err := e.EmbedQuery(ctx, q)
		require.NoError(tb, err)
		all = all[:0]
		for d, chunks := range c.chunks {
			for _, ch := range chunks {
				all = append(all, scored{fmt.Sprintf("%s#%d", c.docs[d].Source, ch.Position), cosine(v, ch.Embedding)})
			}
		}
		slices.SortFunc(all, func(a, b scored) int { return cmp.Compare(b.score, a.score) })
		exact := map[string]bool{}
		for _, s := range all[:k] {
			exact[s.key] = true
		}
		maxDist := (1 - all[k-1].score) * (1 + eps)
		hits, err := st.SearchVector(ctx, store.VectorQuery{Embedding: v, K: k})
		require.NoError(tb, err)
		found, near := 0, 0
		for _, h := range hits {
			if exact[fmt.Sprintf("%s#%d", h.Source, h.Chunk.Position)] {
				found++
			}
			if 1-h.Score <= maxDist+1e-9 {
				near++
			}
		}
		recall += float64(found) / float64(k)
		epsRecall += float64(min(near, k)) / float64(k)
	}
	n := float64(len(c.queries))
	return recall / n, epsRecall / n
}

func cosine(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	return dot / math.Sqrt(na*nb)
}

// TestHNSWRecallSQLiteIsExact checks the recall computation itself: the
// embedded store searches exactly, so its recall must be 1.
func TestHNSWRecallSQLiteIsExact(t *testing.T) {
	t.Parallel()
	c := genBenchCorpus(t, 1000)
	e := benchEmbedder(t)
	st := openSQLite(t)
	c.fill(t, st, e)
	recall, eps := hnswRecall(t, st, c, e, 10, 0.01)
	require.InDelta(t, 1.0, recall, 1e-9)
	require.InDelta(t, 1.0, eps, 1e-9)
}
