package agent_test

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tmc/langchaingo/llms"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/demo"
	"github.com/faroai/faro/knowledge"
	"github.com/faroai/faro/livebus"
	"github.com/faroai/faro/llm/offline"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/sqlite"
	"github.com/faroai/faro/tools"
)

// instantModel answers at once, streaming its answer in one piece: a
// turn's time with it is the server's own.
type instantModel struct{}

func (instantModel) Call(ctx context.Context, prompt string, options ...llms.CallOption) (string, error) {
	return llms.GenerateFromSinglePrompt(ctx, instantModel{}, prompt, options...)
}

func (instantModel) GenerateContent(ctx context.Context, _ []llms.MessageContent, options ...llms.CallOption) (*llms.ContentResponse, error) {
	var o llms.CallOptions
	for _, opt := range options {
		opt(&o)
	}
	const answer = "Según la documentación, el curso cuesta 199 USD [1] y se puede pagar en cuotas [2]."
	if o.StreamingFunc != nil {
		if err := o.StreamingFunc(ctx, []byte(answer)); err != nil {
			return nil, err
		}
	}
	return &llms.ContentResponse{Choices: []*llms.ContentChoice{{Content: answer}}}, nil
}

var benchQuestions = []string{
	"¿Cuánto cuesta el curso de IA para marketing?",
	"how long does the prompt engineering course take?",
	"¿Tienen descuentos para empresas?",
	"what's your refund policy",
	"cómo descargo mi certificado",
	"can I pay in installments?",
}

// BenchmarkTurn measures the server's overhead of one turn, model time
// excluded (the model answers instantly): finding the contact and the
// conversation, persisting the message, hybrid retrieval over the demo
// knowledge base, loading the history, building the prompt, checking the
// answer's citations and persisting the reply, on the embedded SQLite.
// Conversations run ten turns each. Reports p50 and p99 of a turn.
//
// shared is the same with what a server sharing its database with others
// adds: the conversation's lease, and, with a burst window (whose wait is
// skipped here), the bus note of each message and the reads of other
// servers' messages.
func BenchmarkTurn(b *testing.B) {
	b.Run("one-server", func(b *testing.B) { benchmarkTurn(b, nil) })
	b.Run("shared", func(b *testing.B) {
		m := livebus.NewHub().Member()
		benchmarkTurn(b, func(o *agent.Options) {
			o.Lease, o.Wake = m, m
			o.Limits.BurstWindow = 1500 * time.Millisecond
			o.TimerFunc = func(time.Duration) <-chan time.Time {
				c := make(chan time.Time, 1)
				c <- time.Now()
				return c
			}
		})
	})
}

func benchmarkTurn(b *testing.B, edit func(*agent.Options)) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "faro.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	emb, err := offline.NewEmbedder(offline.EmbedderOptions{})
	if err != nil {
		b.Fatal(err)
	}
	kb := knowledge.New(st, emb, emb.Name(), nil)
	sub, err := fs.Sub(demo.Knowledge, "knowledge")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := kb.Ingest(ctx, knowledge.Source{FS: sub, Paths: []string{"."}}, knowledge.IngestOptions{}); err != nil {
		b.Fatal(err)
	}
	reg := tools.NewRegistry()
	tools.AddSearchKnowledge(reg, kb)
	tools.AddRequestHuman(reg, st)
	opts := agent.Options{
		Store: st, Model: instantModel{}, Tools: reg, Knowledge: kb,
		Limits: agent.Limits{BurstWindow: -1},
		Logger: slog.New(slog.DiscardHandler),
	}
	if edit != nil {
		edit(&opts)
	}
	a, err := agent.New(opts)
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close(ctx)

	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		m := agent.Message{
			Channel: "web", PlatformID: fmt.Sprint("m", i), ChatID: fmt.Sprint("chat-", i/10),
			Sender: store.Identity{Channel: "web", ExternalID: fmt.Sprint("visitor-", i/10)},
			Text:   benchQuestions[i%len(benchQuestions)],
		}
		start := time.Now()
		r, err := a.Turn(ctx, m, func(string) {})
		lat = append(lat, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		if r.Outcome != agent.OutcomeAnswered {
			b.Fatalf("outcome %s", r.Outcome)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) }
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
}
