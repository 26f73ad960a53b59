package slack_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/channels/slack"
	"github.com/faroai/faro/channels/slack/slacktest"
	"github.com/faroai/faro/internal/channeltest"
)

// BenchmarkInbound is a mention's way in, on the embedded store: the
// signature verified, the event parsed, the re-delivery check and the
// turn job stored (relay.Accept), the 200 written. The model's time is
// not in it: no worker takes the jobs. It reports p50 and p99 of one
// request.
func BenchmarkInbound(b *testing.B) {
	log := slog.New(slog.DiscardHandler)
	st := channeltest.OpenSQLite(b)
	// No workers (accept only): the jobs stored wait, and no model
	// competes with the inbound path for the CPU.
	rt, err := relay.New(relay.Options{Agent: channeltest.IdleAgent{}, Store: st, Jobs: channeltest.SQLiteJobs(b), Logger: log, Workers: -1})
	require.NoError(b, err)
	fake := slacktest.NewServer(token)
	b.Cleanup(fake.Close)
	a, err := slack.New(slack.Options{BotToken: token, SigningSecret: secret, APIURL: fake.URL, Runtime: rt, Logger: log})
	require.NoError(b, err)
	require.NoError(b, rt.Register(a))
	require.NoError(b, a.Start(b.Context()))
	require.NoError(b, rt.Start(b.Context()))
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = rt.Stop(ctx)
	})
	mux := http.NewServeMux()
	a.Mount(mux.Handle)

	sender := &slacktest.Sender{Secret: secret}
	var took []time.Duration
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		// Slack's side, signing, is not timed.
		ts := fmt.Sprintf("%d.%06d", tsBase+int64(i/1_000_000), i%1_000_000)
		r := sender.Signed(slack.EventsPath, slacktest.AppMention("EvB"+strconv.Itoa(i), slacktest.Post{Team: "T0FARO",
			Channel: "C0BENCH", User: "U1", Text: "<@UFAROBOT> ¿cuánto cuesta el curso de IA para marketing?", TS: ts}), "application/json")
		req := httptest.NewRequest(http.MethodPost, r.URL, bytes.NewReader(r.Body))
		req.Header = r.Header
		rec := httptest.NewRecorder()
		start := time.Now()
		mux.ServeHTTP(rec, req)
		took = append(took, time.Since(start))
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
	b.StopTimer()
	channeltest.ReportLatency(b, took)
}
