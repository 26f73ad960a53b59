package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/store"
)

// Limits of the protocol (CHANNELS.md §4).
const (
	maxFrameBytes = 16 << 10 // a bigger frame closes the socket with 1009
	maxTextRunes  = 4000     // a longer message gets an error frame
	// maxInflight caps the turns one socket waits for at once; the agent
	// answers a conversation one turn at a time anyway.
	maxInflight = 4
	// Close codes of our own (4000-4999 are the application's).
	closeUnauthorized = 4401
	// turnTimeout bounds how long a socket waits for a turn; the turn
	// itself goes on and persists its reply.
	turnTimeout = 2 * time.Minute
)

var clientMsgIDPattern = regexp.MustCompile(`^[A-Za-z0-9-]{8,64}$`)

// conn is one widget socket: one reader (the HTTP handler's goroutine),
// one writer, and a bounded queue between what produces frames and the
// writer, so that a slow client never blocks the agent or anyone else.
type conn struct {
	h      *Handler
	ws     *websocket.Conn
	ip     string
	origin string
	send   chan outgoing
	done   chan struct{}
	once   sync.Once

	// set by the reader after auth, read by turn goroutines after.
	visitor string
	email   string       // the signed-in user's, or "" (anonymous)
	lang    atomic.Value // string: es, en or pt; the turn learns it too
	consent bool
	limiter *rate.Limiter

	convID string // guarded by h.mu

	mu      sync.Mutex // guards sentSeq, liveFrom, inflight; held while replaying
	sentSeq int64      // highest seq of a persisted message queued to this socket
	// liveFrom is the conversation's seq when hello found it: a socket
	// that has not resumed gets only what is newer when it catches up.
	liveFrom int64
	inflight int
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

func (h *Handler) serveWS(w http.ResponseWriter, r *http.Request) {
	ip := clientIP(r)
	h.mu.Lock()
	full, closing := h.perIP[ip] >= h.opts.MaxConnsPerIP, h.closing
	h.mu.Unlock()
	if closing {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	if full {
		http.Error(w, "too many connections", http.StatusTooManyRequests)
		return
	}
	// Upgrade answers 403 itself when CheckOrigin refuses.
	ws, err := h.upgrader.Upgrade(w, r, nil)
	if err != nil {
		h.log.Debug("widget upgrade refused", "ip", ip, "err", err)
		return
	}
	origin, _ := normalizeOrigin(r.Header.Get("Origin"))
	c := &conn{
		h: h, ws: ws, ip: ip, origin: origin,
		send:    make(chan outgoing, h.opts.SendQueue),
		done:    make(chan struct{}),
		limiter: rate.NewLimiter(5, 10),
	}
	c.lang.Store(h.opts.Theme.Language)
	if !h.register(c) {
		c.closeWith(websocket.CloseTryAgainLater, "too many connections")
		return
	}
	defer h.unregister(c)
	ws.SetReadLimit(maxFrameBytes)
	writerDone := make(chan struct{})
	go func() { c.writeLoop(); close(writerDone) }()
	c.readLoop()
	c.shutdown()
	<-writerDone
}

// closeWith sends a close frame with code and ends the socket. Safe from
// any goroutine, more than once.
func (c *conn) closeWith(code int, reason string) {
	c.once.Do(func() {
		msg := websocket.FormatCloseMessage(code, reason)
		_ = c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(c.h.opts.WriteWait))
		close(c.done)
		_ = c.ws.Close()
	})
}

func (c *conn) shutdown() {
	c.once.Do(func() {
		close(c.done)
		_ = c.ws.Close()
	})
}

func (c *conn) writeLoop() {
	t := time.NewTicker(c.h.opts.PingInterval)
	defer t.Stop()
	for {
		select {
		case o := <-c.send:
			b := o.frame
			if o.stream != nil {
				if b = o.stream.take(); b == nil {
					continue
				}
			}
			_ = c.ws.SetWriteDeadline(time.Now().Add(c.h.opts.WriteWait))
			if err := c.ws.WriteMessage(websocket.TextMessage, b); err != nil {
				c.shutdown()
				return
			}
		case <-t.C:
			if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.h.opts.WriteWait)); err != nil {
				c.shutdown()
				return
			}
		case <-c.done:
			return
		}
	}
}

// trySend queues a frame without ever waiting; false when the queue is
// full or the socket closed.
func (c *conn) trySend(v any) bool {
	b, err := json.Marshal(v)
	if err != nil {
		return false
	}
	return c.enqueue(outgoing{frame: b})
}

func (c *conn) enqueue(o outgoing) bool {
	select {
	case <-c.done:
		return false
	default:
	}
	select {
	case c.send <- o:
		return true
	default:
		return false
	}
}

// sendEphemeral queues a frame that may be lost (deltas, typing, pong):
// dropped when the client is not keeping up. Deltas may fill only half the
// queue, so that a burst of them never leaves a final without room.
func (c *conn) sendEphemeral(v any) {
	if len(c.send) >= cap(c.send)/2 {
		return
	}
	_ = c.trySend(v)
}

// sendFinal queues a frame that must arrive, and reports whether it is
// queued. When the queue is full the client is too slow to be served: the
// socket closes with 1013 (the frame is in the store; the client gets it
// when it resumes), in a goroutine of its own so that the caller never
// waits on the socket.
func (c *conn) sendFinal(v any) bool {
	if !c.trySend(v) {
		go c.closeWith(websocket.CloseTryAgainLater, "client too slow")
		return false
	}
	return true
}

// deliver queues a persisted message once: a seq this socket already got
// (replayed, or sent live) is skipped, so resume and live delivery never
// duplicate. It reports whether the socket has the message: queued now or
// before.
func (c *conn) deliver(seq int64, v any) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if seq <= c.sentSeq {
		return true
	}
	c.sentSeq = seq
	return c.sendFinal(v)
}

// catchUp queues, in order, the stored messages of convID this socket has
// not had (another server stored them), and returns the seq it has now.
// Like resume, it holds c.mu while reading, so live delivery never
// interleaves.
func (c *conn) catchUp(ctx context.Context, convID string) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	after := max(c.sentSeq, c.liveFrom)
	for {
		msgs, err := c.h.opts.Store.Messages(ctx, convID, store.MessageQuery{AfterSeq: after, Limit: 200})
		if err != nil {
			return c.sentSeq, fmt.Errorf("messages of %s after %d: %w", convID, after, err)
		}
		for _, m := range msgs {
			after = m.Seq
			if v, ok := c.frameOf(m); ok && !c.sendFinal(v) {
				return c.sentSeq, nil // closing: it resumes from sentSeq
			}
			c.sentSeq = m.Seq
		}
		if len(msgs) < 200 {
			return c.sentSeq, nil
		}
	}
}

// senderID is who the socket's messages come from, as the contact's web
// identity: the visitor id, or for a signed-in user web:<email>, the
// identity their contact was given when the session was issued. A visitor
// id never holds an @, so no anonymous visitor can be that sender.
func (c *conn) senderID() string {
	if c.email != "" {
		return c.email
	}
	return c.visitor
}

func (c *conn) language() string {
	l, _ := c.lang.Load().(string)
	return l
}

func (c *conn) errorFrame(code, clientMsgID string) {
	c.sendFinal(errorFrame{Type: "error", Code: code, Message: errorText(c.language(), code), ClientMsgID: clientMsgID})
}

func (c *conn) readLoop() {
	if !c.authenticate() {
		return
	}
	_ = c.ws.SetReadDeadline(time.Now().Add(c.h.opts.PongWait))
	c.ws.SetPongHandler(func(string) error {
		return c.ws.SetReadDeadline(time.Now().Add(c.h.opts.PongWait))
	})
	strikes := 0
	for {
		mt, data, err := c.ws.ReadMessage()
		if err != nil {
			// ErrReadLimit: gorilla has already sent 1009.
			return
		}
		if mt != websocket.TextMessage {
			c.closeWith(websocket.CloseUnsupportedData, "text frames only")
			return
		}
		// Any frame shows the client is alive (browsers cannot send
		// protocol pings; they send {"type":"ping"}).
		_ = c.ws.SetReadDeadline(time.Now().Add(c.h.opts.PongWait))
		var f inFrame
		jsonErr := json.Unmarshal(data, &f)
		if !c.limiter.Allow() {
			if strikes++; strikes > 50 {
				c.closeWith(websocket.ClosePolicyViolation, "rate limit")
				return
			}
			// Names the message, so the client keeps it and sends it again.
			c.errorFrame(codeRateLimited, f.ClientMsgID)
			continue
		}
		strikes = 0
		if jsonErr != nil {
			c.errorFrame(codeBadFrame, "")
			continue
		}
		c.handle(f)
	}
}

// authenticate reads the first frame, which must be a valid auth frame
// within AuthTimeout; otherwise the socket closes with 4401.
func (c *conn) authenticate() bool {
	_ = c.ws.SetReadDeadline(time.Now().Add(c.h.opts.AuthTimeout))
	mt, data, err := c.ws.ReadMessage()
	if err != nil {
		var ce *websocket.CloseError
		if !errors.As(err, &ce) && !errors.Is(err, websocket.ErrReadLimit) {
			c.closeWith(closeUnauthorized, "auth required")
		}
		return false
	}
	var f inFrame
	if mt != websocket.TextMessage || json.Unmarshal(data, &f) != nil || f.Type != "auth" {
		c.closeWith(closeUnauthorized, "auth required")
		return false
	}
	cl, err := c.h.signer.verify(f.Token, c.h.now())
	if err != nil || cl.Origin != c.origin || cl.Tenant != c.h.opts.Tenant {
		c.h.log.Info("widget auth refused", "ip", c.ip, "err", err)
		c.closeWith(closeUnauthorized, "invalid or expired token")
		return false
	}
	c.visitor = cl.Visitor
	c.email = cl.Email
	return true
}

func (c *conn) handle(f inFrame) {
	switch f.Type {
	case "ping":
		c.sendEphemeral(pongFrame{Type: "pong"})
	case "hello":
		c.hello(f)
	case "resume":
		c.resume(f)
	case "message":
		c.message(f)
	case "signals":
		c.signals(f)
	case "consent":
		c.setConsent(f)
	case "auth":
		// A refreshed token on a live socket: nothing to do, the socket
		// was authorized when it opened.
	default:
		c.errorFrame(codeBadFrame, "")
	}
}

func (c *conn) hello(f inFrame) {
	if f.VisitorID != "" && f.VisitorID != c.visitor {
		c.errorFrame(codeForbidden, "")
		return
	}
	switch l := strings.ToLower(f.Language); {
	case strings.HasPrefix(l, "en"):
		c.lang.Store("en")
	case strings.HasPrefix(l, "pt"):
		c.lang.Store("pt")
	case strings.HasPrefix(l, "es"):
		c.lang.Store("es")
	}
	c.consent = f.Consent != nil && f.Consent.Analytics
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conv, err := c.h.opts.Store.ConversationByExternalID(ctx, Channel, c.visitor)
	switch {
	case errors.Is(err, store.ErrNotFound):
		c.sendFinal(readyFrame{Type: "ready"})
	case err != nil:
		c.h.log.Warn("widget hello: conversation lookup", "err", err)
		c.errorFrame(codeFailed, "")
	default:
		if conv.Language != "" {
			c.lang.Store(conv.Language)
		}
		c.mu.Lock()
		c.liveFrom = max(c.liveFrom, conv.LastSeq)
		c.mu.Unlock()
		c.h.subscribe(c, conv.ID)
		c.sendFinal(readyFrame{Type: "ready", ConversationID: conv.ID, Seq: conv.LastSeq, Language: conv.Language})
	}
}

// setConsent applies a consent decision the visitor made after hello (a
// site's banner answered while the socket is open). Withdrawing it also
// forgets the signals kept for the visitor.
func (c *conn) setConsent(f inFrame) {
	if f.Consent == nil {
		c.errorFrame(codeBadFrame, "")
		return
	}
	c.consent = f.Consent.Analytics
	if !c.consent {
		c.h.forgetSignals(c.senderID())
	}
}

// owned finds the conversation and checks it is this visitor's: a widget
// conversation whose external id is the token's visitor id.
func (c *conn) owned(ctx context.Context, id string) (store.Conversation, bool) {
	conv, err := c.h.opts.Store.Conversation(ctx, id)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			c.h.log.Warn("widget: conversation lookup", "conversation_id", id, "err", err)
		}
		return conv, false
	}
	return conv, conv.Channel == Channel && conv.ExternalID == c.visitor
}

// resume replays the conversation's persisted messages after last_seq,
// then says ready; live messages follow. c.mu is held from before the
// store is read until everything is queued, so a live reply that lands
// meanwhile is either in the replay or queued after it, never both.
func (c *conn) resume(f inFrame) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conv, ok := c.owned(ctx, f.ConversationID)
	if !ok {
		// Not found and not yours look the same, so ids cannot be probed.
		c.errorFrame(codeForbidden, "")
		return
	}
	c.h.subscribe(c, conv.ID)
	c.mu.Lock()
	defer c.mu.Unlock()
	// A last_seq past the conversation's own (a stale or edited client)
	// is capped: taken as it is, it would hide every later reply on this
	// socket, which sends each seq once and only above what was sent.
	last := min(f.LastSeq, conv.LastSeq)
	if last > c.sentSeq {
		c.sentSeq = max(last, 0)
	}
	after := c.sentSeq
	for {
		msgs, err := c.h.opts.Store.Messages(ctx, conv.ID, store.MessageQuery{AfterSeq: after, Limit: 200})
		if err != nil {
			c.h.log.Warn("widget resume: messages", "conversation_id", conv.ID, "err", err)
			c.errorFrame(codeFailed, "")
			return
		}
		for _, m := range msgs {
			after = m.Seq
			if v, ok := c.frameOf(m); ok {
				c.sentSeq = m.Seq
				c.sendFinal(v)
			}
		}
		if len(msgs) < 200 {
			break
		}
	}
	c.sentSeq = max(c.sentSeq, after)
	c.sendFinal(readyFrame{Type: "ready", ConversationID: conv.ID, Seq: c.sentSeq, Language: conv.Language})
}

// frameOf is the frame a stored message replays as: the visitor's
// messages, the assistant's final replies and staff replies; tool calls
// and results are internals the page never sees.
func (c *conn) frameOf(m store.Message) (any, bool) {
	switch m.Author {
	case store.AuthorUser:
		_, cmid, _ := strings.Cut(m.PlatformID, ":")
		return userFrame{Type: "user", Seq: m.Seq, Text: m.Text, ClientMsgID: cmid}, true
	case store.AuthorStaff:
		return replyFrame{Type: "reply", Seq: m.Seq, Text: m.Text, From: "staff", Citations: []citation{}, Tools: []toolOutcome{}}, true
	case store.AuthorAssistant:
		if len(m.ToolCalls) > 0 && string(m.ToolCalls) != "null" && string(m.ToolCalls) != "[]" {
			return nil, false
		}
		var meta agent.ReplyMeta
		_ = json.Unmarshal(m.Meta, &meta) // a reply without meta still replays its text
		return replyFrame{
			Type: "reply", Seq: m.Seq, Text: m.Text, From: "assistant",
			Citations: citationsOf(meta.Citations), Tools: toolsOf(meta.Tools, meta.Documents()),
			Handoff: meta.Handoff, Language: meta.Language, Outcome: meta.Outcome, Answers: meta.AnswersSeq,
		}, m.Text != ""
	}
	return nil, false
}

func citationsOf(cs []agent.Citation) []citation {
	out := make([]citation, 0, len(cs))
	for _, c := range cs {
		u := c.Link
		if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
			u = "" // the widget links http(s) only; it checks again
		}
		title := c.Title
		if title == "" {
			title = c.Source
		}
		out = append(out, citation{Ref: c.Ref, Title: title, Heading: c.Heading, Quote: c.Quote, URL: u})
	}
	return out
}

// toolsOf lists the turn's tool calls, each generate_document call that
// made a document with its download link (agent.Reply.Documents).
func toolsOf(ts []agent.ToolSummary, docs []agent.Document) []toolOutcome {
	links := make(map[int]string, len(docs))
	for _, d := range docs {
		links[d.Tool] = d.URL
	}
	out := make([]toolOutcome, 0, len(ts))
	for i, t := range ts {
		out = append(out, toolOutcome{Name: t.Name, Status: string(t.Status), Link: links[i]})
	}
	return out
}

// messageText checks a message frame and returns the text to answer, or
// the error code to answer with ("" when it is fine) and whether the
// client_msg_id may be named in it.
func messageText(f inFrame) (text, code string, named bool) {
	if !clientMsgIDPattern.MatchString(f.ClientMsgID) {
		return "", codeBadFrame, false
	}
	// Control characters (a NUL among them) mean nothing in a message and
	// cannot be stored: they go, so a re-send does not fail again.
	text = strings.TrimSpace(store.CleanText(f.Text))
	if text == "" || !utf8.ValidString(text) {
		return "", codeBadFrame, true
	}
	if utf8.RuneCountInString(text) > maxTextRunes {
		return "", codeTooLong, true
	}
	return text, "", true
}

func (c *conn) message(f inFrame) {
	text, code, named := messageText(f)
	if code != "" {
		id := ""
		if named {
			id = f.ClientMsgID
		}
		c.errorFrame(code, id)
		return
	}
	c.mu.Lock()
	busy := c.inflight >= maxInflight
	if !busy {
		c.inflight++
	}
	c.mu.Unlock()
	if busy {
		c.errorFrame(codeBusy, f.ClientMsgID)
		return
	}
	c.sendEphemeral(typingFrame{Type: "typing"})
	go c.turn(f.ClientMsgID, text)
}

// turn runs one message through the agent and delivers the outcome to
// every socket of the conversation. Its context is not the socket's: a
// visitor who drops mid-turn still gets the reply on the socket they come
// back on.
func (c *conn) turn(clientMsgID, text string) {
	defer func() {
		c.mu.Lock()
		c.inflight--
		c.mu.Unlock()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), turnTimeout)
	defer cancel()
	deltas := &deltaStream{id: clientMsgID}
	stream := func(d string) {
		// Called one at a time by the agent; never blocks it.
		// Deltas may fill only half the queue (see sendEphemeral).
		if deltas.add(d) && (len(c.send) >= cap(c.send)/2 || !c.enqueue(outgoing{stream: deltas})) {
			deltas.unqueue()
		}
	}
	msg := agent.Message{
		Channel: Channel,
		// Namespaced by visitor: a client_msg_id chosen by one visitor
		// must never match (and so be answered with) another's message.
		PlatformID: c.visitor + ":" + clientMsgID,
		ChatID:     c.visitor,
		Sender:     store.Identity{Channel: Channel, ExternalID: c.senderID()},
		Text:       text,
	}
	r, err := c.h.opts.Agent.Turn(ctx, msg, stream)
	if err != nil {
		c.h.log.Warn("widget turn failed", "conversation_id", r.ConversationID, "err", err)
		m := r.Text
		if m == "" {
			m = errorText(c.language(), codeFailed)
		}
		c.sendFinal(errorFrame{Type: "error", Code: codeFailed, Message: m, ClientMsgID: clientMsgID})
		c.h.publish(r.ConversationID, r.InboundSeq) // the message is stored all the same
		return
	}
	c.h.subscribe(c, r.ConversationID)
	if r.Language != "" {
		c.lang.Store(r.Language)
	}
	c.sendFinal(ackFrame{Type: "ack", ClientMsgID: clientMsgID, Seq: r.InboundSeq, ConversationID: r.ConversationID,
		HandedOff: r.Outcome == agent.OutcomeHandedOff, Language: r.Language})
	for _, s := range c.h.subscribers(r.ConversationID) {
		if s != c {
			s.deliver(r.InboundSeq, userFrame{Type: "user", Seq: r.InboundSeq, Text: text, ClientMsgID: clientMsgID})
		}
	}
	if r.Folded || r.Seq == 0 {
		// Folded: the newest message's turn delivers the answer. Seq 0:
		// handed off to a person, whose reply arrives as a staff message.
		c.h.publish(r.ConversationID, r.InboundSeq)
		return
	}
	rf := replyFrame{
		Type: "reply", Seq: r.Seq, Text: r.Text, StreamID: clientMsgID, From: "assistant",
		Citations: citationsOf(r.Citations), Tools: toolsOf(r.Tools, r.Documents), Handoff: r.Handoff,
		Language: r.Language, Outcome: r.Outcome, Answers: r.Answers,
	}
	for _, s := range c.h.subscribers(r.ConversationID) {
		s.deliver(r.Seq, rf)
	}
	// The visitor's sockets on other servers (other tabs) read it from
	// the store.
	c.h.publish(r.ConversationID, max(r.Seq, r.InboundSeq))
}

func (c *conn) signals(f inFrame) {
	if !c.consent {
		c.errorFrame(codeNoConsent, "")
		return
	}
	clamp := func(p *int) int {
		if p == nil || *p < 0 {
			return 0
		}
		return min(*p, 1_000_000)
	}
	s := Signals{
		VisitorID:         c.senderID(), // what qualify_lead finds them by
		PagesViewed:       clamp(f.PagesViewed),
		TimeOnSiteSeconds: clamp(f.TimeOnSiteSeconds),
		PricingVisits:     clamp(f.PricingVisits),
		DemoRequested:     f.DemoRequested != nil && *f.DemoRequested,
	}
	c.h.mu.Lock()
	s.ConversationID = c.convID
	c.h.mu.Unlock()
	c.h.storeSignals(s)
}

// outgoing is one entry of a socket's send queue: a frame ready to write,
// or a turn's stream, whose text so far the writer takes when it gets there.
type outgoing struct {
	frame  []byte
	stream *deltaStream
}

// deltaStream coalesces the streamed text of one turn while the socket is
// busy. The agent appends; at most one queue entry stands for the stream at
// a time, and the writer takes everything appended until it writes. An idle
// socket so sends each piece as it comes (a provider's tokens as they are
// generated); a busy one sends fewer, larger deltas instead of queueing one
// frame per piece — the offline engine produces a whole answer in
// microseconds, and a frame per four words cost both ends a write and a
// read each. Indexes stay 0, 1, 2… over the frames actually sent.
type deltaStream struct {
	id     string
	mu     sync.Mutex
	text   strings.Builder
	queued bool // an entry for this stream is in the send queue
	index  int
	// broken: more than maxPendingDelta waited for a writer that did not
	// come; the rest of the stream is dropped (the final reply replaces
	// it), so a slow client never makes the server hold more.
	broken bool
}

// maxPendingDelta bounds the streamed text a socket holds for one turn.
const maxPendingDelta = 64 << 10

// add appends d and reports whether the stream needs a queue entry (none
// is waiting already).
func (s *deltaStream) add(d string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.broken {
		return false
	}
	if s.text.Len()+len(d) > maxPendingDelta {
		s.broken = true
		s.text = strings.Builder{}
		return false
	}
	s.text.WriteString(d)
	need := !s.queued
	s.queued = true
	return need
}

// unqueue records that the entry add asked for was not queued (the queue
// was too full): the text waits for the next piece, or for the final
// reply that replaces it.
func (s *deltaStream) unqueue() {
	s.mu.Lock()
	s.queued = false
	s.mu.Unlock()
}

// take returns the delta frame of the text appended since the last take,
// or nil when there is none.
func (s *deltaStream) take() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queued = false
	if s.text.Len() == 0 {
		return nil
	}
	b, err := json.Marshal(deltaFrame{Type: "delta", StreamID: s.id, Index: s.index, Text: s.text.String()})
	if err != nil {
		return nil
	}
	s.index++
	s.text.Reset()
	return b
}
