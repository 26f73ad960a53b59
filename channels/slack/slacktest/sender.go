package slacktest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Sign is Slack's v0 signature of body sent at timestamp ts:
// v0=hex(HMAC-SHA256(secret, "v0:"+ts+":"+body)).
func Sign(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "v0:%d:", ts)
	m.Write(body)
	return "v0=" + hex.EncodeToString(m.Sum(nil))
}

// Sender posts requests to an app the way Slack does: signed with the
// signing secret, and re-delivered when not acknowledged.
type Sender struct {
	// URL is the app's Events API request URL; CommandURL its slash
	// command's; InteractiveURL its Interactivity request URL.
	URL, CommandURL, InteractiveURL string
	Secret                          string
	Client                          *http.Client
	// Now is the clock of the X-Slack-Request-Timestamp; nil is time.Now.
	Now func() time.Time
	// RetryDelays are the waits before each re-delivery; Slack's are
	// about 0, 1 min and 5 min. nil is three immediate retries.
	RetryDelays []time.Duration
	// Timeout is how long Slack waits for the acknowledgement: 3 s.
	Timeout time.Duration
}

// Response is what the app answered to one request.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	// Elapsed is how long the answer took.
	Elapsed time.Duration
}

// Request is one signed request, ready to send, so a test can change it
// (a forged signature, a stale timestamp, a changed byte).
type Request struct {
	URL         string
	Body        []byte
	ContentType string
	Header      http.Header
}

// Signed returns body signed now for url, with contentType.
func (s *Sender) Signed(url string, body []byte, contentType string) *Request {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	ts := now().Unix()
	h := http.Header{}
	h.Set("Content-Type", contentType)
	h.Set("X-Slack-Request-Timestamp", strconv.FormatInt(ts, 10))
	h.Set("X-Slack-Signature", Sign(s.Secret, ts, body))
	h.Set("User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)")
	return &Request{URL: url, Body: body, ContentType: contentType, Header: h}
}

// Send posts req once.
func (s *Sender) Send(ctx context.Context, req *Request) (Response, error) {
	timeout := s.Timeout
	if timeout == 0 {
		timeout = 3 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, req.URL, bytes.NewReader(req.Body))
	if err != nil {
		return Response{}, err
	}
	r.Header = req.Header.Clone()
	client := s.Client
	if client == nil {
		client = http.DefaultClient
	}
	start := time.Now()
	resp, err := client.Do(r)
	if err != nil {
		return Response{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: body, Elapsed: time.Since(start)}, err
}

// Event posts an Events API payload once, signed now.
func (s *Sender) Event(ctx context.Context, payload []byte) (Response, error) {
	return s.Send(ctx, s.Signed(s.URL, payload, "application/json"))
}

// Redeliver posts payload as Slack's retry number n (1 to 3) for reason
// (http_timeout, http_error, …): signed anew, with X-Slack-Retry-Num and
// X-Slack-Retry-Reason.
func (s *Sender) Redeliver(ctx context.Context, payload []byte, n int, reason string) (Response, error) {
	req := s.Signed(s.URL, payload, "application/json")
	req.Header.Set("X-Slack-Retry-Num", strconv.Itoa(n))
	req.Header.Set("X-Slack-Retry-Reason", reason)
	return s.Send(ctx, req)
}

// Deliver posts payload the way Slack delivers an event: once, then, as
// long as the answer is not a 2xx within Timeout, up to three retries
// after RetryDelays. It returns every answer (a timed out attempt as
// status 0).
func (s *Sender) Deliver(ctx context.Context, payload []byte) ([]Response, error) {
	delays := s.RetryDelays
	if delays == nil {
		delays = []time.Duration{0, 0, 0}
	}
	var out []Response
	reason := ""
	for n := 0; n <= len(delays); n++ {
		if n > 0 {
			select {
			case <-time.After(delays[n-1]):
			case <-ctx.Done():
				return out, ctx.Err()
			}
		}
		var resp Response
		var err error
		if n == 0 {
			resp, err = s.Event(ctx, payload)
		} else {
			resp, err = s.Redeliver(ctx, payload, n, reason)
		}
		switch {
		case errors.Is(err, context.DeadlineExceeded) || (err != nil && strings.Contains(err.Error(), "deadline")):
			reason = "http_timeout"
		case err != nil:
			reason = "http_error"
		case resp.Status/100 == 2:
			return append(out, resp), nil
		default:
			reason = "http_error"
		}
		out = append(out, resp)
	}
	return out, nil
}

// Command posts a slash command the way Slack does: form-encoded and
// signed.
func (s *Sender) Command(ctx context.Context, c SlashCommand) (Response, error) {
	return s.Send(ctx, s.Signed(s.CommandURL, []byte(c.Form().Encode()), "application/x-www-form-urlencoded"))
}

// SlashCommand is a slash command invocation.
type SlashCommand struct {
	Command, Text, UserID, UserName, ChannelID, ChannelName, TeamID, TriggerID, ResponseURL string
}

// Form is the command as Slack posts it.
func (c SlashCommand) Form() url.Values {
	v := url.Values{}
	v.Set("token", "deprecated-verification-token")
	v.Set("team_id", c.TeamID)
	v.Set("team_domain", "faro-test")
	v.Set("channel_id", c.ChannelID)
	v.Set("channel_name", c.ChannelName)
	v.Set("user_id", c.UserID)
	v.Set("user_name", c.UserName)
	v.Set("command", c.Command)
	v.Set("text", c.Text)
	v.Set("api_app_id", "A0FARO")
	v.Set("is_enterprise_install", "false")
	v.Set("response_url", c.ResponseURL)
	v.Set("trigger_id", c.TriggerID)
	return v
}

// Post is a person's message: in a channel mentioning the bot
// (app_mention) or in the bot's direct messages (message.im).
type Post struct {
	Team, Channel, User, Text, TS, ThreadTS string
}

// AppMention is the Events API payload of p as an app_mention with
// eventID.
func AppMention(eventID string, p Post) []byte {
	ev := map[string]any{"type": "app_mention", "user": p.User, "text": p.Text, "ts": p.TS,
		"channel": p.Channel, "event_ts": p.TS, "client_msg_id": "c-" + p.TS}
	if p.ThreadTS != "" {
		ev["thread_ts"] = p.ThreadTS
	}
	return Callback(eventID, p.Team, ev)
}

// DirectMessage is the Events API payload of p as a message.im with
// eventID.
func DirectMessage(eventID string, p Post) []byte {
	ev := map[string]any{"type": "message", "channel_type": "im", "user": p.User, "text": p.Text,
		"ts": p.TS, "channel": p.Channel, "event_ts": p.TS, "client_msg_id": "c-" + p.TS}
	if p.ThreadTS != "" {
		ev["thread_ts"] = p.ThreadTS
	}
	return Callback(eventID, p.Team, ev)
}

// ChannelMessage is the Events API payload of p as a message in a public
// channel (message.channels), as a thread reply when p.ThreadTS is set.
func ChannelMessage(eventID string, p Post) []byte {
	ev := map[string]any{"type": "message", "channel_type": "channel", "user": p.User, "text": p.Text,
		"ts": p.TS, "channel": p.Channel, "event_ts": p.TS, "client_msg_id": "c-" + p.TS}
	if p.ThreadTS != "" {
		ev["thread_ts"] = p.ThreadTS
	}
	return Callback(eventID, p.Team, ev)
}

// Button is a click on a message's button: a block_actions interaction.
type Button struct {
	Team, Channel, User, MessageTS, ThreadTS, ActionID, Value string
}

// Interaction posts a button click to the Interactivity request URL the
// way Slack does: form-encoded, the JSON in the field payload, signed.
func (s *Sender) Interaction(ctx context.Context, b Button) (Response, error) {
	container := map[string]any{"type": "message", "message_ts": b.MessageTS, "channel_id": b.Channel, "is_ephemeral": false}
	if b.ThreadTS != "" {
		container["thread_ts"] = b.ThreadTS
	}
	payload, err := json.Marshal(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": b.User, "team_id": b.Team},
		"api_app_id": "A0FARO", "token": "deprecated-verification-token", "container": container,
		"trigger_id": "t-" + b.MessageTS, "team": map[string]any{"id": b.Team}, "channel": map[string]any{"id": b.Channel},
		"response_url": "https://hooks.slack.com/actions/T0/1/x",
		"actions": []map[string]any{{"type": "button", "action_id": b.ActionID, "block_id": "faro_actions", "value": b.Value,
			"action_ts": b.MessageTS + "1"}},
	})
	if err != nil {
		return Response{}, err
	}
	form := url.Values{"payload": {string(payload)}}
	return s.Send(ctx, s.Signed(s.InteractiveURL, []byte(form.Encode()), "application/x-www-form-urlencoded"))
}

// Callback wraps an inner event in Slack's event_callback envelope.
func Callback(eventID, team string, event map[string]any) []byte {
	ts, _ := strconv.ParseFloat(fmt.Sprint(event["event_ts"]), 64)
	b, err := json.Marshal(map[string]any{
		"token": "deprecated-verification-token", "team_id": team, "api_app_id": "A0FARO",
		"event": event, "type": "event_callback", "event_id": eventID, "event_time": int64(ts),
		"authorizations":        []map[string]any{{"team_id": team, "user_id": "UFAROBOT", "is_bot": true}},
		"is_ext_shared_channel": false, "event_context": "4-" + eventID,
	})
	if err != nil {
		panic(err) // maps of strings always marshal
	}
	return b
}

// URLVerification is the challenge Slack sends when the request URL is
// set.
func URLVerification(challenge string) []byte {
	b, _ := json.Marshal(map[string]string{"token": "deprecated-verification-token", "challenge": challenge, "type": "url_verification"})
	return b
}
