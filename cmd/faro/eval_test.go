package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store/postgres/pgtest"
)

// evalCorpus writes a tiny corpus and its query file, and returns their
// paths.
func evalCorpus(t *testing.T) (dir, queries string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "kb")
	files := map[string]string{
		"es/precios.md":   "# Precios\n\nEl curso de IA para marketing cuesta 149 USD. Aceptamos tarjeta y transferencia.\n",
		"es/reembolso.md": "# Política de reembolso\n\nDevolvemos el 100% del pago durante los primeros 14 días.\n",
		"en/certs.md":     "# Certificates\n\nWhen you finish a course you get a certificate of completion by email.\n",
	}
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	}
	queries = filepath.Join(t.TempDir(), "q.jsonl")
	require.NoError(t, os.WriteFile(queries, []byte(`{"id": "q1", "query": "¿Cuánto vale el curso de marketing?", "relevant": ["es/precios.md"], "language": "es"}
{"id": "q2", "query": "¿me devuelven el pago si me arrepiento?", "relevant": ["es/reembolso.md"], "language": "es"}
{"id": "q3", "query": "do I get a certificate?", "relevant": ["en/certs.md", "en/typo.md"], "language": "en"}
`), 0o644))
	return dir, queries
}

func runFaro(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := &environment{stdout: &out, stderr: &errOut, getenv: envOf(map[string]string{"FARO_LOG_LEVEL": "warn"})}
	err = run(context.Background(), env, args)
	return out.String(), errOut.String(), err
}

func TestEvalRetrievalTable(t *testing.T) {
	t.Parallel()
	dir, queries := evalCorpus(t)
	out, _, err := runFaro(t, "eval", "retrieval", "--corpus", dir, "--queries", queries, "-k", "5", "--details")
	require.NoError(t, err)
	for _, want := range []string{
		"Retrieval evaluation: 3 queries, k=5",
		"3 documents",
		"embedder offline-hash-384, store sqlite (temporary)",
		"recall@1", "recall@5", "MRR@5", "nDCG@10", "p50", "p99",
		"vector", "text", "hybrid",
		"1 relevant sources are not in the corpus", "q3: en/typo.md",
		"q1", // details
	} {
		require.Contains(t, out, want)
	}
}

func TestEvalRetrievalJSON(t *testing.T) {
	t.Parallel()
	dir, queries := evalCorpus(t)
	out, _, err := runFaro(t, "eval", "retrieval", "--corpus", dir, "--queries", queries, "--json")
	require.NoError(t, err)
	var rep struct {
		Corpus   string `json:"corpus"`
		Embedder string `json:"embedder"`
		K        int    `json:"k"`
		Queries  int    `json:"queries"`
		Ingest   struct {
			Added  int `json:"added"`
			Chunks int `json:"chunks"`
		} `json:"ingest"`
		Modes []map[string]any `json:"modes"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep), out)
	require.Equal(t, dir, rep.Corpus)
	require.Equal(t, 10, rep.K)
	require.Equal(t, 3, rep.Queries)
	require.Equal(t, 3, rep.Ingest.Added)
	require.Len(t, rep.Modes, 3)
	for i, mode := range []string{"vector", "text", "hybrid"} {
		m := rep.Modes[i]
		require.Equal(t, mode, m["mode"])
		for _, key := range []string{"recall_at_1", "recall_at_5", "recall_at_k", "mrr_at_k", "ndcg_at_10", "latency_p50_ms", "latency_p99_ms"} {
			require.Contains(t, m, key)
		}
		// q3's second relevant source does not exist: recall@k is at most 5/6.
		require.LessOrEqual(t, m["recall_at_k"], 5.0/6+1e-9)
	}
	// Hybrid finds every query's document first on this corpus.
	require.InDelta(t, 1.0, rep.Modes[2]["mrr_at_k"], 1e-9)
}

func TestEvalRetrievalErrors(t *testing.T) {
	t.Parallel()
	dir, queries := evalCorpus(t)
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	require.NoError(t, os.WriteFile(bad, []byte(`{"id":"q1","query":"a","relevant":["a.md"]}`+"\n"+`{"id":"q2", "query": oops}`+"\n"), 0o644))

	var ue *usageError
	for _, args := range [][]string{
		{"eval"},
		{"eval", "conversations-typo"},
		{"eval", "retrieval", "--queries", queries},
		{"eval", "retrieval", "--corpus", dir},
		{"eval", "retrieval", "--corpus", dir, "--queries", queries, "-k", "0"},
		{"eval", "retrieval", "--corpus", dir, "--queries", queries, "extra"},
		{"eval", "retrieval", "--corpus", dir, "--queries", queries, "--database-url", "mysql://x"},
	} {
		_, _, err := runFaro(t, args...)
		require.True(t, errors.As(err, &ue), "%v: %v", args, err)
		require.Equal(t, 2, exitCode(err))
	}

	_, _, err := runFaro(t, "eval", "retrieval", "--corpus", dir, "--queries", bad)
	require.ErrorContains(t, err, bad+":2: not a JSON query object")
	require.Equal(t, 1, exitCode(err))

	_, _, err = runFaro(t, "eval", "retrieval", "--corpus", filepath.Join(dir, "missing"), "--queries", queries)
	require.ErrorIs(t, err, os.ErrNotExist)
	_, _, err = runFaro(t, "eval", "retrieval", "--corpus", dir, "--queries", filepath.Join(dir, "missing.jsonl"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

// TestEvalRetrievalPostgres evaluates in a temporary schema of a real
// PostgreSQL and leaves nothing behind. It needs FARO_TEST_DATABASE_URL or
// PGlite from node_modules (npm ci), and fails without one.
func TestEvalRetrievalPostgres(t *testing.T) {
	ctx := context.Background()
	url, stop, err := pgtest.Start(ctx)
	require.NoError(t, err, "PostgreSQL for the tests")
	t.Cleanup(stop)
	dir, queries := evalCorpus(t)
	out, _, err := runFaro(t, "eval", "retrieval", "--corpus", dir, "--queries", queries, "--database-url", url)
	require.NoError(t, err)
	require.Contains(t, out, "store postgres")
	require.Contains(t, out, "temporary schema faro_eval_")
	require.Contains(t, out, "hybrid")

	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer conn.Close(ctx)
	var left []string
	rows, err := conn.Query(ctx, `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'faro_eval_%'`)
	require.NoError(t, err)
	left, err = pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.Empty(t, left, "the temporary schema is dropped")
	var tables int
	require.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = 'chunks'`).Scan(&tables))
	require.Zero(t, tables, "nothing is created outside the temporary schema")
}
