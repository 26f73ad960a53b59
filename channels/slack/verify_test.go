package slack

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/channels/slack/slacktest"
)

const testSecret = "8f742231b10e8888abcd99yyyzzz85a5"

// signedRequest is body as Slack posts it at ts.
func signedRequest(body []byte, ts int64, secret string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, EventsPath, bytes.NewReader(body))
	r.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(ts, 10))
	r.Header.Set("X-Slack-Signature", slacktest.Sign(secret, ts, body))
	return r
}

func TestReadVerified(t *testing.T) {
	t.Parallel()
	body := slacktest.AppMention("Ev1", slacktest.Post{Channel: "C1", User: "U1", Text: "hola", TS: "1.1"})
	now := time.Now().Unix()

	got, err := readVerified(signedRequest(body, now, testSecret), testSecret, MaxBody)
	require.NoError(t, err)
	require.Equal(t, body, got)

	// Slack's own example (docs.slack.dev, verifying requests): the
	// signature of its sample body matches, only its timestamp is old.
	sample := []byte("token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c")
	require.Equal(t, "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503", slacktest.Sign(testSecret, 1531420618, sample))
	_, err = readVerified(signedRequest(sample, 1531420618, testSecret), testSecret, MaxBody)
	require.ErrorIs(t, err, errUnverified, "stale")

	refused := map[string]*http.Request{}
	refused["wrong secret"] = signedRequest(body, now, "another-secret")
	refused["stale"] = signedRequest(body, now-301, testSecret)
	refused["future"] = signedRequest(body, now+301, testSecret)
	r := signedRequest(body, now, testSecret)
	r.Header.Del("X-Slack-Signature")
	refused["unsigned"] = r
	r = signedRequest(body, now, testSecret)
	r.Header.Del("X-Slack-Request-Timestamp")
	refused["no timestamp"] = r
	changed := bytes.Replace(body, []byte("hola"), []byte("hola!"[:4]+"A"), 1)
	r = signedRequest(body, now, testSecret)
	r.Body = httptestBody(changed)
	refused["one byte changed"] = r
	r = signedRequest(body, now, testSecret)
	r.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(now-1, 10))
	refused["timestamp changed"] = r
	r = signedRequest(body, now, testSecret)
	r.Header.Set("X-Slack-Signature", strings.Replace(r.Header.Get("X-Slack-Signature"), "v0=", "v1=", 1))
	refused["other version"] = r
	r = signedRequest(body, now, testSecret)
	r.Header.Set("X-Slack-Signature", r.Header.Get("X-Slack-Signature")[:40])
	refused["short signature"] = r
	for name, r := range refused {
		_, err := readVerified(r, testSecret, MaxBody)
		require.ErrorIs(t, err, errUnverified, name)
	}

	big := bytes.Repeat([]byte("a"), 100)
	_, err = readVerified(signedRequest(big, now, testSecret), testSecret, 99)
	require.ErrorIs(t, err, errTooLarge)
}

func httptestBody(b []byte) *readCloser { return &readCloser{bytes.NewReader(b)} }

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

// BenchmarkVerifyParse is the adapter's own share of BenchmarkInbound:
// the signature checked and the event read, no store.
func BenchmarkVerifyParse(b *testing.B) {
	body := slacktest.AppMention("Ev1", slacktest.Post{Team: "T1", Channel: "C1", User: "U1",
		Text: "<@UBOT> ¿cuánto cuesta el curso de IA para marketing?", TS: "1800000000.000100"})
	now := time.Now().Unix()
	sig := slacktest.Sign(testSecret, now, body)
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, EventsPath, bytes.NewReader(body))
		r.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(now, 10))
		r.Header.Set("X-Slack-Signature", sig)
		got, err := readVerified(r, testSecret, MaxBody)
		if err != nil {
			b.Fatal(err)
		}
		if p, err := parseEvent(got, "UBOT"); err != nil || p.Message == nil {
			b.Fatal(err)
		}
	}
}
