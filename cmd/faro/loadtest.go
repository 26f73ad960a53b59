package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/faroai/faro/demo"
)

// loadQuestions are what load-test visitors ask: by default the demo
// business's retrieval evaluation questions (108, in Spanish, English and
// Portuguese, worded as people write them), so the offline engine does its
// usual retrieval and extraction and the caches see the variety of real
// traffic rather than a handful of sentences; or the lines of a file.
func loadQuestions(path string) ([]string, error) {
	var qs []string
	if path == "" {
		for line := range strings.Lines(string(demo.RetrievalQueries)) {
			var q struct {
				Query string `json:"query"`
			}
			if err := json.Unmarshal([]byte(line), &q); err != nil {
				return nil, fmt.Errorf("demo questions: %w", err)
			}
			qs = append(qs, q.Query)
		}
		return qs, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--questions: %w", err)
	}
	for line := range strings.Lines(string(data)) {
		if q := strings.TrimSpace(line); q != "" {
			qs = append(qs, q)
		}
	}
	if len(qs) == 0 {
		return nil, &usageError{fmt.Sprintf("--questions %s has no question (one a line)", path)}
	}
	return qs, nil
}

type loadOptions struct {
	url string
	// urls are the servers (--url, comma-separated): visitor i talks to
	// urls[i%len], and its conversation is verified through the next one.
	urls     []string
	origin   string
	visitors int
	messages int
	duration time.Duration
	ramp     time.Duration
	think    time.Duration
	timeout  time.Duration
	pid      int
	// metricsURL is where the server's metrics are read.
	metricsURL string
	// questions are what visitors ask, one at random each time.
	questions []string
}

// loadStats are shared by every visitor goroutine.
type loadStats struct {
	connected, failedConn    atomic.Int64
	sent, replied, lost, dup atomic.Int64
	unverified               atomic.Int64 // sent, but the store could not be asked about them
	late                     atomic.Int64 // replies not seen within --reply-timeout live
	rateLimited              atomic.Int64 // messages the server asked to send again later
	errFrames                atomic.Int64
	mu                       sync.Mutex
	latencies                []time.Duration
	// at is when each of latencies was observed, and firstDone when the
	// first visitor finished: until then every visitor was talking, the
	// steady part of the run.
	at        []time.Time
	firstDone time.Time
	firstErr  error
}

// done records that a visitor finished its conversation.
func (s *loadStats) done() {
	s.mu.Lock()
	if s.firstDone.IsZero() {
		s.firstDone = time.Now()
	}
	s.mu.Unlock()
}

func (s *loadStats) fail(err error) {
	s.mu.Lock()
	if s.firstErr == nil {
		s.firstErr = err
	}
	s.mu.Unlock()
}

func runLoadtest(ctx context.Context, env *environment, args []string) error {
	fs, _ := newFlagSet(env, "loadtest")
	var o loadOptions
	fs.StringVar(&o.url, "url", "http://127.0.0.1:8080", "the faro server to load, or several on one database, comma-separated: visitors are spread over them and verified through the next")
	fs.StringVar(&o.origin, "origin", "", "Origin header (default: each server's own origin; must be allowed by FARO_WIDGET_ORIGINS)")
	fs.IntVar(&o.visitors, "visitors", 100, "websocket visitors to open and hold")
	fs.IntVar(&o.messages, "messages", 3, "messages each visitor sends, one after the other's reply")
	fs.DurationVar(&o.duration, "duration", 2*time.Minute, "stop after this long, whatever is left")
	fs.DurationVar(&o.ramp, "ramp", 10*time.Second, "time over which the visitors connect")
	fs.DurationVar(&o.think, "think", 0, "pause between a reply and the next message (random up to this)")
	fs.DurationVar(&o.timeout, "reply-timeout", 30*time.Second, "a reply not seen by then is counted lost")
	fs.StringVar(&o.metricsURL, "metrics-url", "", "where the server's metrics are readable without a key (its FARO_DEBUG_ADDR, e.g. http://127.0.0.1:6060/metrics); default <url>/metrics, which needs FARO_API_KEY")
	fs.IntVar(&o.pid, "pid", 0, "the server's process id, to measure its memory per connection from /proc (same machine)")
	questionsFile := fs.String("questions", "", "a file of questions to ask, one a line (default: the demo's 108 evaluation questions)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var err error
	if o.questions, err = loadQuestions(*questionsFile); err != nil {
		return err
	}
	for _, s := range strings.Split(o.url, ",") {
		s = strings.TrimRight(strings.TrimSpace(s), "/")
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return &usageError{fmt.Sprintf("--url %q is not an http(s) URL", s)}
		}
		o.urls = append(o.urls, s)
	}
	if o.visitors < 1 || o.messages < 0 {
		return &usageError{"--visitors must be at least 1 and --messages not negative"}
	}
	if o.metricsURL == "" {
		o.metricsURL = o.urls[0] + "/metrics"
	}
	ctx, cancel := context.WithTimeout(ctx, o.duration)
	defer cancel()
	out := env.stdout

	rssBefore := rssOf(o.pid)
	fmt.Fprintf(out, "faro loadtest: %d visitors, %d messages each, ramp %s, against %s\n", o.visitors, o.messages, o.ramp, o.url)
	client := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	dialer := &websocket.Dialer{HandshakeTimeout: 20 * time.Second, ReadBufferSize: 1024, WriteBufferSize: 1024}
	st := &loadStats{}

	// Phase 1: connect everyone (ramped); each holds its socket open.
	allHeld := make(chan struct{})
	// Verification opens new sockets; a few at a time, not all at once.
	verifySlots := make(chan struct{}, 64)
	for range cap(verifySlots) {
		verifySlots <- struct{}{}
	}
	startMsgs := make(chan struct{})
	var connectedWG, doneWG sync.WaitGroup
	connectedWG.Add(o.visitors)
	doneWG.Add(o.visitors)
	begin := time.Now()
	for i := range o.visitors {
		delay := time.Duration(0)
		if o.visitors > 1 {
			delay = o.ramp * time.Duration(i) / time.Duration(o.visitors)
		}
		go func() {
			defer doneWG.Done()
			v := &visitor{o: &o, st: st, client: client, dialer: dialer, server: i % len(o.urls)}
			once := sync.OnceFunc(connectedWG.Done)
			defer once()
			select {
			case <-time.After(delay):
			case <-ctx.Done():
				return
			}
			if err := v.connect(ctx); err != nil {
				st.failedConn.Add(1)
				st.fail(err)
				return
			}
			defer v.ws.Close()
			st.connected.Add(1)
			once()
			select {
			case <-startMsgs:
			case <-ctx.Done():
				return
			}
			v.converse(ctx)
			st.done()
			// Hold the socket until everyone is done or time runs out,
			// so "held" is every visitor at once.
			select {
			case <-allHeld:
			case <-ctx.Done():
			}
			// Checked against the store even when time ran out. The
			// deadline starts once a slot is had: counted from before the
			// wait, a queue of visitors behind a slow (restarted) server
			// ran out of time unasked and read as lost.
			<-verifySlots
			vctx, vcancel := context.WithTimeout(context.Background(), 2*time.Minute)
			v.verify(vctx, time.Minute)
			vcancel()
			verifySlots <- struct{}{}
		}()
	}
	connectedWG.Wait()
	connectTime := time.Since(begin)
	held := st.connected.Load()
	rssHeld := rssOf(o.pid)
	fmt.Fprintf(out, "connected: %d of %d in %s (%d failed)\n", held, o.visitors, connectTime.Round(time.Millisecond), st.failedConn.Load())
	metricsConns := scrapeMetric(client, o.metricsURL, os.Getenv("FARO_API_KEY"), "faro_websocket_connections")

	// Phase 2: every visitor holds a short conversation.
	msgBegin := time.Now()
	close(startMsgs)
	convDone := make(chan struct{})
	go func() {
		for st.replied.Load()+st.late.Load() < held*int64(o.messages) && ctx.Err() == nil {
			time.Sleep(20 * time.Millisecond)
		}
		close(convDone)
	}()
	<-convDone
	msgElapsed := time.Since(msgBegin)
	close(allHeld)
	doneWG.Wait()

	st.mu.Lock()
	lat := slices.Clone(st.latencies)
	// The steady part: replies observed while every visitor was talking
	// (the ramp of think times at the end is lighter load).
	var steady []time.Duration
	for i, at := range st.at {
		if !st.firstDone.IsZero() && !at.After(st.firstDone) {
			steady = append(steady, st.latencies[i])
		}
	}
	steadyFor := st.firstDone.Sub(msgBegin)
	firstErr := st.firstErr
	st.mu.Unlock()
	slices.Sort(lat)
	slices.Sort(steady)
	fmt.Fprintf(out, "connections held at once: %d\n", held)
	if metricsConns >= 0 {
		fmt.Fprintf(out, "server reports %0.f websocket connections (/metrics)\n", metricsConns)
	}
	fmt.Fprintf(out, "messages: %d sent, %d replied in %s: %.1f turns/s\n", st.sent.Load(), st.replied.Load(),
		msgElapsed.Round(time.Millisecond), float64(st.replied.Load())/msgElapsed.Seconds())
	fmt.Fprintf(out, "reply latency: p50 %s, p90 %s, p99 %s, max %s\n", pct(lat, 50), pct(lat, 90), pct(lat, 99), pct(lat, 100))
	if len(steady) > 0 && steadyFor > 0 {
		fmt.Fprintf(out, "steady (every visitor talking, first %s): %.1f turns/s, p50 %s, p99 %s\n", steadyFor.Round(time.Millisecond),
			float64(len(steady))/steadyFor.Seconds(), pct(steady, 50), pct(steady, 99))
	}
	fmt.Fprintf(out, "replies not seen live within %s: %d (then checked in the store)\n", o.timeout, st.late.Load())
	fmt.Fprintf(out, "lost replies: %d, duplicated replies: %d (every message sent, replayed from the store), error frames: %d\n", st.lost.Load(), st.dup.Load(), st.errFrames.Load())
	if n := st.unverified.Load(); n > 0 {
		fmt.Fprintf(out, "messages not verified (their conversation could not be replayed): %d\n", n)
	}
	if n := st.rateLimited.Load(); n > 0 {
		fmt.Fprintf(out, "rate limited (sent again after 1s, as the widget does): %d\n", n)
	}
	switch {
	case o.pid == 0:
		fmt.Fprintln(out, "server memory per connection: not measured (pass --pid of a local server)")
	case rssBefore > 0 && rssHeld > 0 && held > 0:
		fmt.Fprintf(out, "server memory: RSS %.1f MiB before, %.1f MiB with %d held: %.1f KiB per connection\n",
			float64(rssBefore)/(1<<20), float64(rssHeld)/(1<<20), held, float64(rssHeld-rssBefore)/float64(held)/1024)
	default:
		fmt.Fprintf(out, "server memory: could not read /proc/%d/status\n", o.pid)
	}
	if firstErr != nil {
		fmt.Fprintf(out, "first error: %v\n", firstErr)
	}
	if st.lost.Load() > 0 || st.dup.Load() > 0 || st.unverified.Load() > 0 {
		return fmt.Errorf("loadtest: %d lost, %d duplicated and %d unverified replies", st.lost.Load(), st.dup.Load(), st.unverified.Load())
	}
	if held < int64(o.visitors) {
		return fmt.Errorf("loadtest: only %d of %d visitors connected", held, o.visitors)
	}
	return nil
}

type visitor struct {
	o      *loadOptions
	st     *loadStats
	client *http.Client
	dialer *websocket.Dialer
	ws     *websocket.Conn
	server int      // the index in o.urls of the server talked to
	sent   []string // client_msg_ids sent
	// visitorID and convID are the server's names for this visitor and
	// their conversation.
	visitorID, convID string
}

type loadFrame struct {
	Type        string `json:"type"`
	Seq         int64  `json:"seq"`
	ClientMsgID string `json:"client_msg_id"`
	StreamID    string `json:"stream_id"`
	Code        string `json:"code"`
	Message     string `json:"message"`
}

func (v *visitor) connect(ctx context.Context) error { return v.connectAs(ctx, "") }

// connectAs opens a session (for visitorID when set, else a new visitor),
// a socket, and says hello; it returns at ready.
func (v *visitor) connectAs(ctx context.Context, visitorID string) error {
	body := "{}"
	if visitorID != "" {
		body = fmt.Sprintf(`{"visitor_id":%q}`, visitorID)
	}
	base := v.o.urls[v.server]
	origin := v.o.origin
	if origin == "" {
		u, _ := url.Parse(base) // checked by runLoadtest
		origin = u.Scheme + "://" + u.Host
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/widget/session", strings.NewReader(body))
	if err != nil {
		return fmt.Errorf("session: %w", err)
	}
	req.Header.Set("Origin", origin)
	req.Header.Set("Content-Type", "application/json")
	res, err := v.client.Do(req)
	if err != nil {
		return fmt.Errorf("session: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 200))
		return fmt.Errorf("session: %s: %s (raise FARO_WIDGET_SESSIONS_PER_MINUTE for a load test)", res.Status, strings.TrimSpace(string(b)))
	}
	var s struct {
		Token     string `json:"token"`
		VisitorID string `json:"visitor_id"`
	}
	if err := json.NewDecoder(res.Body).Decode(&s); err != nil {
		return fmt.Errorf("session: %w", err)
	}
	wsURL := "ws" + strings.TrimPrefix(base, "http") + "/widget/ws"
	ws, res2, err := v.dialer.DialContext(ctx, wsURL, http.Header{"Origin": {origin}})
	if err != nil {
		if res2 != nil {
			return fmt.Errorf("dial: %w (HTTP %s; raise FARO_WIDGET_MAX_CONNS_PER_IP for a load test)", err, res2.Status)
		}
		return fmt.Errorf("dial: %w", err)
	}
	v.ws = ws
	v.visitorID = s.VisitorID
	if err := ws.WriteJSON(map[string]any{"type": "auth", "token": s.Token}); err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	if err := ws.WriteJSON(map[string]any{"type": "hello", "visitor_id": s.VisitorID, "language": "es"}); err != nil {
		return fmt.Errorf("hello: %w", err)
	}
	_ = ws.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		var f struct {
			loadFrame
			ConversationID string `json:"conversation_id"`
		}
		if err := ws.ReadJSON(&f); err != nil {
			return fmt.Errorf("waiting for ready: %w", err)
		}
		if f.Type == "ready" {
			v.convID = f.ConversationID
			return nil
		}
	}
}

// converse sends the visitor's messages one at a time, each after the
// previous reply, and checks every message is answered exactly once. A
// reader goroutine reads all the while, as a browser does, so the
// server's pings are answered during think time.
func (v *visitor) converse(ctx context.Context) {
	frames := make(chan loadFrame, 64)
	go func() {
		defer close(frames)
		for {
			_ = v.ws.SetReadDeadline(time.Time{})
			var f loadFrame
			if err := v.ws.ReadJSON(&f); err != nil {
				return
			}
			if f.Type == "delta" || f.Type == "typing" {
				continue // previews: the reply is what is measured
			}
			select {
			case frames <- f:
			case <-ctx.Done():
				return
			}
		}
	}()
	replies := map[string]int{} // client_msg_id -> replies seen
	seqs := map[int64]bool{}
	for range v.o.messages {
		if v.o.think > 0 {
			select {
			case <-time.After(time.Duration(mrand.Int64N(int64(v.o.think)))):
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			return
		}
		id := loadUUID()
		q := v.o.questions[mrand.IntN(len(v.o.questions))]
		sent := time.Now()
		if err := v.ws.WriteJSON(map[string]any{"type": "message", "client_msg_id": id, "text": q}); err != nil {
			v.st.fail(fmt.Errorf("send: %w", err))
			return
		}
		v.st.sent.Add(1)
		v.sent = append(v.sent, id)
		timeout := time.After(v.o.timeout)
		for replies[id] == 0 {
			var f loadFrame
			var ok bool
			select {
			case f, ok = <-frames:
			case <-timeout:
			}
			if !ok {
				// Late or lost: verify tells which, from the store.
				v.st.late.Add(1)
				v.st.fail(errors.New("no reply within --reply-timeout, or the socket closed"))
				return
			}
			switch f.Type {
			case "reply":
				if seqs[f.Seq] {
					v.st.dup.Add(1)
					continue
				}
				seqs[f.Seq] = true
				replies[f.StreamID]++
				if f.StreamID == id {
					v.st.mu.Lock()
					v.st.latencies = append(v.st.latencies, time.Since(sent))
					v.st.at = append(v.st.at, time.Now())
					v.st.mu.Unlock()
					v.st.replied.Add(1)
				}
			case "error":
				if f.Code == "rate_limited" && f.ClientMsgID == id {
					// As the widget does: the same message again, shortly.
					v.st.rateLimited.Add(1)
					time.Sleep(time.Second)
					if err := v.ws.WriteJSON(map[string]any{"type": "message", "client_msg_id": id, "text": q}); err != nil {
						v.st.fail(fmt.Errorf("send: %w", err))
						return
					}
					continue
				}
				v.st.errFrames.Add(1)
				v.st.fail(fmt.Errorf("error frame %s: %s", f.Code, f.Message))
				if f.ClientMsgID == id {
					replies[id] = -1
				}
			}
		}
	}
}

// verify asks the server, on a fresh socket, for the whole conversation
// from the store (hello, then resume from 0) and counts the messages this
// visitor sent that have no reply (lost) or more than one (duplicated).
func (v *visitor) verify(ctx context.Context, grace time.Duration) {
	if len(v.sent) == 0 {
		return
	}
	deadline := time.Now().Add(grace)
	for {
		lost, dup, err := v.replay(ctx)
		if err == nil && (lost == 0 || time.Now().After(deadline)) {
			v.st.lost.Add(int64(lost))
			v.st.dup.Add(int64(dup))
			return
		}
		if err != nil && time.Now().After(deadline) {
			// Not known to be lost: not known at all. Reported apart, and
			// the command fails all the same.
			v.st.fail(err)
			v.st.unverified.Add(int64(len(v.sent)))
			return
		}
		time.Sleep(time.Second)
	}
}

func (v *visitor) replay(ctx context.Context) (lost, dup int, err error) {
	// Through the next server: with several, the conversation is read
	// back from another server than the one that answered it.
	w := &visitor{o: v.o, st: v.st, client: v.client, dialer: v.dialer, server: (v.server + 1) % len(v.o.urls)}
	if err := w.connectAs(ctx, v.visitorID); err != nil {
		return 0, 0, err
	}
	defer w.ws.Close()
	if w.convID == "" {
		return len(v.sent), 0, nil
	}
	if err := w.ws.WriteJSON(map[string]any{"type": "resume", "conversation_id": w.convID, "last_seq": 0}); err != nil {
		return 0, 0, fmt.Errorf("resume: %w", err)
	}
	seqOf := map[string]int64{}
	answers := map[int64]int{}
	for {
		var f struct {
			loadFrame
			Answers []int64 `json:"answers"`
		}
		if err := w.ws.ReadJSON(&f); err != nil {
			return 0, 0, fmt.Errorf("replay: %w", err)
		}
		switch f.Type {
		case "user":
			seqOf[f.ClientMsgID] = f.Seq
		case "reply":
			for _, a := range f.Answers {
				answers[a]++
			}
		}
		if f.Type == "ready" {
			break
		}
	}
	for _, id := range v.sent {
		switch n := answers[seqOf[id]]; {
		case seqOf[id] == 0 || n == 0:
			lost++
		case n > 1:
			dup += n - 1
		}
	}
	return lost, dup, nil
}

func loadUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	i = min(max(i, 0), len(sorted)-1)
	return sorted[i].Round(100 * time.Microsecond)
}

// rssOf reads a local process's resident memory from /proc, in bytes; 0
// when unknown.
func rssOf(pid int) int64 {
	if pid <= 0 {
		return 0
	}
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			fields := strings.Fields(rest)
			if len(fields) > 0 {
				kb, err := strconv.ParseInt(fields[0], 10, 64)
				if err == nil {
					return kb * 1024
				}
			}
		}
	}
	return 0
}

// scrapeMetric reads one unlabelled gauge from the metrics at url, with
// key when not empty; -1 when they cannot be read.
func scrapeMetric(c *http.Client, url, key, name string) float64 {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return -1
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	res, err := c.Do(req)
	if err != nil {
		return -1
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return -1
	}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			if f, err := strconv.ParseFloat(strings.TrimSpace(rest), 64); err == nil {
				return f
			}
		}
	}
	return -1
}
