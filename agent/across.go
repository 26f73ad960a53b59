package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/faroai/faro/store"
)

// Turns across servers. With Options.Lease, the servers sharing the store
// answer a conversation one turn at a time, and, with a burst window, fold
// a burst whose messages reached different servers into one turn. The
// store is the truth: what another server's messages are, and whether one
// was answered, is read from it, never from a note.

// scanMessages is how many of a conversation's newest messages a turn
// reads for another server's unanswered ones: a burst is a few messages.
const scanMessages = 50

// foldsAcross reports whether turns fold messages other servers stored.
func (a *Agent) foldsAcross() bool {
	return a.lease != nil && a.limits.BurstWindow > 0
}

// takeLease waits for the conversation's lease, as long as a turn may run.
func (a *Agent) takeLease(convID string) (release func(), err error) {
	ctx, cancel := context.WithTimeout(a.stopCtx, a.limits.TurnTimeout)
	defer cancel()
	release, err = a.lease.Lease(ctx, "turn:"+convID)
	if err != nil {
		return nil, fmt.Errorf("agent: turn of conversation %s: wait for the other servers: %w", convID, err)
	}
	return release, nil
}

// answeredElsewhere gives the callers of batch's messages that a turn of
// another server already answered (it folded them into its burst) that
// reply, Folded: that server's channel delivered it. A re-delivery gets it
// as from the store (Turn, step 2): its sender did not get the answer, so
// the re-delivery of the newest message it answers is not Folded. It
// returns the rest.
func (a *Agent) answeredElsewhere(l *lane, convID string, batch []*waiter) []*waiter {
	ctx, cancel := context.WithTimeout(a.stopCtx, a.limits.TurnTimeout)
	defer cancel()
	var seqs []int64
	for _, w := range batch {
		if !slices.Contains(seqs, w.seq) {
			seqs = append(seqs, w.seq)
		}
	}
	for _, seq := range seqs {
		stored, meta, found, err := a.storedReply(ctx, convID, seq)
		if err != nil {
			// The turn answers it; at worst a second reply, never none.
			a.log.Warn("could not tell whether another server answered the message", "conversation_id", convID, "seq", seq, "err", err)
			continue
		}
		if !found {
			continue
		}
		a.log.Info("message answered by another server's turn", "conversation_id", convID, "seq", seq, "reply_seq", stored.Seq)
		var answered []*waiter
		ls := &a.lanes
		ls.mu.Lock()
		l.pending = slices.DeleteFunc(l.pending, func(w *waiter) bool {
			if w.seq == seq {
				answered = append(answered, w)
				return true
			}
			return false
		})
		ls.mu.Unlock()
		last := meta.AnswersSeq[len(meta.AnswersSeq)-1]
		for _, w := range answered {
			w.done <- delivery{reply: Reply{
				ConversationID: convID, InboundSeq: w.seq, MessageID: stored.ID, Seq: stored.Seq, Answers: meta.AnswersSeq,
				Text: stored.Text, Language: meta.Language, Role: meta.Role, Outcome: meta.Outcome, Citations: meta.Citations,
				Tools: meta.Tools, Documents: documentsOf(meta.Tools), Handoff: meta.Handoff, Duplicate: w.dup, Folded: !w.dup || w.seq != last,
				Usage: meta.Usage,
			}}
		}
		batch = slices.DeleteFunc(batch, func(w *waiter) bool { return w.seq == seq })
	}
	return batch
}

// withRemote adds to batch the messages of its sender that other servers
// stored and no turn answered, when they belong to its burst, in seq
// order. A store error leaves batch as it is: those messages are then
// answered by their own servers' turns.
func (a *Agent) withRemote(convID string, l *lane, batch []*waiter) []*waiter {
	ms, err := a.remoteMessages(convID, l, batch)
	if err != nil {
		a.log.Warn("other servers' messages not read; they get turns of their own", "conversation_id", convID, "err", err)
		return batch
	}
	if len(ms) == 0 {
		return batch
	}
	local := batch[len(batch)-1]
	for _, m := range ms {
		batch = append(batch, &waiter{
			seq: m.Seq, sender: local.sender, msg: Message{Channel: m.Channel, Text: m.Text, Sender: local.sender},
			inbound: m, contact: local.contact, role: local.role, remote: true,
			sink: &streamSink{}, done: make(chan delivery, 1),
		})
	}
	// By seq; at one seq the original delivery last, as nextBatch orders.
	slices.SortStableFunc(batch, func(x, y *waiter) int {
		if c := compareInt(x.seq, y.seq); c != 0 {
			return c
		}
		return boolOrder(!x.dup, !y.dup)
	})
	seqs := make([]int64, 0, len(ms))
	for _, m := range ms {
		seqs = append(seqs, m.Seq)
	}
	a.log.Info("turn folds messages another server stored", "conversation_id", convID, "seqs", seqs)
	return batch
}

// remoteMessages reads the user messages of batch's sender that are in
// neither batch nor this lane, and that no turn answered: every one
// stored after batch's newest (as a message arriving here while the turn
// is prepared would be folded), and those before it stored within the
// burst window of batch's oldest. A reply, a message for a person, or a
// message of someone else ends the search: what is before it is not part
// of this burst.
func (a *Agent) remoteMessages(convID string, l *lane, batch []*waiter) ([]store.Message, error) {
	ctx, cancel := context.WithTimeout(a.stopCtx, a.limits.TurnTimeout)
	defer cancel()
	ms, err := a.store.Messages(ctx, convID, store.MessageQuery{Last: true, Limit: scanMessages})
	if err != nil {
		return nil, fmt.Errorf("read the conversation's newest messages: %w", err)
	}
	contactID := batch[len(batch)-1].contact.ID
	oldest, newest := batch[0].inbound, batch[len(batch)-1].seq
	inBatch := func(seq int64) bool {
		return slices.ContainsFunc(batch, func(w *waiter) bool { return w.seq == seq })
	}
	a.lanes.mu.Lock()
	queued := make(map[int64]bool, len(l.pending))
	for _, w := range l.pending {
		queued[w.seq] = true
	}
	a.lanes.mu.Unlock()
	var out []store.Message
	for i := len(ms) - 1; i >= 0; i-- {
		m := ms[i]
		if m.Author != store.AuthorUser {
			if _, ok := decodeReplyMeta(m); ok || m.Author == store.AuthorStaff || m.Author == store.AuthorSystem {
				break
			}
			continue // a step of a turn
		}
		var in InboundMeta
		if json.Unmarshal(m.Meta, &in) != nil || in.HandedOff || in.ContactID != contactID {
			break
		}
		if inBatch(m.Seq) || queued[m.Seq] {
			continue
		}
		if m.Seq < newest && oldest.CreatedAt.Sub(m.CreatedAt) > a.limits.BurstWindow {
			break
		}
		out = append(out, m)
	}
	slices.Reverse(out)
	return out, nil
}

// staleAcross reports whether another server stored a message the turn
// of g must fold in before it persists its reply; it then makes g stale
// and restarts the lane's burst window, as a message arriving here would.
func (a *Agent) staleAcross(g *generation) bool {
	if g.stale.Load() {
		return true
	}
	ls := &a.lanes
	ls.mu.Lock()
	l := ls.m[g.convID]
	ls.mu.Unlock()
	if l == nil {
		return false
	}
	ms, err := a.remoteMessages(g.convID, l, g.batch)
	if err != nil {
		a.log.Warn("other servers' messages not read before the reply; they get turns of their own", "conversation_id", g.convID, "err", err)
		return false
	}
	if len(ms) == 0 {
		return false
	}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if g.committing {
		return false
	}
	l.lastArrival = a.now()
	g.stale.Store(true)
	g.cancel()
	a.log.Info("another server stored a message of the burst: preparing again", "conversation_id", g.convID, "seq", ms[len(ms)-1].Seq)
	return true
}

// burstNote is the bus name under which the servers announce a
// conversation's new messages to each other's turns.
func burstNote(convID string) string { return "burst:" + convID }

// announce tells the other servers that a message of convID was stored,
// so that a turn of theirs being prepared reads it now (see watchAcross).
// A lost note delays nothing that matters: that turn reads the store
// before its reply.
func (a *Agent) announce(ctx context.Context, convID string, seq int64) {
	if a.wake == nil || !a.foldsAcross() {
		return
	}
	if err := a.wake.Bump(ctx, burstNote(convID)); err != nil {
		a.log.Warn("message not announced to the other servers' turns", "conversation_id", convID, "seq", seq, "err", err)
	}
}

// watchAcross listens, while g is prepared, for another server's note
// that convID has a new message, and reads the store when one comes: a
// message of the burst makes g stale at once (its model call canceled),
// as a local one does. stop ends the watch and waits for a read under way.
func (a *Agent) watchAcross(g *generation) (stop func()) {
	if a.wake == nil || !a.foldsAcross() {
		return func() {}
	}
	nudge := make(chan struct{}, 1)
	unwatch := a.wake.Watch(burstNote(g.convID), func() {
		select { // the bus's goroutine must not block
		case nudge <- struct{}{}:
		default:
		}
	})
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		for {
			select {
			case <-nudge:
				if a.staleAcross(g) {
					return
				}
			case <-done:
				return
			}
		}
	}()
	return func() {
		unwatch()
		close(done)
		<-finished
	}
}
