package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/faroai/faro/store"
)

const courseColumns = `slug, title_es, title_en, description_es, description_en, language, topics, level,
	price_amount, price_currency, seats, start_date, duration_weeks, status, source, created_at, updated_at,
	(SELECT count(*) FROM enrollments e WHERE e.course_slug = courses.slug AND e.` + holdsSeat + `)::integer`

// holdsSeat is the condition of an enrolment that takes a seat: neither
// cancelled nor waitlisted. Two terms rather than NOT IN, so that the
// partial index of live enrolments (WHERE status <> 'cancelled') plainly
// serves the seat counts, as in SQLite.
const holdsSeat = `status <> 'cancelled' AND status <> 'waitlisted'`

func scanCourse(row pgx.Row) (store.Course, error) {
	var (
		c     store.Course
		start *time.Time
	)
	if err := row.Scan(&c.Slug, &c.Title.ES, &c.Title.EN, &c.Description.ES, &c.Description.EN, &c.Language,
		&c.Topics, &c.Level, &c.Price.Amount, &c.Price.Currency, &c.Seats, &start, &c.DurationWeeks, &c.Status,
		&c.Source, &c.CreatedAt, &c.UpdatedAt, &c.SeatsTaken); err != nil {
		return store.Course{}, err
	}
	if start != nil {
		y, m, d := start.Date()
		c.Start = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	if c.Topics == nil {
		c.Topics = []string{}
	}
	c.Status = store.ShownStatus(c)
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c, nil
}

// PutCourse creates or replaces the course with c.Slug.
func (db *DB) PutCourse(ctx context.Context, c store.Course) (store.Course, error) {
	op := fmt.Sprintf("put course %q", c.Slug)
	c, err := store.NormalizeCourse(c)
	if err != nil {
		return store.Course{}, fmt.Errorf("postgres: %s: %w", op, err)
	}
	var start any
	if !c.Start.IsZero() {
		start = c.Start.Format(time.DateOnly)
	}
	var out store.Course
	err = db.inTx(ctx, pgx.TxOptions{}, func(tx pgx.Tx) error {
		// The course row's lock orders this with enrolments (Enroll
		// takes it too), so the count stays true until the write.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM courses WHERE slug = $1 FOR UPDATE`, c.Slug); err != nil {
			return err
		}
		taken, err := seatsTaken(ctx, tx, c.Slug)
		if err != nil {
			return err
		}
		if err := store.CheckSeats(c, taken); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO courses (slug, title_es, title_en, description_es,
			description_en, language, topics, level, price_amount, price_currency, seats, start_date, duration_weeks,
			status, source, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::date, $13, $14, $15, $16, $16)
		ON CONFLICT (slug) DO UPDATE SET title_es = excluded.title_es, title_en = excluded.title_en,
			description_es = excluded.description_es, description_en = excluded.description_en,
			language = excluded.language, topics = excluded.topics, level = excluded.level,
			price_amount = excluded.price_amount, price_currency = excluded.price_currency, seats = excluded.seats,
			start_date = excluded.start_date, duration_weeks = excluded.duration_weeks, status = excluded.status,
			source = excluded.source, updated_at = excluded.updated_at`,
			c.Slug, c.Title.ES, c.Title.EN, c.Description.ES, c.Description.EN, c.Language, c.Topics, c.Level,
			c.Price.Amount, c.Price.Currency, c.Seats, start, c.DurationWeeks, string(c.Status), c.Source, now()); err != nil {
			return err
		}
		// More seats, or a course open again, may free seats for the
		// waiting list.
		if err := promoteWaitlist(ctx, tx, c.Slug); err != nil {
			return err
		}
		out, err = scanCourse(tx.QueryRow(ctx, `SELECT `+courseColumns+` FROM courses WHERE slug = $1`, c.Slug))
		return err
	})
	if errors.Is(err, store.ErrConflict) {
		return store.Course{}, fmt.Errorf("postgres: %s: %w", op, err)
	}
	if err != nil {
		return store.Course{}, dbErr(op, err)
	}
	return out, nil
}

// Course returns ErrNotFound if there is no course with that slug.
func (db *DB) Course(ctx context.Context, slug string) (store.Course, error) {
	c, err := scanCourse(db.pool.QueryRow(ctx, `SELECT `+courseColumns+` FROM courses WHERE slug = $1`, slug))
	if err != nil {
		return store.Course{}, dbErr(fmt.Sprintf("course %q", slug), err)
	}
	return c, nil
}

// ListCourses returns the courses matching f, by start date then slug.
func (db *DB) ListCourses(ctx context.Context, f store.CourseFilter) ([]store.Course, error) {
	const op = "list courses"
	if f.Status != "" && !f.Status.Valid() {
		return nil, invalid(op, "status %q", f.Status)
	}
	rows, err := db.pool.Query(ctx, `SELECT `+courseColumns+` FROM courses
		WHERE ($1 = '' OR language = $1)
		ORDER BY start_date NULLS LAST, slug COLLATE "C"`, f.Language)
	if err != nil {
		return nil, dbErr(op, err)
	}
	cs, err := collect(rows, func(r pgx.Rows) (store.Course, error) { return scanCourse(r) })
	if err != nil {
		return nil, dbErr(op, err)
	}
	// The topic and the shown status are matched in Go, as in SQLite: the
	// catalogue is small.
	return slices.DeleteFunc(cs, func(c store.Course) bool {
		return !c.HasTopic(f.Topic) || (f.Status != "" && c.Status != f.Status)
	}), nil
}

// SeatsTaken counts the course's enrolments that hold a seat.
func (db *DB) SeatsTaken(ctx context.Context, slug string) (int, error) {
	c, err := db.Course(ctx, slug)
	if err != nil {
		return 0, fmt.Errorf("seats taken: %w", err)
	}
	return c.SeatsTaken, nil
}

// seatsTaken counts the course's seat-holding enrolments.
func seatsTaken(ctx context.Context, tx pgx.Tx, slug string) (int, error) {
	var taken int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM enrollments WHERE course_slug = $1 AND `+holdsSeat, slug).Scan(&taken); err != nil {
		return 0, fmt.Errorf("count seats: %w", err)
	}
	return taken, nil
}

// ---------------------------------------------------------------- enrolments

// enrollmentColumns are what enrolments are read with (FROM enrollments e,
// or UPDATE enrollments e … RETURNING): their columns and their place on
// the waiting list, counted among the course's waitlisted enrolments in
// the order of the list (created_at, then id), through the partial index
// enrollments_waitlist_idx. Not for INSERT … RETURNING: the count would
// not see the row inserted.
const enrollmentColumns = `e.id, e.course_slug, e.contact_id, e.email, e.name, e.status, e.payment_ref, e.progress,
	e.created_at, e.updated_at,
	CASE WHEN e.status = 'waitlisted' THEN (SELECT count(*) FROM enrollments w
		WHERE w.course_slug = e.course_slug AND w.status = 'waitlisted'
			AND (w.created_at, w.id COLLATE "C") <= (e.created_at, e.id COLLATE "C"))::integer
	ELSE 0 END`

func scanEnrollment(row pgx.Row) (store.Enrollment, error) {
	var e store.Enrollment
	if err := row.Scan(&e.ID, &e.CourseSlug, &e.ContactID, &e.Email, &e.Name, &e.Status, &e.PaymentRef, &e.Progress,
		&e.CreatedAt, &e.UpdatedAt, &e.WaitlistPosition); err != nil {
		return store.Enrollment{}, err
	}
	e.CreatedAt, e.UpdatedAt = e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	return e, nil
}

// Enroll gives the person a seat in the course, or a place on its waiting
// list. The course row is locked (SELECT … FOR UPDATE) before the seats
// are counted, so enrolments of one course run one after the other and can
// never oversell it, nor join its list out of order; enrolments of
// different courses do not wait on each other.
func (db *DB) Enroll(ctx context.Context, r store.EnrollRequest) (store.Enrollment, bool, error) {
	op := fmt.Sprintf("enroll %q in course %q", r.Email, r.CourseSlug)
	key := store.FoldEmail(r.Email)
	if r.CourseSlug == "" || key == "" {
		return store.Enrollment{}, false, invalid(op, "course and email are required")
	}
	id, err := newID()
	if err != nil {
		return store.Enrollment{}, false, fmt.Errorf("postgres: %s: %w", op, err)
	}
	var (
		out     store.Enrollment
		created bool
	)
	err = db.inTx(ctx, pgx.TxOptions{}, func(tx pgx.Tx) error {
		var (
			status store.CourseStatus
			seats  int
			price  float64
		)
		err := tx.QueryRow(ctx, `SELECT status, seats, price_amount FROM courses WHERE slug = $1 FOR UPDATE`, r.CourseSlug).
			Scan(&status, &seats, &price)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("no such course: %w", store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		out, err = scanEnrollment(tx.QueryRow(ctx, `SELECT `+enrollmentColumns+` FROM enrollments e
			WHERE course_slug = $1 AND email_key = $2 AND status <> 'cancelled'`, r.CourseSlug, key))
		if err == nil {
			return nil // already enrolled
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		full, err := store.CourseFullness(status, seats, func() (int, error) { return seatsTaken(ctx, tx, r.CourseSlug) })
		if err != nil {
			return err
		}
		if full != nil && !r.Waitlist {
			return full
		}
		st, t := store.SeatStatus(price), now()
		if full != nil {
			st = store.EnrollmentWaitlisted
			if t, err = waitlistTime(ctx, tx, r.CourseSlug, t); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO enrollments (id, course_slug, contact_id, email, email_key,
				name, status, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
			id, r.CourseSlug, strings.TrimSpace(r.ContactID), strings.TrimSpace(r.Email), key, strings.TrimSpace(r.Name),
			string(st), t); err != nil {
			return err
		}
		// Read after the insert, so the place on the list counts the row.
		out, err = scanEnrollment(tx.QueryRow(ctx, `SELECT `+enrollmentColumns+` FROM enrollments e WHERE id = $1`, id))
		created = err == nil
		return err
	})
	if err != nil {
		return store.Enrollment{}, false, dbErr(op, err)
	}
	return out, created, nil
}

// Enrollment returns ErrNotFound if there is none with that id.
func (db *DB) Enrollment(ctx context.Context, id string) (store.Enrollment, error) {
	e, err := scanEnrollment(db.pool.QueryRow(ctx, `SELECT `+enrollmentColumns+` FROM enrollments e WHERE id = $1`, id))
	if err != nil {
		return store.Enrollment{}, dbErr(fmt.Sprintf("enrolment %q", id), err)
	}
	return e, nil
}

// ConfirmPayment moves a pending_payment enrolment to active.
func (db *DB) ConfirmPayment(ctx context.Context, enrollmentID, paymentRef string) (store.Enrollment, error) {
	op := fmt.Sprintf("confirm payment %q of enrolment %q", paymentRef, enrollmentID)
	paymentRef = strings.TrimSpace(paymentRef)
	if paymentRef == "" {
		return store.Enrollment{}, invalid(op, "empty payment reference")
	}
	return db.changeEnrollment(ctx, op, enrollmentID, func(e *store.Enrollment) (bool, error) {
		return store.ConfirmEnrollmentPayment(e, paymentRef)
	})
}

// SetProgress saves the progress of an active enrolment; 100 completes it.
func (db *DB) SetProgress(ctx context.Context, enrollmentID string, progress int) (store.Enrollment, error) {
	op := fmt.Sprintf("set progress of enrolment %q to %d", enrollmentID, progress)
	if progress < 0 || progress > 100 {
		return store.Enrollment{}, invalid(op, "progress %d: must be 0..100", progress)
	}
	return db.changeEnrollment(ctx, op, enrollmentID, func(e *store.Enrollment) (bool, error) {
		return store.SetEnrollmentProgress(e, progress)
	})
}

// CompleteEnrollment marks an active enrolment completed.
func (db *DB) CompleteEnrollment(ctx context.Context, enrollmentID string) (store.Enrollment, error) {
	return db.changeEnrollment(ctx, fmt.Sprintf("complete enrolment %q", enrollmentID), enrollmentID, store.CompleteEnrollmentStatus)
}

// CancelEnrollment cancels an enrolment and frees its seat.
func (db *DB) CancelEnrollment(ctx context.Context, enrollmentID string) (store.Enrollment, error) {
	return db.changeEnrollment(ctx, fmt.Sprintf("cancel enrolment %q", enrollmentID), enrollmentID, store.CancelEnrollmentStatus)
}

// waitlistTime is when a new waitlisted enrolment of the course joins its
// list: t, or just after the newest one already on it, so that the list's
// order (created_at) is the order the course lock let them in, even when
// the servers' clocks disagree. The caller holds the course lock.
func waitlistTime(ctx context.Context, tx pgx.Tx, slug string, t time.Time) (time.Time, error) {
	var last *time.Time
	if err := tx.QueryRow(ctx, `SELECT max(created_at) FROM enrollments WHERE course_slug = $1 AND status = 'waitlisted'`,
		slug).Scan(&last); err != nil {
		return time.Time{}, fmt.Errorf("end of the waiting list: %w", err)
	}
	if last != nil && !t.After(*last) {
		return last.UTC().Add(time.Microsecond), nil
	}
	return t, nil
}

// promoteWaitlist gives the course's free seats, if it is open, to the
// oldest enrolments of its waiting list, and enqueues a seat-offered event
// for each, in tx: what [store.Enrollments] promises when a seat frees.
// The caller holds the course lock.
func promoteWaitlist(ctx context.Context, tx pgx.Tx, slug string) error {
	c, err := scanCourse(tx.QueryRow(ctx, `SELECT `+courseColumns+` FROM courses WHERE slug = $1`, slug))
	if err != nil {
		return fmt.Errorf("promote the waiting list: %w", err)
	}
	free := store.FreeSeats(c)
	if free == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `UPDATE enrollments e SET status = $2, updated_at = $3
		WHERE e.id IN (SELECT id FROM enrollments WHERE course_slug = $1 AND status = 'waitlisted'
			ORDER BY created_at, id COLLATE "C" LIMIT $4)
		RETURNING `+enrollmentColumns, slug, string(store.SeatStatus(c.Price.Amount)), now(), free)
	if err != nil {
		return fmt.Errorf("promote the waiting list: %w", err)
	}
	promoted, err := collect(rows, func(r pgx.Rows) (store.Enrollment, error) { return scanEnrollment(r) })
	if err != nil {
		return fmt.Errorf("promote the waiting list: %w", err)
	}
	for _, e := range promoted {
		ev, err := store.SeatOfferedEvent(c, e)
		if err != nil {
			return err
		}
		if _, err := insertEvent(ctx, tx, ev); err != nil {
			return fmt.Errorf("promote enrolment %q: %w", e.ID, err)
		}
	}
	return nil
}

// changeEnrollment locks the enrolment, lets change decide (the rules are
// shared with SQLite in package store) and saves it if it changed; a seat
// it gives up goes to the course's waiting list in the same transaction.
//
// The course row is locked first, as Enroll and PutCourse lock it before
// they touch its enrolments: a promotion updates waitlisted rows under
// the course lock, so taking the two locks in the other order could
// deadlock with it.
func (db *DB) changeEnrollment(ctx context.Context, op, id string, change func(*store.Enrollment) (bool, error)) (store.Enrollment, error) {
	var out store.Enrollment
	err := db.inTx(ctx, pgx.TxOptions{}, func(tx pgx.Tx) error {
		// An enrolment never changes course, so its course read without a
		// lock is the one to lock.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM courses WHERE slug = (SELECT course_slug FROM enrollments WHERE id = $1)
			FOR UPDATE`, id); err != nil {
			return err
		}
		e, err := scanEnrollment(tx.QueryRow(ctx, `SELECT `+enrollmentColumns+` FROM enrollments e WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return err
		}
		held := e.Status.HoldsSeat()
		changed, err := change(&e)
		if err != nil || !changed {
			out = e
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE enrollments SET status = $2, payment_ref = $3, progress = $4, updated_at = $5
			WHERE id = $1`, id, string(e.Status), e.PaymentRef, e.Progress, now()); err != nil {
			return err
		}
		if held && !e.Status.HoldsSeat() {
			if err := promoteWaitlist(ctx, tx, e.CourseSlug); err != nil {
				return err
			}
		}
		// Read back: the place on the waiting list depends on the status.
		out, err = scanEnrollment(tx.QueryRow(ctx, `SELECT `+enrollmentColumns+` FROM enrollments e WHERE id = $1`, id))
		return err
	})
	if err != nil {
		return store.Enrollment{}, dbErr(op, err)
	}
	return out, nil
}

// EnrollmentsByContact lists the contact's enrolments, newest first.
func (db *DB) EnrollmentsByContact(ctx context.Context, contactID string) ([]store.Enrollment, error) {
	if contactID == "" {
		return []store.Enrollment{}, nil
	}
	return db.queryEnrollments(ctx, fmt.Sprintf("enrolments of contact %q", contactID),
		`WHERE contact_id = $1 ORDER BY created_at DESC, id DESC`, contactID)
}

// EnrollmentsByEmail lists the enrolments of an email, newest first.
func (db *DB) EnrollmentsByEmail(ctx context.Context, email string) ([]store.Enrollment, error) {
	key := store.FoldEmail(email)
	if key == "" {
		return []store.Enrollment{}, nil
	}
	return db.queryEnrollments(ctx, fmt.Sprintf("enrolments of %q", email),
		`WHERE email_key = $1 ORDER BY created_at DESC, id DESC`, key)
}

// ListEnrollments returns enrolments matching f, newest first.
func (db *DB) ListEnrollments(ctx context.Context, f store.EnrollmentFilter, offset, limit int) ([]store.Enrollment, error) {
	const op = "list enrolments"
	if err := checkPage(op, offset, limit); err != nil {
		return nil, err
	}
	return db.queryEnrollments(ctx, op, `WHERE ($1 = '' OR course_slug = $1) AND ($2 = '' OR contact_id = $2)
		AND ($3 = '' OR status = $3) ORDER BY created_at DESC, id DESC OFFSET $4 LIMIT $5`,
		f.CourseSlug, f.ContactID, string(f.Status), offset, limitArg(limit))
}

func (db *DB) queryEnrollments(ctx context.Context, op, rest string, args ...any) ([]store.Enrollment, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+enrollmentColumns+` FROM enrollments e `+rest, args...)
	if err != nil {
		return nil, dbErr(op, err)
	}
	out, err := collect(rows, func(r pgx.Rows) (store.Enrollment, error) { return scanEnrollment(r) })
	if err != nil {
		return nil, dbErr(op, err)
	}
	return out, nil
}
