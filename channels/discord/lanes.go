package discord

import "sync"

// lanes runs functions in order per key (a channel), keys in parallel:
// the gateway's events of one channel are handled in the order Discord
// sent them (two staff replies in a thread reach the person in that
// order; two DMs are accepted in order), while a slow channel holds up no
// other. discordgo's own dispatch (a goroutine per event) keeps no order.
type lanes struct {
	mu sync.Mutex
	// q holds, for each key being worked, what waits behind the running
	// function.
	q  map[string][]func()
	wg sync.WaitGroup
}

// run queues f on key's lane, starting the lane if it is idle.
func (l *lanes) run(key string, f func()) {
	l.mu.Lock()
	if l.q == nil {
		l.q = map[string][]func(){}
	}
	if q, busy := l.q[key]; busy {
		l.q[key] = append(q, f)
		l.mu.Unlock()
		return
	}
	l.q[key] = nil
	l.wg.Add(1)
	l.mu.Unlock()
	go func() {
		defer l.wg.Done()
		for {
			f()
			l.mu.Lock()
			q := l.q[key]
			if len(q) == 0 {
				delete(l.q, key)
				l.mu.Unlock()
				return
			}
			f, l.q[key] = q[0], q[1:]
			l.mu.Unlock()
		}
	}()
}

// wait waits for every lane to be idle.
func (l *lanes) wait() { l.wg.Wait() }
