package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	pgvectorpgx "github.com/pgvector/pgvector-go/pgx"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/faroai/faro/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Interface guards.
var _ store.Store = (*DB)(nil)

// DB is a [store.Store] on a PostgreSQL connection pool. It is safe for
// concurrent use.
type DB struct {
	pool *pgxpool.Pool
	// iterativeScan: pgvector ≥ 0.8 can keep walking the HNSW graph until
	// enough rows pass a filter; older versions reject the setting.
	iterativeScan bool
}

// Open connects to the database at url (a postgres:// URL or a key=value
// connection string), makes sure the pgvector extension is installed,
// applies pending migrations and returns the store. Connecting and
// migrating happen under ctx.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse url: %w", err)
	}
	if err := createExtension(ctx, cfg); err != nil {
		return nil, err
	}
	// Every connection learns the OIDs of vector, halfvec and sparsevec,
	// which the extension gets at install time and so differ per database.
	cfg.AfterConnect = pgvectorpgx.RegisterTypes
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	db := &DB{pool: pool}
	if err := db.pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	var version string
	if err := pool.QueryRow(ctx, `SELECT extversion FROM pg_extension WHERE extname = 'vector'`).Scan(&version); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: pgvector version: %w", err)
	}
	db.iterativeScan = versionAtLeast(version, 0, 8)
	return db, nil
}

// Migrate connects to the database at url, applies the migrations it has
// not seen yet and returns their file names, in order: what `faro migrate`
// runs and reports. [Open] migrates by itself; Migrate is for migrating
// without serving.
func Migrate(ctx context.Context, url string) ([]string, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse url: %w", err)
	}
	if err := createExtension(ctx, cfg); err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	defer pool.Close()
	return migrate(ctx, pool)
}

// Migrate applies the migrations the database has not seen yet and
// returns their file names in order (none when it is up to date). Open has
// already called it; it is safe to call again, and from several servers at
// once: a PostgreSQL advisory lock lets one of them migrate at a time.
func (db *DB) Migrate(ctx context.Context) ([]string, error) {
	return migrate(ctx, db.pool)
}

func migrate(ctx context.Context, pool *pgxpool.Pool) ([]string, error) {
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 600))
	if err != nil {
		return nil, fmt.Errorf("postgres: migrate: %w", err)
	}
	// The *sql.DB borrows connections from the pool; goose runs each
	// migration in a transaction on the one connection that holds the lock,
	// so it never waits on a second connection (which would deadlock PGlite).
	sqlDB := stdlib.OpenDBFromPool(pool)
	defer sqlDB.Close()
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, fmt.Errorf("postgres: migrate: %w", err)
	}
	// Out of order, as in the embedded store: a migration merged after a
	// higher-numbered one is applied, not refused.
	provider, err := goose.NewProvider(goose.DialectPostgres, sqlDB, fsys, goose.WithSessionLocker(locker),
		goose.WithAllowOutofOrder(true))
	if err != nil {
		return nil, fmt.Errorf("postgres: migrate: %w", err)
	}
	results, err := provider.Up(ctx)
	applied := make([]string, 0, len(results))
	for _, r := range results {
		if r.Error == nil {
			applied = append(applied, r.Source.Path)
		}
	}
	if err != nil {
		return applied, fmt.Errorf("postgres: migrate: %w", err)
	}
	return applied, nil
}

// createExtension installs pgvector before the migrations need its type,
// on a connection of its own because the pool's connections register the
// vector type as they open. The connection is configured from the pool's
// configuration, which has taken out the pool's own parameters
// (pool_max_conns…): given to the server, they would be refused.
func createExtension(ctx context.Context, cfg *pgxpool.Config) error {
	conn, err := pgx.ConnectConfig(ctx, cfg.ConnConfig.Copy())
	if err != nil {
		return fmt.Errorf("postgres: connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS vector`); err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) {
			switch pgErr.Code {
			case "58P01", "0A000": // no control file (before and since PostgreSQL 15)
				return fmt.Errorf("postgres: the server has no pgvector extension (vector): install pgvector, e.g. the pgvector/pgvector image: %w", err)
			case "42501":
				return fmt.Errorf("postgres: not allowed to create the pgvector extension (vector): ask an administrator to run CREATE EXTENSION vector in this database: %w", err)
			}
		}
		return fmt.Errorf("postgres: create extension vector: %w", err)
	}
	return nil
}

// Ping answers nil when the database answers within ctx.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

// Close closes every connection of the pool, waiting for those in use to
// be given back.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// inTx runs fn in a transaction, committing if it returns nil. fn must do
// all of its work through tx: a second pooled connection would wait for
// this transaction on PGlite, which serialises them, and never get it.
func (db *DB) inTx(ctx context.Context, opts pgx.TxOptions, fn func(pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, db.pool, opts, fn)
}

// now is the time stamped on writes: UTC, at the microsecond precision of
// timestamptz, so what a write returns equals what a later read returns.
func now() time.Time {
	return time.Now().UTC().Truncate(time.Microsecond)
}

func newID() (string, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return "", fmt.Errorf("new id: %w", err)
	}
	return id.String(), nil
}

// dbErr wraps a database error for op, translating what callers act upon
// into the store's sentinels: no row is ErrNotFound, a unique violation is
// ErrConflict, a missing referenced row is ErrNotFound, a value the schema
// refuses is ErrInvalid. The cause stays in the chain for the logs.
func dbErr(op string, err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505": // unique_violation
			return fmt.Errorf("postgres: %s: %s: %w: %w", op, constraintMeaning(pgErr.ConstraintName), store.ErrConflict, err)
		case "23503": // foreign_key_violation: the row it points at is gone
			return fmt.Errorf("postgres: %s: %s: %w: %w", op, constraintMeaning(pgErr.ConstraintName), store.ErrNotFound, err)
		case "23514", "23502", "22P02", "22023", "22001", "22021", "54000": // check, not null, syntax, value, length, encoding, too long
			return fmt.Errorf("postgres: %s: %w: %w", op, store.ErrInvalid, err)
		case "22P05", "08P01":
			// A NUL in text: JSON refuses its \u0000 (22P05), and a query
			// or parameter holding one is a malformed message (08P01) to
			// the server. The store refuses NUL text (see store.Store).
			return fmt.Errorf("postgres: %s: text holds a NUL character: %w: %w", op, store.ErrInvalid, err)
		}
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// constraintMeaning says in words which rule a constraint keeps.
func constraintMeaning(name string) string {
	switch name {
	case "contacts_email_key":
		return "email belongs to another contact"
	case "identities_pkey":
		return "identity belongs to another contact"
	case "conversations_external_key":
		return "channel and external id belong to another conversation"
	case "conversations_contact_id_fkey":
		return "no such contact"
	case "identities_contact_id_fkey":
		return "no such contact"
	case "messages_conversation_id_fkey":
		return "no such conversation"
	case "messages_platform_key":
		return "platform message id already stored"
	case "documents_source_key":
		return "source belongs to another document"
	case "chunks_document_id_fkey":
		return "no such document"
	case "deliveries_platform":
		return "platform message id belongs to another delivery"
	case "deliveries_message_id_fkey":
		return "no such message"
	case "staff_accounts_email_key":
		return "staff email is taken"
	case "staff_sessions_pkey":
		return "session token is taken"
	case "staff_sessions_staff_id_fkey":
		return "no such staff account"
	case "handoff_events_conversation_id_fkey", "staff_threads_conversation_id_fkey":
		return "no such conversation"
	case "staff_threads_thread":
		return "the thread belongs to another conversation"
	}
	return "constraint " + name
}

func invalid(op, format string, args ...any) error {
	return fmt.Errorf("postgres: %s: %s: %w", op, fmt.Sprintf(format, args...), store.ErrInvalid)
}

// limitArg turns a store limit (0: no cap) into a LIMIT argument (NULL: no
// cap).
func limitArg(limit int) any {
	if limit == 0 {
		return nil
	}
	return limit
}

func checkPage(op string, offset, limit int) error {
	if offset < 0 || limit < 0 {
		return invalid(op, "offset %d, limit %d: must not be negative", offset, limit)
	}
	return nil
}

// versionAtLeast compares an extension version like "0.8.1".
func versionAtLeast(v string, major, minor int) bool {
	var ma, mi int
	if _, err := fmt.Sscanf(v, "%d.%d", &ma, &mi); err != nil {
		return false
	}
	return ma > major || ma == major && mi >= minor
}

// collect scans every row with scan and closes rows; an empty result is
// an empty, non-nil slice. Errors come back as they are, for dbErr.
func collect[T any](rows pgx.Rows, scan func(pgx.Rows) (T, error)) ([]T, error) {
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
