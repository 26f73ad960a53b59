package livebus

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A lease is one server's hold on a key (a conversation) in the
// livebus_leases table: a row with the holder and an expiry, renewed while
// held. It is a row, not a session advisory lock, so it means the same on
// PGlite (one backend session for every connection) and survives a
// dropped connection; a holder killed mid-turn frees it at expiry.
//
// Within a server the turns of a key share one lease (the agent already
// answers a conversation one turn at a time, and folds a burst): the row
// is taken by the first and given back after the last.
type lease struct {
	holder string        // this server's id and the lease's number
	n      int           // turns holding or waiting, guarded by Postgres.mu
	ready  chan struct{} // closed once taken (or failed: err)
	err    error
	stop   chan struct{} // closed when n drops to 0
}

// Lease waits until this server holds key across the servers of the
// database and returns release, which gives it back once every turn of
// this server holding it has. ctx bounds the wait.
func (b *Postgres) Lease(ctx context.Context, key string) (release func(), err error) {
	if strings.ContainsRune(key, 0) {
		return nil, fmt.Errorf("livebus: lease %q: a key cannot hold NUL", key)
	}
	b.mu.Lock()
	l := b.leases[key]
	if l == nil {
		// A holder of its own: the row of an earlier lease of the key,
		// still being deleted, is not taken for this one's.
		b.leaseN++
		l = &lease{holder: b.id + "/" + strconv.FormatInt(b.leaseN, 10), ready: make(chan struct{}), stop: make(chan struct{})}
		b.leases[key] = l
		b.done.Add(1)
		go b.keep(key, l)
	}
	l.n++
	b.mu.Unlock()
	var once sync.Once
	release = func() {
		once.Do(func() {
			b.mu.Lock()
			if l.n--; l.n == 0 {
				delete(b.leases, key)
				close(l.stop)
			}
			b.mu.Unlock()
		})
	}
	select {
	case <-l.ready:
		if l.err != nil {
			release()
			return nil, l.err
		}
		return release, nil
	case <-ctx.Done():
		release()
		return nil, fmt.Errorf("livebus: lease %s: %w", key, ctx.Err())
	}
}

// keep takes key's row (waiting while another server holds it), renews
// it until l.stop, then deletes it.
func (b *Postgres) keep(key string, l *lease) {
	defer b.done.Done()
	ttl := b.opts.LeaseTTL
	wait := 10 * time.Millisecond
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		var got string
		err := b.pool.QueryRow(ctx, `
INSERT INTO livebus_leases (key, holder, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))
ON CONFLICT (key) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
WHERE livebus_leases.holder = EXCLUDED.holder OR livebus_leases.expires_at < now()
RETURNING key`, key, l.holder, ttl.Seconds()).Scan(&got)
		cancel()
		if err == nil {
			break
		}
		if !isNoRows(err) {
			b.log.Warn("livebus: lease", "key", key, "err", err)
		}
		select {
		case <-l.stop:
			return // nobody waits any more
		case <-time.After(wait):
		}
		wait = min(2*wait, 100*time.Millisecond)
	}
	close(l.ready)
	t := time.NewTicker(ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if _, err := b.pool.Exec(ctx, `DELETE FROM livebus_leases WHERE key = $1 AND holder = $2`, key, l.holder); err != nil {
				b.log.Warn("livebus: lease not given back; it expires", "key", key, "err", err)
			}
			cancel()
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			tag, err := b.pool.Exec(ctx, `UPDATE livebus_leases SET expires_at = now() + make_interval(secs => $3) WHERE key = $1 AND holder = $2`, key, l.holder, ttl.Seconds())
			cancel()
			if err != nil || tag.RowsAffected() == 0 {
				// The turn goes on; another server may start one for the
				// key once the row has expired.
				b.log.Warn("livebus: lease not renewed", "key", key, "err", err)
			}
		}
	}
}

// Lease waits until this member holds key among the hub's members, like
// [Postgres.Lease].
func (m *Member) Lease(ctx context.Context, key string) (release func(), err error) {
	h := m.hub
	for {
		h.mu.Lock()
		if h.leases == nil {
			h.leases = map[string]*memberLease{}
		}
		l := h.leases[key]
		if l == nil || l.holder == m {
			if l == nil {
				l = &memberLease{holder: m}
				h.leases[key] = l
			}
			l.n++
			h.mu.Unlock()
			var once sync.Once
			return func() {
				once.Do(func() {
					h.mu.Lock()
					if l.n--; l.n == 0 {
						delete(h.leases, key)
						h.signalLocked()
					}
					h.mu.Unlock()
				})
			}, nil
		}
		changed := h.changed
		h.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, fmt.Errorf("livebus: lease %s: %w", key, ctx.Err())
		}
	}
}

type memberLease struct {
	holder *Member
	n      int
}
