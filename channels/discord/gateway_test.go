package discord_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/channels/discord"
	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/internal/testlog"
)

// refuseAll is an Acceptor for tests where no message may arrive.
type refuseAll struct{ t *testing.T }

func (r refuseAll) Accept(context.Context, relay.Inbound) (bool, error) {
	r.t.Error("no message expected")
	return false, nil
}

// TestDisallowedIntent: a bot whose Message Content Intent is off in the
// Developer Portal is refused by the gateway (close 4014); Run logs
// Discord's reason and keeps trying until it is stopped.
func TestDisallowedIntent(t *testing.T) {
	t.Parallel()
	srv := platform.Server()
	bot := srv.NewBot()
	bot.NoContentIntent = true
	logs := &testlog.Buffer{}
	a, err := discord.New(discord.Options{Token: bot.Token, APIURL: srv.APIURL, Runtime: refuseAll{t},
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	require.NoError(t, err)
	require.NoError(t, a.Start(t.Context()))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	waitFor(t, "the refusal logged", func() bool { return strings.Contains(logs.String(), "4014") })
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop")
	}
	require.Contains(t, logs.String(), "Disallowed intent")
	identified, _, _, connected := bot.Gateway()
	require.Zero(t, identified)
	require.False(t, connected)
}

// TestNewRefusesAnotherAPI: discordgo's endpoints are process-wide, so a
// second adapter pointed at another API is refused, not silently
// redirected.
func TestNewRefusesAnotherAPI(t *testing.T) {
	t.Parallel()
	// The process's API is the local one (whichever test comes first).
	_, err := discord.New(discord.Options{Token: "MTE.x.y", APIURL: platform.Server().APIURL, Runtime: refuseAll{t}})
	require.NoError(t, err)
	_, err = discord.New(discord.Options{Token: "MTE.x.y", APIURL: "https://other.example/api", Runtime: refuseAll{t}})
	require.ErrorContains(t, err, "one Discord API per process")
	_, err = discord.New(discord.Options{Token: "MTE.x.y", Runtime: refuseAll{t}, APIURL: platform.Server().APIURL, GatewayURL: "https://x"})
	require.ErrorContains(t, err, "not a ws(s) URL")
	_, err = discord.New(discord.Options{Token: "", Runtime: refuseAll{t}})
	require.ErrorContains(t, err, "token is required")
}
