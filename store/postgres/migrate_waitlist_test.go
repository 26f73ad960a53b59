package postgres

import (
	"errors"
	"io/fs"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
)

// Migration 00011 (waiting lists) goes down and up again on a database
// with a waiting list: down, its enrolments leave the list (the old CHECK
// refuses them, and the code before it would count them as seats); up,
// the CHECK takes the status again.
func TestMigrationWaitlistDownAndUp(t *testing.T) {
	ctx := testCtx(t)
	db := openDB(t, testURL)
	_, err := db.PutCourse(ctx, store.Course{Slug: "one", Seats: 1})
	require.NoError(t, err)
	seat, _, err := db.Enroll(ctx, store.EnrollRequest{CourseSlug: "one", Email: "a@example.com"})
	require.NoError(t, err)
	waiting, _, err := db.Enroll(ctx, store.EnrollRequest{CourseSlug: "one", Email: "b@example.com", Waitlist: true})
	require.NoError(t, err)
	require.Equal(t, store.EnrollmentWaitlisted, waiting.Status)

	// Whatever happens below, later tests get the whole schema back.
	t.Cleanup(func() { _, _ = Migrate(ctx, testURL) })
	sqlDB := stdlib.OpenDBFromPool(db.pool)
	defer sqlDB.Close()
	fsys, err := fs.Sub(migrations, "migrations")
	require.NoError(t, err)
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, fsys)
	require.NoError(t, err)
	down, err := p.Down(ctx)
	require.NoError(t, err, "migrate 00011 down")
	require.Equal(t, "00011_waitlist.sql", down.Source.Path, "00011 is the newest migration")

	got, err := db.Enrollment(ctx, waiting.ID)
	require.NoError(t, err)
	require.Equal(t, store.EnrollmentCancelled, got.Status, "down takes waitlisted enrolments off their lists")
	require.True(t, got.UpdatedAt.After(waiting.UpdatedAt), "and says when")
	got, err = db.Enrollment(ctx, seat.ID)
	require.NoError(t, err)
	require.Equal(t, store.EnrollmentActive, got.Status, "seats are untouched")
	_, err = db.pool.Exec(ctx, `UPDATE enrollments SET status = 'waitlisted' WHERE id = $1`, waiting.ID)
	var pgErr *pgconn.PgError
	require.True(t, errors.As(err, &pgErr) && pgErr.Code == "23514", "the old CHECK refuses waitlisted: %v", err)

	applied, err := db.Migrate(ctx)
	require.NoError(t, err, "migrate 00011 up again")
	require.Equal(t, []string{"00011_waitlist.sql"}, applied)
	again, created, err := db.Enroll(ctx, store.EnrollRequest{CourseSlug: "one", Email: "b@example.com", Waitlist: true})
	require.NoError(t, err)
	require.True(t, created)
	require.Equal(t, 1, again.WaitlistPosition)
	_, err = db.pool.Exec(ctx, `UPDATE enrollments SET status = 'soon' WHERE id = $1`, again.ID)
	require.True(t, errors.As(err, &pgErr) && pgErr.Code == "23514", "the new CHECK still refuses an unknown status: %v", err)
}
