// Package discordtest stands in for Discord in tests: one server on
// 127.0.0.1 that speaks the gateway (HELLO, IDENTIFY, READY, GUILD_CREATE,
// heartbeats and their ACKs, RESUME with the missed events replayed then
// RESUMED, INVALID_SESSION, reconnect requests, MESSAGE_CREATE,
// THREAD_CREATE, INTERACTION_CREATE) over gorilla/websocket with JSON
// encoding, and the REST routes Faro's adapter calls (gateway, users/@me,
// channels, messages, threads, typing, guild commands, the interaction
// callback and its webhook), with Discord's response shapes, error codes
// and 429s that can be injected.
//
// discordgo reads Discord's URLs from package variables, so a test
// process talks to one Discord: the server holds many bots, each with its
// own token, application, guild and state, and tests running in parallel
// each make their own ([Server.NewBot]) on the process's [Shared] server.
package discordtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// Shared is a process's server, started on first use: declare one in a
// test package (var discord discordtest.Shared) and Close it in TestMain.
type Shared struct {
	once sync.Once
	s    *Server
}

// Server starts the server on first call and returns it.
func (sh *Shared) Server() *Server {
	sh.once.Do(func() { sh.s = NewServer() })
	return sh.s
}

// Close stops the server if it was started.
func (sh *Shared) Close() {
	if sh.s != nil {
		sh.s.Close()
	}
}

// Server is a Discord on 127.0.0.1.
type Server struct {
	// URL is the server's root; APIURL the REST API's base without the
	// version (FARO_DISCORD_API_URL); GatewayURL the gateway's, as GET
	// /gateway names it.
	URL, APIURL, GatewayURL string
	// HeartbeatInterval is what HELLO asks for; set it before the first
	// connection. Default one second.
	HeartbeatInterval time.Duration

	srv   *httptest.Server
	clock atomic.Int64

	mu           sync.Mutex
	bots         map[string]*Bot // by token
	apps         map[string]*Bot // by application id
	interactions map[string]*interaction
}

// NewServer starts a server; Close stops it.
func NewServer() *Server {
	s := &Server{HeartbeatInterval: time.Second, bots: map[string]*Bot{}, apps: map[string]*Bot{},
		interactions: map[string]*interaction{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /gateway/", s.serveGateway)
	mux.HandleFunc("GET /gateway", s.serveGateway)
	mux.HandleFunc("/api/v9/", s.serveREST)
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL
	s.APIURL = s.srv.URL + "/api"
	s.GatewayURL = "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/gateway"
	return s
}

// Close stops the server and drops every gateway connection.
func (s *Server) Close() {
	s.mu.Lock()
	for _, b := range s.bots {
		if b.sess != nil && b.sess.conn != nil {
			_ = b.sess.conn.c.Close()
		}
	}
	s.mu.Unlock()
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// discordEpoch is when Discord's snowflakes start, in Unix ms.
const discordEpoch = 1420070400000

// id is a new snowflake: now, and a counter that keeps ids distinct.
func (s *Server) id() string {
	n := s.clock.Add(1)
	return fmt.Sprint((uint64(time.Now().UnixMilli()-discordEpoch) << 22) | uint64(n&0x3fffff))
}

// User is a Discord user.
type User struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Bot      bool   `json:"bot,omitempty"`
}

func (u User) shape() map[string]any {
	return map[string]any{"id": u.ID, "username": u.Username, "global_name": u.Username, "discriminator": "0", "bot": u.Bot}
}

// Channel types.
const (
	TypeText         = 0
	TypeDM           = 1
	TypePublicThread = 11
)

type channel struct {
	ID, Guild, Parent, Name string
	Type                    int
	// Recipient is a DM's other person.
	Recipient User
}

func (c *channel) shape() map[string]any {
	m := map[string]any{"id": c.ID, "type": c.Type, "name": c.Name}
	if c.Guild != "" {
		m["guild_id"] = c.Guild
	}
	if c.Parent != "" {
		m["parent_id"] = c.Parent
	}
	if c.Type == TypeDM {
		m["recipients"] = []any{c.Recipient.shape()}
	}
	if c.Type == TypePublicThread {
		m["thread_metadata"] = map[string]any{"archived": false, "auto_archive_duration": 1440, "locked": false}
	}
	return m
}

// Message is a message the bot sent (or an interaction's response), as it
// stands after its edits.
type Message struct {
	ID, ChannelID, Content string
	// ReplyTo is the message it replies to (message_reference).
	ReplyTo string
	// Interaction is the interaction whose response or follow-up it is.
	Interaction string
	// Original is an interaction's response (deferred, then edited).
	Original bool
	// AllowedMentions is the allowed_mentions sent, as JSON;
	// Components its components (buttons), as JSON.
	AllowedMentions, Components string
	Flags                       int
	// Versions are its contents, the first and each edit.
	Versions []string
	At       time.Time
}

// Call is one REST request the server received.
type Call struct {
	Method string
	// Route is the path after /api/v9/, with ids: channels/123/messages.
	Route  string
	Status int
	At     time.Time
}

type interaction struct {
	bot                *Bot
	ID, Token, Channel string
	Created            time.Time
	// Acked is the callback's type (5 deferred); 0 before it.
	Acked    int
	AckedAt  time.Time
	original *Message
	expired  bool
}

// errorBody is Discord's JSON error.
func writeError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, map[string]any{"message": msg, "code": code})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// MaxContent is the most characters a message's content holds.
const MaxContent = 2000

// checkContent is Discord's validation of a message's content.
func checkContent(w http.ResponseWriter, content string) bool {
	switch {
	case strings.TrimSpace(content) == "":
		writeError(w, http.StatusBadRequest, 50006, "Cannot send an empty message")
		return false
	case utf8.RuneCountInString(content) > MaxContent:
		writeJSON(w, http.StatusBadRequest, map[string]any{"message": "Invalid Form Body", "code": 50035,
			"errors": map[string]any{"content": map[string]any{"_errors": []any{map[string]any{
				"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}}}}})
		return false
	}
	return true
}

func readBody(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return err
	}
	if len(b) == 0 {
		return nil
	}
	return json.Unmarshal(b, v)
}
