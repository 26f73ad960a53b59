package slack

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/faroai/faro/channels/slack/slacktest"
)

// FuzzParseEvent: no body panics the parser, and what it accepts as a
// person's message has a channel, a ts, a sender who is not the bot and
// text without the bot's mention.
func FuzzParseEvent(f *testing.F) {
	post := slacktest.Post{Team: "T1", Channel: "C1", User: "U1", Text: "<@UBOT> ¿cuál es el MRR?", TS: "1800000000.000100"}
	f.Add(slacktest.AppMention("Ev1", post))
	f.Add(slacktest.DirectMessage("Ev2", slacktest.Post{Channel: "D1", User: "U1", Text: "hola &amp; <https://a.example|a>", TS: "1.2", ThreadTS: "1.1"}))
	f.Add(slacktest.URLVerification("challenge"))
	f.Add(slacktest.Callback("Ev3", "T1", map[string]any{"type": "message", "subtype": "message_changed", "channel_type": "im", "channel": "D1", "ts": "1.3"}))
	f.Add([]byte(`{"type":"event_callback","event_id":"E","event":{"type":"app_mention","user":"U1","text":"<@UBOT|x","ts":"1","channel":"C1","edited":null}}`))
	f.Add([]byte(`{"type":"app_rate_limited"}`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := parseEvent(body, "UBOT")
		if err != nil || p.Message == nil {
			return
		}
		m := p.Message
		if m.Channel == "" || m.TS == "" || m.User == "" || m.User == "UBOT" || m.EventID == "" {
			t.Fatalf("accepted %+v from %q", m, body)
		}
		if strings.TrimSpace(m.Text) == "" || strings.Contains(m.Text, "<@UBOT>") {
			t.Fatalf("text %q from %q", m.Text, body)
		}
		if utf8.ValidString(string(body)) && !utf8.ValidString(m.Text) {
			t.Fatalf("invalid UTF-8 text %q", m.Text)
		}
	})
}

// FuzzVerify: a request verifies only with the signature Slack's
// algorithm gives its exact body and timestamp, within five minutes.
func FuzzVerify(f *testing.F) {
	now := time.Now().Unix()
	body := slacktest.AppMention("Ev1", slacktest.Post{Channel: "C1", User: "U1", Text: "hola", TS: "1.1"})
	good := slacktest.Sign(testSecret, now, body)
	f.Add(body, strconv.FormatInt(now, 10), good)
	f.Add(body, strconv.FormatInt(now, 10), strings.ToUpper(good))
	f.Add(body, strconv.FormatInt(now, 10)+" ", good)
	f.Add(body, "0"+strconv.FormatInt(now, 10), good)
	f.Add(body, strconv.FormatInt(now-400, 10), slacktest.Sign(testSecret, now-400, body))
	f.Add([]byte{}, strconv.FormatInt(now, 10), "v0=")
	f.Add(body, "", "")
	f.Fuzz(func(t *testing.T, body []byte, ts, sig string) {
		r := httptest.NewRequest(http.MethodPost, EventsPath, bytes.NewReader(body))
		r.Header.Set("X-Slack-Request-Timestamp", ts)
		r.Header.Set("X-Slack-Signature", sig)
		got, err := readVerified(r, testSecret, MaxBody)
		if err != nil {
			return
		}
		if !bytes.Equal(got, body) {
			t.Fatalf("verified body differs")
		}
		// Accepted: the signature must be the HMAC of exactly what was
		// signed (hex in either case decodes to the same bytes), and the
		// timestamp recent.
		m := hmac.New(sha256.New, []byte(testSecret))
		fmt.Fprintf(m, "v0:%s:", r.Header.Get("X-Slack-Request-Timestamp"))
		m.Write(body)
		want := "v0=" + hex.EncodeToString(m.Sum(nil))
		if !strings.EqualFold(r.Header.Get("X-Slack-Signature"), want) {
			t.Fatalf("accepted signature %q for ts %q", sig, ts)
		}
		n, err := strconv.ParseInt(r.Header.Get("X-Slack-Request-Timestamp"), 10, 64)
		if err != nil || time.Since(time.Unix(n, 0)).Abs() > 5*time.Minute+time.Second {
			t.Fatalf("accepted timestamp %q", ts)
		}
	})
}

// FuzzParseInteraction: no body panics the interaction parser, and what
// it reads as a release names one conversation, a user and a channel.
func FuzzParseInteraction(f *testing.F) {
	payload := `{"type":"block_actions","user":{"id":"U1"},"channel":{"id":"C1"},"container":{"message_ts":"1.1","thread_ts":""},` +
		`"actions":[{"action_id":"faro_release","value":"conv-1","action_ts":"1.2"}]}`
	f.Add([]byte("payload=" + url.QueryEscape(payload)))
	f.Add([]byte("payload=" + url.QueryEscape(`{"type":"view_submission"}`)))
	f.Add([]byte("payload=%7B"))
	f.Add([]byte("%zz"))
	f.Fuzz(func(t *testing.T, body []byte) {
		in, ok, err := parseInteraction(body)
		if err != nil || !ok {
			return
		}
		id, found := strings.CutPrefix(in.Text, "release ")
		if !found || id == "" || strings.ContainsAny(id, " \t\r\n") || in.User == "" || in.Channel == "" || !in.Command {
			t.Fatalf("accepted %+v from %q", in, body)
		}
	})
}
