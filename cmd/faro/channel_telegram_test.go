package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/channels/telegram/telegramtest"
	"github.com/faroai/faro/store"
)

const telegramSecret = "tg-secret_for-the-tests"

// telegramServer is a Main with Telegram on, against a local Bot API.
type telegramServer struct {
	m       *Main
	api     *telegramtest.Server
	webhook string
	logs    *lockedWriter
}

// startTelegram starts Main on backend ("sqlite", or a PostgreSQL URL)
// with Telegram pointed at a fake Bot API and short retry delays; replies
// to a message holding LONG or MARKUP are replaced (see scripted).
func startTelegram(t *testing.T, databaseURL string) *telegramServer {
	t.Helper()
	api := telegramtest.New(t)
	logs := &lockedWriter{w: &bytes.Buffer{}}
	cfg := testConfig(t)
	cfg.DatabaseURL = databaseURL
	cfg.Telegram = TelegramConfig{Token: telegramtest.Token, WebhookSecret: telegramSecret, APIURL: api.URL}
	cfg.LogLevel = "debug"
	m := NewMain(cfg, newLogger(cfg, &environment{stderr: logs}))
	m.EditRelay = func(o *relay.Options) {
		fastRetries(o)
		o.Agent = scripted{o.Agent}
	}
	require.NoError(t, m.Run(context.Background()))
	t.Cleanup(func() { require.NoError(t, m.Close()) })
	return &telegramServer{m: m, api: api, webhook: "http://" + m.Addr() + telegramWebhookPath, logs: logs}
}

// scripted is the real agent, whose reply to a message holding LONG is
// made 10,000 characters long, and to one holding MARKUP is text that
// Telegram would refuse unescaped, with a generated document: the offline
// engine writes neither.
type scripted struct{ relay.Agent }

func (s scripted) Turn(ctx context.Context, msg agent.Message, stream func(string)) (agent.Reply, error) {
	r, err := s.Agent.Turn(ctx, msg, stream)
	switch {
	case err != nil:
	case strings.Contains(msg.Text, "LONG"):
		var b strings.Builder
		for i := 1; b.Len() < 10000; i++ {
			fmt.Fprintf(&b, "Paso %d: **revisa** el módulo %d y escribe a <soporte> & espera.\n\n", i, i)
		}
		r.Text = b.String()
	case strings.Contains(msg.Text, "MARKUP"):
		r.Text = "Tom & Jerry <script>alert(1)</script> a<b>c **negrita** [enlace](javascript:alert(1)) [web](https://faro.example/x?a=1&b=2) `<tag>` &foo;"
		r.Documents = []agent.Document{{Name: "certificado.pdf", URL: "https://faro.example/d/abc?sig=x", Format: "pdf"}}
	}
	return r, err
}

func (s *telegramServer) post(t *testing.T, secret string, update any) int {
	t.Helper()
	status, err := telegramtest.Post(s.webhook, secret, update)
	require.NoError(t, err)
	return status
}

// repliesTo are the successful sendMessage calls to chat.
func (s *telegramServer) repliesTo(chat int64) []telegramtest.Sent {
	var out []telegramtest.Sent
	for _, m := range s.api.Sent("sendMessage") {
		if m.ChatID == chat {
			out = append(out, m)
		}
	}
	return out
}

// waitReplies waits for n replies to chat, then a little more to catch
// any extra one, and returns them all.
func (s *telegramServer) waitReplies(t *testing.T, chat int64, n int) []telegramtest.Sent {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for len(s.repliesTo(chat)) < n {
		require.True(t, time.Now().Before(deadline), "%d of %d replies to %d; logs:\n%s", len(s.repliesTo(chat)), n, chat, s.logs.String())
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	return s.repliesTo(chat)
}

func (s *telegramServer) stored(t *testing.T, updateID int64) bool {
	_, err := s.m.Store.MessageByPlatformID(t.Context(), "telegram", strconv.FormatInt(updateID, 10))
	if err != nil {
		require.ErrorIs(t, err, store.ErrNotFound)
		return false
	}
	return true
}

// TestTelegram runs a student's and a group's conversations with the bot
// through the webhook, on both stores: refused requests store nothing;
// re-deliveries are answered once; a 429 and a 502 outage are retried; a
// long reply is split in order; markup is escaped.
func TestTelegram(t *testing.T) {
	t.Parallel()
	forEachStore(t, "the Telegram tests", func(t *testing.T, databaseURL string) {
		s := startTelegram(t, databaseURL)
		require.Contains(t, s.logs.String(), "channel on")
		require.Contains(t, s.logs.String(), telegramWebhookPath)
		t.Run("refused", func(t *testing.T) { telegramRefused(t, s) })
		t.Run("enrol", func(t *testing.T) { telegramEnrol(t, s) })
		t.Run("redelivered", func(t *testing.T) { telegramRedelivered(t, s) })
		t.Run("429", func(t *testing.T) { telegramTooMany(t, s) })
		t.Run("down", func(t *testing.T) { telegramDown(t, s) })
		t.Run("long", func(t *testing.T) { telegramLong(t, s) })
		t.Run("markup", func(t *testing.T) { telegramMarkup(t, s) })
		t.Run("group", func(t *testing.T) { telegramGroup(t, s) })
		t.Run("metrics", func(t *testing.T) { telegramMetrics(t, s) })
	})
}

// telegramRefused: a forged or missing secret is 401, a body that is not
// an update 400; nothing is stored and nothing answered.
func telegramRefused(t *testing.T, s *telegramServer) {
	upd := telegramtest.Private(1001, 501, "hola", "es")
	require.Equal(t, http.StatusUnauthorized, s.post(t, "", upd), "unsigned")
	require.Equal(t, http.StatusUnauthorized, s.post(t, "tg-secret_for-the-testz", upd), "forged: one character off")
	require.Equal(t, http.StatusUnauthorized, s.post(t, telegramSecret+"x", upd), "forged: longer")
	resp, err := http.Post(s.webhook, "application/json", strings.NewReader("{not json"))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "unsigned garbage")
	req, _ := http.NewRequest(http.MethodPost, s.webhook, strings.NewReader("{not json"))
	req.Header.Set(telegramtest.SecretHeader, telegramSecret)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, "signed garbage")
	time.Sleep(300 * time.Millisecond)
	require.False(t, s.stored(t, 1001), "nothing stored")
	require.Empty(t, s.repliesTo(501), "nothing answered")
}

// telegramEnrol: /start greets in Spanish; the student enrols in a course
// by name and email.
func telegramEnrol(t *testing.T, s *telegramServer) {
	const user = 502
	require.Equal(t, http.StatusOK, s.post(t, telegramSecret, telegramtest.Private(2001, user, "/start", "es")))
	greet := s.waitReplies(t, user, 1)
	require.Len(t, greet, 1)
	require.Equal(t, "HTML", greet[0].ParseMode)
	t.Logf("/start → %s", greet[0].Text)
	require.Positive(t, s.api.Calls("sendChatAction"), "typing shown")

	require.Equal(t, http.StatusOK, s.post(t, telegramSecret, telegramtest.Private(2002, user,
		"quiero inscribirme en el curso de prompt engineering, soy Ana García, ana.garcia@example.com", "es")))
	replies := s.waitReplies(t, user, 2)
	require.Len(t, replies, 2)
	t.Logf("enrol → %s", replies[1].Text)
	ens, err := s.m.Store.EnrollmentsByEmail(t.Context(), "ana.garcia@example.com")
	require.NoError(t, err)
	require.Len(t, ens, 1, "enrolled over Telegram: %s", replies[1].Text)
	c, err := s.m.Store.ContactByIdentity(t.Context(), store.Identity{Channel: "telegram", ExternalID: strconv.Itoa(user)})
	require.NoError(t, err)
	require.Equal(t, "Ana García", c.Name)
}

// telegramRedelivered: the same update three times, at once, is answered
// once.
func telegramRedelivered(t *testing.T, s *telegramServer) {
	const user = 503
	upd := telegramtest.Private(3001, user, "¿qué cursos tienen?", "es")
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() { require.Equal(t, http.StatusOK, s.post(t, telegramSecret, upd)) })
	}
	wg.Wait()
	require.Equal(t, http.StatusOK, s.post(t, telegramSecret, upd), "a fourth, after the answer")
	replies := s.waitReplies(t, user, 1)
	time.Sleep(300 * time.Millisecond)
	require.Len(t, s.repliesTo(user), len(replies))
	require.Equal(t, 1, replies[0].Parts(), "one reply")
}

// telegramTooMany: a 429 with retry_after 1 is retried after a second.
func telegramTooMany(t *testing.T, s *telegramServer) {
	const user = 504
	before := s.api.Calls("sendMessage")
	s.api.Fail("sendMessage", telegramtest.TooMany(1))
	start := time.Now()
	require.Equal(t, http.StatusOK, s.post(t, telegramSecret, telegramtest.Private(4001, user, "hello", "en")))
	replies := s.waitReplies(t, user, 1)
	require.Len(t, replies, 1)
	require.GreaterOrEqual(t, replies[0].At.Sub(start), time.Second, "sent after retry_after")
	require.GreaterOrEqual(t, s.api.Calls("sendMessage")-before, 2)
}

// telegramDown: Telegram answers 502 to every sendMessage for a while;
// every reply is delivered once it is back, once each.
func telegramDown(t *testing.T, s *telegramServer) {
	users := []int64{511, 512, 513}
	s.api.SetDown(true)
	before := s.api.Calls("sendMessage")
	for i, u := range users {
		require.Equal(t, http.StatusOK, s.post(t, telegramSecret, telegramtest.Private(int64(5001+i), u, "hola, ¿cuánto cuesta el curso de IA?", "es")))
	}
	deadline := time.Now().Add(20 * time.Second)
	for s.api.Calls("sendMessage")-before < 2*len(users) {
		require.True(t, time.Now().Before(deadline), "the replies were not tried while down")
		time.Sleep(20 * time.Millisecond)
	}
	s.api.SetDown(false)
	for _, u := range users {
		require.Len(t, s.waitReplies(t, u, 1), 1, "one reply to %d", u)
	}
}

// telegramLong: a 10,000-character reply arrives in parts of at most
// 4096, in order, with nothing lost.
func telegramLong(t *testing.T, s *telegramServer) {
	const user = 506
	require.Equal(t, http.StatusOK, s.post(t, telegramSecret, telegramtest.Private(6001, user, "LONG: explícame el curso", "es")))
	first := s.waitReplies(t, user, 1)
	_ = first
	deadline := time.Now().Add(20 * time.Second)
	var parts []telegramtest.Sent
	for {
		parts = s.repliesTo(user)
		if len(parts) >= 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	parts = s.repliesTo(user)
	require.Len(t, parts, 3, "10,000 characters in 4096-character parts")
	var all strings.Builder
	for i, p := range parts {
		require.LessOrEqual(t, relay.UTF16(p.Text), 4096)
		require.True(t, strings.HasPrefix(p.Text, "Paso "), "part %d starts a paragraph: %.40q", i+1, p.Text)
		all.WriteString(p.Text + "\n\n")
	}
	for i := 1; i <= 3; i++ {
		require.Contains(t, all.String(), fmt.Sprintf("Paso %d:", i))
	}
	require.Less(t, strings.Index(all.String(), "Paso 9:"), strings.Index(all.String(), "Paso 90:"), "in order")
	require.Contains(t, parts[0].Text, "<b>revisa</b>")
	require.Contains(t, parts[0].Text, "&lt;soporte&gt; &amp;")
	require.Empty(t, s.api.Rejected())
}

// telegramMarkup: text Telegram would refuse unescaped is escaped; the
// document goes as a file.
func telegramMarkup(t *testing.T, s *telegramServer) {
	const user = 507
	require.Equal(t, http.StatusOK, s.post(t, telegramSecret, telegramtest.Private(7001, user, "MARKUP please", "en")))
	replies := s.waitReplies(t, user, 1)
	require.Len(t, replies, 1)
	text := replies[0].Text
	require.Contains(t, text, "Tom &amp; Jerry &lt;script&gt;")
	require.Contains(t, text, "<b>negrita</b>")
	require.NotContains(t, text, `href="javascript`)
	require.Contains(t, text, `<a href="https://faro.example/x?a=1&amp;b=2">web</a>`)
	require.Empty(t, s.api.Rejected(), "Telegram refused nothing")
	docs := s.api.WaitSent("sendDocument", 1, 10*time.Second)
	require.Equal(t, "https://faro.example/d/abc?sig=x", docs[0].Document)
}

// telegramGroup: in a group the bot answers a mention and a reply to it,
// in reply to the message, and nothing else.
func telegramGroup(t *testing.T, s *telegramServer) {
	const chat = -1001234
	mention := "@" + telegramtest.Username + " ¿qué cursos hay?"
	require.Equal(t, http.StatusOK, s.post(t, telegramSecret, telegramtest.Group(8001, 601, chat, "¿alguien sabe qué cursos hay?", nil, false)))
	require.Equal(t, http.StatusOK, s.post(t, telegramSecret, telegramtest.Group(8002, 601, chat, mention,
		[]map[string]any{{"type": "mention", "offset": 0, "length": len(telegramtest.Username) + 1}}, false)))
	replies := s.waitReplies(t, chat, 1)
	require.Len(t, replies, 1)
	require.Equal(t, 8002%100000, replies[0].ReplyTo, "in reply to the mention")
	require.Equal(t, http.StatusOK, s.post(t, telegramSecret, telegramtest.Group(8003, 602, chat, "gracias, ¿y el precio?", nil, true)))
	require.Len(t, s.waitReplies(t, chat, 2), 2)
	require.False(t, s.stored(t, 8001), "a message not for the bot is not stored")
}

// telegramMetrics: deliveries are counted in /metrics.
func telegramMetrics(t *testing.T, s *telegramServer) {
	rec := httptest.NewRecorder()
	s.m.Metrics.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	require.Contains(t, string(body), `faro_channel_deliveries_total{channel="telegram",outcome="ok"}`)
	require.Contains(t, string(body), `faro_channel_delivery_retries_total{channel="telegram",reason="retry_after"} 1`)
	require.Contains(t, string(body), `faro_channel_delivery_retries_total{channel="telegram",reason="transient"}`)
}

// TestTelegramPolling: with FARO_TELEGRAM_MODE=poll the bot takes its
// updates from getUpdates (after removing its webhook), answers each once
// although the server keeps offering those it has not confirmed, and
// mounts no webhook.
func TestTelegramPolling(t *testing.T) {
	t.Parallel()
	api := telegramtest.New(t)
	logs := &lockedWriter{w: &bytes.Buffer{}}
	cfg := testConfig(t)
	cfg.Telegram = TelegramConfig{Token: telegramtest.Token, APIURL: api.URL, Mode: "poll"}
	m := NewMain(cfg, newLogger(cfg, &environment{stderr: logs}))
	m.EditRelay = func(o *relay.Options) { o.PollInterval = 20 * time.Millisecond }
	require.NoError(t, m.Run(context.Background()))
	t.Cleanup(func() { require.NoError(t, m.Close()) })

	api.Queue(telegramtest.Private(101, 801, "hola", "es"))
	api.Queue(telegramtest.Private(102, 802, "hello", "en"))
	replies := api.WaitSent("sendMessage", 2, 20*time.Second)
	time.Sleep(500 * time.Millisecond)
	require.Len(t, api.Sent("sendMessage"), 2, "each update answered once; logs:\n%s", logs.String())
	require.ElementsMatch(t, []int64{801, 802}, []int64{replies[0].ChatID, replies[1].ChatID})
	require.Positive(t, api.Calls("deleteWebhook"))
	require.Greater(t, api.Calls("getUpdates"), 1)
	status, err := telegramtest.Post("http://"+m.Addr()+telegramWebhookPath, "", telegramtest.Private(103, 803, "x", "es"))
	require.NoError(t, err)
	require.NotEqual(t, http.StatusOK, status, "no webhook in poll mode")
}
