package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/faroai/faro/knowledge"
	"github.com/faroai/faro/llm"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/postgres"
	"github.com/faroai/faro/store/sqlite"
)

// runEval dispatches `faro eval <what>`: retrieval here,
// conversations in eval_conversations.go.
func runEval(ctx context.Context, env *environment, args []string) error {
	if len(args) == 0 {
		return &usageError{"usage: faro eval retrieval --corpus DIR --queries FILE.jsonl [-k 10] [--vector-weight W] [--json] [--database-url URL]\n" +
			"       faro eval conversations [--json] [--details] [--min-pass RATE] PATH..."}
	}
	switch args[0] {
	case "retrieval":
		return runEvalRetrieval(ctx, env, args[1:])
	case "conversations":
		return runEvalConversations(ctx, env, args[1:])
	}
	return &usageError{fmt.Sprintf("faro eval: unknown evaluation %q (known: retrieval, conversations)", args[0])}
}

// retrievalEvalReport is what `faro eval retrieval --json` prints.
type retrievalEvalReport struct {
	Corpus      string `json:"corpus"`
	QueriesFile string `json:"queries_file"`
	Embedder    string `json:"embedder"`
	// VectorWeight is the vector side's share in hybrid search, and
	// VectorAgreement the measurement that scaled the embedder's own (none
	// when --vector-weight or the configuration set it).
	VectorWeight    float64                `json:"vector_weight"`
	VectorAgreement *knowledge.Agreement   `json:"vector_agreement,omitempty"`
	Store           string                 `json:"store"`
	Ingest          knowledge.IngestReport `json:"ingest"`
	knowledge.EvalReport
}

func runEvalRetrieval(ctx context.Context, env *environment, args []string) error {
	fs, cfgPath := newFlagSet(env, "eval retrieval")
	corpus := fs.String("corpus", "", "folder of documents to ingest into a fresh temporary store (required)")
	queriesPath := fs.String("queries", "", "JSONL file of queries with their relevant source ids (required)")
	k := fs.Int("k", 10, "cut-off of recall@k and MRR@k")
	asJSON := fs.Bool("json", false, "print the report as one JSON object")
	weight := fs.Float64("vector-weight", -1, "share of the vector side in hybrid mode, from 0 (full text only) to 1 (vectors only) (default FARO_SEARCH_VECTOR_WEIGHT, else the embedder's own)")
	details := fs.Bool("details", false, "also list each query's first relevant rank and top sources per mode")
	dbURL := fs.String("database-url", "", "PostgreSQL to evaluate on, in a temporary schema dropped afterwards (default: embedded SQLite in a temporary folder)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return &usageError{fmt.Sprintf("faro eval retrieval: unexpected argument %q", fs.Arg(0))}
	case *corpus == "" || *queriesPath == "":
		return &usageError{"faro eval retrieval: --corpus and --queries are required"}
	case *k < 1:
		return &usageError{"faro eval retrieval: -k must be at least 1"}
	case *weight != -1 && !(*weight >= 0 && *weight <= 1):
		return &usageError{"faro eval retrieval: --vector-weight must be a number from 0 to 1"}
	}
	cfg, err := LoadConfig(*cfgPath, env.getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, env)

	// Read both inputs before any work, so a typo fails at once.
	if fi, err := os.Stat(*corpus); err != nil {
		return fmt.Errorf("eval: corpus: %w", err)
	} else if !fi.IsDir() {
		return fmt.Errorf("eval: corpus %s is not a folder", *corpus)
	}
	queries, err := knowledge.ReadEvalQueriesFile(*queriesPath)
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}

	embedder, name, err := llm.NewEmbedder(cfg.EmbedderConfig())
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	st, where, closeStore, err := openEvalStore(ctx, *dbURL, log)
	if err != nil {
		return err
	}
	defer closeStore()
	base := knowledge.New(st, embedder, name, log)
	if *weight == -1 && cfg.SearchVectorWeight != nil {
		*weight = *cfg.SearchVectorWeight
	}
	if *weight != -1 {
		if err := base.SetVectorWeight(*weight); err != nil {
			return fmt.Errorf("eval: %w", err)
		}
	}

	progress := ingestProgress(env.stderr, *asJSON)
	ing, err := base.Ingest(ctx, knowledge.Source{Paths: []string{*corpus}}, knowledge.IngestOptions{ProgressFunc: progress})
	if err != nil {
		return fmt.Errorf("eval: ingest %s: %w", *corpus, err)
	}
	for _, f := range ing.Failed {
		fmt.Fprintf(env.stderr, "faro eval: skipped %s: %s\n", f.Source, f.Reason)
	}
	// Measured before the first query, whose latency would count it.
	hw, agree := base.HybridWeight(ctx)
	rep, err := base.EvaluateRetrieval(ctx, queries, knowledge.EvalOptions{K: *k, Details: *details})
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	out := retrievalEvalReport{Corpus: *corpus, QueriesFile: *queriesPath, Embedder: name, VectorWeight: hw, VectorAgreement: agree, Store: where, Ingest: ing, EvalReport: rep}
	if *asJSON {
		enc := json.NewEncoder(env.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	return printRetrievalReport(env.stdout, out)
}

// ingestProgress reports the ingest of a large corpus every tenth of the
// way on w (never into JSON output, which goes to stdout).
func ingestProgress(w io.Writer, quiet bool) func(knowledge.Progress) {
	if quiet {
		return nil
	}
	next := 0
	return func(p knowledge.Progress) {
		if p.Total < 200 || p.Done < next {
			return
		}
		fmt.Fprintf(w, "faro eval: ingested %d/%d documents\n", p.Done, p.Total)
		next = p.Done + p.Total/10
	}
}

func printRetrievalReport(w io.Writer, r retrievalEvalReport) error {
	fmt.Fprintf(w, "Retrieval evaluation: %d queries, k=%d\n", r.EvalReport.Queries, r.K)
	fmt.Fprintf(w, "corpus %s: %d documents, %d chunks, ingested in %s (%d failed)\n",
		r.Corpus, r.Ingest.Read(), r.Ingest.Chunks, r.Ingest.Duration(), len(r.Ingest.Failed))
	fmt.Fprintf(w, "embedder %s (hybrid: vector weight %.3g), store %s\n", r.Embedder, r.VectorWeight, r.Store)
	if a := r.VectorAgreement; a != nil && a.Samples > 0 {
		fmt.Fprintf(w, "the vectors agree with full text on %.0f%% of neighbours (%d passages): the embedder's weight is scaled by %.2f\n", 100*a.Share, a.Samples, a.Scale)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "mode\trecall@1\trecall@5\trecall@%d\tMRR@%d\tnDCG@10\tp50\tp99\t\n", r.K, r.K)
	for _, m := range r.Modes {
		fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%s\t%s\t\n", m.Mode, m.RecallAt1, m.RecallAt5, m.RecallAtK, m.MRR, m.NDCG10,
			fmtLatency(m.LatencyP50), fmtLatency(m.LatencyP99))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Unknown) > 0 {
		fmt.Fprintf(w, "\n%d relevant sources are not in the corpus (typos in the query file?):\n", len(r.Unknown))
		for _, u := range r.Unknown {
			fmt.Fprintf(w, "  %s\n", u)
		}
	}
	if len(r.Details) > 0 {
		fmt.Fprintf(w, "\nper query (rank of the first relevant document, 0 = not in the first %d; top sources):\n", r.K)
		for _, d := range r.Details {
			fmt.Fprintf(w, "  %-12s %-7s %2d  %s\n", d.ID, d.Mode, d.FirstRelevant, strings.Join(d.Top, ", "))
		}
	}
	return nil
}

func fmtLatency(d time.Duration) string {
	switch {
	case d >= 10*time.Millisecond:
		return d.Round(time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(time.Microsecond).String()
}

// openEvalStore opens the fresh store an evaluation ingests into and says
// what it is: embedded SQLite in a temporary folder, or, with dbURL, a
// temporary schema of that PostgreSQL database, so nothing already there
// is read or touched. closeStore removes it.
func openEvalStore(ctx context.Context, dbURL string, log *slog.Logger) (st store.Knowledge, where string, closeStore func(), err error) {
	if dbURL == "" {
		dir, err := os.MkdirTemp("", "faro-eval-")
		if err != nil {
			return nil, "", nil, fmt.Errorf("eval: temporary folder: %w", err)
		}
		db, err := sqlite.Open(ctx, filepath.Join(dir, "faro.db"))
		if err != nil {
			_ = os.RemoveAll(dir)
			return nil, "", nil, fmt.Errorf("eval: open embedded store: %w", err)
		}
		return db, "sqlite (temporary)", func() {
			_ = db.Close()
			_ = os.RemoveAll(dir)
		}, nil
	}
	schema, schemaURL, err := evalSchemaURL(dbURL)
	if err != nil {
		return nil, "", nil, err
	}
	ident := pgx.Identifier{schema}.Sanitize()
	drop := func() {
		// Dropped on a connection of its own: the evaluation's may be gone.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			log.Warn("eval: could not drop temporary schema", "schema", schema, "err", err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA IF EXISTS "+ident+" CASCADE"); err != nil {
			log.Warn("eval: could not drop temporary schema", "schema", schema, "err", err)
		}
	}
	// Never migrate into the database's own schema: the store's
	// connections are put in the temporary one by the URL's search_path
	// alone, so make sure the server honours it before anything is
	// written. No SET on the session instead: a server that ignores
	// connection parameters may share one session among all its clients
	// (PGlite does), and a SET there would move every other client — a
	// running faro serve — into a schema about to be dropped.
	if err := createEvalSchema(ctx, schemaURL, schema); err != nil {
		drop()
		return nil, "", nil, err
	}
	db, err := postgres.Open(ctx, schemaURL)
	if err != nil {
		drop()
		return nil, "", nil, fmt.Errorf("eval: open PostgreSQL store in schema %s: %w", schema, err)
	}
	return db, "postgres " + redactURL(dbURL) + " (temporary schema " + schema + ")", func() {
		_ = db.Close()
		drop()
	}, nil
}

// errSearchPathIgnored is returned when the server does not put a
// connection in the schema its search_path parameter names.
var errSearchPathIgnored = errors.New("the server ignores the search_path connection parameter")

// createEvalSchema creates schema on a connection to url (whose
// search_path names it) and checks that the connection works in it:
// current_schema() names the first schema of the path that exists, so
// after the CREATE it is schema unless the server ignored the parameter.
func createEvalSchema(ctx context.Context, url, schema string) error {
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("eval: connect to %s: %w", redactURL(url), err)
	}
	defer c.Close(context.WithoutCancel(ctx))
	if _, err := c.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		return fmt.Errorf("eval: create schema %s in %s: %w", schema, redactURL(url), err)
	}
	var current string
	if err := c.QueryRow(ctx, "SELECT coalesce(current_schema(), '')").Scan(&current); err != nil {
		return fmt.Errorf("eval: read the current schema: %w", err)
	}
	if current != schema {
		return fmt.Errorf("eval: %w: the connection works in %q, not in the temporary schema %s, and the evaluation must not write into the database's own tables; "+
			"use a PostgreSQL server that honours connection parameters (not PGlite, nor a pooler that drops them)",
			errSearchPathIgnored, current, schema)
	}
	return nil
}

// evalSchemaURL names a new schema and returns the URL whose connections
// work in it (search_path, with public after it for pgvector's types).
func evalSchemaURL(dbURL string) (schema, schemaURL string, err error) {
	u, err := url.Parse(dbURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", "", &usageError{"faro eval retrieval: --database-url must be a postgres:// URL"}
	}
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", errors.New("eval: no randomness for a schema name")
	}
	schema = "faro_eval_" + hex.EncodeToString(b[:])
	q := u.Query()
	q.Set("search_path", schema+",public")
	u.RawQuery = q.Encode()
	return schema, u.String(), nil
}
