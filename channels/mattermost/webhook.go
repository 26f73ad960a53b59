package mattermost

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// request is an outgoing webhook's or a slash command's fields, from a
// form or a JSON body.
type request struct {
	Token       string
	TeamID      string
	ChannelID   string
	ChannelName string
	UserID      string
	UserName    string
	// PostID, TriggerWord and Timestamp are an outgoing webhook's.
	PostID      string
	TriggerWord string
	Timestamp   int64
	// Command, TriggerID and ResponseURL are a slash command's.
	Command   string
	TriggerID string
	Text      string
}

// IsCommand tells a slash command from an outgoing webhook.
func (r request) IsCommand() bool { return r.Command != "" }

var (
	// errUnverified is a request whose token is not one configured.
	errUnverified = errors.New("mattermost: the request's token is not a configured webhook or command token")
	errTooLarge   = errors.New("mattermost: request body too large")
	errBadRequest = errors.New("mattermost: not an outgoing webhook or slash command")
)

// parseRequest reads an outgoing webhook or a slash command: a form
// (Mattermost's default) or JSON (an outgoing webhook set to
// application/json), with the token in the body or in Authorization:
// Token. It reads nothing but the fields; checking the token is the
// caller's.
func parseRequest(contentType, authorization string, body []byte) (request, error) {
	var r request
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt == "application/json" {
		var j struct {
			Token       string          `json:"token"`
			TeamID      string          `json:"team_id"`
			ChannelID   string          `json:"channel_id"`
			ChannelName string          `json:"channel_name"`
			UserID      string          `json:"user_id"`
			UserName    string          `json:"user_name"`
			PostID      string          `json:"post_id"`
			Text        string          `json:"text"`
			TriggerWord string          `json:"trigger_word"`
			Timestamp   json.RawMessage `json:"timestamp"`
			Command     string          `json:"command"`
			TriggerID   string          `json:"trigger_id"`
		}
		if err := json.Unmarshal(body, &j); err != nil {
			return r, fmt.Errorf("%w: %w", errBadRequest, err)
		}
		r = request{Token: j.Token, TeamID: j.TeamID, ChannelID: j.ChannelID, ChannelName: j.ChannelName,
			UserID: j.UserID, UserName: j.UserName, PostID: j.PostID, Text: j.Text, TriggerWord: j.TriggerWord,
			Command: j.Command, TriggerID: j.TriggerID}
		// JSON carries milliseconds.
		if ms, err := strconv.ParseInt(strings.Trim(string(j.Timestamp), `"`), 10, 64); err == nil && ms > 0 {
			r.Timestamp = ms
		}
	} else {
		f, err := url.ParseQuery(string(body))
		if err != nil {
			return r, fmt.Errorf("%w: %w", errBadRequest, err)
		}
		r = request{Token: f.Get("token"), TeamID: f.Get("team_id"), ChannelID: f.Get("channel_id"),
			ChannelName: f.Get("channel_name"), UserID: f.Get("user_id"), UserName: f.Get("user_name"),
			PostID: f.Get("post_id"), Text: f.Get("text"), TriggerWord: f.Get("trigger_word"),
			Command: f.Get("command"), TriggerID: f.Get("trigger_id")}
		// The form carries seconds.
		if s, err := strconv.ParseInt(f.Get("timestamp"), 10, 64); err == nil && s > 0 {
			r.Timestamp = s * 1000
		}
	}
	if t, ok := strings.CutPrefix(authorization, "Token "); ok && r.Token == "" {
		r.Token = strings.TrimSpace(t)
	}
	switch {
	case !utf8.ValidString(r.Text):
		return r, fmt.Errorf("%w: text is not UTF-8", errBadRequest)
	case r.UserID == "" || r.ChannelID == "":
		return r, fmt.Errorf("%w: no user_id or channel_id", errBadRequest)
	case !r.IsCommand() && r.PostID == "":
		return r, fmt.Errorf("%w: no post_id and no command", errBadRequest)
	}
	return r, nil
}

// verify checks a parsed request's token against the configured ones: the
// body's token, and the Authorization header's when both are given (a
// slash command sends both; they must agree).
func (a *Adapter) verify(r request, authorization string) error {
	if !a.tokenOK(r.Token) {
		return errUnverified
	}
	if t, ok := strings.CutPrefix(authorization, "Token "); ok && !a.tokenOK(strings.TrimSpace(t)) {
		return errUnverified
	}
	return nil
}

// ServeHTTP is the outgoing webhooks' callback URL and the slash
// command's request URL (WebhookPath): token checked, message stored as a
// job, answered at once.
func (a *Adapter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err == nil && len(body) > MaxBody {
		err = errTooLarge
	}
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, errTooLarge) {
			status = http.StatusRequestEntityTooLarge
		}
		a.log.Warn("mattermost: request refused", "status", status, "err", err, "remote", r.RemoteAddr)
		http.Error(w, http.StatusText(status), status)
		return
	}
	auth := r.Header.Get("Authorization")
	req, perr := parseRequest(r.Header.Get("Content-Type"), auth, body)
	// The token first: an unverified request learns nothing about its
	// body's shape.
	if err := a.verify(req, auth); err != nil {
		a.log.Warn("mattermost: request refused", "status", http.StatusUnauthorized, "err", err, "remote", r.RemoteAddr)
		http.Error(w, http.StatusText(http.StatusUnauthorized), http.StatusUnauthorized)
		return
	}
	if perr != nil {
		a.log.Warn("mattermost: unreadable request", "err", perr)
		http.Error(w, "unreadable request", http.StatusBadRequest)
		return
	}
	if req.IsCommand() {
		a.serveCommand(w, r, req)
		return
	}
	a.serveWebhook(w, r, req)
}

// serveWebhook answers an outgoing webhook: the post is answered in its
// thread by the bot, and Mattermost gets an empty answer (it posts
// nothing itself).
func (a *Adapter) serveWebhook(w http.ResponseWriter, r *http.Request, req request) {
	if bot := a.Bot(); bot.ID != "" && req.UserID == bot.ID {
		writeJSON(w, map[string]any{})
		return
	}
	text := req.Text
	if req.TriggerWord != "" {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(text), req.TriggerWord); ok {
			text = rest
		}
	}
	text, _ = plainText(text, a.Bot().Username)
	at := time.Now().UTC()
	if req.Timestamp > 0 {
		at = time.UnixMilli(req.Timestamp).UTC()
	}
	p := Post{ID: req.PostID, ChannelID: req.ChannelID, UserID: req.UserID, UserName: req.UserName, Text: text,
		Mentioned: true, At: at}
	// The payload does not say whether the post is a reply: the delivery
	// asks the server for its thread's root (ResolveRoot).
	addr := &address{Channel: req.ChannelID, Root: req.PostID, User: req.UserID, PostID: req.PostID, ResolveRoot: true}
	if text == "" {
		writeJSON(w, map[string]any{})
		return
	}
	if err := a.take(r.Context(), p, "webhook", addr); err != nil {
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	}
	writeJSON(w, map[string]any{})
}

// serveCommand answers a slash command (/faro <question>): an ephemeral
// note to its author at once, the answer posted by the bot in the
// channel, quoting the command, through the runtime like any reply
// (durable, retried, split). The bot must be a member of the channel.
func (a *Adapter) serveCommand(w http.ResponseWriter, r *http.Request, req request) {
	question, _ := plainText(req.Text, a.Bot().Username)
	switch {
	case req.Command != a.command:
		ephemeral(w, "This server answers "+a.command+".")
		return
	case question == "":
		ephemeral(w, a.command+" <pregunta | question>")
		return
	}
	id := req.TriggerID
	if id == "" {
		// Older servers send no trigger_id: who, where, what and when
		// (to the second) make one.
		h := sha256.Sum256(fmt.Appendf(nil, "%s\x1f%s\x1f%s\x1f%d", req.UserID, req.ChannelID, req.Text, time.Now().Unix()))
		id = hex.EncodeToString(h[:12])
	}
	// A command in a channel is its author's conversation there (see
	// chatOf); in a direct message (named "<user id>__<user id>"), the
	// DM's.
	chat := req.ChannelID + "/" + commandChat + req.UserID
	if strings.Contains(req.ChannelName, "__") {
		chat = req.ChannelID
	}
	cmd := req.Command + " " + question
	p := Post{ID: "cmd/" + id, ChannelID: req.ChannelID, UserID: req.UserID, UserName: req.UserName, Text: question,
		Mentioned: true, At: time.Now().UTC()}
	addr := address{Channel: req.ChannelID, User: req.UserID, Command: cmd}
	if err := a.accept(r.Context(), p, chat, p.ID, addr, "command"); err != nil {
		ephemeral(w, a.command+": try again in a moment / inténtalo de nuevo en un momento.")
		return
	}
	ephemeral(w, "⏳ "+neutralise(cmd))
}

// ephemeral answers a slash command with a message only its author sees.
func ephemeral(w http.ResponseWriter, text string) {
	writeJSON(w, map[string]string{"response_type": "ephemeral", "text": text})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
