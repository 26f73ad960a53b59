package telegram_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/channels/telegram"
	"github.com/faroai/faro/channels/telegram/telegramtest"
)

// counting is an acceptor that counts what it is given.
type counting struct {
	mu  sync.Mutex
	ins []relay.Inbound
}

func (c *counting) Accept(_ context.Context, in relay.Inbound) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ins = append(c.ins, in)
	return true, nil
}

func newAdapter(t testing.TB, acc relay.Acceptor, api string) *telegram.Adapter {
	a, err := telegram.New(telegram.Options{Token: telegramtest.Token, WebhookSecret: "s3cret", APIURL: api, Acceptor: acc})
	require.NoError(t, err)
	return a
}

func TestWebhookSecret(t *testing.T) {
	t.Parallel()
	acc := &counting{}
	a := newAdapter(t, acc, "http://127.0.0.1:1")
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	upd := telegramtest.Private(1, 42, "hola", "es")
	refused := 0
	for _, secret := range []string{"", "s3cre", "s3cret2", "S3CRET", "x"} {
		status, err := telegramtest.Post(srv.URL, secret, upd)
		require.NoError(t, err)
		require.Equal(t, http.StatusUnauthorized, status, "secret %q", secret)
		refused++
	}
	require.Empty(t, acc.ins, "nothing accepted from %d refused requests", refused)
	status, err := telegramtest.Post(srv.URL, "s3cret", upd)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status)
	require.Len(t, acc.ins, 1)
	in := acc.ins[0]
	require.Equal(t, "1", in.PlatformID)
	require.Equal(t, "42", in.ChatID)
	require.Equal(t, "42", in.Sender.ExternalID)
	require.Equal(t, "Ana García", in.SenderName)
	require.JSONEq(t, `{"chat_id":42}`, string(in.Address))

	resp, err := http.Get(srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
}

func TestInbound(t *testing.T) {
	t.Parallel()
	name := func() string { return telegramtest.Username }
	parse := func(u any) (relay.Inbound, bool) {
		raw, err := json.Marshal(u)
		require.NoError(t, err)
		upd, err := telegram.ParseUpdate(raw)
		require.NoError(t, err)
		return telegram.Inbound(upd, telegramtest.BotID, name)
	}
	in, ok := parse(telegramtest.Private(5, 7, "/start", "es-ES"))
	require.True(t, ok)
	require.Equal(t, "Hola", in.Text, "/start greets in the user's language")
	in, ok = parse(telegramtest.Private(6, 7, "/start ref123", "pt-br"))
	require.True(t, ok)
	require.Equal(t, "Olá", in.Text)
	in, _ = parse(telegramtest.Private(7, 7, "/start", ""))
	require.Equal(t, "Hello", in.Text)

	_, ok = parse(telegramtest.Group(8, 7, -100, "hola a todos", nil, false))
	require.False(t, ok, "a group message not for the bot")
	in, ok = parse(telegramtest.Group(9, 7, -100, "hola @"+telegramtest.Username+" ¿precios?",
		[]map[string]any{{"type": "mention", "offset": 5, "length": len(telegramtest.Username) + 1}}, false))
	require.True(t, ok, "a mention")
	require.Equal(t, "hola  ¿precios?", in.Text)
	require.JSONEq(t, `{"chat_id":-100,"reply_to":9}`, string(in.Address))
	_, ok = parse(telegramtest.Group(10, 7, -100, "y @otro_bot?", []map[string]any{{"type": "mention", "offset": 2, "length": 10}}, false))
	require.False(t, ok, "a mention of another bot")
	_, ok = parse(telegramtest.Group(11, 7, -100, "gracias", nil, true))
	require.True(t, ok, "a reply to the bot")

	_, ok = parse(map[string]any{"update_id": 12, "edited_message": map[string]any{"message_id": 1, "text": "x",
		"chat": map[string]any{"id": 1, "type": "private"}, "from": map[string]any{"id": 1}}})
	require.False(t, ok, "edits are not answered")
	_, ok = parse(map[string]any{"update_id": 13, "message": map[string]any{"message_id": 1, "text": "x",
		"chat": map[string]any{"id": 1, "type": "private"}, "from": map[string]any{"id": 1, "is_bot": true}}})
	require.False(t, ok, "bots are not answered")

	_, err := telegram.ParseUpdate([]byte(`{"message":{}}`))
	require.Error(t, err, "no update_id")
}

func TestRender(t *testing.T) {
	t.Parallel()
	r := agent.Reply{
		Text:      "# Cursos\n- **IA 101**: 3 < 5 & `x<y`\n* _no_ *sí* [doc](https://x.example/a?b=1&c=2) [bad](javascript:alert(1))\n```\n<b>raw</b>\n```\n<script>",
		Citations: []agent.Citation{{Ref: "1"}},
	}
	r.Citations[0].Title, r.Citations[0].Link = "Guía <1>", "https://kb.example/g"
	got := telegram.Render(r)
	require.Equal(t, "<b>Cursos</b>\n• <b>IA 101</b>: 3 &lt; 5 &amp; <code>x&lt;y</code>\n• _no_ <i>sí</i> "+
		`<a href="https://x.example/a?b=1&amp;c=2">doc</a> [bad](javascript:alert(1))`+"\n\n<code>&lt;b&gt;raw&lt;/b&gt;</code>\n\n&lt;script&gt;"+
		"\n\n[1] "+`<a href="https://kb.example/g">Guía &lt;1&gt;</a>`, got)
}

// FuzzInbound: any body is refused or parsed into a message the runtime
// can take, never a panic: the webhook's parser with the bot's rules.
func FuzzInbound(f *testing.F) {
	for _, u := range []any{
		telegramtest.Private(1, 2, "hola", "es"),
		telegramtest.Group(3, 4, -5, "@"+telegramtest.Username+" hi", []map[string]any{{"type": "mention", "offset": 0, "length": 14}}, false),
		telegramtest.Group(6, 4, -5, "ok", nil, true),
	} {
		raw, _ := json.Marshal(u)
		f.Add(raw)
	}
	f.Add([]byte(`{"update_id":1,"message":{"message_id":1,"text":"😀@x","entities":[{"type":"mention","offset":1,"length":99}],"chat":{"id":-1,"type":"group"},"from":{"id":2}}}`))
	f.Add([]byte(`{"update_id":-1}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		upd, err := telegram.ParseUpdate(body)
		if err != nil {
			return
		}
		in, ok := telegram.Inbound(upd, telegramtest.BotID, func() string { return telegramtest.Username })
		if !ok {
			return
		}
		if in.Channel != telegram.Channel || in.PlatformID == "" || in.Sender.ExternalID == "" || strings.TrimSpace(in.Text) == "" {
			t.Fatalf("an inbound the runtime cannot take: %+v", in)
		}
		if !json.Valid(in.Address) {
			t.Fatalf("address not JSON: %q", in.Address)
		}
	})
}

// FuzzSecret: only the exact secret passes.
func FuzzSecret(f *testing.F) {
	f.Add("s3cret", "s3cret")
	f.Add("", "")
	f.Add("s3cret", "s3cre")
	f.Fuzz(func(t *testing.T, header, secret string) {
		if telegram.CheckSecret(header, secret) != (secret != "" && header == secret) {
			t.Fatalf("CheckSecret(%q, %q) wrong", header, secret)
		}
	})
}
