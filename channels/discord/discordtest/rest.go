package discordtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// interactionWindow is how long Discord waits for an interaction's
// initial response.
const interactionWindow = 3 * time.Second

// serveREST routes /api/v9/…; each bot route needs "Authorization: Bot
// <token>", the interaction routes the interaction's token.
func (s *Server) serveREST(w http.ResponseWriter, r *http.Request) {
	route := strings.TrimPrefix(r.URL.Path, "/api/v9/")
	parts := strings.Split(route, "/")
	if r.Method == http.MethodGet && (route == "gateway" || route == "gateway/bot") {
		b := s.bot(strings.TrimPrefix(r.Header.Get("Authorization"), "Bot "))
		s.mu.Lock()
		u := s.GatewayURL
		if b != nil && b.gateway != "" {
			u = b.gateway
		}
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"url": u, "shards": 1,
			"session_start_limit": map[string]any{"total": 1000, "remaining": 999, "reset_after": 86400000, "max_concurrency": 1}})
		return
	}
	// Interactions and their webhooks are authenticated by their token.
	if parts[0] == "interactions" || parts[0] == "webhooks" {
		s.serveInteraction(w, r, route, parts)
		return
	}
	b := s.bot(strings.TrimPrefix(r.Header.Get("Authorization"), "Bot "))
	if b == nil || !strings.HasPrefix(r.Header.Get("Authorization"), "Bot ") {
		writeError(w, http.StatusUnauthorized, 0, "401: Unauthorized")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		b.calls = append(b.calls, Call{Method: r.Method, Route: route, Status: rec.status, At: time.Now()})
	}()
	w = rec
	switch {
	case r.Method == http.MethodGet && route == "users/@me":
		writeJSON(w, http.StatusOK, b.User.shape())
	case r.Method == http.MethodGet && len(parts) == 2 && parts[0] == "channels":
		c := b.channels[parts[1]]
		if c == nil {
			writeError(w, http.StatusNotFound, 10003, "Unknown Channel")
			return
		}
		writeJSON(w, http.StatusOK, c.shape())
	case r.Method == http.MethodPost && len(parts) == 3 && parts[0] == "channels" && parts[2] == "typing":
		if b.channels[parts[1]] == nil {
			writeError(w, http.StatusNotFound, 10003, "Unknown Channel")
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodPost && len(parts) == 3 && parts[0] == "channels" && parts[2] == "messages":
		if b.limitedLocked(w, "channels/"+parts[1]+"/messages") {
			return
		}
		b.createMessage(w, r, parts[1])
	case r.Method == http.MethodPost && len(parts) == 5 && parts[0] == "channels" && parts[2] == "messages" && parts[4] == "threads":
		if b.limitedLocked(w, "channels/"+parts[1]+"/messages/threads") {
			return
		}
		b.startThread(w, r, parts[1], parts[3])
	case r.Method == http.MethodPut && len(parts) == 5 && parts[0] == "applications" && parts[2] == "guilds" && parts[4] == "commands":
		b.overwriteCommands(w, r, parts[1], parts[3])
	default:
		writeError(w, http.StatusNotFound, 0, "404: Not Found")
	}
}

type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

// limitedLocked answers 429 if one is due: Discord's body and headers,
// per route (X-RateLimit-Scope: user, the bucket's reset) or global.
func (b *Bot) limitedLocked(w http.ResponseWriter, bucket string) bool {
	if len(b.limited) == 0 {
		return false
	}
	l := b.limited[0]
	b.limited = b.limited[1:]
	after := strconv.FormatFloat(l.retryAfter, 'f', 3, 64)
	h := w.Header()
	h.Set("Retry-After", strconv.Itoa(int(l.retryAfter+0.999)))
	if l.global {
		h.Set("X-RateLimit-Global", "true")
		h.Set("X-RateLimit-Scope", "global")
	} else {
		h.Set("X-RateLimit-Limit", "5")
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("X-RateLimit-Reset-After", after)
		h.Set("X-RateLimit-Reset", strconv.FormatFloat(float64(time.Now().UnixMilli())/1000+l.retryAfter, 'f', 3, 64))
		h.Set("X-RateLimit-Bucket", fmt.Sprintf("%x", len(bucket)))
		h.Set("X-RateLimit-Scope", "user")
	}
	writeJSON(w, http.StatusTooManyRequests, map[string]any{"message": "You are being rate limited.",
		"retry_after": l.retryAfter, "global": l.global})
	return true
}

// outgoing is the part of a message create or edit the server reads.
type outgoing struct {
	Content          *string         `json:"content"`
	AllowedMentions  json.RawMessage `json:"allowed_mentions"`
	Components       json.RawMessage `json:"components"`
	Flags            int             `json:"flags"`
	MessageReference *struct {
		MessageID string `json:"message_id"`
	} `json:"message_reference"`
}

func (b *Bot) createMessage(w http.ResponseWriter, r *http.Request, channelID string) {
	c := b.channels[channelID]
	if c == nil {
		writeError(w, http.StatusNotFound, 10003, "Unknown Channel")
		return
	}
	var o outgoing
	if err := readBody(r, &o); err != nil {
		writeError(w, http.StatusBadRequest, 50109, "The request body contains invalid JSON.")
		return
	}
	content := ""
	if o.Content != nil {
		content = *o.Content
	}
	if !checkContent(w, content) {
		return
	}
	m := b.addMessageLocked(c, content, o)
	if o.MessageReference != nil {
		m.ReplyTo = o.MessageReference.MessageID
	}
	writeJSON(w, http.StatusOK, b.shapeMessage(m, c))
}

func (b *Bot) addMessageLocked(c *channel, content string, o outgoing) *Message {
	m := &Message{ID: b.s.id(), ChannelID: c.ID, Content: content, AllowedMentions: string(o.AllowedMentions),
		Flags: o.Flags, Versions: []string{content}, At: time.Now()}
	if len(o.Components) > 0 && string(o.Components) != "null" {
		m.Components = string(o.Components)
	}
	b.messages = append(b.messages, m)
	b.byID[m.ID] = m
	// The bot receives its own messages on the gateway, as on Discord.
	b.dispatchLocked("MESSAGE_CREATE", b.shapeMessage(m, c))
	return m
}

func (b *Bot) shapeMessage(m *Message, c *channel) map[string]any {
	ev := b.messageShape(m.ID, c, b.User, m.Content)
	ev["flags"] = m.Flags
	if m.ReplyTo != "" {
		ev["type"] = 19
		ev["message_reference"] = map[string]any{"message_id": m.ReplyTo, "channel_id": c.ID}
	}
	return ev
}

func (b *Bot) startThread(w http.ResponseWriter, r *http.Request, channelID, messageID string) {
	c := b.channels[channelID]
	switch {
	case c == nil:
		writeError(w, http.StatusNotFound, 10003, "Unknown Channel")
		return
	case c.Type != TypeText:
		writeError(w, http.StatusBadRequest, 50024, "Cannot execute action on this channel type")
		return
	case b.noThreads:
		writeError(w, http.StatusForbidden, 50013, "Missing Permissions")
		return
	case b.channels[messageID] != nil:
		writeError(w, http.StatusBadRequest, 160004, "A thread has already been created for this message")
		return
	}
	var d struct {
		Name string `json:"name"`
	}
	if err := readBody(r, &d); err != nil || d.Name == "" || len([]rune(d.Name)) > 100 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"message": "Invalid Form Body", "code": 50035})
		return
	}
	t := &channel{ID: messageID, Guild: c.Guild, Parent: c.ID, Name: d.Name, Type: TypePublicThread}
	b.channels[t.ID] = t
	ev := t.shape()
	ev["newly_created"] = true
	b.dispatchLocked("THREAD_CREATE", ev)
	writeJSON(w, http.StatusCreated, t.shape())
}

func (b *Bot) overwriteCommands(w http.ResponseWriter, r *http.Request, app, guild string) {
	if app != b.AppID || guild != b.Guild {
		writeError(w, http.StatusForbidden, 50001, "Missing Access")
		return
	}
	var cmds []map[string]any
	if err := readBody(r, &cmds); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"message": "Invalid Form Body", "code": 50035})
		return
	}
	for _, c := range cmds {
		c["id"], c["application_id"], c["guild_id"], c["version"] = b.commandID(), b.AppID, guild, b.s.id()
	}
	b.commands[guild] = mustJSON(cmds)
	writeJSON(w, http.StatusOK, cmds)
}

// serveInteraction is an interaction's callback and its webhook:
// POST interactions/{id}/{token}/callback, PATCH
// webhooks/{app}/{token}/messages/@original, POST webhooks/{app}/{token}.
func (s *Server) serveInteraction(w http.ResponseWriter, r *http.Request, route string, parts []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var it *interaction
	switch {
	case parts[0] == "interactions" && len(parts) == 4 && parts[3] == "callback" && r.Method == http.MethodPost:
		it = s.interactions[parts[1]]
		if it == nil || it.Token != parts[2] {
			writeError(w, http.StatusNotFound, 10062, "Unknown interaction")
			return
		}
	case parts[0] == "webhooks" && len(parts) >= 3:
		for _, x := range s.interactions {
			if x.Token == parts[2] && x.bot.AppID == parts[1] {
				it = x
			}
		}
		if it == nil {
			writeError(w, http.StatusNotFound, 10015, "Unknown Webhook")
			return
		}
	default:
		writeError(w, http.StatusNotFound, 0, "404: Not Found")
		return
	}
	b := it.bot
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		b.calls = append(b.calls, Call{Method: r.Method, Route: route, Status: rec.status, At: time.Now()})
	}()
	w = rec
	c := b.channels[it.Channel]
	if parts[0] == "interactions" {
		var d struct {
			Type int      `json:"type"`
			Data outgoing `json:"data"`
		}
		switch {
		case it.Acked != 0:
			writeError(w, http.StatusBadRequest, 40060, "Interaction has already been acknowledged.")
			return
		case time.Since(it.Created) > interactionWindow || it.expired:
			writeError(w, http.StatusNotFound, 10062, "Unknown interaction")
			return
		case readBody(r, &d) != nil || (d.Type != 4 && d.Type != 5):
			writeJSON(w, http.StatusBadRequest, map[string]any{"message": "Invalid Form Body", "code": 50035})
			return
		}
		content := ""
		if d.Type == 4 {
			if d.Data.Content != nil {
				content = *d.Data.Content
			}
			if !checkContent(w, content) {
				return
			}
		}
		it.Acked, it.AckedAt = d.Type, time.Now()
		it.original = &Message{ID: s.id(), ChannelID: c.ID, Content: content, Interaction: it.ID, Original: true,
			AllowedMentions: string(d.Data.AllowedMentions), Flags: d.Data.Flags, Versions: []string{content}, At: time.Now()}
		b.messages = append(b.messages, it.original)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	switch {
	case it.expired:
		writeError(w, http.StatusUnauthorized, 50027, "Invalid Webhook Token")
		return
	case it.Acked == 0:
		writeError(w, http.StatusNotFound, 10015, "Unknown Webhook")
		return
	case b.limitedLocked(w, "webhooks/"+parts[1]+"/"+parts[2]):
		return
	}
	var o outgoing
	if err := readBody(r, &o); err != nil {
		writeError(w, http.StatusBadRequest, 50109, "The request body contains invalid JSON.")
		return
	}
	content := ""
	if o.Content != nil {
		content = *o.Content
	}
	if !checkContent(w, content) {
		return
	}
	switch {
	case r.Method == http.MethodPatch && len(parts) == 5 && parts[3] == "messages" && parts[4] == "@original":
		m := it.original
		m.Content = content
		m.Versions = append(m.Versions, content)
		m.AllowedMentions = string(o.AllowedMentions)
		writeJSON(w, http.StatusOK, b.shapeMessage(m, c))
	case r.Method == http.MethodPost && len(parts) == 3:
		m := &Message{ID: s.id(), ChannelID: c.ID, Content: content, Interaction: it.ID, AllowedMentions: string(o.AllowedMentions),
			Flags: o.Flags, Versions: []string{content}, At: time.Now()}
		b.messages = append(b.messages, m)
		if r.URL.Query().Get("wait") != "true" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		writeJSON(w, http.StatusOK, b.shapeMessage(m, c))
	default:
		writeError(w, http.StatusNotFound, 0, "404: Not Found")
	}
}
