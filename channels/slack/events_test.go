package slack

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/channels/slack/slacktest"
)

func TestParseEvent(t *testing.T) {
	t.Parallel()
	post := slacktest.Post{Team: "T1", Channel: "C1", User: "U1", Text: "<@UBOT> hola &lt;b&gt;", TS: "1800000000.000100"}

	p, err := parseEvent(slacktest.URLVerification("abc123"), "UBOT")
	require.NoError(t, err)
	require.Equal(t, "abc123", p.Challenge)

	p, err = parseEvent(slacktest.AppMention("Ev1", post), "UBOT")
	require.NoError(t, err)
	require.NotNil(t, p.Message)
	require.Equal(t, incoming{EventID: "Ev1", Kind: "app_mention", Team: "T1", Channel: "C1", User: "U1",
		Text: "hola <b>", TS: "1800000000.000100", At: tsTime("1800000000.000100")}, *p.Message)
	require.Equal(t, int64(1_800_000_000), p.Message.At.Unix())
	require.Equal(t, 100_000, p.Message.At.Nanosecond())

	dm := post
	dm.Channel, dm.ThreadTS = "D1", "1799999999.000001"
	p, err = parseEvent(slacktest.DirectMessage("Ev2", dm), "UBOT")
	require.NoError(t, err)
	require.True(t, p.Message.IM)
	require.Equal(t, "1799999999.000001", p.Message.ThreadTS)

	// A file with a comment is the comment.
	p, err = parseEvent(slacktest.Callback("Ev11", "T1", map[string]any{"type": "message", "subtype": "file_share", "channel_type": "im",
		"user": "U1", "channel": "D1", "ts": "1.9", "text": "¿qué dice este PDF?", "files": []any{map[string]any{"id": "F1"}}}), "UBOT")
	require.NoError(t, err)
	require.Equal(t, "¿qué dice este PDF?", p.Message.Text)

	ignored := map[string][]byte{
		"channel message":  slacktest.Callback("Ev3", "T1", map[string]any{"type": "message", "channel_type": "channel", "user": "U1", "text": "hola", "ts": "1.1", "channel": "C1"}),
		"edit":             slacktest.Callback("Ev4", "T1", map[string]any{"type": "message", "subtype": "message_changed", "channel_type": "im", "channel": "D1", "ts": "1.2", "message": map[string]any{"text": "x"}}),
		"join":             slacktest.Callback("Ev5", "T1", map[string]any{"type": "message", "subtype": "channel_join", "channel_type": "im", "user": "U1", "channel": "D1", "ts": "1.3", "text": "<@U1> has joined"}),
		"bot":              slacktest.Callback("Ev6", "T1", map[string]any{"type": "message", "channel_type": "im", "bot_id": "B2", "user": "U2", "channel": "D1", "ts": "1.4", "text": "hola"}),
		"own":              slacktest.Callback("Ev7", "T1", map[string]any{"type": "message", "channel_type": "im", "user": "UBOT", "channel": "D1", "ts": "1.5", "text": "hola"}),
		"edited mention":   slacktest.Callback("Ev8", "T1", map[string]any{"type": "app_mention", "user": "U1", "channel": "C1", "ts": "1.6", "text": "<@UBOT> hola", "edited": map[string]any{"user": "U1", "ts": "1.7"}}),
		"mention only":     slacktest.Callback("Ev9", "T1", map[string]any{"type": "app_mention", "user": "U1", "channel": "C1", "ts": "1.8", "text": "<@UBOT>"}),
		"reaction":         slacktest.Callback("Ev10", "T1", map[string]any{"type": "reaction_added", "user": "U1"}),
		"app rate limited": []byte(`{"token":"x","type":"app_rate_limited","team_id":"T1","minute_rate_limited":1518467820,"api_app_id":"A1"}`),
	}
	for name, body := range ignored {
		p, err := parseEvent(body, "UBOT")
		require.NoError(t, err, name)
		require.Nil(t, p.Message, name)
		require.NotEmpty(t, p.Ignored, name)
	}
	for _, bad := range []string{``, `{}`, `[]`, `{"type":"url_verification"}`, `{"type":"event_callback","event_id":"E"}`,
		`{"type":"event_callback","event":{"type":"app_mention","user":"U1","text":"hi"}}`,
		`{"type":"event_callback","event_id":"E","event":{"type":"app_mention","user":"U1","text":"hi"}}`} {
		_, err := parseEvent([]byte(bad), "UBOT")
		require.ErrorIs(t, err, errBadEvent, bad)
	}
}
