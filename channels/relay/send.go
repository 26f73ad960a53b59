package relay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/store"
)

// Addresser is an Adapter that can reach a conversation's person outside
// a turn (a staff reply): it makes the Address a reply needs from the
// stored conversation (its ExternalID is the Inbound's ChatID).
type Addresser interface {
	AddressOf(conv store.Conversation) (json.RawMessage, error)
}

// ErrNoAddress is returned by Deliver for a channel whose adapter cannot
// reach a person outside a turn (not an Addresser).
var ErrNoAddress = errors.New("relay: the channel cannot reach the person outside a turn")

// staleQueue is how long a message recorded as queued but never tried
// holds up the messages after it: its job was lost (the process died
// between recording and queueing it), so waiting longer helps nothing.
const staleQueue = 10 * time.Minute

// Deliver makes m, a stored message written outside a turn (a staff
// reply), durable work on its conversation's channel: rendered, split and
// sent part by part with the same retries, recording and metrics as a
// reply. A message queued already adds nothing: it is sent once.
func (r *Runtime) Deliver(ctx context.Context, conv store.Conversation, m store.Message) error {
	return r.DeliverAfter(ctx, conv, m, "")
}

// DeliverAfter is Deliver, with m sent only once after (a message queued
// before it in the conversation, "" for none) is sent or given up, so
// that staff replies arrive in the order they were written.
func (r *Runtime) DeliverAfter(ctx context.Context, conv store.Conversation, m store.Message, after string) error {
	r.mu.RLock()
	started, a := r.started, r.adapters[conv.Channel]
	r.mu.RUnlock()
	switch {
	case !started:
		return ErrNotStarted
	case a == nil:
		return fmt.Errorf("%w: %q", ErrUnknownChannel, conv.Channel)
	}
	ad, ok := a.(Addresser)
	if !ok {
		return fmt.Errorf("%w: %s", ErrNoAddress, conv.Channel)
	}
	addr, err := ad.AddressOf(conv)
	if err != nil {
		return fmt.Errorf("relay: deliver %s to %s: %w", m.ID, conv.ID, err)
	}
	have, err := r.opts.Store.Deliveries(ctx, m.ID)
	if err != nil {
		return fmt.Errorf("relay: deliver %s: %w", m.ID, err)
	}
	if len(have) > 0 {
		return nil // queued already: once
	}
	max, count := a.Limit()
	parts := Split(a.Render(agent.Reply{ConversationID: conv.ID, MessageID: m.ID, Seq: m.Seq, Text: m.Text,
		Language: conv.Language, Outcome: agent.OutcomeHandedOff}), max, count)
	if len(parts) == 0 {
		return fmt.Errorf("relay: deliver %s: nothing to send", m.ID)
	}
	// Every part recorded pending first: a message after this one waits
	// until none is (see waitFor).
	for i := range parts {
		if _, err := r.opts.Store.RecordDelivery(ctx, store.Delivery{MessageID: m.ID, Part: i + 1, Channel: conv.Channel}); err != nil {
			return fmt.Errorf("relay: deliver %s: %w", m.ID, err)
		}
	}
	out := Outbound{
		Channel: conv.Channel, ConversationID: conv.ID, MessageID: m.ID, Address: addr,
		Part: 1, Parts: len(parts), Text: parts[0], Language: conv.Language,
	}
	if err := r.q.insertDelivery(ctx, deliverArgs{Out: out, Rest: parts[1:], Key: deliverKey(m.ID, 1), After: after}); err != nil {
		return fmt.Errorf("relay: deliver %s: queue: %w", m.ID, err)
	}
	r.log.Info("message queued", "channel", conv.Channel, "conversation_id", conv.ID, "message_id", m.ID,
		"parts", len(parts), "after", after)
	return nil
}

// waitFor reports whether the message after is still being sent: a part
// pending that was tried, or queued less than staleQueue ago.
func (r *Runtime) waitFor(ctx context.Context, after string) (bool, error) {
	ds, err := r.opts.Store.Deliveries(ctx, after)
	if err != nil {
		return false, err
	}
	for _, d := range ds {
		if d.Status != store.DeliveryPending {
			continue
		}
		if d.Attempts == 0 && d.Part == 1 && time.Since(d.UpdatedAt) > staleQueue {
			r.log.Warn("a message queued before never ran: not waiting for it", "message_id", after)
			return false, nil
		}
		return true, nil
	}
	return false, nil
}

// waitSnooze is how long a part waits before it looks again at the
// message it must follow.
func (r *Runtime) waitSnooze() time.Duration { return max(r.opts.PollInterval, 100*time.Millisecond) }

// orderedWork holds a first part back while the message before it is
// being sent; nil means go on.
func (r *Runtime) orderedWork(ctx context.Context, args deliverArgs) error {
	if args.After == "" || args.Out.Part != 1 {
		return nil
	}
	wait, err := r.waitFor(ctx, args.After)
	if err != nil {
		return fmt.Errorf("look at the message before: %w", err)
	}
	if !wait {
		return nil
	}
	// Look again shortly: River makes a job snoozed for a while available
	// only at its scheduler's next round (seconds), so wait here a little
	// and snooze for no time, which does not count as an attempt.
	select {
	case <-ctx.Done():
	case <-time.After(r.waitSnooze()):
	}
	return river.JobSnooze(0)
}
