package mattermost

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/channels/mattermost/mmapi"
	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/knowledge"
	"github.com/faroai/faro/store"
)

const botID = "bfarobot000000000000000001"

// posted is a posted event's data as Mattermost sends it.
func posted(t testing.TB, p map[string]any, channelType string, mentions []string) []byte {
	t.Helper()
	post, err := json.Marshal(p)
	require.NoError(t, err)
	d := map[string]any{"post": string(post), "channel_type": channelType, "sender_name": "@ana", "team_id": "t1"}
	if mentions != nil {
		m, _ := json.Marshal(mentions)
		d["mentions"] = string(m)
	}
	b, err := json.Marshal(d)
	require.NoError(t, err)
	return b
}

func TestParsePosted(t *testing.T) {
	t.Parallel()
	base := func(msg string) map[string]any {
		return map[string]any{"id": "p1", "channel_id": "c1", "user_id": "u1", "message": msg, "create_at": 1800000000000}
	}
	// A DM: answered, at the post's time.
	p, why, err := parsePosted(posted(t, base("hola"), "D", []string{botID}), botID, "faro")
	require.NoError(t, err, why)
	require.NotNil(t, p)
	require.True(t, p.Mentioned)
	require.Equal(t, "ana", p.UserName)
	require.Equal(t, time.UnixMilli(1800000000000).UTC(), p.At)

	// A mention: in the list, and removed from the text.
	p, _, err = parsePosted(posted(t, base("@Faro, ¿cuál es el MRR?"), "O", []string{botID}), botID, "faro")
	require.NoError(t, err)
	require.True(t, p.Mentioned)
	require.Equal(t, "¿cuál es el MRR?", p.Text)

	// A channel post without a mention is a post, not a question.
	p, _, err = parsePosted(posted(t, base("escribe a @faroadmin o a soporte@faro.example"), "O", nil), botID, "faro")
	require.NoError(t, err)
	require.False(t, p.Mentioned)
	require.Equal(t, "escribe a @faroadmin o a soporte@faro.example", p.Text)

	// Ignored, with the reason.
	for why, m := range map[string]map[string]any{
		"own post":                   {"id": "p2", "channel_id": "c1", "user_id": botID, "message": "hola"},
		"type system_add_to_channel": {"id": "p3", "channel_id": "c1", "user_id": "u1", "message": "x", "type": "system_add_to_channel"},
		"another bot's post":         {"id": "p4", "channel_id": "c1", "user_id": "u2", "message": "x", "props": map[string]any{"from_bot": "true"}},
		"an integration's post":      {"id": "p5", "channel_id": "c1", "user_id": "u2", "message": "x", "props": map[string]any{"from_webhook": "true"}},
		"no text":                    {"id": "p6", "channel_id": "c1", "user_id": "u1", "message": " @faro "},
	} {
		p, got, err := parsePosted(posted(t, m, "D", nil), botID, "faro")
		require.NoError(t, err)
		require.Nil(t, p)
		require.Equal(t, why, got)
	}
	// Unreadable.
	for _, bad := range []string{`{`, `{"post":""}`, `{"post":"{"}`, `{"post":"{\"id\":\"p\"}"}`, `{"post":7}`} {
		_, _, err := parsePosted([]byte(bad), botID, "faro")
		require.ErrorIs(t, err, errBadEvent, bad)
	}
}

func TestNeutraliseAndRender(t *testing.T) {
	t.Parallel()
	require.Equal(t, "@\u200bchannel, @\u200ball y @\u200bana.p: ana@example.com, @ solo, (@\u200bhere)",
		neutralise("@channel, @all y @ana.p: ana@example.com, @ solo, (@here)"))
	a := &Adapter{}
	r := agent.Reply{Text: "El curso cuesta 300 USD [1].", Language: "en",
		Citations: []agent.Citation{{Ref: "1", Citation: knowledge.Citation{Title: "Precios [2026]", Link: "https://faro.example/precios (es)"}},
			{Ref: "2", Citation: knowledge.Citation{Source: "faq.md", Heading: "Pagos", Link: "javascript:alert(1)"}}},
		Documents: []agent.Document{{Name: "propuesta.pdf", Format: "pdf", URL: "https://faro.example/d/1"}}}
	require.Equal(t, "El curso cuesta 300 USD [1].\n\n_Sources_\n[1] [Precios \\[2026\\]](https://faro.example/precios%20%28es%29)\n"+
		"[2] faq.md › Pagos\n\n📄 [propuesta.pdf (PDF)](https://faro.example/d/1)", a.Render(r))
}

func TestParseRequestAndToken(t *testing.T) {
	t.Parallel()
	a, err := New(Options{Client: mustClient(t), Runtime: nopAcceptor{}, WebhookTokens: []string{" tok-a ", "", "tok-b"}})
	require.NoError(t, err)
	require.True(t, a.tokenOK("tok-a"))
	require.True(t, a.tokenOK("tok-b"))
	for _, bad := range []string{"", "tok", "tok-a ", "TOK-A", "tok-ab"} {
		require.False(t, a.tokenOK(bad), bad)
	}

	form := url.Values{"token": {"tok-a"}, "channel_id": {"c1"}, "user_id": {"u1"}, "post_id": {"p1"},
		"text": {"faro hola"}, "trigger_word": {"faro"}, "timestamp": {"1800000000"}}
	r, err := parseRequest("application/x-www-form-urlencoded", "", []byte(form.Encode()))
	require.NoError(t, err)
	require.False(t, r.IsCommand())
	require.Equal(t, int64(1800000000000), r.Timestamp)
	require.NoError(t, a.verify(r, ""))

	r, err = parseRequest("application/json; charset=utf-8", "", []byte(`{"token":"tok-b","channel_id":"c1","user_id":"u1","post_id":"p1","text":"x","timestamp":1800000000123}`))
	require.NoError(t, err)
	require.Equal(t, int64(1800000000123), r.Timestamp)
	require.NoError(t, a.verify(r, ""))

	// A slash command: the token in Authorization: Token as well; both
	// must be configured.
	cmd := url.Values{"token": {"tok-b"}, "channel_id": {"c1"}, "user_id": {"u1"}, "command": {"/faro"}, "text": {"hola"}}
	r, err = parseRequest("application/x-www-form-urlencoded", "Token tok-b", []byte(cmd.Encode()))
	require.NoError(t, err)
	require.True(t, r.IsCommand())
	require.NoError(t, a.verify(r, "Token tok-b"))
	require.ErrorIs(t, a.verify(r, "Token tok-x"), errUnverified)
	cmd.Del("token")
	r, err = parseRequest("application/x-www-form-urlencoded", "Token tok-a", []byte(cmd.Encode()))
	require.NoError(t, err)
	require.NoError(t, a.verify(r, "Token tok-a"), "the header's token alone")

	for _, bad := range []string{`{`, `{"token":"tok-a"}`, `{"token":"tok-a","user_id":"u","channel_id":"c"}`} {
		_, err := parseRequest("application/json", "", []byte(bad))
		require.ErrorIs(t, err, errBadRequest, bad)
	}
}

// TestServeHTTPRefuses: wrong method, wrong token, too large, unreadable:
// nothing reaches the runtime.
func TestServeHTTPRefuses(t *testing.T) {
	t.Parallel()
	acc := &countingAcceptor{}
	a, err := New(Options{Client: mustClient(t), Runtime: acc, WebhookTokens: []string{"tok-a"}})
	require.NoError(t, err)
	do := func(method, ct, auth, body string) int {
		r := httptest.NewRequest(method, WebhookPath, strings.NewReader(body))
		r.Header.Set("Content-Type", ct)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		a.ServeHTTP(w, r)
		return w.Code
	}
	form := "token=tok-a&channel_id=c1&user_id=u1&post_id=p1&text=hola"
	require.Equal(t, http.StatusMethodNotAllowed, do(http.MethodGet, "", "", ""))
	require.Equal(t, http.StatusUnauthorized, do(http.MethodPost, "application/x-www-form-urlencoded", "", strings.Replace(form, "tok-a", "tok-b", 1)))
	require.Equal(t, http.StatusUnauthorized, do(http.MethodPost, "application/json", "", `{"token":"tok-a"`))
	require.Equal(t, http.StatusRequestEntityTooLarge, do(http.MethodPost, "application/x-www-form-urlencoded", "", form+"&x="+strings.Repeat("a", MaxBody)))
	require.Equal(t, http.StatusBadRequest, do(http.MethodPost, "application/x-www-form-urlencoded", "", "token=tok-a&text=hola"))
	require.Zero(t, acc.n)
	require.Equal(t, http.StatusOK, do(http.MethodPost, "application/x-www-form-urlencoded", "", form))
	require.Equal(t, 1, acc.n)
	// A slash command other than /faro, or without a question.
	require.Equal(t, http.StatusOK, do(http.MethodPost, "application/x-www-form-urlencoded", "Token tok-a", "channel_id=c1&user_id=u1&command=/otro&text=hola"))
	require.Equal(t, http.StatusOK, do(http.MethodPost, "application/x-www-form-urlencoded", "Token tok-a", "channel_id=c1&user_id=u1&command=/faro&text=+"))
	require.Equal(t, 1, acc.n)
}

// TestAddressOf: a conversation's ExternalID leads back to where its
// person is: a direct message, a thread, a slash command's channel.
func TestAddressOf(t *testing.T) {
	t.Parallel()
	a := &Adapter{}
	for ext, want := range map[string]string{
		"cdm":            `{"channel":"cdm","user":""}`,
		"ctown/proot":    `{"channel":"ctown","root_id":"proot","user":""}`,
		"ctown/cmd:uana": `{"channel":"ctown","user":"uana"}`,
	} {
		got, err := a.AddressOf(store.Conversation{ID: "x", ExternalID: ext})
		require.NoError(t, err)
		require.JSONEq(t, want, string(got), ext)
	}
	_, err := a.AddressOf(store.Conversation{ID: "x", ExternalID: "/p"})
	require.Error(t, err)
}

func TestClassify(t *testing.T) {
	t.Parallel()
	limited := classify(&mmapi.Error{Status: http.StatusTooManyRequests, RetryAfter: 2 * time.Second})
	require.Contains(t, limited.Error(), "retry after 2s")
	for _, s := range []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusUnauthorized} {
		require.Contains(t, classify(&mmapi.Error{Status: s}).Error(), "permanent", s)
	}
	for _, s := range []int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusRequestTimeout} {
		require.NotContains(t, classify(&mmapi.Error{Status: s}).Error(), "permanent", s)
	}
	plain := errors.New("connection reset")
	require.Equal(t, plain, classify(plain))
}

func mustClient(t testing.TB) *mmapi.Client {
	t.Helper()
	c, err := mmapi.New("http://127.0.0.1:1", "tok", nil)
	require.NoError(t, err)
	return c
}

type nopAcceptor struct{}

func (nopAcceptor) Accept(context.Context, relay.Inbound) (bool, error) { return true, nil }

type countingAcceptor struct{ n int }

func (c *countingAcceptor) Accept(context.Context, relay.Inbound) (bool, error) {
	c.n++
	return true, nil
}
