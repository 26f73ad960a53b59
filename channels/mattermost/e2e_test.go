package mattermost_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"github.com/tmc/langchaingo/llms"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/channels/mattermost"
	"github.com/faroai/faro/channels/mattermost/mattermosttest"
	"github.com/faroai/faro/channels/mattermost/mmapi"
	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/handoff"
	"github.com/faroai/faro/internal/channeltest"
	"github.com/faroai/faro/internal/testlog"
	"github.com/faroai/faro/llm/llmtest"
	"github.com/faroai/faro/staffchat"
	"github.com/faroai/faro/store"
)

const (
	botToken  = "mmbottoken00000000000000e2e"
	hookToken = "mmhooktoken0000000000000e2e"
	cmdToken  = "mmcmdtoken00000000000000e2e"
)

// e2e is Faro's Mattermost channel as `faro serve` runs it: the real agent
// over a real store, the runtime on River, the adapter's websocket and
// webhook against the local Mattermost.
type e2e struct {
	st   store.Store
	rt   *relay.Runtime
	mm   *mattermosttest.Server
	a    *mattermost.Adapter
	hook string // the webhook's URL
	logs *testlog.Buffer
	// staff is a staff member (FARO_STAFF), ana a person who is not.
	staff, ana mattermosttest.User
	// staffCh is the staff channel, when e2eOptions.staff.
	staffCh mattermosttest.Channel
	// turns counts the agent's turns, modelCalls the model calls.
	turns, modelCalls atomic.Int64
}

type e2eOptions struct {
	model  llms.Model
	onPost func(ctx context.Context, p mattermost.Post) (bool, error)
	// staff makes a staff channel (e.staffCh) for the adapter.
	staff bool
}

func setupE2E(t *testing.T, open func(t testing.TB) store.Store, o e2eOptions) *e2e {
	t.Helper()
	log, logs := channeltest.Log(t)
	e := &e2e{st: open(t), logs: logs}
	e.mm = mattermosttest.NewServer(botToken)
	t.Cleanup(e.mm.Close)
	e.staff = e.mm.AddUser("marta")
	e.ana = e.mm.AddUser("ana")
	if o.staff {
		e.staffCh = e.mm.AddChannel("P", "faro-staff")
	}
	ag := channeltest.NewAgent(t, e.st, log, channeltest.AgentOptions{
		Staff: []store.Identity{{Channel: mattermost.Channel, ExternalID: e.staff.ID}},
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
	client, err := mmapi.New(e.mm.URL, botToken, nil)
	require.NoError(t, err)
	e.a, err = mattermost.New(mattermost.Options{Client: client, Runtime: rt, Logger: log,
		WebhookTokens: []string{hookToken, cmdToken}, TypingEvery: 50 * time.Millisecond, OnPostFunc: o.onPost,
		StaffChannel: e.staffCh.ID,
		Listen:       mmapi.ListenOptions{MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond}})
	require.NoError(t, err)
	require.NoError(t, rt.Register(e.a))
	require.NoError(t, e.a.Start(t.Context()))
	require.Equal(t, e.mm.Bot.ID, e.a.Bot().ID)
	mux := http.NewServeMux()
	mux.Handle("POST "+mattermost.WebhookPath, e.a)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e.hook = srv.URL + mattermost.WebhookPath
	require.NoError(t, rt.Start(t.Context()))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = e.a.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer scancel()
		_ = rt.Stop(sctx)
	})
	waitFor(t, "the websocket", e.mm.Connected)
	return e
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	channeltest.WaitFor(t, 20*time.Second, what, cond)
}

// settle gives a wrongly accepted re-delivery the time to show up.
func settle() { time.Sleep(400 * time.Millisecond) }

// delivered returns the bot's posts in the channel's thread (top level
// when root is "") whose delivery the runtime recorded as sent, in order.
func (e *e2e) delivered(t *testing.T, channel, root string) []mattermosttest.Post {
	t.Helper()
	return channeltest.Delivered(t, e.st, mattermost.Channel, e.mm.BotPosts(channel, root), func(p mattermosttest.Post) string { return p.ID })
}

func (e *e2e) waitDelivered(t *testing.T, channel, root string, n int) []mattermosttest.Post {
	t.Helper()
	var got []mattermosttest.Post
	waitFor(t, fmt.Sprintf("%d answer(s) in %s/%s", n, channel, root), func() bool {
		got = e.delivered(t, channel, root)
		return len(got) >= n
	})
	return got
}

const question = "¿cuánto cuesta el curso de IA para marketing?"

// TestOneAnswerPerPostAcrossReconnects: a direct message and a mention in
// a channel each get exactly one answer, the mention's in its thread; a
// post made while the websocket is down is answered once it resumes; after
// a reconnection as a new connection, the server sending the same posts
// again adds nothing (no turn, no model call); posts made while the
// server takes no connection are fetched once it does. The bot's own posts,
// system posts and channel posts without a mention are not answered.
func TestOneAnswerPerPostAcrossReconnects(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, open func(t testing.TB) store.Store) {
		e := setupE2E(t, open, e2eOptions{})
		dm := e.mm.DirectChannel(e.ana)
		town := e.mm.AddChannel("O", "town-square")

		p1 := e.mm.UserPost(e.ana, dm, "", question)
		got := e.waitDelivered(t, dm.ID, "", 1)
		require.NotEmpty(t, got[0].Message)

		p2 := e.mm.UserPost(e.ana, town, "", "@faro "+question)
		e.waitDelivered(t, town.ID, p2.ID, 1)
		// A reply in that thread, mentioning the bot: answered in the same
		// thread (root_id is the thread's root, not the reply).
		p3 := e.mm.UserPost(e.ana, town, p2.ID, "@FARO ¿y cuánto dura?")
		e.waitDelivered(t, town.ID, p2.ID, 2)

		// Not answered: no mention, a system post, the bot's own posts
		// (every answer above came back to it as a posted event).
		e.mm.UserPost(e.ana, town, "", "buenos días a todos")
		e.mm.UserPost(e.ana, town, "", "escribidle a @faroadmin")
		e.mm.SystemPost(town, "system_join_channel", "@ana joined the channel.")

		// Down: a post made meanwhile arrives when the connection resumes.
		e.mm.Disconnect()
		p4 := e.mm.UserPost(e.ana, town, "", "@faro "+question)
		e.waitDelivered(t, town.ID, p4.ID, 1)
		require.Equal(t, int64(4), e.turns.Load())
		calls := e.modelCalls.Load()

		// The server forgets the connection; after the reconnection it
		// sends the same posts again: nothing new.
		e.mm.Forget()
		waitFor(t, "a new connection", func() bool { _, h := e.mm.Auths(); return h == 2 })
		waitFor(t, "connected", e.mm.Connected)
		for _, p := range []mattermosttest.Post{p1, p2, p3, p4} {
			e.mm.Republish(p.ID)
		}
		settle()
		require.Len(t, e.mm.BotPosts(dm.ID, ""), 1, "one answer in the DM")
		require.Len(t, e.mm.BotPosts(town.ID, p2.ID), 2, "one answer per post in the thread")
		require.Len(t, e.mm.BotPosts(town.ID, p4.ID), 1)
		require.Empty(t, e.mm.BotPosts(town.ID, ""), "nothing at the channel's top level")
		require.Equal(t, int64(4), e.turns.Load(), "no turn for the re-sent posts")
		require.Equal(t, calls, e.modelCalls.Load(), "no model call for the re-sent posts")
		require.Len(t, e.mm.Posts(), 4+2+1+4, "four questions, two posts without a mention, one system post, four answers")

		// The server restarts: posts made while it takes no connections are
		// lost to the websocket, and fetched after it (catch-up), each
		// answered once.
		e.mm.Block()
		e.mm.Forget()
		p5 := e.mm.UserPost(e.ana, town, "", "@faro "+question)
		e.mm.UserPost(e.ana, dm, "", "¿y en inglés?")
		e.mm.Unblock()
		e.waitDelivered(t, town.ID, p5.ID, 1)
		e.waitDelivered(t, dm.ID, "", 2)
		settle()
		require.Len(t, e.mm.BotPosts(town.ID, p5.ID), 1)
		require.Len(t, e.mm.BotPosts(dm.ID, ""), 2)
		require.Equal(t, int64(6), e.turns.Load(), "the two posts made while down, and nothing else again")

		// The bot showed it was typing, in the thread.
		var inThread bool
		for _, ty := range e.mm.Typings() {
			inThread = inThread || (ty.ChannelID == town.ID && ty.ParentID == p2.ID)
		}
		require.True(t, inThread, "typing in the thread: %+v", e.mm.Typings())
	})
}

// TestStaffKPIAndRoleGate: "¿cuál es el MRR de este mes?" from a staff
// member (FARO_STAFF mattermost:<user id>) gets the KPI report in the
// thread; the same from anyone else is refused by the role gate, with no
// KPI tool run.
func TestStaffKPIAndRoleGate(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, open func(t testing.TB) store.Store) {
		e := setupE2E(t, open, e2eOptions{})
		ch := e.mm.AddChannel("O", "direccion")
		ask := func(u mattermosttest.User) (mattermosttest.Post, string) {
			p := e.mm.UserPost(u, ch, "", "@faro ¿cuál es el MRR de este mes?")
			got := e.waitDelivered(t, ch.ID, p.ID, 1)
			return p, got[0].Message
		}
		_, got := ask(e.staff)
		require.Contains(t, got, "MRR: 0.00 USD", "the KPI report: %q", got)

		p, got := ask(e.ana)
		require.NotContains(t, got, "USD", "refused by the role gate: %q", got)
		m, err := e.st.MessageByPlatformID(t.Context(), mattermost.Channel, p.ID)
		require.NoError(t, err)
		msgs, err := e.st.Messages(t.Context(), m.ConversationID, store.MessageQuery{})
		require.NoError(t, err)
		for _, r := range msgs {
			require.NotContains(t, string(r.ToolCalls), "report_kpis", "no KPI tool ran for someone not staff")
		}
	})
}

// TestLongReplySplitInOrderAndNeutralised: a model's answer longer than a
// post arrives as several posts of at most 16,383 characters, in order,
// in the thread, with its @-mentions neutralised.
func TestLongReplySplitInOrderAndNeutralised(t *testing.T) {
	t.Parallel()
	long := channeltest.LongReply("**Resumen** para @channel y @ana: ver [la guía](https://brujula.example/guia?a=1&b=2), escribe a info@brujula.example.\n\n", 120, 3)
	require.Greater(t, utf8.RuneCountInString(long), mattermost.MaxPart)
	forEachBackend(t, func(t *testing.T, open func(t testing.TB) store.Store) {
		model := channeltest.OpenAIModel(t, llmtest.Reply{Text: long})
		e := setupE2E(t, open, e2eOptions{model: model})
		ch := e.mm.AddChannel("O", "cursos")
		p := e.mm.UserPost(e.staff, ch, "", "@faro resume el curso")
		var parts []mattermosttest.Post
		waitFor(t, "every part", func() bool {
			parts = e.delivered(t, ch.ID, p.ID)
			return len(parts) >= 2 && strings.Contains(parts[len(parts)-1].Message, "Párrafo 120")
		})
		settle()
		require.Len(t, e.mm.BotPosts(ch.ID, p.ID), len(parts))
		last := 0
		for i, part := range parts {
			require.LessOrEqual(t, utf8.RuneCountInString(part.Message), mattermost.MaxPart, "part %d", i+1)
			for _, n := range channeltest.ParagraphNumbers(part.Message, 3) {
				require.Equal(t, last+1, n, "in order")
				last = n
			}
		}
		require.Equal(t, 120, last)
		require.True(t, strings.HasPrefix(parts[0].Message,
			"**Resumen** para @\u200bchannel y @\u200bana: ver [la guía](https://brujula.example/guia?a=1&b=2), escribe a info@brujula.example."),
			parts[0].Message)
	})
}

// TestRateLimitAndOutage: a 429 is retried after the wait Mattermost's
// limiter asked for; while the server answers 502 the reply waits, and it
// is delivered once when the server is back.
func TestRateLimitAndOutage(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, open func(t testing.TB) store.Store) {
		e := setupE2E(t, open, e2eOptions{})
		ch := e.mm.AddChannel("O", "ventas")
		e.mm.RateLimit(1, 1)
		p := e.mm.UserPost(e.ana, ch, "", "@faro "+question)
		e.waitDelivered(t, ch.ID, p.ID, 1)
		var limited, sent *mattermosttest.Call
		for _, c := range e.mm.Calls() {
			if c.Path != "/api/v4/posts" {
				continue
			}
			switch {
			case c.Status == http.StatusTooManyRequests && limited == nil:
				limited = &c
			case c.Status == http.StatusCreated && limited != nil && sent == nil:
				sent = &c
			}
		}
		require.NotNil(t, limited, "the server said 429")
		require.NotNil(t, sent)
		require.GreaterOrEqual(t, sent.At.Sub(limited.At), 990*time.Millisecond, "retried after the limiter's second")

		e.mm.Down(http.StatusBadGateway)
		p = e.mm.UserPost(e.ana, ch, "", "@faro "+question)
		waitFor(t, "retries against the outage", func() bool {
			n := 0
			for _, c := range e.mm.Calls() {
				if c.Status == http.StatusBadGateway {
					n++
				}
			}
			return n >= 3
		})
		require.Empty(t, e.mm.BotPosts(ch.ID, p.ID))
		e.mm.Up()
		got := e.waitDelivered(t, ch.ID, p.ID, 1)
		d, err := e.st.DeliveryByPlatformID(t.Context(), mattermost.Channel, got[0].ID)
		require.NoError(t, err)
		require.Greater(t, d.Attempts, 1)
		settle()
		require.Len(t, e.mm.BotPosts(ch.ID, p.ID), 1, "delivered once")
	})
}

// TestSlashCommandAndWebhook: a slash command with a wrong token is
// refused and stores nothing; with the right one it is acknowledged at
// once (ephemeral) and answered once in the channel, quoting it, even when
// sent twice. An outgoing webhook (form or JSON) is answered in the
// post's thread, once even when the websocket sees the post too.
func TestSlashCommandAndWebhook(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, open func(t testing.TB) store.Store) {
		e := setupE2E(t, open, e2eOptions{})
		ctx := t.Context()
		ch := e.mm.AddChannel("O", "direccion")
		cmd := mattermosttest.SlashCommand{Token: cmdToken, TeamID: ch.TeamID, TeamDomain: "faro", ChannelID: ch.ID,
			ChannelName: ch.Name, UserID: e.staff.ID, UserName: e.staff.Username, Command: "/faro",
			Text: "¿cuál es el MRR de este mes?", TriggerID: "trig0001", ResponseURL: e.mm.URL + "/hooks/commands/x"}

		for _, bad := range []string{"", "wrong", cmdToken + "x", strings.ToUpper(cmdToken)} {
			c := cmd
			c.Token = bad
			resp, err := mattermosttest.PostCommand(ctx, e.hook, c)
			require.NoError(t, err)
			require.Equal(t, http.StatusUnauthorized, resp.Status, "token %q", bad)
		}
		// The header's token must agree with the body's.
		resp, err := mattermosttest.Send(ctx, e.hook, "application/x-www-form-urlencoded", []byte(cmd.Form().Encode()),
			http.Header{"Authorization": {"Token wrong"}})
		require.NoError(t, err)
		require.Equal(t, http.StatusUnauthorized, resp.Status)
		settle()
		_, err = e.st.MessageByPlatformID(ctx, mattermost.Channel, "cmd/trig0001")
		require.True(t, errors.Is(err, store.ErrNotFound), "nothing stored: %v", err)
		require.Zero(t, e.turns.Load())

		for range 2 {
			resp, err := mattermosttest.PostCommand(ctx, e.hook, cmd)
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, resp.Status)
			require.Less(t, resp.Elapsed, 3*time.Second)
			require.Contains(t, string(resp.Body), `"response_type":"ephemeral"`)
		}
		got := e.waitDelivered(t, ch.ID, "", 1)
		require.True(t, strings.HasPrefix(got[0].Message, "> /faro ¿cuál es el MRR de este mes?\n"), got[0].Message)
		require.Contains(t, got[0].Message, "MRR: 0.00 USD")

		// Outgoing webhooks, triggered by "faro", as a form and as JSON; the
		// second's post also comes on the websocket, mentioning the bot.
		hooks := e.mm.AddChannel("O", "preguntas")
		q1 := e.mm.UserPost(e.ana, hooks, "", "faro "+question)
		resp, err = mattermosttest.PostWebhook(ctx, e.hook, mattermosttest.WebhookFor(hookToken, q1, e.ana, hooks, "faro"), false)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.Status)
		require.JSONEq(t, `{}`, string(resp.Body), "Mattermost posts nothing itself")
		e.waitDelivered(t, hooks.ID, q1.ID, 1)

		q2 := e.mm.UserPost(e.ana, hooks, q1.ID, "@faro ¿y cuánto dura?")
		resp, err = mattermosttest.PostWebhook(ctx, e.hook, mattermosttest.WebhookFor(hookToken, q2, e.ana, hooks, "@faro"), true)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.Status)
		e.waitDelivered(t, hooks.ID, q1.ID, 2) // q2 is a reply: answered in q1's thread
		bad := mattermosttest.WebhookFor("nope", q2, e.ana, hooks, "faro")
		resp, err = mattermosttest.PostWebhook(ctx, e.hook, bad, true)
		require.NoError(t, err)
		require.Equal(t, http.StatusUnauthorized, resp.Status)
		settle()
		require.Len(t, e.mm.BotPosts(ch.ID, ""), 1, "the command answered once")
		require.Len(t, e.mm.BotPosts(hooks.ID, q1.ID), 2, "each webhook post answered once")
		require.Equal(t, int64(3), e.turns.Load())

		// Where the bot is not a member, the command's response_url gets
		// the answer; a response_url on another host is never posted to.
		other := e.mm.AddChannel("O", "otro")
		e.mm.NotIn(other)
		c := cmd
		c.ChannelID, c.ChannelName, c.TriggerID, c.ResponseURL = other.ID, other.Name, "trig0002", e.mm.ResponseURL("notin")
		resp, err = mattermosttest.PostCommand(ctx, e.hook, c)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.Status)
		waitFor(t, "the answer through response_url", func() bool {
			r := e.mm.Responses("notin")
			return len(r) == 1 && strings.Contains(r[0], "MRR: 0.00 USD")
		})
		c.TriggerID, c.ResponseURL = "trig0003", "http://attacker.example/hooks/commands/x"
		resp, err = mattermosttest.PostCommand(ctx, e.hook, c)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.Status)
		waitFor(t, "the failure recorded", func() bool {
			m, err := e.st.MessageByPlatformID(ctx, mattermost.Channel, "cmd/trig0003")
			if err != nil {
				return false
			}
			msgs, err := e.st.Messages(ctx, m.ConversationID, store.MessageQuery{})
			if err != nil || len(msgs) == 0 {
				return false
			}
			ds, err := e.st.Deliveries(ctx, msgs[len(msgs)-1].ID)
			return err == nil && len(ds) == 1 && ds[0].Status == store.DeliveryFailed
		})
		settle()
		require.Len(t, e.mm.Responses("notin"), 1)
		require.Empty(t, e.mm.BotPosts(other.ID, ""))
	})
}

// TestOnPostFuncSeesStaffThreads: what a staff take-over needs. Every
// person's post reaches OnPostFunc with its channel, thread and author,
// mention or not; the posts it handles are not answered, the others are
// as usual; the bot's PostMessage opens a thread in a channel and writes
// into it.
func TestOnPostFuncSeesStaffThreads(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var seen []mattermost.Post
	var staffChannel string
	e := setupE2E(t, channeltest.OpenSQLite, e2eOptions{onPost: func(_ context.Context, p mattermost.Post) (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, p)
		return p.ChannelID == staffChannel, nil
	}})
	staff := e.mm.AddChannel("P", "faro-staff")
	mu.Lock()
	staffChannel = staff.ID
	mu.Unlock()
	ctx := t.Context()
	root, err := e.a.PostMessage(ctx, staff.ID, "", "Ana (Telegram) pide hablar con una persona.")
	require.NoError(t, err)
	_, err = e.a.PostMessage(ctx, staff.ID, root, "Últimos mensajes: …")
	require.NoError(t, err)
	reply := e.mm.UserPost(e.staff, staff, root, "Hola Ana, soy Marta. ¿En qué te ayudo?")
	e.mm.UserPost(e.staff, staff, root, "@faro release")
	town := e.mm.AddChannel("O", "town-square")
	q := e.mm.UserPost(e.ana, town, "", "@faro "+question)
	e.waitDelivered(t, town.ID, q.ID, 1)
	settle()
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, seen, 3, "the two staff posts and the question; not the bot's own")
	require.Equal(t, mattermost.Post{ID: reply.ID, ChannelID: staff.ID, ChannelType: "P", RootID: root, UserID: e.staff.ID,
		UserName: "marta", Text: "Hola Ana, soy Marta. ¿En qué te ayudo?", At: seen[0].At}, seen[0])
	require.False(t, seen[0].Mentioned)
	require.True(t, seen[1].Mentioned)
	require.Equal(t, "release", seen[1].Text)
	require.Len(t, e.mm.BotPosts(staff.ID, root), 1, "only the bot's own post in the staff thread: nothing answered there")
	require.Equal(t, int64(1), e.turns.Load())
}

// TestStaffRepliesReachMattermost: a conversation on Mattermost handed to
// staff (package handoff's desk, the runtime as its deliverer) gets each
// staff reply once, in order, where the person wrote: the thread of a
// channel mention, the direct message; and the bot stays quiet meanwhile.
func TestStaffRepliesReachMattermost(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, open func(t testing.TB) store.Store) {
		e := setupE2E(t, open, e2eOptions{})
		ctx := t.Context()
		desk, err := handoff.New(handoff.Options{Store: e.st})
		require.NoError(t, err)
		desk.Register(mattermost.Channel, e.rt)
		marta := handoff.Staff{ID: mattermost.Channel + ":" + e.staff.ID, Name: "Marta"}
		town := e.mm.AddChannel("O", "town-square")
		dm := e.mm.DirectChannel(e.ana)
		q := e.mm.UserPost(e.ana, town, "", "@faro "+question)
		e.waitDelivered(t, town.ID, q.ID, 1)
		d := e.mm.UserPost(e.ana, dm, "", question)
		e.waitDelivered(t, dm.ID, "", 1)

		for _, c := range []struct{ post, channel, root string }{{q.ID, town.ID, q.ID}, {d.ID, dm.ID, ""}} {
			m, err := e.st.MessageByPlatformID(ctx, mattermost.Channel, c.post)
			require.NoError(t, err)
			_, _, err = desk.Take(ctx, m.ConversationID, marta, "")
			require.NoError(t, err)
			for _, text := range []string{"Hola Ana, soy Marta.", "Te escribo el precio exacto en un momento.", "300 USD, con @channel invitado."} {
				_, err := desk.Reply(ctx, m.ConversationID, marta, text)
				require.NoError(t, err)
			}
			got := e.waitDelivered(t, c.channel, c.root, 4)
			require.Equal(t, []string{"Hola Ana, soy Marta.", "Te escribo el precio exacto en un momento.", "300 USD, con @\u200bchannel invitado."},
				[]string{got[1].Message, got[2].Message, got[3].Message}, "in order, where Ana wrote, mentions neutralised")
		}
		// While staff answer, Ana's next message is not answered by the bot.
		later := e.mm.UserPost(e.ana, town, q.ID, "@faro gracias, espero")
		waitFor(t, "the message stored", func() bool {
			_, err := e.st.MessageByPlatformID(ctx, mattermost.Channel, later.ID)
			return err == nil
		})
		settle()
		require.Len(t, e.mm.BotPosts(town.ID, q.ID), 4, "the bot stays quiet")
		require.Len(t, e.mm.BotPosts(dm.ID, ""), 4)
	})
}

// staffHandler answers every staff action with a fixed text and keeps
// what it got.
type staffHandler struct {
	mu  sync.Mutex
	got []staffchat.Incoming
}

func (h *staffHandler) Handle(_ context.Context, in staffchat.Incoming) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.got = append(h.got, in)
	return "Only staff listed in FARO_STAFF can do this; nothing was changed. @channel"
}

// TestStaffChannelPlatform: the staffchat.Platform side. Open posts the
// summary (values neutralised) and Post writes into its thread with the
// Mattermost form of the release command; in the staff channel, thread
// posts and top-level "@faro take|release" go to the handler, never to the
// bot, while a top-level question is answered as usual; the handler's
// answer is shown to its person alone, or posted in the thread when the
// bot may not post ephemeral messages.
func TestStaffChannelPlatform(t *testing.T) {
	t.Parallel()
	e := setupE2E(t, channeltest.OpenSQLite, e2eOptions{staff: true})
	h := &staffHandler{}
	e.a.Route(h)
	ctx := t.Context()
	score := 72.0
	root, err := e.a.Open(ctx, e.staffCh.ID, staffchat.Summary{ConversationID: "conv-1", Name: "Ana @all", Channel: "telegram",
		Language: "es", Why: "requested", Email: "ana@example.com", LeadScore: &score, LeadStage: "qualified",
		Enrolments: []string{"ia-101 (active)"}, Last: []staffchat.Line{{Author: store.AuthorUser, Text: "quiero hablar con @here"}}})
	require.NoError(t, err)
	require.NoError(t, e.a.Post(ctx, e.staffCh.ID, root, "Taken by x. Reply in this thread; `/faro release` hands it back to the bot."))
	posts := e.mm.BotPosts(e.staffCh.ID, "")
	require.Len(t, posts, 1)
	require.Equal(t, "**Ana @\u200ball** on telegram (es) asks for a person\nana@example.com\nLead: qualified, score 72\n"+
		"Courses: ia-101 (active)\n> _user_: quiero hablar con @\u200bhere\n"+
		"Conversation `conv-1`. Reply in this thread to answer; `@faro release` here hands it back to the bot.", posts[0].Message)
	require.Equal(t, "Taken by x. Reply in this thread; `@faro release` hands it back to the bot.", e.mm.BotPosts(e.staffCh.ID, root)[0].Message)

	actions := func(n int) func() bool {
		return func() bool {
			h.mu.Lock()
			defer h.mu.Unlock()
			return len(h.got) == n
		}
	}
	reply := e.mm.UserPost(e.staff, e.staffCh, root, "Hola Ana")
	e.mm.UserPost(e.ana, e.staffCh, "", "@faro take conv-1")
	waitFor(t, "two staff actions", actions(2))
	waitFor(t, "two answers", func() bool { return len(e.mm.Ephemerals(e.ana.ID)) == 1 })
	e.mm.NoEphemeral()
	e.mm.UserPost(e.staff, e.staffCh, root, "@faro release")
	q := e.mm.UserPost(e.staff, e.staffCh, "", "@faro "+question)
	e.waitDelivered(t, e.staffCh.ID, q.ID, 1)
	waitFor(t, "three staff actions", actions(3))
	settle()
	h.mu.Lock()
	require.Equal(t, []staffchat.Incoming{
		{Channel: e.staffCh.ID, Thread: root, User: e.staff.ID, Text: "Hola Ana", ID: reply.ID},
		{Channel: e.staffCh.ID, User: e.ana.ID, Text: "take conv-1", ID: h.got[1].ID, Command: true},
		{Channel: e.staffCh.ID, Thread: root, User: e.staff.ID, Text: "release", ID: h.got[2].ID, Command: true},
	}, h.got)
	h.mu.Unlock()
	// Told alone while the server allowed it; then in the thread.
	require.Len(t, e.mm.Ephemerals(e.staff.ID), 1)
	require.Equal(t, root, e.mm.Ephemerals(e.staff.ID)[0].RootID)
	require.Len(t, e.mm.Ephemerals(e.ana.ID), 1)
	th := e.mm.BotPosts(e.staffCh.ID, root)
	require.Len(t, th, 2, "the Post, and the last answer as a reply addressed to its person")
	require.Equal(t, "@marta Only staff listed in FARO_STAFF can do this; nothing was changed. @\u200bchannel", th[1].Message)
	require.Equal(t, int64(1), e.turns.Load(), "only the top-level question was a turn")
}
