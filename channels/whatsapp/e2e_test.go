package whatsapp_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/channels/whatsapp"
	"github.com/faroai/faro/channels/whatsapp/graphtest"
	"github.com/faroai/faro/internal/channeltest"
	"github.com/faroai/faro/internal/testlog"
	"github.com/faroai/faro/llm/offline"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/postgres/pgtest"
)

// pg is the package's PostgreSQL for its tests (see pgtest.Shared).
var pg pgtest.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	pg.Stop()
	os.Exit(code)
}

// backend is a store and the database of the runtime's jobs.
type backend struct {
	name string
	open func(t testing.TB) (store.Store, relay.Jobs)
}

var backends = []backend{{"sqlite", openSQLite}, {"postgres", openPostgres}}

func openSQLite(t testing.TB) (store.Store, relay.Jobs) {
	t.Helper()
	return channeltest.OpenSQLite(t), channeltest.SQLiteJobs(t)
}

func openPostgres(t testing.TB) (store.Store, relay.Jobs) {
	t.Helper()
	st := channeltest.OpenPostgres(t, &pg, "the WhatsApp tests")
	pool, err := pgxpool.New(context.Background(), pg.Started())
	require.NoError(t, err)
	// Cleanups run last-in first-out: the runtime stops before these.
	t.Cleanup(pool.Close)
	return st, relay.PostgresJobs(pool)
}

// env is Faro's WhatsApp channel end to end: the real agent (offline
// engine) on a real store, the real runtime, the webhook served on
// 127.0.0.1, and the stand-in Graph API.
type env struct {
	store  store.Store
	graph  *graphtest.Server
	sender *graphtest.Sender
	hook   *whatsapp.Webhook
	rt     *relay.Runtime
	url    string
	// clock is the adapter's and the stand-in's: tests move it.
	clock atomic.Int64
	turns atomic.Int64
}

type envOptions struct {
	template  string
	dedupeTTL time.Duration
	// agent wraps the real agent (a reply longer than the engine writes).
	agent func(relay.Agent) relay.Agent
}

// countingAgent counts turns that ran the model (not re-deliveries).
type countingAgent struct {
	relay.Agent
	n *atomic.Int64
}

func (a countingAgent) Turn(ctx context.Context, m agent.Message, s func(string)) (agent.Reply, error) {
	r, err := a.Agent.Turn(ctx, m, s)
	if err == nil && !r.Duplicate {
		a.n.Add(1)
	}
	return r, err
}

func newEnv(t *testing.T, b backend, o envOptions) *env {
	t.Helper()
	st, jobs := b.open(t)
	e := &env{store: st}
	e.clock.Store(time.Now().UnixNano())
	now := func() time.Time { return time.Unix(0, e.clock.Load()) }
	ag, err := agent.New(agent.Options{
		Store: st, Model: offline.NewModel(offline.Options{}), Limits: agent.Limits{BurstWindow: -1},
	})
	require.NoError(t, err)
	var a relay.Agent = countingAgent{ag, &e.turns}
	if o.agent != nil {
		a = o.agent(a)
	}
	logs := &testlog.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs:\n%s", logs.String())
		}
	})
	rt, err := relay.New(relay.Options{
		Agent: a, Store: st, Jobs: jobs, Logger: log,
		BackoffBase: 10 * time.Millisecond, BackoffMax: 100 * time.Millisecond, PollInterval: 20 * time.Millisecond,
		MaxAttempts: 50, DedupeTTL: o.dedupeTTL,
	})
	require.NoError(t, err)
	e.graph = graphtest.New(t)
	e.graph.SetNow(now)
	ad, err := whatsapp.New(whatsapp.Options{
		Client: newClient(e.graph), NowFunc: now, ThrottleBackoff: 20 * time.Millisecond, MaxThrottleBackoff: 100 * time.Millisecond,
		Template: o.template, TemplateLanguage: map[bool]string{true: "es"}[o.template != ""], Logger: log,
	})
	require.NoError(t, err)
	require.NoError(t, rt.Register(ad))
	require.NoError(t, rt.Start(t.Context()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = rt.Stop(ctx)
		_ = ag.Close(ctx)
	})
	e.rt = rt
	e.hook, err = whatsapp.NewWebhook(whatsapp.WebhookOptions{
		AppSecret: appSecret, VerifyToken: verifyToken, PhoneNumberID: e.graph.PhoneNumberID,
		Runtime: rt, Notes: ad, Reengage: ad, Linker: whatsapp.NewLinker(st), Languages: st, Messages: st, Logger: log,
	})
	require.NoError(t, err)
	srv := httptest.NewServer(e.hook)
	t.Cleanup(srv.Close)
	e.url = srv.URL
	e.sender = e.graph.Sender(srv.URL, appSecret)
	return e
}

// say posts a text from waID and requires the 200 Meta waits for.
func (e *env) say(t *testing.T, waID, text string) string {
	t.Helper()
	id, code, err := e.sender.Say(waID, "Ana", text)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code)
	return id
}

// replies waits until waID got n messages, and a little more to see no
// (n+1)th comes, then returns them.
func (e *env) replies(t *testing.T, waID string, n int) []graphtest.Sent {
	t.Helper()
	require.Eventually(t, func() bool { return len(e.graph.SentTo(waID)) >= n }, 20*time.Second, 10*time.Millisecond,
		"%d replies to %s", n, waID)
	time.Sleep(150 * time.Millisecond)
	got := e.graph.SentTo(waID)
	require.Len(t, got, n, "exactly %d replies to %s", n, waID)
	return got
}

// delivery waits for the stored delivery of what the platform calls id
// to reach status.
func (e *env) delivery(t *testing.T, id string, status store.DeliveryStatus) store.Delivery {
	t.Helper()
	var d store.Delivery
	require.Eventually(t, func() bool {
		var err error
		d, err = e.store.DeliveryByPlatformID(context.Background(), "whatsapp", id)
		return err == nil && d.Status == status
	}, 10*time.Second, 10*time.Millisecond, "delivery %s to be %s; it is %+v", id, status, d)
	return d
}

// failed waits for a failed delivery of the conversation of waID and
// returns it.
func (e *env) failed(t *testing.T, waID string) store.Delivery {
	t.Helper()
	var out store.Delivery
	require.Eventually(t, func() bool {
		conv, err := e.store.ConversationByExternalID(context.Background(), "whatsapp", waID)
		if err != nil {
			return false
		}
		ms, err := e.store.Messages(context.Background(), conv.ID, store.MessageQuery{})
		if err != nil {
			return false
		}
		for _, m := range ms {
			if m.Author != store.AuthorAssistant {
				continue
			}
			ds, _ := e.store.Deliveries(context.Background(), m.ID)
			for _, d := range ds {
				if d.Status == store.DeliveryFailed {
					out = d
					return true
				}
			}
		}
		return false
	}, 10*time.Second, 10*time.Millisecond)
	return out
}

// stored counts the stored messages of waID's conversation by author.
func (e *env) stored(t *testing.T, waID string) map[store.Author]int {
	t.Helper()
	out := map[store.Author]int{}
	conv, err := e.store.ConversationByExternalID(context.Background(), "whatsapp", waID)
	if err != nil {
		return out
	}
	ms, err := e.store.Messages(context.Background(), conv.ID, store.MessageQuery{})
	require.NoError(t, err)
	for _, m := range ms {
		out[m.Author]++
	}
	return out
}

// longAgent answers with a long Markdown reply: three numbered paragraphs
// of about 3000 characters, and markup WhatsApp would misread.
type longAgent struct{ relay.Agent }

func (a longAgent) Turn(ctx context.Context, m agent.Message, s func(string)) (agent.Reply, error) {
	r, err := a.Agent.Turn(ctx, m, s)
	if err != nil || r.Duplicate {
		return r, err
	}
	var b strings.Builder
	b.WriteString("**IA 101** cuesta \\*99\\* USD.")
	for i := 1; i <= 3; i++ {
		fmt.Fprintf(&b, "\n\nPárrafo %d. ", i)
		for b.Len() < i*3000 {
			b.WriteString("El curso enseña a usar modelos de lenguaje en el trabajo diario. ")
		}
	}
	r.Text = b.String()
	return r, nil
}

func TestEndToEnd(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b, envOptions{})

			t.Run("the same message delivered three times is answered once", func(t *testing.T) {
				const ana = "5215510000001"
				m := &graphtest.Message{From: ana, Name: "Ana", Text: "¿Cuánto cuesta el curso de IA?"}
				body := e.sender.Notification([]*graphtest.Message{m}, nil)
				for range 3 {
					code, err := e.sender.Post(body)
					require.NoError(t, err)
					require.Equal(t, 200, code)
				}
				got := e.replies(t, ana, 1)
				require.NotEmpty(t, got[0].Text)
				require.Equal(t, map[store.Author]int{store.AuthorUser: 1, store.AuthorAssistant: 1}, e.stored(t, ana))
				require.Contains(t, e.graph.Typing(), m.ID, "the typing indicator was shown on the message")

				// Meta reports on what was sent: recorded on the delivery,
				// never backwards. (The runtime records the wamid once the
				// send returns; Meta's first report comes later than that.)
				e.delivery(t, got[0].ID, store.DeliverySent)
				sts := []graphtest.Status{
					{ID: got[0].ID, Status: "sent", RecipientID: ana},
					{ID: got[0].ID, Status: "read", RecipientID: ana},
					{ID: got[0].ID, Status: "delivered", RecipientID: ana},
				}
				code, err := e.sender.Post(e.sender.Notification(nil, sts))
				require.NoError(t, err)
				require.Equal(t, 200, code)
				e.delivery(t, got[0].ID, store.DeliveryRead)
			})

			t.Run("refused requests store nothing and answer nothing", func(t *testing.T) {
				const eve = "5215510000002"
				m := &graphtest.Message{From: eve, Name: "Eve", Text: "hola"}
				body := e.sender.Notification([]*graphtest.Message{m}, nil)
				forger := e.graph.Sender(e.url, "a-guessed-secret")
				for _, try := range []func() (int, error){
					func() (int, error) { return forger.Post(body) },
					func() (int, error) { return e.sender.PostSigned(body, "") },
					func() (int, error) {
						return e.sender.PostSigned([]byte(strings.Replace(string(body), "hola", "hole", 1)), e.sender.Sign(body))
					},
				} {
					code, err := try()
					require.NoError(t, err)
					require.Equal(t, 401, code)
				}
				time.Sleep(200 * time.Millisecond)
				require.Empty(t, e.graph.SentTo(eve))
				_, err := e.store.MessageByPlatformID(context.Background(), "whatsapp", m.ID)
				require.ErrorIs(t, err, store.ErrNotFound, "nothing stored")
				_, err = e.store.ContactByIdentity(context.Background(), store.Identity{Channel: "whatsapp", ExternalID: eve})
				require.ErrorIs(t, err, store.ErrNotFound, "no contact made")
			})

			t.Run("throttled, backed off, then delivered", func(t *testing.T) {
				const bea = "5215510000003"
				calls := e.graph.Calls()
				e.graph.Fail(graphtest.PairRate, graphtest.Throughput)
				e.say(t, bea, "Hola, ¿qué cursos tienen?")
				e.replies(t, bea, 1)
				require.GreaterOrEqual(t, e.graph.Calls()-calls, 3, "two throttled tries, then the send")
			})

			t.Run("platform down a while, then every reply delivered", func(t *testing.T) {
				e.graph.SetDown(true)
				people := []string{"5215510000011", "5215510000012", "5215510000013"}
				for _, p := range people {
					e.say(t, p, "Hola, ¿qué cursos tienen?")
				}
				time.Sleep(400 * time.Millisecond) // a few failed tries each
				e.graph.SetDown(false)
				for _, p := range people {
					e.replies(t, p, 1)
				}
			})

			t.Run("media gets the text-only note", func(t *testing.T) {
				const rui = "5511910000004"
				m := &graphtest.Message{From: rui, Name: "Rui", Type: "image", Caption: "olá, quanto custa? obrigado"}
				code, err := e.sender.Post(e.sender.Notification([]*graphtest.Message{m}, nil))
				require.NoError(t, err)
				require.Equal(t, 200, code)
				got := e.replies(t, rui, 1)
				require.Equal(t, whatsapp.NoteText("pt"), got[0].Text)
			})

			t.Run("outside the 24-hour window, no template: recorded, not sent", func(t *testing.T) {
				const leo = "5215510000005"
				// The turn runs a day after the message: the clock moves
				// before the reply is delivered.
				e.clock.Store(time.Now().Add(25 * time.Hour).UnixNano())
				defer e.clock.Store(time.Now().UnixNano())
				m := &graphtest.Message{From: leo, Name: "Leo", Text: "Hola, ¿qué cursos tienen?", At: time.Now()}
				code, err := e.sender.Post(e.sender.Notification([]*graphtest.Message{m}, nil))
				require.NoError(t, err)
				require.Equal(t, 200, code)
				d := e.failed(t, leo)
				require.Contains(t, d.Detail, "outside the 24-hour window and no template configured")
				require.Empty(t, e.graph.SentTo(leo))
			})
		})
	}
}

func TestEndToEndTemplateAndSplit(t *testing.T) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, b, envOptions{template: "reply_ready", agent: func(a relay.Agent) relay.Agent { return longAgent{a} }})

			t.Run("a long reply split in order, markup converted", func(t *testing.T) {
				const ana = "5215520000001"
				e.say(t, ana, "Cuéntame del curso IA 101")
				got := e.replies(t, ana, 3)
				var parts []string
				for _, s := range got {
					require.LessOrEqual(t, whatsapp.Length(s.Text), whatsapp.MaxText)
					parts = append(parts, s.Text)
				}
				all := strings.Join(parts, "\n\n")
				require.True(t, strings.HasPrefix(all, "*IA 101* cuesta ∗99∗ USD."), all[:60])
				p1, p2, p3 := strings.Index(all, "Párrafo 1."), strings.Index(all, "Párrafo 2."), strings.Index(all, "Párrafo 3.")
				require.True(t, p1 > 0 && p1 < p2 && p2 < p3, "in order")
			})

			t.Run("outside the 24-hour window the template goes", func(t *testing.T) {
				const leo = "5215520000002"
				e.clock.Store(time.Now().Add(25 * time.Hour).UnixNano())
				defer e.clock.Store(time.Now().UnixNano())
				m := &graphtest.Message{From: leo, Name: "Leo", Text: "Hola", At: time.Now()}
				code, err := e.sender.Post(e.sender.Notification([]*graphtest.Message{m}, nil))
				require.NoError(t, err)
				require.Equal(t, 200, code)
				got := e.replies(t, leo, 1)
				require.Equal(t, "template", got[0].Type)
				require.Equal(t, "reply_ready", got[0].Template)
				e.delivery(t, got[0].ID, store.DeliverySent)
				d := e.failed(t, leo) // the reply's other parts
				require.Contains(t, d.Detail, "went with part 1")
			})
		})
	}
}

// TestRedeliveryAfterTheDedupeWindow: Meta retries for 7 days, longer
// than the runtime remembers accepted ids; a re-delivery after that is
// recognised by the stored wamid and not answered again. (Through the
// runtime alone the turn ran again and its reply, a duplicate, was
// delivered a second time.)
func TestRedeliveryAfterTheDedupeWindow(t *testing.T) {
	t.Parallel()
	e := newEnv(t, backends[0], envOptions{dedupeTTL: 500 * time.Millisecond})
	const ana = "5215530000001"
	m := &graphtest.Message{From: ana, Name: "Ana", Text: "Hola, ¿qué cursos tienen?"}
	body := e.sender.Notification([]*graphtest.Message{m}, nil)
	code, err := e.sender.Post(body)
	require.NoError(t, err)
	require.Equal(t, 200, code)
	e.replies(t, ana, 1)
	time.Sleep(time.Second)
	code, err = e.sender.Post(body)
	require.NoError(t, err)
	require.Equal(t, 200, code)
	time.Sleep(time.Second)
	e.replies(t, ana, 1)
	require.Equal(t, map[store.Author]int{store.AuthorUser: 1, store.AuthorAssistant: 1}, e.stored(t, ana))
}
