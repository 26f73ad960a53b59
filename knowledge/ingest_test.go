package knowledge

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/llm/offline"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/postgres"
	"github.com/faroai/faro/store/postgres/pgtest"
	"github.com/faroai/faro/store/sqlite"
)

// The ingest suite runs on both backends: what Ingest promises (skip the
// unchanged, replace the changed in one go, prune, re-embed) rests on the
// stores' contracts, so it must hold on each.

func TestIngestSQLite(t *testing.T) {
	exerciseIngest(t, func(t *testing.T) store.Store {
		db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "faro.db"))
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		return db
	})
}

// TestIngestPostgres needs PostgreSQL with pgvector: FARO_TEST_DATABASE_URL
// or PGlite from node_modules (npm ci). It fails without one, never skips.
// Subtests share one database, reset between them, one at a time.
func TestIngestPostgres(t *testing.T) {
	ctx := context.Background()
	url, stop, err := pgtest.Start(ctx)
	require.NoError(t, err, "PostgreSQL for the tests")
	t.Cleanup(stop)
	exerciseIngest(t, func(t *testing.T) store.Store {
		require.NoError(t, pgtest.Reset(ctx, url))
		db, err := postgres.Open(ctx, url)
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		return db
	})
}

// ingestBundle is what one subtest works with.
type ingestBundle struct {
	ctx   context.Context
	store store.Store
	base  *Base
	emb   *offline.Embedder
	dir   string // a copy of testdata/docs, plus a PDF and a broken PDF
}

func setupIngest(t *testing.T, open func(t *testing.T) store.Store) *ingestBundle {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	st := open(t)
	emb := testEmbedder(t, 64)
	dir := t.TempDir()
	require.NoError(t, os.CopyFS(dir, os.DirFS(filepath.Join("testdata", "docs"))))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "en", "guide.pdf"), makePDF(t, pdfPages), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "es", "roto.pdf"), []byte("%PDF-1.4 this is not a real PDF"), 0o644))
	return &ingestBundle{ctx: ctx, store: st, base: New(st, emb, emb.Name(), nil), emb: emb, dir: dir}
}

func testEmbedder(t testing.TB, dim int) *offline.Embedder {
	t.Helper()
	e, err := offline.NewEmbedder(offline.EmbedderOptions{Dimension: dim})
	require.NoError(t, err)
	return e
}

// docSources lists the stored sources.
func docSources(t *testing.T, b *ingestBundle) []string {
	t.Helper()
	docs, err := b.base.Documents(b.ctx, 0, 1000)
	require.NoError(t, err)
	var out []string
	for _, d := range docs {
		out = append(out, d.Source)
	}
	return out
}

func chunksOf(t *testing.T, b *ingestBundle, source string) []store.Chunk {
	t.Helper()
	d, err := b.store.DocumentBySource(b.ctx, source)
	require.NoError(t, err)
	cs, err := b.store.Chunks(b.ctx, d.ID)
	require.NoError(t, err)
	return cs
}

var testdataSources = []string{"en/faq.csv", "en/guide.pdf", "en/refunds.html", "en/support-notes.txt", "es/cursos/ia-marketing.md"}

func exerciseIngest(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("Idempotent", func(t *testing.T) {
		b := setupIngest(t, open)
		var progress []Progress
		rep, err := b.base.Ingest(b.ctx, Source{Paths: []string{b.dir}}, IngestOptions{
			ProgressFunc: func(p Progress) { progress = append(progress, p) },
		})
		require.NoError(t, err)
		require.Equal(t, 6, rep.Found)
		require.Equal(t, 5, rep.Added)
		require.Len(t, rep.Failed, 1, "the broken PDF is reported, the rest goes on")
		require.Equal(t, "es/roto.pdf", rep.Failed[0].Source)
		require.Contains(t, rep.Failed[0].Reason, "PDF")
		require.Equal(t, testdataSources, docSources(t, b))

		require.Len(t, progress, 6)
		for i, p := range progress {
			require.Equal(t, i+1, p.Done)
			require.Equal(t, 6, p.Total)
		}

		info, err := b.store.KnowledgeIndex(b.ctx)
		require.NoError(t, err)
		require.Equal(t, store.IndexInfo{Embedder: "offline-hash-64", Dimension: 64}, info, "a new index records its embedder")

		total := 0
		for _, src := range testdataSources {
			cs := chunksOf(t, b, src)
			require.NotEmpty(t, cs, src)
			total += len(cs)
			for i, c := range cs {
				require.Equal(t, i, c.Position)
				require.Len(t, c.Embedding, 64)
				require.NotEmpty(t, c.Link)
				require.NotEmpty(t, c.Heading)
			}
		}
		require.Equal(t, total, rep.Chunks)

		doc, err := b.store.DocumentBySource(b.ctx, "en/faq.csv")
		require.NoError(t, err)
		require.Equal(t, "en", doc.Language)
		require.Equal(t, "faq", doc.Title)
		require.Len(t, chunksOf(t, b, "en/faq.csv"), 2, "one chunk per question")
		pdfChunks := chunksOf(t, b, "en/guide.pdf")
		require.Equal(t, "en/guide.pdf#page=2", pdfChunks[len(pdfChunks)-1].Link)

		again, err := b.base.Ingest(b.ctx, Source{Paths: []string{b.dir}}, IngestOptions{})
		require.NoError(t, err)
		require.Equal(t, 5, again.Skipped, "unchanged documents are skipped")
		require.Zero(t, again.Added+again.Updated+again.Chunks)
		require.Len(t, again.Failed, 1)

		forced, err := b.base.Ingest(b.ctx, Source{Paths: []string{b.dir}}, IngestOptions{Force: true, Chunking: ChunkOptions{Size: 100, Overlap: 20}})
		require.NoError(t, err)
		require.Equal(t, 5, forced.Updated)
		require.Greater(t, forced.Chunks, total, "smaller chunks, more of them")
	})

	t.Run("ChangedReplaced", func(t *testing.T) {
		b := setupIngest(t, open)
		_, err := b.base.Ingest(b.ctx, Source{Paths: []string{b.dir}}, IngestOptions{})
		require.NoError(t, err)
		before := chunksOf(t, b, "es/cursos/ia-marketing.md")

		md := filepath.Join(b.dir, "es", "cursos", "ia-marketing.md")
		require.NoError(t, os.WriteFile(md, []byte("# IA para marketing\n\nCurso práctico de seis semanas.\n\n## Precios\n\nAhora cuesta 349 USD.\n"), 0o644))
		rep, err := b.base.Ingest(b.ctx, Source{Paths: []string{b.dir}}, IngestOptions{})
		require.NoError(t, err)
		require.Equal(t, 1, rep.Updated)
		require.Equal(t, 4, rep.Skipped)
		require.Equal(t, 2, rep.Chunks)

		after := chunksOf(t, b, "es/cursos/ia-marketing.md")
		require.Len(t, after, 2)
		require.NotEqual(t, len(before), len(after))
		require.Equal(t, "Ahora cuesta 349 USD.", after[1].Text)
		require.Equal(t, "IA para marketing > Precios", after[1].Heading)
		for _, c := range after {
			require.NotContains(t, c.Text, "299", "old chunks are gone")
		}
		doc, err := b.store.DocumentBySource(b.ctx, "es/cursos/ia-marketing.md")
		require.NoError(t, err)
		require.Equal(t, 2, doc.Chunks)
		require.Equal(t, []string{"cursos"}, doc.Tags, "the front matter tag went with the old version")
	})

	t.Run("Prune", func(t *testing.T) {
		b := setupIngest(t, open)
		_, err := b.base.Ingest(b.ctx, Source{Paths: []string{b.dir}}, IngestOptions{})
		require.NoError(t, err)
		// Another root under a prefix of its own, and a fetched page.
		other := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(other, "manual.md"), []byte("# Manual\n\nHow to use the product.\n"), 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(other, "extra.md"), []byte("# Extra\n\nMore about the product.\n"), 0o644))
		manual := Source{Paths: []string{other}, Prefix: "manual/"}
		_, err = b.base.Ingest(b.ctx, manual, IngestOptions{})
		require.NoError(t, err)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html><title>Blog</title><body><main><p>A post about the course and the team.</p></main></body></html>")
		}))
		t.Cleanup(srv.Close)
		list := filepath.Join(t.TempDir(), "blog.urls")
		require.NoError(t, os.WriteFile(list, []byte(srv.URL+"/post\n"), 0o644))
		_, err = b.base.Ingest(b.ctx, Source{Paths: []string{list}}, IngestOptions{})
		require.NoError(t, err)
		require.Len(t, docSources(t, b), 8)

		// A prefix bounds what its source prunes.
		require.NoError(t, os.Remove(filepath.Join(other, "extra.md")))
		rep, err := b.base.Ingest(b.ctx, manual, IngestOptions{Prune: true})
		require.NoError(t, err)
		require.Equal(t, 1, rep.Pruned)
		require.NotContains(t, docSources(t, b), "manual/extra.md")
		require.Len(t, docSources(t, b), 7)

		require.NoError(t, os.Remove(filepath.Join(b.dir, "en", "support-notes.txt")))
		require.NoError(t, os.Remove(filepath.Join(b.dir, "es", "roto.pdf")))
		// Without Prune nothing goes; with a path that cannot be listed
		// nothing goes either.
		rep, err = b.base.Ingest(b.ctx, Source{Paths: []string{b.dir}}, IngestOptions{})
		require.NoError(t, err)
		require.Zero(t, rep.Pruned)
		rep, err = b.base.Ingest(b.ctx, Source{Paths: []string{b.dir, filepath.Join(b.dir, "gone")}}, IngestOptions{Prune: true})
		require.NoError(t, err)
		require.Zero(t, rep.Pruned, "a path that cannot be listed stops pruning")
		require.Contains(t, docSources(t, b), "en/support-notes.txt")

		// No prefix: the knowledge base's file documents become exactly
		// these paths' files; fetched pages stay.
		rep, err = b.base.Ingest(b.ctx, Source{Paths: []string{b.dir}}, IngestOptions{Prune: true})
		require.NoError(t, err)
		require.Equal(t, 2, rep.Pruned)
		_, err = b.store.DocumentBySource(b.ctx, "en/support-notes.txt")
		require.ErrorIs(t, err, store.ErrNotFound)
		require.Equal(t, append(slices.Clone(testdataSources[:3]), "es/cursos/ia-marketing.md", srv.URL+"/post"), docSources(t, b))

		// A URL list prunes URLs only.
		require.NoError(t, os.WriteFile(list, []byte("# nothing now\n"), 0o644))
		rep, err = b.base.Ingest(b.ctx, Source{Paths: []string{list}}, IngestOptions{Prune: true})
		require.NoError(t, err)
		require.Equal(t, 1, rep.Pruned)
		require.Len(t, docSources(t, b), 4)
	})

	t.Run("Reembed", func(t *testing.T) {
		b := setupIngest(t, open)
		first, err := b.base.Ingest(b.ctx, Source{Paths: []string{b.dir}}, IngestOptions{})
		require.NoError(t, err)

		wide := testEmbedder(t, 128)
		other := New(b.store, wide, wide.Name(), nil)
		_, err = other.Ingest(b.ctx, Source{Paths: []string{b.dir}}, IngestOptions{})
		require.ErrorIs(t, err, ErrEmbedderMismatch)
		require.ErrorContains(t, err, "faro ingest --reembed")
		require.ErrorContains(t, err, "offline-hash-64")

		rep, err := other.Ingest(b.ctx, Source{Paths: []string{b.dir}}, IngestOptions{Reembed: true})
		require.NoError(t, err)
		require.Equal(t, first.Chunks, rep.Reembedded)
		require.Equal(t, 5, rep.Skipped)
		info, err := b.store.KnowledgeIndex(b.ctx)
		require.NoError(t, err)
		require.Equal(t, store.IndexInfo{Embedder: "offline-hash-128", Dimension: 128}, info)
		for _, src := range testdataSources {
			for _, c := range chunksOf(t, b, src) {
				require.Len(t, c.Embedding, 128)
				want, err := wide.EmbedDocuments(b.ctx, []string{embeddingText(c)})
				require.NoError(t, err)
				require.InDeltaSlice(t, want[0], c.Embedding, 1e-6)
			}
		}
		// Back to the first embedder: the error again, now naming the new one.
		_, err = b.base.Ingest(b.ctx, Source{Paths: []string{b.dir}}, IngestOptions{})
		require.ErrorIs(t, err, ErrEmbedderMismatch)

		// An emptied knowledge base takes any embedder.
		docs, err := b.base.Documents(b.ctx, 0, 100)
		require.NoError(t, err)
		for _, d := range docs {
			require.NoError(t, b.base.Delete(b.ctx, d.ID))
		}
		_, err = b.base.Ingest(b.ctx, Source{Paths: []string{b.dir}}, IngestOptions{})
		require.NoError(t, err)
	})

	t.Run("SearchCites", func(t *testing.T) {
		// `faro ingest ./docs`, then a question through the Go API.
		b := setupIngest(t, open)
		_, err := b.base.Ingest(b.ctx, Source{Paths: []string{b.dir}}, IngestOptions{})
		require.NoError(t, err)
		for _, c := range []struct {
			query, lang, source, link string
		}{
			{"do you issue certificates?", "en", "en/faq.csv", "en/faq.csv"},
			{"¿hay becas para estudiantes?", "es", "es/cursos/ia-marketing.md", "es/cursos/ia-marketing.md#becas"},
			{"how do I get my money back?", "en", "", ""},
		} {
			res, err := b.base.Search(b.ctx, Query{Text: c.query, Language: c.lang})
			require.NoError(t, err)
			require.NotEmpty(t, res, c.query)
			var sources []string
			for _, r := range res {
				require.NotEmpty(t, r.Citation.Source)
				require.NotEmpty(t, r.Citation.Link)
				require.NotEmpty(t, r.Citation.Title)
				require.NotEmpty(t, r.Citation.Quote)
				sources = append(sources, r.Citation.Source)
			}
			if c.source != "" {
				require.Equal(t, c.source, res[0].Citation.Source, "%s: %v", c.query, sources)
				require.Equal(t, c.link, res[0].Citation.Link)
			} else {
				require.Subset(t, sources, []string{"en/faq.csv", "en/refunds.html"}, c.query)
			}
		}
	})

	t.Run("LoadIfEmpty", func(t *testing.T) {
		b := setupIngest(t, open)
		demo := fstest.MapFS{
			"knowledge/es/precios.md": {Data: []byte("# Precios\n\nEl curso de IA cuesta 299 USD.\n")},
			"knowledge/en/pricing.md": {Data: []byte("# Pricing\n\nThe AI course costs 299 USD.\n")},
		}
		src := Source{FS: demo, Paths: []string{"knowledge"}}
		rep, loaded, err := b.base.LoadIfEmpty(b.ctx, src, IngestOptions{})
		require.NoError(t, err)
		require.True(t, loaded)
		require.Equal(t, 2, rep.Added)
		require.Equal(t, []string{"en/pricing.md", "es/precios.md"}, docSources(t, b))

		d, err := b.store.DocumentBySource(b.ctx, "en/pricing.md")
		require.NoError(t, err)
		require.NoError(t, b.base.Delete(b.ctx, d.ID))
		_, loaded, err = b.base.LoadIfEmpty(b.ctx, src, IngestOptions{})
		require.NoError(t, err)
		require.False(t, loaded, "a knowledge base with documents is left alone")
		require.Equal(t, []string{"es/precios.md"}, docSources(t, b))
	})

	t.Run("IngestData", func(t *testing.T) {
		b := setupIngest(t, open)
		rep, err := b.base.IngestData(b.ctx, "subidas/horario.md", []byte("# Horario\n\nAtendemos de lunes a viernes de 9 a 18 horas.\n"), IngestOptions{})
		require.NoError(t, err)
		require.Equal(t, 1, rep.Added)
		d, err := b.store.DocumentBySource(b.ctx, "subidas/horario.md")
		require.NoError(t, err)
		require.Equal(t, "Horario", d.Title)
		require.Equal(t, "es", d.Language)
		require.Equal(t, []string{"subidas"}, d.Tags)

		rep, err = b.base.IngestData(b.ctx, "x.docx", []byte("PK…"), IngestOptions{})
		require.NoError(t, err)
		require.Len(t, rep.Failed, 1)
		require.Contains(t, rep.Failed[0].Reason, "unsupported")
	})

	t.Run("ManyDocuments", func(t *testing.T) {
		b := setupIngest(t, open)
		fsys := generatedCorpus(40, 6)
		rep, err := b.base.Ingest(b.ctx, Source{FS: fsys, Paths: []string{"."}}, IngestOptions{Concurrency: 4, BatchSize: 7})
		require.NoError(t, err)
		require.Equal(t, 40, rep.Added)
		require.Empty(t, rep.Failed)
		docs, err := b.base.Documents(b.ctx, 0, 100)
		require.NoError(t, err)
		require.Len(t, docs, 40)
		n := 0
		for _, d := range docs {
			n += d.Chunks
		}
		require.Equal(t, rep.Chunks, n)
	})

	t.Run("Canceled", func(t *testing.T) {
		b := setupIngest(t, open)
		ctx, cancel := context.WithCancel(b.ctx)
		cancel()
		_, err := b.base.Ingest(ctx, Source{FS: generatedCorpus(10, 2), Paths: []string{"."}}, IngestOptions{})
		require.True(t, errors.Is(err, context.Canceled), "%v", err)
	})
}

// generatedCorpus makes docs Markdown documents of about sections×2
// chunks each, in Spanish and English folders.
func generatedCorpus(docs, sections int) fs.FS {
	fsys := fstest.MapFS{}
	for d := range docs {
		lang := []string{"es", "en"}[d%2]
		var b strings.Builder
		fmt.Fprintf(&b, "# Documento %d\n\n", d)
		for s := range sections {
			fmt.Fprintf(&b, "## Sección %d.%d\n\n", d, s)
			for p := range 3 {
				for k := range 5 {
					fmt.Fprintf(&b, "La frase %d del párrafo %d trata del curso %d, su precio de %d USD y la fecha de inicio en la semana %d. ", k, p, d, 100+d*s, s+k)
				}
				b.WriteString("\n\n")
			}
		}
		fsys[fmt.Sprintf("%s/tema-%d/doc-%04d.md", lang, d%7, d)] = &fstest.MapFile{Data: []byte(b.String())}
	}
	return fsys
}

func TestIngestOptionsInvalid(t *testing.T) {
	b := New(nil, testEmbedder(t, 64), "x", nil)
	_, err := b.Ingest(context.Background(), Source{}, IngestOptions{Chunking: ChunkOptions{Size: 100, Overlap: 90}})
	require.ErrorContains(t, err, "overlap")
}

// After a batch of writes the SQLite full-text index is one segment again
// (each document's write adds one; a query seeks them all): ingest, upload
// and delete leave it merged.
func TestIngestCompactsSQLiteText(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "faro.db")
	db, err := sqlite.Open(ctx, path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	raw, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	require.NoError(t, err)
	t.Cleanup(func() { _ = raw.Close() })
	segments := func() int {
		var n int
		require.NoError(t, raw.QueryRowContext(ctx, `SELECT count(DISTINCT segid) FROM chunks_fts_idx`).Scan(&n))
		return n
	}
	emb, err := offline.NewEmbedder(offline.EmbedderOptions{Dimension: 64})
	require.NoError(t, err)
	b := New(db, emb, "offline-hash-64", nil)
	files := fstest.MapFS{}
	for i := range 12 {
		files[fmt.Sprintf("doc%02d.md", i)] = &fstest.MapFile{Data: fmt.Appendf(nil, "# Curso %d\n\nEl curso %d trata de marketing con IA.", i, i)}
	}
	rep, err := b.Ingest(ctx, Source{FS: files, Paths: []string{"."}}, IngestOptions{})
	require.NoError(t, err)
	require.Equal(t, 12, rep.Added)
	require.Equal(t, 1, segments())

	_, err = b.IngestData(ctx, "extra.md", []byte("# Extra\n\nUn documento más sobre precios."), IngestOptions{})
	require.NoError(t, err)
	require.Equal(t, 1, segments())
	docs, err := b.Documents(ctx, 0, 1)
	require.NoError(t, err)
	require.NoError(t, b.Delete(ctx, docs[0].ID))
	require.Equal(t, 1, segments())
}
