package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	neturl "net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

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
		"embedder offline-hash-384 (hybrid: vector weight 0.2), store sqlite (temporary)",
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
		Corpus       string  `json:"corpus"`
		Embedder     string  `json:"embedder"`
		VectorWeight float64 `json:"vector_weight"`
		K            int     `json:"k"`
		Queries      int     `json:"queries"`
		Ingest       struct {
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
	require.InDelta(t, 0.2, rep.VectorWeight, 0, "the offline embedder's own")
}

func TestEvalRetrievalVectorWeight(t *testing.T) {
	t.Parallel()
	dir, queries := evalCorpus(t)
	out, _, err := runFaro(t, "eval", "retrieval", "--corpus", dir, "--queries", queries, "--json", "--details", "--vector-weight", "1")
	require.NoError(t, err)
	var rep struct {
		VectorWeight float64 `json:"vector_weight"`
		Details      []struct {
			ID   string   `json:"id"`
			Mode string   `json:"mode"`
			Top  []string `json:"top"`
		} `json:"details"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep), out)
	require.InDelta(t, 1.0, rep.VectorWeight, 0)
	// Weight 1: hybrid ranks as the vectors do.
	top := map[string][]string{}
	for _, d := range rep.Details {
		switch d.Mode {
		case "vector":
			top[d.ID] = d.Top
		case "hybrid":
			require.Equal(t, top[d.ID], d.Top, d.ID)
		}
	}
	require.Len(t, top, 3)
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
		{"eval", "retrieval", "--corpus", dir, "--queries", queries, "--vector-weight", "1.5"},
		{"eval", "retrieval", "--corpus", dir, "--queries", queries, "--vector-weight", "-0.5"},
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

// TestEvalRetrievalPostgres evaluates in a temporary schema of PostgreSQL
// and leaves nothing behind. The schema is the connections' search_path
// parameter: on a server that ignores it (PGlite, which the tests run
// without FARO_TEST_DATABASE_URL: one shared session, connection
// parameters ignored) the evaluation must refuse, with an error that says
// why, before writing anything, rather than work in the database's own
// schema; on a server that honours it, it runs to the end. Either way
// nothing is left in the database, and its session is not moved into
// another schema. It needs FARO_TEST_DATABASE_URL or PGlite from
// node_modules (npm ci), and fails without one.
func TestEvalRetrievalPostgres(t *testing.T) {
	ctx := context.Background()
	url, stop, err := pgtest.Start(ctx)
	require.NoError(t, err, "PostgreSQL for the tests")
	t.Cleanup(stop)
	honours := honoursSearchPath(t, url)
	t.Logf("the server honours the search_path connection parameter: %v", honours)

	dir, queries := evalCorpus(t)
	out, _, err := runFaro(t, "eval", "retrieval", "--corpus", dir, "--queries", queries, "--database-url", url)
	if honours {
		require.NoError(t, err)
		require.Contains(t, out, "store postgres")
		require.Contains(t, out, "temporary schema faro_eval_")
		require.Contains(t, out, "hybrid")
	} else {
		require.ErrorIs(t, err, errSearchPathIgnored)
		require.ErrorContains(t, err, `the connection works in "public", not in the temporary schema faro_eval_`)
		require.Equal(t, 1, exitCode(err))
		require.Empty(t, out, "nothing is evaluated")
	}

	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'faro_eval_%'`)
	require.NoError(t, err)
	left, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.Empty(t, left, "the temporary schema is dropped")
	var tables int
	require.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()`).Scan(&tables))
	require.Zero(t, tables, "nothing is created outside the temporary schema")
	var current string
	require.NoError(t, conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&current))
	require.Equal(t, "public", current, "a new connection still works in public: the evaluation set nothing on a shared session")
}

// honoursSearchPath asks the server at dbURL whether a connection is put
// in the schema its search_path parameter names.
func honoursSearchPath(t *testing.T, dbURL string) bool {
	t.Helper()
	u, err := neturl.Parse(dbURL)
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", "pg_catalog")
	u.RawQuery = q.Encode()
	conn, err := pgx.Connect(t.Context(), u.String())
	require.NoError(t, err)
	defer conn.Close(context.Background())
	var current string
	require.NoError(t, conn.QueryRow(t.Context(), `SELECT current_schema()`).Scan(&current))
	return current == "pg_catalog"
}

// TestEvalRetrievalLargeCorpus runs the evaluation on a generated corpus of
// 3,000 documents (about 15,000 chunks) to show that it completes in time
// and memory on a corpus of outside size; -short leaves it out. The
// documents describe made-up products in Spanish and English with shared
// filler text; each query asks about one product's price, schedule or
// requirements in other words than its document.
func TestEvalRetrievalLargeCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("3,000 documents: not with -short")
	}
	t.Parallel()
	docs, nq := 3000, 300
	if raceEnabled {
		// Under the race detector the full corpus takes minutes of CI
		// time and shows nothing more; the figures come from a plain run.
		docs, nq = 400, 40
	}
	dir := filepath.Join(t.TempDir(), "corpus")
	queries := filepath.Join(t.TempDir(), "q.jsonl")
	writeLargeCorpus(t, dir, queries, docs, nq)

	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	out, stderr, err := runFaro(t, "eval", "retrieval", "--corpus", dir, "--queries", queries)
	took := time.Since(start)
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	require.NoError(t, err, stderr)
	t.Logf("%d documents evaluated in %s; Go heap in use after %d MiB, memory obtained from the OS %d MiB\n%s",
		docs, took.Round(time.Second), after.HeapInuse>>20, after.Sys>>20, out)
	require.Contains(t, out, fmt.Sprintf("%d documents", docs))
	require.Contains(t, out, "(0 failed)")
	require.Contains(t, out, fmt.Sprintf("Retrieval evaluation: %d queries", nq))
}

// writeLargeCorpus writes docs Markdown documents under dir and queries
// JSONL queries about them to queries.
func writeLargeCorpus(t *testing.T, dir, queries string, docs, nq int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(42, 1))
	syl := strings.Fields("zor va ni quel mit dra ko sen tal ru bex pho lin gar ve to mu ria cas del")
	name := func() string {
		var b strings.Builder
		for range 3 {
			b.WriteString(syl[rng.IntN(len(syl))])
		}
		s := b.String()
		return strings.ToUpper(s[:1]) + s[1:]
	}
	fillerES := strings.Fields("la plataforma ofrece módulos prácticos con proyectos reales sesiones en vivo tutorías grabaciones materiales descargables evaluaciones foros de consulta y acompañamiento personalizado durante todo el programa para equipos y profesionales")
	fillerEN := strings.Fields("the platform offers practical modules with real projects live sessions tutoring recordings downloadable materials assessments discussion forums and personal support throughout the programme for teams and professionals")
	filler := func(words []string, n int) string {
		var b strings.Builder
		for i := range n {
			b.WriteString(words[rng.IntN(len(words))])
			if i%14 == 13 {
				b.WriteString(". ")
			} else {
				b.WriteByte(' ')
			}
		}
		return b.String()
	}
	type fact struct{ source, name, lang string }
	facts := make([]fact, docs)
	seen := map[string]bool{}
	for i := range docs {
		n := name()
		for seen[n] {
			n = name() + name()
		}
		seen[n] = true
		lang := []string{"es", "en"}[i%2]
		price, weeks := 50+rng.IntN(900), 2+rng.IntN(12)
		var doc string
		if lang == "es" {
			doc = fmt.Sprintf("# Programa %s\n\n%s\n\n## Precio\n\nEl programa %s cuesta %d USD e incluye el certificado. %s\n\n## Duración\n\nDura %d semanas con dos clases semanales. %s\n\n## Requisitos\n\nNo hace falta experiencia previa; basta con un ordenador. %s\n",
				n, filler(fillerES, 90), n, price, filler(fillerES, 60), weeks, filler(fillerES, 60), filler(fillerES, 60))
		} else {
			doc = fmt.Sprintf("# %s programme\n\n%s\n\n## Price\n\nThe %s programme costs %d USD and includes the certificate. %s\n\n## Duration\n\nIt lasts %d weeks with two classes a week. %s\n\n## Requirements\n\nNo previous experience is needed; a computer is enough. %s\n",
				n, filler(fillerEN, 90), n, price, filler(fillerEN, 60), weeks, filler(fillerEN, 60), filler(fillerEN, 60))
		}
		source := fmt.Sprintf("%s/%02d/%s.md", lang, i%50, strings.ToLower(n))
		p := filepath.Join(dir, filepath.FromSlash(source))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(doc), 0o644))
		facts[i] = fact{source, n, lang}
	}
	askES := []string{"¿cuánto vale %s?", "¿cuántas semanas dura %s?", "¿qué necesito para hacer %s?"}
	askEN := []string{"how much is %s?", "how long does %s take?", "what do I need for %s?"}
	var b strings.Builder
	for i := range nq {
		f := facts[rng.IntN(len(facts))]
		ask := askEN
		if f.lang == "es" {
			ask = askES
		}
		line, err := json.Marshal(map[string]any{"id": fmt.Sprintf("g%d", i), "query": fmt.Sprintf(ask[rng.IntN(len(ask))], f.name), "relevant": []string{f.source}, "language": f.lang})
		require.NoError(t, err)
		b.Write(line)
		b.WriteByte('\n')
	}
	require.NoError(t, os.WriteFile(queries, []byte(b.String()), 0o644))
}
