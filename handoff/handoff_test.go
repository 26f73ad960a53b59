package handoff_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/handoff"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/sqlite"
)

type bundle struct {
	st   *sqlite.DB
	desk *handoff.Desk
	conv store.Conversation
}

func setup(t *testing.T) *bundle {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "faro.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	desk, err := handoff.New(handoff.Options{Store: st})
	require.NoError(t, err)
	c, err := st.CreateContact(t.Context(), store.Contact{Name: "Ana", Identities: []store.Identity{{Channel: "telegram", ExternalID: "501"}}})
	require.NoError(t, err)
	conv, err := st.CreateConversation(t.Context(), store.Conversation{ContactID: c.ID, Channel: "telegram", ExternalID: "501"})
	require.NoError(t, err)
	return &bundle{st: st, desk: desk, conv: conv}
}

// recorder is a channel's deliverer that keeps what it got, and the
// message each had to follow when it is ordered.
type recorder struct {
	mu    sync.Mutex
	got   []string
	after []string
	err   error
}

func (r *recorder) Deliver(_ context.Context, _ store.Conversation, m store.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, m.Text)
	return r.err
}

type ordered struct{ recorder }

func (o *ordered) DeliverAfter(ctx context.Context, conv store.Conversation, m store.Message, after string) error {
	o.mu.Lock()
	o.after = append(o.after, after)
	o.mu.Unlock()
	return o.Deliver(ctx, conv, m)
}

var marta = handoff.Staff{ID: "slack:U1", Name: "Marta"}

func TestTakeReplyRelease(t *testing.T) {
	b := setup(t)
	ctx := t.Context()
	events, stop := b.desk.Subscribe()
	defer stop()

	// The bot answers an open conversation: staff cannot write into it.
	_, err := b.desk.Reply(ctx, b.conv.ID, marta, "hola")
	var se *handoff.StateError
	require.ErrorAs(t, err, &se)
	require.ErrorIs(t, err, store.ErrConflict)
	require.Equal(t, "the conversation is open, not handed off to a person", se.Error())

	conv, changed, err := b.desk.Take(ctx, b.conv.ID, marta, "cliente VIP")
	require.NoError(t, err)
	require.True(t, changed)
	require.Equal(t, store.ConversationHandedOff, conv.Status)
	e := <-events
	require.Equal(t, handoff.EventTaken, e.Kind)
	require.Equal(t, "slack:U1", e.Actor)
	require.Equal(t, "cliente VIP", e.Reason)
	_, changed, err = b.desk.Take(ctx, b.conv.ID, handoff.Staff{ID: "api:ops"}, "")
	require.NoError(t, err)
	require.False(t, changed, "taken already")
	<-events

	// No deliverer: stored, not delivered.
	res, err := b.desk.Reply(ctx, b.conv.ID, marta, "  Hola Ana, soy Marta \x00 ")
	require.NoError(t, err)
	require.False(t, res.Delivered)
	require.Equal(t, "Hola Ana, soy Marta", res.Message.Text, "trimmed, control characters gone")
	require.Equal(t, store.AuthorStaff, res.Message.Author)
	require.JSONEq(t, `{"staff":"Marta"}`, string(res.Message.Meta))
	e = <-events
	require.Equal(t, handoff.EventReplied, e.Kind)
	require.Equal(t, res.Message.ID, e.Message.ID)

	// An ordered deliverer learns which reply came before.
	o := &ordered{}
	b.desk.Register("telegram", o)
	first, err := b.desk.Reply(ctx, b.conv.ID, marta, "uno")
	require.NoError(t, err)
	require.True(t, first.Delivered)
	second, err := b.desk.Reply(ctx, b.conv.ID, marta, "dos")
	require.NoError(t, err)
	require.Equal(t, []string{"uno", "dos"}, o.got)
	require.Equal(t, []string{res.Message.ID, first.Message.ID}, o.after)
	<-events
	<-events

	// A deliverer that fails: stored anyway, reported undelivered.
	r := &recorder{err: errors.New("socket gone")}
	b.desk.Register("telegram", r)
	failed, err := b.desk.Reply(ctx, b.conv.ID, marta, "tres")
	require.NoError(t, err)
	require.False(t, failed.Delivered)
	<-events

	for _, text := range []string{"", "   "} {
		_, err = b.desk.Reply(ctx, b.conv.ID, marta, text)
		require.ErrorIs(t, err, handoff.ErrText)
		require.ErrorIs(t, err, store.ErrInvalid)
	}
	_, err = b.desk.Reply(ctx, "nope", marta, "x")
	require.ErrorIs(t, err, store.ErrNotFound)

	conv, changed, err = b.desk.Release(ctx, b.conv.ID, marta)
	require.NoError(t, err)
	require.True(t, changed)
	require.Equal(t, store.ConversationOpen, conv.Status)
	require.Equal(t, handoff.EventReleased, (<-events).Kind)
	_, changed, err = b.desk.Release(ctx, b.conv.ID, marta)
	require.NoError(t, err)
	require.False(t, changed, "released already: a retry is fine")

	es, err := b.desk.Events(ctx, b.conv.ID)
	require.NoError(t, err)
	var kinds []store.HandoffKind
	for _, e := range es {
		kinds = append(kinds, e.Kind)
	}
	require.Equal(t, []store.HandoffKind{store.HandoffTaken, store.HandoffTaken, store.HandoffReplied, store.HandoffReplied,
		store.HandoffReplied, store.HandoffReplied, store.HandoffReleased}, kinds)
	require.Equal(t, second.Message.ID, es[4].MessageID)

	// Closed: neither take nor release.
	conv.Status = store.ConversationClosed
	_, err = b.st.UpdateConversation(ctx, conv)
	require.NoError(t, err)
	_, _, err = b.desk.Take(ctx, b.conv.ID, marta, "")
	require.ErrorAs(t, err, &se)
	_, _, err = b.desk.Release(ctx, b.conv.ID, marta)
	require.ErrorAs(t, err, &se)
	require.Equal(t, "the conversation is closed", se.Error())
}

// turner is an agent whose replies the test writes.
type turner struct{ reply agent.Reply }

func (t *turner) Turn(context.Context, agent.Message, func(string)) (agent.Reply, error) {
	return t.reply, nil
}

func TestWatch(t *testing.T) {
	b := setup(t)
	ctx := t.Context()
	events, stop := b.desk.Subscribe()
	defer stop()
	a := &turner{}
	w := b.desk.Watch(a)

	// request_human ran in the turn: recorded once, however often the
	// turn is reported.
	a.reply = agent.Reply{ConversationID: b.conv.ID, InboundSeq: 1, Seq: 2, Outcome: agent.OutcomeAnswered, Handoff: true}
	for range 2 {
		_, err := w.Turn(ctx, agent.Message{}, nil)
		require.NoError(t, err)
	}
	e := <-events
	require.Equal(t, handoff.EventRequested, e.Kind)
	require.Equal(t, b.conv.ID, e.Conversation.ID)
	es, err := b.st.HandoffEvents(ctx, b.conv.ID)
	require.NoError(t, err)
	require.Len(t, es, 1)

	// The person writes while staff answer: the message is passed on; a
	// re-delivery of it is not.
	m, _, err := b.st.AppendMessage(ctx, store.Message{ConversationID: b.conv.ID, Author: store.AuthorUser, Text: "¿hay alguien?"})
	require.NoError(t, err)
	a.reply = agent.Reply{ConversationID: b.conv.ID, InboundSeq: m.Seq, Outcome: agent.OutcomeHandedOff, Handoff: true}
	_, err = w.Turn(ctx, agent.Message{}, nil)
	require.NoError(t, err)
	e = <-events
	require.Equal(t, handoff.EventMessage, e.Kind)
	require.Equal(t, "¿hay alguien?", e.Message.Text)
	a.reply.Duplicate = true
	_, err = w.Turn(ctx, agent.Message{}, nil)
	require.NoError(t, err)
	select {
	case e := <-events:
		t.Fatalf("a re-delivered message told again: %+v", e)
	default:
	}
}

func TestSubscriberBehindLosesNewest(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "faro.db"))
	require.NoError(t, err)
	defer st.Close()
	desk, err := handoff.New(handoff.Options{Store: st, Buffer: 1})
	require.NoError(t, err)
	c, err := st.CreateContact(t.Context(), store.Contact{Name: "Ana"})
	require.NoError(t, err)
	conv, err := st.CreateConversation(t.Context(), store.Conversation{ContactID: c.ID, Channel: "web"})
	require.NoError(t, err)
	events, stop := desk.Subscribe()
	_, _, err = desk.Take(t.Context(), conv.ID, marta, "")
	require.NoError(t, err)
	_, _, err = desk.Release(t.Context(), conv.ID, marta) // dropped: the buffer is full
	require.NoError(t, err)
	require.Equal(t, handoff.EventTaken, (<-events).Kind)
	stop()
	_, ok := <-events
	require.False(t, ok, "closed by stop")
	stop() // twice is fine
}
