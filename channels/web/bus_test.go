package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/channels/web"
	"github.com/faroai/faro/livebus"
	"github.com/faroai/faro/store"
)

// twoServers are two widget handlers on one store and one bus, as two
// servers behind a load balancer are on one database.
func twoServers(t *testing.T) (a, b *env) {
	st := openStore(t)
	ag := newAgent(t, st)
	hub := livebus.NewHub()
	a = start(t, st, ag, func(o *web.Options) { o.Bus = hub.Member() })
	b = start(t, st, ag, func(o *web.Options) { o.Bus = hub.Member(); o.ReceiptWait = 500 * time.Millisecond })
	return a, b
}

// visitorOn opens a visitor's socket on e that has said hello and one
// message, and returns it with the conversation.
func visitorOn(t *testing.T, e *env, s session) (*client, store.Conversation) {
	c := e.connect(s)
	c.send(map[string]any{"type": "hello"})
	c.until("ready")
	c.send(map[string]any{"type": "message", "client_msg_id": "aaaaaaaa-0001", "text": "hola, ¿qué cursos tienen?"})
	var convID string
	for _, f := range c.until("reply") {
		if f.Type == "ack" {
			convID = f.ConversationID
		}
	}
	conv, err := e.store.Conversation(t.Context(), convID)
	require.NoError(t, err)
	return c, conv
}

// reader reads a client's frames in a goroutine of its own: a read
// deadline that passes breaks a gorilla socket, so "nothing more came"
// is waited for on a channel instead.
type reader struct {
	t  *testing.T
	ch chan frame
}

func (c *client) reader() *reader {
	r := &reader{t: c.t, ch: make(chan frame, 256)}
	go func() {
		defer close(r.ch)
		for {
			var f frame
			_ = c.ws.SetReadDeadline(time.Time{})
			if err := c.ws.ReadJSON(&f); err != nil {
				return
			}
			r.ch <- f
		}
	}()
	return r
}

// until reads until a frame of type typ.
func (r *reader) until(typ string) {
	r.t.Helper()
	for {
		select {
		case f, ok := <-r.ch:
			require.True(r.t, ok, "socket closed waiting for %s", typ)
			if f.Type == typ {
				return
			}
		case <-time.After(10 * time.Second):
			r.t.Fatalf("no %s", typ)
		}
	}
}

// drain returns the user and reply frames that come until none has for d.
func (r *reader) drain(d time.Duration) []frame {
	var out []frame
	for {
		select {
		case f, ok := <-r.ch:
			if !ok {
				return out
			}
			if f.Type == "reply" || f.Type == "user" {
				out = append(out, f)
			}
		case <-time.After(d):
			return out
		}
	}
}

// TestStaffReplyThroughAnotherServer: a staff reply delivered by server B,
// which holds no socket of the conversation, reaches the visitor on A once,
// and B's Deliver says it was received; with the visitor gone, it says it
// was not.
func TestStaffReplyThroughAnotherServer(t *testing.T) {
	a, b := twoServers(t)
	c, conv := visitorOn(t, a, a.session(""))
	rc := c.reader()
	m, _, err := a.store.AppendMessage(t.Context(), store.Message{ConversationID: conv.ID, Author: store.AuthorStaff, Text: "Soy Marta, del equipo.", Channel: web.Channel})
	require.NoError(t, err)
	require.NoError(t, b.h.Deliver(t.Context(), conv, m), "a connection on A received it")
	got := rc.drain(300 * time.Millisecond)
	require.Len(t, got, 1, "once: %+v", got)
	require.Equal(t, m.Seq, got[0].Seq)
	require.Equal(t, "Soy Marta, del equipo.", got[0].Text)

	// Delivered again (a retry): the socket has it, nothing is sent twice.
	require.NoError(t, b.h.Deliver(t.Context(), conv, m))
	require.Empty(t, rc.drain(300*time.Millisecond))

	_ = c.ws.Close()
	require.Eventually(t, func() bool { return a.h.Connections() == 0 }, 5*time.Second, 10*time.Millisecond)
	m2, _, err := a.store.AppendMessage(t.Context(), store.Message{ConversationID: conv.ID, Author: store.AuthorStaff, Text: "¿Sigues ahí?", Channel: web.Channel})
	require.NoError(t, err)
	require.ErrorIs(t, b.h.Deliver(t.Context(), conv, m2), web.ErrNotDelivered, "no connection anywhere")
	require.ErrorIs(t, a.h.Deliver(t.Context(), conv, m2), web.ErrNotDelivered)
}

// TestTabsOnTwoServers: a visitor with a tab on each server writes in one;
// the other tab gets the message and the reply, in order, once each.
func TestTabsOnTwoServers(t *testing.T) {
	a, b := twoServers(t)
	s := a.session("")
	c1, conv := visitorOn(t, a, s)
	c2 := b.connect(b.session(s.VisitorID)) // the same visitor, by B's origin
	c2.send(map[string]any{"type": "hello"})
	c2.until("ready")
	c2.send(map[string]any{"type": "resume", "conversation_id": conv.ID, "last_seq": conv.LastSeq})
	c2.until("ready")
	r1, r2 := c1.reader(), c2.reader()

	c1.send(map[string]any{"type": "message", "client_msg_id": "aaaaaaaa-0002", "text": "¿y el precio?"})
	r1.until("reply")
	got := r2.drain(500 * time.Millisecond)
	require.Len(t, got, 2, "%+v", got)
	require.Equal(t, "user", got[0].Type)
	require.Equal(t, "aaaaaaaa-0002", got[0].ClientMsgID)
	require.Equal(t, "reply", got[1].Type)
	require.Greater(t, got[1].Seq, got[0].Seq)

	// And back: written on B, seen on A.
	c2.send(map[string]any{"type": "message", "client_msg_id": "bbbbbbbb-0001", "text": "gracias"})
	r2.until("reply")
	got = r1.drain(500 * time.Millisecond)
	require.Len(t, got, 2, "%+v", got)
	require.Equal(t, "bbbbbbbb-0001", got[0].ClientMsgID)
}

// TestNoBusStaffReplyNotDelivered: one server, no socket: Deliver says so.
func TestNoBusStaffReplyNotDelivered(t *testing.T) {
	e := start(t, nil, nil, nil)
	_, conv := visitorOn(t, e, e.session(""))
	conv, err := e.store.Conversation(context.Background(), conv.ID)
	require.NoError(t, err)
	_ = e.h.Shutdown(context.Background())
	m, _, err := e.store.AppendMessage(t.Context(), store.Message{ConversationID: conv.ID, Author: store.AuthorStaff, Text: "hola", Channel: web.Channel})
	require.NoError(t, err)
	require.ErrorIs(t, e.h.Deliver(t.Context(), conv, m), web.ErrNotDelivered)
}

// TestSignalsSharedThroughTheStore: with a SignalStore, what a visitor's
// page reported on server A is in the store for every server, and
// consent withdrawn on server B forgets it there.
func TestSignalsSharedThroughTheStore(t *testing.T) {
	st := openStore(t)
	ag := newAgent(t, st)
	ss := st.(store.WebSignalStore)
	a := start(t, st, ag, func(o *web.Options) { o.SignalStore = ss })
	b := start(t, st, ag, func(o *web.Options) { o.SignalStore = ss })
	s := a.session("")
	ca := a.connect(s)
	ca.send(map[string]any{"type": "hello", "consent": map[string]bool{"analytics": true}})
	ca.until("ready")
	ca.send(map[string]any{"type": "signals", "pages_viewed": 4, "time_on_site_seconds": 60, "pricing_visits": 1})
	ca.send(map[string]any{"type": "ping"})
	ca.until("pong")
	got, err := ss.WebSignals(t.Context(), s.VisitorID)
	require.NoError(t, err)
	require.Equal(t, store.Signals{PagesViewed: 4, TimeOnSiteSeconds: 60, PricingVisits: 1}, got.Signals)
	fromB, ok := b.h.Signals(s.VisitorID)
	require.True(t, ok, "server B reads what A's socket reported")
	require.Equal(t, 4, fromB.PagesViewed)

	cb := b.connect(b.session(s.VisitorID))
	cb.send(map[string]any{"type": "hello", "consent": map[string]bool{"analytics": true}})
	cb.until("ready")
	cb.send(map[string]any{"type": "consent", "consent": map[string]bool{"analytics": false}})
	cb.send(map[string]any{"type": "ping"})
	cb.until("pong")
	_, err = ss.WebSignals(t.Context(), s.VisitorID)
	require.ErrorIs(t, err, store.ErrNotFound, "forgotten for every server")
}
