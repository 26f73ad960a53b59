package whatsapp_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/channels/whatsapp"
	"github.com/faroai/faro/channels/whatsapp/graphtest"
)

func newClient(g *graphtest.Server) *whatsapp.Client {
	return &whatsapp.Client{BaseURL: g.URL, Version: g.Version, PhoneNumberID: g.PhoneNumberID, Token: g.Token,
		HTTP: &http.Client{Timeout: 5 * time.Second}}
}

func TestClient(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	g := graphtest.New(t)
	c := newClient(g)
	g.Wrote("5215512345678", time.Now())

	id, err := c.SendText(ctx, "5215512345678", "Hola *Ana*", false)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(id, "wamid."), id)
	require.NoError(t, c.Typing(ctx, "wamid.IN1"))
	_, err = c.SendDocument(ctx, "5215512345678", "https://faro.example/d/1.pdf", "certificado.pdf", "Tu certificado")
	require.NoError(t, err)
	require.Equal(t, []string{"wamid.IN1"}, g.Typing())
	sent := g.Sent()
	require.Len(t, sent, 2)
	require.Equal(t, "Hola *Ana*", sent[0].Text)
	require.Equal(t, "certificado.pdf", sent[1].Filename)

	for _, f := range []graphtest.Failure{graphtest.Throughput, graphtest.PairRate, graphtest.AccountRate} {
		g.Fail(f)
		_, err = c.SendText(ctx, "5215512345678", "x", false)
		e, ok := whatsapp.AsAPIError(err)
		require.True(t, ok, "%v", err)
		require.True(t, e.Throttled(), "code %d is throttling, with HTTP 400", f.Code)
		require.Equal(t, 400, e.HTTPStatus)
	}

	// Outside the window only templates go.
	_, err = c.SendText(ctx, "447700900123", "hello", false)
	e, ok := whatsapp.AsAPIError(err)
	require.True(t, ok, "%v", err)
	require.True(t, e.OutsideWindow())
	require.NotEmpty(t, e.FBTraceID, "Graph's error shape")
	_, err = c.SendTemplate(ctx, "447700900123", "reply_ready", "en_US")
	require.NoError(t, err)

	// A wrong token is Graph's OAuthException 190, with HTTP 401.
	bad := newClient(g)
	bad.Token = "wrong"
	_, err = bad.SendText(ctx, "5215512345678", "x", false)
	e, ok = whatsapp.AsAPIError(err)
	require.True(t, ok)
	require.Equal(t, 190, e.Code)
	require.Equal(t, 401, e.HTTPStatus)

	// Too long a body is refused by the platform: the runtime splits first.
	_, err = c.SendText(ctx, "5215512345678", strings.Repeat("a", 4097), false)
	e, ok = whatsapp.AsAPIError(err)
	require.True(t, ok)
	require.Equal(t, 100, e.Code)
}
