package sqlite

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/faroai/faro/store"
	sqlite3 "modernc.org/sqlite/lib"
)

// wrap prefixes err with the package and the operation, and translates what
// SQLite reports into the store's sentinels: no rows is ErrNotFound (the SQL
// error itself is dropped), a broken uniqueness rule is ErrConflict.
// Explicit checks in the transactions give the friendlier messages; this is
// the backstop.
func wrap(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("sqlite: %s: %w", op, store.ErrNotFound)
	case isUniqueViolation(err):
		return fmt.Errorf("sqlite: %s: %w (%v)", op, store.ErrConflict, err)
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}

// sqliteError is the part of modernc.org/sqlite's *Error we need.
type sqliteError interface{ Code() int }

func isUniqueViolation(err error) bool {
	var e sqliteError
	if !errors.As(err, &e) {
		return false
	}
	// The driver turns on extended result codes.
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return true
	}
	return false
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), store.ErrInvalid)
}

func conflict(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), store.ErrConflict)
}

func notFound(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), store.ErrNotFound)
}
