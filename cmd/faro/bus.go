package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/channels/web"
	"github.com/faroai/faro/handoff"
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

// leaser gives one server at a time a key (livebus's Lease).
type leaser interface {
	Lease(ctx context.Context, key string) (release func(), err error)
}

// leasedAgent runs a turn only while this server holds its chat's lease,
// so that the servers of one database answer a conversation one turn at a
// time, as one server's agent does: a message that reaches another server
// mid-turn waits, then is answered with the first turn in its history (or,
// re-sent, is found answered). Within a server the agent's own lanes order
// and fold the turns, which share the lease.
type leasedAgent struct {
	a handoff.Agent
	l leaser
}

func (la leasedAgent) Turn(ctx context.Context, msg agent.Message, stream func(delta string)) (agent.Reply, error) {
	release, err := la.l.Lease(ctx, "turn:"+msg.Channel+":"+msg.ChatID)
	if err != nil {
		return agent.Reply{}, fmt.Errorf("turn of %s %s: %w", msg.Channel, msg.ChatID, err)
	}
	defer release()
	return la.a.Turn(ctx, msg, stream)
}
