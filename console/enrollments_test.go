package console_test

import (
	"net/http"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/sqlite"
)

// A place on a waiting list shows as waitlisted with its position, on the
// enrolments page (filtered by status too) and on the conversation of its
// contact, and offers no payment to confirm.
func TestEnrollmentsShowWaitlist(t *testing.T) {
	t.Parallel()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "faro.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	b := setup(t, st)
	ctx := t.Context()
	_, err = st.PutCourse(ctx, store.Course{Slug: "tiny", Seats: 1, Price: store.Money{Amount: 99, Currency: "USD"}})
	require.NoError(t, err)
	seat, _, err := st.Enroll(ctx, store.EnrollRequest{CourseSlug: "tiny", Email: "seat@example.com"})
	require.NoError(t, err)
	wait, _, err := st.Enroll(ctx, store.EnrollRequest{CourseSlug: "tiny", ContactID: b.conv.ContactID,
		Email: "lucia@example.com", Waitlist: true})
	require.NoError(t, err)
	require.Equal(t, store.EnrollmentWaitlisted, wait.Status)

	staff := b.signIn(t, staffEmail)
	status, body, _ := staff.get("/console/enrollments")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "<td>waitlisted #1</td>")
	require.Contains(t, body, "/api/v1/enrollments/"+seat.ID+"/confirm-payment", "the seat waits for its payment")
	require.NotContains(t, body, "/api/v1/enrollments/"+wait.ID+"/confirm-payment", "a place on the list has nothing to pay")
	status, body, _ = staff.get("/console/enrollments?status=waitlisted")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "lucia@example.com")
	require.NotContains(t, body, "seat@example.com")
	status, body, _ = staff.get("/console/conversations/" + b.conv.ID)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "tiny · waitlisted #1")
}
