package handoff

import (
	"context"
	"fmt"
	"strconv"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/store"
)

// Agent answers a message; *agent.Agent implements it.
type Agent interface {
	Turn(ctx context.Context, msg agent.Message, stream func(delta string)) (agent.Reply, error)
}

// Watch returns an Agent that answers through a and tells the desk what
// its turns mean for the hand-off: a person's message in a conversation
// with staff (EventMessage), and a hand-off the person asked for in the
// turn (request_human: recorded, EventRequested). Every channel's agent
// goes through it, so staff see the person's messages wherever they
// wrote. A re-delivered message tells nothing again.
func (d *Desk) Watch(a Agent) Agent { return &watcher{a: a, d: d} }

type watcher struct {
	a Agent
	d *Desk
}

func (w *watcher) Turn(ctx context.Context, msg agent.Message, stream func(delta string)) (agent.Reply, error) {
	r, err := w.a.Turn(ctx, msg, stream)
	if err != nil || r.Duplicate || r.Folded || r.ConversationID == "" {
		return r, err
	}
	switch {
	case r.Outcome == agent.OutcomeHandedOff:
		w.personWrote(ctx, r)
	case r.Handoff:
		// request_human ran in this turn: keyed by the stored reply (or
		// the message), one record per hand-off however often it runs.
		key := strconv.FormatInt(max(r.Seq, r.InboundSeq), 10)
		if err := w.d.Requested(context.WithoutCancel(ctx), r.ConversationID, key, ""); err != nil {
			w.d.log.Error("hand-off not recorded", "conversation_id", r.ConversationID, "err", err)
		}
	}
	return r, nil
}

// personWrote publishes the person's message (stored by the turn) to the
// subscribers.
func (w *watcher) personWrote(ctx context.Context, r agent.Reply) {
	ctx = context.WithoutCancel(ctx)
	conv, err := w.d.opts.Store.Conversation(ctx, r.ConversationID)
	if err == nil {
		var ms []store.Message
		ms, err = w.d.opts.Store.Messages(ctx, conv.ID, store.MessageQuery{AfterSeq: r.InboundSeq - 1, Limit: 1})
		if err == nil && (len(ms) == 0 || ms[0].Seq != r.InboundSeq) {
			err = fmt.Errorf("message %d: %w", r.InboundSeq, store.ErrNotFound)
		}
		if err == nil {
			w.d.publish(Event{Kind: EventMessage, Conversation: conv, Message: ms[0], At: ms[0].CreatedAt})
			return
		}
	}
	w.d.log.Error("a message for staff not passed on", "conversation_id", r.ConversationID, "seq", r.InboundSeq, "err", err)
}
