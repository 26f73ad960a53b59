package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/faroai/faro/store/fulltext"
)

// Sentinel errors of the business data (wrapped, so use errors.Is).
var (
	// ErrFull: the course has no seat left (or is marked full); nothing
	// was written.
	ErrFull = errors.New("course full")
	// ErrClosed: the course is not taking enrolments; nothing was written.
	ErrClosed = errors.New("course closed")
)

// ---------------------------------------------------------------- leads

// LeadInterest is what a prospect wants to buy.
type LeadInterest string

// The interests.
const (
	InterestCourses       LeadInterest = "courses"
	InterestMarketingSaaS LeadInterest = "marketing_saas"
	InterestDocuments     LeadInterest = "documents"
)

// Valid reports whether i is one of the known interests.
func (i LeadInterest) Valid() bool {
	return i == InterestCourses || i == InterestMarketingSaaS || i == InterestDocuments
}

// LeadStage is how far sales has qualified a lead. It moves
// new → marketing_qualified → sales_qualified by score thresholds that the
// tools decide; the store records any move it is given.
type LeadStage string

// The stages.
const (
	StageNew                LeadStage = "new"
	StageMarketingQualified LeadStage = "marketing_qualified"
	StageSalesQualified     LeadStage = "sales_qualified"
)

// Valid reports whether s is one of the known stages.
func (s LeadStage) Valid() bool {
	return s == StageNew || s == StageMarketingQualified || s == StageSalesQualified
}

// Signals is the engagement a prospect has shown, as the website and the
// mailing tool report it. Every count is a running total for the person,
// not an increment: see [Leads.UpsertLead] for how reports merge.
type Signals struct {
	PagesViewed       int  `json:"pages_viewed"`
	TimeOnSiteSeconds int  `json:"time_on_site_seconds"`
	PricingVisits     int  `json:"pricing_visits"`
	DemoRequested     bool `json:"demo_requested"`
	EmailOpens        int  `json:"email_opens"`
	EmailClicks       int  `json:"email_clicks"`
	Downloads         int  `json:"downloads"`
}

// Merge returns the signals known after report arrives: each count the
// larger of the two, DemoRequested once true stays true. Totals only grow,
// so a report sent twice, or a stale one arriving late, changes nothing.
func (s Signals) Merge(report Signals) Signals {
	return Signals{
		PagesViewed:       max(s.PagesViewed, report.PagesViewed),
		TimeOnSiteSeconds: max(s.TimeOnSiteSeconds, report.TimeOnSiteSeconds),
		PricingVisits:     max(s.PricingVisits, report.PricingVisits),
		DemoRequested:     s.DemoRequested || report.DemoRequested,
		EmailOpens:        max(s.EmailOpens, report.EmailOpens),
		EmailClicks:       max(s.EmailClicks, report.EmailClicks),
		Downloads:         max(s.Downloads, report.Downloads),
	}
}

// Check returns ErrInvalid if a count is negative.
func (s Signals) Check() error {
	for name, v := range map[string]int{
		"pages_viewed": s.PagesViewed, "time_on_site_seconds": s.TimeOnSiteSeconds,
		"pricing_visits": s.PricingVisits, "email_opens": s.EmailOpens,
		"email_clicks": s.EmailClicks, "downloads": s.Downloads,
	} {
		if v < 0 {
			return fmt.Errorf("signal %s is negative (%d): %w", name, v, ErrInvalid)
		}
	}
	return nil
}

// Lead is one prospect sales may act on. There is one lead per email,
// compared by [FoldEmail].
type Lead struct {
	ID          string       `json:"id"`
	ContactID   string       `json:"contact_id,omitempty"` // the chat contact, when known
	Email       string       `json:"email"`
	Name        string       `json:"name"`
	Phone       string       `json:"phone"`
	Company     string       `json:"company"`
	CompanySize int          `json:"company_size"` // employees; 0 unknown
	Industry    string       `json:"industry"`
	Country     string       `json:"country"`
	Interest    LeadInterest `json:"interest,omitempty"`
	Budget      float64      `json:"budget"` // USD; 0 unknown
	Timeline    string       `json:"timeline"`
	Signals     Signals      `json:"signals"`
	// Score and ScoreFactors are the last qualification: the total and
	// each factor's contribution (JSON chosen by the scorer), so a person
	// can see why. Set only by SetLeadStage.
	Score        float64         `json:"score"`
	ScoreFactors json.RawMessage `json:"score_factors,omitempty"`
	Stage        LeadStage       `json:"stage"`
	CreatedAt    time.Time       `json:"created_at"`
	UpdatedAt    time.Time       `json:"updated_at"`
}

// LeadStageChange is one move of a lead between stages, kept forever.
type LeadStageChange struct {
	ID     int64     `json:"id"` // increasing with time; 0 when nothing was recorded
	LeadID string    `json:"lead_id"`
	From   LeadStage `json:"from"`
	To     LeadStage `json:"to"`
	Score  float64   `json:"score"` // the score that decided it
	At     time.Time `json:"at"`
}

// Changed reports whether the stage moved (and a history row was written).
func (c LeadStageChange) Changed() bool { return c.From != c.To }

// LeadFilter narrows and orders ListLeads. Empty fields do not filter.
type LeadFilter struct {
	Stage LeadStage
	// MinScore keeps the leads scored at least this much (0: all).
	MinScore float64
	// Channel keeps the leads whose chat contact has a conversation on
	// this channel ("web", "telegram"…): where the lead came from.
	Channel string
	// Order is newest first when empty.
	Order LeadOrder
}

// LeadOrder is the order ListLeads returns leads in; ties go newest first.
type LeadOrder string

// The orders.
const (
	LeadsNewest  LeadOrder = "newest"
	LeadsOldest  LeadOrder = "oldest"
	LeadsByScore LeadOrder = "score" // highest first
)

// Valid reports whether o is one of the orders or empty.
func (o LeadOrder) Valid() bool {
	return o == "" || o == LeadsNewest || o == LeadsOldest || o == LeadsByScore
}

// Check returns ErrInvalid for an unknown stage or order, or a negative
// or non-finite minimum score.
func (f LeadFilter) Check() error {
	if f.Stage != "" && !f.Stage.Valid() {
		return fmt.Errorf("lead stage %q: %w", f.Stage, ErrInvalid)
	}
	if !f.Order.Valid() {
		return fmt.Errorf("lead order %q: %w", f.Order, ErrInvalid)
	}
	if math.IsNaN(f.MinScore) || math.IsInf(f.MinScore, 0) || f.MinScore < 0 {
		return fmt.Errorf("minimum score %v: %w", f.MinScore, ErrInvalid)
	}
	return nil
}

// Leads stores prospects and their qualification.
type Leads interface {
	// UpsertLead stores l as the lead of l.Email (trimmed; compared
	// case-insensitively). ErrInvalid if the email is empty, the interest
	// unknown, or the company size, budget or a signal negative.
	//
	// With no lead for that email, a new one is created (created=true) at
	// StageNew with score 0. Otherwise the stored lead is updated
	// (created=false): each string field, and ContactID, given non-empty
	// overwrites the stored one, CompanySize and Budget overwrite when
	// above 0, signals merge by [Signals.Merge] (max of running totals).
	// The stored email keeps its first spelling. Stage, Score and
	// ScoreFactors of l are ignored: only SetLeadStage sets them. Two
	// concurrent upserts of one new email create one lead.
	UpsertLead(ctx context.Context, l Lead) (stored Lead, created bool, err error)
	// Lead returns ErrNotFound if there is no lead with that id.
	Lead(ctx context.Context, id string) (Lead, error)
	// LeadByEmail matches case-insensitively (trimmed); ErrNotFound if none.
	LeadByEmail(ctx context.Context, email string) (Lead, error)
	// ListLeads returns leads in f's order (newest first by default),
	// offset/limit paginated (limit 0: no cap; negative values are
	// ErrInvalid, as a filter that fails [LeadFilter.Check]).
	ListLeads(ctx context.Context, f LeadFilter, offset, limit int) ([]Lead, error)
	// SetLeadStage saves the score, its factors (valid JSON or empty) and
	// the stage of the lead, in one transaction with its history: when the
	// stage differs from the stored one a LeadStageChange row is written
	// and returned (Changed() true); when it is the same only the score and
	// factors are saved and the returned change has From == To and ID 0.
	// Any move between valid stages is allowed, backwards too. ErrNotFound
	// if the lead does not exist, ErrInvalid for an unknown stage or bad
	// JSON.
	//
	// To emit lead.qualified at least once, enqueue it with a dedupe id
	// made from the lead id whenever the stage is sales_qualified, not only
	// when Changed(): a crash between the two calls then loses nothing.
	SetLeadStage(ctx context.Context, leadID string, stage LeadStage, score float64, factors json.RawMessage) (LeadStageChange, error)
	// LeadHistory lists the stage changes of a lead, oldest first;
	// ErrNotFound if the lead does not exist.
	LeadHistory(ctx context.Context, leadID string) ([]LeadStageChange, error)
}

// ---------------------------------------------------------------- courses

// Localized is a text in Spanish and English.
type Localized struct {
	ES string `json:"es"`
	EN string `json:"en"`
}

// In returns the text in lang, falling back to the other language: "es"
// and "pt" read Spanish first (there is no Portuguese text, and Spanish is
// the nearer to it), anything else English first.
func (l Localized) In(lang string) string {
	if lang == "es" || lang == "pt" {
		return cmpOr(l.ES, l.EN)
	}
	return cmpOr(l.EN, l.ES)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Money is an amount in a currency (ISO 4217, "USD").
type Money struct {
	Amount   float64 `json:"amount"`
	Currency string  `json:"currency"`
}

// CourseStatus says whether a course takes enrolments.
type CourseStatus string

// The course statuses.
const (
	CourseOpen   CourseStatus = "open"   // enrolling while seats last
	CourseFull   CourseStatus = "full"   // no seats left; Enroll answers ErrFull, or waitlists
	CourseClosed CourseStatus = "closed" // not enrolling; Enroll answers ErrClosed
)

// Valid reports whether s is one of the known statuses.
func (s CourseStatus) Valid() bool {
	return s == CourseOpen || s == CourseFull || s == CourseClosed
}

// Course is one cohort of the catalogue, keyed by its slug.
type Course struct {
	Slug          string       `json:"slug"`
	Title         Localized    `json:"title"`
	Description   Localized    `json:"description"`
	Language      string       `json:"language"` // of instruction
	Topics        []string     `json:"topics"`
	Level         string       `json:"level"`
	Price         Money        `json:"price"` // Amount 0: free
	Seats         int          `json:"seats"` // capacity, at least 1
	Start         time.Time    `json:"start"` // a date: 00:00 UTC; zero when not scheduled
	DurationWeeks int          `json:"duration_weeks"`
	Status        CourseStatus `json:"status"`
	Source        string       `json:"source"` // the knowledge document describing it
	// SeatsTaken counts the enrolments that hold a seat (neither
	// cancelled nor waitlisted); filled on read, ignored on write.
	SeatsTaken int       `json:"seats_taken"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Free reports whether the course costs nothing.
func (c Course) Free() bool { return c.Price.Amount == 0 }

// CourseFilter narrows ListCourses. Empty fields do not filter.
type CourseFilter struct {
	Language string       // language of instruction, exactly
	Topic    string       // one of the course's topics, compared case-insensitively
	Status   CourseStatus // exactly
}

// Courses stores the course catalogue.
type Courses interface {
	// PutCourse creates or replaces the course with c.Slug (CreatedAt is
	// kept on replace) and returns it as stored. Start is truncated to its
	// UTC date. An empty status is open. ErrInvalid if the slug is empty
	// or has spaces, the status is unknown, seats are below 1, the price
	// is negative or a paid price has no currency. ErrConflict, and
	// nothing written, when seats would drop below the seats taken.
	// Replacing touches no enrolment, except that when the stored course
	// is open with free seats (more seats, or no longer marked full or
	// closed) its waiting list is promoted into them, in the same
	// transaction, as [Enrollments] describes.
	PutCourse(ctx context.Context, c Course) (Course, error)
	// Course returns ErrNotFound if there is no course with that slug.
	// Every read gives a course its [ShownStatus]: full once an open
	// course's seats are taken.
	Course(ctx context.Context, slug string) (Course, error)
	// ListCourses returns the courses matching f (Status compared with
	// the shown status), by start date (not scheduled last), then slug.
	ListCourses(ctx context.Context, f CourseFilter) ([]Course, error)
	// SeatsTaken counts the course's enrolments that hold a seat (neither
	// cancelled nor waitlisted); ErrNotFound if the course does not exist.
	SeatsTaken(ctx context.Context, slug string) (int, error)
}

// ---------------------------------------------------------------- enrolments

// EnrollmentStatus is where an enrolment stands.
type EnrollmentStatus string

// The enrolment statuses.
const (
	EnrollmentPendingPayment EnrollmentStatus = "pending_payment" // a paid course, not paid yet; holds a seat
	EnrollmentActive         EnrollmentStatus = "active"
	EnrollmentCompleted      EnrollmentStatus = "completed"
	EnrollmentCancelled      EnrollmentStatus = "cancelled"  // frees the seat
	EnrollmentWaitlisted     EnrollmentStatus = "waitlisted" // on the course's waiting list; holds no seat
)

// Valid reports whether s is one of the known statuses.
func (s EnrollmentStatus) Valid() bool {
	switch s {
	case EnrollmentPendingPayment, EnrollmentActive, EnrollmentCompleted, EnrollmentCancelled, EnrollmentWaitlisted:
		return true
	}
	return false
}

// HoldsSeat reports whether an enrolment in status s takes one of the
// course's seats: pending payment, active or completed. Only these are
// counted as seats taken.
func (s EnrollmentStatus) HoldsSeat() bool {
	return s == EnrollmentPendingPayment || s == EnrollmentActive || s == EnrollmentCompleted
}

// Enrollment is one person's seat in one course, or their place on its
// waiting list.
type Enrollment struct {
	ID         string           `json:"id"`
	CourseSlug string           `json:"course"`
	ContactID  string           `json:"contact_id,omitempty"`
	Email      string           `json:"email"`
	Name       string           `json:"name"`
	Status     EnrollmentStatus `json:"status"`
	PaymentRef string           `json:"payment_ref,omitempty"`
	Progress   int              `json:"progress"` // percent, 0..100
	// WaitlistPosition is the place of a waitlisted enrolment on its
	// course's waiting list, 1 first, by the order they joined it; 0 for
	// any other status. Filled on read, ignored on write.
	WaitlistPosition int       `json:"waitlist_position,omitempty"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// EnrollRequest asks for a seat.
type EnrollRequest struct {
	CourseSlug string
	ContactID  string // optional
	Email      string // required; the person is known by it
	Name       string
	// Waitlist: when the course is full, join its waiting list instead
	// of being refused with ErrFull.
	Waitlist bool
}

// EnrollmentFilter narrows ListEnrollments. Empty fields do not filter.
type EnrollmentFilter struct {
	CourseSlug string
	ContactID  string
	Status     EnrollmentStatus
}

// Enrollments stores seats in courses and their waiting lists.
//
// Seats are held by pending_payment, active and completed enrolments
// ([EnrollmentStatus.HoldsSeat]); a waitlisted one holds none and waits,
// in the order it joined, for one to free. Whenever a seat frees in a
// course stored open — a seat-holding enrolment is cancelled, or PutCourse
// adds seats or opens a course marked full or closed — the oldest
// waitlisted enrolments are promoted in the same transaction, as many as
// there are free seats: to pending_payment for a paid course, active for a
// free one. Each promotion enqueues, in that transaction, the outbox event
// [SeatOfferedEvent] makes, so the business can tell the person. A course
// marked full or closed promotes no one until it is open again.
type Enrollments interface {
	// Enroll gives the person of r.Email (trimmed, compared
	// case-insensitively) a seat in the course, in one transaction that
	// serialises with every other enrolment of the course, so the seats
	// are never oversold whatever the number of concurrent requests.
	//
	// In order: ErrInvalid without a course slug or an email; ErrNotFound
	// if the course does not exist; if the person already holds a
	// non-cancelled enrolment in it (waitlisted included), that one comes
	// back with created=false and nothing is written (whatever the
	// course's status or seats now); ErrClosed if the course is closed.
	// When it is marked full or its seat-holding enrolments fill its
	// seats: with r.Waitlist a new waitlisted enrolment is stored
	// (created=true) at the end of the course's waiting list, else ErrFull.
	// Otherwise a new enrolment is stored (created=true): active for a
	// free course, pending_payment for a paid one.
	Enroll(ctx context.Context, r EnrollRequest) (e Enrollment, created bool, err error)
	// Enrollment returns ErrNotFound if there is none with that id.
	Enrollment(ctx context.Context, id string) (Enrollment, error)
	// ConfirmPayment moves a pending_payment enrolment to active and keeps
	// paymentRef. Confirming an active enrolment again with the same
	// reference returns it unchanged (payment webhooks retry).
	// ErrInvalid for an empty reference; ErrNotFound if the enrolment does
	// not exist; ErrConflict if it is active under another reference,
	// completed, cancelled or waitlisted (it has no seat to pay for yet).
	ConfirmPayment(ctx context.Context, enrollmentID, paymentRef string) (Enrollment, error)
	// SetProgress saves the progress (0..100, else ErrInvalid) of an
	// active enrolment; 100 completes it. ErrNotFound if it does not
	// exist; ErrConflict unless it is active (waitlisted is not).
	SetProgress(ctx context.Context, enrollmentID string, progress int) (Enrollment, error)
	// CompleteEnrollment marks an active enrolment completed (progress
	// 100), which is what lets its student have the certificate;
	// completing a completed one does nothing. ErrNotFound if it does not
	// exist; ErrConflict if it is pending payment, waitlisted or
	// cancelled.
	CompleteEnrollment(ctx context.Context, enrollmentID string) (Enrollment, error)
	// CancelEnrollment cancels an enrolment and frees its seat, which goes
	// to the course's waiting list (see above); a waitlisted enrolment
	// cancelled just leaves the list, promoting no one. Cancelling a
	// cancelled one does nothing. ErrNotFound if it does not exist;
	// ErrConflict if it is completed.
	CancelEnrollment(ctx context.Context, enrollmentID string) (Enrollment, error)
	// EnrollmentsByContact lists the contact's enrolments, newest first
	// (cancelled ones included); empty when there are none.
	EnrollmentsByContact(ctx context.Context, contactID string) ([]Enrollment, error)
	// EnrollmentsByEmail lists the enrolments of an email (compared
	// case-insensitively), newest first; empty when there are none.
	EnrollmentsByEmail(ctx context.Context, email string) ([]Enrollment, error)
	// ListEnrollments returns enrolments matching f, newest first,
	// offset/limit paginated (limit 0: no cap; negative is ErrInvalid).
	ListEnrollments(ctx context.Context, f EnrollmentFilter, offset, limit int) ([]Enrollment, error)
}

// ---------------------------------------------------------------- tickets

// TicketCategory is what a ticket is about.
type TicketCategory string

// The categories.
const (
	CategoryBilling       TicketCategory = "billing"
	CategoryAccess        TicketCategory = "access"
	CategoryTechnical     TicketCategory = "technical"
	CategoryCourseContent TicketCategory = "course_content"
	CategorySales         TicketCategory = "sales"
	CategoryOther         TicketCategory = "other"
)

// Valid reports whether c is one of the known categories.
func (c TicketCategory) Valid() bool {
	switch c {
	case CategoryBilling, CategoryAccess, CategoryTechnical, CategoryCourseContent, CategorySales, CategoryOther:
		return true
	}
	return false
}

// TicketPriority orders the work of the support team.
type TicketPriority string

// The priorities.
const (
	PriorityLow    TicketPriority = "low"
	PriorityNormal TicketPriority = "normal"
	PriorityHigh   TicketPriority = "high"
	PriorityUrgent TicketPriority = "urgent"
)

// Valid reports whether p is one of the known priorities.
func (p TicketPriority) Valid() bool {
	return p == PriorityLow || p == PriorityNormal || p == PriorityHigh || p == PriorityUrgent
}

// TicketStatus is where a ticket stands.
type TicketStatus string

// The ticket statuses. Open and pending are "open" for de-duplication.
const (
	TicketOpen     TicketStatus = "open"
	TicketPending  TicketStatus = "pending" // waiting on the customer
	TicketResolved TicketStatus = "resolved"
	TicketClosed   TicketStatus = "closed"
)

// Valid reports whether s is one of the known statuses.
func (s TicketStatus) Valid() bool {
	return s == TicketOpen || s == TicketPending || s == TicketResolved || s == TicketClosed
}

// Active reports whether the ticket is still being worked on (open or
// pending): a new ticket on the same subject is added to it.
func (s TicketStatus) Active() bool { return s == TicketOpen || s == TicketPending }

// TicketNumber is the number people quote for a ticket: unique and
// increasing (gaps are possible), shown as "T-000123".
type TicketNumber int64

// String formats n as people see it: "T-" and at least six digits.
func (n TicketNumber) String() string { return fmt.Sprintf("T-%06d", int64(n)) }

// MarshalText writes the "T-000123" form, so JSON shows what people quote.
func (n TicketNumber) MarshalText() ([]byte, error) { return []byte(n.String()), nil }

// UnmarshalText reads what [ParseTicketNumber] reads.
func (n *TicketNumber) UnmarshalText(b []byte) error {
	v, err := ParseTicketNumber(string(b))
	if err != nil {
		return err
	}
	*n = v
	return nil
}

// ParseTicketNumber reads a number as a person types it: "T-000123",
// "t-123", "#123", "123". ErrInvalid for anything else or for 0.
func ParseTicketNumber(s string) (TicketNumber, error) {
	t := strings.TrimSpace(s)
	t = strings.TrimPrefix(t, "#")
	if len(t) >= 2 && (t[0] == 'T' || t[0] == 't') {
		t = strings.TrimPrefix(t[1:], "-")
	}
	v, err := strconv.ParseInt(t, 10, 64)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("ticket number %q: %w", s, ErrInvalid)
	}
	return TicketNumber(v), nil
}

// Ticket is one support request.
type Ticket struct {
	ID             string         `json:"id"`
	Number         TicketNumber   `json:"number"`
	ContactID      string         `json:"contact_id,omitempty"`
	ConversationID string         `json:"conversation_id,omitempty"` // the transcript
	Email          string         `json:"email,omitempty"`
	Subject        string         `json:"subject"`
	Description    string         `json:"description"`
	Category       TicketCategory `json:"category"`
	Priority       TicketPriority `json:"priority"`
	Queue          string         `json:"queue"`
	Language       string         `json:"language"`
	Status         TicketStatus   `json:"status"`
	DueAt          time.Time      `json:"due_at"` // the SLA; zero when none
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
}

// TicketNote is an addition to a ticket: a repeated request, a staff
// comment.
type TicketNote struct {
	ID        int64     `json:"id"` // increasing with time
	TicketID  string    `json:"ticket_id"`
	Author    string    `json:"author"` // "user", "staff:<name>", "system"… free text
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"created_at"`
}

// TicketFilter narrows ListTickets. Empty fields do not filter.
type TicketFilter struct {
	ContactID string
	Email     string // compared case-insensitively
	Status    TicketStatus
	Queue     string
}

// TicketUpdate is what staff change on a ticket; empty fields stay as
// they are.
type TicketUpdate struct {
	Status   TicketStatus
	Priority TicketPriority
	Queue    string
	DueAt    time.Time
}

// SubjectKey is the form ticket subjects are compared by for
// de-duplication: folded (case, accents), stop words left out, stemmed
// for every language, sorted and distinct, so "No puedo entrar a la
// plataforma" and "no puedo entrar plataforma" are one subject. Both
// backends store it, so they agree.
func SubjectKey(subject string) string {
	terms := fulltext.DocumentTerms(fulltext.Fold(subject), "")
	slices.Sort(terms)
	return strings.Join(slices.Compact(terms), " ")
}

// Tickets stores support tickets.
type Tickets interface {
	// OpenTicket stores t as a new ticket (created=true) with a new ID and
	// Number, status open; an empty category is other and an empty
	// priority normal; a zero DueAt means no SLA. ErrInvalid without a
	// subject, or for an unknown category or priority.
	//
	// If the same person — t.ContactID when given, else t.Email compared
	// case-insensitively — has an active (open or pending) ticket whose
	// subject has the same [SubjectKey], nothing new is opened: the
	// description is added to that ticket as a note by "user" (when not
	// empty), and it comes back with created=false. Once resolved or
	// closed, the same subject opens a new ticket. A ticket with neither a
	// contact nor an email is never de-duplicated. Concurrent calls agree:
	// one ticket, the others add notes.
	OpenTicket(ctx context.Context, t Ticket) (stored Ticket, created bool, err error)
	// Ticket returns ErrNotFound if there is none with that id.
	Ticket(ctx context.Context, id string) (Ticket, error)
	// TicketByNumber returns ErrNotFound if there is none with that number.
	TicketByNumber(ctx context.Context, n TicketNumber) (Ticket, error)
	// ListTickets returns tickets matching f, newest first, offset/limit
	// paginated (limit 0: no cap; negative is ErrInvalid).
	ListTickets(ctx context.Context, f TicketFilter, offset, limit int) ([]Ticket, error)
	// UpdateTicket applies u to the ticket. ErrNotFound if it does not
	// exist; ErrInvalid for an unknown status or priority; ErrConflict if
	// reopening it would make two active tickets of one person on one
	// subject.
	UpdateTicket(ctx context.Context, id string, u TicketUpdate) (Ticket, error)
	// AddTicketNote appends a note (Text required, else ErrInvalid; the ID,
	// TicketID and time are set by the store) and touches the ticket's
	// UpdatedAt. ErrNotFound if the ticket does not exist.
	AddTicketNote(ctx context.Context, ticketID string, n TicketNote) (TicketNote, error)
	// TicketNotes lists the ticket's notes, oldest first; ErrNotFound if
	// the ticket does not exist.
	TicketNotes(ctx context.Context, ticketID string) ([]TicketNote, error)
}

// ---------------------------------------------------------------- outbox

// Event is one outbound notification (a webhook call), kept until
// delivered: written in the same database as the change it reports, it
// survives a crash, and whoever delivers it retries until it is marked
// delivered (at least once; receivers de-duplicate by ID).
type Event struct {
	ID      string          `json:"id"`   // the de-duplication key, chosen by the producer ("lead.qualified:<lead id>")
	Type    string          `json:"type"` // "lead.qualified", "conversation.handed_off"…
	Payload json.RawMessage `json:"payload"`
	// Attempts counts the claims: the delivery now under way is number
	// Attempts.
	Attempts      int       `json:"attempts"`
	NextAttemptAt time.Time `json:"next_attempt_at"`
	LastError     string    `json:"last_error,omitempty"`
	DeliveredAt   time.Time `json:"delivered_at"` // zero until delivered
	CreatedAt     time.Time `json:"created_at"`
}

// Outbox stores events to deliver, for any number of servers at once.
type Outbox interface {
	// EnqueueEvent stores e to be delivered at e.NextAttemptAt (zero: now).
	// An event with e.ID stored before, delivered or not, is left as it is
	// and created is false. ErrInvalid without an ID or a type, or when the
	// payload is not valid JSON (an empty payload is stored as null).
	EnqueueEvent(ctx context.Context, e Event) (created bool, err error)
	// Event returns ErrNotFound if there is none with that id.
	Event(ctx context.Context, id string) (Event, error)
	// ClaimEvents hands out up to limit events (limit ≥ 1, lease > 0,
	// else ErrInvalid) that are not delivered, are due (NextAttemptAt ≤
	// now) and are not claimed by a lease still running at now, earliest
	// due first. Each is claimed until now+lease and its Attempts grows by
	// one, in one statement: concurrent callers never get the same event
	// while a lease runs. A claim that is neither delivered nor failed
	// before its lease ends is handed out again.
	ClaimEvents(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]Event, error)
	// MarkDelivered records the delivery and clears LastError (it was
	// delivered after all); marking again does nothing.
	// ErrNotFound if there is no such event.
	MarkDelivered(ctx context.Context, id string) error
	// MarkFailed records a failed attempt: the lease ends, the event is
	// due again at nextAttemptAt and keeps lastErr. It does nothing to an
	// event already delivered (a late report of a slower server).
	// ErrNotFound if there is no such event.
	MarkFailed(ctx context.Context, id string, nextAttemptAt time.Time, lastErr string) error
}

// Business is the data of the sales, courses, support and document tools.
type Business interface {
	Leads
	Courses
	Enrollments
	Tickets
	Outbox
	GeneratedDocuments // generated_documents.go
	Subscriptions      // subscriptions.go
	Stats              // stats.go: the aggregates of the KPIs
}

// FoldEmail is the form emails are compared by: trimmed and lower-cased.
func FoldEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// ValidEmail reports whether s is one bare address (local@domain, no
// display name, at most 254 bytes), as billing or a person sends it.
func ValidEmail(s string) bool {
	if len(s) > 254 || HasControl(s) {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}
