package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/channels/web"
	"github.com/faroai/faro/llm/offline"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/sqlite"
)

const secret = "0123456789abcdef0123456789abcdef-test"

type env struct {
	t     *testing.T
	srv   *httptest.Server
	h     *web.Handler
	store store.Store
	agent *agent.Agent
}

// delayed holds every turn back before the agent sees it, so a test can
// drop the socket while the turn is still to come.
type delayed struct {
	web.Agent
	d time.Duration
}

func (a delayed) Turn(ctx context.Context, m agent.Message, s func(string)) (agent.Reply, error) {
	time.Sleep(a.d)
	return a.Agent.Turn(ctx, m, s)
}

func openStore(t *testing.T) store.Store {
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "faro.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func newAgent(t *testing.T, st store.Store) *agent.Agent {
	a, err := agent.New(agent.Options{
		Store: st, Model: offline.NewModel(offline.Options{}),
		Limits: agent.Limits{BurstWindow: -1},
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close(context.Background()) })
	return a
}

func start(t *testing.T, st store.Store, ag web.Agent, edit func(*web.Options)) *env {
	t.Helper()
	if st == nil {
		st = openStore(t)
	}
	var real *agent.Agent
	if ag == nil {
		real = newAgent(t, st)
		ag = real
	}
	opts := web.Options{
		Agent: ag, Store: st, Secret: []byte(secret),
		AuthTimeout: 500 * time.Millisecond, WriteWait: 500 * time.Millisecond,
	}
	if edit != nil {
		edit(&opts)
	}
	h, err := web.New(opts)
	require.NoError(t, err)
	mux := http.NewServeMux()
	h.Mount(mux.Handle, true)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		_ = h.Shutdown(context.Background())
		srv.Close()
	})
	return &env{t: t, srv: srv, h: h, store: st, agent: real}
}

type session struct {
	Token     string `json:"token"`
	VisitorID string `json:"visitor_id"`
}

func (e *env) session(visitor string) session {
	e.t.Helper()
	body := "{}"
	if visitor != "" {
		body = fmt.Sprintf(`{"visitor_id":%q}`, visitor)
	}
	req, _ := http.NewRequest("POST", e.srv.URL+"/widget/session", strings.NewReader(body))
	req.Header.Set("Origin", e.srv.URL)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer res.Body.Close()
	require.Equal(e.t, 200, res.StatusCode)
	var s session
	require.NoError(e.t, json.NewDecoder(res.Body).Decode(&s))
	return s
}

func (e *env) dial(origin string) (*websocket.Conn, *http.Response, error) {
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	return websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(e.srv.URL, "http")+"/widget/ws", h)
}

// client is an authenticated socket.
type client struct {
	t  *testing.T
	ws *websocket.Conn
}

func (e *env) connect(s session) *client {
	e.t.Helper()
	ws, _, err := e.dial(e.srv.URL)
	require.NoError(e.t, err)
	e.t.Cleanup(func() { _ = ws.Close() })
	c := &client{t: e.t, ws: ws}
	c.send(map[string]any{"type": "auth", "token": s.Token})
	return c
}

func (c *client) send(v any) {
	c.t.Helper()
	require.NoError(c.t, c.ws.WriteJSON(v))
}

type frame struct {
	Type           string `json:"type"`
	ConversationID string `json:"conversation_id"`
	Seq            int64  `json:"seq"`
	ClientMsgID    string `json:"client_msg_id"`
	Text           string `json:"text"`
	Code           string `json:"code"`
	Message        string `json:"message"`
	StreamID       string `json:"stream_id"`
	Index          int    `json:"index"`
	Tools          []struct {
		Name   string `json:"name"`
		Status string `json:"status"`
		Link   string `json:"link"`
	} `json:"tools"`
}

func (c *client) next(timeout time.Duration) (frame, error) {
	_ = c.ws.SetReadDeadline(time.Now().Add(timeout))
	var f frame
	err := c.ws.ReadJSON(&f)
	return f, err
}

// until reads frames until one of type typ, returning all read.
func (c *client) until(typ string) []frame {
	c.t.Helper()
	var out []frame
	for {
		f, err := c.next(10 * time.Second)
		require.NoError(c.t, err, "waiting for %s after %v", typ, out)
		out = append(out, f)
		if f.Type == typ {
			return out
		}
	}
}

func closeCode(err error) int {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return -1
}

// readClose reads until the socket closes and returns the close code.
func (c *client) readClose() int {
	for {
		_, err := c.next(5 * time.Second)
		if err != nil {
			return closeCode(err)
		}
	}
}

func TestAuthRequired(t *testing.T) {
	e := start(t, nil, nil, func(o *web.Options) {})
	t.Run("no frame", func(t *testing.T) {
		ws, _, err := e.dial(e.srv.URL)
		require.NoError(t, err)
		defer ws.Close()
		c := &client{t: t, ws: ws}
		require.Equal(t, 4401, c.readClose())
	})
	t.Run("hello first", func(t *testing.T) {
		ws, _, err := e.dial(e.srv.URL)
		require.NoError(t, err)
		defer ws.Close()
		c := &client{t: t, ws: ws}
		c.send(map[string]any{"type": "hello", "visitor_id": "x"})
		require.Equal(t, 4401, c.readClose())
	})
	t.Run("forged", func(t *testing.T) {
		s := e.session("")
		payload, _, _ := strings.Cut(s.Token, ".")
		c := e.connect(session{Token: payload + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})
		require.Equal(t, 4401, c.readClose())
	})
	t.Run("other secret", func(t *testing.T) {
		other := start(t, e.store, nil, func(o *web.Options) { o.Secret = []byte(strings.Repeat("z", 40)) })
		s := other.session("")
		c := e.connect(s) // a token of another server, same origin shape
		require.Equal(t, 4401, c.readClose())
	})
	t.Run("expired", func(t *testing.T) {
		past := start(t, e.store, nil, func(o *web.Options) {
			o.Clock = func() time.Time { return time.Now().Add(-time.Hour) }
		})
		s := past.session("")
		// Same secret, so only the expiry is wrong; the origin differs
		// too, so sign against e's origin by asking e with a past clock:
		// past's token is bound to past's origin.
		ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(past.srv.URL, "http")+"/widget/ws", http.Header{"Origin": {past.srv.URL}})
		require.NoError(t, err)
		defer ws.Close()
		c := &client{t: t, ws: ws}
		c.send(map[string]any{"type": "auth", "token": s.Token})
		// past's clock is an hour back, its 15-minute token is valid for
		// past: the socket lives. The same token on e (real clock) is
		// expired, whatever the origin check says, so check the expiry on
		// a server sharing past's origin rule but a real clock instead.
		c.send(map[string]any{"type": "ping"})
		f, err := c.next(2 * time.Second)
		require.NoError(t, err)
		require.Equal(t, "pong", f.Type)

		now := start(t, e.store, nil, nil)
		tok := signFor(t, past, now)
		c2 := now.connect(session{Token: tok})
		require.Equal(t, 4401, c2.readClose())
	})
	t.Run("valid", func(t *testing.T) {
		c := e.connect(e.session(""))
		c.send(map[string]any{"type": "ping"})
		f, err := c.next(2 * time.Second)
		require.NoError(t, err)
		require.Equal(t, "pong", f.Type)
	})
}

// signFor gets a token from a server whose clock is an hour back, bound to
// target's origin: an expired token that is otherwise good for target.
func signFor(t *testing.T, past, target *env) string {
	req, _ := http.NewRequest("POST", target.srv.URL+"/widget/session", strings.NewReader("{}"))
	req.Header.Set("Origin", target.srv.URL)
	// Sent to past's handler with target's Host and Origin: same-origin
	// rule passes and the token binds target's origin.
	rec := httptest.NewRecorder()
	mux := http.NewServeMux()
	past.h.Mount(mux.Handle, false)
	req.Host = strings.TrimPrefix(target.srv.URL, "http://")
	mux.ServeHTTP(rec, req)
	require.Equal(t, 200, rec.Code, rec.Body.String())
	var s session
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &s))
	return s.Token
}

func TestForeignOrigin(t *testing.T) {
	e := start(t, nil, nil, nil)
	_, res, err := e.dial("https://evil.example")
	require.Error(t, err)
	require.Equal(t, http.StatusForbidden, res.StatusCode)
	_, res, err = e.dial("")
	require.Error(t, err)
	require.Equal(t, http.StatusForbidden, res.StatusCode)

	req, _ := http.NewRequest("POST", e.srv.URL+"/widget/session", strings.NewReader("{}"))
	req.Header.Set("Origin", "https://evil.example")
	r2, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	r2.Body.Close()
	require.Equal(t, http.StatusForbidden, r2.StatusCode)

	// A configured origin is allowed, the server's own then is not.
	cfg := start(t, nil, nil, func(o *web.Options) { o.Origins = []string{"https://shop.example"} })
	ws, _, err := cfg.dial("https://shop.example")
	require.NoError(t, err)
	ws.Close()
	_, res, err = cfg.dial(cfg.srv.URL)
	require.Error(t, err)
	require.Equal(t, http.StatusForbidden, res.StatusCode)
}

func TestOversizeAndBinary(t *testing.T) {
	e := start(t, nil, nil, nil)
	c := e.connect(e.session(""))
	c.send(map[string]any{"type": "message", "client_msg_id": "11111111-aaaa", "text": strings.Repeat("a", 17<<10)})
	require.Equal(t, websocket.CloseMessageTooBig, c.readClose())

	c = e.connect(e.session(""))
	require.NoError(t, c.ws.WriteMessage(websocket.BinaryMessage, []byte{1, 2, 3}))
	require.Equal(t, websocket.CloseUnsupportedData, c.readClose())

	c = e.connect(e.session(""))
	c.send(map[string]any{"type": "hello", "language": "en"})
	c.until("ready")
	c.send(map[string]any{"type": "message", "client_msg_id": "22222222-bbbb", "text": strings.Repeat("é", 4001)})
	fs := c.until("error")
	require.Equal(t, "too_long", fs[len(fs)-1].Code)
	require.Contains(t, fs[len(fs)-1].Message, "too long")
}

func TestMessageAckReplyAndDedupe(t *testing.T) {
	e := start(t, nil, nil, nil)
	s := e.session("")
	c := e.connect(s)
	c.send(map[string]any{"type": "hello", "visitor_id": s.VisitorID, "language": "es"})
	require.Equal(t, "", c.until("ready")[0].ConversationID)
	c.send(map[string]any{"type": "message", "client_msg_id": "aaaaaaaa-0001", "text": "Hola, ¿qué cursos tienen?"})
	fs := c.until("reply")
	var ack frame
	for _, f := range fs {
		if f.Type == "ack" {
			ack = f
		}
	}
	reply := fs[len(fs)-1]
	require.Equal(t, "aaaaaaaa-0001", ack.ClientMsgID)
	require.NotEmpty(t, ack.ConversationID)
	require.Greater(t, reply.Seq, ack.Seq)
	require.NotEmpty(t, reply.Text)

	// The same client_msg_id again (a re-send after a lost ack): acked
	// with the same seq, answered once.
	c.send(map[string]any{"type": "message", "client_msg_id": "aaaaaaaa-0001", "text": "Hola, ¿qué cursos tienen?"})
	fs = c.until("ack")
	require.Equal(t, ack.Seq, fs[len(fs)-1].Seq)
	_, err := c.next(500 * time.Millisecond)
	require.Error(t, err, "no second reply")

	msgs, err := e.store.Messages(t.Context(), ack.ConversationID, store.MessageQuery{})
	require.NoError(t, err)
	users, replies := 0, 0
	for _, m := range msgs {
		switch {
		case m.Author == store.AuthorUser:
			users++
		case m.Author == store.AuthorAssistant && len(m.ToolCalls) == 0:
			replies++
		}
	}
	require.Equal(t, 1, users)
	require.Equal(t, 1, replies)

	// Another visitor may not resume it.
	other := e.connect(e.session(""))
	other.send(map[string]any{"type": "resume", "conversation_id": ack.ConversationID, "last_seq": 0})
	fs = other.until("error")
	require.Equal(t, "forbidden", fs[len(fs)-1].Code)
}

func TestResumeReplaysExactlyWhatWasMissed(t *testing.T) {
	st := openStore(t)
	ag := newAgent(t, st)
	e := start(t, st, delayed{Agent: ag, d: 300 * time.Millisecond}, nil)
	s := e.session("")
	c := e.connect(s)
	c.send(map[string]any{"type": "hello", "visitor_id": s.VisitorID})
	c.until("ready")
	c.send(map[string]any{"type": "message", "client_msg_id": "bbbbbbbb-0001", "text": "¿Cuánto cuesta IA para marketing?"})
	fs := c.until("reply")
	conv := ""
	for _, f := range fs {
		if f.Type == "ack" {
			conv = f.ConversationID
		}
	}
	lastSeq := fs[len(fs)-1].Seq

	// Two messages, and the socket drops before either is answered.
	c.send(map[string]any{"type": "message", "client_msg_id": "bbbbbbbb-0002", "text": "¿Y cuándo empieza?"})
	c.send(map[string]any{"type": "message", "client_msg_id": "bbbbbbbb-0003", "text": "¿Tiene certificado?"})
	require.NoError(t, c.ws.Close())
	// Both are answered while nobody is connected: by one reply if the
	// agent folded them (a burst), else two.
	storedReplies := 0
	require.Eventually(t, func() bool {
		// Done when every message is answered (a reply's answers_seq
		// names the messages it answers), not merely when some reply
		// follows the last: the other may still be on its way.
		ms, _ := st.Messages(t.Context(), conv, store.MessageQuery{AfterSeq: lastSeq})
		asked, answered, n := map[int64]bool{}, map[int64]bool{}, 0
		for _, m := range ms {
			switch {
			case m.Author == store.AuthorUser:
				asked[m.Seq] = true
			case m.Author == store.AuthorAssistant && len(m.ToolCalls) == 0:
				var meta agent.ReplyMeta
				if json.Unmarshal(m.Meta, &meta) != nil {
					return false
				}
				for _, seq := range meta.AnswersSeq {
					answered[seq] = true
				}
				n++
			}
		}
		storedReplies = n
		for seq := range asked {
			if !answered[seq] {
				return false
			}
		}
		return len(asked) == 2
	}, 10*time.Second, 50*time.Millisecond)

	// A restart: a new handler over the same store.
	e2 := start(t, st, ag, nil)
	c2 := e2.connect(e2.session(s.VisitorID))
	c2.send(map[string]any{"type": "resume", "conversation_id": conv, "last_seq": lastSeq})
	got := c2.until("ready")
	seen := map[int64]bool{}
	var users, replies []string
	for _, f := range got[:len(got)-1] {
		require.Greater(t, f.Seq, lastSeq)
		require.False(t, seen[f.Seq], "seq %d twice", f.Seq)
		seen[f.Seq] = true
		switch f.Type {
		case "user":
			users = append(users, f.ClientMsgID)
		case "reply":
			replies = append(replies, f.Text)
		}
	}
	require.ElementsMatch(t, []string{"bbbbbbbb-0002", "bbbbbbbb-0003"}, users)
	require.Len(t, replies, storedReplies)
	require.Equal(t, conv, got[len(got)-1].ConversationID)

	// The unacked messages re-sent after the reconnect: acked, not
	// answered again.
	c2.send(map[string]any{"type": "message", "client_msg_id": "bbbbbbbb-0002", "text": "¿Y cuándo empieza?"})
	c2.send(map[string]any{"type": "message", "client_msg_id": "bbbbbbbb-0003", "text": "¿Tiene certificado?"})
	acks := 0
	for acks < 2 {
		f, err := c2.next(5 * time.Second)
		require.NoError(t, err)
		require.NotEqual(t, "reply", f.Type, "a replayed reply sent again")
		if f.Type == "ack" {
			acks++
		}
	}
	_, err := c2.next(700 * time.Millisecond)
	require.Error(t, err, "nothing more")
}

func TestRateLimit(t *testing.T) {
	e := start(t, nil, nil, nil)
	c := e.connect(e.session(""))
	for range 30 {
		c.send(map[string]any{"type": "ping"})
	}
	limited := false
	for range 30 {
		f, err := c.next(2 * time.Second)
		if err != nil {
			break
		}
		if f.Type == "error" && f.Code == "rate_limited" {
			limited = true
			break
		}
	}
	require.True(t, limited)

	// Sessions per address.
	e2 := start(t, nil, nil, func(o *web.Options) { o.SessionsPerMinute = 3 })
	codes := []int{}
	for range 5 {
		req, _ := http.NewRequest("POST", e2.srv.URL+"/widget/session", nil)
		req.Header.Set("Origin", e2.srv.URL)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		codes = append(codes, res.StatusCode)
	}
	require.Equal(t, []int{200, 200, 200, 429, 429}, codes)

	// Connections per address.
	e3 := start(t, nil, nil, func(o *web.Options) { o.MaxConnsPerIP = 2 })
	for range 2 {
		e3.connect(e3.session(""))
	}
	require.Eventually(t, func() bool { return e3.h.Connections() == 2 }, 2*time.Second, 10*time.Millisecond)
	_, res, err := e3.dial(e3.srv.URL)
	require.Error(t, err)
	require.Equal(t, http.StatusTooManyRequests, res.StatusCode)
}

// flood streams big deltas and counts how long the agent spent streaming.
type flood struct {
	streamed atomic.Int64 // nanoseconds inside stream calls
	seq      atomic.Int64
}

func (f *flood) Turn(_ context.Context, m agent.Message, stream func(string)) (agent.Reply, error) {
	big := strings.Repeat("x", 1<<10)
	if m.Text == "big" {
		big = strings.Repeat("x", 64<<10)
	}
	begin := time.Now()
	for range 2000 {
		stream(big)
	}
	f.streamed.Add(int64(time.Since(begin)))
	n := f.seq.Add(2)
	return agent.Reply{ConversationID: "conv-" + m.Sender.ExternalID, InboundSeq: n - 1, Seq: n, Text: "done", Outcome: agent.OutcomeAnswered}, nil
}

func TestSlowClientBlocksNobody(t *testing.T) {
	fl := &flood{}
	e := start(t, nil, fl, func(o *web.Options) {
		o.WriteWait = time.Second
		o.PingInterval, o.PongWait = 200*time.Millisecond, time.Second
	})
	slow := e.connect(e.session(""))
	// The slow client asks, then never reads again.
	for i := range 5 {
		slow.send(map[string]any{"type": "message", "client_msg_id": fmt.Sprintf("cccccccc-%04d", i), "text": "big"})
	}
	fast := e.connect(e.session(""))
	begin := time.Now()
	fast.send(map[string]any{"type": "message", "client_msg_id": "dddddddd-0001", "text": "hola"})
	for {
		f, err := fast.next(10 * time.Second)
		require.NoError(t, err)
		if f.Type == "reply" {
			break
		}
	}
	require.Less(t, time.Since(begin), 5*time.Second)
	// 10,000 deltas of 64 KiB to sockets that cannot take them: the stream
	// callback never waited on a socket.
	require.Less(t, time.Duration(fl.streamed.Load()), 3*time.Second)
	// Its queue is bounded, and a turn's deltas past 64 KiB are dropped
	// rather than held for it; reading nothing, it answers no ping and is
	// dropped (it resumes from the store if it comes back).
	go func() { // the fast client keeps reading, and so answers pings
		for {
			if _, err := fast.next(time.Minute); err != nil {
				return
			}
		}
	}()
	require.Eventually(t, func() bool { return e.h.Connections() == 1 }, 10*time.Second, 20*time.Millisecond)
}

func TestShutdownGoingAway(t *testing.T) {
	e := start(t, nil, nil, nil)
	c := e.connect(e.session(""))
	c.send(map[string]any{"type": "ping"})
	c.until("pong")
	require.NoError(t, e.h.Shutdown(t.Context()))
	require.Equal(t, websocket.CloseGoingAway, c.readClose())
	_, res, err := e.dial(e.srv.URL)
	require.Error(t, err)
	require.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
}

func TestSignalsNeedConsent(t *testing.T) {
	e := start(t, nil, nil, nil)
	s := e.session("")
	c := e.connect(s)
	c.send(map[string]any{"type": "hello", "consent": map[string]bool{"analytics": false}})
	c.until("ready")
	c.send(map[string]any{"type": "signals", "pages_viewed": 3})
	fs := c.until("error")
	require.Equal(t, "no_consent", fs[len(fs)-1].Code)
	_, ok := e.h.Signals(s.VisitorID)
	require.False(t, ok)

	c.send(map[string]any{"type": "hello", "consent": map[string]bool{"analytics": true}})
	c.until("ready")
	c.send(map[string]any{"type": "signals", "pages_viewed": 3, "time_on_site_seconds": 95, "pricing_visits": 2, "demo_requested": true})
	require.Eventually(t, func() bool { _, ok := e.h.Signals(s.VisitorID); return ok }, 2*time.Second, 10*time.Millisecond)
	got, _ := e.h.Signals(s.VisitorID)
	require.Equal(t, web.Signals{VisitorID: s.VisitorID, PagesViewed: 3, TimeOnSiteSeconds: 95, PricingVisits: 2, DemoRequested: true}, got)
}

func TestSecretPersists(t *testing.T) {
	dir := t.TempDir()
	a, err := web.LoadOrCreateSecret(dir)
	require.NoError(t, err)
	b, err := web.LoadOrCreateSecret(dir)
	require.NoError(t, err)
	require.Equal(t, a, b)
	require.GreaterOrEqual(t, len(a), 32)
}

func TestStaffReplyDeliveredLive(t *testing.T) {
	e := start(t, nil, nil, nil)
	s := e.session("")
	c := e.connect(s)
	c.send(map[string]any{"type": "hello"})
	c.until("ready")
	c.send(map[string]any{"type": "message", "client_msg_id": "eeeeeeee-0001", "text": "hola"})
	fs := c.until("reply")
	convID := ""
	for _, f := range fs {
		if f.Type == "ack" {
			convID = f.ConversationID
		}
	}
	conv, err := e.store.Conversation(t.Context(), convID)
	require.NoError(t, err)
	m, _, err := e.store.AppendMessage(t.Context(), store.Message{ConversationID: convID, Author: store.AuthorStaff, Text: "Soy Marta, del equipo.", Channel: web.Channel})
	require.NoError(t, err)
	require.NoError(t, e.h.Deliver(t.Context(), conv, m))
	fs = c.until("reply")
	got := fs[len(fs)-1]
	require.Equal(t, m.Seq, got.Seq)
	require.Equal(t, "Soy Marta, del equipo.", got.Text)
}

// pieces streams n numbered pieces as fast as it can, like the offline
// engine does a whole answer.
type pieces struct{ n int }

func (p pieces) Turn(_ context.Context, m agent.Message, stream func(string)) (agent.Reply, error) {
	var all strings.Builder
	for i := range p.n {
		s := fmt.Sprintf("%d ", i)
		all.WriteString(s)
		stream(s)
	}
	return agent.Reply{ConversationID: "conv-" + m.Sender.ExternalID, InboundSeq: 1, Seq: 2, Text: all.String(), Outcome: agent.OutcomeAnswered}, nil
}

func TestDeltasCoalesceInOrder(t *testing.T) {
	e := start(t, nil, pieces{n: 500}, nil)
	c := e.connect(e.session(""))
	c.send(map[string]any{"type": "message", "client_msg_id": "ffffffff-0001", "text": "hola"})
	var streamed strings.Builder
	deltas := 0
	fs := c.until("reply")
	for _, f := range fs {
		if f.Type != "delta" {
			continue
		}
		require.Equal(t, deltas, f.Index, "indexes are 0, 1, 2… over the frames sent")
		require.Equal(t, "ffffffff-0001", f.StreamID)
		streamed.WriteString(f.Text)
		deltas++
	}
	// Nothing lost, nothing reordered, however the pieces were grouped: the
	// preview is the reply.
	require.Positive(t, deltas)
	require.LessOrEqual(t, deltas, 500)
	require.Equal(t, fs[len(fs)-1].Text, streamed.String())
	t.Logf("500 pieces in %d delta frames", deltas)
}

// documented answers with tool summaries of generated documents and the
// one document the agent found among them (agent.Reply.Documents).
type documented struct{ seq atomic.Int64 }

func (d *documented) Turn(_ context.Context, m agent.Message, _ func(string)) (agent.Reply, error) {
	n := d.seq.Add(2)
	return agent.Reply{ConversationID: "conv-" + m.Sender.ExternalID, InboundSeq: n - 1, Seq: n, Text: "aquí está", Outcome: agent.OutcomeAnswered,
		Tools: []agent.ToolSummary{
			{Name: "generate_document", Status: "ok", Args: json.RawMessage(`{"template":"certificate"}`),
				Result: json.RawMessage(`{"status":"generated","url":"https://faro.example/d/abc?exp=1&sig=x","message":"listo"}`)},
			{Name: "generate_document", Status: "ok", Result: json.RawMessage(`{"status":"generated","url":"javascript:alert(1)"}`)},
			{Name: "generate_document", Status: "ok", Result: json.RawMessage(`{"status":"incomplete","message":"falta"}`)},
			{Name: "enroll_course", Status: "ok", Result: json.RawMessage(`{"url":"https://pay.example/x"}`)},
		},
		Documents: []agent.Document{{Name: "c.pdf", URL: "https://faro.example/d/abc?exp=1&sig=x", Format: "pdf", Tool: 0}}}, nil
}

func TestReplyCarriesDocumentLink(t *testing.T) {
	e := start(t, nil, &documented{}, nil)
	s := e.session("")
	c := e.connect(s)
	c.send(map[string]any{"type": "hello", "visitor_id": s.VisitorID, "language": "es"})
	c.until("ready")
	c.send(map[string]any{"type": "message", "client_msg_id": "eeeeeeee-0001", "text": "mi certificado"})
	fs := c.until("reply")
	reply := fs[len(fs)-1]
	require.Len(t, reply.Tools, 4)
	require.Equal(t, "https://faro.example/d/abc?exp=1&sig=x", reply.Tools[0].Link, "the document made for the visitor")
	require.Empty(t, reply.Tools[1].Link, "only http(s) links")
	require.Empty(t, reply.Tools[2].Link, "nothing generated")
	require.Empty(t, reply.Tools[3].Link, "other tools' results stay private")
}

// TestConsentGivenAfterHello: a banner accepted while the socket is open
// grants consent from then on (it used to be refused: only hello's consent
// counted), and withdrawing it refuses signals again and forgets them.
func TestConsentGivenAfterHello(t *testing.T) {
	e := start(t, nil, nil, nil)
	s := e.session("")
	c := e.connect(s)
	c.send(map[string]any{"type": "hello", "consent": map[string]bool{"analytics": false}})
	c.until("ready")

	c.send(map[string]any{"type": "consent", "consent": map[string]bool{"analytics": true}})
	c.send(map[string]any{"type": "signals", "pages_viewed": 2, "time_on_site_seconds": 30})
	c.send(map[string]any{"type": "ping"})
	fs := c.until("pong")
	for _, f := range fs {
		require.NotEqual(t, "error", f.Type, "signals after consent: %+v", fs)
	}
	got, ok := e.h.Signals(s.VisitorID)
	require.True(t, ok)
	require.Equal(t, 2, got.PagesViewed)

	c.send(map[string]any{"type": "consent", "consent": map[string]bool{"analytics": false}})
	c.send(map[string]any{"type": "signals", "pages_viewed": 3})
	fs = c.until("error")
	require.Equal(t, "no_consent", fs[len(fs)-1].Code)
	_, ok = e.h.Signals(s.VisitorID)
	require.False(t, ok, "withdrawn consent forgets the signals")

	c.send(map[string]any{"type": "consent"})
	fs = c.until("error")
	require.Equal(t, "bad_frame", fs[len(fs)-1].Code)
}

// TestFavicon: browsers ask for /favicon.ico on every page; it is an
// image, cached.
func TestFavicon(t *testing.T) {
	e := start(t, nil, nil, nil)
	for _, p := range []string{"/favicon.ico", "/favicon.svg"} {
		res, err := http.Get(e.srv.URL + p)
		require.NoError(t, err)
		b, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		_ = res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode, p)
		require.Equal(t, "image/svg+xml", res.Header.Get("Content-Type"), p)
		require.Contains(t, res.Header.Get("Cache-Control"), "max-age=", p)
		require.True(t, strings.HasPrefix(string(b), "<svg"), p)
	}
}

// TestReadyAndAckCarryLanguage: the widget's own strings follow the
// conversation's language, which the server tells it on ack and on ready.
func TestReadyAndAckCarryLanguage(t *testing.T) {
	e := start(t, nil, nil, nil)
	s := e.session("")
	c := e.connect(s)
	c.send(map[string]any{"type": "hello", "language": "es"})
	c.until("ready")
	c.send(map[string]any{"type": "message", "client_msg_id": "lang-0001", "text": "Hello, how much does the AI for marketing course cost?"})
	var ack map[string]any
	for {
		_ = c.ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		var f map[string]any
		require.NoError(t, c.ws.ReadJSON(&f))
		if f["type"] == "ack" {
			ack = f
		}
		if f["type"] == "reply" {
			require.Equal(t, "en", f["language"])
			break
		}
	}
	require.Equal(t, "en", ack["language"])

	c2 := e.connect(s)
	c2.send(map[string]any{"type": "hello", "language": "es"})
	_ = c2.ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	var ready map[string]any
	require.NoError(t, c2.ws.ReadJSON(&ready))
	require.Equal(t, "ready", ready["type"])
	require.Equal(t, "en", ready["language"])
}

// TestMessageWithNUL: a NUL in a message is dropped rather than failing
// the turn (it cannot be stored), so the message is answered once and a
// re-send is only acked; a message of nothing but control characters is a
// bad frame, which the widget does not re-send.
func TestMessageWithNUL(t *testing.T) {
	e := start(t, nil, nil, nil)
	s := e.session("")
	c := e.connect(s)
	c.send(map[string]any{"type": "hello", "visitor_id": s.VisitorID, "language": "es"})
	c.until("ready")
	c.send(map[string]any{"type": "message", "client_msg_id": "cccccccc-0001", "text": "hola\u0000"})
	fs := c.until("reply")
	var ack frame
	for _, f := range fs {
		require.NotEqual(t, "error", f.Type, "frames: %+v", fs)
		if f.Type == "ack" {
			ack = f
		}
	}
	require.NotEmpty(t, ack.ConversationID)
	c.send(map[string]any{"type": "message", "client_msg_id": "cccccccc-0001", "text": "hola\u0000"})
	fs = c.until("ack")
	require.Equal(t, ack.Seq, fs[len(fs)-1].Seq, "the re-send is the stored message")
	msgs, err := e.store.Messages(t.Context(), ack.ConversationID, store.MessageQuery{})
	require.NoError(t, err)
	require.Equal(t, "hola", msgs[0].Text)

	c.send(map[string]any{"type": "message", "client_msg_id": "cccccccc-0002", "text": "\u0000\u0001"})
	fs = c.until("error")
	require.Equal(t, "bad_frame", fs[len(fs)-1].Code)
}

// TestResumeBeyondLastSeq: a resume with a last_seq past the
// conversation's is taken as its last seq, so later replies still arrive.
func TestResumeBeyondLastSeq(t *testing.T) {
	e := start(t, nil, nil, nil)
	s := e.session("")
	c := e.connect(s)
	c.send(map[string]any{"type": "hello", "visitor_id": s.VisitorID, "language": "es"})
	c.until("ready")
	c.send(map[string]any{"type": "message", "client_msg_id": "dddddddd-0001", "text": "Hola"})
	fs := c.until("reply")
	conv, last := "", fs[len(fs)-1].Seq
	for _, f := range fs {
		if f.Type == "ack" {
			conv = f.ConversationID
		}
	}

	c2 := e.connect(e.session(s.VisitorID))
	c2.send(map[string]any{"type": "resume", "conversation_id": conv, "last_seq": 1 << 40})
	ready := c2.until("ready")
	require.Equal(t, last, ready[len(ready)-1].Seq, "ready says the conversation's last seq")
	c2.send(map[string]any{"type": "message", "client_msg_id": "dddddddd-0002", "text": "¿Qué cursos tienen?"})
	fs = c2.until("reply")
	require.Greater(t, fs[len(fs)-1].Seq, last, "the later reply arrives")
}
