package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/sqlite"
)

func TestOpenMigratesOnceAndReopens(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "nested", "dir", "faro.db")
	db, err := sqlite.Open(ctx, path)
	require.NoError(t, err, "Open creates the parent directories")
	applied, err := db.Migrate(ctx)
	require.NoError(t, err)
	require.Empty(t, applied, "Open already applied every migration")
	v, err := db.SchemaVersion(ctx)
	require.NoError(t, err)
	require.Positive(t, v)

	c, err := db.CreateContact(ctx, store.Contact{Name: "Ana"})
	require.NoError(t, err)
	require.NoError(t, db.Close())
	require.NoError(t, db.Close(), "Close twice")

	db, err = sqlite.Open(ctx, path)
	require.NoError(t, err, "reopen an existing database")
	defer db.Close()
	got, err := db.Contact(ctx, c.ID)
	require.NoError(t, err)
	require.Equal(t, c.Name, got.Name)
	require.Equal(t, store.RoleProspect, got.Role, "an empty role is stored as prospect")
}

func TestOpenMemory(t *testing.T) {
	ctx := t.Context()
	db, err := sqlite.Open(ctx, ":memory:")
	require.NoError(t, err)
	defer db.Close()
	c, err := db.CreateContact(ctx, store.Contact{Name: "Ana"})
	require.NoError(t, err)
	_, err = db.Contact(ctx, c.ID)
	require.NoError(t, err, "every call sees the one in-memory database")
}

func TestOpenRejectsBadPaths(t *testing.T) {
	for _, p := range []string{"", "data/faro.db?mode=ro"} {
		_, err := sqlite.Open(context.Background(), p)
		require.ErrorIs(t, err, store.ErrInvalid, "path %q", p)
	}
}

// TestOpenConcurrently opens one new file from several goroutines at once,
// as servers started together would: each must end with a migrated store.
func TestOpenConcurrently(t *testing.T) {
	path := filepath.Join(t.TempDir(), "faro.db")
	errs := make(chan error, 4)
	for range cap(errs) {
		go func() {
			db, err := sqlite.Open(t.Context(), path)
			if err == nil {
				_, err = db.KnowledgeIndex(t.Context())
				err = errors.Join(err, db.Close())
			}
			errs <- err
		}()
	}
	for range cap(errs) {
		require.NoError(t, <-errs)
	}
}

// A database migrated before a lower-numbered migration was merged (it
// has 00005, not 00004) opens, and gets the missing one.
func TestOpenAppliesAMigrationMergedOutOfOrder(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "faro.db")
	db, err := sqlite.Open(ctx, path)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	raw, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	for _, q := range []string{
		`DROP INDEX messages_created`,
		`DROP TABLE subscriptions`,
		`DELETE FROM goose_db_version WHERE version_id = 4`,
	} {
		_, err := raw.ExecContext(ctx, q)
		require.NoError(t, err, q)
	}
	require.NoError(t, raw.Close())

	db, err = sqlite.Open(ctx, path)
	require.NoError(t, err, "a missing lower migration is applied, not refused")
	defer db.Close()
	_, err = db.ListSubscriptions(ctx, 0, 0)
	require.NoError(t, err, "00004's table exists now")
}

// Migrate without Open names what it applied to a fresh file, and nothing
// the second time.
func TestMigrateReportsWhatItApplied(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "new", "faro.db")
	applied, err := sqlite.Migrate(ctx, path)
	require.NoError(t, err)
	require.NotEmpty(t, applied)
	require.Equal(t, "00001_init.sql", applied[0])
	applied, err = sqlite.Migrate(ctx, path)
	require.NoError(t, err)
	require.Empty(t, applied)

	db, err := sqlite.Open(ctx, path)
	require.NoError(t, err)
	defer db.Close()
	_, err = db.CreateContact(ctx, store.Contact{Name: "Ana"})
	require.NoError(t, err)
}
