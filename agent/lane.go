package agent

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/faroai/faro/store"
)

// A lane is the queue of one conversation's messages waiting for an answer,
// and the one goroutine (the driver) that answers them, one turn at a time.
// It exists only while it has messages to answer, so idle conversations
// hold nothing. See the package documentation for the semantics.
//
// Every field of a lane, and the stale/committing flags of its generation,
// are guarded by lanes.mu: it is held only for bookkeeping, never while a
// model, a tool or the store is working.
type lane struct {
	pending []*waiter   // messages not yet answered, in arrival order
	gen     *generation // the turn being prepared; nil while none is
	// wake receives (without blocking the sender) when a message arrives,
	// to restart the burst window.
	wake chan struct{}
	// lastArrival is when the newest message joined (Options.Clock).
	lastArrival time.Time
}

type lanes struct {
	mu sync.Mutex
	m  map[string]*lane
}

// waiter is one Turn call waiting for the answer to its message.
type waiter struct {
	seq     int64
	sender  store.Identity
	msg     Message
	inbound store.Message
	contact store.Contact
	role    store.Role
	dup     bool // a re-delivery of a message being answered
	// remote: a message another server stored, folded into this server's
	// turn (see across.go); nobody here waits for it.
	remote bool
	sink   *streamSink
	done   chan delivery // buffered: the driver never blocks on a caller
}

// delivery is what a waiter receives.
type delivery struct {
	reply Reply
	err   error
}

// generation is one attempt at answering a batch of messages. It becomes
// stale when a newer message of the same sender arrives before it starts
// persisting its reply: its model call is canceled and the driver starts
// again with the newer message included.
type generation struct {
	convID string
	sender store.Identity
	batch  []*waiter // by seq; the last is the newest message
	seqs   []int64   // distinct seqs of batch, ascending

	stale      atomic.Bool // also read without the lock, by the streaming function
	committing bool        // the reply is being persisted: too late to fold
	cancel     context.CancelFunc
}

func (g *generation) has(seq int64) bool {
	_, found := slices.BinarySearch(g.seqs, seq)
	return found
}

// newest is the waiter of the newest message waited for on this server:
// its caller's stream gets the deltas and its Reply is the one not marked
// Folded. (A newer message of another server folded into the turn is
// answered through this one: its own server finds it answered.)
func (g *generation) newest() *waiter {
	for i := len(g.batch) - 1; i > 0; i-- {
		if !g.batch[i].remote {
			return g.batch[i]
		}
	}
	return g.batch[0]
}

// streamSink forwards deltas to one caller's stream function until that
// caller has gone.
type streamSink struct {
	mu     sync.Mutex
	f      func(string)
	closed bool
}

func (s *streamSink) send(delta string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed && s.f != nil && delta != "" {
		s.f(delta)
	}
}

func (s *streamSink) close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
}

// enqueue adds w to its conversation's lane, starting the lane's driver if
// none runs, and folds the turn being prepared into a new one when w is a
// newer message of the same sender.
func (a *Agent) enqueue(convID string, w *waiter) {
	ls := &a.lanes
	ls.mu.Lock()
	defer ls.mu.Unlock()
	l := ls.m[convID]
	start := l == nil
	if start {
		l = &lane{wake: make(chan struct{}, 1)}
		ls.m[convID] = l
	}
	l.pending = append(l.pending, w)
	l.lastArrival = a.now()
	if g := l.gen; g != nil && !g.committing && !g.has(w.seq) && g.sender == w.sender && l.onlyFrom(g.sender) {
		g.stale.Store(true)
		g.cancel()
	}
	select {
	case l.wake <- struct{}{}:
	default:
	}
	if start {
		a.running.Add(1) // the caller holds a count, so this cannot race Close's Wait
		go a.drive(convID, l)
	}
	if a.onQueued != nil {
		a.onQueued(convID, w.seq)
	}
}

// join adds a re-delivered message's waiter to the lane if the message is
// still waiting for its answer there, and reports whether it did.
func (a *Agent) join(convID string, w *waiter) bool {
	ls := &a.lanes
	ls.mu.Lock()
	defer ls.mu.Unlock()
	l := ls.m[convID]
	if l == nil || !slices.ContainsFunc(l.pending, func(p *waiter) bool { return p.seq == w.seq }) {
		return false
	}
	l.pending = append(l.pending, w)
	if a.onQueued != nil {
		a.onQueued(convID, w.seq)
	}
	return true
}

// onlyFrom reports whether every pending message is from sender: a message
// of someone else in between ends a burst.
func (l *lane) onlyFrom(sender store.Identity) bool {
	for _, p := range l.pending {
		if p.sender != sender {
			return false
		}
	}
	return true
}

// nextBatch returns the messages the next turn answers: the oldest pending
// message and the newer ones of the same sender up to the first of
// someone else, with their re-deliveries.
func (l *lane) nextBatch() []*waiter {
	if len(l.pending) == 0 {
		return nil
	}
	byseq := slices.Clone(l.pending)
	slices.SortStableFunc(byseq, func(x, y *waiter) int { return compareInt(x.seq, y.seq) })
	sender := byseq[0].sender
	var batch []*waiter
	for _, w := range byseq {
		if w.sender != sender {
			break
		}
		batch = append(batch, w)
	}
	// The newest message's original delivery goes last, so its caller
	// streams and gets the unfolded reply.
	slices.SortStableFunc(batch, func(x, y *waiter) int {
		if c := compareInt(x.seq, y.seq); c != 0 {
			return c
		}
		return boolOrder(!x.dup, !y.dup)
	})
	return batch
}

func compareInt(x, y int64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// boolOrder sorts false before true.
func boolOrder(x, y bool) int {
	switch {
	case x == y:
		return 0
	case !x:
		return -1
	}
	return 1
}

// drive answers a lane's messages until none is left, then removes the
// lane. It runs in its own goroutine, detached from the callers' contexts:
// a caller that stops waiting does not stop the turn, whose reply is
// persisted for the next delivery of the message.
func (a *Agent) drive(convID string, l *lane) {
	defer a.running.Done()
	var carried carry // what discarded generations spent
	// The conversation's lease (Options.Lease), held from the first
	// generation of a batch to its reply.
	var release func()
	defer func() {
		if release != nil {
			release()
		}
	}()
	ls := &a.lanes
	for {
		ls.mu.Lock()
		if len(l.pending) == 0 {
			delete(ls.m, convID)
			ls.mu.Unlock()
			return
		}
		ls.mu.Unlock()
		a.waitBurst(l)
		if a.lease != nil && release == nil {
			r, err := a.takeLease(convID)
			if err != nil {
				ls.mu.Lock()
				batch := l.nextBatch()
				ls.mu.Unlock()
				a.finish(l, batch, genResult{reply: Reply{ConversationID: convID, Text: textFor(a.lang).failure,
					Language: a.lang, Outcome: OutcomeError}, err: err})
				continue
			}
			release = r
		}
		ls.mu.Lock()
		batch := l.nextBatch()
		ls.mu.Unlock()
		if a.lease != nil {
			// Another server's turn may have answered these meanwhile (a
			// burst it folded, or the first delivery of a message
			// re-delivered here), or have stored messages of the same
			// sender this turn answers.
			if batch = a.answeredElsewhere(l, convID, batch); len(batch) == 0 {
				continue
			}
			if a.foldsAcross() {
				batch = a.withRemote(convID, l, batch)
			}
		}
		ls.mu.Lock()
		// The model's calls end when the generation goes stale; the
		// turn's other work (tools, the store) only at TurnTimeout or
		// Close, so a tool is never cut off half-way by a newer message.
		turnCtx, cancelTurn := context.WithTimeout(a.stopCtx, a.limits.TurnTimeout)
		modelCtx, cancelModel := context.WithCancel(turnCtx)
		g := &generation{convID: convID, sender: batch[0].sender, batch: batch, cancel: cancelModel}
		for _, w := range batch {
			if !slices.Contains(g.seqs, w.seq) {
				g.seqs = append(g.seqs, w.seq)
			}
		}
		l.gen = g
		ls.mu.Unlock()

		unwatch := a.watchAcross(g)
		res := a.generate(turnCtx, modelCtx, g, carried)
		unwatch()
		cancelModel()
		cancelTurn()

		ls.mu.Lock()
		l.gen = nil
		ls.mu.Unlock()
		if res.stale {
			carried.usage.add(res.usage)
			carried.tools = append(carried.tools, res.tools...)
			carried.restarts++
			a.log.Info("turn folded into a newer message", "conversation_id", convID, "answering", g.seqs)
			continue
		}
		if release != nil {
			// The reply is stored: another server's turn may start.
			release()
			release = nil
		}
		carried = carry{}
		a.finish(l, g.batch, res)
	}
}

// finish gives res to the callers of batch's messages (and of their
// re-deliveries) and takes them off the lane. The newest message's caller
// on this server gets the reply; the others get it Folded.
func (a *Agent) finish(l *lane, batch []*waiter, res genResult) {
	if len(batch) == 0 {
		return
	}
	g := &generation{batch: batch}
	for _, w := range batch {
		if !slices.Contains(g.seqs, w.seq) {
			g.seqs = append(g.seqs, w.seq)
		}
	}
	slices.Sort(g.seqs)
	ls := &a.lanes
	ls.mu.Lock()
	var done []*waiter
	l.pending = slices.DeleteFunc(l.pending, func(w *waiter) bool {
		if g.has(w.seq) {
			done = append(done, w)
			return true
		}
		return false
	})
	ls.mu.Unlock()
	newest := g.newest().seq
	for _, w := range done {
		r := res.reply
		r.InboundSeq = w.seq
		r.Duplicate = w.dup
		r.Folded = w.seq != newest
		w.done <- delivery{reply: r, err: res.err}
	}
}

// waitBurst returns once no message has arrived on l for BurstWindow (at
// once when bursts are disabled, or the agent is closing). A message that
// waited for the previous turn longer than the window is not kept waiting
// again.
func (a *Agent) waitBurst(l *lane) {
	if a.limits.BurstWindow <= 0 {
		return
	}
	for {
		// Arrivals until now are accounted for by lastArrival.
		select {
		case <-l.wake:
		default:
		}
		a.lanes.mu.Lock()
		left := a.limits.BurstWindow - a.now().Sub(l.lastArrival)
		a.lanes.mu.Unlock()
		if left <= 0 {
			return
		}
		select {
		case <-a.timer(left):
			return
		case <-l.wake:
			// Another message: the window starts again.
		case <-a.stopCtx.Done():
			return
		}
	}
}
