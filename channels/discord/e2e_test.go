package discord_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tmc/langchaingo/llms"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/channels/discord"
	"github.com/faroai/faro/channels/discord/discordtest"
	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/internal/channeltest"
	"github.com/faroai/faro/internal/testlog"
	"github.com/faroai/faro/store"
)

// e2e is Faro's Discord channel as `faro serve` runs it: the real agent
// over a real store, the runtime on River, discordgo's gateway session
// and REST calls against the local Discord.
type e2e struct {
	st    store.Store
	rt    *relay.Runtime
	bot   *discordtest.Bot
	staff discordtest.User
	logs  *testlog.Buffer
	// turns counts the agent's turns, model calls the model calls.
	turns, modelCalls atomic.Int64
}

type e2eOptions struct {
	model llms.Model
	// gateway: the API names a gateway that does not answer, and the
	// adapter is configured with the real one (Options.GatewayURL).
	gateway bool
}

func setupE2E(t *testing.T, open func(t testing.TB) store.Store, o e2eOptions) *e2e {
	t.Helper()
	srv := platform.Server()
	log, logs := channeltest.Log(t)
	e := &e2e{st: open(t), logs: logs, bot: srv.NewBot(), staff: srv.Person("ana")}
	ag := channeltest.NewAgent(t, e.st, log, channeltest.AgentOptions{
		Staff: []store.Identity{{Channel: discord.Channel, ExternalID: e.staff.ID}},
		Model: o.model,
		OnTurn: func(ev agent.TurnEvent) {
			e.turns.Add(1)
			e.modelCalls.Add(int64(ev.Usage.ModelCalls))
		},
	})
	rt, err := relay.New(relay.Options{
		Agent: ag, Store: e.st, Jobs: channeltest.Jobs(t, &pg, e.st), Logger: log,
		BackoffBase: 20 * time.Millisecond, BackoffMax: 200 * time.Millisecond,
		PollInterval: 20 * time.Millisecond, MaxAttempts: 50,
	})
	require.NoError(t, err)
	e.rt = rt
	opts := discord.Options{Token: e.bot.Token, APIURL: srv.APIURL, Runtime: rt, Logger: log}
	if o.gateway {
		e.bot.AnnounceGateway("ws://127.0.0.1:1/nowhere")
		opts.GatewayURL = srv.GatewayURL
	}
	a, err := discord.New(opts)
	require.NoError(t, err)
	require.NoError(t, rt.Register(a))
	require.NoError(t, a.Start(t.Context()))
	require.Equal(t, e.bot.User.ID, a.BotUser())
	require.NoError(t, rt.Start(t.Context()))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer scancel()
		_ = rt.Stop(sctx)
	})
	waitFor(t, "the gateway session and /faro registered", func() bool {
		_, _, _, connected := e.bot.Gateway()
		return connected && e.bot.Commands(e.bot.Guild) != ""
	})
	return e
}

// waitFor polls until cond holds, failing after a while.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	channeltest.WaitFor(t, 30*time.Second, what, cond)
}

// settle gives a wrongly accepted re-delivery the time to show up.
func settle() { time.Sleep(500 * time.Millisecond) }

// delivered returns the bot's messages in channel whose delivery the
// runtime recorded as sent, in order.
func (e *e2e) delivered(t *testing.T, channel string) []discordtest.Message {
	t.Helper()
	return channeltest.Delivered(t, e.st, discord.Channel, e.bot.Messages(channel), func(m discordtest.Message) string { return m.ID })
}

func (e *e2e) waitDelivered(t *testing.T, channel string, n int) []discordtest.Message {
	t.Helper()
	var got []discordtest.Message
	waitFor(t, fmt.Sprintf("%d answer(s) in %s", n, channel), func() bool {
		got = e.delivered(t, channel)
		return len(got) >= n
	})
	return got
}

const price = "¿cuánto cuesta el curso de IA para marketing?"

// TestOneAnswerAcrossReconnectAndResume: a server member mentioning the
// bot is answered in a thread started from the message, a DM in the DM;
// messages sent while the connection is down arrive with the RESUME and
// are answered once; events Discord sends again (a re-sent
// MESSAGE_CREATE, events replayed after a RESUME, a reconnect request)
// are not answered again; after an invalid session the bot identifies
// anew and goes on answering.
func TestOneAnswerAcrossReconnectAndResume(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, open func(t testing.TB) store.Store) {
		e := setupE2E(t, open, e2eOptions{})
		bot := e.bot
		lucia := platform.Server().Person("lucia")

		m1 := bot.Post(lucia, bot.Channel, bot.Mention()+" "+price)
		got := e.waitDelivered(t, m1, 1)
		require.True(t, bot.IsThread(m1), "answered in a thread started from the message")
		require.NotEmpty(t, got[0].Content)
		require.JSONEq(t, `{"parse":[],"replied_user":false}`, got[0].AllowedMentions)
		require.Empty(t, bot.Messages(bot.Channel), "nothing in the channel itself")

		d1 := bot.DM(lucia, "hola, ¿qué cursos tenéis?")
		dm := bot.DMChannel(lucia)
		got = e.waitDelivered(t, dm, 1)
		require.Equal(t, d1, got[0].ReplyTo, "the DM's answer replies to the question")

		// Not mentioned in the channel, or the bot itself: nothing.
		bot.Post(lucia, bot.Channel, "¿alguien sabe a qué hora es la clase?")

		// The connection drops; two messages arrive while it is down.
		bot.Drop()
		m2 := bot.Post(lucia, bot.Channel, bot.Mention()+" ¿y el curso de ventas?")
		d2 := bot.DM(lucia, "gracias, ¿y cómo me inscribo?")
		e.waitDelivered(t, m2, 1)
		e.waitDelivered(t, dm, 2)
		_, resumed, _, _ := bot.Gateway()
		require.GreaterOrEqual(t, resumed, 1, "the session resumed")

		// Discord sends events again: a re-sent MESSAGE_CREATE, and a
		// RESUME after a reconnect request that replays events the bot
		// had (its own messages among them).
		bot.Resend(m1)
		bot.Resend(d2)
		bot.ResendOnResume(12)
		bot.RequestReconnect()
		waitFor(t, "the second resume", func() bool {
			_, resumed, _, connected := bot.Gateway()
			return resumed >= 2 && connected
		})
		settle()
		require.Len(t, bot.Messages(m1), 1, "m1 answered once")
		require.Len(t, bot.Messages(m2), 1, "m2 answered once")
		require.Len(t, bot.Messages(dm), 2, "each DM answered once")
		require.Equal(t, int64(4), e.turns.Load(), "one turn per message")

		// An invalid session: a new IDENTIFY, a new session, still answering.
		bot.InvalidateSession()
		waitFor(t, "a new session", func() bool {
			identified, _, _, connected := bot.Gateway()
			return identified >= 2 && connected
		})
		m3 := bot.Post(lucia, bot.Channel, bot.Mention()+" ¿hay curso de IA en inglés?")
		e.waitDelivered(t, m3, 1)
		settle()
		require.Equal(t, int64(5), e.turns.Load())
		_, _, heartbeats, _ := bot.Gateway()
		require.Positive(t, heartbeats, "the session heartbeats")
		typing := 0
		for _, c := range bot.Calls() {
			if strings.HasSuffix(c.Route, "/typing") && c.Status == http.StatusNoContent {
				typing++
			}
		}
		// The runtime stops the indicator when the turn ends, possibly
		// before Discord has answered: at least the first turns show it.
		require.Positive(t, typing, "typing shown while the model works")
	})
}

// TestAnswerInExistingThread: a mention inside a thread is answered in
// that thread; no thread is started from it. (The adapter connects to
// its configured gateway URL, not to the one the API names.)
func TestAnswerInExistingThread(t *testing.T) {
	t.Parallel()
	// The configured gateway wins over the one the API names.
	e := setupE2E(t, channeltest.OpenSQLite, e2eOptions{gateway: true})
	bot := e.bot
	thread := bot.AddThread("dudas de la clase")
	m := bot.Post(platform.Server().Person("pablo"), thread, bot.Mention()+" "+price)
	e.waitDelivered(t, thread, 1)
	settle()
	require.False(t, bot.IsThread(m), "no thread started from the message")
	require.Len(t, bot.Messages(thread), 1)
	for _, c := range bot.Calls() {
		require.NotContains(t, c.Route, "/threads")
	}

	// A bot without Create Public Threads answers in the channel,
	// replying to the message.
	bot.DenyThreads()
	m = bot.Post(platform.Server().Person("pablo"), bot.Channel, bot.Mention()+" "+price)
	got := e.waitDelivered(t, bot.Channel, 1)
	require.Equal(t, m, got[0].ReplyTo)
	require.False(t, bot.IsThread(m))
}

// TestStaffKPIAndRoleGate: the MRR asked by the staff member is answered
// with the KPI report; asked by anyone else, it is refused by the role
// gate, as on Slack.
func TestStaffKPIAndRoleGate(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, open func(t testing.TB) store.Store) {
		e := setupE2E(t, open, e2eOptions{})
		bot := e.bot
		ask := func(u discordtest.User) (string, string) {
			m := bot.Post(u, bot.Channel, bot.Mention()+" ¿cuál es el MRR de este mes?")
			return m, e.waitDelivered(t, m, 1)[0].Content
		}
		_, got := ask(e.staff)
		require.Contains(t, got, "MRR: 0.00 USD", "the KPI report: %q", got)
		m, got := ask(platform.Server().Person("curioso"))
		require.NotContains(t, got, "USD", "refused by the role gate: %q", got)
		require.NotContains(t, got, "KPIs")
		stored, err := e.st.MessageByPlatformID(t.Context(), discord.Channel, m)
		require.NoError(t, err)
		replies, err := e.st.Messages(t.Context(), stored.ConversationID, store.MessageQuery{})
		require.NoError(t, err)
		for _, r := range replies {
			require.NotContains(t, string(r.ToolCalls), "report_kpis", "no KPI tool ran for a prospect")
		}
	})
}
