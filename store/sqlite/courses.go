package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/faroai/faro/store"
)

const courseColumns = `slug, title_es, title_en, description_es, description_en, language, topics, level,
	price_amount, price_currency, seats, start_date, duration_weeks, status, source, created_at, updated_at,
	(SELECT COUNT(*) FROM enrollments e WHERE e.course_slug = courses.slug AND e.` + holdsSeat + `)`

// holdsSeat is the condition of an enrolment that takes a seat: neither
// cancelled nor waitlisted. Two terms rather than NOT IN, so that the
// partial index of live enrolments (WHERE status <> 'cancelled') still
// serves the seat counts: SQLite uses a partial index only when a term of
// the query is its condition, verbatim.
const holdsSeat = `status <> 'cancelled' AND status <> 'waitlisted'`

// dateLayout is how a course's start date is stored: a calendar date.
const dateLayout = "2006-01-02"

// PutCourse creates or replaces the course with c.Slug.
func (db *DB) PutCourse(ctx context.Context, c store.Course) (store.Course, error) {
	op := fmt.Sprintf("put course %q", c.Slug)
	c, err := store.NormalizeCourse(c)
	if err != nil {
		return store.Course{}, wrap(op, err)
	}
	topics, err := json.Marshal(c.Topics)
	if err != nil {
		return store.Course{}, wrap(op, fmt.Errorf("encode topics: %w", err))
	}
	var start any
	if !c.Start.IsZero() {
		start = c.Start.Format(dateLayout)
	}
	var out store.Course
	err = db.write(ctx, func(tx *sql.Tx) error {
		taken, err := seatsTaken(ctx, tx, c.Slug)
		if err != nil {
			return err
		}
		if err := store.CheckSeats(c, taken); err != nil {
			return err
		}
		t := toNanos(now())
		if _, err := tx.ExecContext(ctx, `INSERT INTO courses (slug, title_es, title_en, description_es, description_en,
				language, topics, level, price_amount, price_currency, seats, start_date, duration_weeks, status, source,
				created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (slug) DO UPDATE SET title_es = excluded.title_es, title_en = excluded.title_en,
				description_es = excluded.description_es, description_en = excluded.description_en,
				language = excluded.language, topics = excluded.topics, level = excluded.level,
				price_amount = excluded.price_amount, price_currency = excluded.price_currency, seats = excluded.seats,
				start_date = excluded.start_date, duration_weeks = excluded.duration_weeks, status = excluded.status,
				source = excluded.source, updated_at = excluded.updated_at`,
			c.Slug, c.Title.ES, c.Title.EN, c.Description.ES, c.Description.EN, c.Language, string(topics), c.Level,
			c.Price.Amount, c.Price.Currency, c.Seats, start, c.DurationWeeks, string(c.Status), c.Source, t, t); err != nil {
			return fmt.Errorf("upsert: %w", err)
		}
		// More seats, or a course open again, may free seats for the
		// waiting list.
		if err := promoteWaitlist(ctx, tx, c.Slug); err != nil {
			return err
		}
		out, err = getCourse(ctx, tx, c.Slug)
		return err
	})
	if err != nil {
		return store.Course{}, wrap(op, err)
	}
	return out, nil
}

// Course returns ErrNotFound if there is no course with that slug.
func (db *DB) Course(ctx context.Context, slug string) (store.Course, error) {
	c, err := getCourse(ctx, db.sql, slug)
	if err != nil {
		return store.Course{}, wrap(fmt.Sprintf("course %q", slug), err)
	}
	return c, nil
}

// ListCourses returns the courses matching f, by start date then slug.
func (db *DB) ListCourses(ctx context.Context, f store.CourseFilter) ([]store.Course, error) {
	const op = "list courses"
	if f.Status != "" && !f.Status.Valid() {
		return nil, wrap(op, invalid("status %q", f.Status))
	}
	cs, err := queryCourses(ctx, db.sql, `WHERE (? = '' OR language = ?)
		ORDER BY start_date IS NULL, start_date, slug`, f.Language, f.Language)
	if err != nil {
		return nil, wrap(op, err)
	}
	// The topic and the shown status are matched in Go, as in PostgreSQL:
	// the catalogue is small.
	return slices.DeleteFunc(cs, func(c store.Course) bool {
		return !c.HasTopic(f.Topic) || (f.Status != "" && c.Status != f.Status)
	}), nil
}

// SeatsTaken counts the course's enrolments that hold a seat.
func (db *DB) SeatsTaken(ctx context.Context, slug string) (int, error) {
	c, err := getCourse(ctx, db.sql, slug)
	if err != nil {
		return 0, wrap(fmt.Sprintf("seats taken of course %q", slug), err)
	}
	return c.SeatsTaken, nil
}

// seatsTaken counts the course's seat-holding enrolments.
func seatsTaken(ctx context.Context, q querier, slug string) (int, error) {
	var taken int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM enrollments WHERE course_slug = ? AND `+holdsSeat,
		slug).Scan(&taken); err != nil {
		return 0, fmt.Errorf("count seats: %w", err)
	}
	return taken, nil
}

func getCourse(ctx context.Context, q querier, slug string) (store.Course, error) {
	cs, err := queryCourses(ctx, q, `WHERE slug = ?`, slug)
	if err != nil {
		return store.Course{}, err
	}
	if len(cs) == 0 {
		return store.Course{}, sql.ErrNoRows
	}
	return cs[0], nil
}

func queryCourses(ctx context.Context, q querier, rest string, args ...any) ([]store.Course, error) {
	out := []store.Course{}
	err := queryBatch(ctx, q, `SELECT `+courseColumns+` FROM courses `+rest, args, func(rows *sql.Rows) error {
		var (
			c                store.Course
			topics, status   string
			start            *string
			created, updated int64
		)
		if err := rows.Scan(&c.Slug, &c.Title.ES, &c.Title.EN, &c.Description.ES, &c.Description.EN, &c.Language,
			&topics, &c.Level, &c.Price.Amount, &c.Price.Currency, &c.Seats, &start, &c.DurationWeeks, &status,
			&c.Source, &created, &updated, &c.SeatsTaken); err != nil {
			return fmt.Errorf("scan course: %w", err)
		}
		if err := json.Unmarshal([]byte(topics), &c.Topics); err != nil {
			return fmt.Errorf("decode topics of course %q: %w", c.Slug, err)
		}
		if start != nil {
			d, err := time.Parse(dateLayout, *start)
			if err != nil {
				return fmt.Errorf("decode start of course %q: %w", c.Slug, err)
			}
			c.Start = d
		}
		c.Status = store.CourseStatus(status)
		c.Status = store.ShownStatus(c)
		c.CreatedAt, c.UpdatedAt = fromNanos(created), fromNanos(updated)
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("select courses: %w", err)
	}
	return out, nil
}

// ---------------------------------------------------------------- enrolments

const enrollmentColumns = `id, course_slug, contact_id, email, name, status, payment_ref, progress, created_at, updated_at`

// enrollmentRead is what enrolments are read with (FROM enrollments e):
// their columns and their place on the waiting list, counted among the
// course's waitlisted enrolments in the order of the list (created_at,
// then id), through the partial index enrollments_waitlist.
const enrollmentRead = enrollmentColumns + `,
	CASE WHEN e.status = 'waitlisted' THEN (SELECT COUNT(*) FROM enrollments w
		WHERE w.course_slug = e.course_slug AND w.status = 'waitlisted'
			AND (w.created_at < e.created_at OR (w.created_at = e.created_at AND w.id <= e.id)))
	ELSE 0 END`

// Enroll gives the person a seat in the course, or a place on its waiting
// list. The immediate write transaction (and writeSem) serialise every
// enrolment, so counting the seats and inserting cannot interleave with
// another enrolment.
func (db *DB) Enroll(ctx context.Context, r store.EnrollRequest) (store.Enrollment, bool, error) {
	op := fmt.Sprintf("enroll %q in course %q", r.Email, r.CourseSlug)
	key := store.FoldEmail(r.Email)
	if r.CourseSlug == "" || key == "" {
		return store.Enrollment{}, false, wrap(op, invalid("course and email are required"))
	}
	var (
		out     store.Enrollment
		created bool
	)
	err := db.write(ctx, func(tx *sql.Tx) error {
		created = false // a batch rolled back runs this again
		var (
			status string
			seats  int
			price  float64
		)
		err := tx.QueryRowContext(ctx, `SELECT status, seats, price_amount FROM courses WHERE slug = ?`, r.CourseSlug).
			Scan(&status, &seats, &price)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("no such course")
		}
		if err != nil {
			return fmt.Errorf("find course: %w", err)
		}
		out, err = getEnrollment(ctx, tx, `WHERE course_slug = ? AND email_fold = ? AND status <> 'cancelled'`, r.CourseSlug, key)
		if err == nil {
			return nil // already enrolled
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		full, err := store.CourseFullness(store.CourseStatus(status), seats, func() (int, error) { return seatsTaken(ctx, tx, r.CourseSlug) })
		if err != nil {
			return err
		}
		if full != nil && !r.Waitlist {
			return full
		}
		id, err := newID()
		if err != nil {
			return err
		}
		st := store.SeatStatus(price)
		t := toNanos(now())
		if full != nil {
			st = store.EnrollmentWaitlisted
			if t, err = waitlistTime(ctx, tx, r.CourseSlug, t); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO enrollments (`+enrollmentColumns+`, email_fold)
			VALUES (?, ?, ?, ?, ?, ?, '', 0, ?, ?, ?)`,
			id, r.CourseSlug, strings.TrimSpace(r.ContactID), strings.TrimSpace(r.Email), strings.TrimSpace(r.Name),
			string(st), t, t, key); err != nil {
			return fmt.Errorf("insert enrolment: %w", err)
		}
		created = true
		out, err = getEnrollment(ctx, tx, `WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return store.Enrollment{}, false, wrap(op, err)
	}
	return out, created, nil
}

// Enrollment returns ErrNotFound if there is none with that id.
func (db *DB) Enrollment(ctx context.Context, id string) (store.Enrollment, error) {
	e, err := getEnrollment(ctx, db.sql, `WHERE id = ?`, id)
	if err != nil {
		return store.Enrollment{}, wrap(fmt.Sprintf("enrolment %q", id), err)
	}
	return e, nil
}

// ConfirmPayment moves a pending_payment enrolment to active.
func (db *DB) ConfirmPayment(ctx context.Context, enrollmentID, paymentRef string) (store.Enrollment, error) {
	op := fmt.Sprintf("confirm payment %q of enrolment %q", paymentRef, enrollmentID)
	paymentRef = strings.TrimSpace(paymentRef)
	if paymentRef == "" {
		return store.Enrollment{}, wrap(op, invalid("empty payment reference"))
	}
	return db.changeEnrollment(ctx, op, enrollmentID, func(e *store.Enrollment) (bool, error) {
		return store.ConfirmEnrollmentPayment(e, paymentRef)
	})
}

// SetProgress saves the progress of an active enrolment; 100 completes it.
func (db *DB) SetProgress(ctx context.Context, enrollmentID string, progress int) (store.Enrollment, error) {
	op := fmt.Sprintf("set progress of enrolment %q to %d", enrollmentID, progress)
	if progress < 0 || progress > 100 {
		return store.Enrollment{}, wrap(op, invalid("progress %d: must be 0..100", progress))
	}
	return db.changeEnrollment(ctx, op, enrollmentID, func(e *store.Enrollment) (bool, error) {
		return store.SetEnrollmentProgress(e, progress)
	})
}

// CompleteEnrollment marks an active enrolment completed.
func (db *DB) CompleteEnrollment(ctx context.Context, enrollmentID string) (store.Enrollment, error) {
	return db.changeEnrollment(ctx, fmt.Sprintf("complete enrolment %q", enrollmentID), enrollmentID, store.CompleteEnrollmentStatus)
}

// waitlistTime is when a new waitlisted enrolment of the course joins its
// list: t, or just after the newest one already on it, so that the list's
// order (created_at) is the order of joining even if the clock of this
// process, or of another sharing the file, stepped back.
func waitlistTime(ctx context.Context, tx *sql.Tx, slug string, t int64) (int64, error) {
	var last sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT MAX(created_at) FROM enrollments WHERE course_slug = ? AND status = 'waitlisted'`,
		slug).Scan(&last); err != nil {
		return 0, fmt.Errorf("end of the waiting list: %w", err)
	}
	if last.Valid && t <= last.Int64 {
		return last.Int64 + 1, nil
	}
	return t, nil
}

// promoteWaitlist gives the course's free seats, if it is open, to the
// oldest enrolments of its waiting list, and enqueues a seat-offered event
// for each, in tx: what [store.Enrollments] promises when a seat frees.
func promoteWaitlist(ctx context.Context, tx *sql.Tx, slug string) error {
	c, err := getCourse(ctx, tx, slug)
	if err != nil {
		return fmt.Errorf("promote the waiting list: %w", err)
	}
	free := store.FreeSeats(c)
	if free == 0 {
		return nil
	}
	waiting, err := queryEnrollments(ctx, tx, `WHERE course_slug = ? AND status = 'waitlisted'
		ORDER BY created_at, id LIMIT ?`, slug, free)
	if err != nil {
		return fmt.Errorf("promote the waiting list: %w", err)
	}
	st, t := store.SeatStatus(c.Price.Amount), now()
	for _, e := range waiting {
		if _, err := tx.ExecContext(ctx, `UPDATE enrollments SET status = ?, updated_at = ? WHERE id = ?`,
			string(st), toNanos(t), e.ID); err != nil {
			return fmt.Errorf("promote enrolment %q: %w", e.ID, err)
		}
		e.Status, e.UpdatedAt, e.WaitlistPosition = st, t, 0
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

// CancelEnrollment cancels an enrolment and frees its seat.
func (db *DB) CancelEnrollment(ctx context.Context, enrollmentID string) (store.Enrollment, error) {
	op := fmt.Sprintf("cancel enrolment %q", enrollmentID)
	return db.changeEnrollment(ctx, op, enrollmentID, store.CancelEnrollmentStatus)
}

// changeEnrollment reads the enrolment, lets change decide (the rules are
// shared with PostgreSQL in package store) and saves it if it changed; a
// seat it gives up goes to the course's waiting list in the same
// transaction.
func (db *DB) changeEnrollment(ctx context.Context, op, id string, change func(*store.Enrollment) (bool, error)) (store.Enrollment, error) {
	var out store.Enrollment
	err := db.write(ctx, func(tx *sql.Tx) error {
		e, err := getEnrollment(ctx, tx, `WHERE id = ?`, id)
		if err != nil {
			return err
		}
		held := e.Status.HoldsSeat()
		changed, err := change(&e)
		if err != nil || !changed {
			out = e
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE enrollments SET status = ?, payment_ref = ?, progress = ?, updated_at = ?
			WHERE id = ?`, string(e.Status), e.PaymentRef, e.Progress, toNanos(now()), id); err != nil {
			return fmt.Errorf("update enrolment: %w", err)
		}
		if held && !e.Status.HoldsSeat() {
			if err := promoteWaitlist(ctx, tx, e.CourseSlug); err != nil {
				return err
			}
		}
		// Read back: the place on the waiting list depends on the status.
		out, err = getEnrollment(ctx, tx, `WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return store.Enrollment{}, wrap(op, err)
	}
	return out, nil
}

// EnrollmentsByContact lists the contact's enrolments, newest first.
func (db *DB) EnrollmentsByContact(ctx context.Context, contactID string) ([]store.Enrollment, error) {
	if contactID == "" {
		return []store.Enrollment{}, nil
	}
	out, err := queryEnrollments(ctx, db.sql, `WHERE contact_id = ? ORDER BY created_at DESC, id DESC`, contactID)
	if err != nil {
		return nil, wrap(fmt.Sprintf("enrolments of contact %q", contactID), err)
	}
	return out, nil
}

// EnrollmentsByEmail lists the enrolments of an email, newest first.
func (db *DB) EnrollmentsByEmail(ctx context.Context, email string) ([]store.Enrollment, error) {
	key := store.FoldEmail(email)
	if key == "" {
		return []store.Enrollment{}, nil
	}
	out, err := queryEnrollments(ctx, db.sql, `WHERE email_fold = ? ORDER BY created_at DESC, id DESC`, key)
	if err != nil {
		return nil, wrap(fmt.Sprintf("enrolments of %q", email), err)
	}
	return out, nil
}

// ListEnrollments returns enrolments matching f, newest first.
func (db *DB) ListEnrollments(ctx context.Context, f store.EnrollmentFilter, offset, limit int) ([]store.Enrollment, error) {
	const op = "list enrolments"
	offset, limit, err := listPage(offset, limit)
	if err != nil {
		return nil, wrap(op, err)
	}
	out, err := queryEnrollments(ctx, db.sql, `WHERE (? = '' OR course_slug = ?) AND (? = '' OR contact_id = ?)
		AND (? = '' OR status = ?) ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
		f.CourseSlug, f.CourseSlug, f.ContactID, f.ContactID, string(f.Status), string(f.Status), limit, offset)
	if err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

func getEnrollment(ctx context.Context, q querier, where string, args ...any) (store.Enrollment, error) {
	es, err := queryEnrollments(ctx, q, where, args...)
	if err != nil {
		return store.Enrollment{}, err
	}
	if len(es) == 0 {
		return store.Enrollment{}, sql.ErrNoRows
	}
	return es[0], nil
}

func queryEnrollments(ctx context.Context, q querier, rest string, args ...any) ([]store.Enrollment, error) {
	out := []store.Enrollment{}
	err := queryBatch(ctx, q, `SELECT `+enrollmentRead+` FROM enrollments e `+rest, args, func(rows *sql.Rows) error {
		var (
			e                store.Enrollment
			status           string
			created, updated int64
		)
		if err := rows.Scan(&e.ID, &e.CourseSlug, &e.ContactID, &e.Email, &e.Name, &status, &e.PaymentRef,
			&e.Progress, &created, &updated, &e.WaitlistPosition); err != nil {
			return fmt.Errorf("scan enrolment: %w", err)
		}
		e.Status = store.EnrollmentStatus(status)
		e.CreatedAt, e.UpdatedAt = fromNanos(created), fromNanos(updated)
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("select enrolments: %w", err)
	}
	return out, nil
}
