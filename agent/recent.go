package agent

import (
	"math"
	"sync"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// DefaultRecentBytes is the default bound of the recent-messages cache
// (see Options.RecentBytes).
const DefaultRecentBytes = 64 << 20

// recent keeps the history windows of recently active conversations,
// decoded. Every turn reads its conversation's newest messages and decodes
// their tool calls, results and reply metadata; under load that was an
// eighth of the server's CPU, most of it spent on the same messages as the
// turn before. Stored messages never change and are never removed, so a
// kept window stays true: a turn reads from the store only the messages
// after the window's newest (stored meanwhile by this turn's inbound, by
// the previous turn, or by another process) and appends them when they
// follow it with no gap in Seq (turn.window).
//
// It is bounded by the bytes it holds (about: histMsg.size), least
// recently used windows dropped first.
type recent struct {
	mu    sync.Mutex
	max   int64
	keep  int // messages kept per conversation (see newRecent)
	bytes int64
	lru   *simplelru.LRU[string, recentWindow]
}

type recentWindow struct {
	msgs []histMsg // ascending, consecutive Seqs
	size int64
}

// newRecent returns a cache of at most maxBytes, keeping the newest
// messages of each conversation: its history window and half as many
// again, the messages that slide out of the window over a turn or two,
// which the running summary then takes from here; nil (no cache) when
// maxBytes is not positive.
func newRecent(maxBytes int64, window int) *recent {
	if maxBytes <= 0 {
		return nil
	}
	r := &recent{max: maxBytes, keep: window + window/2}
	// The bound is in bytes, enforced in put; the entry count is not one.
	r.lru, _ = simplelru.NewLRU(math.MaxInt, func(_ string, w recentWindow) { r.bytes -= w.size })
	return r
}

// get returns the kept window of a conversation, nil when there is none.
// The slice is shared: append to a copy, never write its elements.
func (r *recent) get(convID string) []histMsg {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	w, ok := r.lru.Get(convID)
	if !ok {
		return nil
	}
	return w.msgs
}

// put keeps msgs (ascending, consecutive Seqs, the conversation's newest)
// as convID's window, the newest keep of them.
func (r *recent) put(convID string, msgs []histMsg) {
	if r == nil || len(msgs) == 0 {
		return
	}
	msgs = msgs[max(0, len(msgs)-r.keep):]
	r.mu.Lock()
	defer r.mu.Unlock()
	r.set(convID, msgs)
}

// add appends m, just stored, to convID's window when it follows the
// window's newest message. When it does not (a message of another turn or
// process came between), the window is left as it is and the next turn
// reads what follows it from the store.
func (r *recent) add(convID string, m histMsg) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	w, ok := r.lru.Peek(convID)
	if !ok || w.msgs[len(w.msgs)-1].seq+1 != m.seq {
		return
	}
	// A new slice: get's callers may be reading the old one.
	old := w.msgs[max(0, len(w.msgs)+1-r.keep):]
	msgs := make([]histMsg, 0, len(old)+1)
	r.set(convID, append(append(msgs, old...), m))
}

// set replaces convID's window; r.mu is held.
func (r *recent) set(convID string, msgs []histMsg) {
	w := recentWindow{msgs: msgs}
	for _, m := range msgs {
		w.size += m.size()
	}
	r.lru.Remove(convID) // its bytes leave through the eviction callback
	if w.size > r.max {
		return
	}
	r.lru.Add(convID, w)
	r.bytes += w.size
	for r.bytes > r.max {
		r.lru.RemoveOldest()
	}
}
