package storetest

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
)

// scoreTolerance is how far a backend's score may be from the cosine this
// suite computes in float64 from the same float32 vectors: a backend may
// compute in float32 and may normalise on write.
const scoreTolerance = 1e-4

// minRecall is the recall@K the approximate backend must reach on average.
// The contract promises exact search from the embedded store and "high
// recall" from PostgreSQL's HNSW index, and a conformance suite cannot ask
// which one it is talking to without an API for it; so every backend is held
// to the approximate bar plus the exact nearest neighbour, the exact scores
// and the exact order of what it returns. On 300 vectors HNSW is exact in
// practice, so a backend that misses this bar is broken, not approximate.
const minRecall = 0.95

func normalized(v []float32) []float64 {
	var norm float64
	for _, x := range v {
		norm += float64(x) * float64(x)
	}
	norm = math.Sqrt(norm)
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x) / norm
	}
	return out
}

func cosine(a, b []float32) float64 {
	na, nb := normalized(a), normalized(b)
	var dot float64
	for i := range na {
		dot += na[i] * nb[i]
	}
	return dot
}

// randomVector draws a direction uniformly (Gaussian components) and a
// length between 0.5 and 2: vectors that are not unit length catch a backend
// that ranks by inner product where the contract says cosine.
func randomVector(rng *rand.Rand, dim int) []float32 {
	v := make([]float32, dim)
	var norm float64
	for i := range v {
		x := rng.NormFloat64()
		v[i] = float32(x)
		norm += x * x
	}
	scale := (0.5 + 1.5*rng.Float64()) / math.Sqrt(norm)
	for i := range v {
		v[i] = float32(float64(v[i]) * scale)
	}
	return v
}

// corpusChunk is one chunk with the document it belongs to, for the
// brute-force side of the comparison.
type corpusChunk struct {
	chunk store.Chunk
	doc   store.Document
}

// matches applies f the way the contract describes SearchFilter: the
// chunk's language, the document's source prefix (plain text, no
// wildcards), and every tag present on the document.
func (c corpusChunk) matches(f store.SearchFilter) bool {
	if f.Language != "" && c.chunk.Language != f.Language {
		return false
	}
	if !strings.HasPrefix(c.doc.Source, f.SourcePrefix) {
		return false
	}
	for _, tag := range f.Tags {
		if !slices.Contains(c.doc.Tags, tag) {
			return false
		}
	}
	return true
}

// scored is a chunk and its brute-force cosine with a query.
type scored struct {
	c     corpusChunk
	score float64
}

// bruteForce ranks every chunk that passes f by cosine with q, best first.
func bruteForce(corpus []corpusChunk, q []float32, f store.SearchFilter) []scored {
	var out []scored
	for _, c := range corpus {
		if c.matches(f) {
			out = append(out, scored{c, cosine(q, c.chunk.Embedding)})
		}
	}
	slices.SortFunc(out, func(a, b scored) int { return cmp.Compare(b.score, a.score) })
	return out
}

// requireHitOf checks that h shows the chunk c and its document as stored.
func requireHitOf(t *testing.T, c corpusChunk, h store.Hit, what string) {
	t.Helper()
	require.Equal(t, c.chunk.DocumentID, h.Chunk.DocumentID, "%s: Chunk.DocumentID", what)
	require.Equal(t, c.chunk.Text, h.Chunk.Text, "%s: Chunk.Text", what)
	require.Equal(t, c.chunk.Position, h.Chunk.Position, "%s: Chunk.Position", what)
	require.Equal(t, c.chunk.Language, h.Chunk.Language, "%s: Chunk.Language", what)
	require.Equal(t, c.chunk.Link, h.Chunk.Link, "%s: Chunk.Link", what)
	require.Equal(t, c.chunk.Heading, h.Chunk.Heading, "%s: Chunk.Heading", what)
	require.Equal(t, c.doc.Source, h.Source, "%s: Source", what)
	require.Equal(t, c.doc.Title, h.Title, "%s: Title", what)
	require.Equal(t, c.doc.URL, h.URL, "%s: URL", what)
}

// requireRanks checks Rank 1..n and scores that never go up.
func requireRanks(t *testing.T, hits []store.Hit, what string) {
	t.Helper()
	for i, h := range hits {
		require.Equal(t, i+1, h.Rank, "%s: hit %d (chunk %s): Rank is 1-based and follows the order", what, i, h.Chunk.ID)
		if i > 0 {
			require.LessOrEqual(t, h.Score, hits[i-1].Score+1e-9, "%s: hit %d scores %v above hit %d (%v): best first", what, i, h.Score, i-1, hits[i-1].Score)
		}
	}
}

// checkVectorHits checks one SearchVector answer against the brute-force
// ranking of the chunks that pass the filter, and returns its recall@K. Ties
// (scores within scoreTolerance) count as either order.
func checkVectorHits(t *testing.T, byID map[string]corpusChunk, hits []store.Hit, want []scored, k int, what string) float64 {
	t.Helper()
	n := min(k, len(want))
	require.Len(t, hits, n, "%s: want the %d nearest of %d matching chunks", what, n, len(want))
	if n == 0 {
		return 1
	}
	requireRanks(t, hits, what)
	exact := map[string]float64{}
	for _, s := range want {
		exact[s.c.chunk.ID] = s.score
	}
	seen := map[string]bool{}
	found := 0
	for i, h := range hits {
		c, known := byID[h.Chunk.ID]
		require.True(t, known, "%s: hit %d is chunk %q, which the suite never stored", what, i, h.Chunk.ID)
		s, passes := exact[h.Chunk.ID]
		require.True(t, passes, "%s: hit %d (chunk %s of %s, language %s) does not pass the filter", what, i, h.Chunk.ID, c.doc.Source, c.chunk.Language)
		require.False(t, seen[h.Chunk.ID], "%s: chunk %s returned twice", what, h.Chunk.ID)
		seen[h.Chunk.ID] = true
		require.InDelta(t, s, h.Score, scoreTolerance, "%s: hit %d (chunk %s): Score must be the cosine similarity", what, i, h.Chunk.ID)
		requireHitOf(t, c, h, fmt.Sprintf("%s: hit %d", what, i))
		if s >= want[n-1].score-scoreTolerance {
			found++
		}
	}
	require.GreaterOrEqual(t, exact[hits[0].Chunk.ID], want[0].score-scoreTolerance,
		"%s: the first hit must be the nearest chunk: got %s (cosine %.6f), nearest is %s (cosine %.6f)",
		what, hits[0].Chunk.ID, exact[hits[0].Chunk.ID], want[0].c.chunk.ID, want[0].score)
	return float64(found) / float64(n)
}

// vectorCorpus stores 6 documents of 50 chunks with random 32-dimension
// vectors (fixed seed) and returns what was stored.
func (b *testBundle) vectorCorpus(t *testing.T, rng *rand.Rand, dim int) []corpusChunk {
	t.Helper()
	b.setIndex(t, "random", dim)
	docs := []store.Document{
		{Source: "cursos/ia-101.md", Title: "IA 101", Language: "es", URL: "https://example.com/ia-101", Tags: []string{"curso", "ia"}},
		{Source: "cursos/ia-102.md", Title: "IA 102", Language: "es", Tags: []string{"curso", "ia", "avanzado"}},
		{Source: "cursos/marketing.md", Title: "Marketing", Language: "en", Tags: []string{"curso", "marketing"}},
		{Source: "faq/precios.md", Title: "Precios", Language: "es", Tags: []string{"faq"}},
		{Source: "faq/prices.md", Title: "Prices", Language: "en", Tags: []string{"faq"}},
		{Source: "blog/novidades.md", Title: "Novidades", Language: "pt"},
	}
	const perDoc = 50
	var corpus []corpusChunk
	for _, d := range docs {
		var chunks []store.Chunk
		for p := range perDoc {
			c := store.Chunk{Position: p, Text: fmt.Sprintf("%s #%d", d.Source, p), Link: fmt.Sprintf("%s#c%d", d.Source, p), Heading: d.Title, Embedding: randomVector(rng, dim)}
			// Some chunks are in another language than their document, so
			// the language filter must look at the chunk.
			if p%7 == 3 {
				c.Language = map[string]string{"es": "en", "en": "es", "pt": "es"}[d.Language]
			}
			chunks = append(chunks, c)
		}
		put := b.putDocument(t, d, chunks)
		stored := b.chunks(t, put.ID)
		require.Len(t, stored, perDoc, "Chunks of %s", d.Source)
		for i, c := range stored {
			require.Equal(t, i, c.Position, "Chunks of %s by position", d.Source)
			// Keep the vector as given: the brute force must not depend on
			// how the backend stores it.
			c.Embedding = chunks[i].Embedding
			corpus = append(corpus, corpusChunk{chunk: c, doc: put})
		}
	}
	return corpus
}

func exerciseSearchVector(t *testing.T, open func(t *testing.T) store.Store) {
	// One store and one corpus for all the vector subtests: storing 300
	// chunks is the slow part on PGlite.
	b := setup(t, open)
	const dim, k = 32, 10
	rng := rand.New(rand.NewPCG(20240601, 32))
	corpus := b.vectorCorpus(t, rng, dim)
	byID := map[string]corpusChunk{}
	for _, c := range corpus {
		byID[c.chunk.ID] = c
	}
	// Half the queries sit near a stored chunk (the usual case: a question
	// close to one passage), half are anywhere.
	var queries [][]float32
	for i := range 10 {
		q := randomVector(rng, dim)
		if i%2 == 0 {
			near := corpus[rng.IntN(len(corpus))].chunk.Embedding
			for j := range q {
				q[j] = near[j] + 0.15*q[j]
			}
		}
		queries = append(queries, q)
	}
	search := func(t *testing.T, q []float32, k int, f store.SearchFilter) []store.Hit {
		t.Helper()
		hits, err := b.store.SearchVector(b.ctx, store.VectorQuery{Embedding: q, K: k, Filter: f})
		require.NoError(t, err, "SearchVector K=%d filter %+v", k, f)
		return hits
	}

	t.Run("NearestK", func(t *testing.T) {
		var recall float64
		for i, q := range queries {
			hits := search(t, q, k, store.SearchFilter{})
			recall += checkVectorHits(t, byID, hits, bruteForce(corpus, q, store.SearchFilter{}), k, fmt.Sprintf("query %d", i))
		}
		recall /= float64(len(queries))
		require.GreaterOrEqual(t, recall, minRecall, "mean recall@%d over %d queries", k, len(queries))
		t.Logf("mean recall@%d: %.3f", k, recall)

		// A stored vector finds itself first, with cosine 1.
		for _, i := range []int{0, 149, 299} {
			c := corpus[i]
			hits := search(t, c.chunk.Embedding, 1, store.SearchFilter{})
			require.Len(t, hits, 1, "SearchVector K=1")
			require.Equal(t, c.chunk.ID, hits[0].Chunk.ID, "a stored vector must find its own chunk first")
			require.InDelta(t, 1.0, hits[0].Score, scoreTolerance, "cosine of a vector with itself")
		}
	})

	t.Run("Filters", func(t *testing.T) {
		filters := []store.SearchFilter{
			{Language: "en"},
			{Language: "pt"},
			{SourcePrefix: "cursos/"},
			{SourcePrefix: "faq/prices"},
			{Tags: []string{"curso", "ia"}},
			{Tags: []string{"avanzado"}},
			{Language: "es", SourcePrefix: "cursos/", Tags: []string{"ia"}},
		}
		var recall float64
		var runs int
		for _, f := range filters {
			require.NotEmpty(t, bruteForce(corpus, queries[0], f), "the corpus must have chunks for filter %+v", f)
			for i, q := range queries[:4] {
				hits := search(t, q, k, f)
				recall += checkVectorHits(t, byID, hits, bruteForce(corpus, q, f), k, fmt.Sprintf("query %d, filter %+v", i, f))
				runs++
			}
		}
		recall /= float64(runs)
		require.GreaterOrEqual(t, recall, minRecall, "mean recall@%d within filters over %d searches", k, runs)
		t.Logf("mean recall@%d within filters: %.3f", k, recall)

		// Nothing passes these. The last three would match "cursos/…" and
		// "faq/…" if a backend passed the prefix to LIKE unescaped.
		for _, f := range []store.SearchFilter{
			{Language: "fr"},
			{Tags: []string{"nope"}},
			{Tags: []string{"faq", "curso"}},
			{SourcePrefix: "cursos_"},
			{SourcePrefix: "cursos%"},
			{SourcePrefix: "%"},
		} {
			require.Empty(t, bruteForce(corpus, queries[0], f), "filter %+v must match nothing", f)
			hits := search(t, queries[0], k, f)
			require.Empty(t, hits, "SearchVector with filter %+v, which no chunk passes", f)
		}
	})

	t.Run("KAboveCorpus", func(t *testing.T) {
		f := store.SearchFilter{SourcePrefix: "blog/"}
		want := bruteForce(corpus, queries[1], f)
		hits := search(t, queries[1], 100, f)
		checkVectorHits(t, byID, hits, want, 100, "K=100 within one document of 50 chunks")

		hits = search(t, queries[1], 1000, store.SearchFilter{})
		recall := checkVectorHits(t, byID, hits, bruteForce(corpus, queries[1], store.SearchFilter{}), 1000, "K=1000 over 300 chunks")
		require.Equal(t, 1.0, recall, "K above the corpus returns every chunk")
	})

	t.Run("WrongDimension", func(t *testing.T) {
		_, err := b.store.SearchVector(b.ctx, store.VectorQuery{Embedding: queries[0][:dim-1], K: k})
		requireErrorIs(t, err, store.ErrInvalid, "SearchVector with a query of another dimension than the index")
	})
}

// textCorpus is a small bilingual knowledge base for full-text search.
func (b *testBundle) textCorpus(t *testing.T) map[string]corpusChunk {
	t.Helper()
	b.setIndex(t, "random", 4)
	rng := rand.New(rand.NewPCG(7, 7))
	docs := []struct {
		doc   store.Document
		texts map[string]string // key → text; the key names the chunk in the tests
	}{
		{store.Document{Source: "cursos/ia-101.md", Title: "IA 101", Language: "es", URL: "https://example.com/ia-101", Tags: []string{"curso", "ia"}}, map[string]string{
			"inscripciones": "Abiertas las inscripciones para el curso de inteligencia artificial de marzo.",
			"precio":        "El precio del curso incluye el certificado final.",
			"clases":        "Las clases son en vivo por videollamada los martes.",
		}},
		{store.Document{Source: "cursos/prompting.md", Title: "Prompting", Language: "en", Tags: []string{"curso"}}, map[string]string{
			"course": "This course covers prompt design and evaluation.",
			"prices": "Prices and discounts for teams of five or more.",
		}},
		{store.Document{Source: "faq/pagos.md", Title: "Pagos", Language: "es", Tags: []string{"faq"}}, map[string]string{
			"pagos":   "Aceptamos pagos con tarjeta y transferencia bancaria.",
			"factura": "Emitimos factura con los datos fiscales de tu empresa.",
		}},
	}
	out := map[string]corpusChunk{}
	for _, d := range docs {
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range d.texts {
				if !yield(k) {
					return
				}
			}
		})
		var chunks []store.Chunk
		for i, key := range keys {
			// No heading: headings are searched too (HeadingIsSearchable),
			// and their words would change what matches and how it ranks.
			chunks = append(chunks, store.Chunk{Position: i, Text: d.texts[key], Embedding: randomVector(rng, 4)})
		}
		put := b.putDocument(t, d.doc, chunks)
		for i, c := range b.chunks(t, put.ID) {
			out[keys[i]] = corpusChunk{chunk: c, doc: put}
		}
	}
	return out
}

func exerciseSearchText(t *testing.T, open func(t *testing.T) store.Store) {
	b := setup(t, open)
	corpus := b.textCorpus(t)
	keyOf := map[string]string{}
	for key, c := range corpus {
		keyOf[c.chunk.ID] = key
	}
	// search returns the keys of the hits, in order, after checking what
	// every answer must satisfy.
	search := func(t *testing.T, q store.TextQuery) []string {
		t.Helper()
		hits, err := b.store.SearchText(b.ctx, q)
		require.NoError(t, err, "SearchText %+v", q)
		require.LessOrEqual(t, len(hits), q.K, "SearchText %+v returns at most K hits", q)
		requireRanks(t, hits, fmt.Sprintf("SearchText %+v", q))
		var keys []string
		for i, h := range hits {
			key, ok := keyOf[h.Chunk.ID]
			require.True(t, ok, "SearchText %+v: hit %d is chunk %q, which the suite never stored", q, i, h.Chunk.ID)
			require.False(t, slices.Contains(keys, key), "SearchText %+v: chunk %q returned twice", q, key)
			requireHitOf(t, corpus[key], h, fmt.Sprintf("SearchText %+v: hit %d", q, i))
			keys = append(keys, key)
		}
		return keys
	}

	t.Run("WordForms", func(t *testing.T) {
		cases := []struct {
			text, lang, want string
		}{
			{"inscripcion", "", "inscripciones"},
			{"inscripción", "es", "inscripciones"},
			{"INSCRIPCIONES", "es", "inscripciones"},
			{"¿Cuándo abren las inscripciones?", "", "inscripciones"},
			{"courses", "en", "course"},
			{"courses", "", "course"},
			{"precios", "es", "precio"},
			{"precios", "", "precio"},
			{"price", "en", "prices"},
			{"facturas", "es", "factura"},
			{"videollamadas", "", "clases"},
		}
		for _, c := range cases {
			q := store.TextQuery{Text: c.text, Language: c.lang, K: 5}
			got := search(t, q)
			require.NotEmpty(t, got, "SearchText %q (language %q) must find %q", c.text, c.lang, corpus[c.want].chunk.Text)
			require.Equal(t, c.want, got[0], "SearchText %q (language %q): the only chunk with the word must come first; got %v", c.text, c.lang, got)
		}
		// A query in another language than the chunk need not match it, but
		// it is not an error either.
		search(t, store.TextQuery{Text: "courses", Language: "es", K: 5})
	})

	t.Run("NothingToLookUp", func(t *testing.T) {
		for _, text := range []string{"", "   ", "¿?!", "de la el the and of", "¿Qué es lo que hay?"} {
			got := search(t, store.TextQuery{Text: text, K: 5})
			require.Empty(t, got, "SearchText %q has no words that are not stop words: want no hits", text)
		}
		got := search(t, store.TextQuery{Text: "zzzyx", K: 5})
		require.Empty(t, got, "SearchText of a word no chunk has")
	})

	t.Run("QuerySyntaxIsText", func(t *testing.T) {
		// Users type quotes, stars and operators; a backend must search
		// for words, never hand the text to a query parser.
		for _, text := range []string{`"curso`, `curso OR NOT precio*`, `curso AND (factura`, `curso:precio ^x NEAR/2 -pagos`, `'; DROP TABLE chunks; --`, `curso & | ! <-> :*`} {
			got := search(t, store.TextQuery{Text: text, Language: "es", K: 10})
			if strings.Contains(text, "curso") {
				require.Contains(t, got, "precio", "SearchText %q must still find the word curso", text)
			}
		}
	})

	t.Run("Ranking", func(t *testing.T) {
		got := search(t, store.TextQuery{Text: "curso de inteligencia artificial", Language: "es", K: 10})
		require.Contains(t, got, "precio", "the chunk with only \"curso\" must match: any query word may match; got %v", got)
		require.Equal(t, "inscripciones", got[0], "the chunk with all three words must rank first; got %v", got)

		got = search(t, store.TextQuery{Text: "pagos con tarjeta", Language: "es", K: 10})
		require.Equal(t, []string{"pagos"}, got, "one chunk has these words")

		// "curso" is in two chunks, "factura" in one: with one matching word
		// each and the same length, the rarer word ranks higher.
		got = search(t, store.TextQuery{Text: "curso factura", Language: "es", K: 10})
		require.Len(t, got, 3, "curso (2 chunks) or factura (1 chunk); got %v", got)
		require.Equal(t, "factura", got[0], "a chunk matching a rarer word must rank above one matching a common word; got %v", got)
	})

	t.Run("K", func(t *testing.T) {
		q := store.TextQuery{Text: "curso courses precio prices pagos factura clases", K: 2}
		got := search(t, q)
		require.Len(t, got, 2, "K=2 caps the answer")
		all := search(t, store.TextQuery{Text: q.Text, K: 100})
		require.Len(t, all, 7, "K above the matches returns every match")
		// The K best are the first K of the full ranking; chunks that tie
		// with the K-th may stand in for one another.
		hits, err := b.store.SearchText(b.ctx, store.TextQuery{Text: q.Text, K: 100})
		require.NoError(t, err, "SearchText")
		cut := hits[1].Score
		for _, key := range got {
			i := slices.Index(all, key)
			require.GreaterOrEqual(t, hits[i].Score, cut-1e-9*math.Abs(cut),
				"K=2 returned %q, which ranks %d of %d with K=100 (%v)", key, i+1, len(all), all)
		}
	})

	t.Run("Filters", func(t *testing.T) {
		text := "curso courses precio prices pagos factura clases"
		cases := []struct {
			f    store.SearchFilter
			want []string
		}{
			{store.SearchFilter{Language: "en"}, []string{"course", "prices"}},
			{store.SearchFilter{SourcePrefix: "faq/"}, []string{"factura", "pagos"}},
			{store.SearchFilter{Tags: []string{"curso"}}, []string{"clases", "course", "inscripciones", "precio", "prices"}},
			{store.SearchFilter{Tags: []string{"curso", "ia"}, Language: "es"}, []string{"clases", "inscripciones", "precio"}},
			{store.SearchFilter{SourcePrefix: "cursos/prompting", Language: "es"}, nil},
			{store.SearchFilter{SourcePrefix: "cursos_"}, nil},
			{store.SearchFilter{SourcePrefix: "%"}, nil},
		}
		for _, c := range cases {
			got := search(t, store.TextQuery{Text: text, K: 100, Filter: c.f})
			require.Equal(t, c.want, sortedStrings(got), "SearchText with filter %+v: the matching chunks that pass it", c.f)
		}
		// Within a filter, K still takes the best.
		got := search(t, store.TextQuery{Text: "curso de inteligencia artificial", Language: "es", K: 1, Filter: store.SearchFilter{Tags: []string{"ia"}}})
		require.Equal(t, []string{"inscripciones"}, got, "K=1 within a filter")
	})

	t.Run("HeadingIsSearchable", func(t *testing.T) {
		// A passage under "Becas > Requisitos" answers a question about
		// becas even when its own text never says the word.
		d := b.putDocument(t, store.Document{Source: "tmp/becas.md", Title: "Becas", Language: "es"},
			[]store.Chunk{{Position: 0, Heading: "Becas > Requisitos", Text: "Presenta tu solicitud antes del viernes.", Embedding: []float32{1, 1, 1, 1}}})
		got, err := b.store.SearchText(b.ctx, store.TextQuery{Text: "beca", K: 5})
		require.NoError(t, err, "SearchText")
		require.Len(t, got, 1, "a word of the chunk's heading must find it")
		require.Equal(t, d.ID, got[0].Chunk.DocumentID, "SearchText beca")
		require.NoError(t, b.store.DeleteDocument(b.ctx, d.ID), "DeleteDocument")
	})

	t.Run("ReplacedAndDeletedTextIsGone", func(t *testing.T) {
		d := b.putDocument(t, store.Document{Source: "tmp/verduras.md", Title: "Verduras", Language: "es"},
			[]store.Chunk{{Position: 0, Text: "La zanahoria es naranja.", Embedding: []float32{1, 2, 3, 4}}})
		got, err := b.store.SearchText(b.ctx, store.TextQuery{Text: "zanahorias", K: 5})
		require.NoError(t, err, "SearchText")
		require.Len(t, got, 1, "a new document is searchable at once")
		require.Equal(t, d.ID, got[0].Chunk.DocumentID, "SearchText zanahorias")

		d2 := b.putDocument(t, store.Document{Source: "tmp/verduras.md", Title: "Verduras", Language: "es"},
			[]store.Chunk{{Position: 0, Text: "El pepino es verde.", Embedding: []float32{4, 3, 2, 1}}})
		got, err = b.store.SearchText(b.ctx, store.TextQuery{Text: "zanahorias", K: 5})
		require.NoError(t, err, "SearchText")
		require.Empty(t, got, "the text of a replaced chunk must leave the index")
		got, err = b.store.SearchText(b.ctx, store.TextQuery{Text: "pepinos", K: 5})
		require.NoError(t, err, "SearchText")
		require.Len(t, got, 1, "the text of the replacing chunk must be searchable")
		require.Equal(t, d2.ID, got[0].Chunk.DocumentID, "SearchText pepinos")

		require.NoError(t, b.store.DeleteDocument(b.ctx, d2.ID), "DeleteDocument")
		got, err = b.store.SearchText(b.ctx, store.TextQuery{Text: "pepinos", K: 5})
		require.NoError(t, err, "SearchText")
		require.Empty(t, got, "the text of a deleted document must leave the index")
	})

	t.Run("HitsFollowChanges", func(t *testing.T) {
		// Searched, replaced, searched again: a store that keeps rows it
		// found must not answer with the old ones.
		search := func(what string) (text, vector store.Hit) {
			t.Helper()
			got, err := b.store.SearchText(b.ctx, store.TextQuery{Text: "berenjenas", K: 1})
			require.NoError(t, err, "SearchText")
			require.Len(t, got, 1, "SearchText %s", what)
			near, err := b.store.SearchVector(b.ctx, store.VectorQuery{Embedding: []float32{-1, 7, -1, 7}, K: 1})
			require.NoError(t, err, "SearchVector")
			require.Len(t, near, 1, "SearchVector %s", what)
			return got[0], near[0]
		}
		put := func(title, text string) store.Document {
			return b.putDocument(t, store.Document{Source: "tmp/berenjenas.md", Title: title, Language: "es", URL: "https://example.com/" + title},
				[]store.Chunk{{Position: 0, Heading: title, Text: text, Embedding: []float32{-1, 7, -1, 7}}})
		}
		d := put("Verduras", "La berenjena es morada.")
		for range 2 {
			text, vector := search("before")
			for _, h := range []store.Hit{text, vector} {
				require.Equal(t, d.ID, h.Chunk.DocumentID)
				require.Equal(t, "La berenjena es morada.", h.Chunk.Text)
				require.Equal(t, "Verduras", h.Title)
			}
		}
		put("Hortalizas", "La berenjena es morada y amarga.")
		text, vector := search("after")
		for _, h := range []store.Hit{text, vector} {
			require.Equal(t, "La berenjena es morada y amarga.", h.Chunk.Text, "the replacing chunk's text")
			require.Equal(t, "Hortalizas", h.Title, "the document's new title")
			require.Equal(t, "Hortalizas", h.Chunk.Heading)
			require.Equal(t, "https://example.com/Hortalizas", h.URL)
		}
		require.NoError(t, b.store.DeleteDocument(b.ctx, d.ID), "DeleteDocument")
	})
}
