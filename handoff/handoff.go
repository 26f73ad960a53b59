// Package handoff is the one state machine of a conversation handed to a
// person: staff take it (or the person asks, through request_human), staff
// reply, staff release it back to the bot. The admin REST API, the staff
// chat threads (package staffchat) and the web console all go through a
// [Desk], so the rules and the stored history are the same whichever way
// staff work.
//
// The states are the conversation's status: open (the bot answers),
// handed_off (a person answers, the bot stays quiet) and closed. Every step
// is stored as a store.HandoffEvent, and published to the Desk's
// subscribers ([Desk.Subscribe]) together with the person's messages that
// arrive while a person answers ([Desk.Watch]).
//
// A reply is stored first, then delivered on the person's own channel by
// the channel's [Deliverer]: the widget live, the messaging channels
// through the channel runtime's durable delivery jobs (retried, recorded,
// in order, once). A reply that cannot be delivered stays stored.
package handoff

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/faroai/faro/store"
)

// MaxReplyRunes caps a staff reply, as the agent caps inbound text.
const MaxReplyRunes = 8000

// Store is what the desk keeps in the store; store.Store satisfies it.
type Store interface {
	Conversation(ctx context.Context, id string) (store.Conversation, error)
	UpdateConversation(ctx context.Context, c store.Conversation) (store.Conversation, error)
	AppendMessage(ctx context.Context, m store.Message) (store.Message, bool, error)
	Messages(ctx context.Context, conversationID string, q store.MessageQuery) ([]store.Message, error)
	AddHandoffEvent(ctx context.Context, e store.HandoffEvent) (store.HandoffEvent, bool, error)
	HandoffEvents(ctx context.Context, conversationID string) ([]store.HandoffEvent, error)
}

// Interface guard.
var _ Store = store.Store(nil)

// Deliverer sends a stored staff message to the person on the
// conversation's channel. A channel that reaches people outside a turn
// implements one; [Desk.Register] adds it.
type Deliverer interface {
	// Deliver sends m to the person of conv, or makes it durable work
	// that will; an error means neither happened (m stays stored).
	Deliver(ctx context.Context, conv store.Conversation, m store.Message) error
}

// OrderedDeliverer is a Deliverer that queues messages (the channel
// runtime): after is the staff message of the conversation delivered
// before m ("" for none), which must be sent, or given up, before m is.
type OrderedDeliverer interface {
	DeliverAfter(ctx context.Context, conv store.Conversation, m store.Message, after string) error
}

// Staff is who acts: ID is their identity ("slack:U0123ABCD",
// "web:ana@example.com", "api:<key name>"), recorded on the hand-off
// events; Name is what the stored message shows as its author (the
// message's meta "staff").
type Staff struct {
	ID   string
	Name string
}

// EventKind is what a subscriber is told about.
type EventKind string

// The events. The first four are store.HandoffKind's.
const (
	EventRequested EventKind = EventKind(store.HandoffRequested)
	EventTaken     EventKind = EventKind(store.HandoffTaken)
	EventReplied   EventKind = EventKind(store.HandoffReplied)
	EventReleased  EventKind = EventKind(store.HandoffReleased)
	// EventMessage: the person wrote while the conversation is with staff
	// (the bot did not answer).
	EventMessage EventKind = "message"
)

// Event is what happened to a handed-off conversation.
type Event struct {
	Kind         EventKind
	Conversation store.Conversation
	// Actor is the staff identity that acted; empty for the person.
	Actor string
	// Message is the staff reply (EventReplied) or the person's message
	// (EventMessage); zero otherwise.
	Message store.Message
	// Reason is the reason given to request_human or to take.
	Reason string
	At     time.Time
}

// StateError is a step the conversation's status does not allow: a reply
// to a conversation the bot answers, a take or release of a closed one.
// It wraps store.ErrConflict.
type StateError struct {
	Op     string
	Status store.ConversationStatus
}

func (e *StateError) Error() string {
	if e.Op == "reply" {
		return fmt.Sprintf("the conversation is %s, not handed off to a person", e.Status)
	}
	return fmt.Sprintf("the conversation is %s", e.Status)
}

func (e *StateError) Unwrap() error { return store.ErrConflict }

// ErrText is a reply's text that cannot be sent: empty, or longer than
// MaxReplyRunes. It wraps store.ErrInvalid.
var ErrText = fmt.Errorf("text must not be empty nor longer than %d characters: %w", MaxReplyRunes, store.ErrInvalid)

// Options configure a [Desk]. Store is required.
type Options struct {
	Store  Store
	Logger *slog.Logger
	// DeliverTimeout bounds a Deliverer's call. Default 15 s.
	DeliverTimeout time.Duration
	// OnDeliverFunc, when set, is told of every call of a Deliverer that
	// is not an OrderedDeliverer (those report their own outcomes), for
	// metrics.
	OnDeliverFunc func(channel string, err error)
	// Buffer is each subscriber's channel capacity. Default 256.
	Buffer int
}

// Desk runs the hand-off. It is safe for concurrent use; one Desk serves
// the process.
type Desk struct {
	opts Options
	log  *slog.Logger

	mu         sync.Mutex
	deliverers map[string]Deliverer
	subs       map[*subscriber]struct{}
	// replying serialises replies per conversation in this process, so
	// each knows the one before it (the order of delivery).
	replying map[string]*lane
}

type subscriber struct {
	ch      chan Event
	dropped int
}

// New returns a desk over opts.Store.
func New(opts Options) (*Desk, error) {
	if opts.Store == nil {
		return nil, errors.New("handoff: no store")
	}
	opts.Logger = cmp.Or(opts.Logger, slog.New(slog.DiscardHandler))
	if opts.DeliverTimeout <= 0 {
		opts.DeliverTimeout = 15 * time.Second
	}
	if opts.Buffer <= 0 {
		opts.Buffer = 256
	}
	return &Desk{
		opts: opts, log: opts.Logger, deliverers: map[string]Deliverer{}, subs: map[*subscriber]struct{}{},
		replying: map[string]*lane{},
	}, nil
}

// Register makes dl the deliverer of staff replies on channel ("web",
// "telegram"…), replacing any before it.
func (d *Desk) Register(channel string, dl Deliverer) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.deliverers[channel] = dl
}

func (d *Desk) deliverer(channel string) Deliverer {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.deliverers[channel]
}

// Subscribe returns a channel of every event from now on, and the func
// that ends the subscription (and closes the channel). A subscriber that
// falls Buffer events behind loses the newest ones, logged: the desk never
// waits for a reader. The store is the truth a subscriber catches up from.
func (d *Desk) Subscribe() (<-chan Event, func()) {
	s := &subscriber{ch: make(chan Event, d.opts.Buffer)}
	d.mu.Lock()
	d.subs[s] = struct{}{}
	d.mu.Unlock()
	var once sync.Once
	return s.ch, func() {
		once.Do(func() {
			d.mu.Lock()
			delete(d.subs, s)
			d.mu.Unlock()
			close(s.ch)
		})
	}
}

func (d *Desk) publish(e Event) {
	if e.At.IsZero() {
		e.At = time.Now().UTC()
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for s := range d.subs {
		select {
		case s.ch <- e:
		default:
			s.dropped++
			d.log.Warn("hand-off event dropped: a subscriber is behind", "conversation_id", e.Conversation.ID,
				"kind", string(e.Kind), "dropped", s.dropped)
		}
	}
}

// Take hands the conversation to staff: the bot stops answering it.
// changed is false when it was handed off already (the take is recorded
// all the same: who took it). A closed conversation is a *StateError;
// one that does not exist, store.ErrNotFound.
func (d *Desk) Take(ctx context.Context, conversationID string, by Staff, reason string) (conv store.Conversation, changed bool, err error) {
	conv, err = d.opts.Store.Conversation(ctx, conversationID)
	if err != nil {
		return conv, false, fmt.Errorf("take %s: %w", conversationID, err)
	}
	switch conv.Status {
	case store.ConversationClosed:
		return conv, false, fmt.Errorf("take %s: %w", conv.ID, &StateError{Op: "take", Status: conv.Status})
	case store.ConversationOpen:
		conv.Status = store.ConversationHandedOff
		if conv, err = d.opts.Store.UpdateConversation(ctx, conv); err != nil {
			return conv, false, fmt.Errorf("take %s: %w", conversationID, err)
		}
		changed = true
	}
	e, _, err := d.opts.Store.AddHandoffEvent(ctx, store.HandoffEvent{
		ConversationID: conv.ID, Kind: store.HandoffTaken, Actor: by.ID, Detail: store.CleanText(reason),
	})
	if err != nil {
		return conv, changed, fmt.Errorf("take %s: record: %w", conv.ID, err)
	}
	d.log.Info("conversation taken by staff", "conversation_id", conv.ID, "staff", by.ID, "changed", changed)
	d.publish(Event{Kind: EventTaken, Conversation: conv, Actor: by.ID, Reason: e.Detail, At: e.CreatedAt})
	return conv, changed, nil
}

// Requested records that the person asked for a human (request_human
// changed the status in the turn) and tells the subscribers, once per
// key: a turn run again after a crash records nothing new.
func (d *Desk) Requested(ctx context.Context, conversationID, key, reason string) error {
	conv, err := d.opts.Store.Conversation(ctx, conversationID)
	if err != nil {
		return fmt.Errorf("hand-off requested in %s: %w", conversationID, err)
	}
	e, created, err := d.opts.Store.AddHandoffEvent(ctx, store.HandoffEvent{
		ID: "requested:" + conv.ID + ":" + key, ConversationID: conv.ID, Kind: store.HandoffRequested, Detail: store.CleanText(reason),
	})
	if err != nil {
		return fmt.Errorf("hand-off requested in %s: record: %w", conv.ID, err)
	}
	if created {
		d.log.Info("hand-off requested by the person", "conversation_id", conv.ID)
		d.publish(Event{Kind: EventRequested, Conversation: conv, Reason: e.Detail, At: e.CreatedAt})
	}
	return nil
}

// Result is what a reply did.
type Result struct {
	// Message is the stored staff message.
	Message store.Message
	// Delivered is true when the channel's deliverer took the message
	// (sent it, or made it durable work that will); false when the
	// channel has none (the person sees it when they come back, if their
	// channel shows history) or it failed.
	Delivered bool
	// Duplicate is a reply stored already under its key.
	Duplicate bool
}

// staffMeta is the meta of a staff message: who wrote it.
type staffMeta struct {
	Staff string `json:"staff"`
}

// Reply stores a staff message in a handed-off conversation, then
// delivers it on the person's channel. The text is trimmed and loses
// control characters; empty or longer than MaxReplyRunes is ErrText. A
// conversation the bot answers (or closed) is a *StateError: a person
// writing into it too would interleave with turns.
func (d *Desk) Reply(ctx context.Context, conversationID string, by Staff, text string) (Result, error) {
	return d.ReplyOnce(ctx, conversationID, by, text, "")
}

// ReplyOnce is Reply, once per key: the platform's id of the staff
// message ("staff:slack:C0123/1700000000.000100"), so a platform that
// delivers it again (Slack's retries) adds nothing; the stored reply
// comes back with Duplicate set and is not delivered again (a delivery
// queued through an OrderedDeliverer is asked again, which queues nothing
// twice). An empty key is Reply.
func (d *Desk) ReplyOnce(ctx context.Context, conversationID string, by Staff, text, key string) (Result, error) {
	text = strings.TrimSpace(store.CleanText(text))
	if text == "" || utf8.RuneCountInString(text) > MaxReplyRunes {
		return Result{}, fmt.Errorf("reply: %w", ErrText)
	}
	conv, err := d.opts.Store.Conversation(ctx, conversationID)
	if err != nil {
		return Result{}, fmt.Errorf("reply to %s: %w", conversationID, err)
	}
	if conv.Status != store.ConversationHandedOff {
		return Result{}, fmt.Errorf("reply to %s: %w", conv.ID, &StateError{Op: "reply", Status: conv.Status})
	}
	meta, err := json.Marshal(staffMeta{Staff: cmp.Or(by.Name, by.ID)})
	if err != nil {
		return Result{}, fmt.Errorf("reply to %s: encode meta: %w", conv.ID, err)
	}
	unlock := d.lockReplies(conv.ID)
	defer unlock()
	after, err := d.lastReply(ctx, conv.ID)
	if err != nil {
		return Result{}, fmt.Errorf("reply to %s: %w", conv.ID, err)
	}
	// Stored before it is delivered: a failed delivery loses nothing.
	m, created, err := d.opts.Store.AppendMessage(ctx, store.Message{
		ConversationID: conv.ID, Author: store.AuthorStaff, Text: text, Channel: conv.Channel, Meta: meta, PlatformID: key,
	})
	if err != nil {
		return Result{}, fmt.Errorf("reply to %s: %w", conv.ID, err)
	}
	if !created {
		out := Result{Message: m, Duplicate: true}
		if od, ok := d.deliverer(conv.Channel).(OrderedDeliverer); ok {
			// Queued already (nothing is added), or lost to a crash
			// between storing and queueing (queued now).
			out.Delivered = od.DeliverAfter(ctx, conv, m, "") == nil
		}
		return out, nil
	}
	e, _, err := d.opts.Store.AddHandoffEvent(ctx, store.HandoffEvent{
		ID: "replied:" + m.ID, ConversationID: conv.ID, Kind: store.HandoffReplied, Actor: by.ID, MessageID: m.ID,
	})
	if err != nil {
		return Result{Message: m}, fmt.Errorf("reply to %s: record: %w", conv.ID, err)
	}
	out := Result{Message: m}
	if dl := d.deliverer(conv.Channel); dl != nil {
		dctx, cancel := context.WithTimeout(ctx, d.opts.DeliverTimeout)
		if od, ok := dl.(OrderedDeliverer); ok {
			err = od.DeliverAfter(dctx, conv, m, after)
		} else {
			err = dl.Deliver(dctx, conv, m)
			if d.opts.OnDeliverFunc != nil {
				d.opts.OnDeliverFunc(conv.Channel, err)
			}
		}
		cancel()
		if err != nil {
			d.log.Warn("staff reply stored but not delivered", "conversation_id", conv.ID, "channel", conv.Channel, "err", err)
		}
		out.Delivered = err == nil
	}
	d.log.Info("staff reply", "conversation_id", conv.ID, "seq", m.Seq, "staff", by.ID, "delivered", out.Delivered)
	d.publish(Event{Kind: EventReplied, Conversation: conv, Actor: by.ID, Message: m, At: e.CreatedAt})
	return out, nil
}

// lockReplies serialises the replies of one conversation in this process.
func (d *Desk) lockReplies(conversationID string) func() {
	d.mu.Lock()
	l, ok := d.replying[conversationID]
	if !ok {
		l = &lane{}
		d.replying[conversationID] = l
	}
	l.users++
	d.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		d.mu.Lock()
		if l.users--; l.users == 0 {
			// Nobody waits on it: forget it, so the map does not grow
			// with every conversation ever answered.
			delete(d.replying, conversationID)
		}
		d.mu.Unlock()
	}
}

// lane is one conversation's reply lock and how many hold or wait on it.
type lane struct {
	mu    sync.Mutex
	users int
}

// lastReply is the message id of the conversation's latest staff reply.
func (d *Desk) lastReply(ctx context.Context, conversationID string) (string, error) {
	es, err := d.opts.Store.HandoffEvents(ctx, conversationID)
	if err != nil {
		return "", err
	}
	for i := len(es) - 1; i >= 0; i-- {
		if es[i].Kind == store.HandoffReplied && es[i].MessageID != "" {
			return es[i].MessageID, nil
		}
	}
	return "", nil
}

// Release hands the conversation back to the bot. changed is false when
// the bot had it already (a retry is fine). A closed conversation is a
// *StateError.
func (d *Desk) Release(ctx context.Context, conversationID string, by Staff) (conv store.Conversation, changed bool, err error) {
	conv, err = d.opts.Store.Conversation(ctx, conversationID)
	if err != nil {
		return conv, false, fmt.Errorf("release %s: %w", conversationID, err)
	}
	switch conv.Status {
	case store.ConversationOpen:
		return conv, false, nil
	case store.ConversationClosed:
		return conv, false, fmt.Errorf("release %s: %w", conv.ID, &StateError{Op: "release", Status: conv.Status})
	}
	conv.Status = store.ConversationOpen
	if conv, err = d.opts.Store.UpdateConversation(ctx, conv); err != nil {
		return conv, false, fmt.Errorf("release %s: %w", conversationID, err)
	}
	e, _, err := d.opts.Store.AddHandoffEvent(ctx, store.HandoffEvent{ConversationID: conv.ID, Kind: store.HandoffReleased, Actor: by.ID})
	if err != nil {
		return conv, true, fmt.Errorf("release %s: record: %w", conv.ID, err)
	}
	d.log.Info("conversation released to the bot", "conversation_id", conv.ID, "staff", by.ID)
	d.publish(Event{Kind: EventReleased, Conversation: conv, Actor: by.ID, At: e.CreatedAt})
	return conv, true, nil
}

// Events lists the conversation's stored hand-off history, oldest first.
func (d *Desk) Events(ctx context.Context, conversationID string) ([]store.HandoffEvent, error) {
	es, err := d.opts.Store.HandoffEvents(ctx, conversationID)
	if err != nil {
		return nil, fmt.Errorf("hand-off events of %s: %w", conversationID, err)
	}
	return es, nil
}
