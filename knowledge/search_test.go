package knowledge

import (
	"context"
	"errors"
	"fmt"
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
	ctx := context.Background()
	url, stop, err := pgtest.Start(ctx)
	require.NoError(t, err, "PostgreSQL for the tests")
	t.Cleanup(stop)
	db, err := postgres.Open(ctx, url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	exerciseSearch(t, db)
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
		require.InDelta(t, 1/float64(DefaultRRFConstant+top.VectorRank)+1/float64(DefaultRRFConstant+top.TextRank), top.Score, 1e-12)
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

func hits(ids ...string) []store.Hit {
	out := make([]store.Hit, len(ids))
	for i, id := range ids {
		out[i] = store.Hit{Chunk: store.Chunk{ID: id}, Source: "s-" + id, Score: float64(10 - i), Rank: i + 1}
	}
	return out
}

func TestFuseRRF(t *testing.T) {
	t.Parallel()
	// k = 1 keeps the sums easy to check by hand:
	// a: vector 1, text 3 → 1/2 + 1/4 = 0.75
	// b: vector 2         → 1/3       ≈ 0.333
	// c: text 1           → 1/2       = 0.5
	// d: vector 3, text 2 → 1/4 + 1/3 ≈ 0.583
	res := fuseRRF(hits("a", "b", "d"), hits("c", "d", "a"), 1)
	var got []string
	for _, r := range res {
		got = append(got, r.Chunk.ID)
	}
	require.Equal(t, []string{"a", "d", "c", "b"}, got)
	require.InDelta(t, 0.75, res[0].Score, 1e-12)
	require.InDelta(t, 1.0/4+1.0/3, res[1].Score, 1e-12)
	require.Equal(t, 1, res[0].VectorRank)
	require.Equal(t, 3, res[0].TextRank)
	require.Equal(t, 0, res[2].VectorRank)
	require.Equal(t, "s-c", res[2].Citation.Source)

	// Equal scores: the better single rank first, then the id.
	res = fuseRRF(hits("x", "y"), hits("z", "w"), 60)
	got = got[:0]
	for _, r := range res {
		got = append(got, r.Chunk.ID)
	}
	require.Equal(t, []string{"x", "z", "w", "y"}, got)

	// One list alone keeps its order.
	res = fuseRRF(nil, hits("c", "b", "a"), 60)
	require.Equal(t, "c", res[0].Chunk.ID)
	require.Equal(t, "a", res[2].Chunk.ID)
}

func TestPickQuote(t *testing.T) {
	t.Parallel()
	text := "## Reembolsos\nSomos una academia online. Reembolsamos el 100% durante 14 días! Después, no.\n- Escríbenos a soporte."
	require.Equal(t, "…Reembolsamos el 100% durante 14 días! Después, no. Escríbenos a soporte.",
		pickQuote(text, []string{"reembols", "dias"}, 240))
	require.Equal(t, "Reembolsos Somos una academia online.", pickQuote(text, nil, 37))
	require.Equal(t, "Reembolsos", pickQuote(text, nil, 20), "the next sentence does not fit")
	require.Equal(t, "", pickQuote("", []string{"x"}, 240))

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
