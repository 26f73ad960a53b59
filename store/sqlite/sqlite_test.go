package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/sqlite"
	"github.com/faroai/faro/store/storetest"
)

// openTest opens a fresh database in t's temporary directory, closed when
// t ends (Close is idempotent, so a test may close it first).
func openTest(t testing.TB) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "data", "faro.db"))
	require.NoError(t, err, "Open")
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTest(t) })
}
