package mmapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Event is one event of the websocket stream.
type Event struct {
	// Event is its type: hello, posted, typing…
	Event string `json:"event"`
	// Data is its payload, as Mattermost sent it. In a posted event,
	// data.post is the post as a JSON string, not an object.
	Data      json.RawMessage `json:"data"`
	Broadcast Broadcast       `json:"broadcast"`
	// Seq numbers the events of one connection: 0 for its hello, then
	// one more for each event.
	Seq int64 `json:"seq"`
}

// Broadcast says whom an event was sent to.
type Broadcast struct {
	UserID    string `json:"user_id"`
	ChannelID string `json:"channel_id"`
	TeamID    string `json:"team_id"`
}

// Event types Faro reads.
const (
	EventHello  = "hello"
	EventPosted = "posted"
)

// Hello is a hello event's data.
type Hello struct {
	ServerVersion string `json:"server_version"`
	ConnectionID  string `json:"connection_id"`
}

// response is the server's answer to an action the client sent
// ({"status":"OK","seq_reply":1}).
type response struct {
	Status   string `json:"status"`
	SeqReply int64  `json:"seq_reply"`
	Error    *struct {
		ID      string `json:"id"`
		Message string `json:"message"`
	} `json:"error"`
}

// ListenOptions shape [Client.Listen]. Zero values are the defaults.
type ListenOptions struct {
	// MinBackoff and MaxBackoff bound the wait before a reconnection: it
	// doubles from MinBackoff after each failed attempt, with jitter.
	// Defaults 1 s and 1 min.
	MinBackoff, MaxBackoff time.Duration
	// PingEvery is how often the client pings the server; PongWait how
	// long it waits for any frame (an event, a ping, a pong) before it
	// takes the connection for dead. Defaults 30 s and 100 s (the
	// server pings every 60 s and waits 100 s itself).
	PingEvery, PongWait time.Duration
	// AuthTimeout bounds the authentication challenge's answer. Default
	// 10 s.
	AuthTimeout time.Duration
	// Dialer dials the websocket; nil is a dialer with a 15 s handshake
	// timeout.
	Dialer *websocket.Dialer
	// OnConnectFunc, when set, is told of every hello: resumed is false
	// when the server started a new connection (a first connection, or
	// one it could not resume, whose missed events are lost).
	OnConnectFunc func(h Hello, resumed bool)
	// OnErrorFunc, when set, is told why a connection ended or failed.
	OnErrorFunc func(err error, retryIn time.Duration)
}

// ErrUnauthorized is a token the websocket refused.
var ErrUnauthorized = errors.New("mattermost: websocket: the token was refused")

// Listen connects to the websocket event stream and calls handle with
// every event in order, until ctx ends (then it returns nil). A dropped
// connection is reopened with backoff, asking the server to resume from
// the next event not handled (connection_id, sequence_number): an event
// sent while the connection was down arrives after it (as long as the
// server still has it). When handle returns an error the event is not
// taken as handled: the connection is closed and reopened from it, so it
// is handled again. An event seen twice on a connection (a resumed
// server's replay) is passed once.
//
// A refused token (ErrUnauthorized) is retried too, with backoff: a
// server restarting can refuse for a moment.
func (c *Client) Listen(ctx context.Context, o ListenOptions, handle func(context.Context, Event) error) error {
	o = o.withDefaults()
	var st streamState
	wait := time.Duration(0)
	for {
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil
			case <-t.C:
			}
		}
		healthy, err := c.listenOnce(ctx, o, &st, handle)
		if ctx.Err() != nil {
			return nil
		}
		switch {
		case healthy:
			wait = o.MinBackoff / 2 // a connection that worked: come back soon
		case wait == 0:
			wait = o.MinBackoff
		default:
			wait = min(2*wait, o.MaxBackoff)
		}
		wait = wait/2 + rand.N(wait/2+1)
		if o.OnErrorFunc != nil {
			o.OnErrorFunc(err, wait)
		}
	}
}

func (o ListenOptions) withDefaults() ListenOptions {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.MinBackoff, time.Second)
	def(&o.MaxBackoff, time.Minute)
	o.MaxBackoff = max(o.MaxBackoff, o.MinBackoff)
	def(&o.PingEvery, 30*time.Second)
	def(&o.PongWait, 100*time.Second)
	def(&o.AuthTimeout, 10*time.Second)
	if o.Dialer == nil {
		o.Dialer = &websocket.Dialer{Proxy: http.ProxyFromEnvironment, HandshakeTimeout: 15 * time.Second}
	}
	return o
}

// streamState is what survives a reconnection: the server's connection
// id and the next event's sequence number.
type streamState struct {
	connID string
	next   int64
}

// wsURL is the websocket's address, with the resume parameters when there
// is a connection to resume.
func (c *Client) wsURL(st *streamState) string {
	u := *c.base
	if u.Scheme == "https" {
		u.Scheme = "wss"
	} else {
		u.Scheme = "ws"
	}
	u.Path += "/api/v4/websocket"
	if st.connID != "" {
		q := url.Values{}
		q.Set("connection_id", st.connID)
		q.Set("sequence_number", strconv.FormatInt(st.next, 10))
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// listenOnce runs one connection until it ends; healthy reports that the
// server accepted the token and every event was handled.
func (c *Client) listenOnce(ctx context.Context, o ListenOptions, st *streamState, handle func(context.Context, Event) error) (healthy bool, err error) {
	conn, resp, err := o.Dialer.DialContext(ctx, c.wsURL(st), nil)
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusUnauthorized {
			return false, ErrUnauthorized
		}
		return false, fmt.Errorf("mattermost: websocket: dial: %w", err)
	}
	defer conn.Close()
	// One writer at a time: the pinger and the reader's pong handler
	// (gorilla's default ping handler uses WriteControl, which is safe).
	var wmu sync.Mutex
	write := func(v any) error {
		wmu.Lock()
		defer wmu.Unlock()
		_ = conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
		return conn.WriteJSON(v)
	}
	conn.SetReadLimit(maxAnswer)
	extend := func() { _ = conn.SetReadDeadline(time.Now().Add(o.PongWait)) }
	extend()
	conn.SetPongHandler(func(string) error { extend(); return nil })
	conn.SetPingHandler(func(data string) error {
		extend()
		err := conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(10*time.Second))
		if errors.Is(err, websocket.ErrCloseSent) {
			return nil
		}
		return err
	})

	// The connection ends when ctx does.
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		<-cctx.Done()
		_ = conn.Close()
	}()
	go func() {
		t := time.NewTicker(o.PingEvery)
		defer t.Stop()
		for {
			select {
			case <-cctx.Done():
				return
			case <-t.C:
				if conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(10*time.Second)) != nil {
					return
				}
			}
		}
	}()

	// Authenticate: the first action, seq 1.
	if err := write(map[string]any{"seq": 1, "action": "authentication_challenge", "data": map[string]string{"token": c.token}}); err != nil {
		return false, fmt.Errorf("mattermost: websocket: authenticate: %w", err)
	}
	authDeadline := time.Now().Add(o.AuthTimeout)
	authed := false
	for {
		if !authed {
			_ = conn.SetReadDeadline(authDeadline)
		}
		_, raw, err := conn.ReadMessage()
		if err != nil {
			if !authed {
				// Mattermost closes the socket on a refused token.
				var ce *websocket.CloseError
				if errors.As(err, &ce) {
					return false, fmt.Errorf("%w (closed: %w)", ErrUnauthorized, err)
				}
				return false, fmt.Errorf("mattermost: websocket: no answer to the authentication challenge: %w", err)
			}
			return true, fmt.Errorf("mattermost: websocket: read: %w", err)
		}
		extend()
		var probe struct {
			Event  string `json:"event"`
			Status string `json:"status"`
		}
		if json.Unmarshal(raw, &probe) != nil {
			continue // not JSON: nothing Mattermost sends
		}
		if probe.Event == "" && probe.Status != "" {
			var r response
			_ = json.Unmarshal(raw, &r)
			if r.SeqReply == 1 {
				if r.Status != "OK" {
					msg := ""
					if r.Error != nil {
						msg = r.Error.ID + " " + r.Error.Message
					}
					return false, fmt.Errorf("%w: %s", ErrUnauthorized, msg)
				}
				authed = true
				extend()
			}
			continue
		}
		var ev Event
		if err := json.Unmarshal(raw, &ev); err != nil || ev.Event == "" {
			continue
		}
		if ev.Event == EventHello {
			// An event only comes to an authenticated connection.
			authed = true
			var h Hello
			_ = json.Unmarshal(ev.Data, &h)
			resumed := h.ConnectionID != "" && h.ConnectionID == st.connID
			if !resumed {
				st.connID, st.next = h.ConnectionID, ev.Seq
			}
			if o.OnConnectFunc != nil {
				o.OnConnectFunc(h, resumed)
			}
		} else {
			authed = true
		}
		if st.connID != "" && ev.Seq < st.next {
			continue // a replay of what was handled
		}
		if err := handle(ctx, ev); err != nil {
			// Not handled: reconnect from this event, after a backoff
			// that grows while it keeps failing (a database down).
			return false, fmt.Errorf("mattermost: websocket: event %d (%s) not handled: %w", ev.Seq, ev.Event, err)
		}
		st.next = ev.Seq + 1
	}
}
