package tools_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
	"github.com/faroai/faro/tools"
)

func TestEnrollOnlyOwnEmail(t *testing.T) {
	t.Parallel()
	testEnrollOnlyOwnEmail(t, setupBiz(t, newSQLite(t)))
}

// testEnrollOnlyOwnEmail: someone who is not staff enrols only with their
// own email; another person's is refused without a word about them, and
// nothing is written.
func testEnrollOnlyOwnEmail(t *testing.T, b *bizBundle) {
	ctx := t.Context()
	// Bob: a seat pending payment and a completed course.
	bob := b.person(t, store.RoleStudent, "Bob", "bob@example.com", "en")
	o := b.call(t, bob, "enroll_course", `{"course":"prompt-engineering"}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	bobPaid := o.Result.(tools.EnrollCourseResult)
	require.NotEmpty(t, bobPaid.PaymentLink)
	o = b.call(t, bob, "enroll_course", `{"course":"fundamentos-ia"}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	bobDone, err := b.st.SetProgress(ctx, o.Result.(tools.EnrollCourseResult).EnrollmentID, 100)
	require.NoError(t, err)
	require.Equal(t, store.EnrollmentCompleted, bobDone.Status)
	// Carla has no contact: staff enrolled her by email.
	staff := b.person(t, store.RoleStaff, "Sara", "sara@brujula.example", "es")
	o = b.call(t, staff, "enroll_course", `{"course":"ia-marketing","email":"carla@example.com","name":"Carla"}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	carla := o.Result.(tools.EnrollCourseResult)
	require.False(t, carla.AlreadyEnrolled)
	require.Equal(t, store.EnrollmentPendingPayment, carla.Status, "staff may enrol anyone")
	carlaSeat, err := b.st.Enrollment(ctx, carla.EnrollmentID)
	require.NoError(t, err)
	require.Empty(t, carlaSeat.ContactID, "Carla's seat, not the staff member's")

	all := func() []store.Enrollment {
		t.Helper()
		list, err := b.st.ListEnrollments(ctx, store.EnrollmentFilter{}, 0, 0)
		require.NoError(t, err)
		return list
	}
	before := all()
	refused := func(c tools.Caller, args string, want string) {
		t.Helper()
		o := b.call(t, c, "enroll_course", args)
		require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
		res := o.Result.(tools.EnrollCourseResult)
		require.True(t, res.Refused, "%s: %s", args, res.Message)
		require.Empty(t, res.Status)
		require.Empty(t, res.EnrollmentID)
		require.Empty(t, res.PaymentLink)
		require.Empty(t, res.Email)
		require.False(t, res.AlreadyEnrolled)
		for _, leak := range []string{"pay.example", bobPaid.EnrollmentID, bobDone.ID, carla.EnrollmentID,
			"pending", "pendiente", "completed", "completada", "enrolled in", "inscrito en", "bob@", "carla@"} {
			require.NotContains(t, o.Response.Content, leak, "%s: nothing about the email's owner", args)
		}
		require.Contains(t, res.Message, want)
		require.Equal(t, before, all(), "nothing written")
	}

	// A prospect on the widget without an email asks with Bob's, in any
	// spelling, or with Carla's: refused, and their contact has no email.
	pat := b.person(t, store.RoleProspect, "Pat", "", "en")
	refused(pat, `{"course":"prompt engineering","email":"bob@example.com"}`, "That email belongs to another account")
	refused(pat, `{"course":"fundamentos-ia","email":"BOB@Example.com"}`, "another account")
	refused(pat, `{"course":"ia-marketing","email":"carla@example.com"}`, "another account")
	pat.Language = "es"
	refused(pat, `{"course":"ia-marketing","email":"bob@example.com"}`, "Ese correo pertenece a otra cuenta")
	pat.Language = "pt"
	refused(pat, `{"course":"ia-marketing","email":"bob@example.com"}`, "pertence a outra conta")
	pat.Language = "en"
	got, err := b.st.Contact(ctx, pat.ContactID)
	require.NoError(t, err)
	require.Empty(t, got.Email)
	// A student (and a prospect) whose email we know asks with Bob's.
	sol := b.person(t, store.RoleStudent, "Sol", "sol@example.com", "es")
	refused(sol, `{"course":"prompt-engineering","email":"bob@example.com"}`, "tu propio correo, sol@example.com")
	refused(sol, `{"course":"prompt-engineering","email":"nadie@example.com"}`, "tu propio correo")
	kim := b.person(t, store.RoleProspect, "Kim", "kim@example.com", "en")
	refused(kim, `{"course":"fundamentos-ia","email":"bob@example.com"}`, "your own email")

	// With a new email Pat is enrolled, and it becomes Pat's.
	o = b.call(t, pat, "enroll_course", `{"course":"prompt-engineering","email":"Pat@Example.com"}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	patSeat := o.Result.(tools.EnrollCourseResult)
	require.False(t, patSeat.Refused)
	require.False(t, patSeat.AlreadyEnrolled)
	require.Equal(t, store.EnrollmentPendingPayment, patSeat.Status)
	got, err = b.st.Contact(ctx, pat.ContactID)
	require.NoError(t, err)
	require.Equal(t, "Pat@Example.com", got.Email, "first claim")
	// Asked again, in the same turn (the caller still without an email)
	// or with the email: already enrolled, with Pat's own status and link.
	for _, args := range []string{`{"course":"prompt-engineering"}`, `{"course":"prompt-engineering","email":"pat@example.com"}`} {
		o = b.call(t, pat, "enroll_course", args)
		require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
		again := o.Result.(tools.EnrollCourseResult)
		require.True(t, again.AlreadyEnrolled, args)
		require.Equal(t, patSeat.EnrollmentID, again.EnrollmentID)
		require.Equal(t, patSeat.PaymentLink, again.PaymentLink)
		require.Contains(t, again.Message, "already enrolled")
	}
	// Pat's email is now taken for anyone else.
	before = all()
	lee := b.person(t, store.RoleProspect, "Lee", "", "en")
	refused(lee, `{"course":"fundamentos-ia","email":"pat@example.com"}`, "another account")
	// Once claimed, Pat cannot switch to another email.
	refused(pat, `{"course":"fundamentos-ia","email":"pat2@example.com"}`, "your own email, Pat@Example.com")

	// A student with their own email: enrolled, then already enrolled with
	// their status.
	o = b.call(t, sol, "enroll_course", `{"course":"fundamentos-ia","email":"SOL@example.com"}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	solSeat := o.Result.(tools.EnrollCourseResult)
	require.Equal(t, store.EnrollmentActive, solSeat.Status)
	o = b.call(t, sol, "enroll_course", `{"course":"fundamentos de ia"}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	require.True(t, o.Result.(tools.EnrollCourseResult).AlreadyEnrolled)
	require.Equal(t, solSeat.EnrollmentID, o.Result.(tools.EnrollCourseResult).EnrollmentID)
	require.Contains(t, o.Result.(tools.EnrollCourseResult).Message, "estado: activa")

	// Staff enrol someone else, and ask about Bob's seat: they see it.
	o = b.call(t, staff, "enroll_course", `{"course":"fundamentos-ia","email":"nuevo@example.com","name":"Nuevo"}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	require.Equal(t, store.EnrollmentActive, o.Result.(tools.EnrollCourseResult).Status)
	o = b.call(t, staff, "enroll_course", `{"course":"prompt-engineering","email":"bob@example.com"}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	require.True(t, o.Result.(tools.EnrollCourseResult).AlreadyEnrolled)
	require.Equal(t, bobPaid.EnrollmentID, o.Result.(tools.EnrollCourseResult).EnrollmentID)

	// Two visitors claiming one new email at once: one gets it.
	racers := []tools.Caller{b.person(t, store.RoleProspect, "R1", "", "en"), b.person(t, store.RoleProspect, "R2", "", "en")}
	outs := make([]tools.Outcome, len(racers))
	var wg sync.WaitGroup
	for i, c := range racers {
		wg.Go(func() {
			outs[i] = b.reg.Call(ctx, c, call("enroll_course", `{"course":"fundamentos-ia","email":"race@example.com"}`))
		})
	}
	wg.Wait()
	won := 0
	for _, o := range outs {
		require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
		if !o.Result.(tools.EnrollCourseResult).Refused {
			won++
		}
	}
	require.Equal(t, 1, won, "one claim wins")
	ens, err := b.st.EnrollmentsByEmail(ctx, "race@example.com")
	require.NoError(t, err)
	require.Len(t, ens, 1)

	// my_enrollments and ticket_status show nobody else's data.
	o = b.call(t, bob, "open_ticket", `{"subject":"My invoice is wrong","description":"The amount is not right"}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	bobTicket := o.Result.(tools.OpenTicketResult).Number
	patStudent := pat
	patStudent.Role, patStudent.Email = store.RoleStudent, "Pat@Example.com"
	o = b.call(t, patStudent, "my_enrollments", `{}`)
	require.Equal(t, tools.StatusOK, o.Status, "err: %v", o.Err)
	mine := o.Result.(tools.MyEnrollmentsResult)
	require.Len(t, mine.Enrollments, 1)
	require.NotContains(t, o.Response.Content, bobPaid.EnrollmentID)
	require.NotContains(t, o.Response.Content, carla.EnrollmentID)
	for _, c := range []tools.Caller{pat, lee, sol} {
		o = b.call(t, c, "ticket_status", `{"number":"`+bobTicket+`"}`)
		require.Equal(t, tools.StatusError, o.Status)
		require.Equal(t, tools.CodeNotFound, readError(t, o).Error)
		require.False(t, strings.Contains(o.Response.Content, "bob@"))
	}
}
