package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/knowledge"
	"github.com/faroai/faro/llm"
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
	require.Contains(t, logs.String(), "source=en/faq.csv status=added", "a log line a document when not on a terminal")

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
	require.Equal(t, "es/cursos/ia-marketing.md", res[0].Citation.Source)
	require.Equal(t, "es/cursos/ia-marketing.md#becas", res[0].Citation.Link)
	require.Equal(t, "IA para marketing", res[0].Citation.Title)
	require.Contains(t, res[0].Citation.Quote, "becas")
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
	require.Contains(t, out.String(), "  "+link+": 4 files\n")
	require.Contains(t, out.String(), "  "+empty+": 0 files (supported: .md, .txt, .html, .pdf, .csv, .urls)\n")
}
