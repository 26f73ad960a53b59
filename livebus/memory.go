package livebus

import (
	"context"
	"sync"
	"time"
)

// Hub is an in-process bus: the members made by [Hub.Member] see each
// other's notes, holds and receipts. One member is one server; the
// embedded server has exactly one. It is safe for concurrent use.
type Hub struct {
	mu      sync.Mutex
	members map[*Member]struct{}
	changed chan struct{} // closed and replaced on every receipt or release
	leases  map[string]*memberLease
}

// NewHub returns an empty Hub.
func NewHub() *Hub {
	return &Hub{members: map[*Member]struct{}{}, changed: make(chan struct{})}
}

// Member is one server's side of a [Hub].
type Member struct {
	hub       *Hub
	listeners map[int]func(conversationID string, seq int64) // guarded by hub.mu
	nextID    int
	holds     map[string]int   // sockets held, by conversation
	received  map[string]int64 // highest seq delivered, by conversation
	watchers  map[string]map[int]func()
}

// Member joins the hub as a new server.
func (h *Hub) Member() *Member {
	m := &Member{hub: h, listeners: map[int]func(string, int64){}, holds: map[string]int{}, received: map[string]int64{}}
	h.mu.Lock()
	h.members[m] = struct{}{}
	h.mu.Unlock()
	return m
}

// Publish tells the other members that conversationID has messages up to
// seq. Their listeners run in goroutines of their own, so a slow listener
// never holds up the publisher.
func (m *Member) Publish(_ context.Context, conversationID string, seq int64) error {
	h := m.hub
	h.mu.Lock()
	var fs []func(string, int64)
	for o := range h.members {
		if o == m || o.holds[conversationID] == 0 {
			continue
		}
		for _, f := range o.listeners {
			fs = append(fs, f)
		}
	}
	h.mu.Unlock()
	for _, f := range fs {
		go f(conversationID, seq)
	}
	return nil
}

// Listen calls wake for every note of another member about a
// conversation this member holds, until stop is called.
func (m *Member) Listen(wake func(conversationID string, seq int64)) (stop func()) {
	h := m.hub
	h.mu.Lock()
	id := m.nextID
	m.nextID++
	m.listeners[id] = wake
	h.mu.Unlock()
	return func() {
		h.mu.Lock()
		delete(m.listeners, id)
		h.mu.Unlock()
	}
}

// Hold records that this member holds a socket for conversationID until
// release is called (once; later calls do nothing).
func (m *Member) Hold(conversationID string) (release func()) {
	h := m.hub
	h.mu.Lock()
	m.holds[conversationID]++
	h.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			h.mu.Lock()
			if m.holds[conversationID]--; m.holds[conversationID] <= 0 {
				delete(m.holds, conversationID)
				delete(m.received, conversationID)
			}
			h.signalLocked()
			h.mu.Unlock()
		})
	}
}

// Received records that this member's sockets of conversationID have
// everything up to seq.
func (m *Member) Received(_ context.Context, conversationID string, seq int64) error {
	h := m.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	if m.holds[conversationID] > 0 && seq > m.received[conversationID] {
		m.received[conversationID] = seq
		h.signalLocked()
	}
	return nil
}

func (h *Hub) signalLocked() {
	close(h.changed)
	h.changed = make(chan struct{})
}

// Reached waits until another member that holds conversationID has
// received seq (true), or no other member holds it, or ctx ends (false).
func (m *Member) Reached(ctx context.Context, conversationID string, seq int64) (bool, error) {
	h := m.hub
	for {
		h.mu.Lock()
		held, reached := false, false
		for o := range h.members {
			if o == m || o.holds[conversationID] == 0 {
				continue
			}
			held = true
			reached = reached || o.received[conversationID] >= seq
		}
		changed := h.changed
		h.mu.Unlock()
		if reached || !held {
			return reached, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return false, nil
		case <-time.After(time.Second):
			// A member that was told about seq may have had nothing to
			// send (it had it already): look again.
		}
	}
}

// Ready is always nil: the hub is memory.
func (m *Member) Ready(context.Context) error { return nil }
