package discord_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/channels/discord"
	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/internal/channeltest"
)

// accepted wraps the runtime and tells when each message is stored.
type accepted struct {
	rt   *relay.Runtime
	done chan struct{}
}

func (a accepted) Accept(ctx context.Context, in relay.Inbound) (bool, error) {
	ok, err := a.rt.Accept(ctx, in)
	a.done <- struct{}{}
	return ok, err
}

// BenchmarkInbound is a DM's way in, on the embedded store: the local
// Discord dispatches MESSAGE_CREATE on the gateway, discordgo decodes it,
// the adapter parses it and the runtime stores its turn job
// (relay.Accept). The model's time is not in it: no worker takes the
// jobs. It reports p50 and p99 of one message.
func BenchmarkInbound(b *testing.B) {
	log := slog.New(slog.DiscardHandler)
	st := channeltest.OpenSQLite(b)
	rt, err := relay.New(relay.Options{Agent: channeltest.IdleAgent{}, Store: st, Jobs: channeltest.SQLiteJobs(b), Logger: log, Workers: -1})
	require.NoError(b, err)
	srv := platform.Server()
	bot := srv.NewBot()
	acc := accepted{rt: rt, done: make(chan struct{}, 1)}
	a, err := discord.New(discord.Options{Token: bot.Token, APIURL: srv.APIURL, Runtime: acc, Logger: log})
	require.NoError(b, err)
	require.NoError(b, rt.Register(a))
	require.NoError(b, a.Start(b.Context()))
	require.NoError(b, rt.Start(b.Context()))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	b.Cleanup(func() {
		cancel()
		<-done
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		_ = rt.Stop(sctx)
	})
	for {
		if _, _, _, connected := bot.Gateway(); connected {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	person := srv.Person("bench")
	var took []time.Duration
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		bot.DM(person, fmt.Sprintf("¿cuánto cuesta el curso de IA para marketing? %d", i))
		select {
		case <-acc.done:
		case <-time.After(10 * time.Second):
			b.Fatal("message not accepted")
		}
		took = append(took, time.Since(start))
	}
	b.StopTimer()
	channeltest.ReportLatency(b, took)
}
