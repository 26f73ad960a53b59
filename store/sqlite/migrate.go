package sqlite

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate applies the pending schema migrations and returns the file names
// of those it applied, oldest first (none when the schema is current).
// [Open] already migrates; `faro migrate` calls this to report what it did.
//
// SQLite has no advisory lock for goose to take, so processes opening a new
// file together race to migrate it: the loser's CREATE fails. That is
// harmless, and is not reported, when the schema is current afterwards.
func (db *DB) Migrate(ctx context.Context) ([]string, error) {
	p, err := db.migrator()
	if err != nil {
		return nil, err
	}
	results, err := p.Up(ctx)
	applied := make([]string, 0, len(results))
	for _, r := range results {
		if r.Error == nil {
			applied = append(applied, r.Source.Path)
		}
	}
	if err != nil {
		if pending, perr := p.HasPending(ctx); perr == nil && !pending {
			return applied, nil
		}
		return applied, fmt.Errorf("sqlite: migrate: %w", err)
	}
	return applied, nil
}

// SchemaVersion returns the version of the newest applied migration.
func (db *DB) SchemaVersion(ctx context.Context) (int64, error) {
	p, err := db.migrator()
	if err != nil {
		return 0, err
	}
	v, err := p.GetDBVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("sqlite: schema version: %w", err)
	}
	return v, nil
}

func (db *DB) migrator() (*goose.Provider, error) {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, fmt.Errorf("sqlite: migrations: %w", err)
	}
	// The global registry is off so Go migrations registered by other
	// packages can never leak into this schema. Out of order is allowed:
	// migrations are numbered as features are planned and merged in any
	// order, each creating its own tables, so a database that has 00005
	// gets 00004 when it arrives instead of refusing to open.
	p, err := goose.NewProvider(goose.DialectSQLite3, db.sql, fsys, goose.WithDisableGlobalRegistry(true),
		goose.WithAllowOutofOrder(true))
	if err != nil {
		return nil, fmt.Errorf("sqlite: migrations: %w", err)
	}
	return p, nil
}
