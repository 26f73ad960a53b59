package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store/postgres"
	"github.com/faroai/faro/store/postgres/pgtest"
)

// TestAPIsOnPostgres runs the admin and business API tests on PostgreSQL
// (PGlite from node_modules, or FARO_TEST_DATABASE_URL). It fails, never
// skips, when no PostgreSQL can be had.
func TestAPIsOnPostgres(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	url, stop, err := pgtest.Start(ctx)
	require.NoError(t, err, "PostgreSQL for the server's tests (PGlite from node_modules, or %s)", pgtest.EnvURL)
	t.Cleanup(stop)
	for _, tc := range []struct {
		name string
		run  func(*testing.T, *postgres.DB)
	}{
		{"admin", func(t *testing.T, db *postgres.DB) { adminAPI(t, db) }},
		{"business", func(t *testing.T, db *postgres.DB) { businessAPI(t, db) }},
		{"kpis", func(t *testing.T, db *postgres.DB) { kpisAPI(t, db) }},
		{"nul", func(t *testing.T, db *postgres.DB) { nulAPI(t, db) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, pgtest.Reset(t.Context(), url))
			db, err := postgres.Open(t.Context(), url)
			require.NoError(t, err)
			t.Cleanup(func() { _ = db.Close() })
			tc.run(t, db)
		})
	}
}
