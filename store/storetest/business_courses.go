package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
)

// demoCourse is a course of the shape of the demo catalogue.
func demoCourse(slug string, seats int, price float64) store.Course {
	c := store.Course{
		Slug:          slug,
		Title:         store.Localized{ES: "Curso " + slug, EN: "Course " + slug},
		Description:   store.Localized{ES: "Descripción de " + slug, EN: "About " + slug},
		Language:      "es",
		Topics:        []string{"ia-generativa", "Prompts"},
		Level:         "beginner",
		Price:         store.Money{Amount: price, Currency: "USD"},
		Seats:         seats,
		Start:         time.Date(2027, 2, 8, 0, 0, 0, 0, time.UTC),
		DurationWeeks: 6,
		Status:        store.CourseOpen,
		Source:        "es/cursos/" + slug + ".md",
	}
	if price == 0 {
		c.Price.Currency = ""
	}
	return c
}

func (b *testBundle) putCourse(t *testing.T, c store.Course) store.Course {
	t.Helper()
	out, err := b.store.PutCourse(b.ctx, c)
	require.NoError(t, err, "PutCourse %q", c.Slug)
	return out
}

func exerciseCourses(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("RoundTrip", func(t *testing.T) {
		b := setup(t, open)
		ctx, s := b.ctx, b.store
		in := demoCourse("ia-marketing", 60, 249)
		// A start given at another hour and zone is kept as its UTC date.
		in.Start = time.Date(2027, 2, 8, 10, 30, 0, 0, time.FixedZone("CLT", -3*3600))
		before := time.Now()
		c, err := s.PutCourse(ctx, in)
		after := time.Now()
		require.NoError(t, err, "PutCourse")
		requireStoreTime(t, c.CreatedAt, before, after, "PutCourse: CreatedAt")
		want := in
		want.Start = time.Date(2027, 2, 8, 0, 0, 0, 0, time.UTC)
		want.CreatedAt, want.UpdatedAt = c.CreatedAt, c.UpdatedAt
		requireSameCourse(t, want, c, "PutCourse returns what it stored")
		got, err := s.Course(ctx, "ia-marketing")
		require.NoError(t, err, "Course")
		requireSameCourse(t, c, got, "Course returns what PutCourse returned")

		// Replace: every field, CreatedAt kept.
		in2 := demoCourse("ia-marketing", 80, 199)
		in2.Title.EN, in2.Status, in2.Topics, in2.Start = "AI for Marketing", store.CourseFull, nil, time.Time{}
		c2, err := s.PutCourse(ctx, in2)
		require.NoError(t, err, "PutCourse again")
		requireSameTime(t, c.CreatedAt, c2.CreatedAt, "a replace keeps CreatedAt")
		require.Equal(t, "AI for Marketing", c2.Title.EN)
		require.Equal(t, 80, c2.Seats)
		require.Equal(t, store.CourseFull, c2.Status)
		require.Empty(t, c2.Topics)
		require.True(t, c2.Start.IsZero(), "a zero start stays unscheduled")
		got, err = s.Course(ctx, "ia-marketing")
		require.NoError(t, err)
		requireSameCourse(t, c2, got, "Course after a replace")

		_, err = s.Course(ctx, "no-such-course")
		requireErrorIs(t, err, store.ErrNotFound, "Course of an unknown slug")
		_, err = s.SeatsTaken(ctx, "no-such-course")
		requireErrorIs(t, err, store.ErrNotFound, "SeatsTaken of an unknown slug")
		n, err := s.SeatsTaken(ctx, "ia-marketing")
		require.NoError(t, err)
		require.Zero(t, n)
	})

	t.Run("Invalid", func(t *testing.T) {
		b := setup(t, open)
		for name, edit := range map[string]func(*store.Course){
			"no slug":             func(c *store.Course) { c.Slug = "" },
			"a slug with a space": func(c *store.Course) { c.Slug = "ia marketing" },
			"unknown status":      func(c *store.Course) { c.Status = "soon" },
			"no seats":            func(c *store.Course) { c.Seats = 0 },
			"negative price":      func(c *store.Course) { c.Price.Amount = -1 },
			"price w/o currency":  func(c *store.Course) { c.Price.Currency = "" },
		} {
			c := demoCourse("x", 10, 100)
			edit(&c)
			_, err := b.store.PutCourse(b.ctx, c)
			requireErrorIs(t, err, store.ErrInvalid, "PutCourse with "+name)
		}
		all, err := b.store.ListCourses(b.ctx, store.CourseFilter{})
		require.NoError(t, err)
		require.Empty(t, all, "refused courses are not stored")
		_, err = b.store.ListCourses(b.ctx, store.CourseFilter{Status: "soon"})
		requireErrorIs(t, err, store.ErrInvalid, "ListCourses with an unknown status")
	})

	t.Run("List", func(t *testing.T) {
		b := setup(t, open)
		a := demoCourse("b-later", 10, 0)
		a.Start = time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
		c := demoCourse("a-unscheduled", 10, 0)
		c.Start = time.Time{}
		d := demoCourse("c-first", 10, 100)
		d.Language, d.Topics, d.Status = "en", []string{"marketing"}, store.CourseClosed
		for _, x := range []store.Course{a, c, d} {
			b.putCourse(t, x)
		}
		slugs := func(f store.CourseFilter) []string {
			t.Helper()
			cs, err := b.store.ListCourses(b.ctx, f)
			require.NoError(t, err, "ListCourses %+v", f)
			out := []string{}
			for _, c := range cs {
				out = append(out, c.Slug)
			}
			return out
		}
		require.Equal(t, []string{"c-first", "b-later", "a-unscheduled"}, slugs(store.CourseFilter{}), "by start date, unscheduled last")
		require.Equal(t, []string{"c-first"}, slugs(store.CourseFilter{Language: "en"}))
		require.Equal(t, []string{"b-later", "a-unscheduled"}, slugs(store.CourseFilter{Topic: "PROMPTS"}), "topics compare case-insensitively")
		require.Equal(t, []string{"c-first"}, slugs(store.CourseFilter{Status: store.CourseClosed}))
		require.Empty(t, slugs(store.CourseFilter{Topic: "cooking"}))
	})
}

func exerciseEnrollments(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("Idempotent", func(t *testing.T) {
		b := setup(t, open)
		ctx, s := b.ctx, b.store
		b.putCourse(t, demoCourse("free", 10, 0))
		b.putCourse(t, demoCourse("paid", 10, 249))

		before := time.Now()
		e, created, err := s.Enroll(ctx, store.EnrollRequest{CourseSlug: "free", ContactID: "c1", Email: " Ana@Example.com", Name: "Ana"})
		after := time.Now()
		require.NoError(t, err, "Enroll")
		require.True(t, created)
		require.NotEmpty(t, e.ID)
		require.Equal(t, store.EnrollmentActive, e.Status, "a free course is active at once")
		require.Equal(t, "Ana@Example.com", e.Email)
		require.Equal(t, "c1", e.ContactID)
		require.Equal(t, "free", e.CourseSlug)
		require.Zero(t, e.Progress)
		requireStoreTime(t, e.CreatedAt, before, after, "Enroll: CreatedAt")

		again, created, err := s.Enroll(ctx, store.EnrollRequest{CourseSlug: "free", Email: "ana@EXAMPLE.com", Name: "Ana P."})
		require.NoError(t, err, "Enroll again")
		require.False(t, created, "the same email again is the same enrolment")
		requireSameEnrollment(t, e, again, "Enroll again returns the stored enrolment")
		n, err := s.SeatsTaken(ctx, "free")
		require.NoError(t, err)
		require.Equal(t, 1, n, "one seat for one person")

		p, created, err := s.Enroll(ctx, store.EnrollRequest{CourseSlug: "paid", ContactID: "c1", Email: "ana@example.com"})
		require.NoError(t, err)
		require.True(t, created)
		require.Equal(t, store.EnrollmentPendingPayment, p.Status, "a paid course waits for payment")
		n, err = s.SeatsTaken(ctx, "paid")
		require.NoError(t, err)
		require.Equal(t, 1, n, "a pending enrolment holds its seat")

		// Reads.
		got, err := s.Enrollment(ctx, p.ID)
		require.NoError(t, err)
		requireSameEnrollment(t, p, got, "Enrollment")
		byContact, err := s.EnrollmentsByContact(ctx, "c1")
		require.NoError(t, err)
		require.Equal(t, []string{p.ID, e.ID}, enrollmentIDs(byContact), "EnrollmentsByContact, newest first")
		byEmail, err := s.EnrollmentsByEmail(ctx, "ANA@example.com ")
		require.NoError(t, err)
		require.Equal(t, []string{p.ID, e.ID}, enrollmentIDs(byEmail), "EnrollmentsByEmail, case-insensitive")
		none, err := s.EnrollmentsByContact(ctx, "nobody")
		require.NoError(t, err)
		require.Empty(t, none)
		list, err := s.ListEnrollments(ctx, store.EnrollmentFilter{Status: store.EnrollmentPendingPayment}, 0, 0)
		require.NoError(t, err)
		require.Equal(t, []string{p.ID}, enrollmentIDs(list))
		list, err = s.ListEnrollments(ctx, store.EnrollmentFilter{CourseSlug: "free"}, 0, 0)
		require.NoError(t, err)
		require.Equal(t, []string{e.ID}, enrollmentIDs(list))
		list, err = s.ListEnrollments(ctx, store.EnrollmentFilter{}, 1, 1)
		require.NoError(t, err)
		require.Equal(t, []string{e.ID}, enrollmentIDs(list), "ListEnrollments paginates")
		_, err = s.ListEnrollments(ctx, store.EnrollmentFilter{}, 0, -1)
		requireErrorIs(t, err, store.ErrInvalid, "ListEnrollments with a negative limit")

		// Payment.
		_, err = s.ConfirmPayment(ctx, p.ID, "")
		requireErrorIs(t, err, store.ErrInvalid, "ConfirmPayment without a reference")
		paid, err := s.ConfirmPayment(ctx, p.ID, "pay_123")
		require.NoError(t, err, "ConfirmPayment")
		require.Equal(t, store.EnrollmentActive, paid.Status)
		require.Equal(t, "pay_123", paid.PaymentRef)
		same, err := s.ConfirmPayment(ctx, p.ID, "pay_123")
		require.NoError(t, err, "ConfirmPayment again with the same reference (a retried webhook)")
		requireSameEnrollment(t, paid, same, "a repeated confirmation changes nothing")
		_, err = s.ConfirmPayment(ctx, p.ID, "pay_999")
		requireErrorIs(t, err, store.ErrConflict, "ConfirmPayment with another reference")
		_, err = s.ConfirmPayment(ctx, "no-such-enrolment", "pay_1")
		requireErrorIs(t, err, store.ErrNotFound, "ConfirmPayment of an unknown enrolment")

		// Progress.
		_, err = s.SetProgress(ctx, p.ID, 101)
		requireErrorIs(t, err, store.ErrInvalid, "SetProgress above 100")
		half, err := s.SetProgress(ctx, p.ID, 50)
		require.NoError(t, err)
		require.Equal(t, 50, half.Progress)
		require.Equal(t, store.EnrollmentActive, half.Status)
		done, err := s.SetProgress(ctx, p.ID, 100)
		require.NoError(t, err)
		require.Equal(t, store.EnrollmentCompleted, done.Status, "100% completes the course")
		_, err = s.SetProgress(ctx, p.ID, 10)
		requireErrorIs(t, err, store.ErrConflict, "SetProgress of a completed enrolment")
		_, err = s.CancelEnrollment(ctx, p.ID)
		requireErrorIs(t, err, store.ErrConflict, "CancelEnrollment of a completed enrolment")
		_, err = s.SetProgress(ctx, "no-such-enrolment", 10)
		requireErrorIs(t, err, store.ErrNotFound, "SetProgress of an unknown enrolment")
		got, err = s.Enrollment(ctx, p.ID)
		require.NoError(t, err)
		requireSameEnrollment(t, done, got, "refused calls change nothing")

		// Cancelling frees the seat, and the person may enrol anew.
		pending, _, err := s.Enroll(ctx, store.EnrollRequest{CourseSlug: "paid", Email: "luis@example.com"})
		require.NoError(t, err)
		_, err = s.SetProgress(ctx, pending.ID, 10)
		requireErrorIs(t, err, store.ErrConflict, "SetProgress of an unpaid enrolment")
		c, err := s.CancelEnrollment(ctx, pending.ID)
		require.NoError(t, err)
		require.Equal(t, store.EnrollmentCancelled, c.Status)
		c2, err := s.CancelEnrollment(ctx, pending.ID)
		require.NoError(t, err, "cancelling twice")
		require.Equal(t, store.EnrollmentCancelled, c2.Status)
		_, err = s.ConfirmPayment(ctx, pending.ID, "pay_2")
		requireErrorIs(t, err, store.ErrConflict, "ConfirmPayment of a cancelled enrolment")
		n, err = s.SeatsTaken(ctx, "paid")
		require.NoError(t, err)
		require.Equal(t, 1, n, "a cancelled enrolment holds no seat")
		anew, created, err := s.Enroll(ctx, store.EnrollRequest{CourseSlug: "paid", Email: "luis@example.com"})
		require.NoError(t, err)
		require.True(t, created, "after cancelling, enrolling again is a new enrolment")
		require.NotEqual(t, pending.ID, anew.ID)
	})

	t.Run("Refusals", func(t *testing.T) {
		b := setup(t, open)
		ctx, s := b.ctx, b.store
		b.putCourse(t, demoCourse("two-seats", 2, 0))
		closed := demoCourse("closed", 10, 0)
		closed.Status = store.CourseClosed
		b.putCourse(t, closed)
		full := demoCourse("marked-full", 10, 0)
		full.Status = store.CourseFull
		b.putCourse(t, full)

		_, _, err := s.Enroll(ctx, store.EnrollRequest{CourseSlug: "no-such-course", Email: "a@example.com"})
		requireErrorIs(t, err, store.ErrNotFound, "Enroll in an unknown course")
		_, _, err = s.Enroll(ctx, store.EnrollRequest{CourseSlug: "two-seats"})
		requireErrorIs(t, err, store.ErrInvalid, "Enroll without an email")
		_, _, err = s.Enroll(ctx, store.EnrollRequest{Email: "a@example.com"})
		requireErrorIs(t, err, store.ErrInvalid, "Enroll without a course")
		_, _, err = s.Enroll(ctx, store.EnrollRequest{CourseSlug: "closed", Email: "a@example.com"})
		requireErrorIs(t, err, store.ErrClosed, "Enroll in a closed course")
		_, _, err = s.Enroll(ctx, store.EnrollRequest{CourseSlug: "marked-full", Email: "a@example.com"})
		requireErrorIs(t, err, store.ErrFull, "Enroll in a course marked full")

		first, _, err := s.Enroll(ctx, store.EnrollRequest{CourseSlug: "two-seats", Email: "a@example.com"})
		require.NoError(t, err)
		_, _, err = s.Enroll(ctx, store.EnrollRequest{CourseSlug: "two-seats", Email: "b@example.com"})
		require.NoError(t, err)
		_, _, err = s.Enroll(ctx, store.EnrollRequest{CourseSlug: "two-seats", Email: "c@example.com"})
		requireErrorIs(t, err, store.ErrFull, "Enroll when every seat is taken")
		require.False(t, errors.Is(err, store.ErrClosed), "full is not closed")

		// Someone already enrolled is answered with their enrolment, full
		// or closed as the course may be now.
		again, created, err := s.Enroll(ctx, store.EnrollRequest{CourseSlug: "two-seats", Email: "A@example.com"})
		require.NoError(t, err, "Enroll again in a full course by someone enrolled")
		require.False(t, created)
		require.Equal(t, first.ID, again.ID)
		closing := demoCourse("two-seats", 2, 0)
		closing.Status = store.CourseClosed
		b.putCourse(t, closing)
		again, created, err = s.Enroll(ctx, store.EnrollRequest{CourseSlug: "two-seats", Email: "a@example.com"})
		require.NoError(t, err, "Enroll again in a closed course by someone enrolled")
		require.False(t, created)
		require.Equal(t, first.ID, again.ID)
		n, err := s.SeatsTaken(ctx, "two-seats")
		require.NoError(t, err)
		require.Equal(t, 2, n)
		c, err := s.Course(ctx, "two-seats")
		require.NoError(t, err)
		require.Equal(t, 2, c.SeatsTaken, "Course counts the seats taken")
	})

	// A course whose seats are all taken reads as full, in Course and in
	// ListCourses (filtered by the shown status), and its seats cannot be
	// set below those taken.
	// CompleteEnrollment: active → completed (progress 100), once; a
	// pending or cancelled enrolment is a conflict; the change is read back.
	t.Run("Complete", func(t *testing.T) {
		b := setup(t, open)
		ctx, s := b.ctx, b.store
		b.putCourse(t, demoCourse("free", 10, 0))
		b.putCourse(t, demoCourse("paid", 10, 99))
		e, _, err := s.Enroll(ctx, store.EnrollRequest{CourseSlug: "free", Email: "ana@example.com"})
		require.NoError(t, err)
		done, err := s.CompleteEnrollment(ctx, e.ID)
		require.NoError(t, err, "CompleteEnrollment of an active enrolment")
		require.Equal(t, store.EnrollmentCompleted, done.Status)
		require.Equal(t, 100, done.Progress)
		again, err := s.CompleteEnrollment(ctx, e.ID)
		require.NoError(t, err, "completing twice")
		requireSameTime(t, done.UpdatedAt, again.UpdatedAt, "completing twice changes nothing")
		got, err := s.Enrollment(ctx, e.ID)
		require.NoError(t, err)
		require.Equal(t, store.EnrollmentCompleted, got.Status)
		byEmail, err := s.EnrollmentsByEmail(ctx, "ANA@example.com")
		require.NoError(t, err)
		require.Len(t, byEmail, 1)
		require.Equal(t, store.EnrollmentCompleted, byEmail[0].Status)

		pending, _, err := s.Enroll(ctx, store.EnrollRequest{CourseSlug: "paid", Email: "bea@example.com"})
		require.NoError(t, err)
		_, err = s.CompleteEnrollment(ctx, pending.ID)
		requireErrorIs(t, err, store.ErrConflict, "CompleteEnrollment of a pending payment")
		_, err = s.CancelEnrollment(ctx, pending.ID)
		require.NoError(t, err)
		_, err = s.CompleteEnrollment(ctx, pending.ID)
		requireErrorIs(t, err, store.ErrConflict, "CompleteEnrollment of a cancelled enrolment")
		_, err = s.CompleteEnrollment(ctx, "no-such-enrolment")
		requireErrorIs(t, err, store.ErrNotFound, "CompleteEnrollment of an unknown id")
	})

	t.Run("FullWhenSeatsTaken", func(t *testing.T) {
		b := setup(t, open)
		ctx, s := b.ctx, b.store
		b.putCourse(t, demoCourse("two", 2, 0))
		for _, email := range []string{"a@example.com", "b@example.com"} {
			_, _, err := s.Enroll(ctx, store.EnrollRequest{CourseSlug: "two", Email: email})
			require.NoError(t, err)
		}
		c, err := s.Course(ctx, "two")
		require.NoError(t, err)
		require.Equal(t, store.CourseFull, c.Status, "every seat taken: full")
		full, err := s.ListCourses(ctx, store.CourseFilter{Status: store.CourseFull})
		require.NoError(t, err)
		require.Len(t, full, 1)
		open, err := s.ListCourses(ctx, store.CourseFilter{Status: store.CourseOpen})
		require.NoError(t, err)
		require.Empty(t, open, "a full course is not listed as open")

		_, err = s.PutCourse(ctx, demoCourse("two", 1, 0))
		requireErrorIs(t, err, store.ErrConflict, "PutCourse with seats below those taken")
		c, err = s.Course(ctx, "two")
		require.NoError(t, err)
		require.Equal(t, 2, c.Seats, "the refused put changed nothing")
		more, err := s.PutCourse(ctx, demoCourse("two", 3, 0))
		require.NoError(t, err, "more seats are fine")
		require.Equal(t, store.CourseOpen, more.Status, "a seat left: open again")
	})

	// On SQLite every write transaction is serialised; on PostgreSQL the
	// course row lock serialises enrolments of one course. On PGlite, which
	// runs one transaction at a time, this passes by construction: it
	// proves seat safety only on SQLite and on a real PostgreSQL server
	// (FARO_TEST_DATABASE_URL).
	t.Run("ConcurrentSeats", func(t *testing.T) {
		b := setup(t, open)
		const seats = 5
		b.putCourse(t, demoCourse("popular", seats, 249))
		b.putCourse(t, demoCourse("other", seats, 0))
		var (
			wg                sync.WaitGroup
			mu                sync.Mutex
			ok, full, otherOK int
			unexpected        []error
		)
		for i := range 3 * seats {
			wg.Add(2)
			go func() {
				defer wg.Done()
				_, created, err := b.store.Enroll(b.ctx, store.EnrollRequest{CourseSlug: "popular", Email: fmt.Sprintf("p%d@example.com", i)})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil && created:
					ok++
				case errors.Is(err, store.ErrFull):
					full++
				default:
					unexpected = append(unexpected, fmt.Errorf("created=%v: %w", created, err))
				}
			}()
			// Enrolments of another course at the same time must not
			// be refused or take seats of this one.
			go func() {
				defer wg.Done()
				_, _, err := b.store.Enroll(b.ctx, store.EnrollRequest{CourseSlug: "other", Email: fmt.Sprintf("o%d@example.com", i%seats)})
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					unexpected = append(unexpected, err)
					return
				}
				otherOK++
			}()
		}
		wg.Wait()
		require.Empty(t, unexpected, "every concurrent enrolment succeeds or is ErrFull")
		require.Equal(t, seats, ok, "exactly as many enrolments as seats succeed")
		require.Equal(t, 2*seats, full, "every other one is ErrFull")
		require.Equal(t, 3*seats, otherOK, "the other course: new or repeated enrolments, never refused")
		n, err := b.store.SeatsTaken(b.ctx, "popular")
		require.NoError(t, err)
		require.Equal(t, seats, n, "no seat oversold")
		n, err = b.store.SeatsTaken(b.ctx, "other")
		require.NoError(t, err)
		require.Equal(t, seats, n, "repeats of one email take one seat")
	})
}

func enrollmentIDs(es []store.Enrollment) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

// requireSameEnrollment compares two enrolments, timestamps as instants.
func requireSameEnrollment(t *testing.T, want, got store.Enrollment, what string) {
	t.Helper()
	requireSameTime(t, want.CreatedAt, got.CreatedAt, what+": CreatedAt")
	requireSameTime(t, want.UpdatedAt, got.UpdatedAt, what+": UpdatedAt")
	want.CreatedAt, want.UpdatedAt, got.CreatedAt, got.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	require.Equal(t, want, got, what)
}

// requireSameCourse compares two courses, timestamps as instants and
// topics with nil and empty alike.
func requireSameCourse(t *testing.T, want, got store.Course, what string) {
	t.Helper()
	requireSameTime(t, want.CreatedAt, got.CreatedAt, what+": CreatedAt")
	requireSameTime(t, want.UpdatedAt, got.UpdatedAt, what+": UpdatedAt")
	require.True(t, want.Start.Equal(got.Start), "%s: Start: want %v, got %v", what, want.Start, got.Start)
	want.CreatedAt, want.UpdatedAt, got.CreatedAt, got.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	want.Start, got.Start = time.Time{}, time.Time{}
	if len(want.Topics) == 0 {
		want.Topics = nil
	}
	if len(got.Topics) == 0 {
		got.Topics = nil
	}
	require.Equal(t, want, got, what)
}
