package knowledge

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/llm/offline"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/postgres"
	"github.com/faroai/faro/store/postgres/pgtest"
	"github.com/faroai/faro/store/sqlite"
)

// searchDoc is a document of the search tests' small knowledge base.
type searchDoc struct {
	source, title, lang, url string
	tags                     []string
	chunks                   []store.Chunk // Heading, Text, Link
}

var searchDocs = []searchDoc{
	{source: "cursos/ia-marketing.md", title: "IA para marketing", lang: "es", tags: []string{"cursos"}, chunks: []store.Chunk{
		{Heading: "IA para marketing", Text: "Un curso práctico de seis semanas sobre inteligencia artificial aplicada al marketing digital.", Link: "cursos/ia-marketing.md#ia-para-marketing"},
		{Heading: "IA para marketing > Precio", Text: "El curso cuesta 149 USD. Hay un 20% de descuento para grupos de tres o más personas.", Link: "cursos/ia-marketing.md#precio"},
	}},
	{source: "politicas/reembolso.md", title: "Política de reembolso", lang: "es", tags: []string{"politicas"}, chunks: []store.Chunk{
		{Heading: "Política de reembolso", Text: "Reembolsamos el 100% del pago durante los primeros 14 días. Después no hay devoluciones.", Link: "politicas/reembolso.md#politica-de-reembolso"},
	}},
	{source: "en/courses/ai-marketing.md", title: "AI for marketing", lang: "en", tags: []string{"courses"}, chunks: []store.Chunk{
		{Heading: "AI for marketing", Text: "A six-week hands-on course on artificial intelligence for digital marketing.", Link: "en/courses/ai-marketing.md#ai-for-marketing"},
		{Heading: "AI for marketing > Price", Text: "The course costs 149 USD. Groups of three or more get a 20% discount.", Link: "en/courses/ai-marketing.md#price"},
	}},
	{source: "en/support/certificates.md", title: "Certificates", lang: "en", url: "https://example.com/help/certificates", tags: []string{"support"}, chunks: []store.Chunk{
		{Heading: "Certificates", Text: "When you finish a course you receive a certificate of completion by email. Certificates can be verified online."},
	}},
}

// newSearchBase fills st with searchDocs embedded by e, recording e's name,
// and returns a Base over it.
func newSearchBase(t testing.TB, st store.Knowledge, e *offline.Embedder) *Base {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, st.SetKnowledgeIndex(ctx, store.IndexInfo{Embedder: e.Name(), Dimension: e.Dimension()}))
	for _, d := range searchDocs {
		texts := make([]string, len(d.chunks))
		for i, c := range d.chunks {
			texts[i] = c.Heading + "\n" + c.Text
		}
		vs, err := e.EmbedDocuments(ctx, texts)
		require.NoError(t, err)
		chunks := make([]store.Chunk, len(d.chunks))
		for i, c := range d.chunks {
			c.Position, c.Embedding = i, vs[i]
			chunks[i] = c
		}
		_, err = st.PutDocument(ctx, store.Document{Source: d.source, Title: d.title, Language: d.lang, URL: d.url, Tags: d.tags, ContentHash: d.source}, chunks)
		require.NoError(t, err)
	}
	return New(st, e, e.Name(), nil)
}

func openSQLite(t testing.TB) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "faro.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func newOffline(t testing.TB, dim int) *offline.Embedder {
	t.Helper()
	e, err := offline.NewEmbedder(offline.EmbedderOptions{Dimension: dim})
	require.NoError(t, err)
	return e
}

func TestSearchSQLite(t *testing.T) {
	t.Parallel()
	exerciseSearch(t, openSQLite(t))
}

// TestSearchPostgres needs PostgreSQL with pgvector: FARO_TEST_DATABASE_URL
// or PGlite from node_modules (npm ci). It fails without one, never skips.
func TestSearchPostgres(t *testing.T) {
	exerciseSearch(t, openPostgres(t))
}

// openPostgres opens PostgreSQL with pgvector for a test:
// FARO_TEST_DATABASE_URL or PGlite from node_modules (npm ci).
func openPostgres(t testing.TB) *postgres.DB {
	t.Helper()
	ctx := context.Background()
	url, stop, err := pgtest.Start(ctx)
	require.NoError(t, err, "PostgreSQL for the tests")
	t.Cleanup(stop)
	db, err := postgres.Open(ctx, url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// exerciseSearch checks Search against a real store; both backends run it.
func exerciseSearch(t *testing.T, st store.Knowledge) {
	ctx := context.Background()
	b := newSearchBase(t, st, newOffline(t, 0))

	t.Run("hybrid finds the passage with its citation", func(t *testing.T) {
		res, err := b.Search(ctx, Query{Text: "¿Cuánto cuesta el curso de IA para marketing?", Language: "es", K: 3})
		require.NoError(t, err)
		require.NotEmpty(t, res)
		top := res[0]
		require.Equal(t, "cursos/ia-marketing.md", top.Citation.Source)
		require.Equal(t, "IA para marketing", top.Citation.Title)
		require.Equal(t, "IA para marketing > Precio", top.Citation.Heading)
		require.Equal(t, "cursos/ia-marketing.md#precio", top.Citation.Link)
		require.Equal(t, "El curso cuesta 149 USD. Hay un 20% de descuento para grupos de tres o más personas.", top.Citation.Quote)
		require.Positive(t, top.VectorRank)
		require.Positive(t, top.TextRank)
		require.Greater(t, top.Score, 0.0)
		require.LessOrEqual(t, top.Score, 1.0)
		require.LessOrEqual(t, len(res), 3)
		for i := 1; i < len(res); i++ {
			require.GreaterOrEqual(t, res[i-1].Score, res[i].Score)
		}
	})

	t.Run("document URL when the chunk has no link", func(t *testing.T) {
		res, err := b.Search(ctx, Query{Text: "certificate of completion", K: 1})
		require.NoError(t, err)
		require.Len(t, res, 1)
		require.Equal(t, "en/support/certificates.md", res[0].Citation.Source)
		require.Equal(t, "https://example.com/help/certificates", res[0].Citation.Link)
	})

	t.Run("single methods", func(t *testing.T) {
		vec, err := b.Search(ctx, Query{Text: "reembolso del pago", Mode: ModeVector, K: 10})
		require.NoError(t, err)
		require.Len(t, vec, 6, "vector search ranks every passage")
		require.Equal(t, "politicas/reembolso.md", vec[0].Citation.Source)
		for i, r := range vec {
			require.Equal(t, i+1, r.VectorRank)
			require.Zero(t, r.TextRank)
			require.NotZero(t, r.VectorScore)
		}
		txt, err := b.Search(ctx, Query{Text: "reembolso del pago", Mode: ModeText, K: 10})
		require.NoError(t, err)
		require.NotEmpty(t, txt)
		require.Less(t, len(txt), 6, "full text finds only passages with the words")
		require.Equal(t, "politicas/reembolso.md", txt[0].Citation.Source)
		for i, r := range txt {
			require.Equal(t, i+1, r.TextRank)
			require.Zero(t, r.VectorRank)
		}
	})

	t.Run("vector weight", func(t *testing.T) {
		q := Query{Text: "certificate course", K: 10}
		ids := func(b *Base, mode Mode) []string {
			t.Helper()
			q := q
			q.Mode = mode
			res, err := b.Search(ctx, q)
			require.NoError(t, err)
			return fusedIDs(res)
		}
		e := newOffline(t, 0)
		w := New(st, e, e.Name(), nil)
		require.InDelta(t, 0.2, w.VectorWeight(), 0, "the offline embedder's own")
		vec, txt := ids(w, ModeVector), ids(w, ModeText)
		require.NotEqual(t, vec[:len(txt)], txt, "the two methods disagree here")
		require.NoError(t, w.SetVectorWeight(1))
		require.Equal(t, vec, ids(w, ModeHybrid), "weight 1: the vector order")
		require.NoError(t, w.SetVectorWeight(0))
		require.Equal(t, txt, ids(w, ModeHybrid)[:len(txt)], "weight 0: the full-text order first")
	})

	t.Run("filters", func(t *testing.T) {
		for _, mode := range Modes() {
			res, err := b.Search(ctx, Query{Text: "course price 149", Mode: mode, K: 10, Filter: store.SearchFilter{Language: "es"}})
			require.NoError(t, err)
			require.NotEmpty(t, res, mode)
			for _, r := range res {
				require.Equal(t, "es", r.Chunk.Language, mode)
			}
			res, err = b.Search(ctx, Query{Text: "course price", Mode: mode, K: 10, Filter: store.SearchFilter{SourcePrefix: "en/"}})
			require.NoError(t, err)
			require.NotEmpty(t, res, mode)
			for _, r := range res {
				require.True(t, strings.HasPrefix(r.Citation.Source, "en/"), "%s: %s", mode, r.Citation.Source)
			}
			res, err = b.Search(ctx, Query{Text: "certificate", Mode: mode, K: 10, Filter: store.SearchFilter{Tags: []string{"support"}}})
			require.NoError(t, err)
			require.Len(t, res, 1, mode)
			require.Equal(t, "en/support/certificates.md", res[0].Citation.Source)
		}
	})

	t.Run("invalid queries", func(t *testing.T) {
		_, err := b.Search(ctx, Query{Text: "  "})
		require.ErrorIs(t, err, store.ErrInvalid)
		_, err = b.Search(ctx, Query{Text: "hola", Mode: "semantic"})
		require.ErrorIs(t, err, store.ErrInvalid)
		require.ErrorContains(t, err, `"semantic"`)
	})

	t.Run("default K", func(t *testing.T) {
		res, err := b.Search(ctx, Query{Text: "curso course marketing precio price", Mode: ModeVector})
		require.NoError(t, err)
		require.Len(t, res, DefaultK)
	})

	t.Run("another embedder's index", func(t *testing.T) {
		other := newOffline(t, 128)
		for _, c := range []struct {
			name, want string
			e          *offline.Embedder
		}{
			{other.Name(), `"offline-hash-128"`, other},
			// Same name, other dimension: caught by the query vector's length.
			{"offline-hash-384", "dimension 128", other},
		} {
			ob := New(st, c.e, c.name, nil)
			for _, mode := range []Mode{ModeHybrid, ModeVector} {
				_, err := ob.Search(ctx, Query{Text: "precio", Mode: mode})
				require.ErrorIs(t, err, ErrEmbedderMismatch)
				require.ErrorContains(t, err, "faro ingest --reembed")
				require.ErrorContains(t, err, c.want)
				require.ErrorContains(t, err, `"offline-hash-384" with dimension 384`)
			}
			res, err := ob.Search(ctx, Query{Text: "precio", Mode: ModeText})
			require.NoError(t, err, "full text needs no vectors")
			require.NotEmpty(t, res)
		}
	})

	t.Run("embedder failure", func(t *testing.T) {
		fb := New(st, failingEmbedder{}, b.embedderName, nil)
		res, err := fb.Search(ctx, Query{Text: "reembolso"})
		require.NoError(t, err, "hybrid falls back to full text")
		require.NotEmpty(t, res)
		require.Equal(t, "politicas/reembolso.md", res[0].Citation.Source)
		_, err = fb.Search(ctx, Query{Text: "reembolso", Mode: ModeVector})
		require.ErrorIs(t, err, errProviderDown)
	})
}

var errProviderDown = errors.New("provider down")

// failingEmbedder stands for an embedding provider that cannot be reached.
type failingEmbedder struct{}

func (failingEmbedder) EmbedDocuments(context.Context, []string) ([][]float32, error) {
	return nil, errProviderDown
}

func (failingEmbedder) EmbedQuery(context.Context, string) ([]float32, error) {
	return nil, errProviderDown
}

func TestSearchEmptyBase(t *testing.T) {
	t.Parallel()
	e := newOffline(t, 0)
	b := New(openSQLite(t), e, e.Name(), nil)
	for _, mode := range Modes() {
		res, err := b.Search(context.Background(), Query{Text: "¿Cuánto cuesta?", Mode: mode})
		require.NoError(t, err, mode)
		require.Empty(t, res, mode)
	}
}

// scored makes a ranked list of hits from id, score pairs.
func scored(pairs ...any) []store.Hit {
	out := make([]store.Hit, 0, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		id := pairs[i].(string)
		out = append(out, store.Hit{Chunk: store.Chunk{ID: id}, Source: "s-" + id, Score: pairs[i+1].(float64), Rank: i/2 + 1})
	}
	return out
}

func fusedIDs(res []Result) []string {
	var got []string
	for _, r := range res {
		got = append(got, r.Chunk.ID)
	}
	return got
}

func TestFuse(t *testing.T) {
	t.Parallel()
	// Normalised by the best of each list, a missing passage at the
	// list's lowest:
	//   vector a 0.8 → 1, b 0.4 → 0.5 (c: 0.5)
	//   text   b 20 → 1, c 10 → 0.5, a 5 → 0.25
	vector, text := scored("a", 0.8, "b", 0.4), scored("b", 20.0, "c", 10.0, "a", 5.0)

	// A weak vector side refines the full-text order:
	// a .25·1 + .75·.25 = .4375, b .25·.5 + .75·1 = .875, c .25·.5 + .75·.5 = .5
	res := fuse(vector, text, 0.25)
	require.Equal(t, []string{"b", "c", "a"}, fusedIDs(res))
	require.InDelta(t, 0.875, res[0].Score, 1e-12)
	require.InDelta(t, 0.5, res[1].Score, 1e-12)
	require.InDelta(t, 0.4375, res[2].Score, 1e-12)
	require.Equal(t, 2, res[0].VectorRank)
	require.Equal(t, 1, res[0].TextRank)
	require.InDelta(t, 0.4, res[0].VectorScore, 1e-12)
	require.InDelta(t, 20.0, res[0].TextScore, 1e-12)
	require.Equal(t, 0, res[1].VectorRank)
	require.Equal(t, "s-c", res[1].Citation.Source)

	// A strong one overturns it: a .8125, b .625, c .5.
	res = fuse(vector, text, 0.75)
	require.Equal(t, []string{"a", "b", "c"}, fusedIDs(res))
	require.InDelta(t, 0.8125, res[0].Score, 1e-12)

	// Weight 0 follows the full text; 1 the vectors.
	require.Equal(t, []string{"b", "c", "a"}, fusedIDs(fuse(vector, text, 0)))
	require.Equal(t, []string{"a", "b", "c"}, fusedIDs(fuse(vector, text, 1)))

	// Equal scores: the better single rank first, then the id.
	res = fuse(scored("x", 1.0, "y", 0.5), scored("z", 2.0, "w", 1.0), 0.5)
	require.Equal(t, []string{"x", "z", "w", "y"}, fusedIDs(res))

	// One list alone keeps its order, whatever the weight.
	res = fuse(nil, scored("c", 3.0, "b", 2.0, "a", 1.0), 0.9)
	require.Equal(t, []string{"c", "b", "a"}, fusedIDs(res))
	require.InDelta(t, 1.0, res[0].Score, 1e-12)
	res = fuse(scored("c", 0.3, "b", 0.2), nil, 0.1)
	require.Equal(t, []string{"c", "b"}, fusedIDs(res))

	// A side with no positive score adds nothing.
	res = fuse(scored("a", -0.1, "b", -0.2), scored("b", 2.0, "a", 1.0), 0.5)
	require.Equal(t, []string{"b", "a"}, fusedIDs(res))
	require.InDelta(t, 0.5, res[0].Score, 1e-12)
}

// plainEmbedder hides the offline embedder's own vector weight.
type plainEmbedder struct{ Embedder }

func TestVectorWeight(t *testing.T) {
	t.Parallel()
	e := newOffline(t, 0)
	b := New(openSQLite(t), plainEmbedder{e}, e.Name(), nil)
	require.InDelta(t, DefaultVectorWeight, b.VectorWeight(), 0, "an embedder that does not say")
	require.NoError(t, b.SetVectorWeight(0))
	require.InDelta(t, 0.0, b.VectorWeight(), 0)
	require.NoError(t, b.SetVectorWeight(1))
	for _, w := range []float64{-0.1, 1.5, math.NaN()} {
		require.Error(t, b.SetVectorWeight(w), w)
	}
	require.InDelta(t, 1.0, b.VectorWeight(), 0, "a refused weight changes nothing")
}

func TestPickQuote(t *testing.T) {
	t.Parallel()
	text := "## Reembolsos\nSomos una academia online. Reembolsamos el 100% durante 14 días! Después, no.\n- Escríbenos a soporte."
	require.Equal(t, "…Reembolsamos el 100% durante 14 días! Después, no. Escríbenos a soporte.",
		pickQuote(text, []string{"reembols", "dias"}, 240))
	require.Equal(t, "Reembolsos Somos una academia online.", pickQuote(text, nil, 37))
	require.Equal(t, "Reembolsos", pickQuote(text, nil, 20), "the next sentence does not fit")
	require.Equal(t, "", pickQuote("", []string{"x"}, 240))
	wrapped := "El libro está incluido. El cuaderno se compra aparte y\ncuesta 18 USD en recepción."
	require.Equal(t, "…El cuaderno se compra aparte y cuesta 18 USD en recepción.", pickQuote(wrapped, []string{"cuest"}, 240),
		"a hard-wrapped sentence is quoted whole")

	long := strings.Repeat("palabra ", 100)
	q := pickQuote(long, nil, 50)
	require.LessOrEqual(t, len([]rune(q)), 50)
	require.True(t, strings.HasSuffix(q, "palabra…"), q)
	require.Equal(t, "abcdefghi…", cutQuote(strings.Repeat("abcdefghij", 3), 10))

	require.True(t, containsWordPrefix("el reembolso total", "reembols"))
	require.True(t, containsWordPrefix("reembolso", "reembols"))
	require.True(t, containsWordPrefix("pagos, (reembolso)", "reembols"))
	require.False(t, containsWordPrefix("sin-reembolso", "embols"))
	require.False(t, containsWordPrefix("", "x"))
}

func TestCitationString(t *testing.T) {
	t.Parallel()
	c := Citation{Source: "politicas/reembolso.md", Title: "Política de reembolso", Heading: "Plazos", Link: "politicas/reembolso.md#plazos"}
	require.Equal(t, "Política de reembolso › Plazos (politicas/reembolso.md#plazos)", c.String())
	require.Equal(t, "a.md (a.md)", Citation{Source: "a.md"}.String())
	_ = fmt.Sprint(c)
}
