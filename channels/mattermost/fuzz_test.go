package mattermost

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParsePosted: no event data panics the parser, and what it takes as
// a person's post has an id, a channel, an author who is not the bot and
// text without the bot's mention.
func FuzzParsePosted(f *testing.F) {
	f.Add(posted(f, map[string]any{"id": "p1", "channel_id": "c1", "user_id": "u1", "message": "@faro hola", "create_at": 1}, "O", []string{botID}))
	f.Add(posted(f, map[string]any{"id": "p1", "channel_id": "c1", "user_id": "u1", "message": "hola @faro.", "root_id": "p0"}, "D", nil))
	f.Add(posted(f, map[string]any{"id": "p1", "channel_id": "c1", "user_id": botID, "message": "x"}, "D", nil))
	f.Add(posted(f, map[string]any{"id": "p1", "channel_id": "c1", "user_id": "u1", "message": "x", "type": "system_join_channel"}, "O", nil))
	f.Add([]byte(`{"post":"{\"id\":\"p\",\"channel_id\":\"c\",\"user_id\":\"u\",\"message\":\"@FARO@faro\"}","mentions":"[1]"}`))
	f.Add([]byte(`{"post":7}`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, _, err := parsePosted(data, botID, "faro")
		if err != nil || p == nil {
			return
		}
		if p.ID == "" || p.ChannelID == "" || p.UserID == "" || p.UserID == botID {
			t.Fatalf("accepted %+v from %q", p, data)
		}
		if strings.TrimSpace(p.Text) == "" || p.At.IsZero() {
			t.Fatalf("post %+v from %q", p, data)
		}
		if again, named := plainText(p.Text, "faro"); named || again != p.Text {
			t.Fatalf("text %q still mentions the bot", p.Text)
		}
		if utf8.Valid(data) && !utf8.ValidString(p.Text) {
			t.Fatalf("invalid UTF-8 text %q", p.Text)
		}
	})
}

// FuzzWebhook: no request panics the parser, and one verifies only when
// its token (the body's, and the header's when given) is exactly one of
// the configured ones.
func FuzzWebhook(f *testing.F) {
	tokens := []string{"tok-a-0123456789abcdefghij", "tok-b-0123456789abcdefghij"}
	a, err := New(Options{Client: mustClient(f), Runtime: nopAcceptor{}, WebhookTokens: tokens})
	if err != nil {
		f.Fatal(err)
	}
	form := url.Values{"token": {tokens[0]}, "channel_id": {"c1"}, "user_id": {"u1"}, "post_id": {"p1"}, "text": {"faro hola"}}
	f.Add("application/x-www-form-urlencoded", "", []byte(form.Encode()))
	f.Add("application/x-www-form-urlencoded", "Token "+tokens[1], []byte("channel_id=c1&user_id=u1&command=%2Ffaro&text=hola"))
	f.Add("application/json", "", []byte(`{"token":"`+tokens[1]+`","channel_id":"c","user_id":"u","post_id":"p","text":"x","timestamp":"12"}`))
	f.Add("application/json", "Token x", []byte(`{"token":"`+tokens[0]+`"}`))
	f.Add("text/plain", "", []byte("token="+tokens[0][:5]))
	f.Fuzz(func(t *testing.T, contentType, auth string, body []byte) {
		r, perr := parseRequest(contentType, auth, body)
		if a.verify(r, auth) != nil {
			return
		}
		if !slices.Contains(tokens, r.Token) {
			t.Fatalf("verified token %q", r.Token)
		}
		if h, ok := strings.CutPrefix(auth, "Token "); ok && !slices.Contains(tokens, strings.TrimSpace(h)) {
			t.Fatalf("verified with header %q", auth)
		}
		if perr == nil && (r.UserID == "" || r.ChannelID == "" || (!r.IsCommand() && r.PostID == "")) {
			t.Fatalf("accepted %+v", r)
		}
	})
}
