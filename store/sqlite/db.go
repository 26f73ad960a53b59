package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/faroai/faro/store"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// DB is the SQLite implementation of [store.Store]. It is safe for
// concurrent use.
type DB struct {
	sql *sql.DB
	// writeSem admits one write transaction of this process at a time.
	// SQLite allows one writer anyway; queueing here honours ctx and avoids
	// the busy handler's sleep-and-retry latency under contention. Other
	// processes are still handled by busy_timeout.
	writeSem chan struct{}
	// writes are the write transactions waiting for writeSem; whoever
	// holds it runs them together (see write).
	writes  writeQueue
	vectors vectorCache
	// checkpoints copies the WAL into the database in the background (nil
	// for an in-memory database).
	checkpoints *checkpointer
}

// Interface guards.
var _ store.Store = (*DB)(nil)

// busyTimeoutMS bounds how long a statement waits for another process's
// lock before failing with SQLITE_BUSY.
const busyTimeoutMS = 10000

// Open opens (creating if needed, with its parent directory) the database at
// path and applies pending migrations. path ":memory:" gives a private
// in-memory database, for tests.
func Open(ctx context.Context, path string) (*DB, error) {
	db, err := open(path)
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		_ = db.sql.Close()
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	if path != ":memory:" {
		db.startCheckpointer(checkpointEvery, walRestartFrames)
	}
	return db, nil
}

// Migrate opens (creating if needed) the database at path, applies the
// pending migrations and closes it, returning the file names of those it
// applied, oldest first: what `faro migrate` runs and reports. [Open]
// migrates by itself, so it could only ever report an empty list.
func Migrate(ctx context.Context, path string) ([]string, error) {
	db, err := open(path)
	if err != nil {
		return nil, err
	}
	applied, err := db.Migrate(ctx)
	if cerr := db.sql.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("sqlite: close: %w", cerr)
	}
	return applied, err
}

// open opens the database at path without migrating it.
func open(path string) (*DB, error) {
	if path == "" {
		return nil, fmt.Errorf("sqlite: open: empty path: %w", store.ErrInvalid)
	}
	// The driver cuts the DSN at the first '?', so such a path cannot be
	// expressed.
	if strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("sqlite: open %q: '?' in path: %w", path, store.ErrInvalid)
	}
	memory := path == ":memory:"
	if !memory {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
		}
	}
	connector, err := newCachingConnector(dsn(path))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	sqldb := sql.OpenDB(connector)
	if memory {
		// Every connection to ":memory:" is a different database.
		sqldb.SetMaxOpenConns(1)
	} else {
		// Readers run in parallel under WAL; more connections than that
		// only cost page caches.
		n := max(4, 2*runtime.GOMAXPROCS(0))
		sqldb.SetMaxOpenConns(n)
		sqldb.SetMaxIdleConns(n)
	}
	return &DB{
		sql:      sqldb,
		writeSem: make(chan struct{}, 1),
		vectors:  vectorCache{loading: make(chan struct{}, 1)},
	}, nil
}

// dsn builds the driver's data source name. Pragmas go in the DSN so that
// every pooled connection gets them, not only the first.
func dsn(path string) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeoutMS))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// Checkpoints run in the background, not in a writer's COMMIT (see
	// checkpoint.go).
	q.Add("_pragma", "wal_autocheckpoint(0)")
	// Write transactions take the write lock at BEGIN: a deferred
	// transaction that reads and then writes can fail with SQLITE_BUSY on
	// the upgrade, which no busy handler resolves. Read-only transactions
	// still begin deferred.
	q.Set("_txlock", "immediate")
	return path + "?" + q.Encode()
}

// Ping answers nil when the database answers a query within ctx.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.sql.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// Close releases the database and the in-memory vector index.
func (db *DB) Close() error {
	db.stopCheckpointer()
	db.vectors.reset()
	if err := db.sql.Close(); err != nil {
		return fmt.Errorf("sqlite: close: %w", err)
	}
	return nil
}

// runTx runs fn in one immediate transaction, committing if fn returns
// nil. The caller holds writeSem.
func (db *DB) runTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		// A panic in fn must not leave the write lock held.
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		return errors.Join(err, rollback(tx))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func (db *DB) read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.sql.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		return errors.Join(err, rollback(tx))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func rollback(tx *sql.Tx) error {
	if err := tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return fmt.Errorf("rollback: %w", err)
	}
	return nil
}

// querier is what *sql.DB and *sql.Tx share, so read helpers serve both.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// maxInArgs bounds the keys of one "IN (…)" list, far below SQLite's limit
// on bound parameters (32766), whatever the page size or K asked for.
const maxInArgs = 500

// queryIn runs query, whose one %s is the placeholder list of an IN, once
// per batch of at most maxInArgs keys, calling scan for each row.
func queryIn(ctx context.Context, q querier, query string, keys []any, scan func(*sql.Rows) error) error {
	for len(keys) > 0 {
		n := min(len(keys), maxInArgs)
		if err := queryBatch(ctx, q, fmt.Sprintf(query, placeholders(n)), keys[:n], scan); err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}

func queryBatch(ctx context.Context, q querier, query string, args []any, scan func(*sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// placeholders returns "?, ?, ?" for n arguments.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}
