package sqlite

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/pressly/goose/v3"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate applies the pending schema migrations and returns the file names
// of those it applied, oldest first (none when the schema is current).
// [Open] already migrates; `faro migrate` calls this to report what it did.
//
// SQLite has no advisory lock for goose to take, so processes opening a new
// file together race to migrate it: the loser's CREATE fails while the
// winner is still applying the later migrations. The loser waits and
// tries again until nothing is pending (or migrateWait has passed), so the
// race is harmless and not reported; a migration that really fails is
// reported after that wait.
func (db *DB) Migrate(ctx context.Context) ([]string, error) {
	p, err := db.migrator()
	if err != nil {
		return nil, err
	}
	var applied []string
	deadline := time.Now().Add(migrateWait)
	for {
		results, err := p.Up(ctx)
		for _, r := range results {
			if r.Error == nil {
				applied = append(applied, r.Source.Path)
			}
		}
		if err == nil {
			return applied, nil
		}
		if pending, perr := p.HasPending(ctx); perr == nil && !pending {
			return applied, nil
		}
		if time.Now().After(deadline) {
			return applied, fmt.Errorf("sqlite: migrate: %w", err)
		}
		select {
		case <-ctx.Done():
			return applied, fmt.Errorf("sqlite: migrate: %w", errors.Join(err, ctx.Err()))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// migrateWait bounds how long Migrate waits for another opener of the same
// file to finish migrating it.
const migrateWait = 10 * time.Second

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
