package whatsapp_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/channels/whatsapp"
	"github.com/faroai/faro/channels/whatsapp/graphtest"
)

// instantAgent answers at once: the benchmark measures the inbound path,
// not the model.
type instantAgent struct{}

func (instantAgent) Turn(_ context.Context, m agent.Message, _ func(string)) (agent.Reply, error) {
	return agent.Reply{Text: "ok", Language: "es", Outcome: agent.OutcomeAnswered}, nil
}

// BenchmarkInbound is the webhook's acknowledgement path on the embedded
// store: read the body, check the signature, parse, look the sender up for
// linking, and Accept (dedupe and enqueue the turn job). It reports the
// median and 99th percentile of one request.
func BenchmarkInbound(b *testing.B) {
	st, jobs := openSQLite(b)
	rt, err := relay.New(relay.Options{Agent: instantAgent{}, Store: st, Jobs: jobs})
	if err != nil {
		b.Fatal(err)
	}
	g := graphtest.New(b)
	ad, err := whatsapp.New(whatsapp.Options{Client: newClient(g)})
	if err != nil {
		b.Fatal(err)
	}
	if err := rt.Register(ad); err != nil {
		b.Fatal(err)
	}
	if err := rt.Start(b.Context()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = rt.Stop(ctx)
	})
	hook, err := whatsapp.NewWebhook(whatsapp.WebhookOptions{
		AppSecret: appSecret, VerifyToken: verifyToken, PhoneNumberID: g.PhoneNumberID,
		Runtime: rt, Notes: ad, Linker: whatsapp.NewLinker(st), Languages: st, Messages: st,
	})
	if err != nil {
		b.Fatal(err)
	}
	sender := g.Sender("http://faro.invalid/webhooks/whatsapp", appSecret)
	bodies := make([][]byte, b.N)
	sigs := make([]string, b.N)
	for i := range bodies {
		m := &graphtest.Message{From: fmt.Sprintf("52155%08d", i%100), Name: "Ana", Text: "¿Cuánto cuesta el curso de IA?"}
		bodies[i] = sender.Notification([]*graphtest.Message{m}, nil)
		sigs[i] = sender.Sign(bodies[i])
	}
	took := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		req := httptest.NewRequest(http.MethodPost, "/webhooks/whatsapp", bytes.NewReader(bodies[i]))
		req.Header.Set(whatsapp.SignatureHeader, sigs[i])
		rec := httptest.NewRecorder()
		start := time.Now()
		hook.ServeHTTP(rec, req)
		took = append(took, time.Since(start))
		if rec.Code != http.StatusOK {
			b.Fatalf("answered %d: %s", rec.Code, rec.Body)
		}
	}
	b.StopTimer()
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds()), "p99-µs")
}
