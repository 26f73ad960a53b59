package telegram_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/channels/telegram/telegramtest"
	"github.com/faroai/faro/internal/channeltest"
)

// unused is the agent of a runtime that only accepts: its turns are never
// run here.
type unused struct{}

func (unused) Turn(context.Context, agent.Message, func(string)) (agent.Reply, error) {
	panic("no turn runs in an accept-only runtime")
}

// BenchmarkInbound is the webhook's acknowledgement path on the embedded
// store: the secret check, parsing, the reused-id lookup, the dedupe and
// the turn job stored (model time excluded: no worker runs). It reports
// the median (p50-ns) besides the mean.
func BenchmarkInbound(b *testing.B) {
	st := channeltest.OpenSQLite(b)
	rt, err := relay.New(relay.Options{Agent: unused{}, Store: st, Jobs: channeltest.SQLiteJobs(b), Workers: -1})
	require.NoError(b, err)
	a := newAdapter(b, rt, "http://127.0.0.1:1")
	require.NoError(b, rt.Register(a))
	require.NoError(b, rt.Start(b.Context()))
	b.Cleanup(func() { _ = rt.Stop(context.Background()) })

	bodies := make([][]byte, b.N)
	for i := range bodies {
		bodies[i], _ = json.Marshal(telegramtest.Private(int64(i+1), int64(1000+i%50), "hola, ¿qué cursos tienen?", "es"))
	}
	took := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		req := httptest.NewRequest(http.MethodPost, "/webhooks/telegram", bytes.NewReader(bodies[i]))
		req.Header.Set(telegramtest.SecretHeader, "s3cret")
		rec := httptest.NewRecorder()
		start := time.Now()
		a.ServeHTTP(rec, req)
		took = append(took, time.Since(start))
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
	}
	b.StopTimer()
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(took[len(took)*99/100].Nanoseconds()), "p99-ns")
}
