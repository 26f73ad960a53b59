package mattermost_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/channels/mattermost"
	"github.com/faroai/faro/channels/mattermost/mattermosttest"
	"github.com/faroai/faro/channels/mattermost/mmapi"
	"github.com/faroai/faro/channels/relay"
)

// BenchmarkInbound is an outgoing webhook's way in, on the embedded store:
// the form read, the token checked, the re-delivery check and the turn
// job stored (relay.Accept), the answer written. The model's time is not
// in it: no worker takes the jobs. It reports p50 and p99 of one request.
func BenchmarkInbound(b *testing.B) {
	log := slog.New(slog.DiscardHandler)
	st := openSQLite(b)
	db, err := relay.OpenSQLite(filepath.Join(b.TempDir(), "jobs.db"))
	require.NoError(b, err)
	b.Cleanup(func() { _ = db.Close() })
	rt, err := relay.New(relay.Options{Agent: idleAgent{}, Store: st, Jobs: relay.SQLiteJobs(db), Logger: log, Workers: -1})
	require.NoError(b, err)
	mm := mattermosttest.NewServer(botToken)
	b.Cleanup(mm.Close)
	client, err := mmapi.New(mm.URL, botToken, nil)
	require.NoError(b, err)
	a, err := mattermost.New(mattermost.Options{Client: client, Runtime: rt, Logger: log, WebhookTokens: []string{hookToken}})
	require.NoError(b, err)
	require.NoError(b, rt.Register(a))
	require.NoError(b, a.Start(b.Context()))
	require.NoError(b, rt.Start(b.Context()))
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = rt.Stop(ctx)
	})
	ana := mm.AddUser("ana")
	ch := mm.AddChannel("O", "preguntas")

	var took []time.Duration
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		// Mattermost's side is not timed.
		p := mattermosttest.Post{ID: fmt.Sprintf("pbench%020d", i), CreateAt: time.Now().UnixMilli(), Message: "faro " + question}
		body := mattermosttest.WebhookFor(hookToken, p, ana, ch, "faro").Form().Encode()
		req := httptest.NewRequest(http.MethodPost, mattermost.WebhookPath, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		start := time.Now()
		a.ServeHTTP(rec, req)
		took = append(took, time.Since(start))
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
	b.StopTimer()
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds()), "µs-p50")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds()), "µs-p99")
}

// idleAgent never answers; with no workers it is never asked.
type idleAgent struct{}

func (idleAgent) Turn(ctx context.Context, _ agent.Message, _ func(string)) (agent.Reply, error) {
	<-ctx.Done()
	return agent.Reply{}, ctx.Err()
}
