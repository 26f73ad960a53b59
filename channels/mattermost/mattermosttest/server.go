// Package mattermosttest stands in for a Mattermost server in tests: the
// REST API v4 routes Faro calls (users/me, posts, posts/{id}/patch,
// posts/{id}, channels/{id}, channels/{id}/posts?since=,
// users/{id}/channels, users/{id}/typing) with Mattermost's answer
// shapes and errors (AppError JSON, 429 from its rate limiter with
// X-RateLimit-* and Retry-After, 5xx), and its websocket
// (/api/v4/websocket: authentication_challenge answered with seq_reply,
// hello with a connection_id, events numbered by seq, resumption with
// connection_id and sequence_number from the connection's queue, a forced
// disconnect, a restart that forgets the connections, refused
// connections). People's posts are made with [Server.UserPost] and reach
// the bot as posted events whose data.post is a JSON string, as the real
// server sends them; the bot's own posts come back to it too.
//
// It also posts outgoing webhooks and slash commands to an app the way
// Mattermost does (sender.go).
//
// What it does not model: teams and membership (every channel is open
// to the bot), permissions beyond the token, files, reactions, edits and
// deletions as events, the cluster, and the real server's timing (its
// pings every 60 s, its dead queue of 128 events).
package mattermosttest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// MaxMessageRunes is the longest message a post takes.
const MaxMessageRunes = 16383

// User is a user of the server.
type User struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	IsBot    bool   `json:"is_bot"`
}

// Channel is a channel of the server: Type O (open), P (private), D
// (direct message) or G (group).
type Channel struct {
	ID          string `json:"id"`
	TeamID      string `json:"team_id"`
	Type        string `json:"type"`
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
}

// Post is a post as the server keeps it.
type Post struct {
	ID        string         `json:"id"`
	CreateAt  int64          `json:"create_at"`
	UpdateAt  int64          `json:"update_at"`
	EditAt    int64          `json:"edit_at"`
	DeleteAt  int64          `json:"delete_at"`
	UserID    string         `json:"user_id"`
	ChannelID string         `json:"channel_id"`
	RootID    string         `json:"root_id"`
	Message   string         `json:"message"`
	Type      string         `json:"type"`
	Props     map[string]any `json:"props"`
	// Versions are the bot's texts of the post: as created, then each
	// patch (not sent).
	Versions []string `json:"-"`
}

// Call is one REST request the server received.
type Call struct {
	Method, Path string
	Status       int
	At           time.Time
}

// Typing is one typing indicator the bot sent.
type Typing struct {
	ChannelID, ParentID string
	At                  time.Time
}

// Server is a Mattermost server on 127.0.0.1.
type Server struct {
	// URL is the server's site URL (http://127.0.0.1:port), what
	// FARO_MATTERMOST_URL takes.
	URL string
	// Token is the bot's access token it accepts; Bot the bot's user.
	Token string
	Bot   User

	srv      *httptest.Server
	upgrader websocket.Upgrader

	mu       sync.Mutex
	ids      int
	clock    int64
	users    map[string]User
	channels map[string]Channel
	posts    []*Post
	byID     map[string]*Post
	calls    []Call
	typing   []Typing
	// rateLimited is how many post calls still get 429, retryAfter its
	// wait in seconds.
	rateLimited, retryAfter int
	// downStatus, when not 0, is the status every post call gets.
	downStatus int
	// streams are the websocket connections' states by connection id,
	// kept after a disconnect so that the client can resume.
	streams map[string]*stream
	// auths counts accepted websocket authentications; hellos the hello
	// events sent (new connections).
	auths, hellos int
	// blocked refuses websocket connections (503) while true.
	blocked bool
}

// stream is one websocket connection's state: its events, numbered, and
// the socket while it is open.
type stream struct {
	id     string
	events [][]byte // events[i] has seq i
	conn   *websocket.Conn
	wmu    *sync.Mutex
}

// NewServer starts a server whose bot (user "faro") has token; Close
// stops it.
func NewServer(token string) *Server {
	s := &Server{Token: token, users: map[string]User{}, channels: map[string]Channel{}, byID: map[string]*Post{},
		streams: map[string]*stream{}, clock: time.Now().UnixMilli()}
	s.Bot = User{ID: s.newID("b"), Username: "faro", IsBot: true}
	s.users[s.Bot.ID] = s.Bot
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v4/users/me", s.auth(s.serveMe))
	mux.HandleFunc("POST /api/v4/posts", s.auth(s.serveCreatePost))
	mux.HandleFunc("PUT /api/v4/posts/{id}/patch", s.auth(s.servePatchPost))
	mux.HandleFunc("GET /api/v4/posts/{id}", s.auth(s.serveGetPost))
	mux.HandleFunc("GET /api/v4/channels/{id}", s.auth(s.serveGetChannel))
	mux.HandleFunc("POST /api/v4/users/{id}/typing", s.auth(s.serveTyping))
	mux.HandleFunc("GET /api/v4/users/{id}/channels", s.auth(s.serveUserChannels))
	mux.HandleFunc("GET /api/v4/channels/{id}/posts", s.auth(s.serveChannelPosts))
	mux.HandleFunc("GET /api/v4/websocket", s.serveWebsocket)
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL
	return s
}

// Close stops the server and its websockets.
func (s *Server) Close() {
	s.Disconnect()
	s.srv.Close()
}

// newID is a 26-character id, like Mattermost's, starting with prefix.
// Call with s.mu held or before the server runs.
func (s *Server) newID(prefix string) string {
	s.ids++
	n := strconv.Itoa(s.ids)
	return prefix + strings.Repeat("0", 26-len(prefix)-len(n)) + n
}

// AddUser adds a person named username and returns it.
func (s *Server) AddUser(username string) User {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := User{ID: s.newID("u"), Username: username}
	s.users[u.ID] = u
	return u
}

// AddChannel adds a channel of type typ (O, P, D, G) and returns it. A
// direct message's name is its two members' ids joined by "__", as
// Mattermost names them: pass them as name.
func (s *Server) AddChannel(typ, name string) Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := Channel{ID: s.newID("c"), TeamID: "t00000000000000000000team1", Type: typ, Name: name, DisplayName: name}
	if typ == "D" {
		c.TeamID = ""
	}
	s.channels[c.ID] = c
	return c
}

// DirectChannel adds the direct-message channel between the bot and u.
func (s *Server) DirectChannel(u User) Channel {
	return s.AddChannel("D", s.Bot.ID+"__"+u.ID)
}

// UserPost makes u post message in channel (in rootID's thread when not
// empty), and sends the bot a posted event for it. Users mentioned
// (@username) are listed in the event's mentions, and so is the bot in
// a direct message, as Mattermost does.
func (s *Server) UserPost(u User, channel Channel, rootID, message string) Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.addPost(u.ID, channel.ID, rootID, message, "", nil)
	s.publishPosted(p)
	return *p
}

// SystemPost makes a system post (typ system_join_channel…) in channel.
func (s *Server) SystemPost(channel Channel, typ, message string) Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.addPost(s.Bot.ID, channel.ID, "", message, typ, nil)
	p.UserID = "" // posted by the system
	s.publishPosted(p)
	return *p
}

// Republish sends the bot the posted event of post id again, as a new
// event (a server that delivers an event twice, or a client catching up).
func (s *Server) Republish(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.byID[id]; p != nil {
		s.publishPosted(p)
	}
}

func (s *Server) addPost(user, channel, root, message, typ string, props map[string]any) *Post {
	s.clock++
	s.clock = max(s.clock, time.Now().UnixMilli())
	p := &Post{ID: s.newID("p"), CreateAt: s.clock, UpdateAt: s.clock, UserID: user, ChannelID: channel, RootID: root,
		Message: message, Type: typ, Props: props, Versions: []string{message}}
	if p.Props == nil {
		p.Props = map[string]any{}
	}
	s.posts = append(s.posts, p)
	s.byID[p.ID] = p
	return p
}

// mentionRE finds @username mentions as Mattermost reads them: an @ not
// inside a word or an address, then the username's characters.
var mentionRE = regexp.MustCompile(`(^|[^a-z0-9._@-])@([a-z0-9._-]+)`)

// publishPosted sends a posted event for p to every connection.
func (s *Server) publishPosted(p *Post) {
	c := s.channels[p.ChannelID]
	post, _ := json.Marshal(p)
	data := map[string]any{
		"channel_display_name": c.DisplayName, "channel_name": c.Name, "channel_type": c.Type,
		"post": string(post), "sender_name": "@" + s.users[p.UserID].Username, "team_id": c.TeamID, "set_online": true,
	}
	named := map[string]bool{}
	for _, m := range mentionRE.FindAllStringSubmatch(strings.ToLower(p.Message), -1) {
		named[strings.TrimRight(m[2], ".")] = true
	}
	var mentions []string
	for _, u := range s.users {
		if u.ID == p.UserID {
			continue
		}
		if named[strings.ToLower(u.Username)] || (c.Type == "D" && strings.Contains(c.Name, u.ID)) {
			mentions = append(mentions, u.ID)
		}
	}
	if len(mentions) > 0 {
		slices.Sort(mentions)
		m, _ := json.Marshal(mentions)
		data["mentions"] = string(m)
	}
	s.publish("posted", data, map[string]any{"channel_id": p.ChannelID, "team_id": "", "user_id": "", "omit_users": nil})
}

// publish appends an event to every stream and writes it to the open
// ones. Call with s.mu held.
func (s *Server) publish(event string, data, broadcast map[string]any) {
	for _, st := range s.streams {
		s.push(st, event, data, broadcast)
	}
}

func (s *Server) push(st *stream, event string, data, broadcast map[string]any) {
	seq := len(st.events)
	b, _ := json.Marshal(map[string]any{"event": event, "data": data, "broadcast": broadcast, "seq": seq})
	st.events = append(st.events, b)
	if st.conn != nil {
		st.wmu.Lock()
		_ = st.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
		err := st.conn.WriteMessage(websocket.TextMessage, b)
		st.wmu.Unlock()
		if err != nil {
			_ = st.conn.Close()
			st.conn = nil
		}
	}
}

// Disconnect drops every open websocket abruptly (no close frame), as a
// network failure or a restarting proxy does; the connections' states
// are kept, so a client may resume them.
func (s *Server) Disconnect() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.streams {
		if st.conn != nil {
			_ = st.conn.UnderlyingConn().Close()
			st.conn = nil
		}
	}
}

// Forget drops the connections' states too, as a restarted server has
// none: the next connection is a new one (a new hello), and events sent
// meanwhile are lost.
func (s *Server) Forget() {
	s.Disconnect()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.streams = map[string]*stream{}
}

// Block refuses new websocket connections (503, as a proxy in front of a
// restarting server does) until Unblock.
func (s *Server) Block() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocked = true
}

// Unblock ends Block.
func (s *Server) Unblock() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocked = false
}

// Connected reports whether a websocket is open and authenticated.
func (s *Server) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.streams {
		if st.conn != nil {
			return true
		}
	}
	return false
}

// Auths counts the websocket authentications accepted; Hellos the new
// connections (hello events sent).
func (s *Server) Auths() (auths, hellos int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.auths, s.hellos
}

// RateLimit makes the next n post calls answer 429, asking to wait
// retryAfter seconds, as Mattermost's rate limiter does.
func (s *Server) RateLimit(n, retryAfter int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateLimited, s.retryAfter = n, retryAfter
}

// Down makes every post call answer status (a 5xx) until Up.
func (s *Server) Down(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.downStatus = status
}

// Up ends Down.
func (s *Server) Up() { s.Down(0) }

// Calls returns the REST requests received, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// Typings returns the typing indicators the bot sent, in order.
func (s *Server) Typings() []Typing {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.typing)
}

// Posts returns every post, in the order made, as they stand now.
func (s *Server) Posts() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Post, len(s.posts))
	for i, p := range s.posts {
		out[i] = *p
		out[i].Versions = slices.Clone(p.Versions)
	}
	return out
}

// BotPosts returns the bot's posts in channelID, in rootID's thread (or
// at the top level when rootID is ""), in order.
func (s *Server) BotPosts(channelID, rootID string) []Post {
	var out []Post
	for _, p := range s.Posts() {
		if p.UserID == s.Bot.ID && p.ChannelID == channelID && p.RootID == rootID {
			out = append(out, p)
		}
	}
	return out
}

// appError writes Mattermost's error shape.
func appError(w http.ResponseWriter, status int, id, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"id": id, "message": message, "detailed_error": "",
		"request_id": "r0000000000000000000000000", "status_code": status})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// statusRecorder notes the status a handler answered.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

// auth checks the bot's token (Authorization: Bearer or Token) and records
// the call.
func (s *Server) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			s.mu.Lock()
			s.calls = append(s.calls, Call{Method: r.Method, Path: r.URL.Path, Status: rec.status, At: time.Now()})
			s.mu.Unlock()
		}()
		if tok, ok := bearer(r); !ok || tok != s.Token {
			appError(rec, http.StatusUnauthorized, "api.context.session_expired.app_error", "Invalid or expired session, please login again.")
			return
		}
		h(rec, r)
	}
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if t, ok := strings.CutPrefix(h, "Bearer "); ok {
		return t, true
	}
	if t, ok := strings.CutPrefix(h, "Token "); ok {
		return t, true
	}
	return "", false
}

func (s *Server) serveMe(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"id": s.Bot.ID, "username": s.Bot.Username, "is_bot": true,
		"roles": "system_user", "create_at": 1700000000000, "locale": "es"})
}

// limited answers a post call as the rate limiter or an outage would;
// false when the call may go on. Call with s.mu held.
func (s *Server) limited(w http.ResponseWriter) bool {
	switch {
	case s.rateLimited > 0:
		s.rateLimited--
		// Mattermost's limiter (throttled): seconds until the reset.
		w.Header().Set("X-RateLimit-Limit", "10")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", strconv.Itoa(s.retryAfter))
		w.Header().Set("Retry-After", strconv.Itoa(s.retryAfter))
		http.Error(w, "limit exceeded", http.StatusTooManyRequests)
		return true
	case s.downStatus != 0:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(s.downStatus)
		_, _ = fmt.Fprint(w, "<html><body><h1>502 Bad Gateway</h1></body></html>")
		return true
	}
	return false
}

func (s *Server) serveCreatePost(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ChannelID string         `json:"channel_id"`
		Message   string         `json:"message"`
		RootID    string         `json:"root_id"`
		Props     map[string]any `json:"props"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		appError(w, http.StatusBadRequest, "api.context.invalid_body_param.app_error", "Invalid or missing post in request body.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.limited(w) {
		return
	}
	if _, ok := s.channels[in.ChannelID]; !ok {
		appError(w, http.StatusForbidden, "api.context.permissions.app_error", "You do not have the appropriate permissions.")
		return
	}
	if in.RootID != "" {
		root := s.byID[in.RootID]
		if root == nil || root.RootID != "" || root.ChannelID != in.ChannelID {
			appError(w, http.StatusBadRequest, "api.post.create_post.root_id.app_error", "Invalid RootId parameter.")
			return
		}
	}
	switch n := utf8.RuneCountInString(in.Message); {
	case n == 0:
		appError(w, http.StatusBadRequest, "api.post.create_post.message_empty.app_error", "Post message is empty.")
		return
	case n > MaxMessageRunes:
		appError(w, http.StatusBadRequest, "model.post.is_valid.message_length.app_error", "Invalid Message property length.")
		return
	}
	props := map[string]any{"from_bot": "true"}
	for k, v := range in.Props {
		props[k] = v
	}
	p := s.addPost(s.Bot.ID, in.ChannelID, in.RootID, in.Message, "", props)
	// Channel members get it, the bot too.
	s.publishPosted(p)
	writeJSON(w, http.StatusCreated, p)
}

func (s *Server) servePatchPost(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Message *string `json:"message"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		appError(w, http.StatusBadRequest, "api.context.invalid_body_param.app_error", "Invalid or missing patch in request body.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.limited(w) {
		return
	}
	p := s.byID[r.PathValue("id")]
	switch {
	case p == nil:
		appError(w, http.StatusNotFound, "app.post.get.app_error", "Unable to get the post.")
		return
	case p.UserID != s.Bot.ID:
		appError(w, http.StatusForbidden, "api.context.permissions.app_error", "You do not have the appropriate permissions.")
		return
	case in.Message != nil && utf8.RuneCountInString(*in.Message) > MaxMessageRunes:
		appError(w, http.StatusBadRequest, "model.post.is_valid.message_length.app_error", "Invalid Message property length.")
		return
	}
	if in.Message != nil {
		p.Message = *in.Message
		p.Versions = append(p.Versions, p.Message)
		s.clock++
		p.EditAt, p.UpdateAt = s.clock, s.clock
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) serveGetPost(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.byID[r.PathValue("id")]
	if p == nil {
		appError(w, http.StatusNotFound, "app.post.get.app_error", "Unable to get the post.")
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) serveGetChannel(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.channels[r.PathValue("id")]
	if !ok {
		appError(w, http.StatusNotFound, "app.channel.get.existing.app_error", "Unable to find the existing channel.")
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) serveTyping(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ChannelID string `json:"channel_id"`
		ParentID  string `json:"parent_id"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.ChannelID == "" {
		appError(w, http.StatusBadRequest, "api.context.invalid_body_param.app_error", "Invalid or missing channel_id in request body.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if id := r.PathValue("id"); id != "me" && id != s.Bot.ID {
		appError(w, http.StatusForbidden, "api.context.permissions.app_error", "You do not have the appropriate permissions.")
		return
	}
	s.typing = append(s.typing, Typing{ChannelID: in.ChannelID, ParentID: in.ParentID, At: time.Now()})
	writeJSON(w, http.StatusOK, map[string]string{"status": "OK"})
}

// serveUserChannels lists every channel: the bot is a member of all.
func (s *Server) serveUserChannels(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id := r.PathValue("id"); id != "me" && id != s.Bot.ID {
		appError(w, http.StatusForbidden, "api.context.permissions.app_error", "You do not have the appropriate permissions.")
		return
	}
	out := []Channel{}
	for _, c := range s.channels {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Channel) int { return strings.Compare(a.ID, b.ID) })
	writeJSON(w, http.StatusOK, out)
}

// serveChannelPosts is a channel's posts changed since ?since=<ms>, as a
// PostList (order newest first, posts by id).
func (s *Server) serveChannelPosts(w http.ResponseWriter, r *http.Request) {
	since, err := strconv.ParseInt(r.URL.Query().Get("since"), 10, 64)
	if err != nil {
		appError(w, http.StatusBadRequest, "api.context.invalid_url_param.app_error", "Invalid or missing since parameter in request URL.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.channels[r.PathValue("id")]; !ok {
		appError(w, http.StatusForbidden, "api.context.permissions.app_error", "You do not have the appropriate permissions.")
		return
	}
	order := []string{}
	posts := map[string]*Post{}
	for i := len(s.posts) - 1; i >= 0; i-- {
		p := s.posts[i]
		if p.ChannelID == r.PathValue("id") && max(p.CreateAt, p.UpdateAt) >= since {
			order = append(order, p.ID)
			posts[p.ID] = p
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"order": order, "posts": posts, "next_post_id": "", "prev_post_id": ""})
}

// serveWebsocket is /api/v4/websocket: authentication (the Authorization
// header or a first authentication_challenge action), then a new
// connection (hello, seq 0) or a resumed one (connection_id and
// sequence_number: the events from sequence_number sent again), then the
// events as they happen.
func (s *Server) serveWebsocket(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	blocked := s.blocked
	s.mu.Unlock()
	if blocked {
		http.Error(w, "503 Service Unavailable", http.StatusServiceUnavailable)
		return
	}
	conn, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	authed := false
	if tok, ok := bearer(r); ok && tok == s.Token {
		authed = true
	}
	wmu := &sync.Mutex{}
	if !authed {
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		var req struct {
			Seq    int64             `json:"seq"`
			Action string            `json:"action"`
			Data   map[string]string `json:"data"`
		}
		if err := conn.ReadJSON(&req); err != nil || req.Action != "authentication_challenge" || req.Seq <= 0 ||
			req.Data["token"] != s.Token {
			// The real server closes the socket on a bad token.
			_ = conn.UnderlyingConn().Close()
			return
		}
		_ = conn.SetReadDeadline(time.Time{})
		if err := conn.WriteJSON(map[string]any{"status": "OK", "seq_reply": req.Seq}); err != nil {
			_ = conn.Close()
			return
		}
	}

	s.mu.Lock()
	s.auths++
	q := r.URL.Query()
	st := s.streams[q.Get("connection_id")]
	from := 0
	if st != nil {
		n, err := strconv.Atoi(q.Get("sequence_number"))
		if err != nil || n < 0 || n > len(st.events) {
			st = nil // lost: a new connection
		} else {
			from = n
		}
	}
	if st != nil {
		if st.conn != nil {
			_ = st.conn.Close()
		}
		st.conn, st.wmu = conn, wmu
		for _, b := range st.events[from:] {
			_ = conn.WriteMessage(websocket.TextMessage, b)
		}
	} else {
		st = &stream{id: s.newID("w"), conn: conn, wmu: wmu}
		s.streams[st.id] = st
		s.hellos++
		s.push(st, "hello", map[string]any{"server_version": "10.5.0.test.faro.false", "connection_id": st.id},
			map[string]any{"user_id": s.Bot.ID, "channel_id": "", "team_id": "", "omit_users": nil})
	}
	s.mu.Unlock()

	// Read the client's actions (user_typing…) until it goes.
	for {
		var req struct {
			Seq    int64  `json:"seq"`
			Action string `json:"action"`
		}
		if err := conn.ReadJSON(&req); err != nil {
			break
		}
		resp := map[string]any{"status": "OK", "seq_reply": req.Seq}
		if req.Seq <= 0 {
			resp = map[string]any{"status": "FAIL", "seq_reply": req.Seq,
				"error": map[string]any{"id": "api.web_socket_router.bad_seq.app_error", "message": "Invalid sequence for WebSocket message."}}
		}
		wmu.Lock()
		err := conn.WriteJSON(resp)
		wmu.Unlock()
		if err != nil {
			break
		}
	}
	s.mu.Lock()
	if st.conn == conn {
		st.conn = nil
	}
	s.mu.Unlock()
	_ = conn.Close()
}
