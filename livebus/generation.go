package livebus

import (
	"context"
	"fmt"
	"strconv"
)

// A generation is a counter of something every server caches (the
// knowledge base): a server that changes it bumps the counter, and the
// others forget what they cached when they see it move, by notification
// or, failing that, by the poll.

// Bump advances the generation of name and tells the other servers.
func (b *Postgres) Bump(ctx context.Context, name string) error {
	var gen int64
	err := b.pool.QueryRow(ctx, `
INSERT INTO livebus_generations (name, gen) VALUES ($1, 1)
ON CONFLICT (name) DO UPDATE SET gen = livebus_generations.gen + 1
RETURNING gen`, name).Scan(&gen)
	if err != nil {
		return fmt.Errorf("livebus: bump %s: %w", name, err)
	}
	b.mu.Lock()
	if len(b.watchers[name]) > 0 {
		b.gens[name] = max(b.gens[name], gen) // not news to this server
	}
	b.mu.Unlock()
	payload := "g\t" + b.id + "\t" + name + "\t" + strconv.FormatInt(gen, 10)
	if _, err := b.pool.Exec(ctx, `SELECT pg_notify($1, $2)`, channel, payload); err != nil {
		// The others' poll sees the generation all the same.
		b.log.Warn("livebus: bump not notified", "name", name, "err", err)
	}
	return nil
}

// Watch calls f whenever another server bumps name, until stop. f runs on
// the bus's goroutine: it must not block. A server remembers a name's
// generation only while it watches it, so the first poll after Watch may
// report a bump older than the watch.
func (b *Postgres) Watch(name string, f func()) (stop func()) {
	b.mu.Lock()
	if b.watchers[name] == nil {
		b.watchers[name] = map[int]func(){}
	}
	id := b.nextID
	b.nextID++
	b.watchers[name][id] = f
	b.mu.Unlock()
	return func() {
		b.mu.Lock()
		delete(b.watchers[name], id)
		if len(b.watchers[name]) == 0 {
			// Names watched for a while (a conversation's turn) leave
			// nothing behind; watched again, the name's current
			// generation is reported once.
			delete(b.watchers, name)
			delete(b.gens, name)
		}
		b.mu.Unlock()
	}
}

// pollGenerations reads the watched generations.
func (b *Postgres) pollGenerations(ctx context.Context) error {
	b.mu.Lock()
	names := make([]string, 0, len(b.watchers))
	for n, ws := range b.watchers {
		if len(ws) > 0 {
			names = append(names, n)
		}
	}
	b.mu.Unlock()
	if len(names) == 0 {
		return nil
	}
	rows, err := b.pool.Query(ctx, `SELECT name, gen FROM livebus_generations WHERE name = ANY($1::text[])`, names)
	if err != nil {
		return fmt.Errorf("livebus: read generations: %w", err)
	}
	type row struct {
		name string
		gen  int64
	}
	var got []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.name, &r.gen); err != nil {
			rows.Close()
			return fmt.Errorf("livebus: read generations: %w", err)
		}
		got = append(got, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("livebus: read generations: %w", err)
	}
	for _, r := range got {
		b.generation(r.name, r.gen)
	}
	return nil
}

// generation calls name's watchers when gen is news.
func (b *Postgres) generation(name string, gen int64) {
	b.mu.Lock()
	if gen <= b.gens[name] || len(b.watchers[name]) == 0 {
		// Unwatched names are not remembered: a server hears of every
		// conversation's (see Watch).
		b.mu.Unlock()
		return
	}
	b.gens[name] = gen
	fs := make([]func(), 0, len(b.watchers[name]))
	for _, f := range b.watchers[name] {
		fs = append(fs, f)
	}
	b.mu.Unlock()
	for _, f := range fs {
		f()
	}
}

// Bump tells the hub's other members that name changed.
func (m *Member) Bump(_ context.Context, name string) error {
	h := m.hub
	h.mu.Lock()
	var fs []func()
	for o := range h.members {
		if o != m {
			for _, f := range o.watchers[name] {
				fs = append(fs, f)
			}
		}
	}
	h.mu.Unlock()
	for _, f := range fs {
		f()
	}
	return nil
}

// Watch calls f whenever another member bumps name, until stop.
func (m *Member) Watch(name string, f func()) (stop func()) {
	h := m.hub
	h.mu.Lock()
	if m.watchers == nil {
		m.watchers = map[string]map[int]func(){}
	}
	if m.watchers[name] == nil {
		m.watchers[name] = map[int]func(){}
	}
	id := m.nextID
	m.nextID++
	m.watchers[name][id] = f
	h.mu.Unlock()
	return func() {
		h.mu.Lock()
		delete(m.watchers[name], id)
		if len(m.watchers[name]) == 0 {
			delete(m.watchers, name)
		}
		h.mu.Unlock()
	}
}
