package sqlite

import (
	"bytes"
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	sqlitedriver "modernc.org/sqlite"

	"github.com/faroai/faro/store"
)

// maxCachedStmts bounds the prepared statements one connection keeps. The
// store's queries are a few dozen texts; the IN lists built for batches
// vary with their length, and past the bound they are prepared per call.
const maxCachedStmts = 128

// cachingConnector opens the driver's connections wrapped in cachingConn.
//
// database/sql over modernc.org/sqlite parses every query's SQL on every
// call (QueryContext and ExecContext prepare a statement, run it and
// finalize it). On a turn's dozen queries that parsing was 9% of the
// server's CPU under load. Keeping each connection's statements by their
// text, the way database/sql's Stmt would but without threading Stmts
// through every caller, parses each text once per connection.
type cachingConnector struct {
	inner driver.Connector
}

func newCachingConnector(dsn string) (driver.Connector, error) {
	c, err := sqlitedriver.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return cachingConnector{inner: c}, nil
}

func (c cachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return newCachingConn(conn)
}

func (c cachingConnector) Driver() driver.Driver { return c.inner.Driver() }

// innerConn is what cachingConn needs of the driver's connection: the
// interfaces database/sql looks for, which modernc's conn implements.
type innerConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// cachedStmt is a prepared statement and whether rows of it are open: a
// statement runs once at a time, so a query made while its rows are still
// being read (a nested use inside a transaction) runs uncached.
type cachedStmt struct {
	stmt interface {
		driver.Stmt
		driver.StmtExecContext
		driver.StmtQueryContext
	}
	busy bool
}

// cachingConn is one connection with its statements. database/sql uses a
// connection from one goroutine at a time, so the map needs no lock.
type cachingConn struct {
	innerConn
	stmts map[string]*cachedStmt
}

func newCachingConn(c driver.Conn) (*cachingConn, error) {
	ic, ok := c.(innerConn)
	if !ok {
		_ = c.Close()
		return nil, fmt.Errorf("sqlite driver connection %T lacks the context interfaces", c)
	}
	return &cachingConn{innerConn: ic, stmts: make(map[string]*cachedStmt)}, nil
}

// statement returns the idle cached statement for query, preparing it on
// first use; nil when it is busy or the cache is full of busy ones, and the
// caller runs the query uncached.
func (c *cachingConn) statement(ctx context.Context, query string) (*cachedStmt, error) {
	if s, ok := c.stmts[query]; ok {
		if s.busy {
			return nil, nil
		}
		return s, nil
	}
	if len(c.stmts) >= maxCachedStmts && !c.evictOne() {
		return nil, nil
	}
	ds, err := c.innerConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	st, ok := ds.(interface {
		driver.Stmt
		driver.StmtExecContext
		driver.StmtQueryContext
	})
	if !ok {
		_ = ds.Close()
		return nil, nil
	}
	s := &cachedStmt{stmt: st}
	c.stmts[query] = s
	return s, nil
}

// evictOne closes one idle statement (whichever the map yields first: the
// texts that miss are the variable ones, so any will do).
func (c *cachingConn) evictOne() bool {
	for q, s := range c.stmts {
		if !s.busy {
			_ = s.stmt.Close()
			delete(c.stmts, q)
			return true
		}
	}
	return false
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if err := checkText(args); err != nil {
		return nil, err
	}
	s, err := c.statement(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.innerConn.QueryContext(ctx, query, args)
	}
	rows, err := s.stmt.QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	s.busy = true
	return &cachedRows{Rows: rows, stmt: s}, nil
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if err := checkText(args); err != nil {
		return nil, err
	}
	s, err := c.statement(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.innerConn.ExecContext(ctx, query, args)
	}
	return s.stmt.ExecContext(ctx, args)
}

// Close finalizes the cached statements, then closes the connection.
func (c *cachingConn) Close() error {
	var errs []error
	for q, s := range c.stmts {
		errs = append(errs, s.stmt.Close())
		delete(c.stmts, q)
	}
	errs = append(errs, c.innerConn.Close())
	return errors.Join(errs...)
}

// cachedRows frees its statement for the next query once closed (the
// driver then resets the statement rather than finalizing it).
type cachedRows struct {
	driver.Rows
	stmt *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.stmt.busy = false
	return err
}

// checkText refuses an argument that PostgreSQL could not store: text
// holding NUL, or JSON holding its escape \u0000. SQLite would keep both,
// and the store must answer alike on both backends (see store.Store). Every
// query passes here, so lookups are refused the same way as writes. Binary
// values may hold NUL bytes.
func checkText(args []driver.NamedValue) error {
	for _, a := range args {
		switch v := a.Value.(type) {
		case string:
			if strings.IndexByte(v, 0) >= 0 || isJSONWithNUL(v) {
				return fmt.Errorf("text holds a NUL character: %w", store.ErrInvalid)
			}
		case []byte:
			if bytes.Contains(v, []byte(`\u0000`)) && json.Valid(v) {
				return fmt.Errorf("JSON holds a NUL character: %w", store.ErrInvalid)
			}
		}
	}
	return nil
}

// isJSONWithNUL reports whether s is a JSON object or array holding \u0000.
func isJSONWithNUL(s string) bool {
	if s == "" || (s[0] != '{' && s[0] != '[') || !strings.Contains(s, `\u0000`) {
		return false
	}
	return json.Valid([]byte(s))
}
