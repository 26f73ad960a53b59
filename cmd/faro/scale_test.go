package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/internal/testlog"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/postgres"
	"github.com/faroai/faro/store/postgres/pgtest"
	"github.com/faroai/faro/webhook"
)

// The multi-server tests run this test binary as several `faro serve`
// processes on one PostgreSQL: the store on PGlite (it needs pgvector),
// the live bus on Debian's PostgreSQL (NOTIFY crosses connections there;
// the tests skip, saying so, when it is not installed). The bus's poll
// alone is measured on PGlite by BenchmarkCrossServerDelivery/poll.

const (
	scaleOrigin = "http://shop.example"
	scaleKey    = "0123456789abcdef0123"
	scaleSecret = "scale-test-widget-secret-0123456789abcdef"
)

// cluster is n servers on one database.
type cluster struct {
	t       testing.TB
	store   string // the database's URL
	env     []string
	dir     string
	servers []*scaleServer
}

type scaleServer struct {
	port string
	cmd  *exec.Cmd
	logs *testlog.Buffer
}

// startCluster starts n servers, one after the other (the first loads the
// demo knowledge), with env added to each one's environment.
func startCluster(t testing.TB, n int, env ...string) *cluster {
	return startClusterBus(t, n, true, env...)
}

// startClusterBus is startCluster with the bus on Debian's PostgreSQL
// (notify true, when installed) or on PGlite, where only its poll
// delivers.
func startClusterBus(t testing.TB, n int, notify bool, env ...string) *cluster {
	t.Helper()
	store := startPostgres(t, "the multi-server tests")
	if !strings.Contains(store, "pool_max_conns") {
		// PGlite serves eight connections: two a server.
		sep := "?"
		if strings.Contains(store, "?") {
			sep = "&"
		}
		store += sep + "pool_max_conns=2"
	}
	bus := store
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	url, stop, err := "", func() {}, error(nil)
	if notify {
		url, stop, err = pgtest.StartServer(ctx)
	}
	switch {
	case !notify:
		// PGlite serves eight connections: one for the bus's queries
		// and one for its listener, two for the store, a server.
		bus = strings.Replace(store, "pool_max_conns=2", "pool_max_conns=1", 1)
	case errors.Is(err, pgtest.ErrNoServer):
		t.Skipf("%v; the multi-server tests need it for the live bus", err)
	case err != nil:
		t.Fatal(err)
	default:
		t.Cleanup(stop)
		bus = url
	}
	c := &cluster{t: t, store: store, dir: t.TempDir(), env: append(cleanEnv(), append([]string{
		"FARO_TEST_RUN_MAIN=1", "FARO_DATABASE_URL=" + store, "FARO_BUS_URL=" + bus,
		"FARO_WIDGET_SECRET=" + scaleSecret, "FARO_WIDGET_ORIGINS=" + scaleOrigin,
		"FARO_API_KEYS=ops:admin:" + scaleKey, "FARO_TURN_LEASE=2s", "FARO_BURST_WINDOW=off",
		"FARO_WIDGET_SESSIONS_PER_MINUTE=100000", "FARO_WIDGET_MAX_CONNS_PER_IP=100000",
	}, env...)...)}
	for range n {
		c.servers = append(c.servers, &scaleServer{port: freePort(t)})
		c.start(len(c.servers) - 1)
	}
	return c
}

// start (re)starts server i and waits until it is ready.
func (c *cluster) start(i int) {
	s := c.servers[i]
	dir := filepath.Join(c.dir, strconv.Itoa(i))
	env := append(append([]string(nil), c.env...), "FARO_ADDR=127.0.0.1:"+s.port, "FARO_DATA_DIR="+dir)
	s.cmd, s.logs = startServe(c.t, c.dir, s.port, env)
	require.Eventually(c.t, func() bool {
		res, err := http.Get(c.url(i) + "/readyz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	}, 30*time.Second, 20*time.Millisecond, "server %d ready; logs:\n%s", i, s.logs.String())
}

func (c *cluster) url(i int) string { return "http://127.0.0.1:" + c.servers[i].port }

// kill ends server i with SIGKILL: no shutdown, no clean-up.
func (c *cluster) kill(i int) {
	s := c.servers[i]
	require.NoError(c.t, s.cmd.Process.Kill())
	_ = s.cmd.Wait()
}

// logs is every server's log, for failure messages.
func (c *cluster) logs() string {
	var b strings.Builder
	for i, s := range c.servers {
		fmt.Fprintf(&b, "--- server %d\n%s", i, s.logs.String())
	}
	return b.String()
}

// api calls server i's admin API.
func (c *cluster) api(i int, method, path string, body any) (int, []byte) {
	c.t.Helper()
	b, err := json.Marshal(body)
	require.NoError(c.t, err)
	req, err := http.NewRequest(method, c.url(i)+path, bytes.NewReader(b))
	require.NoError(c.t, err)
	req.Header.Set("Authorization", "Bearer "+scaleKey)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	require.NoError(c.t, err)
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, out
}

// staffReply answers conversation conv as staff through server i and
// returns whether the API said a connection received it.
func (c *cluster) staffReply(i int, conv, text string) (seq int64, delivered bool) {
	c.t.Helper()
	status, body := c.api(i, http.MethodPost, "/api/v1/conversations/"+conv+"/reply", map[string]string{"text": text})
	require.Equal(c.t, http.StatusCreated, status, "%s", body)
	var r struct {
		Message struct {
			Seq int64 `json:"seq"`
		} `json:"message"`
		Delivered bool `json:"delivered"`
	}
	require.NoError(c.t, json.Unmarshal(body, &r))
	return r.Message.Seq, r.Delivered
}

// wsFrame is what the tests read of the widget's frames.
type wsFrame struct {
	Type           string  `json:"type"`
	Seq            int64   `json:"seq"`
	ConversationID string  `json:"conversation_id"`
	ClientMsgID    string  `json:"client_msg_id"`
	StreamID       string  `json:"stream_id"`
	Text           string  `json:"text"`
	From           string  `json:"from"`
	Code           string  `json:"code"`
	Answers        []int64 `json:"answers"`
}

// scaleVisitor is one visitor's socket on one server, read by a
// goroutine of its own into frames (closed when the socket ends).
type scaleVisitor struct {
	t         testing.TB
	id        string // the visitor id, kept across sockets
	ws        *websocket.Conn
	frames    chan wsFrame
	conv      string
	lastSeq   int64
	writeLock sync.Mutex
}

// openVisitor opens a session and a socket on server url for visitor id
// ("" for a new visitor), says hello, and resumes after the last seq seen
// when the conversation exists. It returns the frames of the resume.
func openVisitor(t testing.TB, url, id string, lastSeq int64) (*scaleVisitor, []wsFrame, error) {
	body := "{}"
	if id != "" {
		body = fmt.Sprintf(`{"visitor_id":%q}`, id)
	}
	req, _ := http.NewRequest(http.MethodPost, url+"/widget/session", strings.NewReader(body))
	req.Header.Set("Origin", scaleOrigin)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	var s struct {
		Token     string `json:"token"`
		VisitorID string `json:"visitor_id"`
	}
	err = json.NewDecoder(res.Body).Decode(&s)
	res.Body.Close()
	if err != nil {
		return nil, nil, fmt.Errorf("session: %s: %w", res.Status, err)
	}
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(url, "http")+"/widget/ws", http.Header{"Origin": {scaleOrigin}})
	if err != nil {
		return nil, nil, err
	}
	v := &scaleVisitor{t: t, id: s.VisitorID, ws: ws, frames: make(chan wsFrame, 1024), lastSeq: lastSeq}
	go func() {
		defer close(v.frames)
		for {
			var f wsFrame
			if err := ws.ReadJSON(&f); err != nil {
				return
			}
			if f.Type != "delta" && f.Type != "typing" && f.Type != "pong" {
				v.frames <- f
			}
		}
	}()
	if err := v.send(map[string]any{"type": "auth", "token": s.Token}); err != nil {
		return nil, nil, err
	}
	if err := v.send(map[string]any{"type": "hello", "visitor_id": s.VisitorID, "language": "es"}); err != nil {
		return nil, nil, err
	}
	ready, err := v.next("ready", 10*time.Second)
	if err != nil {
		return nil, nil, err
	}
	if ready.ConversationID == "" {
		return v, nil, nil
	}
	v.conv = ready.ConversationID
	if err := v.send(map[string]any{"type": "resume", "conversation_id": v.conv, "last_seq": lastSeq}); err != nil {
		return nil, nil, err
	}
	var replayed []wsFrame
	for {
		f, ok := <-v.frames
		if !ok {
			return nil, nil, errors.New("socket closed while resuming")
		}
		if f.Type == "ready" {
			v.lastSeq = max(v.lastSeq, f.Seq)
			return v, replayed, nil
		}
		replayed = append(replayed, f)
	}
}

func (v *scaleVisitor) send(f any) error {
	v.writeLock.Lock()
	defer v.writeLock.Unlock()
	return v.ws.WriteJSON(f)
}

// next reads until a frame of type typ.
func (v *scaleVisitor) next(typ string, d time.Duration) (wsFrame, error) {
	deadline := time.After(d)
	for {
		select {
		case f, ok := <-v.frames:
			if !ok {
				return f, fmt.Errorf("socket closed waiting for %s", typ)
			}
			if f.Type == typ {
				return f, nil
			}
		case <-deadline:
			return wsFrame{}, fmt.Errorf("no %s in %s", typ, d)
		}
	}
}

// drain returns the frames that come until none has for d.
func (v *scaleVisitor) drain(d time.Duration) []wsFrame {
	var out []wsFrame
	for {
		select {
		case f, ok := <-v.frames:
			if !ok {
				return out
			}
			out = append(out, f)
		case <-time.After(d):
			return out
		}
	}
}

// say sends a message and waits for its reply: the frame streamed for it
// (stream_id), or, when another server's turn answered it meanwhile, the
// reply caught up from the store that answers its seq (as the widget
// takes either).
func (v *scaleVisitor) say(id, text string) (wsFrame, error) {
	if err := v.send(map[string]any{"type": "message", "client_msg_id": id, "text": text}); err != nil {
		return wsFrame{}, err
	}
	var others []wsFrame // replies seen before the ack named our seq
	mine := int64(0)
	deadline := time.After(30 * time.Second)
	for {
		select {
		case f, ok := <-v.frames:
			if !ok {
				return wsFrame{}, errors.New("socket closed")
			}
			switch {
			case f.Type == "ack" && f.ClientMsgID == id:
				v.conv, mine = f.ConversationID, f.Seq
				for _, r := range others {
					if slices.Contains(r.Answers, mine) {
						return r, nil
					}
				}
			case f.Type == "reply" && (f.StreamID == id || (mine != 0 && slices.Contains(f.Answers, mine))):
				v.lastSeq = max(v.lastSeq, f.Seq)
				return f, nil
			case f.Type == "reply":
				v.lastSeq = max(v.lastSeq, f.Seq)
				others = append(others, f)
			case f.Type == "error" && f.ClientMsgID == id:
				return f, fmt.Errorf("error frame %s", f.Code)
			}
		case <-deadline:
			return wsFrame{}, fmt.Errorf("no reply to %s", id)
		}
	}
}

// TestScaleStaffRepliesAcrossServers: a visitor on server A; staff replies
// through B's API and A's reach the visitor once each, and the API says
// delivered; the visitor moves to B and resumes with nothing missed and
// nothing twice, and a reply through A reaches it there; with the visitor
// gone, delivered is false.
func TestScaleStaffRepliesAcrossServers(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 2)
	v, _, err := openVisitor(t, c.url(0), "", 0)
	require.NoError(t, err)
	_, err = v.say("scale-0001", "hola, ¿qué cursos tienen?")
	require.NoError(t, err, c.logs())
	status, body := c.api(1, http.MethodPost, "/api/v1/conversations/"+v.conv+"/take", map[string]string{"reason": "test"})
	require.Equal(t, http.StatusOK, status, "%s", body)

	for i, through := range []int{1, 0} {
		text := fmt.Sprintf("Soy Marta (%d), te escribo desde el servidor %d", i, through)
		start := time.Now()
		seq, delivered := c.staffReply(through, v.conv, text)
		got := v.drain(500 * time.Millisecond)
		require.True(t, delivered, "server %d: a connection on server 0 received it; logs:\n%s", through, c.logs())
		require.Len(t, got, 1, "once: %+v", got)
		require.Equal(t, seq, got[0].Seq)
		require.Equal(t, text, got[0].Text)
		require.Equal(t, "staff", got[0].From)
		t.Logf("staff reply through server %d reached the visitor on server 0 (API call and delivery): %s", through, time.Since(start))
		v.lastSeq = seq
	}

	// The visitor moves to B: resumes with nothing replayed.
	_ = v.ws.Close()
	w, replayed, err := openVisitor(t, c.url(1), v.id, v.lastSeq)
	require.NoError(t, err)
	require.Empty(t, replayed, "nothing missed, nothing twice")
	seq, delivered := c.staffReply(0, w.conv, "¿Sigues ahí?")
	got := w.drain(500 * time.Millisecond)
	require.True(t, delivered)
	require.Len(t, got, 1, "%+v", got)
	require.Equal(t, seq, got[0].Seq)

	// faro loadtest across both: visitors spread, each conversation read
	// back through the other server.
	var out bytes.Buffer
	lenv := &environment{stdout: &out, stderr: io.Discard, getenv: envOf(nil)}
	err = runLoadtest(t.Context(), lenv, []string{"--url", c.url(0) + "," + c.url(1), "--origin", scaleOrigin,
		"--visitors", "6", "--messages", "2", "--ramp", "100ms"})
	require.NoError(t, err, out.String())
	require.Contains(t, out.String(), "messages: 12 sent, 12 replied")
	require.Contains(t, out.String(), "lost replies: 0, duplicated replies: 0")

	// Nobody connected: not delivered, and the reply is there on resume.
	_ = w.ws.Close()
	require.Eventually(t, func() bool {
		_, d := c.staffReply(0, w.conv, "¿Hola?")
		return !d
	}, 10*time.Second, 100*time.Millisecond, "delivered=false once the socket is gone")
}

// TestScaleKillMidLoad: visitors spread over three servers talk while one
// server is killed (SIGKILL) mid-load; its visitors move to the next
// server, resume and send again what was not answered (as the widget
// does). Every message sent is answered exactly once, in the store and
// on the sockets. Webhooks enqueued before are delivered once each by
// the three servers together.
func TestScaleKillMidLoad(t *testing.T) {
	t.Parallel()
	var hookMu sync.Mutex
	hookCount := map[string]int{}
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hookMu.Lock()
		hookCount[r.Header.Get(webhook.HeaderEventID)]++
		hookMu.Unlock()
	}))
	t.Cleanup(rcv.Close)
	c := startCluster(t, 3, "FARO_WEBHOOK_URLS="+rcv.URL+"/crm", "FARO_WEBHOOK_SECRET=scale-webhook-secret")

	// Webhooks: events in the outbox, delivered by whichever server leases
	// each first.
	const events = 30
	enqueueEvents(t, c, events)
	require.Eventually(t, func() bool {
		hookMu.Lock()
		defer hookMu.Unlock()
		return len(hookCount) == events
	}, 30*time.Second, 20*time.Millisecond, "every webhook delivered")
	time.Sleep(300 * time.Millisecond) // a second delivery would come by now
	hookMu.Lock()
	for id, n := range hookCount {
		require.Equal(t, 1, n, "webhook %s delivered %d times", id, n)
	}
	hookMu.Unlock()

	const visitors, messages = 12, 4
	var killed sync.Once
	var replies, dupLive, resent atomic.Int64
	dead := make(chan struct{})
	results := make([]scaleResult, visitors)
	var wg sync.WaitGroup
	for i := range visitors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = talk(t, c, i%3, dead, messages, func() {
				if replies.Add(1) == visitors { // mid-load: each has had a reply on average
					killed.Do(func() { c.kill(1); close(dead) })
				}
			}, &dupLive, &resent)
		}()
	}
	wg.Wait()
	killed.Do(func() { c.kill(1); close(dead) })
	t.Logf("replies seen: %d; sent again after the kill: %d", replies.Load(), resent.Load())
	require.Zero(t, dupLive.Load(), "a reply seen twice on one socket")

	// The store, replayed from 0 on a live server: each message answered once.
	for i, r := range results {
		require.NoError(t, r.err, "visitor %d; logs:\n%s", i, c.logs())
		v, replayed, err := openVisitor(t, c.url(2), r.visitor, 0)
		require.NoError(t, err)
		seqOf := map[string]int64{}
		answers := map[int64]int{}
		for _, f := range replayed {
			switch f.Type {
			case "user":
				seqOf[f.ClientMsgID] = f.Seq
			case "reply":
				for _, a := range f.Answers {
					answers[a]++
				}
			}
		}
		_ = v.ws.Close()
		require.Len(t, r.sent, messages)
		for _, id := range r.sent {
			require.NotZero(t, seqOf[id], "visitor %d: message %s lost", i, id)
			require.Equal(t, 1, answers[seqOf[id]], "visitor %d: message %s answered %d times", i, id, answers[seqOf[id]])
		}
	}
}

// scaleResult is what one visitor of TestScaleKillMidLoad did.
type scaleResult struct {
	visitor string
	sent    []string
	err     error
}

// talk is one visitor: n messages, each after the previous reply, on
// server srv; when the socket dies (its server killed) it moves to the
// next live server, resumes, and sends again the message not answered.
func talk(t *testing.T, c *cluster, srv int, dead <-chan struct{}, n int, onReply func(), dupLive, resent *atomic.Int64) (r scaleResult) {
	v, _, err := openVisitor(t, c.url(srv), "", 0)
	if err != nil {
		return scaleResult{err: err}
	}
	defer func() { _ = v.ws.Close() }()
	r.visitor = v.id
	seen := map[int64]bool{}
	for k := range n {
		id := fmt.Sprintf("scale-%s-%d", v.id[:12], k)
		r.sent = append(r.sent, id)
		answered := false
		for attempt := 0; !answered; attempt++ {
			if attempt > 0 {
				resent.Add(1)
			}
			f, err := v.say(id, fmt.Sprintf("¿qué cursos tienen? (%d)", k))
			if err == nil {
				if seen[f.Seq] {
					dupLive.Add(1)
				}
				seen[f.Seq] = true
				onReply()
				answered = true
				continue
			}
			select {
			case <-dead:
			case <-time.After(time.Second):
				r.err = fmt.Errorf("%s: %w", id, err)
				return r
			}
			// Moved: the next server; what was missed comes on resume.
			srv = (srv + 1) % len(c.servers)
			if srv == 1 {
				srv = 2
			}
			var replayed []wsFrame
			v, replayed, err = openVisitor(t, c.url(srv), r.visitor, v.lastSeq)
			if err != nil {
				r.err = err
				return r
			}
			mine := int64(0)
			for _, f := range replayed {
				if f.Type == "user" && f.ClientMsgID == id {
					mine = f.Seq
				}
				if f.Type == "reply" {
					if seen[f.Seq] {
						dupLive.Add(1)
					}
					seen[f.Seq] = true
					if mine != 0 && slices.Contains(f.Answers, mine) {
						answered = true
						onReply()
					}
				}
			}
		}
	}
	return r
}

// enqueueEvents puts n events in the outbox, as turns do.
func enqueueEvents(t *testing.T, c *cluster, n int) {
	db, err := postgres.Open(t.Context(), c.store)
	require.NoError(t, err)
	defer db.Close()
	for i := range n {
		_, err := db.EnqueueEvent(t.Context(), store.Event{ID: fmt.Sprintf("lead.qualified:S%d", i), Type: "lead.qualified",
			Payload: json.RawMessage(fmt.Sprintf(`{"lead_id":"S%d"}`, i))})
		require.NoError(t, err)
	}
}

// BenchmarkCrossServerDelivery: a staff reply posted to server B's API,
// until the visitor's socket on server A has it; the bus on a real
// PostgreSQL (NOTIFY) or on PGlite (its poll, every 500 ms, alone).
// Reports p50 and p99 in ms.
func BenchmarkCrossServerDelivery(b *testing.B) {
	for _, notify := range []bool{true, false} {
		name := map[bool]string{true: "notify", false: "poll"}[notify]
		b.Run(name, func(b *testing.B) {
			c := startClusterBus(b, 2, notify)
			v, _, err := openVisitor(b, c.url(0), "", 0)
			require.NoError(b, err)
			_, err = v.say("bench-0001", "hola")
			require.NoError(b, err)
			status, body := c.api(1, http.MethodPost, "/api/v1/conversations/"+v.conv+"/take", map[string]string{"reason": "bench"})
			require.Equal(b, http.StatusOK, status, "%s", body)
			time.Sleep(time.Second) // the hold is written
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				start := time.Now()
				done := make(chan struct{})
				go func() {
					defer close(done)
					_, delivered := c.staffReply(1, v.conv, fmt.Sprintf("respuesta %d", i))
					if !delivered {
						b.Errorf("not delivered (%s)", time.Since(start))
					}
				}()
				f, err := v.next("reply", 10*time.Second)
				require.NoError(b, err)
				lat = append(lat, time.Since(start))
				require.Equal(b, "staff", f.From)
				<-done
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

// TestScaleShutdownHandsOver: server A is asked to stop (SIGTERM) while a
// turn of its visitor waits out the burst window. A stops taking traffic,
// closes the socket (1001), finishes the turn and announces the reply; the
// visitor, moved to B, sends the unacknowledged message again (as the
// widget does) and has the reply once.
func TestScaleShutdownHandsOver(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 2, "FARO_BURST_WINDOW=1500ms")
	v, _, err := openVisitor(t, c.url(0), "", 0)
	require.NoError(t, err)
	require.NoError(t, v.send(map[string]any{"type": "message", "client_msg_id": "handover-0001", "text": "¿qué cursos tienen?"}))
	time.Sleep(300 * time.Millisecond) // stored; the turn waits for more
	require.NoError(t, c.servers[0].cmd.Process.Signal(syscall.SIGTERM))
	for range v.frames { // until A closes the socket
	}
	require.Eventually(t, func() bool {
		res, err := http.Get(c.url(0) + "/readyz")
		if err != nil {
			return true // gone already
		}
		res.Body.Close()
		return res.StatusCode == http.StatusServiceUnavailable
	}, 5*time.Second, 10*time.Millisecond, "A is not ready while it stops")

	w, replayed, err := openVisitor(t, c.url(1), v.id, 0)
	require.NoError(t, err)
	replies := 0
	for _, f := range replayed {
		if f.Type == "reply" {
			replies++
		}
	}
	if replies == 0 { // A had not answered yet: the widget sends it again
		f, err := w.say("handover-0001", "¿qué cursos tienen?")
		require.NoError(t, err, c.logs())
		require.NotEmpty(t, f.Text)
	}
	require.Empty(t, w.drain(500*time.Millisecond), "nothing twice")
	require.NoError(t, c.servers[0].cmd.Wait(), "A exits cleanly; logs:\n%s", c.logs())

	// The store has one reply to the message.
	x, replayed, err := openVisitor(t, c.url(1), v.id, 0)
	require.NoError(t, err)
	defer x.ws.Close()
	answers := 0
	for _, f := range replayed {
		if f.Type == "reply" {
			answers++
		}
	}
	require.Equal(t, 1, answers, "answered once: %+v", replayed)
}

// TestScaleKnowledgeChangeSeenByTheOther: a question asked on server B is
// remembered by B's search cache (a minute, by default); a document
// uploaded through server A answers it on B at once: A's write bumps the
// knowledge generation and B's cache forgets.
func TestScaleKnowledgeChangeSeenByTheOther(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 2)
	const question = "¿Cuánto cuesta el plan Zafiro Cuántico?"
	ask := func() string {
		v, _, err := openVisitor(t, c.url(1), "", 0) // a new visitor: no history
		require.NoError(t, err)
		defer v.ws.Close()
		f, err := v.say("zafiro-0001", question)
		require.NoError(t, err, c.logs())
		return f.Text
	}
	before := ask()
	require.NotContains(t, before, "777")
	status, body := c.api(0, http.MethodPost, "/api/v1/knowledge/documents", map[string]string{
		"source": "planes/zafiro.md", "content": "# Plan Zafiro Cuántico\n\nEl plan Zafiro Cuántico cuesta 777 USD al mes e incluye soporte prioritario.",
	})
	require.Equal(t, http.StatusCreated, status, "%s", body)
	require.Eventually(t, func() bool { return strings.Contains(ask(), "777") }, 5*time.Second, 200*time.Millisecond,
		"server B answers from the new document well before its cache's TTL; before: %q", before)
}
