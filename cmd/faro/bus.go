package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/channels/web"
	"github.com/faroai/faro/knowledge"
	"github.com/faroai/faro/livebus"
)

// liveBus carries live delivery between the servers of one database (see
// package livebus), and says whether it works for /readyz.
type liveBus interface {
	web.Bus
	leaser
	Bump(ctx context.Context, name string) error
	Watch(name string, f func()) (stop func())
	Ready(ctx context.Context) error
}

// knowledgeGeneration names the bus generation of the knowledge base:
// bumped on every write through a server, and each server's search cache
// forgets what it remembers when another bumps it.
const knowledgeGeneration = "knowledge"

// shareKnowledgeChanges ties kb's search cache to the other servers'.
func shareKnowledgeChanges(kb *knowledge.Base, bus liveBus, log *slog.Logger) {
	kb.OnChange(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := bus.Bump(ctx, knowledgeGeneration); err != nil {
			// Their caches still expire (FARO_SEARCH_CACHE_TTL).
			log.Warn("knowledge change not announced to the other servers", "err", err)
		}
	})
	bus.Watch(knowledgeGeneration, kb.Forget)
}

// openBus is the server's bus: over PostgreSQL (FARO_BUS_URL, else
// FARO_DATABASE_URL) when the store is there, so that every server on the
// database delivers to the sockets it holds; else in the process, the one
// server of the embedded store. closeBus ends it, after the last turn.
func openBus(ctx context.Context, cfg Config, log *slog.Logger) (bus liveBus, closeBus func() error, err error) {
	if cfg.DatabaseURL == "" {
		return livebus.NewHub().Member(), func() error { return nil }, nil
	}
	u := cfg.BusURL
	if u == "" {
		u = cfg.DatabaseURL
	}
	b, err := livebus.Open(ctx, livebus.Options{URL: u, PollInterval: cfg.BusPoll, LeaseTTL: cfg.TurnLease, Listen: true, Logger: log})
	if err != nil {
		return nil, nil, fmt.Errorf("live bus at %s (FARO_BUS_URL or FARO_DATABASE_URL): %w", redactURL(u), err)
	}
	log.Info("live bus", "backend", "postgres", "url", redactURL(u), "server", b.ID())
	return b, b.Close, nil
}

// leaser gives one server at a time a key (livebus's Lease): the agent
// holds a conversation's while a turn of it runs (agent.Options.Lease), so
// that the servers of one database answer it one turn at a time and fold a
// burst that reached several of them.
type leaser interface {
	Lease(ctx context.Context, key string) (release func(), err error)
}

// sharedTurns is what the agent needs to answer a conversation one turn
// at a time across the servers of the database, and fold a burst that
// reached several: the bus's lease and notes. The embedded store has one
// server, whose agent does both alone: none.
func sharedTurns(cfg Config, bus liveBus) (agent.Leaser, agent.Waker) {
	if cfg.DatabaseURL == "" {
		return nil, nil
	}
	return bus, bus
}
