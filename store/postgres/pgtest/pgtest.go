package pgtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// EnvURL names the environment variable that points the tests at a
// PostgreSQL server of one's own (with pgvector installed, and a role that
// may CREATE DATABASE): postgres://user:pass@host:5432/postgres.
const EnvURL = "FARO_TEST_DATABASE_URL"

// How long PGlite may take to answer after it starts: loading the
// WebAssembly and initialising a database takes a few seconds.
const startTimeout = 30 * time.Second

// Start returns the URL of an empty database with pgvector available, and
// stop, which removes it; stop is safe to call more than once.
//
// With FARO_TEST_DATABASE_URL set, Start creates a database of its own on
// that server (faro_test_<random>), and stop drops it. Otherwise Start runs
// node_modules/.bin/pglite-server, found in the working directory or one
// above it up to the Go module root, on a free local port; stop kills it.
// When neither can be had, the error says how to get one: tests should
// fail on it, not skip.
//
// The PGlite URL is postgres://postgres:postgres@127.0.0.1:<port>/postgres
// with sslmode=disable and pgx's default_query_exec_mode=simple_protocol,
// which PGlite needs when clients run queries concurrently (see
// startPGlite); a URL for pgx clients only, as libpq rejects that
// parameter.
func Start(ctx context.Context) (url string, stop func(), err error) {
	if admin := os.Getenv(EnvURL); admin != "" {
		return startDatabase(ctx, admin)
	}
	return startPGlite(ctx)
}

// startDatabase creates a fresh database on the server at admin.
func startDatabase(ctx context.Context, admin string) (string, func(), error) {
	name, err := randomName()
	if err != nil {
		return "", nil, err
	}
	conn, err := connect(ctx, admin)
	if err != nil {
		return "", nil, fmt.Errorf("pgtest: connect to %s: %w", EnvURL, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", nil, fmt.Errorf("pgtest: create database %s on %s: %w", name, EnvURL, err)
	}
	url, err := withDatabase(admin, name)
	if err != nil {
		return "", nil, err
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			conn, err := connect(ctx, admin)
			if err != nil {
				fmt.Fprintf(os.Stderr, "pgtest: drop database %s: %v\n", name, err)
				return
			}
			defer conn.Close(ctx)
			// FORCE: a pool the test forgot to close must not keep the
			// database alive.
			if _, err := conn.Exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`); err != nil {
				fmt.Fprintf(os.Stderr, "pgtest: drop database %s: %v\n", name, err)
			}
		})
	}
	return url, stop, nil
}

func randomName() (string, error) {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("pgtest: random database name: %w", err)
	}
	return "faro_test_" + hex.EncodeToString(b), nil
}

// withDatabase points a connection string, URL or key=value, at database
// name.
func withDatabase(conn, name string) (string, error) {
	if !strings.Contains(conn, "://") {
		return conn + " dbname=" + name, nil // a later key wins
	}
	u, err := neturl.Parse(conn)
	if err != nil {
		return "", fmt.Errorf("pgtest: parse %s: %w", EnvURL, err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

// startPGlite runs pglite-server on a free port and waits until it answers.
func startPGlite(ctx context.Context) (string, func(), error) {
	root, bin, err := findPGliteServer()
	if err != nil {
		return "", nil, err
	}
	// The port is free when asked and taken a moment later by the server;
	// another process may win it in between, so try a few.
	var lastErr error
	for range 3 {
		url, stop, err := runPGlite(ctx, root, bin)
		if err == nil {
			return url, stop, nil
		}
		lastErr = err
		if ctx.Err() != nil {
			break
		}
	}
	return "", nil, lastErr
}

// findPGliteServer looks for node_modules/.bin/pglite-server in the working
// directory and its parents, up to the directory holding go.mod.
func findPGliteServer() (root, bin string, err error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", "", fmt.Errorf("pgtest: %w", err)
	}
	for {
		bin := filepath.Join(dir, "node_modules", ".bin", "pglite-server")
		if _, err := os.Stat(bin); err == nil {
			return dir, bin, nil
		}
		_, modErr := os.Stat(filepath.Join(dir, "go.mod"))
		parent := filepath.Dir(dir)
		if modErr == nil || parent == dir {
			return "", "", fmt.Errorf("pgtest: no PostgreSQL for the tests: node_modules/.bin/pglite-server is not in %s or above; "+
				"run `npm ci` at the repository root (it installs PGlite with pgvector), "+
				"or set %s to a PostgreSQL server with pgvector", dir, EnvURL)
		}
		dir = parent
	}
}

// syncBuffer collects the server's output for error messages.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() > 64<<10 {
		return len(p), nil // enough to explain a failure
	}
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func runPGlite(ctx context.Context, root, bin string) (string, func(), error) {
	port, err := freePort()
	if err != nil {
		return "", nil, err
	}
	// -m 8: PGlite is one backend; the socket server multiplexes up to
	// eight client connections onto it, one transaction at a time.
	cmd := exec.Command(bin, "-e", "@electric-sql/pglite-pgvector:vector", "-m", "8",
		"-p", strconv.Itoa(port), "-h", "127.0.0.1")
	cmd.Dir = root
	var output syncBuffer
	cmd.Stdout, cmd.Stderr = &output, &output
	setProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("pgtest: start %s (is node installed?): %w", bin, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait() // reaps the process; its output explains a failure
		close(exited)
	}()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			killGroup(cmd.Process.Pid, exited)
		})
	}

	// The simple protocol: one message a query. pglite-server multiplexes
	// its clients onto one backend session message by message, so the
	// extended protocol's Parse, Bind and Execute of two connections
	// interleave (one runs the other's statement or portal), and the named
	// statements of pgx's default cache, which outlive their connection in
	// that one session, collide ("prepared statement stmtcache_… already
	// exists").
	url := fmt.Sprintf("postgres://postgres:postgres@127.0.0.1:%d/postgres?sslmode=disable&default_query_exec_mode=simple_protocol", port)
	return awaitServer(ctx, "pglite-server", url, 200*time.Millisecond, exited, stop, &output)
}

// awaitServer pings url every so often until the server answers, and
// stops it when it exits first or does not answer within startTimeout;
// its output explains why.
func awaitServer(ctx context.Context, name, url string, every time.Duration, exited <-chan struct{}, stop func(), output *syncBuffer) (string, func(), error) {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	for {
		err := ping(ctx, url)
		if err == nil {
			return url, stop, nil
		}
		select {
		case <-exited:
			stop()
			return "", nil, fmt.Errorf("pgtest: %s exited before answering: %s", name, strings.TrimSpace(output.String()))
		case <-ctx.Done():
			stop()
			return "", nil, fmt.Errorf("pgtest: %s did not answer within %s (%v); its output: %s",
				name, startTimeout, err, strings.TrimSpace(output.String()))
		case <-time.After(every):
		}
	}
}

func ping(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	return conn.Ping(ctx)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Reset empties every table of the database's current schema except
// goose's and River's records of applied migrations (goose_db_version,
// river_migration), restarting
// identity sequences: the schema stays, so a store opened after Reset has
// nothing to migrate. Use it between tests that share one database, as
// tests on PGlite must; such tests cannot run in parallel.
//
// Reset deletes data only: indexes (such as the HNSW index of each
// embedding dimension) stay, and session settings are not touched, which
// is why the stores set theirs with SET LOCAL.
func Reset(ctx context.Context, url string) error {
	conn, err := connect(ctx, url)
	if err != nil {
		return fmt.Errorf("pgtest: reset: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	rows, err := conn.Query(ctx, `SELECT quote_ident(tablename) FROM pg_tables
		WHERE schemaname = current_schema() AND tablename NOT IN ('goose_db_version', 'river_migration')`)
	if err != nil {
		return fmt.Errorf("pgtest: reset: list tables: %w", err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("pgtest: reset: list tables: %w", err)
	}
	if len(tables) == 0 {
		return nil
	}
	if _, err := conn.Exec(ctx, `TRUNCATE `+strings.Join(tables, ", ")+` RESTART IDENTITY CASCADE`); err != nil {
		return fmt.Errorf("pgtest: reset: %w", err)
	}
	return nil
}

// connect opens one connection to url, which may carry pgxpool's own
// parameters (pool_max_conns…): they are taken out, as a server would
// refuse them.
func connect(ctx context.Context, url string) (*pgx.Conn, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	return pgx.ConnectConfig(ctx, cfg.ConnConfig)
}
