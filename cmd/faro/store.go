package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/postgres"
	"github.com/faroai/faro/store/sqlite"
)

// openStore opens the configured store and brings its schema up to date:
// PostgreSQL when FARO_DATABASE_URL is set, else the embedded SQLite file
// under the data directory.
func openStore(ctx context.Context, cfg Config, log *slog.Logger) (store.Store, error) {
	if cfg.DatabaseURL != "" {
		db, err := postgres.Open(ctx, cfg.DatabaseURL)
		if err != nil {
			return nil, fmt.Errorf("open PostgreSQL at %s (FARO_DATABASE_URL): %w", redactURL(cfg.DatabaseURL), err)
		}
		log.Info("store", "backend", "postgres", "url", redactURL(cfg.DatabaseURL))
		return db, nil
	}
	path := filepath.Join(cfg.DataDir, "faro.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("open embedded database %s (FARO_DATA_DIR): %w", path, err)
	}
	log.Info("store", "backend", "sqlite", "path", path)
	return db, nil
}

func runMigrate(ctx context.Context, env *environment, args []string) error {
	fs, cfgPath := newFlagSet(env, "migrate")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := LoadConfig(*cfgPath, env.getenv)
	if err != nil {
		return err
	}
	// Not through openStore: opening a store migrates it, which would leave
	// nothing to report.
	var applied []string
	if cfg.DatabaseURL != "" {
		if applied, err = postgres.Migrate(ctx, cfg.DatabaseURL); err != nil {
			return fmt.Errorf("migrate PostgreSQL at %s (FARO_DATABASE_URL): %w", redactURL(cfg.DatabaseURL), err)
		}
	} else {
		path := filepath.Join(cfg.DataDir, "faro.db")
		if applied, err = sqlite.Migrate(ctx, path); err != nil {
			return fmt.Errorf("migrate embedded database %s (FARO_DATA_DIR): %w", path, err)
		}
	}
	if channelsOn(cfg) {
		// The messaging channels' job tables (River's), where serve
		// would make them.
		m := &Main{Config: cfg, Log: slog.New(slog.DiscardHandler)}
		jobs, closeJobs, err := m.openJobs(ctx)
		if err != nil {
			return err
		}
		river, err := relay.Migrate(ctx, jobs)
		closeJobs()
		if err != nil {
			return fmt.Errorf("migrate the channels' jobs: %w", err)
		}
		applied = append(applied, river...)
	}
	if len(applied) == 0 {
		fmt.Fprintln(env.stdout, "schema is up to date")
		return nil
	}
	fmt.Fprintf(env.stdout, "applied migrations: %s\n", strings.Join(applied, ", "))
	return nil
}
