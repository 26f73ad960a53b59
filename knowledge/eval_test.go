package knowledge

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/demo"
)

func TestScoreQuery(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name             string
		ranked, relevant []string
		k                int
		want             queryScore
	}{
		{
			// Two relevant documents at ranks 2 and 4.
			// DCG@10 = 1/log2(3) + 1/log2(5); ideal = 1 + 1/log2(3).
			name: "two relevant", ranked: []string{"a", "r1", "b", "r2", "c"}, relevant: []string{"r1", "r2"}, k: 3,
			want: queryScore{recall1: 0, recall5: 1, recallK: 0.5, rr: 0.5, ndcg10: 0.6509209298071326, firstRelevant: 2},
		},
		{
			// Three relevant, one found at rank 3.
			// DCG = 1/log2(4) = 0.5; ideal = 1 + 1/log2(3) + 1/log2(4).
			name: "one of three", ranked: []string{"a", "b", "r2", "c"}, relevant: []string{"r1", "r2", "r3"}, k: 10,
			want: queryScore{recall1: 0, recall5: 1.0 / 3, recallK: 1.0 / 3, rr: 1.0 / 3, ndcg10: 0.23463936301137822, firstRelevant: 3},
		},
		{
			name: "first", ranked: []string{"r", "a"}, relevant: []string{"r"}, k: 10,
			want: queryScore{recall1: 1, recall5: 1, recallK: 1, rr: 1, ndcg10: 1, firstRelevant: 1},
		},
		{
			name: "none", ranked: []string{"a", "b"}, relevant: []string{"r"}, k: 10,
			want: queryScore{},
		},
		{
			name: "empty ranking", ranked: nil, relevant: []string{"r"}, k: 10,
			want: queryScore{},
		},
		{
			// Rank 11: inside k = 20 for recall and MRR, outside nDCG@10.
			name: "beyond 10", ranked: strings.Split("a b c d e f g h i j r", " "), relevant: []string{"r"}, k: 20,
			want: queryScore{recallK: 1, rr: 1.0 / 11, firstRelevant: 11},
		},
		{
			// Rank 7 with k = 5: outside recall@k and MRR@k, inside nDCG@10.
			// DCG = 1/log2(8) = 1/3; ideal = 1.
			name: "beyond k", ranked: strings.Split("a b c d e f r", " "), relevant: []string{"r"}, k: 5,
			want: queryScore{ndcg10: 1.0 / 3},
		},
	}
	for _, c := range cases {
		got := scoreQuery(c.ranked, c.relevant, c.k)
		require.InDelta(t, c.want.recall1, got.recall1, 1e-12, c.name)
		require.InDelta(t, c.want.recall5, got.recall5, 1e-12, c.name)
		require.InDelta(t, c.want.recallK, got.recallK, 1e-12, c.name)
		require.InDelta(t, c.want.rr, got.rr, 1e-12, c.name)
		require.InDelta(t, c.want.ndcg10, got.ndcg10, 1e-12, c.name)
		require.Equal(t, c.want.firstRelevant, got.firstRelevant, c.name)
	}
}

func TestEvalSumsAverage(t *testing.T) {
	t.Parallel()
	var s evalSums
	s.add(queryScore{recall1: 1, recall5: 1, recallK: 1, rr: 1, ndcg10: 1}, 3*time.Millisecond)
	s.add(queryScore{recall5: 0.5, recallK: 1, rr: 0.25, ndcg10: 0.5}, time.Millisecond)
	m := s.metrics(ModeHybrid)
	require.Equal(t, EvalMetrics{Mode: ModeHybrid, Queries: 2, RecallAt1: 0.5, RecallAt5: 0.75, RecallAtK: 1, MRR: 0.625, NDCG10: 0.75,
		LatencyP50: time.Millisecond, LatencyP99: 3 * time.Millisecond}, m)
	raw, err := json.Marshal(m)
	require.NoError(t, err)
	require.JSONEq(t, `{"mode":"hybrid","queries":2,"recall_at_1":0.5,"recall_at_5":0.75,"recall_at_k":1,"mrr_at_k":0.625,"ndcg_at_10":0.75,"latency_p50_ms":1,"latency_p99_ms":3}`, string(raw))
}

func TestRankedSources(t *testing.T) {
	t.Parallel()
	res := func(sources ...string) []Result {
		out := make([]Result, len(sources))
		for i, s := range sources {
			out[i].Citation.Source = s
		}
		return out
	}
	require.Equal(t, []string{"a", "b", "c"}, rankedSources(res("a", "a", "b", "a", "c", "b"), 10))
	require.Equal(t, []string{"a", "b"}, rankedSources(res("a", "a", "b", "a", "c"), 2))
	require.Empty(t, rankedSources(nil, 10))
}

func TestPercentile(t *testing.T) {
	t.Parallel()
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	require.Equal(t, 50*time.Millisecond, percentile(ds, 50))
	require.Equal(t, 99*time.Millisecond, percentile(ds, 99))
	require.Equal(t, 100*time.Millisecond, percentile(ds, 100))
	require.Equal(t, 100*time.Millisecond, ds[0], "the input is left unsorted")
	require.Equal(t, 7*time.Millisecond, percentile([]time.Duration{7 * time.Millisecond}, 99))
	require.Zero(t, percentile(nil, 50))
}

func TestReadEvalQueries(t *testing.T) {
	t.Parallel()
	good := `{"id": "q1", "query": "¿Cuánto cuesta el curso de IA?", "relevant": ["precios.md"], "language": "es"}

{"id": "q2", "query": "refunds", "relevant": ["./en/refunds.md", "en/faq.md"], "note": "unknown fields are fine"}
{"query": "sin id", "relevant": ["a.md"]}
`
	qs, err := ReadEvalQueries(strings.NewReader(good), "q.jsonl")
	require.NoError(t, err)
	require.Equal(t, []EvalQuery{
		{ID: "q1", Query: "¿Cuánto cuesta el curso de IA?", Relevant: []string{"precios.md"}, Language: "es"},
		{ID: "q2", Query: "refunds", Relevant: []string{"en/refunds.md", "en/faq.md"}},
		{ID: "line 4", Query: "sin id", Relevant: []string{"a.md"}},
	}, qs)

	for _, c := range []struct{ text, want string }{
		{`{"id":"q1","query":"a","relevant":["a.md"]}` + "\n" + `{"id":"q2","query":"b",` + "\n", "q.jsonl:2: not a JSON query object"},
		{`["a"]`, "q.jsonl:1: not a JSON query object"},
		{`{"id":"q1","relevant":["a.md"]}`, `q.jsonl:1: "query" is missing`},
		{`{"id":"q1","query":"a","relevant":[]}`, `q.jsonl:1: "relevant" lists no source`},
		{`{"id":"q1","query":"a","relevant":"a.md"}`, "q.jsonl:1: not a JSON query object"},
		{`{"id":"q1","query":"a","relevant":["a.md"]}` + "\n" + `{"id":"q1","query":"b","relevant":["b.md"]}`, `q.jsonl:2: id "q1" already used on line 1`},
		{"\n\n", "q.jsonl: no queries"},
	} {
		_, err := ReadEvalQueries(strings.NewReader(c.text), "q.jsonl")
		require.ErrorContains(t, err, c.want, c.text)
	}

	_, err = ReadEvalQueriesFile(filepath.Join(t.TempDir(), "missing.jsonl"))
	require.ErrorIs(t, err, os.ErrNotExist)
	require.ErrorContains(t, err, "missing.jsonl")
}

func TestEvaluateRetrieval(t *testing.T) {
	t.Parallel()
	st := openSQLite(t)
	b := newSearchBase(t, st, newOffline(t, 0))
	queries := []EvalQuery{
		{ID: "price-es", Query: "¿Cuánto vale el curso de IA para marketing?", Relevant: []string{"cursos/ia-marketing.md"}, Language: "es"},
		{ID: "refund", Query: "devolución del dinero, reembolso", Relevant: []string{"politicas/reembolso.md"}},
		{ID: "cert", Query: "do I get a certificate when I finish?", Relevant: []string{"en/support/certificates.md", "en/support/typo.md"}, Language: "en"},
	}
	r, err := b.EvaluateRetrieval(context.Background(), queries, EvalOptions{K: 3, Details: true})
	require.NoError(t, err)
	require.Equal(t, 3, r.K)
	require.Equal(t, 3, r.Queries)
	require.Equal(t, []string{"cert: en/support/typo.md"}, r.Unknown)
	require.Len(t, r.Modes, 3)
	require.Len(t, r.Details, 9)
	for i, m := range r.Modes {
		require.Equal(t, Modes()[i], m.Mode)
		require.Equal(t, 3, m.Queries)
		for _, v := range []float64{m.RecallAt1, m.RecallAt5, m.RecallAtK, m.MRR, m.NDCG10} {
			require.GreaterOrEqual(t, v, 0.0)
			require.LessOrEqual(t, v, 1.0)
		}
		require.LessOrEqual(t, m.RecallAt1, m.RecallAt5)
		require.Positive(t, m.LatencyP50)
		require.GreaterOrEqual(t, m.LatencyP99, m.LatencyP50)
	}
	hybrid := r.Modes[2]
	// Every query's first relevant document is found first; the unknown
	// source of "cert" halves its recall.
	require.InDelta(t, 1, hybrid.MRR, 1e-12, "%+v", r.Details)
	require.InDelta(t, (1+1+0.5)/3, hybrid.RecallAtK, 1e-12)

	_, err = b.EvaluateRetrieval(context.Background(), nil, EvalOptions{})
	require.Error(t, err)

	// A search error ends the evaluation, naming the query.
	other := newOffline(t, 128)
	_, err = New(st, other, other.Name(), nil).EvaluateRetrieval(context.Background(), queries, EvalOptions{Modes: []Mode{ModeVector}})
	require.ErrorIs(t, err, ErrEmbedderMismatch)
	require.ErrorContains(t, err, "price-es")
}

// TestDemoRetrieval runs the shipped evaluation set over the demo knowledge
// base and holds the figures above a floor, so a change that makes
// retrieval worse is noticed. The figures are logged (go test -v).
func TestDemoRetrieval(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newOffline(t, 0)
	b := New(openSQLite(t), e, e.Name(), nil)
	kb, err := fs.Sub(demo.Knowledge, "knowledge")
	require.NoError(t, err)
	ing, err := b.Ingest(ctx, Source{FS: kb, Paths: []string{"."}}, IngestOptions{})
	require.NoError(t, err)
	require.Empty(t, ing.Failed)
	queries, err := ReadEvalQueries(bytes.NewReader(demo.RetrievalQueries), "demo/eval/retrieval.jsonl")
	require.NoError(t, err)
	r, err := b.EvaluateRetrieval(ctx, queries, EvalOptions{K: 10})
	require.NoError(t, err)
	require.Empty(t, r.Unknown)
	for _, m := range r.Modes {
		t.Logf("%-6s recall@1 %.3f recall@5 %.3f recall@10 %.3f MRR@10 %.3f nDCG@10 %.3f p50 %s p99 %s",
			m.Mode, m.RecallAt1, m.RecallAt5, m.RecallAtK, m.MRR, m.NDCG10, m.LatencyP50, m.LatencyP99)
	}
	hybrid := r.Modes[2]
	require.Equal(t, ModeHybrid, hybrid.Mode)
	require.GreaterOrEqual(t, hybrid.MRR, 0.8)
	require.GreaterOrEqual(t, hybrid.RecallAtK, 0.85)
}
