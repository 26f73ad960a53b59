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
	(SELECT count(*) FROM enrollments e WHERE e.course_slug = courses.slug AND e.status <> 'cancelled')::integer`

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
		var taken int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM enrollments WHERE course_slug = $1 AND status <> 'cancelled'`,
			c.Slug).Scan(&taken); err != nil {
			return err
		}
		if err := store.CheckSeats(c, taken); err != nil {
			return err
		}
		var err error
		out, err = scanCourse(tx.QueryRow(ctx, `INSERT INTO courses (slug, title_es, title_en, description_es,
			description_en, language, topics, level, price_amount, price_currency, seats, start_date, duration_weeks,
			status, source, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::date, $13, $14, $15, $16, $16)
		ON CONFLICT (slug) DO UPDATE SET title_es = excluded.title_es, title_en = excluded.title_en,
			description_es = excluded.description_es, description_en = excluded.description_en,
			language = excluded.language, topics = excluded.topics, level = excluded.level,
			price_amount = excluded.price_amount, price_currency = excluded.price_currency, seats = excluded.seats,
			start_date = excluded.start_date, duration_weeks = excluded.duration_weeks, status = excluded.status,
			source = excluded.source, updated_at = excluded.updated_at
		RETURNING `+courseColumns,
			c.Slug, c.Title.ES, c.Title.EN, c.Description.ES, c.Description.EN, c.Language, c.Topics, c.Level,
			c.Price.Amount, c.Price.Currency, c.Seats, start, c.DurationWeeks, string(c.Status), c.Source, now()))
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

// SeatsTaken counts the course's enrolments that are not cancelled.
func (db *DB) SeatsTaken(ctx context.Context, slug string) (int, error) {
	c, err := db.Course(ctx, slug)
	if err != nil {
		return 0, fmt.Errorf("seats taken: %w", err)
	}
	return c.SeatsTaken, nil
}

// ---------------------------------------------------------------- enrolments

const enrollmentColumns = `id, course_slug, contact_id, email, name, status, payment_ref, progress, created_at, updated_at`

func scanEnrollment(row pgx.Row) (store.Enrollment, error) {
	var e store.Enrollment
	if err := row.Scan(&e.ID, &e.CourseSlug, &e.ContactID, &e.Email, &e.Name, &e.Status, &e.PaymentRef, &e.Progress,
		&e.CreatedAt, &e.UpdatedAt); err != nil {
		return store.Enrollment{}, err
	}
	e.CreatedAt, e.UpdatedAt = e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	return e, nil
}

// Enroll gives the person a seat in the course. The course row is locked
// (SELECT … FOR UPDATE) before the seats are counted, so enrolments of one
// course run one after the other and can never oversell it; enrolments of
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
		out, err = scanEnrollment(tx.QueryRow(ctx, `SELECT `+enrollmentColumns+` FROM enrollments
			WHERE course_slug = $1 AND email_key = $2 AND status <> 'cancelled'`, r.CourseSlug, key))
		if err == nil {
			return nil // already enrolled
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		switch status {
		case store.CourseClosed:
			return store.ErrClosed
		case store.CourseFull:
			return store.ErrFull
		}
		var taken int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM enrollments WHERE course_slug = $1 AND status <> 'cancelled'`,
			r.CourseSlug).Scan(&taken); err != nil {
			return err
		}
		if taken >= seats {
			return fmt.Errorf("%d of %d seats taken: %w", taken, seats, store.ErrFull)
		}
		st := store.EnrollmentActive
		if price > 0 {
			st = store.EnrollmentPendingPayment
		}
		out, err = scanEnrollment(tx.QueryRow(ctx, `INSERT INTO enrollments (id, course_slug, contact_id, email, email_key,
				name, status, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING `+enrollmentColumns,
			id, r.CourseSlug, strings.TrimSpace(r.ContactID), strings.TrimSpace(r.Email), key, strings.TrimSpace(r.Name),
			string(st), now()))
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
	e, err := scanEnrollment(db.pool.QueryRow(ctx, `SELECT `+enrollmentColumns+` FROM enrollments WHERE id = $1`, id))
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

// changeEnrollment locks the enrolment, lets change decide (the rules are
// shared with SQLite in package store) and saves it if it changed.
func (db *DB) changeEnrollment(ctx context.Context, op, id string, change func(*store.Enrollment) (bool, error)) (store.Enrollment, error) {
	var out store.Enrollment
	err := db.inTx(ctx, pgx.TxOptions{}, func(tx pgx.Tx) error {
		e, err := scanEnrollment(tx.QueryRow(ctx, `SELECT `+enrollmentColumns+` FROM enrollments WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return err
		}
		changed, err := change(&e)
		if err != nil || !changed {
			out = e
			return err
		}
		out, err = scanEnrollment(tx.QueryRow(ctx, `UPDATE enrollments SET status = $2, payment_ref = $3, progress = $4,
			updated_at = $5 WHERE id = $1 RETURNING `+enrollmentColumns, id, string(e.Status), e.PaymentRef, e.Progress, now()))
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
	rows, err := db.pool.Query(ctx, `SELECT `+enrollmentColumns+` FROM enrollments `+rest, args...)
	if err != nil {
		return nil, dbErr(op, err)
	}
	out, err := collect(rows, func(r pgx.Rows) (store.Enrollment, error) { return scanEnrollment(r) })
	if err != nil {
		return nil, dbErr(op, err)
	}
	return out, nil
}
