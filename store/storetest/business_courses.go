package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
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

	t.Run("Waitlist", func(t *testing.T) { exerciseWaitlist(t, open) })

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

// exerciseWaitlist: a full course's waiting list, its order, and the
// promotions into seats that free, each with its outbox event.
func exerciseWaitlist(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("JoinWhenFull", func(t *testing.T) {
		b := setup(t, open)
		ctx, s := b.ctx, b.store
		b.putCourse(t, demoCourse("two", 2, 249))
		for _, email := range []string{"a@example.com", "b@example.com"} {
			_, _, err := s.Enroll(ctx, store.EnrollRequest{CourseSlug: "two", Email: email, Waitlist: true})
			require.NoError(t, err, "Enroll with Waitlist while seats are left")
		}
		_, _, err := s.Enroll(ctx, store.EnrollRequest{CourseSlug: "two", Email: "c@example.com"})
		requireErrorIs(t, err, store.ErrFull, "Enroll in a full course without Waitlist")

		c, created, err := s.Enroll(ctx, store.EnrollRequest{CourseSlug: "two", ContactID: "cc", Email: " C@example.com", Name: "Carla", Waitlist: true})
		require.NoError(t, err, "Enroll in a full course with Waitlist")
		require.True(t, created)
		require.Equal(t, store.EnrollmentWaitlisted, c.Status)
		require.Equal(t, 1, c.WaitlistPosition, "the first on the list")
		require.Equal(t, "C@example.com", c.Email)
		require.Equal(t, "cc", c.ContactID)
		d, created, err := s.Enroll(ctx, store.EnrollRequest{CourseSlug: "two", Email: "d@example.com", Waitlist: true})
		require.NoError(t, err)
		require.True(t, created)
		require.Equal(t, 2, d.WaitlistPosition, "the second on the list")

		// A waitlisted enrolment holds no seat.
		n, err := s.SeatsTaken(ctx, "two")
		require.NoError(t, err)
		require.Equal(t, 2, n, "waitlisted enrolments take no seat")
		course, err := s.Course(ctx, "two")
		require.NoError(t, err)
		require.Equal(t, 2, course.SeatsTaken)
		require.Equal(t, store.CourseFull, course.Status, "still shown full")
		_, err = s.PutCourse(ctx, demoCourse("two", 2, 249))
		require.NoError(t, err, "seats equal to the seats held are fine, whatever waits")

		// Asking again, with or without Waitlist, is the same place.
		for _, wl := range []bool{true, false} {
			again, created, err := s.Enroll(ctx, store.EnrollRequest{CourseSlug: "two", Email: "c@EXAMPLE.com", Waitlist: wl})
			require.NoError(t, err, "Enroll again by someone waitlisted (Waitlist %v)", wl)
			require.False(t, created)
			requireSameEnrollment(t, c, again, "Enroll again returns the waitlisted enrolment")
		}
		got, err := s.Enrollment(ctx, d.ID)
		require.NoError(t, err)
		requireSameEnrollment(t, d, got, "Enrollment reads the place on the list")
		list, err := s.ListEnrollments(ctx, store.EnrollmentFilter{Status: store.EnrollmentWaitlisted}, 0, 0)
		require.NoError(t, err)
		require.Equal(t, []string{d.ID, c.ID}, enrollmentIDs(list), "ListEnrollments by status waitlisted, newest first")
		require.Equal(t, []int{2, 1}, []int{list[0].WaitlistPosition, list[1].WaitlistPosition})
		byEmail, err := s.EnrollmentsByEmail(ctx, "c@example.com")
		require.NoError(t, err)
		require.Len(t, byEmail, 1)
		requireSameEnrollment(t, c, byEmail[0], "EnrollmentsByEmail")
		byContact, err := s.EnrollmentsByContact(ctx, "cc")
		require.NoError(t, err)
		require.Equal(t, []string{c.ID}, enrollmentIDs(byContact))
		require.Equal(t, 1, byContact[0].WaitlistPosition)
		seated, err := s.ListEnrollments(ctx, store.EnrollmentFilter{CourseSlug: "two", Status: store.EnrollmentPendingPayment}, 0, 0)
		require.NoError(t, err)
		for _, e := range seated {
			require.Zero(t, e.WaitlistPosition, "a seat is no place on the list")
		}

		// A waitlisted enrolment has no seat to pay for, progress in or
		// complete; refused, it stays as it was.
		_, err = s.ConfirmPayment(ctx, c.ID, "pay_1")
		requireErrorIs(t, err, store.ErrConflict, "ConfirmPayment of a waitlisted enrolment")
		_, err = s.SetProgress(ctx, c.ID, 10)
		requireErrorIs(t, err, store.ErrConflict, "SetProgress of a waitlisted enrolment")
		_, err = s.CompleteEnrollment(ctx, c.ID)
		requireErrorIs(t, err, store.ErrConflict, "CompleteEnrollment of a waitlisted enrolment")
		got, err = s.Enrollment(ctx, c.ID)
		require.NoError(t, err)
		requireSameEnrollment(t, c, got, "refused calls change nothing")

		// A closed course is still closed; one marked full takes a place
		// on its list even with seats left; one with seats gives a seat.
		closed := demoCourse("closed", 10, 0)
		closed.Status = store.CourseClosed
		b.putCourse(t, closed)
		_, _, err = s.Enroll(ctx, store.EnrollRequest{CourseSlug: "closed", Email: "a@example.com", Waitlist: true})
		requireErrorIs(t, err, store.ErrClosed, "Enroll with Waitlist in a closed course")
		marked := demoCourse("marked-full", 10, 0)
		marked.Status = store.CourseFull
		b.putCourse(t, marked)
		_, _, err = s.Enroll(ctx, store.EnrollRequest{CourseSlug: "marked-full", Email: "a@example.com"})
		requireErrorIs(t, err, store.ErrFull, "Enroll in a course marked full without Waitlist")
		w, created, err := s.Enroll(ctx, store.EnrollRequest{CourseSlug: "marked-full", Email: "a@example.com", Waitlist: true})
		require.NoError(t, err)
		require.True(t, created)
		require.Equal(t, store.EnrollmentWaitlisted, w.Status, "a course marked full waitlists")
		require.Equal(t, 1, w.WaitlistPosition, "each course has its own list")
		b.putCourse(t, demoCourse("roomy", 10, 0))
		seat, _, err := s.Enroll(ctx, store.EnrollRequest{CourseSlug: "roomy", Email: "a@example.com", Waitlist: true})
		require.NoError(t, err)
		require.Equal(t, store.EnrollmentActive, seat.Status, "with seats left, Waitlist changes nothing")
		require.Zero(t, seat.WaitlistPosition)

		require.Empty(t, seatOffers(t, b), "joining a list offers no seat")
	})

	t.Run("CancelPromotesOldest", func(t *testing.T) {
		b := setup(t, open)
		ctx, s := b.ctx, b.store
		b.putCourse(t, demoCourse("paid", 2, 249))
		seats := enrollAll(t, b, "paid", "a", "b")
		waiting := enrollAll(t, b, "paid", "c", "d", "e")
		for i, w := range waiting {
			require.Equal(t, store.EnrollmentWaitlisted, w.Status)
			require.Equal(t, i+1, w.WaitlistPosition)
		}

		before := time.Now()
		cancelled, err := s.CancelEnrollment(ctx, seats[0].ID)
		after := time.Now()
		require.NoError(t, err, "CancelEnrollment of a seat")
		require.Equal(t, store.EnrollmentCancelled, cancelled.Status)
		promoted, err := s.Enrollment(ctx, waiting[0].ID)
		require.NoError(t, err)
		require.Equal(t, store.EnrollmentPendingPayment, promoted.Status, "the oldest waitlisted gets the seat, to pay for")
		require.Zero(t, promoted.WaitlistPosition)
		requireStoreTime(t, promoted.UpdatedAt, before, after, "a promotion: UpdatedAt")
		requireSameTime(t, waiting[0].CreatedAt, promoted.CreatedAt, "a promotion keeps CreatedAt")
		for i, w := range waiting[1:] {
			got, err := s.Enrollment(ctx, w.ID)
			require.NoError(t, err)
			require.Equal(t, store.EnrollmentWaitlisted, got.Status)
			require.Equal(t, i+1, got.WaitlistPosition, "the rest of the list moves up")
		}
		n, err := s.SeatsTaken(ctx, "paid")
		require.NoError(t, err)
		require.Equal(t, 2, n, "the freed seat is taken again")

		offers := seatOffers(t, b)
		require.Len(t, offers, 1, "one event for one promotion")
		ev := offers[0]
		require.Equal(t, store.EventSeatOffered+":"+promoted.ID, ev.ID)
		var p store.SeatOffered
		require.NoError(t, json.Unmarshal(ev.Payload, &p))
		require.Equal(t, store.SeatOffered{EnrollmentID: promoted.ID, Course: "paid", Title: "Curso paid",
			Email: "c@example.com", Name: "C", Status: store.EnrollmentPendingPayment, ContactID: "contact-c"}, p)
		ev, err = s.Event(ctx, store.EventSeatOffered+":"+promoted.ID)
		require.NoError(t, err, "Event by the id of the promotion")
		require.Equal(t, store.EventSeatOffered, ev.Type)

		paid, err := s.ConfirmPayment(ctx, promoted.ID, "pay_c")
		require.NoError(t, err, "a promoted enrolment is paid as any other")
		require.Equal(t, store.EnrollmentActive, paid.Status)

		// Leaving the list frees no seat: no one is promoted.
		left, err := s.CancelEnrollment(ctx, waiting[1].ID)
		require.NoError(t, err, "CancelEnrollment of a waitlisted enrolment")
		require.Equal(t, store.EnrollmentCancelled, left.Status)
		require.Zero(t, left.WaitlistPosition)
		last, err := s.Enrollment(ctx, waiting[2].ID)
		require.NoError(t, err)
		require.Equal(t, store.EnrollmentWaitlisted, last.Status, "no seat freed, no promotion")
		require.Equal(t, 1, last.WaitlistPosition, "first now")
		require.Empty(t, seatOffers(t, b), "no new event")
		n, err = s.SeatsTaken(ctx, "paid")
		require.NoError(t, err)
		require.Equal(t, 2, n)

		// Who left may join again, at the end.
		back, created, err := s.Enroll(ctx, store.EnrollRequest{CourseSlug: "paid", Email: "d@example.com", Waitlist: true})
		require.NoError(t, err)
		require.True(t, created, "after leaving the list, a new place")
		require.Equal(t, 2, back.WaitlistPosition)
	})

	t.Run("FreeCoursePromotesToActive", func(t *testing.T) {
		b := setup(t, open)
		ctx, s := b.ctx, b.store
		c := demoCourse("free", 1, 0)
		c.Language, c.Title.EN = "en", "A free course"
		b.putCourse(t, c)
		seats := enrollAll(t, b, "free", "a")
		waiting := enrollAll(t, b, "free", "b")
		_, err := s.CancelEnrollment(ctx, seats[0].ID)
		require.NoError(t, err)
		got, err := s.Enrollment(ctx, waiting[0].ID)
		require.NoError(t, err)
		require.Equal(t, store.EnrollmentActive, got.Status, "a free course's seat is active at once")
		offers := seatOffers(t, b)
		require.Len(t, offers, 1)
		var p store.SeatOffered
		require.NoError(t, json.Unmarshal(offers[0].Payload, &p))
		require.Equal(t, store.EnrollmentActive, p.Status)
		require.Equal(t, "A free course", p.Title, "the title in the course's language")
	})

	t.Run("RaisingSeatsPromotes", func(t *testing.T) {
		b := setup(t, open)
		ctx, s := b.ctx, b.store
		b.putCourse(t, demoCourse("one", 1, 0))
		enrollAll(t, b, "one", "a")
		waiting := enrollAll(t, b, "one", "b", "c", "d")
		more, err := s.PutCourse(ctx, demoCourse("one", 3, 0))
		require.NoError(t, err, "PutCourse with more seats")
		require.Equal(t, 3, more.SeatsTaken, "PutCourse returns the course with the promoted seats")
		require.Equal(t, store.CourseFull, more.Status)
		for i, want := range []store.EnrollmentStatus{store.EnrollmentActive, store.EnrollmentActive, store.EnrollmentWaitlisted} {
			got, err := s.Enrollment(ctx, waiting[i].ID)
			require.NoError(t, err)
			require.Equal(t, want, got.Status, "waitlisted #%d after two seats were added", i+1)
		}
		got, err := s.Enrollment(ctx, waiting[2].ID)
		require.NoError(t, err)
		require.Equal(t, 1, got.WaitlistPosition)
		offers := seatOffers(t, b)
		require.ElementsMatch(t, []string{store.EventSeatOffered + ":" + waiting[0].ID, store.EventSeatOffered + ":" + waiting[1].ID},
			eventIDs(offers), "as many promotions as seats freed, each with its event")

		// Replacing the course again without more seats promotes no one.
		_, err = s.PutCourse(ctx, demoCourse("one", 3, 0))
		require.NoError(t, err)
		require.Empty(t, seatOffers(t, b))
	})

	t.Run("MarkedFullPromotesNoOne", func(t *testing.T) {
		b := setup(t, open)
		ctx, s := b.ctx, b.store
		b.putCourse(t, demoCourse("c", 1, 99))
		seats := enrollAll(t, b, "c", "a")
		waiting := enrollAll(t, b, "c", "b")
		full := demoCourse("c", 2, 99)
		full.Status = store.CourseFull
		b.putCourse(t, full)
		_, err := s.CancelEnrollment(ctx, seats[0].ID)
		require.NoError(t, err)
		got, err := s.Enrollment(ctx, waiting[0].ID)
		require.NoError(t, err)
		require.Equal(t, store.EnrollmentWaitlisted, got.Status, "a course marked full promotes no one, whatever its seats")
		require.Equal(t, 1, got.WaitlistPosition)
		closed := demoCourse("c", 2, 99)
		closed.Status = store.CourseClosed
		b.putCourse(t, closed)
		got, err = s.Enrollment(ctx, waiting[0].ID)
		require.NoError(t, err)
		require.Equal(t, store.EnrollmentWaitlisted, got.Status, "nor does a closed one")
		require.Empty(t, seatOffers(t, b))

		reopened, err := s.PutCourse(ctx, demoCourse("c", 2, 99))
		require.NoError(t, err, "open again")
		require.Equal(t, 1, reopened.SeatsTaken)
		got, err = s.Enrollment(ctx, waiting[0].ID)
		require.NoError(t, err)
		require.Equal(t, store.EnrollmentPendingPayment, got.Status, "open again: the list gets the free seats")
		require.Equal(t, []string{store.EventSeatOffered + ":" + got.ID}, eventIDs(seatOffers(t, b)))
	})

	t.Run("Stats", func(t *testing.T) {
		b := setup(t, open)
		ctx, s := b.ctx, b.store
		start := time.Now().Add(-time.Minute)
		b.putCourse(t, demoCourse("one", 1, 100))
		enrollAll(t, b, "one", "a")
		enrollAll(t, b, "one", "b", "c")
		st, err := s.EnrollmentStats(ctx, start, time.Now().Add(time.Minute))
		require.NoError(t, err)
		require.Equal(t, 2, st.Waitlisted, "waitlisted are counted apart")
		require.Equal(t, 1, st.Pending, "never as pending")
		require.Zero(t, st.Confirmed, "nor as confirmed")
		require.Zero(t, st.Revenue["USD"])
	})

	// On SQLite every write transaction is serialised; on PostgreSQL the
	// course row lock serialises enrolments of one course (on PGlite, one
	// transaction at a time, this passes by construction).
	t.Run("Concurrent", func(t *testing.T) {
		b := setup(t, open)
		const n = 12
		b.putCourse(t, demoCourse("last-seat", 2, 249))
		enrollAll(t, b, "last-seat", "first")
		var (
			wg         sync.WaitGroup
			mu         sync.Mutex
			seated     int
			places     []int
			unexpected []error
		)
		for i := range n {
			wg.Go(func() {
				e, created, err := b.store.Enroll(b.ctx, store.EnrollRequest{CourseSlug: "last-seat",
					Email: fmt.Sprintf("p%d@example.com", i), Waitlist: true})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err != nil || !created:
					unexpected = append(unexpected, fmt.Errorf("created=%v: %w", created, err))
				case e.Status == store.EnrollmentPendingPayment:
					seated++
				case e.Status == store.EnrollmentWaitlisted:
					places = append(places, e.WaitlistPosition)
				default:
					unexpected = append(unexpected, fmt.Errorf("status %s", e.Status))
				}
			})
		}
		wg.Wait()
		require.Empty(t, unexpected, "every concurrent Enroll with Waitlist gets a seat or a place")
		require.Equal(t, 1, seated, "exactly one gets the last seat")
		want := make([]int, n-1)
		for i := range want {
			want[i] = i + 1
		}
		require.ElementsMatch(t, want, places, "the rest are waitlisted at distinct places 1..n-1")
		list, err := b.store.ListEnrollments(b.ctx, store.EnrollmentFilter{CourseSlug: "last-seat", Status: store.EnrollmentWaitlisted}, 0, 0)
		require.NoError(t, err)
		read := []int{}
		for _, e := range list {
			read = append(read, e.WaitlistPosition)
		}
		require.Equal(t, reversed(want), read, "newest first, the places read back are the order of joining")
		taken, err := b.store.SeatsTaken(b.ctx, "last-seat")
		require.NoError(t, err)
		require.Equal(t, 2, taken, "no seat oversold")
	})
}

// enrollAll enrols one person per name (email <name>@example.com, contact
// contact-<name>) in the course with Waitlist, one after the other, and
// returns the enrolments.
func enrollAll(t *testing.T, b *testBundle, slug string, names ...string) []store.Enrollment {
	t.Helper()
	out := make([]store.Enrollment, len(names))
	for i, name := range names {
		e, created, err := b.store.Enroll(b.ctx, store.EnrollRequest{CourseSlug: slug, ContactID: "contact-" + name,
			Email: name + "@example.com", Name: strings.ToUpper(name), Waitlist: true})
		require.NoError(t, err, "Enroll %s in %s", name, slug)
		require.True(t, created, "Enroll %s in %s", name, slug)
		out[i] = e
	}
	return out
}

// seatOffers claims the seat-offered events enqueued since the last call
// in this test (each call claims at a later instant, after the leases of
// the calls before ended), so a test counts the events each step made.
func seatOffers(t *testing.T, b *testBundle) []store.Event {
	t.Helper()
	b.claims++
	at := time.Now().Add(time.Duration(b.claims) * 24 * time.Hour)
	evs, err := b.store.ClaimEvents(b.ctx, at, 1000, time.Hour)
	require.NoError(t, err, "ClaimEvents")
	out := []store.Event{}
	for _, e := range evs {
		if e.Attempts == 1 && e.Type == store.EventSeatOffered {
			out = append(out, e)
		}
	}
	return out
}

func reversed(xs []int) []int {
	out := slices.Clone(xs)
	slices.Reverse(out)
	return out
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
