package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
)

// Migration 00011 (waiting lists) goes down and up again on a database
// with a waiting list: down, its enrolments leave the list (the code
// before it would count them as seats); up, the list works again.
func TestMigrationWaitlistDownAndUp(t *testing.T) {
	ctx := t.Context()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "faro.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	_, err = db.PutCourse(ctx, store.Course{Slug: "one", Seats: 1})
	require.NoError(t, err)
	seat, _, err := db.Enroll(ctx, store.EnrollRequest{CourseSlug: "one", Email: "a@example.com"})
	require.NoError(t, err)
	waiting, _, err := db.Enroll(ctx, store.EnrollRequest{CourseSlug: "one", Email: "b@example.com", Waitlist: true})
	require.NoError(t, err)
	require.Equal(t, store.EnrollmentWaitlisted, waiting.Status)

	p, err := db.migrator()
	require.NoError(t, err)
	down, err := p.Down(ctx)
	require.NoError(t, err, "migrate 00011 down")
	require.Equal(t, "00011_waitlist.sql", down.Source.Path, "00011 is the newest migration")
	var indexes int
	require.NoError(t, db.sql.QueryRowContext(ctx,
		`SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'enrollments_waitlist'`).Scan(&indexes))
	require.Zero(t, indexes, "down drops the index")
	got, err := db.Enrollment(ctx, waiting.ID)
	require.NoError(t, err)
	require.Equal(t, store.EnrollmentCancelled, got.Status, "down takes waitlisted enrolments off their lists")
	require.True(t, got.UpdatedAt.After(waiting.UpdatedAt), "and says when")
	got, err = db.Enrollment(ctx, seat.ID)
	require.NoError(t, err)
	require.Equal(t, store.EnrollmentActive, got.Status, "seats are untouched")

	applied, err := db.Migrate(ctx)
	require.NoError(t, err, "migrate 00011 up again")
	require.Equal(t, []string{"00011_waitlist.sql"}, applied)
	again, created, err := db.Enroll(ctx, store.EnrollRequest{CourseSlug: "one", Email: "b@example.com", Waitlist: true})
	require.NoError(t, err)
	require.True(t, created)
	require.Equal(t, 1, again.WaitlistPosition)
}
