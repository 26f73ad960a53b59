package tools_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store/postgres"
	"github.com/faroai/faro/store/postgres/pgtest"
)

// TestBusinessToolsPostgres runs the tools whose correctness depends on the
// database — seats under concurrent enrolments, one lead per email, ticket
// de-duplication — on PostgreSQL (PGlite, or FARO_TEST_DATABASE_URL). It
// fails rather than skips when no PostgreSQL can be started: the backend
// must be tested.
func TestBusinessToolsPostgres(t *testing.T) {
	url, stop, err := pgtest.Start(t.Context())
	require.NoError(t, err)
	t.Cleanup(stop)
	db, err := postgres.Open(t.Context(), url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })

	// One after the other: PGlite is one backend session.
	t.Run("seats", func(t *testing.T) { testEnrollSeatsConcurrently(t, db, "carrera-postgres") })
	t.Run("lead", func(t *testing.T) { testQualifyLead(t, setupBiz(t, db)) })
	t.Run("own email", func(t *testing.T) { testEnrollOnlyOwnEmail(t, setupBiz(t, db)) })
	t.Run("tickets", func(t *testing.T) { testOpenTicketAndStatus(t, setupBiz(t, db)) })
}
