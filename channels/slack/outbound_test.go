package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/channels/slack/slacktest"
	"github.com/faroai/faro/knowledge"
)

// nobody is a runtime that accepts nothing; outbound tests need none.
type nobody struct{}

func (nobody) Accept(context.Context, relay.Inbound) (bool, error) {
	return false, errors.New("no runtime")
}

func newOutbound(t *testing.T, fake *slacktest.Server, token string) *Adapter {
	t.Helper()
	a, err := New(Options{BotToken: token, SigningSecret: testSecret, APIURL: strings.TrimSuffix(fake.URL, "/"), Runtime: nobody{},
		ResponseURLPrefix: fake.ResponseURL("")})
	require.NoError(t, err)
	return a
}

func outboundTo(addr address, text string) relay.Outbound {
	raw, _ := json.Marshal(addr)
	return relay.Outbound{Channel: Channel, Address: raw, Part: 1, Parts: 1, Text: text, Attempt: 1}
}

func TestDeliverAndErrors(t *testing.T) {
	t.Parallel()
	fake := slacktest.NewServer("xoxb-test")
	t.Cleanup(fake.Close)
	a := newOutbound(t, fake, "xoxb-test")
	ctx := t.Context()
	require.NoError(t, a.Start(ctx))
	require.Equal(t, fake.BotUserID, a.BotUser(), "auth.test names the bot")

	ts, err := a.Deliver(ctx, outboundTo(address{Channel: "C1", ThreadTS: "1800000000.000100", User: "U1"}, "*hola*"))
	require.NoError(t, err)
	msgs := fake.Thread("C1", "1800000000.000100")
	require.Len(t, msgs, 1)
	require.Equal(t, ts, msgs[0].TS)
	require.Equal(t, "*hola*", msgs[0].Text)
	calls := fake.Calls()
	last := calls[len(calls)-1]
	require.Equal(t, "chat.postMessage", last.Method)
	require.Equal(t, "xoxb-test", last.Form.Get("token"), "chat.postMessage sends the token as a form field")
	require.Equal(t, "false", last.Form.Get("unfurl_links"))

	// A slash command's answer quotes it, at the top level.
	_, err = a.Deliver(ctx, outboundTo(address{Channel: "C2", User: "U1", Command: "/faro <b>hola</b>"}, "respuesta"))
	require.NoError(t, err)
	require.Equal(t, "<@U1> › /faro &lt;b&gt;hola&lt;/b&gt;\nrespuesta", fake.Thread("C2", "")[0].Text)

	// A command where the bot may not post: its response_url, until
	// Slack stops honouring it.
	fake.NotIn("C9")
	cmdAddr := address{Channel: "C9", User: "U1", Command: "/faro hola", ResponseURL: fake.ResponseURL("r1")}
	for i := range slacktest.MaxResponses {
		id, err := a.Deliver(ctx, outboundTo(cmdAddr, fmt.Sprintf("respuesta %d", i)))
		require.NoError(t, err)
		require.Empty(t, id, "a response_url gives no id")
	}
	require.Equal(t, "<@U1> › /faro hola\nrespuesta 0", fake.Responses("r1")[0])
	_, err = a.Deliver(ctx, outboundTo(cmdAddr, "una de más"))
	require.ErrorContains(t, err, "permanent")
	require.Empty(t, fake.Thread("C9", ""))
	noURL := cmdAddr
	noURL.ResponseURL = ""
	_, err = a.Deliver(ctx, outboundTo(noURL, "x"))
	require.ErrorContains(t, err, "not_in_channel")
	require.ErrorContains(t, err, "permanent")

	// 429: the runtime waits Retry-After.
	fake.RateLimit(1, 7)
	_, err = a.Deliver(ctx, outboundTo(address{Channel: "C1", User: "U1"}, "x"))
	require.Error(t, err)
	require.Contains(t, err.Error(), "retry after 7s")

	// 5xx: transient.
	fake.Down(http.StatusServiceUnavailable)
	_, err = a.Deliver(ctx, outboundTo(address{Channel: "C1", User: "U1"}, "x"))
	require.Error(t, err)
	require.NotContains(t, err.Error(), "permanent")
	require.NotContains(t, err.Error(), "retry after")
	fake.Up()

	// Errors Slack will repeat are permanent; unknown ones transient.
	for code, permanent := range map[string]bool{"channel_not_found": true, "invalid_auth": true, "not_in_channel": true,
		"msg_too_long": true, "internal_error": false, "some_new_code": false} {
		fake.FailNext(code)
		_, err = a.Deliver(ctx, outboundTo(address{Channel: "C1", User: "U1"}, "x"))
		require.ErrorContains(t, err, code)
		require.Equal(t, permanent, strings.HasPrefix(err.Error(), "permanent:"), "%s: %v", code, err)
	}
	_, err = a.Deliver(ctx, relay.Outbound{Address: json.RawMessage(`{}`), Part: 1, Parts: 1, Text: "x"})
	require.ErrorContains(t, err, "permanent")

	// A wrong token fails at start, with Slack's reason.
	bad := newOutbound(t, fake, "xoxb-wrong")
	require.ErrorContains(t, bad.Start(ctx), "invalid_auth")
}

func TestPreviewThenFinal(t *testing.T) {
	t.Parallel()
	fake := slacktest.NewServer("xoxb-test")
	t.Cleanup(fake.Close)
	a := newOutbound(t, fake, "xoxb-test")
	ctx := t.Context()
	raw, _ := json.Marshal(address{Channel: "C1", ThreadTS: "1.1", User: "U1"})
	in := relay.Inbound{Address: raw}

	id, err := a.Preview(ctx, in, "", "Hola, **estoy")
	require.NoError(t, err)
	id2, err := a.Preview(ctx, in, id, "Hola, **estoy** <!channel> buscando")
	require.NoError(t, err)
	require.Equal(t, id, id2)
	out := outboundTo(address{Channel: "C1", ThreadTS: "1.1", User: "U1"}, "Hola, *listo*.")
	out.PreviewID = id
	got, err := a.Deliver(ctx, out)
	require.NoError(t, err)
	require.Equal(t, id, got, "the first part replaces the preview")
	msgs := fake.Thread("C1", "1.1")
	require.Len(t, msgs, 1, "one message: the preview, edited")
	require.Equal(t, "Hola, *listo*.", msgs[0].Text)
	require.Equal(t, []string{"Hola, **estoy", "Hola, *estoy* &lt;!channel&gt; buscando", "Hola, *listo*."}, msgs[0].Versions)

	// A preview someone deleted: the reply is posted anew.
	out.PreviewID = "1800000099.000000"
	got, err = a.Deliver(ctx, out)
	require.NoError(t, err)
	require.NotEqual(t, out.PreviewID, got)
	require.Len(t, fake.Thread("C1", "1.1"), 2)
}

func TestRender(t *testing.T) {
	t.Parallel()
	a := &Adapter{}
	r := agent.Reply{
		Language: "es",
		Text:     "El curso cuesta **199 USD** [1]. Ver también [2]. <!channel>",
		Citations: []agent.Citation{
			{Ref: "1", Citation: knowledge.Citation{Title: "Precios", Heading: "Cursos", Link: "https://brujula.example/precios?x=1&y=2"}},
			{Ref: "2", Citation: knowledge.Citation{Title: "FAQ <interna>", Source: "faq.md", Link: "faq.md#a"}},
		},
		Documents: []agent.Document{{Name: "certificado.pdf", URL: "https://faro.example/d/abc?sig=1&e=2", Format: "pdf"}},
	}
	require.Equal(t, "El curso cuesta *199 USD* <https://brujula.example/precios?x=1&amp;y=2|[1]>. Ver también [2]. &lt;!channel&gt;"+
		"\n\n_Fuentes_\n[1] <https://brujula.example/precios?x=1&amp;y=2|Precios › Cursos>\n[2] FAQ &lt;interna&gt;"+
		"\n\n:page_facing_up: <https://faro.example/d/abc?sig=1&amp;e=2|certificado.pdf (PDF)>", a.Render(r))
	max, count := a.Limit()
	require.Equal(t, 3900, max)
	require.Equal(t, 2, count("ñá"))
}
