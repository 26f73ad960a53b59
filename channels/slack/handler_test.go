package slack

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/channels/slack/slacktest"
	"github.com/faroai/faro/store"
)

// recorder is an acceptor that keeps what it is given, once per
// (Channel, PlatformID) as relay.Runtime does; fail makes it fail.
type recorder struct {
	mu   sync.Mutex
	ins  []relay.Inbound
	seen map[string]bool
	fail error
	// failTimes fails that many calls first, as a database that is
	// briefly unavailable.
	failTimes int
}

func (r *recorder) Accept(_ context.Context, in relay.Inbound) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return false, r.fail
	}
	if r.failTimes > 0 {
		r.failTimes--
		return false, errors.New("database is locked")
	}
	if r.seen == nil {
		r.seen = map[string]bool{}
	}
	k := in.Channel + "\x00" + in.PlatformID
	if r.seen[k] {
		return false, nil
	}
	r.seen[k] = true
	r.ins = append(r.ins, in)
	return true, nil
}

func (r *recorder) accepted() []relay.Inbound {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]relay.Inbound(nil), r.ins...)
}

type handlerBundle struct {
	rec    *recorder
	fake   *slacktest.Server
	sender *slacktest.Sender
}

func setupHandler(t *testing.T) *handlerBundle {
	t.Helper()
	fake := slacktest.NewServer("xoxb-test")
	t.Cleanup(fake.Close)
	rec := &recorder{}
	a, err := New(Options{BotToken: "xoxb-test", SigningSecret: testSecret, APIURL: fake.URL, Runtime: rec})
	require.NoError(t, err)
	require.NoError(t, a.Start(t.Context()))
	mux := http.NewServeMux()
	a.Mount(mux.Handle)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &handlerBundle{rec: rec, fake: fake,
		sender: &slacktest.Sender{URL: srv.URL + EventsPath, CommandURL: srv.URL + CommandPath, Secret: testSecret}}
}

func addressOf(t *testing.T, in relay.Inbound) address {
	t.Helper()
	var a address
	require.NoError(t, json.Unmarshal(in.Address, &a))
	return a
}

func TestEventsAccepted(t *testing.T) {
	t.Parallel()
	b := setupHandler(t)
	ctx := t.Context()

	resp, err := b.sender.Event(ctx, slacktest.URLVerification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.Status)
	require.JSONEq(t, `{"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}`, string(resp.Body))

	mention := slacktest.Post{Team: "T1", Channel: "C1", User: "U1", Text: "<@UFAROBOT> ¿cuál es el MRR de este mes?", TS: "1800000000.000100"}
	resp, err = b.sender.Event(ctx, slacktest.AppMention("Ev1", mention))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.Status)
	require.Less(t, resp.Elapsed, time.Second, "acknowledged at once")

	inThread := mention
	inThread.TS, inThread.ThreadTS = "1800000000.000200", "1799999999.000001"
	_, err = b.sender.Event(ctx, slacktest.AppMention("Ev2", inThread))
	require.NoError(t, err)
	dm := slacktest.Post{Team: "T1", Channel: "D1", User: "U2", Text: "hola", TS: "1800000000.000300"}
	_, err = b.sender.Event(ctx, slacktest.DirectMessage("Ev3", dm))
	require.NoError(t, err)

	got := b.rec.accepted()
	require.Len(t, got, 3)
	require.Equal(t, Channel, got[0].Channel)
	require.Equal(t, "C1/1800000000.000100", got[0].PlatformID)
	require.Equal(t, "C1/1800000000.000100", got[0].ChatID, "a new thread on the message")
	require.Equal(t, store.Identity{Channel: "slack", ExternalID: "U1"}, got[0].Sender)
	require.Equal(t, "¿cuál es el MRR de este mes?", got[0].Text, "the bot's mention removed")
	require.Equal(t, int64(1_800_000_000), got[0].ReceivedAt.Unix())
	require.Equal(t, address{Channel: "C1", ThreadTS: "1800000000.000100", User: "U1", EventID: "Ev1"}, addressOf(t, got[0]))

	require.Equal(t, "C1/1799999999.000001", got[1].ChatID, "the thread it came from")
	require.Equal(t, "1799999999.000001", addressOf(t, got[1]).ThreadTS)

	require.Equal(t, "D1", got[2].ChatID, "the DM is one conversation")
	require.Equal(t, "", addressOf(t, got[2]).ThreadTS, "answered in the DM, not in a thread")

	// Ignored events are acknowledged and accept nothing.
	resp, err = b.sender.Event(ctx, slacktest.Callback("Ev4", "T1", map[string]any{"type": "message", "channel_type": "im", "user": "UFAROBOT", "channel": "D1", "ts": "1.5", "text": "own"}))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.Status)
	require.Len(t, b.rec.accepted(), 3)

	// Signed but not an event: 400, and Slack told not to retry.
	resp, err = b.sender.Event(ctx, []byte(`{"type":"event_callback"}`))
	require.NoError(t, err)
	require.Equal(t, http.StatusBadRequest, resp.Status)
	require.Equal(t, "1", resp.Header.Get("X-Slack-No-Retry"))
}

// TestEventsRefused: forged, unsigned, stale, changed and oversized
// requests get 401 (413) and reach nothing; a replay is recognised.
func TestEventsRefused(t *testing.T) {
	t.Parallel()
	b := setupHandler(t)
	ctx := t.Context()
	payload := slacktest.AppMention("Ev1", slacktest.Post{Channel: "C1", User: "U1", Text: "<@UFAROBOT> hola", TS: "1800000000.000100"})

	forged := &slacktest.Sender{URL: b.sender.URL, Secret: "not-the-secret"}
	stale := &slacktest.Sender{URL: b.sender.URL, Secret: testSecret, Now: func() time.Time { return time.Now().Add(-6 * time.Minute) }}
	future := &slacktest.Sender{URL: b.sender.URL, Secret: testSecret, Now: func() time.Time { return time.Now().Add(6 * time.Minute) }}
	var reqs []*slacktest.Request
	reqs = append(reqs, forged.Signed(forged.URL, payload, "application/json"))
	reqs = append(reqs, stale.Signed(stale.URL, payload, "application/json"))
	reqs = append(reqs, future.Signed(future.URL, payload, "application/json"))
	unsigned := b.sender.Signed(b.sender.URL, payload, "application/json")
	unsigned.Header.Del("X-Slack-Signature")
	reqs = append(reqs, unsigned)
	noTS := b.sender.Signed(b.sender.URL, payload, "application/json")
	noTS.Header.Del("X-Slack-Request-Timestamp")
	reqs = append(reqs, noTS)
	for i := range payload {
		// Every one-byte change of a correctly signed body (the first
		// 64 positions, to keep it quick).
		if i >= 64 {
			break
		}
		r := b.sender.Signed(b.sender.URL, payload, "application/json")
		body := append([]byte(nil), payload...)
		body[i] ^= 0x01
		r.Body = body
		reqs = append(reqs, r)
	}
	for _, r := range reqs {
		resp, err := b.sender.Send(ctx, r)
		require.NoError(t, err)
		require.Equal(t, http.StatusUnauthorized, resp.Status)
		require.Equal(t, "1", resp.Header.Get("X-Slack-No-Retry"))
	}
	big := b.sender.Signed(b.sender.URL, []byte(`{"type":"event_callback","x":"`+strings.Repeat("a", MaxBody)+`"}`), "application/json")
	resp, err := b.sender.Send(ctx, big)
	require.NoError(t, err)
	require.Equal(t, http.StatusRequestEntityTooLarge, resp.Status)
	require.Empty(t, b.rec.accepted(), "nothing reached the runtime")

	// The same signed request sent again within the window: accepted
	// once.
	r := b.sender.Signed(b.sender.URL, payload, "application/json")
	for range 3 {
		resp, err := b.sender.Send(ctx, r)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.Status)
	}
	require.Len(t, b.rec.accepted(), 1)
}

func TestEventsRuntimeDown(t *testing.T) {
	t.Parallel()
	b := setupHandler(t)
	b.rec.fail = errors.New("database is locked")
	resp, err := b.sender.Event(t.Context(), slacktest.AppMention("Ev1", slacktest.Post{Channel: "C1", User: "U1", Text: "hola", TS: "1.1"}))
	require.NoError(t, err)
	require.Equal(t, http.StatusServiceUnavailable, resp.Status, "not stored: Slack sends it again")
	require.Empty(t, resp.Header.Get("X-Slack-No-Retry"))
}

// TestEventsRedelivered: an event the app could not store is sent again
// by Slack (X-Slack-Retry-Num 1, 2…) until it is, and then accepted once.
func TestEventsRedelivered(t *testing.T) {
	t.Parallel()
	b := setupHandler(t)
	b.rec.failTimes = 2
	resps, err := b.sender.Deliver(t.Context(), slacktest.AppMention("Ev1", slacktest.Post{Channel: "C1", User: "U1", Text: "hola", TS: "1.1"}))
	require.NoError(t, err)
	require.Len(t, resps, 3, "the first delivery and two retries")
	require.Equal(t, []int{503, 503, 200}, []int{resps[0].Status, resps[1].Status, resps[2].Status})
	require.Len(t, b.rec.accepted(), 1)
}

func TestSlashCommand(t *testing.T) {
	t.Parallel()
	b := setupHandler(t)
	ctx := t.Context()
	cmd := slacktest.SlashCommand{Command: "/faro", Text: "¿cuál es el MRR de este mes?", UserID: "U1", UserName: "ana",
		ChannelID: "C1", ChannelName: "general", TeamID: "T1", TriggerID: "13345224609.738474920.8088930838d88f008e0",
		ResponseURL: "https://hooks.slack.com/commands/T1/1/x"}
	resp, err := b.sender.Command(ctx, cmd)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.Status)
	var ack map[string]string
	require.NoError(t, json.Unmarshal(resp.Body, &ack))
	require.Equal(t, "ephemeral", ack["response_type"])
	require.Contains(t, ack["text"], "/faro ¿cuál es el MRR de este mes?")

	got := b.rec.accepted()
	require.Len(t, got, 1)
	require.Equal(t, "cmd/13345224609.738474920.8088930838d88f008e0", got[0].PlatformID)
	require.Equal(t, "C1/U1", got[0].ChatID)
	require.Equal(t, "¿cuál es el MRR de este mes?", got[0].Text)
	require.Equal(t, address{Channel: "C1", User: "U1", EventID: cmd.TriggerID, Command: "/faro ¿cuál es el MRR de este mes?",
		ResponseURL: "https://hooks.slack.com/commands/T1/1/x"}, addressOf(t, got[0]))

	// A response_url that is not Slack's is not kept.
	elsewhere := cmd
	elsewhere.TriggerID, elsewhere.ResponseURL = "t4", "http://169.254.169.254/latest"
	_, err = b.sender.Command(ctx, elsewhere)
	require.NoError(t, err)
	got = b.rec.accepted()
	require.Len(t, got, 2)
	require.Empty(t, addressOf(t, got[1]).ResponseURL)

	// Another command, or none: told so, nothing accepted.
	other := cmd
	other.Command, other.TriggerID = "/other", "t2"
	resp, err = b.sender.Command(ctx, other)
	require.NoError(t, err)
	require.Contains(t, string(resp.Body), "This app answers /faro")
	empty := cmd
	empty.Text, empty.TriggerID = "  ", "t3"
	resp, err = b.sender.Command(ctx, empty)
	require.NoError(t, err)
	require.Contains(t, string(resp.Body), "/faro \\u003cpregunta | question\\u003e")
	require.Len(t, b.rec.accepted(), 2)

	// Unsigned: 401.
	req := b.sender.Signed(b.sender.CommandURL, []byte(cmd.Form().Encode()), "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Signature", "v0="+strings.Repeat("0", 64))
	resp, err = b.sender.Send(ctx, req)
	require.NoError(t, err)
	require.Equal(t, http.StatusUnauthorized, resp.Status)
	require.Len(t, b.rec.accepted(), 2)
}
