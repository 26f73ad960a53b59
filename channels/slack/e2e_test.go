package slack_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"github.com/tmc/langchaingo/llms"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/channels/slack"
	"github.com/faroai/faro/channels/slack/slacktest"
	"github.com/faroai/faro/internal/channeltest"
	"github.com/faroai/faro/internal/testlog"
	"github.com/faroai/faro/llm/llmtest"
	"github.com/faroai/faro/store"
)

const (
	token  = "xoxb-1234-5678-faro"
	secret = "e2e-signing-secret-0123456789abcdef"
	staff  = "USTAFF01"
)

// e2e is Faro's Slack channel as `faro serve` runs it: the real agent
// over a real store, the runtime on River, the adapter's webhooks on an
// HTTP server, slack-go talking to the local Slack.
type e2e struct {
	st     store.Store
	rt     *relay.Runtime
	slack  *slacktest.Server
	sender *slacktest.Sender
	logs   *testlog.Buffer
	// turns counts the agent's turns, model calls the model calls.
	turns, modelCalls atomic.Int64
}

type e2eOptions struct {
	model     llms.Model
	noPreview bool
}

func setupE2E(t *testing.T, open func(t testing.TB) store.Store, o e2eOptions) *e2e {
	t.Helper()
	log, logs := channeltest.Log(t)
	e := &e2e{st: open(t), logs: logs}
	ag := channeltest.NewAgent(t, e.st, log, channeltest.AgentOptions{
		Staff: []store.Identity{{Channel: slack.Channel, ExternalID: staff}},
		Model: o.model,
		OnTurn: func(ev agent.TurnEvent) {
			e.turns.Add(1)
			e.modelCalls.Add(int64(ev.Usage.ModelCalls))
		},
	})
	e.slack = slacktest.NewServer(token)
	t.Cleanup(e.slack.Close)

	rt, err := relay.New(relay.Options{
		Agent: ag, Store: e.st, Jobs: channeltest.Jobs(t, &pg, e.st), Logger: log,
		// A platform down for a minute, in a test: short backoff.
		BackoffBase: 20 * time.Millisecond, BackoffMax: 200 * time.Millisecond,
		PollInterval: 20 * time.Millisecond, MaxAttempts: 50,
	})
	require.NoError(t, err)
	e.rt = rt
	a, err := slack.New(slack.Options{BotToken: token, SigningSecret: secret, APIURL: e.slack.URL,
		Runtime: rt, Logger: log, PreviewEvery: 30 * time.Millisecond, NoPreview: o.noPreview,
		ResponseURLPrefix: e.slack.ResponseURL("")})
	require.NoError(t, err)
	require.NoError(t, rt.Register(a))
	require.NoError(t, a.Start(t.Context()))
	mux := http.NewServeMux()
	a.Mount(mux.Handle)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	require.NoError(t, rt.Start(t.Context()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = rt.Stop(ctx)
	})
	e.sender = &slacktest.Sender{URL: srv.URL + slack.EventsPath, CommandURL: srv.URL + slack.CommandPath, Secret: secret}
	return e
}

// tsBase is the second the tests' Slack timestamps are in: a ts is when
// Slack received the message, close to now (the runtime compares it with
// when the message was stored).
var tsBase = time.Now().Unix()

// slackTS is a Slack ts of this run, distinct for each n.
func slackTS(n int) string { return fmt.Sprintf("%d.%06d", tsBase, n*100) }

// waitFor polls until cond holds, failing after a while.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	channeltest.WaitFor(t, 20*time.Second, what, cond)
}

// delivered returns the bot's messages in channel's thread whose
// delivery the runtime recorded as sent (a preview not yet replaced by
// its reply is not one), in order.
func (e *e2e) delivered(t *testing.T, channel, thread string) []slacktest.Message {
	t.Helper()
	return channeltest.Delivered(t, e.st, slack.Channel, e.slack.Thread(channel, thread), func(m slacktest.Message) string { return m.TS })
}

// waitDelivered waits until n messages of the thread are delivered, and
// returns them.
func (e *e2e) waitDelivered(t *testing.T, channel, thread string, n int) []slacktest.Message {
	t.Helper()
	var got []slacktest.Message
	waitFor(t, fmt.Sprintf("%d answer(s) in %s/%s", n, channel, thread), func() bool {
		got = e.delivered(t, channel, thread)
		return len(got) >= n
	})
	return got
}

// settle gives a wrongly accepted re-delivery the time to show up.
func settle() { time.Sleep(400 * time.Millisecond) }

// nothingStored asserts that no trace of a message reached the store.
func (e *e2e) nothingStored(t *testing.T, platformID string) {
	t.Helper()
	_, err := e.st.MessageByPlatformID(t.Context(), slack.Channel, platformID)
	require.True(t, errors.Is(err, store.ErrNotFound), "no message %s: %v", platformID, err)
	contacts, err := e.st.ListContacts(t.Context(), 0, 10)
	require.NoError(t, err)
	require.Empty(t, contacts, "no contact made")
}

// TestStaffKPIAndRoleGate: "¿cuál es el MRR de este mes?" from the staff
// member gets the KPI report in the thread; the same from anyone else is
// answered without it, by the role gate.
func TestStaffKPIAndRoleGate(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, open func(t testing.TB) store.Store) {
		e := setupE2E(t, open, e2eOptions{})
		ctx := t.Context()
		ask := func(user, ts string) string {
			resp, err := e.sender.Event(ctx, slacktest.AppMention("Ev"+ts, slacktest.Post{Team: "T0FARO", Channel: "C0KPI",
				User: user, Text: "<@UFAROBOT> ¿cuál es el MRR de este mes?", TS: ts}))
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.Status)
			require.Less(t, resp.Elapsed, 3*time.Second, "within Slack's three seconds")
			got := e.waitDelivered(t, "C0KPI", ts, 1)
			require.Len(t, got, 1, "one message in the thread")
			return got[0].Text
		}
		got := ask(staff, slackTS(1))
		require.Contains(t, got, "MRR: 0.00 USD", "the KPI report: %q", got)
		require.Contains(t, got, "anterior")

		got = ask("UOUTSIDER", slackTS(2))
		require.NotContains(t, got, "USD", "refused by the role gate: %q", got)
		require.NotContains(t, got, "KPIs")
		m, err := e.st.MessageByPlatformID(ctx, slack.Channel, "C0KPI/"+slackTS(2))
		require.NoError(t, err)
		conv, err := e.st.Conversation(ctx, m.ConversationID)
		require.NoError(t, err)
		replies, err := e.st.Messages(ctx, conv.ID, store.MessageQuery{})
		require.NoError(t, err)
		for _, r := range replies {
			require.NotContains(t, string(r.ToolCalls), "report_kpis", "no KPI tool ran for a prospect")
		}
	})
}

// TestRetriesAnsweredOnce: an event delivered three times (Slack's
// retries) and the app_mention and message.im of one post are each
// answered once, with no model call for the copies.
func TestRetriesAnsweredOnce(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, open func(t testing.TB) store.Store) {
		e := setupE2E(t, open, e2eOptions{})
		ctx := t.Context()
		post := slacktest.Post{Team: "T0FARO", Channel: "C0RETRY", User: "U1", Text: "<@UFAROBOT> ¿cuánto cuesta el curso de IA para marketing?", TS: slackTS(3)}
		payload := slacktest.AppMention("Ev1RETRY", post)
		resp, err := e.sender.Event(ctx, payload)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.Status)
		for n, reason := range []string{"http_timeout", "http_timeout", "http_error"} {
			resp, err := e.sender.Redeliver(ctx, payload, n+1, reason)
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.Status)
		}
		e.waitDelivered(t, "C0RETRY", post.TS, 1)
		calls := e.modelCalls.Load()
		settle()
		require.Len(t, e.slack.Thread("C0RETRY", post.TS), 1, "answered once")
		require.Equal(t, int64(1), e.turns.Load(), "one turn")
		require.Equal(t, calls, e.modelCalls.Load(), "no model call for the retries")

		// A DM mentioning the bot: Slack sends message.im and app_mention,
		// with different event_ids.
		dm := slacktest.Post{Team: "T0FARO", Channel: "D0DM", User: "U1", Text: "<@UFAROBOT> hola", TS: slackTS(4)}
		for _, p := range [][]byte{slacktest.DirectMessage("Ev2IM", dm), slacktest.AppMention("Ev3MENTION", dm)} {
			resp, err := e.sender.Event(ctx, p)
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.Status)
		}
		e.waitDelivered(t, "D0DM", "", 1)
		settle()
		require.Len(t, e.slack.Thread("D0DM", ""), 1, "answered once, in the DM")
		require.Empty(t, e.slack.Thread("D0DM", dm.TS))
		require.Equal(t, int64(2), e.turns.Load())
	})
}

// TestRefusedNothingStored: forged, unsigned, stale, changed and
// replayed requests store nothing and call no model.
func TestRefusedNothingStored(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, open func(t testing.TB) store.Store) {
		e := setupE2E(t, open, e2eOptions{})
		ctx := t.Context()
		post := slacktest.Post{Team: "T0FARO", Channel: "C0SEC", User: staff, Text: "<@UFAROBOT> ¿cuál es el MRR de este mes?", TS: slackTS(5)}
		payload := slacktest.AppMention("Ev1SEC", post)
		refused := map[string]int{}
		send := func(kind string, r *slacktest.Request) {
			resp, err := e.sender.Send(ctx, r)
			require.NoError(t, err)
			require.Equal(t, http.StatusUnauthorized, resp.Status, kind)
			refused[kind]++
		}
		forged := &slacktest.Sender{Secret: "an-attackers-guess"}
		send("forged", forged.Signed(e.sender.URL, payload, "application/json"))
		r := e.sender.Signed(e.sender.URL, payload, "application/json")
		r.Header.Set("X-Slack-Signature", "v0="+strings.Repeat("ab", 32))
		send("forged", r)
		r = e.sender.Signed(e.sender.URL, payload, "application/json")
		r.Header.Del("X-Slack-Signature")
		r.Header.Del("X-Slack-Request-Timestamp")
		send("unsigned", r)
		r = e.sender.Signed(e.sender.URL, payload, "application/json")
		r.Header.Del("X-Slack-Signature")
		send("unsigned", r)
		old := &slacktest.Sender{Secret: secret, Now: func() time.Time { return time.Now().Add(-5*time.Minute - 10*time.Second) }}
		send("stale", old.Signed(e.sender.URL, payload, "application/json"))
		old.Now = func() time.Time { return time.Now().Add(-time.Hour) }
		send("stale", old.Signed(e.sender.URL, payload, "application/json"))
		for _, at := range []int{0, len(payload) / 2, len(payload) - 1, strings.Index(string(payload), "USTAFF01")} {
			r := e.sender.Signed(e.sender.URL, payload, "application/json")
			r.Body = append([]byte(nil), payload...)
			r.Body[at]++
			send("one byte changed", r)
		}
		// A request captured and replayed after Slack's window, with its
		// original (now stale) timestamp and signature.
		captured := old.Signed(e.sender.URL, payload, "application/json")
		send("replayed", captured)
		// The same retried with a fresh timestamp but the old signature.
		captured.Header.Set("X-Slack-Request-Timestamp", fmt.Sprint(time.Now().Unix()))
		send("replayed", captured)
		settle()
		e.nothingStored(t, "C0SEC/"+post.TS)
		require.Zero(t, e.turns.Load())
		require.Empty(t, e.slack.Messages())
		t.Logf("refused: %v", refused)

		// A replay within the window verifies, and is recognised: one answer.
		fresh := e.sender.Signed(e.sender.URL, payload, "application/json")
		for range 3 {
			resp, err := e.sender.Send(ctx, fresh)
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.Status)
		}
		e.waitDelivered(t, "C0SEC", post.TS, 1)
		settle()
		require.Len(t, e.slack.Messages(), 1)
		require.Equal(t, int64(1), e.turns.Load())
	})
}

// TestRateLimitAndOutage: a 429 is retried after its Retry-After; while
// Slack answers 503 replies wait, and once it is back each is delivered
// once, in its thread.
func TestRateLimitAndOutage(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, open func(t testing.TB) store.Store) {
		e := setupE2E(t, open, e2eOptions{noPreview: true})
		ctx := t.Context()
		mention := func(channel, ts string) {
			resp, err := e.sender.Event(ctx, slacktest.AppMention("Ev"+ts, slacktest.Post{Team: "T0FARO", Channel: channel,
				User: "U1", Text: "<@UFAROBOT> ¿cuánto cuesta el curso de IA para marketing?", TS: ts}))
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.Status)
		}

		e.slack.RateLimit(1, 1)
		mention("C0RL", slackTS(6))
		e.waitDelivered(t, "C0RL", slackTS(6), 1)
		var limited, sent *slacktest.Call
		for _, c := range e.slack.Calls() {
			if c.Method != "chat.postMessage" {
				continue
			}
			switch {
			case c.Status == http.StatusTooManyRequests && limited == nil:
				limited = &c
			case c.Status == http.StatusOK && limited != nil && sent == nil:
				sent = &c
			}
		}
		require.NotNil(t, limited, "Slack said 429")
		require.NotNil(t, sent)
		require.GreaterOrEqual(t, sent.At.Sub(limited.At), 990*time.Millisecond, "retried after Retry-After: 1")

		// Down for a while: three replies wait, then arrive once each.
		e.slack.Down(http.StatusServiceUnavailable)
		threads := []string{slackTS(7), slackTS(8), slackTS(9)}
		for _, ts := range threads {
			mention("C0DOWN", ts)
		}
		waitFor(t, "retries against the outage", func() bool {
			n := 0
			for _, c := range e.slack.Calls() {
				if c.Status == http.StatusServiceUnavailable {
					n++
				}
			}
			return n >= 9
		})
		require.Empty(t, e.slack.Thread("C0DOWN", threads[0]))
		e.slack.Up()
		for _, ts := range threads {
			got := e.waitDelivered(t, "C0DOWN", ts, 1)
			d, err := e.st.DeliveryByPlatformID(ctx, slack.Channel, got[0].TS)
			require.NoError(t, err)
			require.Greater(t, d.Attempts, 1, "delivered after failed attempts")
		}
		settle()
		for _, ts := range threads {
			require.Len(t, e.slack.Thread("C0DOWN", ts), 1, "delivered once")
		}
	})
}

// TestLongReplySplitAndEscaped: a model's long answer with markup Slack
// would act on arrives as several messages of at most MaxPart
// characters, in order, the first replacing the streamed preview, with
// & < > escaped so no one is pinged.
func TestLongReplySplitAndEscaped(t *testing.T) {
	t.Parallel()
	long := channeltest.LongReply("**Resumen** para <!channel> y <@U0ADMIN>: ver [la guía](https://brujula.example/guia?a=1&b=2) & <script>.\n\n", 40, 2)
	forEachBackend(t, func(t *testing.T, open func(t testing.TB) store.Store) {
		model := channeltest.OpenAIModel(t, llmtest.Reply{Text: long})
		e := setupE2E(t, open, e2eOptions{model: model})
		resp, err := e.sender.Event(t.Context(), slacktest.AppMention("EvLONG", slacktest.Post{Team: "T0FARO", Channel: "C0LONG",
			User: staff, Text: "<@UFAROBOT> resume el curso", TS: slackTS(10)}))
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.Status)
		var parts []slacktest.Message
		waitFor(t, "every part", func() bool {
			parts = e.delivered(t, "C0LONG", slackTS(10))
			return len(parts) >= 3 && strings.Contains(parts[len(parts)-1].Text, "Párrafo 40")
		})
		settle()
		require.Len(t, e.slack.Thread("C0LONG", slackTS(10)), len(parts), "no stray preview")
		last := 0
		for i, p := range parts {
			require.LessOrEqual(t, utf8.RuneCountInString(p.Text), slack.MaxPart, "part %d", i+1)
			require.NotContains(t, p.Text, "<!channel>")
			require.NotContains(t, p.Text, "<@U0ADMIN>")
			for _, n := range channeltest.ParagraphNumbers(p.Text, 2) {
				require.Equal(t, last+1, n, "in order")
				last = n
			}
		}
		require.Equal(t, 40, last)
		require.True(t, strings.HasPrefix(parts[0].Text, "*Resumen* para &lt;!channel&gt; y &lt;@U0ADMIN&gt;: ver <https://brujula.example/guia?a=1&amp;b=2|la guía> &amp; &lt;script&gt;."), parts[0].Text)
		require.Greater(t, parts[0].Updates, 0, "the first part replaced the preview")
	})
}

// TestSlashCommandAnswered: /faro from the staff member is acknowledged
// ephemerally at once, and answered in the channel, quoting the question.
func TestSlashCommandAnswered(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, open func(t testing.TB) store.Store) {
		e := setupE2E(t, open, e2eOptions{})
		cmd := slacktest.SlashCommand{Command: "/faro", Text: "¿cuál es el MRR de este mes?", UserID: staff, UserName: "ana",
			ChannelID: "C0CMD", ChannelName: "direccion", TeamID: "T0FARO", TriggerID: "13345224609.738474920.8088930838d88f008e0",
			ResponseURL: "https://hooks.slack.com/commands/T0FARO/1/x"}
		resp, err := e.sender.Command(t.Context(), cmd)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.Status)
		require.Less(t, resp.Elapsed, 3*time.Second)
		require.Contains(t, string(resp.Body), `"response_type":"ephemeral"`)
		got := e.waitDelivered(t, "C0CMD", "", 1)
		require.True(t, strings.HasPrefix(got[0].Text, "<@"+staff+"> › /faro ¿cuál es el MRR de este mes?\n"), got[0].Text)
		require.Contains(t, got[0].Text, "MRR: 0.00 USD")
		// Slack does not retry a slash command, but a replayed one is
		// recognised by its trigger_id.
		resp, err = e.sender.Command(t.Context(), cmd)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.Status)
		settle()
		require.Len(t, e.slack.Thread("C0CMD", ""), 1)

		// In a channel the bot is not in: the answer goes to the
		// command's response_url.
		e.slack.NotIn("C0NOTIN")
		other := cmd
		other.ChannelID, other.TriggerID, other.ResponseURL = "C0NOTIN", "2.2.x", e.slack.ResponseURL("notin")
		resp, err = e.sender.Command(t.Context(), other)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.Status)
		waitFor(t, "the answer through response_url", func() bool {
			r := e.slack.Responses("notin")
			return len(r) == 1 && strings.Contains(r[0], "MRR: 0.00 USD")
		})
		settle()
		require.Len(t, e.slack.Responses("notin"), 1)
		require.Empty(t, e.slack.Thread("C0NOTIN", ""))
	})
}
