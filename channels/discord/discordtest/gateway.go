package discordtest

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Gateway opcodes.
const (
	opDispatch       = 0
	opHeartbeat      = 1
	opIdentify       = 2
	opResume         = 6
	opReconnect      = 7
	opInvalidSession = 9
	opHello          = 10
	opHeartbeatACK   = 11
)

// Intents the server acts on.
const (
	intentGuilds         = 1 << 0
	intentGuildMessages  = 1 << 9
	intentDirectMessages = 1 << 12
	intentMessageContent = 1 << 15
)

// frame is a gateway payload.
type frame struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d"`
	S  *int64          `json:"s"`
	T  *string         `json:"t"`
}

// event is a dispatch kept for RESUME.
type event struct {
	seq int64
	t   string
	d   json.RawMessage
}

// session is a bot's gateway session: its events, numbered, and the
// connection it is on (nil while the bot is away, events then wait for
// RESUME).
type session struct {
	id      string
	intents int
	seq     int64
	log     []event
	conn    *gwConn
	// resendOnResume is how many events before the client's sequence a
	// RESUME replays too (Discord's at-least-once).
	resendOnResume int
}

// gwConn is one websocket, written by one writer at a time.
type gwConn struct {
	c  *websocket.Conn
	mu sync.Mutex
}

func (g *gwConn) send(op int, t string, seq int64, d any) error {
	f := map[string]any{"op": op, "d": d, "s": nil, "t": nil}
	if op == opDispatch {
		f["s"], f["t"] = seq, t
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	_ = g.c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return g.c.WriteJSON(f)
}

var upgrader = websocket.Upgrader{ReadBufferSize: 4096, WriteBufferSize: 4096}

// serveGateway is one gateway connection: HELLO, then IDENTIFY or RESUME,
// then heartbeats until it drops.
func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("encoding") != "json" || r.URL.Query().Get("v") != "9" {
		http.Error(w, "this gateway speaks v=9&encoding=json", http.StatusBadRequest)
		return
	}
	c, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	g := &gwConn{c: c}
	defer func() { _ = c.Close() }()
	c.SetReadLimit(64 << 10)
	if err := g.send(opHello, "", 0, map[string]any{"heartbeat_interval": s.HeartbeatInterval.Milliseconds()}); err != nil {
		return
	}
	var bot *Bot
	defer func() {
		if bot == nil {
			return
		}
		s.mu.Lock()
		if bot.sess != nil && bot.sess.conn == g {
			bot.sess.conn = nil
		}
		s.mu.Unlock()
	}()
	for {
		_ = c.SetReadDeadline(time.Now().Add(3*s.HeartbeatInterval + 10*time.Second))
		var f frame
		if err := c.ReadJSON(&f); err != nil {
			return
		}
		switch f.Op {
		case opHeartbeat:
			if bot != nil {
				bot.heartbeat.Add(1)
			}
			if g.send(opHeartbeatACK, "", 0, nil) != nil {
				return
			}
		case opIdentify:
			var d struct {
				Token   string `json:"token"`
				Intents int    `json:"intents"`
			}
			_ = json.Unmarshal(f.D, &d)
			b := s.bot(d.Token)
			switch {
			case b == nil:
				s.closeWith(g, 4004, "Authentication failed.")
				return
			case d.Intents&intentMessageContent != 0 && b.NoContentIntent:
				s.closeWith(g, 4014, "Disallowed intent(s).")
				return
			}
			bot = b
			s.identify(b, g, d.Intents)
		case opResume:
			var d struct {
				Token     string `json:"token"`
				SessionID string `json:"session_id"`
				Seq       int64  `json:"seq"`
			}
			_ = json.Unmarshal(f.D, &d)
			b := s.bot(d.Token)
			if b == nil {
				s.closeWith(g, 4004, "Authentication failed.")
				return
			}
			bot = b
			if !s.resume(b, g, d.SessionID, d.Seq) {
				// Not resumable: the client must identify anew.
				if g.send(opInvalidSession, "", 0, false) != nil {
					return
				}
			}
		}
	}
}

func (s *Server) closeWith(g *gwConn, code int, text string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	_ = g.c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(time.Second))
}

func (s *Server) bot(token string) *Bot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bots[strings.TrimPrefix(token, "Bot ")]
}

// identify starts a new session on g: READY, then a GUILD_CREATE for the
// bot's guild.
func (s *Server) identify(b *Bot, g *gwConn, intents int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b.sess != nil && b.sess.conn != nil && b.sess.conn != g {
		_ = b.sess.conn.c.Close()
	}
	b.sess = &session{id: "sess-" + s.id(), intents: intents, conn: g}
	b.sessions++
	b.dispatchLocked("READY", map[string]any{
		"v": 9, "user": b.User.shape(), "session_id": b.sess.id, "resume_gateway_url": s.GatewayURL,
		"guilds": []any{map[string]any{"id": b.Guild, "unavailable": true}}, "private_channels": []any{},
		"application": map[string]any{"id": b.AppID, "flags": 1 << 19}, "shard": []int{0, 1},
	})
	if intents&intentGuilds != 0 {
		var channels, threads []any
		for _, c := range b.channels {
			switch {
			case c.Guild != b.Guild:
			case c.Type == TypePublicThread:
				threads = append(threads, c.shape())
			default:
				channels = append(channels, c.shape())
			}
		}
		b.dispatchLocked("GUILD_CREATE", map[string]any{"id": b.Guild, "name": "Faro test", "unavailable": false,
			"owner_id": "1", "member_count": 2, "channels": channels, "threads": threads, "members": []any{},
			"roles": []any{}, "emojis": []any{}, "joined_at": time.Now().UTC().Format(time.RFC3339)})
	}
}

// resume moves the session to g and replays what it missed, then
// RESUMED; false when there is no such session.
func (s *Server) resume(b *Bot, g *gwConn, id string, seq int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b.sess == nil || b.sess.id != id || seq > b.sess.seq {
		return false
	}
	if b.sess.conn != nil && b.sess.conn != g {
		_ = b.sess.conn.c.Close()
	}
	b.sess.conn = g
	b.resumes++
	from := seq - int64(b.sess.resendOnResume)
	b.sess.resendOnResume = 0
	for _, e := range b.sess.log {
		if e.seq > from {
			if g.send(opDispatch, e.t, e.seq, e.d) != nil {
				return true
			}
		}
	}
	b.sess.seq++
	b.sess.log = append(b.sess.log, event{seq: b.sess.seq, t: "RESUMED", d: json.RawMessage("{}")})
	_ = g.send(opDispatch, "RESUMED", b.sess.seq, json.RawMessage("{}"))
	return true
}

// dispatchLocked numbers an event in the bot's session and sends it if
// the bot is connected; without a session (never identified, or
// invalidated) it is lost, as on Discord. Events the session's intents
// exclude are not sent; without the message content intent, a guild
// message that does not mention the bot arrives without its content.
func (b *Bot) dispatchLocked(t string, d any) {
	ss := b.sess
	if ss == nil {
		return
	}
	if t == "MESSAGE_CREATE" {
		m, _ := d.(map[string]any)
		_, guild := m["guild_id"]
		switch {
		case guild && ss.intents&intentGuildMessages == 0, !guild && ss.intents&intentDirectMessages == 0:
			return
		case guild && ss.intents&intentMessageContent == 0 && !strings.Contains(m["content"].(string), b.Mention()):
			c := make(map[string]any, len(m))
			for k, v := range m {
				c[k] = v
			}
			c["content"] = ""
			d = c
		}
	}
	raw, err := json.Marshal(d)
	if err != nil {
		panic(err)
	}
	ss.seq++
	ss.log = append(ss.log, event{seq: ss.seq, t: t, d: raw})
	if ss.conn != nil {
		if err := ss.conn.send(opDispatch, t, ss.seq, json.RawMessage(raw)); err != nil {
			_ = ss.conn.c.Close()
			ss.conn = nil
		}
	}
}

// Drop cuts the bot's gateway connection without a close frame, as a
// network failure does; the session stays resumable and events
// dispatched meanwhile wait for the RESUME.
func (b *Bot) Drop() {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	if b.sess != nil && b.sess.conn != nil {
		_ = b.sess.conn.c.UnderlyingConn().Close()
		b.sess.conn = nil
	}
}

// RequestReconnect sends op 7: the client must reconnect and resume.
func (b *Bot) RequestReconnect() {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	if b.sess != nil && b.sess.conn != nil {
		_ = b.sess.conn.send(opReconnect, "", 0, nil)
	}
}

// InvalidateSession ends the bot's session with op 9 (not resumable):
// the client must identify again, which starts a new session.
func (b *Bot) InvalidateSession() {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	if b.sess == nil {
		return
	}
	if b.sess.conn != nil {
		_ = b.sess.conn.send(opInvalidSession, "", 0, false)
	}
	b.sess.id = "invalidated"
}

// ResendOnResume makes the next RESUME replay n events the client had
// already received, besides those it missed.
func (b *Bot) ResendOnResume(n int) {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	if b.sess != nil {
		b.sess.resendOnResume = n
	}
}
