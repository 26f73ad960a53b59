package whatsapp_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/channels/whatsapp"
	"github.com/faroai/faro/channels/whatsapp/graphtest"
)

// retryAfter reads the delay of a relay.RetryAfter error. The runtime
// keeps its error types unexported, so its message is what tells.
func retryAfter(err error) (time.Duration, bool) {
	rest, ok := strings.CutPrefix(err.Error(), "retry after ")
	if !ok {
		return 0, false
	}
	d, perr := time.ParseDuration(rest[:strings.Index(rest, ":")])
	return d, perr == nil
}

func permanent(err error) bool { return err != nil && strings.HasPrefix(err.Error(), "permanent: ") }

func newAdapter(t *testing.T, g *graphtest.Server, now time.Time, template string) *whatsapp.Adapter {
	t.Helper()
	o := whatsapp.Options{Client: newClient(g), NowFunc: func() time.Time { return now }}
	if template != "" {
		o.Template, o.TemplateLanguage = template, "es"
	}
	a, err := whatsapp.New(o)
	require.NoError(t, err)
	return a
}

func outbound(waID string, part, parts int, last time.Time) relay.Outbound {
	addr, _ := json.Marshal(map[string]string{"wa_id": waID, "wamid": "wamid.IN"})
	return relay.Outbound{Channel: "whatsapp", ConversationID: "c1", MessageID: "m1", Address: addr,
		Part: part, Parts: parts, Text: "Hola *Ana*", Language: "es", LastInbound: last, Attempt: 1}
}

func TestDeliver(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	const ana = "5215512345678"

	t.Run("inside the window", func(t *testing.T) {
		t.Parallel()
		g := graphtest.New(t)
		g.SetNow(func() time.Time { return now })
		g.Wrote(ana, now.Add(-time.Hour))
		id, err := newAdapter(t, g, now, "").Deliver(ctx, outbound(ana, 1, 1, now.Add(-time.Hour)))
		require.NoError(t, err)
		require.Equal(t, []graphtest.Sent{{ID: id, To: ana, Type: "text", Text: "Hola *Ana*", At: now}}, g.Sent())
	})

	t.Run("outside the window, with a template", func(t *testing.T) {
		t.Parallel()
		g := graphtest.New(t)
		g.SetNow(func() time.Time { return now })
		g.Wrote(ana, now.Add(-25*time.Hour))
		a := newAdapter(t, g, now, "reply_ready")
		id, err := a.Deliver(ctx, outbound(ana, 1, 2, now.Add(-25*time.Hour)))
		require.NoError(t, err)
		_, err = a.Deliver(ctx, outbound(ana, 2, 2, now.Add(-25*time.Hour)))
		require.True(t, permanent(err), "%v", err)
		require.Contains(t, err.Error(), "went with part 1")
		require.Equal(t, []graphtest.Sent{{ID: id, To: ana, Type: "template", Template: "reply_ready", Language: "es", At: now}}, g.Sent())
	})

	t.Run("outside the window, no template", func(t *testing.T) {
		t.Parallel()
		g := graphtest.New(t)
		_, err := newAdapter(t, g, now, "").Deliver(ctx, outbound(ana, 1, 1, now.Add(-24*time.Hour)))
		require.True(t, permanent(err), "%v", err)
		require.Contains(t, err.Error(), "outside the 24-hour window and no template configured")
		require.Empty(t, g.Sent())
		require.Zero(t, g.Calls(), "nothing is tried that cannot succeed")
	})

	t.Run("the platform says 131047", func(t *testing.T) {
		t.Parallel()
		g := graphtest.New(t) // the person never wrote, as far as it knows
		_, err := newAdapter(t, g, now, "").Deliver(ctx, outbound(ana, 1, 1, time.Time{}))
		require.True(t, permanent(err), "%v", err)
		require.Contains(t, err.Error(), "outside the 24-hour window and no template configured")
		require.Contains(t, err.Error(), "131047")
		id, err := newAdapter(t, g, now, "reply_ready").Deliver(ctx, outbound(ana, 1, 1, time.Time{}))
		require.NoError(t, err)
		require.Equal(t, "template", g.Sent()[0].Type)
		require.Equal(t, id, g.Sent()[0].ID)
	})

	t.Run("throttling backs off", func(t *testing.T) {
		t.Parallel()
		g := graphtest.New(t)
		g.Wrote(ana, time.Now())
		a := newAdapter(t, g, time.Now(), "")
		for _, c := range []struct {
			f       graphtest.Failure
			attempt int
			want    time.Duration
		}{{graphtest.PairRate, 1, 6 * time.Second}, {graphtest.Throughput, 3, 24 * time.Second}, {graphtest.AccountRate, 20, 5 * time.Minute}} {
			g.Fail(c.f)
			out := outbound(ana, 1, 1, time.Now())
			out.Attempt = c.attempt
			_, err := a.Deliver(ctx, out)
			d, ok := retryAfter(err)
			require.True(t, ok, "code %d: %v", c.f.Code, err)
			require.Equal(t, c.want, d)
		}
	})

	t.Run("transient and permanent errors", func(t *testing.T) {
		t.Parallel()
		g := graphtest.New(t)
		g.Wrote(ana, time.Now())
		a := newAdapter(t, g, time.Now(), "")
		g.Fail(graphtest.Unavailable)
		_, err := a.Deliver(ctx, outbound(ana, 1, 1, time.Now()))
		_, throttled := retryAfter(err)
		require.True(t, err != nil && !permanent(err) && !throttled, "5xx is transient: %v", err)

		g.Fail(graphtest.Failure{HTTPStatus: 400, Code: 131026, Type: "OAuthException", Message: "(#131026) Message undeliverable"})
		_, err = a.Deliver(ctx, outbound(ana, 1, 1, time.Now()))
		require.True(t, permanent(err), "%v", err)
		require.Contains(t, err.Error(), "Message undeliverable", "WhatsApp's message is recorded")

		_, err = a.Deliver(ctx, relay.Outbound{Part: 1, Parts: 1, Text: "x", Address: json.RawMessage(`{"wa_id":"abc"}`)})
		require.True(t, permanent(err), "%v", err)

		bad := newClient(g)
		bad.BaseURL = "http://127.0.0.1:1" // nothing listens there
		b, err := whatsapp.New(whatsapp.Options{Client: bad})
		require.NoError(t, err)
		_, err = b.Deliver(ctx, outbound(ana, 1, 1, time.Now()))
		require.True(t, err != nil && !permanent(err), "a refused connection is transient: %v", err)
		require.False(t, errors.Is(err, context.Canceled))
	})

	t.Run("typing", func(t *testing.T) {
		t.Parallel()
		g := graphtest.New(t)
		a := newAdapter(t, g, now, "")
		require.NoError(t, a.Typing(ctx, relay.Inbound{}))
		in := relay.Inbound{}
		in.PlatformID = "wamid.IN7"
		require.NoError(t, a.Typing(ctx, in))
		require.Equal(t, []string{"wamid.IN7"}, g.Typing())
		require.Equal(t, 20*time.Second, a.TypingEvery())
	})
}

func TestNoteText(t *testing.T) {
	t.Parallel()
	require.Contains(t, whatsapp.NoteText("en"), "text")
	require.Contains(t, whatsapp.NoteText("pt"), "texto")
	require.Equal(t, whatsapp.NoteText("es"), whatsapp.NoteText("fr"))
}
