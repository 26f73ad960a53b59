package store

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
)

// The functions of this file hold the rules of the business contracts
// that do not depend on a database, so that both implementations apply
// the very same ones. Callers other than implementations rarely need them.

// HasTopic reports whether topic (compared case-insensitively, trimmed) is
// one of the course's topics; the empty topic matches every course.
func (c Course) HasTopic(topic string) bool {
	topic = strings.TrimSpace(topic)
	if topic == "" {
		return true
	}
	for _, t := range c.Topics {
		if strings.EqualFold(t, topic) {
			return true
		}
	}
	return false
}

// NormalizeCourse checks c as [Courses.PutCourse] documents and returns it
// as it is to be stored: slug, language and currency trimmed, an empty
// status open, Start at its UTC date, Topics never nil, the read-only
// fields cleared.
func NormalizeCourse(c Course) (Course, error) {
	c.Slug = strings.TrimSpace(c.Slug)
	c.Language = strings.TrimSpace(c.Language)
	c.Price.Currency = strings.ToUpper(strings.TrimSpace(c.Price.Currency))
	if c.Status == "" {
		c.Status = CourseOpen
	}
	switch {
	case c.Slug == "" || strings.ContainsFunc(c.Slug, func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' }):
		return Course{}, fmt.Errorf("course slug %q: must be one word: %w", c.Slug, ErrInvalid)
	case !c.Status.Valid():
		return Course{}, fmt.Errorf("course %q: status %q: %w", c.Slug, c.Status, ErrInvalid)
	case c.Seats < 1:
		return Course{}, fmt.Errorf("course %q: %d seats: at least 1: %w", c.Slug, c.Seats, ErrInvalid)
	case c.Price.Amount < 0 || math.IsNaN(c.Price.Amount) || math.IsInf(c.Price.Amount, 0):
		return Course{}, fmt.Errorf("course %q: price %v: %w", c.Slug, c.Price.Amount, ErrInvalid)
	case c.Price.Amount > 0 && c.Price.Currency == "":
		return Course{}, fmt.Errorf("course %q: a price without a currency: %w", c.Slug, ErrInvalid)
	case c.DurationWeeks < 0:
		return Course{}, fmt.Errorf("course %q: negative duration: %w", c.Slug, ErrInvalid)
	}
	if !c.Start.IsZero() {
		y, m, d := c.Start.UTC().Date()
		c.Start = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	if c.Topics == nil {
		c.Topics = []string{}
	}
	c.SeatsTaken, c.CreatedAt, c.UpdatedAt = 0, time.Time{}, time.Time{}
	return c, nil
}

// ConfirmEnrollmentPayment applies [Enrollments.ConfirmPayment] to e and
// reports whether e changed.
func ConfirmEnrollmentPayment(e *Enrollment, paymentRef string) (bool, error) {
	switch {
	case e.Status == EnrollmentPendingPayment:
		e.Status, e.PaymentRef = EnrollmentActive, paymentRef
		return true, nil
	case e.Status == EnrollmentActive && e.PaymentRef == paymentRef:
		return false, nil
	case e.Status == EnrollmentActive && e.PaymentRef == "":
		return false, fmt.Errorf("enrolment of a free course, or already active: %w", ErrConflict)
	case e.Status == EnrollmentActive:
		return false, fmt.Errorf("already paid with reference %q: %w", e.PaymentRef, ErrConflict)
	}
	return false, fmt.Errorf("enrolment is %s: %w", e.Status, ErrConflict)
}

// SetEnrollmentProgress applies [Enrollments.SetProgress] to e (progress
// already checked to be 0..100) and reports whether e changed.
func SetEnrollmentProgress(e *Enrollment, progress int) (bool, error) {
	if e.Status != EnrollmentActive {
		return false, fmt.Errorf("enrolment is %s, not active: %w", e.Status, ErrConflict)
	}
	e.Progress = progress
	if progress == 100 {
		e.Status = EnrollmentCompleted
	}
	return true, nil
}

// CompleteEnrollmentStatus applies [Enrollments.CompleteEnrollment] to e
// and reports whether e changed.
func CompleteEnrollmentStatus(e *Enrollment) (bool, error) {
	switch e.Status {
	case EnrollmentCompleted:
		return false, nil
	case EnrollmentActive:
		e.Status, e.Progress = EnrollmentCompleted, 100
		return true, nil
	}
	return false, fmt.Errorf("enrolment is %s, not active: %w", e.Status, ErrConflict)
}

// CancelEnrollmentStatus applies [Enrollments.CancelEnrollment] to e and
// reports whether e changed. Whether the cancelled enrolment held a seat
// (and so promotes the waiting list) is for the caller to tell from the
// status before.
func CancelEnrollmentStatus(e *Enrollment) (bool, error) {
	switch e.Status {
	case EnrollmentCancelled:
		return false, nil
	case EnrollmentCompleted:
		return false, fmt.Errorf("enrolment is completed: %w", ErrConflict)
	}
	e.Status = EnrollmentCancelled
	return true, nil
}

// NormalizeTicket checks t as [Tickets.OpenTicket] documents and returns it
// as it is to be stored (defaults filled, status open, subject and email
// trimmed), with the key of its owner for de-duplication ("" when it has
// neither a contact nor an email) and the key of its subject.
func NormalizeTicket(t Ticket) (ticket Ticket, ownerKey, subjectKey string, err error) {
	t.Subject = strings.TrimSpace(t.Subject)
	t.Email = strings.TrimSpace(t.Email)
	t.ContactID = strings.TrimSpace(t.ContactID)
	if t.Category == "" {
		t.Category = CategoryOther
	}
	if t.Priority == "" {
		t.Priority = PriorityNormal
	}
	switch {
	case t.Subject == "":
		return Ticket{}, "", "", fmt.Errorf("ticket without a subject: %w", ErrInvalid)
	case !t.Category.Valid():
		return Ticket{}, "", "", fmt.Errorf("ticket category %q: %w", t.Category, ErrInvalid)
	case !t.Priority.Valid():
		return Ticket{}, "", "", fmt.Errorf("ticket priority %q: %w", t.Priority, ErrInvalid)
	}
	t.Status = TicketOpen
	if !t.DueAt.IsZero() {
		t.DueAt = t.DueAt.UTC()
	}
	switch {
	case t.ContactID != "":
		ownerKey = "contact:" + t.ContactID
	case FoldEmail(t.Email) != "":
		ownerKey = "email:" + FoldEmail(t.Email)
	}
	subjectKey = SubjectKey(t.Subject)
	if subjectKey == "" {
		// Only stop words: compare the folded text itself, so "¿y eso?"
		// and "hola" are still two subjects.
		subjectKey = "=" + strings.ToLower(t.Subject)
	}
	return t, ownerKey, subjectKey, nil
}

// ApplyTicketUpdate applies u to t as [Tickets.UpdateTicket] documents and
// reports whether anything changed.
func ApplyTicketUpdate(t *Ticket, u TicketUpdate) (bool, error) {
	if u.Status != "" && !u.Status.Valid() {
		return false, fmt.Errorf("ticket status %q: %w", u.Status, ErrInvalid)
	}
	if u.Priority != "" && !u.Priority.Valid() {
		return false, fmt.Errorf("ticket priority %q: %w", u.Priority, ErrInvalid)
	}
	before := *t
	if u.Status != "" {
		t.Status = u.Status
	}
	if u.Priority != "" {
		t.Priority = u.Priority
	}
	if q := strings.TrimSpace(u.Queue); q != "" {
		t.Queue = q
	}
	if !u.DueAt.IsZero() {
		t.DueAt = u.DueAt.UTC()
	}
	return *t != before, nil
}

// CheckEvent checks e as [Outbox.EnqueueEvent] documents and returns its
// payload as it is to be stored.
func CheckEvent(e Event) (json.RawMessage, error) {
	switch {
	case strings.TrimSpace(e.ID) == "":
		return nil, fmt.Errorf("event without an id: %w", ErrInvalid)
	case strings.TrimSpace(e.Type) == "":
		return nil, fmt.Errorf("event %q without a type: %w", e.ID, ErrInvalid)
	case len(e.Payload) == 0:
		return json.RawMessage("null"), nil
	case !json.Valid(e.Payload):
		return nil, fmt.Errorf("event %q: payload is not JSON: %w", e.ID, ErrInvalid)
	}
	return e.Payload, nil
}

// CheckClaim checks the arguments of [Outbox.ClaimEvents].
func CheckClaim(limit int, lease time.Duration) error {
	if limit < 1 || lease <= 0 {
		return fmt.Errorf("claim %d events for %v: limit must be at least 1 and the lease positive: %w", limit, lease, ErrInvalid)
	}
	return nil
}

// CheckLead checks l as [Leads.UpsertLead] documents.
func CheckLead(l Lead) error {
	switch {
	case FoldEmail(l.Email) == "":
		return fmt.Errorf("lead without an email: %w", ErrInvalid)
	case l.Interest != "" && !l.Interest.Valid():
		return fmt.Errorf("lead interest %q: %w", l.Interest, ErrInvalid)
	case l.CompanySize < 0:
		return fmt.Errorf("lead company size %d: negative: %w", l.CompanySize, ErrInvalid)
	case l.Budget < 0 || math.IsNaN(l.Budget) || math.IsInf(l.Budget, 0):
		return fmt.Errorf("lead budget %v: must be a number not below 0: %w", l.Budget, ErrInvalid)
	}
	return l.Signals.Check()
}

// MergeLead applies the report r to the stored lead old by the rules of
// [Leads.UpsertLead], stamping the result updated at at.
func MergeLead(old, r Lead, at time.Time) Lead {
	set := func(dst *string, v string) {
		if v = strings.TrimSpace(v); v != "" {
			*dst = v
		}
	}
	set(&old.ContactID, r.ContactID)
	set(&old.Name, r.Name)
	set(&old.Phone, r.Phone)
	set(&old.Company, r.Company)
	set(&old.Industry, r.Industry)
	set(&old.Country, r.Country)
	set(&old.Timeline, r.Timeline)
	if r.Interest != "" {
		old.Interest = r.Interest
	}
	if r.CompanySize > 0 {
		old.CompanySize = r.CompanySize
	}
	if r.Budget > 0 {
		old.Budget = r.Budget
	}
	old.Signals = old.Signals.Merge(r.Signals)
	old.UpdatedAt = at
	return old
}

// ShownStatus is the status a course is read with: a course stored open
// whose taken seats reach its seats is full (Enroll answers ErrFull or
// waitlists), so
// the catalogue never offers a seat there is not. Both backends apply it
// on every read, and ListCourses filters by it.
func ShownStatus(c Course) CourseStatus {
	if c.Status == CourseOpen && c.SeatsTaken >= c.Seats {
		return CourseFull
	}
	return c.Status
}

// FreeSeats is how many seats of c the waiting list may be promoted into:
// its seats not taken when it is open, none when it is marked full or
// closed (a course marked full promotes no one until it is open again).
// c may carry its stored or its shown status: a course shown full has no
// free seat either way.
func FreeSeats(c Course) int {
	if c.Status != CourseOpen {
		return 0
	}
	return max(0, c.Seats-c.SeatsTaken)
}

// CourseFullness decides, for [Enrollments.Enroll], whether a course of
// that stored status and seats has a seat for a new enrolment: err is
// ErrClosed for a closed course; full wraps ErrFull for a course marked
// full or whose seats are taken (counted by taken, only for an open
// course); both nil when a seat is free. Both backends apply it inside
// the transaction that inserts the enrolment.
func CourseFullness(status CourseStatus, seats int, taken func() (int, error)) (full, err error) {
	switch status {
	case CourseClosed:
		return nil, ErrClosed
	case CourseFull:
		return ErrFull, nil
	}
	n, err := taken()
	if err != nil {
		return nil, err
	}
	if n >= seats {
		return fmt.Errorf("%d of %d seats taken: %w", n, seats, ErrFull), nil
	}
	return nil, nil
}

// SeatStatus is the status of a new seat in a course of that price, taken
// at once or promoted from the waiting list: pending_payment when paid,
// active when free.
func SeatStatus(price float64) EnrollmentStatus {
	if price > 0 {
		return EnrollmentPendingPayment
	}
	return EnrollmentActive
}

// EventSeatOffered is the type of the outbox event of a waitlisted
// enrolment promoted to a seat; its id is "enrollment.seat_offered:<enrolment
// id>", one per enrolment. The business's webhook receiver tells the person
// by email (and, for a paid course, how long the seat is held for them).
const EventSeatOffered = "enrollment.seat_offered"

// SeatOffered is the payload of an [EventSeatOffered] event.
type SeatOffered struct {
	EnrollmentID string           `json:"enrollment_id"`
	Course       string           `json:"course"` // the slug
	Title        string           `json:"title"`  // in the course's language of instruction, else Spanish
	Email        string           `json:"email"`
	Name         string           `json:"name"`
	Status       EnrollmentStatus `json:"status"` // pending_payment (to pay) or active (a free course)
	ContactID    string           `json:"contact_id,omitempty"`
}

// SeatOfferedEvent is the event both backends enqueue, in the promoting
// transaction, for enrolment e of course c just promoted from the waiting
// list (e carries its new status).
func SeatOfferedEvent(c Course, e Enrollment) (Event, error) {
	lang := "es"
	if c.Language == "en" {
		lang = "en"
	}
	payload, err := json.Marshal(SeatOffered{
		EnrollmentID: e.ID, Course: c.Slug, Title: c.Title.In(lang), Email: e.Email, Name: e.Name,
		Status: e.Status, ContactID: e.ContactID,
	})
	if err != nil {
		return Event{}, fmt.Errorf("seat offered to enrolment %q: encode payload: %w", e.ID, err)
	}
	return Event{ID: EventSeatOffered + ":" + e.ID, Type: EventSeatOffered, Payload: payload}, nil
}

// CheckSeats refuses seats below the seats already taken, for
// [Courses.PutCourse]: the enrolments would hold seats the course no
// longer has.
func CheckSeats(c Course, taken int) error {
	if c.Seats < taken {
		return fmt.Errorf("course %q: %d seats, but %d are taken (cancel enrolments first): %w", c.Slug, c.Seats, taken, ErrConflict)
	}
	return nil
}
