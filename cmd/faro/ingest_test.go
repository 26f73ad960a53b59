package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/demo"
	"github.com/faroai/faro/knowledge"
	"github.com/faroai/faro/llm"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/postgres/pgtest"
)

// ingestDocs is a copy of the knowledge package's fixture folder, with a
// broken file in it.
func ingestDocs(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "docs")
	require.NoError(t, os.CopyFS(dir, os.DirFS(filepath.Join("..", "..", "knowledge", "testdata", "docs"))))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "roto.pdf"), []byte("not a PDF"), 0o644))
	return dir
}

// ingestThenAsk runs `faro ingest DOCS` with the environment vars, then
// asks a question through the Go API on the store the command used.
func ingestThenAsk(t *testing.T, vars map[string]string) {
	ctx := context.Background()
	docs := ingestDocs(t)
	var out, logs bytes.Buffer
	env := &environment{stdout: &out, stderr: &logs, getenv: envOf(vars)}
	err := run(ctx, env, []string{"ingest", docs, "--prune"})
	require.ErrorContains(t, err, "1 document could not be ingested", "a failed document is a non-zero exit")
	require.Equal(t, 1, exitCode(err))
	require.Contains(t, out.String(), "documents: 5 found, 4 added, 0 updated, 0 unchanged (skipped), 0 pruned, 1 failed")
	require.Contains(t, out.String(), "roto.pdf: PDF")
	require.Contains(t, logs.String(), "source=docs/en/faq.csv status=added", "a log line a document when not on a terminal")
	require.Contains(t, out.String(), "  "+docs+": 5 files (collection docs: docs/…)")

	out.Reset()
	require.NoError(t, os.Remove(filepath.Join(docs, "roto.pdf")))
	require.NoError(t, run(ctx, env, []string{"ingest", docs}))
	require.Contains(t, out.String(), "4 unchanged (skipped)")

	cfg, err := LoadConfig("", envOf(vars))
	require.NoError(t, err)
	st, err := openStore(ctx, cfg, newLogger(cfg, &environment{stderr: io.Discard}))
	require.NoError(t, err)
	defer st.Close()
	embedder, name, err := llm.NewEmbedder(cfg.EmbedderConfig())
	require.NoError(t, err)
	res, err := knowledge.New(st, embedder, name, nil).Search(ctx, knowledge.Query{Text: "¿Ofrecen becas para estudiantes?"})
	require.NoError(t, err)
	require.NotEmpty(t, res)
	require.Equal(t, "docs/es/cursos/ia-marketing.md", res[0].Citation.Source, "the collection, then the path in the folder")
	require.Equal(t, "IA para marketing", res[0].Citation.Title)
	require.Contains(t, res[0].Citation.Quote, "becas")

	ingestKeepsFoldersApart(t, env, &out, st)
}

// ingestKeepsFoldersApart: two folders with the same file names (and the
// same folder name) are two collections; --prune of one removes only what
// it held, never the demo knowledge base nor the other folder's documents;
// --dry-run shows what would go and changes nothing.
func ingestKeepsFoldersApart(t *testing.T, env *environment, out *bytes.Buffer, st store.Store) {
	ctx := context.Background()
	cfg, err := LoadConfig("", env.getenv)
	require.NoError(t, err)
	embedder, name, err := llm.NewEmbedder(cfg.EmbedderConfig())
	require.NoError(t, err)
	_, err = knowledge.New(st, embedder, name, slog.New(slog.DiscardHandler)).Ingest(ctx, knowledge.Source{FS: demo.Knowledge, Paths: []string{"knowledge"}}, knowledge.IngestOptions{})
	require.NoError(t, err)
	demoDocs := len(allDocs(t, st))
	require.Greater(t, demoDocs, 30, "the demo knowledge base joins the documents ingested before")

	x, y := filepath.Join(t.TempDir(), "kb"), filepath.Join(t.TempDir(), "kb")
	for dir, text := range map[string]string{x: "La matrícula cuesta 10 USD.", y: "La matrícula cuesta 20 USD."} {
		require.NoError(t, os.MkdirAll(dir, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "faq.md"), []byte("# FAQ\n\n"+text+"\n"), 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "extra.md"), []byte("# Extra\n\nOtra cosa.\n"), 0o644))
	}
	out.Reset()
	require.NoError(t, run(ctx, env, []string{"ingest", x}))
	require.Contains(t, out.String(), "(collection kb: kb/…)")
	out.Reset()
	require.NoError(t, run(ctx, env, []string{"ingest", y}))
	require.Contains(t, out.String(), "(collection kb-2: kb-2/…)", "another folder named kb gets a name of its own")
	require.Contains(t, out.String(), "2 added")
	for src, want := range map[string]string{"kb/faq.md": "10 USD", "kb-2/faq.md": "20 USD"} {
		d, err := st.DocumentBySource(ctx, src)
		require.NoError(t, err, src)
		chunks, err := st.Chunks(ctx, d.ID)
		require.NoError(t, err)
		require.Contains(t, chunks[0].Text, want, "%s is not overwritten", src)
	}
	// The same folder through a link is the same collection: unchanged.
	link := filepath.Join(t.TempDir(), "enlace")
	require.NoError(t, os.Symlink(x, link))
	out.Reset()
	require.NoError(t, run(ctx, env, []string{"ingest", link}))
	require.Contains(t, out.String(), "2 unchanged (skipped)")
	require.Contains(t, out.String(), "(collection kb: kb/…)")

	before := len(allDocs(t, st))
	require.NoError(t, os.Remove(filepath.Join(x, "extra.md")))
	out.Reset()
	require.NoError(t, run(ctx, env, []string{"ingest", "--prune", "--dry-run", x}))
	require.Contains(t, out.String(), "dry run, nothing changed: 1 documents found")
	require.Contains(t, out.String(), "--prune would remove 1 documents:\n  kb/extra.md\n")
	require.Len(t, allDocs(t, st), before, "--dry-run changes nothing")

	out.Reset()
	require.NoError(t, run(ctx, env, []string{"ingest", "--prune", x}))
	require.Contains(t, out.String(), "1 pruned")
	require.Len(t, allDocs(t, st), before-1, "only what the folder no longer holds goes")
	_, err = st.DocumentBySource(ctx, "kb-2/extra.md")
	require.NoError(t, err, "the other folder's documents stay")
	_, err = st.DocumentBySource(ctx, "es/cursos/ia-marketing.md")
	require.NoError(t, err, "the demo knowledge base stays")
}

func allDocs(t *testing.T, st store.Store) []store.Document {
	t.Helper()
	docs, err := st.ListDocuments(context.Background(), 0, 10000)
	require.NoError(t, err)
	return docs
}

func TestIngestCommandSQLite(t *testing.T) {
	ingestThenAsk(t, map[string]string{"FARO_DATA_DIR": t.TempDir()})
}

// TestIngestCommandPostgres needs PostgreSQL with pgvector
// (FARO_TEST_DATABASE_URL, or PGlite from node_modules): it fails without.
func TestIngestCommandPostgres(t *testing.T) {
	url, stop, err := pgtest.Start(context.Background())
	require.NoError(t, err, "PostgreSQL for the tests")
	t.Cleanup(stop)
	ingestThenAsk(t, map[string]string{"FARO_DATA_DIR": t.TempDir(), "FARO_DATABASE_URL": url})
}

func TestIngestCommandExitStatus(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	var out bytes.Buffer
	env := &environment{stdout: &out, stderr: io.Discard, getenv: envOf(map[string]string{"FARO_DATA_DIR": dir})}

	err := run(ctx, env, []string{"ingest"})
	require.Error(t, err)
	require.Equal(t, 2, exitCode(err), "no path is a usage error")

	err = run(ctx, env, []string{"ingest", filepath.Join(dir, "missing")})
	require.ErrorContains(t, err, "no document could be read")
	require.Equal(t, 1, exitCode(err))
	require.Contains(t, out.String(), "missing: stat: no such file or directory")

	// Only broken files: nothing read, non-zero; one good file among
	// broken ones: stored, and still non-zero; good files only: zero.
	docs := filepath.Join(dir, "docs")
	require.NoError(t, os.MkdirAll(docs, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(docs, "roto.pdf"), []byte("x"), 0o644))
	require.Error(t, run(ctx, env, []string{"ingest", docs}))
	require.NoError(t, os.WriteFile(filepath.Join(docs, "ok.md"), []byte("# OK\n\nA readable document.\n"), 0o644))
	out.Reset()
	err = run(ctx, env, []string{"ingest", docs})
	require.ErrorContains(t, err, "1 document could not be ingested")
	require.Equal(t, 1, exitCode(err))
	require.Contains(t, out.String(), "1 added")
	require.NoError(t, os.Remove(filepath.Join(docs, "roto.pdf")))
	require.NoError(t, run(ctx, env, []string{"ingest", docs}))

	// Re-embedding alone needs no path.
	out.Reset()
	env.getenv = envOf(map[string]string{"FARO_DATA_DIR": dir, "FARO_EMBEDDING_DIM": "128"})
	err = run(ctx, env, []string{"ingest", docs})
	require.ErrorIs(t, err, knowledge.ErrEmbedderMismatch)
	require.ErrorContains(t, err, "faro ingest --reembed")
	require.NoError(t, run(ctx, env, []string{"ingest", "--reembed"}))
	require.Contains(t, out.String(), "1 re-embedded (embedder offline-hash-128)")
}

func TestServeLoadsDemoKnowledgeOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := testConfig(t)
	var logs bytes.Buffer
	log := newLogger(cfg, &environment{stderr: &logs})

	m := NewMain(cfg, log)
	require.NoError(t, m.Run(ctx))
	docs, err := m.Store.ListDocuments(ctx, 0, 1000)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(docs), 30, "the demo knowledge base is loaded on first start")
	require.Contains(t, logs.String(), "demo knowledge base loaded")
	require.NotContains(t, logs.String(), "not loaded", "every demo document loads")
	// A document an operator removes stays removed: the demo is loaded
	// into an empty knowledge base only.
	require.NoError(t, m.Store.DeleteDocument(ctx, docs[0].ID))
	require.NoError(t, m.Close())

	logs.Reset()
	m = NewMain(cfg, log)
	require.NoError(t, m.Run(ctx))
	t.Cleanup(func() { _ = m.Close() })
	again, err := m.Store.ListDocuments(ctx, 0, 1000)
	require.NoError(t, err)
	require.Len(t, again, len(docs)-1)
	require.NotContains(t, logs.String(), "demo knowledge base loaded")
}

// A folder given through a symbolic link is read like the folder itself,
// and the summary says how many files each path given held.
func TestIngestFollowsALinkedFolder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	docs := ingestDocs(t)
	require.NoError(t, os.Remove(filepath.Join(docs, "roto.pdf")))
	link := filepath.Join(t.TempDir(), "enlace")
	require.NoError(t, os.Symlink(docs, link))
	empty := t.TempDir()

	var out bytes.Buffer
	env := &environment{stdout: &out, stderr: io.Discard, getenv: envOf(map[string]string{"FARO_DATA_DIR": t.TempDir()})}
	require.NoError(t, run(ctx, env, []string{"ingest", link, empty}))
	require.Contains(t, out.String(), "documents: 4 found, 4 added")
	require.Contains(t, out.String(), "  "+link+": 4 files (collection docs: docs/…)\n", "the collection of the folder linked to")
	require.Contains(t, out.String(), "  "+empty+": 0 files (collection "+filepath.Base(empty)+": "+filepath.Base(empty)+"/…) (supported: .md, .txt, .html, .pdf, .csv, .urls)\n")
}
