// Package slacktest stands in for Slack in tests: a Web API server on
// 127.0.0.1 answering auth.test, chat.postMessage, chat.postEphemeral and
// chat.update with
// Slack's response shapes and errors (ok:false with an error code, 429 with
// Retry-After, 5xx), reached through slack-go's own OptionAPIURL; and a
// sender that posts Events API requests and slash commands signed with the
// v0 signing secret, re-delivering them the way Slack does.
package slacktest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Call is one request the server received.
type Call struct {
	Method string // auth.test, chat.postMessage, chat.update
	Form   url.Values
	// Bearer tells that the token came as an Authorization header, not as
	// the token form field.
	Bearer bool
	// Status is the HTTP status answered and Error the error code of an
	// ok:false answer.
	Status int
	Error  string
	At     time.Time
}

// Message is a message the bot posted, as it stands after its updates.
type Message struct {
	Channel, TS, ThreadTS, Text string
	// Mrkdwn is false when it was sent with mrkdwn=false.
	Mrkdwn bool
	// Updates counts the chat.update calls that changed it.
	Updates int
	// Versions are its texts, the first posted and each update.
	Versions []string
	// Blocks is the blocks JSON it was posted with, if any.
	Blocks string
	// User is who alone sees it: a chat.postEphemeral's user.
	User string
}

// Server is a Slack Web API on 127.0.0.1.
type Server struct {
	// URL is the API base to give slack.OptionAPIURL, with its trailing
	// slash: http://127.0.0.1:port/api/.
	URL string
	// Token is the bot token it accepts; BotUserID, BotID and TeamID are
	// what auth.test answers.
	Token, BotUserID, BotID, TeamID string

	srv *httptest.Server

	mu       sync.Mutex
	calls    []Call
	messages []*Message
	byTS     map[string]*Message
	clock    int64
	// rateLimited is how many chat.* calls still get 429, retryAfter
	// its header (seconds).
	rateLimited, retryAfter int
	// downStatus, when not 0, is the status every chat.* call gets.
	downStatus int
	// failNext are error codes the next chat.* calls answer, in order.
	failNext []string
	// notIn are the channels the bot is not a member of.
	notIn map[string]bool
	// responses are what each response_url received.
	responses map[string][]string
	// ephemeral are the chat.postEphemeral messages, in order.
	ephemeral []*Message
}

// Ephemeral returns the messages posted for user alone, in order.
func (s *Server) Ephemeral(user string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.ephemeral {
		if m.User == user {
			out = append(out, *m)
		}
	}
	return out
}

// NewServer starts a server that accepts token; Close stops it.
func NewServer(token string) *Server {
	s := &Server{Token: token, BotUserID: "UFAROBOT", BotID: "BFARO", TeamID: "T0FARO",
		byTS: map[string]*Message{}, clock: 1_800_000_000_000_000,
		notIn: map[string]bool{}, responses: map[string][]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/{method}", s.serve)
	mux.HandleFunc("POST /commands/{id}", s.serveResponseURL)
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL + "/api/"
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// RateLimit makes the next n chat.* calls answer 429 with Retry-After:
// retryAfter (seconds), as Slack's rate limiter does.
func (s *Server) RateLimit(n, retryAfter int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateLimited, s.retryAfter = n, retryAfter
}

// Down makes every chat.* call answer status (a 5xx) until Up.
func (s *Server) Down(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.downStatus = status
}

// Up ends Down.
func (s *Server) Up() { s.Down(0) }

// FailNext makes the next chat.* calls answer ok:false with these error
// codes, one each (channel_not_found, invalid_auth, msg_too_long…).
func (s *Server) FailNext(codes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = append(s.failNext, codes...)
}

// NotIn makes the bot a non-member of channels: chat.postMessage there
// answers not_in_channel, as Slack does for a public channel the bot
// was not invited to.
func (s *Server) NotIn(channels ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range channels {
		s.notIn[c] = true
	}
}

// ResponseURL is a slash command's response_url on this server.
func (s *Server) ResponseURL(id string) string { return s.srv.URL + "/commands/" + id }

// Responses are the texts posted to the response_url of id, in order.
func (s *Server) Responses(id string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.responses[id]...)
}

// MaxResponses is how many times Slack honours a response_url.
const MaxResponses = 5

// serveResponseURL is a response_url: JSON in, "ok" out; used_url after
// MaxResponses uses (Slack answers 404 then).
func (s *Server) serveResponseURL(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var msg struct {
		Text         string `json:"text"`
		ResponseType string `json:"response_type"`
	}
	if err := json.NewDecoder(r.Body).Decode(&msg); err != nil || msg.Text == "" {
		http.Error(w, "no_text", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.responses[id]) >= MaxResponses {
		http.Error(w, "used_url", http.StatusNotFound)
		return
	}
	s.responses[id] = append(s.responses[id], msg.Text)
	_, _ = fmt.Fprint(w, "ok")
}

// Calls returns every request received, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Messages returns the messages the bot posted, in the order posted, as
// they stand now.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.messages))
	for i, m := range s.messages {
		out[i] = *m
		out[i].Versions = append([]string(nil), m.Versions...)
	}
	return out
}

// Thread returns the bot's messages in channel's thread (or at its top
// level when threadTS is ""), in order.
func (s *Server) Thread(channel, threadTS string) []Message {
	var out []Message
	for _, m := range s.Messages() {
		if m.Channel == channel && m.ThreadTS == threadTS {
			out = append(out, m)
		}
	}
	return out
}

// MaxText is the longest text chat.postMessage takes: longer is
// msg_too_long (Slack truncates at 40,000 characters; the API refuses
// above it).
const MaxText = 40000

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	method := r.PathValue("method")
	_ = r.ParseForm()
	call := Call{Method: method, Form: r.PostForm, At: time.Now()}
	tok := r.PostForm.Get("token")
	if h, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		tok, call.Bearer = h, true
	}
	answer := func(status int, body map[string]any) {
		call.Status = status
		if e, ok := body["error"].(string); ok {
			call.Error = e
		}
		s.calls = append(s.calls, call)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(body)
	}
	fail := func(code string) { answer(http.StatusOK, map[string]any{"ok": false, "error": code}) }

	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case tok == "":
		fail("not_authed")
		return
	case tok != s.Token:
		fail("invalid_auth")
		return
	}
	if method == "auth.test" {
		answer(http.StatusOK, map[string]any{"ok": true, "url": "https://faro-test.slack.com/", "team": "Faro test",
			"user": "faro", "team_id": s.TeamID, "user_id": s.BotUserID, "bot_id": s.BotID, "is_enterprise_install": false})
		return
	}
	if method != "chat.postMessage" && method != "chat.update" && method != "chat.postEphemeral" {
		fail("unknown_method")
		return
	}
	switch {
	case s.rateLimited > 0:
		s.rateLimited--
		w.Header().Set("Retry-After", strconv.Itoa(s.retryAfter))
		answer(http.StatusTooManyRequests, map[string]any{"ok": false, "error": "ratelimited"})
		return
	case s.downStatus != 0:
		call.Status = s.downStatus
		s.calls = append(s.calls, call)
		// Slack's 5xx pages are HTML.
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(s.downStatus)
		_, _ = fmt.Fprint(w, "<html><body>Slack is having trouble</body></html>")
		return
	case len(s.failNext) > 0:
		code := s.failNext[0]
		s.failNext = s.failNext[1:]
		fail(code)
		return
	}
	f := r.PostForm
	channel, text := f.Get("channel"), f.Get("text")
	switch {
	case channel == "":
		fail("channel_not_found")
		return
	case !strings.ContainsAny(channel[:1], "CDG"):
		fail("channel_not_found")
		return
	case s.notIn[channel]:
		fail("not_in_channel")
		return
	case text == "" && f.Get("blocks") == "" && f.Get("attachments") == "":
		fail("no_text")
		return
	case len([]rune(text)) > MaxText:
		fail("msg_too_long")
		return
	}
	if method == "chat.update" {
		m := s.byTS[channel+"/"+f.Get("ts")]
		if m == nil {
			fail("message_not_found")
			return
		}
		m.Text = text
		m.Updates++
		m.Versions = append(m.Versions, text)
		answer(http.StatusOK, map[string]any{"ok": true, "channel": channel, "ts": m.TS, "text": text,
			"message": s.shape(m)})
		return
	}
	s.clock += 100
	ts := fmt.Sprintf("%d.%06d", s.clock/1_000_000, s.clock%1_000_000)
	m := &Message{Channel: channel, TS: ts, ThreadTS: f.Get("thread_ts"), Text: text,
		Mrkdwn: f.Get("mrkdwn") != "false", Versions: []string{text}, Blocks: f.Get("blocks")}
	if method == "chat.postEphemeral" {
		if f.Get("user") == "" {
			fail("user_not_found")
			return
		}
		m.User = f.Get("user")
		s.ephemeral = append(s.ephemeral, m)
		answer(http.StatusOK, map[string]any{"ok": true, "message_ts": ts})
		return
	}
	s.messages = append(s.messages, m)
	s.byTS[channel+"/"+ts] = m
	answer(http.StatusOK, map[string]any{"ok": true, "channel": channel, "ts": ts, "message": s.shape(m)})
}

// shape is a posted message as Slack's responses show it.
func (s *Server) shape(m *Message) map[string]any {
	msg := map[string]any{"type": "message", "text": m.Text, "user": s.BotUserID, "bot_id": s.BotID, "ts": m.TS, "team": s.TeamID}
	if m.ThreadTS != "" {
		msg["thread_ts"] = m.ThreadTS
	}
	return msg
}
