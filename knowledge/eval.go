package knowledge

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"time"
)

// EvalQuery is one line of a retrieval evaluation file (JSONL, see
// docs/retrieval-eval.md): a question and the source ids of the documents
// that answer it.
type EvalQuery struct {
	ID       string   `json:"id"`
	Query    string   `json:"query"`
	Relevant []string `json:"relevant"`
	Language string   `json:"language,omitempty"`
}

// ReadEvalQueriesFile reads the queries of the JSONL file at path.
func ReadEvalQueriesFile(path string) ([]EvalQuery, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read queries: %w", err)
	}
	defer f.Close()
	return ReadEvalQueries(f, path)
}

// ReadEvalQueries reads JSONL queries from r; name (the file name) prefixes
// errors, which give the line: "queries.jsonl:7: …". Blank lines are
// skipped. A line that is not a JSON object, or lacks the query or the
// relevant sources, is an error; unknown fields are not (the format may
// grow).
func ReadEvalQueries(r io.Reader, name string) ([]EvalQuery, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	var out []EvalQuery
	ids := map[string]int{}
	for line := 1; sc.Scan(); line++ {
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		var q EvalQuery
		if err := json.Unmarshal(raw, &q); err != nil {
			return nil, fmt.Errorf("%s:%d: not a JSON query object: %w", name, line, err)
		}
		switch {
		case strings.TrimSpace(q.Query) == "":
			return nil, fmt.Errorf("%s:%d: \"query\" is missing or empty", name, line)
		case len(q.Relevant) == 0:
			return nil, fmt.Errorf("%s:%d: \"relevant\" lists no source", name, line)
		}
		for i, s := range q.Relevant {
			q.Relevant[i] = strings.TrimPrefix(s, "./")
		}
		if q.ID == "" {
			q.ID = fmt.Sprintf("line %d", line)
		}
		if prev, ok := ids[q.ID]; ok {
			return nil, fmt.Errorf("%s:%d: id %q already used on line %d", name, line, q.ID, prev)
		}
		ids[q.ID] = line
		out = append(out, q)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no queries", name)
	}
	return out, nil
}

// EvalOptions tune EvaluateRetrieval.
type EvalOptions struct {
	// K is the cut-off of recall@k and MRR@k; 0 means 10.
	K int
	// Modes to evaluate; nil means Modes().
	Modes []Mode
	// Details asks for the per-query ranks in the report.
	Details bool
}

// EvalMetrics are the figures of one search mode over a query set. Recall
// and nDCG use binary relevance, and a document counts once, at the rank
// of its best chunk.
type EvalMetrics struct {
	Mode    Mode `json:"mode"`
	Queries int  `json:"queries"`
	// RecallAt1, RecallAt5 and RecallAtK are the share of a query's
	// relevant documents found in the first 1, 5 and K, averaged over
	// queries.
	RecallAt1 float64 `json:"recall_at_1"`
	RecallAt5 float64 `json:"recall_at_5"`
	RecallAtK float64 `json:"recall_at_k"`
	// MRR is the mean of 1/rank of the first relevant document within K
	// (0 when there is none).
	MRR float64 `json:"mrr_at_k"`
	// NDCG10 is the normalised discounted cumulative gain at 10.
	NDCG10 float64 `json:"ndcg_at_10"`
	// LatencyP50 and LatencyP99 are percentiles of the time of one search.
	LatencyP50 time.Duration `json:"-"`
	LatencyP99 time.Duration `json:"-"`
}

// MarshalJSON writes latencies in milliseconds, which a reader of the JSON
// can use without knowing Go's durations.
func (m EvalMetrics) MarshalJSON() ([]byte, error) {
	type plain EvalMetrics
	return json.Marshal(struct {
		plain
		P50 float64 `json:"latency_p50_ms"`
		P99 float64 `json:"latency_p99_ms"`
	}{plain(m), ms(m.LatencyP50), ms(m.LatencyP99)})
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

// EvalReport is the outcome of a retrieval evaluation.
type EvalReport struct {
	K       int           `json:"k"`
	Queries int           `json:"queries"`
	Modes   []EvalMetrics `json:"modes"`
	// Unknown lists relevant sources that are not in the knowledge base,
	// as "query id: source": such queries cannot be fully answered, which
	// usually means a typo in the query file.
	Unknown []string `json:"unknown_sources,omitempty"`
	// Details has, with EvalOptions.Details, each query's ranked sources.
	Details []EvalDetail `json:"details,omitempty"`
}

// EvalDetail is how one query fared in one mode.
type EvalDetail struct {
	ID   string `json:"id"`
	Mode Mode   `json:"mode"`
	// FirstRelevant is the rank of the first relevant document, 0 if none
	// was in the first K.
	FirstRelevant int      `json:"first_relevant"`
	Top           []string `json:"top"` // the first sources, up to 5
}

// EvaluateRetrieval runs every query in every mode and computes the
// metrics of docs/retrieval-eval.md. Queries run one at a time so latencies are those of a
// lone search. Each search asks for 5×max(K, 10) passages: several passages
// of one document collapse into one ranked document, and K documents must
// remain. An error of a search ends the evaluation.
func (b *Base) EvaluateRetrieval(ctx context.Context, queries []EvalQuery, opts EvalOptions) (EvalReport, error) {
	k := opts.K
	if k <= 0 {
		k = 10
	}
	modes := opts.Modes
	if modes == nil {
		modes = Modes()
	}
	if len(queries) == 0 {
		return EvalReport{}, errors.New("evaluate: no queries")
	}
	depth := max(k, 10)
	report := EvalReport{K: k, Queries: len(queries)}
	if err := b.unknownSources(ctx, queries, &report); err != nil {
		return report, err
	}
	sums := make([]evalSums, len(modes))
	for _, q := range queries {
		for i, mode := range modes {
			start := time.Now()
			res, err := b.Search(ctx, Query{Text: q.Query, Language: q.Language, K: 5 * depth, Mode: mode})
			took := time.Since(start)
			if err != nil {
				return report, fmt.Errorf("evaluate query %s (%s): %w", q.ID, mode, err)
			}
			ranked := rankedSources(res, depth)
			s := scoreQuery(ranked, q.Relevant, k)
			sums[i].add(s, took)
			if opts.Details {
				report.Details = append(report.Details, EvalDetail{ID: q.ID, Mode: mode, FirstRelevant: s.firstRelevant, Top: ranked[:min(5, len(ranked))]})
			}
		}
	}
	for i, mode := range modes {
		report.Modes = append(report.Modes, sums[i].metrics(mode))
	}
	return report, nil
}

// unknownSources notes the relevant sources that no document has.
func (b *Base) unknownSources(ctx context.Context, queries []EvalQuery, r *EvalReport) error {
	known := map[string]bool{}
	const page = 1000
	for off := 0; ; off += page {
		docs, err := b.store.ListDocuments(ctx, off, page)
		if err != nil {
			return fmt.Errorf("evaluate: list documents: %w", err)
		}
		for _, d := range docs {
			known[d.Source] = true
		}
		if len(docs) < page {
			break
		}
	}
	for _, q := range queries {
		for _, s := range q.Relevant {
			if !known[s] {
				r.Unknown = append(r.Unknown, q.ID+": "+s)
			}
		}
	}
	return nil
}

// rankedSources turns ranked passages into ranked documents: each source at
// the rank of its best passage, at most n of them.
func rankedSources(res []Result, n int) []string {
	out := make([]string, 0, n)
	for _, r := range res {
		if len(out) == n {
			break
		}
		if !slices.Contains(out, r.Citation.Source) {
			out = append(out, r.Citation.Source)
		}
	}
	return out
}

// queryScore holds one query's metrics.
type queryScore struct {
	recall1, recall5, recallK, rr, ndcg10 float64
	firstRelevant                         int
}

// scoreQuery computes the metrics of one query from its ranked documents
// (distinct, best first) and its relevant documents.
func scoreQuery(ranked, relevant []string, k int) queryScore {
	rel := make(map[string]bool, len(relevant))
	for _, s := range relevant {
		rel[s] = true
	}
	var s queryScore
	if len(rel) == 0 {
		return s
	}
	recall := func(n int) float64 {
		found := 0
		for _, src := range ranked[:min(n, len(ranked))] {
			if rel[src] {
				found++
			}
		}
		return float64(found) / float64(len(rel))
	}
	s.recall1, s.recall5, s.recallK = recall(1), recall(5), recall(k)
	for i, src := range ranked[:min(k, len(ranked))] {
		if rel[src] {
			s.firstRelevant = i + 1
			s.rr = 1 / float64(i+1)
			break
		}
	}
	var dcg, ideal float64
	for i, src := range ranked[:min(10, len(ranked))] {
		if rel[src] {
			dcg += 1 / math.Log2(float64(i+2))
		}
	}
	for i := range min(10, len(rel)) {
		ideal += 1 / math.Log2(float64(i+2))
	}
	s.ndcg10 = dcg / ideal
	return s
}

// evalSums accumulates one mode's scores.
type evalSums struct {
	n                                     int
	recall1, recall5, recallK, rr, ndcg10 float64
	latencies                             []time.Duration
}

func (e *evalSums) add(s queryScore, took time.Duration) {
	e.n++
	e.recall1 += s.recall1
	e.recall5 += s.recall5
	e.recallK += s.recallK
	e.rr += s.rr
	e.ndcg10 += s.ndcg10
	e.latencies = append(e.latencies, took)
}

func (e *evalSums) metrics(mode Mode) EvalMetrics {
	m := EvalMetrics{Mode: mode, Queries: e.n}
	if e.n == 0 {
		return m
	}
	n := float64(e.n)
	m.RecallAt1, m.RecallAt5, m.RecallAtK = e.recall1/n, e.recall5/n, e.recallK/n
	m.MRR, m.NDCG10 = e.rr/n, e.ndcg10/n
	m.LatencyP50, m.LatencyP99 = percentile(e.latencies, 50), percentile(e.latencies, 99)
	return m
}

// percentile is the nearest-rank percentile p (0–100] of ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[min(max(i, 0), len(s)-1)]
}
