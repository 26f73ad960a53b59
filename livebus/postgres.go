package livebus

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// channel is the NOTIFY channel of every note and receipt.
const channel = "faro_livebus"

// holdGrace is how long Reached gives a hold that may be being written.
const holdGrace = 150 * time.Millisecond

// schema is the bus's own tables; it may live in a database of its own
// (Options.URL), so it is not one of the store's migrations. Every
// statement is idempotent.
const schema = `
CREATE TABLE IF NOT EXISTS livebus_servers (
	id text PRIMARY KEY,
	seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS livebus_conversations (
	conversation_id text PRIMARY KEY,
	seq bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS livebus_generations (
	name text PRIMARY KEY,
	gen bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS livebus_leases (
	key text PRIMARY KEY,
	holder text NOT NULL,
	expires_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS livebus_holds (
	server_id text NOT NULL,
	conversation_id text NOT NULL,
	received_seq bigint NOT NULL DEFAULT 0,
	PRIMARY KEY (conversation_id, server_id)
);`

// Options configure a [Postgres] bus.
type Options struct {
	// URL is the database (a postgres:// URL); required. It may be the
	// store's or another: notes need nothing of the store's schema.
	URL string
	// PollInterval is how often the server reads the newest seqs of the
	// conversations it holds, whatever the notifications do (default
	// 500 ms): the bound on delivery when notifications are lost.
	PollInterval time.Duration
	// Stale is how long a server may go without its heartbeat (one a
	// poll) before its holds count for nothing (default 10 s, and at
	// least four polls): a server killed without closing stops counting
	// as a receiver.
	Stale time.Duration
	// Listen false keeps the bus off LISTEN, leaving the poll alone
	// (tests of the catch-up path; PGlite, which never delivers
	// notifications across connections).
	Listen bool
	// LeaseTTL is how long a lease outlives its holder's last renewal
	// (default 10 s; renewed every third of it): how long a conversation
	// waits after its server died mid-turn.
	LeaseTTL time.Duration
	Logger   *slog.Logger
}

// Postgres is a bus over PostgreSQL. It is safe for concurrent use; Close
// ends it.
type Postgres struct {
	opts Options
	id   string
	pool *pgxpool.Pool
	log  *slog.Logger

	mu        sync.Mutex
	listeners map[int]func(string, int64)
	nextID    int
	holds     map[string]*hold // by conversation
	released  map[string]bool  // dropped holds not yet deleted in the table
	listening bool             // the LISTEN connection is up
	polled    time.Time        // the last poll that succeeded
	pollErr   error
	receipt   chan struct{} // closed and replaced when a receipt note arrives

	watchers map[string]map[int]func() // by generation name
	gens     map[string]int64          // the generation last seen, by name
	leases   map[string]*lease         // by key, while a turn here holds or waits
	leaseN   int64                     // leases made, for their holder names

	kick   chan struct{} // asks the poller to run now
	cancel context.CancelFunc
	done   sync.WaitGroup
}

type hold struct {
	n      int   // sockets
	known  int64 // highest seq this server was woken for or published
	stored bool  // the hold row exists
}

// Open connects to opts.URL, makes the bus's tables and starts listening
// and polling in the background.
func Open(ctx context.Context, opts Options) (*Postgres, error) {
	if opts.URL == "" {
		return nil, errors.New("livebus: a database URL is required")
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = 500 * time.Millisecond
	}
	if opts.Stale <= 0 {
		opts.Stale = 10 * time.Second
	}
	opts.Stale = max(opts.Stale, 4*opts.PollInterval)
	if opts.LeaseTTL <= 0 {
		opts.LeaseTTL = 10 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	cfg, err := pgxpool.ParseConfig(opts.URL)
	if err != nil {
		return nil, fmt.Errorf("livebus: parse url: %w", err)
	}
	if !strings.Contains(opts.URL, "pool_max_conns") {
		cfg.MaxConns = 4 // notes, holds and receipts are small and few
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("livebus: connect: %w", err)
	}
	if _, err := pool.Exec(ctx, schema); err != nil {
		pool.Close()
		return nil, fmt.Errorf("livebus: make tables: %w", err)
	}
	b := &Postgres{
		opts: opts, id: newServerID(), pool: pool, log: opts.Logger,
		listeners: map[int]func(string, int64){}, holds: map[string]*hold{}, released: map[string]bool{},
		leases: map[string]*lease{}, watchers: map[string]map[int]func(){}, gens: map[string]int64{}, receipt: make(chan struct{}), kick: make(chan struct{}, 1), polled: time.Now(),
	}
	if err := b.heartbeat(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	bg, cancel := context.WithCancel(context.Background())
	b.cancel = cancel
	b.done.Add(1)
	go b.pollLoop(bg)
	if opts.Listen {
		b.done.Add(1)
		go b.listenLoop(bg)
	}
	return b, nil
}

func newServerID() string {
	p := make([]byte, 8)
	_, _ = rand.Read(p) // never fails (crypto/rand)
	return hex.EncodeToString(p)
}

// ID is this server's id on the bus.
func (b *Postgres) ID() string { return b.id }

// Close stops listening and polling, withdraws this server's holds (its
// sockets are closed by now) and closes the connections.
func (b *Postgres) Close() error {
	b.cancel()
	b.done.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := b.pool.Exec(ctx, `DELETE FROM livebus_holds WHERE server_id = $1`, b.id)
	if err == nil {
		_, err = b.pool.Exec(ctx, `DELETE FROM livebus_servers WHERE id = $1`, b.id)
	}
	b.pool.Close()
	if err != nil {
		return fmt.Errorf("livebus: close: %w", err)
	}
	return nil
}

// Publish records that conversationID has messages up to seq and notifies
// the servers that listen; one statement, so the note and the row agree.
func (b *Postgres) Publish(ctx context.Context, conversationID string, seq int64) error {
	b.mu.Lock()
	if h := b.holds[conversationID]; h != nil {
		h.known = max(h.known, seq) // our own sockets had it from us
	}
	b.mu.Unlock()
	payload := "n\t" + b.id + "\t" + conversationID + "\t" + strconv.FormatInt(seq, 10)
	_, err := b.pool.Exec(ctx, `
WITH up AS (
	INSERT INTO livebus_conversations (conversation_id, seq) VALUES ($1, $2)
	ON CONFLICT (conversation_id) DO UPDATE SET seq = GREATEST(livebus_conversations.seq, EXCLUDED.seq)
	RETURNING seq
)
SELECT pg_notify($3, $4) FROM up`, conversationID, seq, channel, payload)
	if err != nil {
		return fmt.Errorf("livebus: publish %s up to %d: %w", conversationID, seq, err)
	}
	return nil
}

// Listen calls wake for every note of another server about a
// conversation this server holds, until stop is called. wake runs on the
// bus's goroutine: it must not block.
func (b *Postgres) Listen(wake func(conversationID string, seq int64)) (stop func()) {
	b.mu.Lock()
	id := b.nextID
	b.nextID++
	b.listeners[id] = wake
	b.mu.Unlock()
	return func() {
		b.mu.Lock()
		delete(b.listeners, id)
		b.mu.Unlock()
	}
}

// Hold records that this server holds a socket for conversationID until
// release is called. It never waits on the database: the poller writes
// the hold, at once.
func (b *Postgres) Hold(conversationID string) (release func()) {
	b.mu.Lock()
	h := b.holds[conversationID]
	if h == nil {
		h = &hold{}
		b.holds[conversationID] = h
		delete(b.released, conversationID)
	}
	h.n++
	b.mu.Unlock()
	b.poke()
	var once sync.Once
	return func() {
		once.Do(func() {
			b.mu.Lock()
			if h := b.holds[conversationID]; h != nil {
				if h.n--; h.n <= 0 {
					delete(b.holds, conversationID)
					if h.stored {
						b.released[conversationID] = true
					}
				}
			}
			b.mu.Unlock()
			b.poke()
		})
	}
}

func (b *Postgres) poke() {
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

// Received records that this server's sockets of conversationID have
// everything up to seq, and tells a server waiting in Reached.
func (b *Postgres) Received(ctx context.Context, conversationID string, seq int64) error {
	payload := "r\t" + b.id + "\t" + conversationID + "\t" + strconv.FormatInt(seq, 10)
	_, err := b.pool.Exec(ctx, `
WITH up AS (
	INSERT INTO livebus_holds (server_id, conversation_id, received_seq) VALUES ($1, $2, $3)
	ON CONFLICT (conversation_id, server_id) DO UPDATE SET received_seq = GREATEST(livebus_holds.received_seq, EXCLUDED.received_seq)
	RETURNING received_seq
)
SELECT pg_notify($4, $5) FROM up`, b.id, conversationID, seq, channel, payload)
	if err != nil {
		return fmt.Errorf("livebus: receipt %s up to %d: %w", conversationID, seq, err)
	}
	b.mu.Lock()
	if h := b.holds[conversationID]; h != nil {
		h.stored = true
	} else {
		b.released[conversationID] = true // released meanwhile: the row goes
	}
	b.mu.Unlock()
	return nil
}

// Reached waits until another live server that holds conversationID has
// received seq (true), or none holds it, or ctx ends (false). A hold is
// written moments after its socket subscribed (by the poller, woken at
// once): none found is looked for once more after holdGrace.
func (b *Postgres) Reached(ctx context.Context, conversationID string, seq int64) (bool, error) {
	graced := false
	for {
		b.mu.Lock()
		receipt := b.receipt
		b.mu.Unlock()
		var best, holders int64
		err := b.pool.QueryRow(ctx, `
SELECT coalesce(max(h.received_seq), 0), count(*)
FROM livebus_holds h JOIN livebus_servers s ON s.id = h.server_id
WHERE h.conversation_id = $1 AND h.server_id <> $2 AND s.seen_at > now() - make_interval(secs => $3)`,
			conversationID, b.id, b.opts.Stale.Seconds()).Scan(&best, &holders)
		if err != nil {
			if ctx.Err() != nil {
				return false, nil
			}
			return false, fmt.Errorf("livebus: receipts of %s: %w", conversationID, err)
		}
		if holders == 0 && !graced {
			graced = true
			select {
			case <-time.After(holdGrace):
				continue
			case <-ctx.Done():
				return false, nil
			}
		}
		if holders == 0 || best >= seq {
			return holders > 0, nil
		}
		// A receipt note wakes us; without notifications, look again soon.
		select {
		case <-receipt:
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
			return false, nil
		}
	}
}

// Ready says whether the bus works: the last poll succeeded within a few
// intervals and, when listening, the LISTEN connection is up.
func (b *Postgres) Ready(context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.opts.Listen && !b.listening {
		return errors.New("livebus: not listening for notifications")
	}
	if time.Since(b.polled) > 4*b.opts.PollInterval+2*time.Second {
		if b.pollErr != nil {
			return fmt.Errorf("livebus: poll: %w", b.pollErr)
		}
		return errors.New("livebus: poll overdue")
	}
	return nil
}

// pollLoop beats the heart, writes holds, and wakes the listeners of every
// held conversation whose newest seq is past what this server knows.
func (b *Postgres) pollLoop(ctx context.Context) {
	defer b.done.Done()
	t := time.NewTicker(b.opts.PollInterval)
	defer t.Stop()
	lastGC := time.Time{}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-b.kick:
		}
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := b.poll(pctx)
		if err == nil && time.Since(lastGC) > time.Minute {
			lastGC = time.Now()
			err = b.collect(pctx)
		}
		cancel()
		b.mu.Lock()
		b.pollErr = err
		if err == nil {
			b.polled = time.Now()
		}
		b.mu.Unlock()
		if err != nil && ctx.Err() == nil {
			b.log.Warn("livebus: poll failed", "err", err)
		}
	}
}

func (b *Postgres) heartbeat(ctx context.Context) error {
	_, err := b.pool.Exec(ctx, `INSERT INTO livebus_servers (id) VALUES ($1)
ON CONFLICT (id) DO UPDATE SET seen_at = now()`, b.id)
	if err != nil {
		return fmt.Errorf("livebus: heartbeat: %w", err)
	}
	return nil
}

func (b *Postgres) poll(ctx context.Context) error {
	b.mu.Lock()
	var add, drop, held []string
	for id, h := range b.holds {
		held = append(held, id)
		if !h.stored {
			add = append(add, id)
		}
	}
	for id := range b.released {
		drop = append(drop, id)
	}
	b.mu.Unlock()
	if len(add) > 0 {
		if _, err := b.pool.Exec(ctx, `INSERT INTO livebus_holds (server_id, conversation_id)
SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`, b.id, add); err != nil {
			return fmt.Errorf("livebus: write holds: %w", err)
		}
	}
	if len(drop) > 0 {
		if _, err := b.pool.Exec(ctx, `DELETE FROM livebus_holds WHERE server_id = $1 AND conversation_id = ANY($2::text[])`, b.id, drop); err != nil {
			return fmt.Errorf("livebus: drop holds: %w", err)
		}
	}
	b.mu.Lock()
	for _, id := range add {
		if h := b.holds[id]; h != nil {
			h.stored = true
		} else {
			b.released[id] = true // released while it was written
		}
	}
	for _, id := range drop {
		if b.holds[id] == nil {
			delete(b.released, id)
		}
	}
	b.mu.Unlock()
	// After the holds, which a Reached elsewhere may be waiting to see.
	if err := b.heartbeat(ctx); err != nil {
		return err
	}
	if err := b.pollGenerations(ctx); err != nil {
		return err
	}
	if len(held) == 0 {
		return nil
	}
	rows, err := b.pool.Query(ctx, `SELECT conversation_id, seq FROM livebus_conversations WHERE conversation_id = ANY($1::text[])`, held)
	if err != nil {
		return fmt.Errorf("livebus: read seqs: %w", err)
	}
	type note struct {
		conv string
		seq  int64
	}
	var notes []note
	for rows.Next() {
		var n note
		if err := rows.Scan(&n.conv, &n.seq); err != nil {
			rows.Close()
			return fmt.Errorf("livebus: read seqs: %w", err)
		}
		notes = append(notes, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("livebus: read seqs: %w", err)
	}
	for _, n := range notes {
		b.note(n.conv, n.seq)
	}
	return nil
}

// collect deletes what servers not seen for a while left behind (killed
// without Close).
func (b *Postgres) collect(ctx context.Context) error {
	secs := max(60, 6*b.opts.Stale.Seconds())
	if _, err := b.pool.Exec(ctx, `DELETE FROM livebus_holds WHERE server_id IN
(SELECT id FROM livebus_servers WHERE seen_at < now() - make_interval(secs => $1))`, secs); err != nil {
		return fmt.Errorf("livebus: collect holds: %w", err)
	}
	if _, err := b.pool.Exec(ctx, `DELETE FROM livebus_leases WHERE expires_at < now() - make_interval(secs => $1)`, secs); err != nil {
		return fmt.Errorf("livebus: collect leases: %w", err)
	}
	if _, err := b.pool.Exec(ctx, `DELETE FROM livebus_servers WHERE seen_at < now() - make_interval(secs => $1)`, secs); err != nil {
		return fmt.Errorf("livebus: collect servers: %w", err)
	}
	return nil
}

// note wakes the listeners when seq is news for a held conversation.
func (b *Postgres) note(conversationID string, seq int64) {
	b.mu.Lock()
	h := b.holds[conversationID]
	if h == nil || seq <= h.known {
		b.mu.Unlock()
		return
	}
	h.known = seq
	fs := make([]func(string, int64), 0, len(b.listeners))
	for _, f := range b.listeners {
		fs = append(fs, f)
	}
	b.mu.Unlock()
	for _, f := range fs {
		f(conversationID, seq)
	}
}

// listenLoop keeps one connection listening, reconnecting with backoff;
// after every (re)connect the poller runs, catching up on what was
// published while nobody listened.
func (b *Postgres) listenLoop(ctx context.Context) {
	defer b.done.Done()
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := b.listen(ctx)
		b.mu.Lock()
		was := b.listening
		b.listening = false
		b.mu.Unlock()
		if ctx.Err() != nil {
			return
		}
		if was {
			backoff = 100 * time.Millisecond
		}
		b.log.Warn("livebus: listener lost; reconnecting", "err", err, "in", backoff.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

func (b *Postgres) listen(ctx context.Context) error {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	// Through pgxpool's parser: the URL may carry its pool_max_conns,
	// which a plain connection would send on as a setting the server
	// refuses.
	var conn *pgx.Conn
	cfg, err := pgxpool.ParseConfig(b.opts.URL)
	if err == nil {
		conn, err = pgx.ConnectConfig(cctx, cfg.ConnConfig)
	}
	if err == nil {
		_, err = conn.Exec(cctx, "LISTEN "+channel)
	}
	cancel()
	if err != nil {
		if conn != nil {
			_ = conn.Close(context.Background())
		}
		return fmt.Errorf("listen: %w", err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = conn.Close(cctx)
		cancel()
	}()
	b.mu.Lock()
	b.listening = true
	b.mu.Unlock()
	b.poke() // catch up on what came while not listening
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("wait for notification: %w", err)
		}
		b.handle(n.Payload)
	}
}

func isNoRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }

// handle reads one notification: n<tab>server<tab>conversation<tab>seq
// (a note) or r<tab>… (a receipt).
func (b *Postgres) handle(payload string) {
	parts := strings.Split(payload, "\t")
	if len(parts) != 4 || parts[1] == b.id {
		return
	}
	seq, err := strconv.ParseInt(parts[3], 10, 64)
	if err != nil {
		return
	}
	switch parts[0] {
	case "n":
		b.note(parts[2], seq)
	case "g":
		b.generation(parts[2], seq)
	case "r":
		b.mu.Lock()
		close(b.receipt)
		b.receipt = make(chan struct{})
		b.mu.Unlock()
	}
}
