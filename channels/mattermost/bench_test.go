package mattermost_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/channels/mattermost"
	"github.com/faroai/faro/channels/mattermost/mattermosttest"
	"github.com/faroai/faro/channels/mattermost/mmapi"
	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/internal/channeltest"
)

// BenchmarkInbound is an outgoing webhook's way in, on the embedded store:
// the form read, the token checked, the re-delivery check and the turn
// job stored (relay.Accept), the answer written. The model's time is not
// in it: no worker takes the jobs. It reports p50 and p99 of one request.
func BenchmarkInbound(b *testing.B) {
	log := slog.New(slog.DiscardHandler)
	st := channeltest.OpenSQLite(b)
	rt, err := relay.New(relay.Options{Agent: channeltest.IdleAgent{}, Store: st, Jobs: channeltest.SQLiteJobs(b), Logger: log, Workers: -1})
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
	channeltest.ReportLatency(b, took)
}
