package server

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/faroai/faro/store"
)

// BusinessStore is what the admin API reads and writes of the business
// data: leads, courses, enrolments and tickets. store.Business satisfies
// it.
type BusinessStore interface {
	Lead(ctx context.Context, id string) (store.Lead, error)
	ListLeads(ctx context.Context, f store.LeadFilter, offset, limit int) ([]store.Lead, error)
	LeadHistory(ctx context.Context, leadID string) ([]store.LeadStageChange, error)
	PutCourse(ctx context.Context, c store.Course) (store.Course, error)
	Course(ctx context.Context, slug string) (store.Course, error)
	ListCourses(ctx context.Context, f store.CourseFilter) ([]store.Course, error)
	ListEnrollments(ctx context.Context, f store.EnrollmentFilter, offset, limit int) ([]store.Enrollment, error)
	ConfirmPayment(ctx context.Context, enrollmentID, paymentRef string) (store.Enrollment, error)
	CompleteEnrollment(ctx context.Context, enrollmentID string) (store.Enrollment, error)
	Ticket(ctx context.Context, id string) (store.Ticket, error)
	ListTickets(ctx context.Context, f store.TicketFilter, offset, limit int) ([]store.Ticket, error)
	UpdateTicket(ctx context.Context, id string, u store.TicketUpdate) (store.Ticket, error)
	TicketNotes(ctx context.Context, ticketID string) ([]store.TicketNote, error)
}

var _ BusinessStore = store.Business(nil)

// businessRoutes are the routes of leads, courses, enrolments and tickets.
func (s *Server) businessRoutes() []route {
	if s.opts.Business == nil {
		return nil
	}
	return []route{
		{method: "GET", path: "/api/v1/leads", roles: adminStaff, handler: s.listLeads,
			op: operation{id: "listLeads", summary: "List leads, newest first or by score", tag: "leads",
				query: append([]param{{"stage", "string", "new, marketing_qualified or sales_qualified"},
					{"min_score", "number", "only leads scored at least this much"},
					{"channel", "string", "only leads whose contact has a conversation on this channel (web, telegram…)"},
					{"sort", "string", "newest (default), oldest or score (highest first)"}}, pageParams...), resp: "Lead", list: true}},
		{method: "GET", path: "/api/v1/leads/{id}", roles: adminStaff, handler: s.getLead,
			op: operation{id: "getLead", summary: "Get a lead with its score factors and stage history", tag: "leads", resp: "Lead"}},
		{method: "GET", path: "/api/v1/courses", roles: adminStaff, handler: s.listCourses,
			op: operation{id: "listCourses", summary: "List courses by start date", tag: "courses",
				query: append([]param{{"language", "string", "language of instruction"}, {"topic", "string", "one of the course's topics"}, {"status", "string", "open, full or closed"}}, pageParams...),
				resp:  "Course", list: true}},
		{method: "PUT", path: "/api/v1/courses/{slug}", roles: adminOnly, handler: s.putCourse,
			op: operation{id: "putCourse", summary: "Create or replace a course; seats it frees (more seats, or open again) go to its waiting list", tag: "courses", body: "Course", resp: "Course"}},
		{method: "GET", path: "/api/v1/enrollments", roles: adminStaff, handler: s.listEnrollments,
			op: operation{id: "listEnrollments", summary: "List enrolments, newest first", tag: "enrollments",
				query: append([]param{{"course", "string", "course slug"}, {"contact_id", "string", "only this contact's"}, {"status", "string", "pending_payment, active, completed, cancelled or waitlisted (on the course's waiting list, holding no seat; waitlist_position is the place)"}}, pageParams...),
				resp:  "Enrollment", list: true}},
		{method: "POST", path: "/api/v1/enrollments/{id}/confirm-payment", roles: adminStaff, handler: s.confirmPayment,
			op: operation{id: "confirmPayment", summary: "Confirm the payment of a pending enrolment (idempotent by reference)", tag: "enrollments", body: "ConfirmPayment", resp: "Enrollment"}},
		{method: "POST", path: "/api/v1/enrollments/{id}/complete", roles: adminStaff, handler: s.completeEnrollment,
			op: operation{id: "completeEnrollment", summary: "Mark an active enrolment completed (idempotent), so its student can have the certificate", tag: "enrollments", resp: "Enrollment"}},
		{method: "GET", path: "/api/v1/tickets", roles: adminStaff, handler: s.listTickets,
			op: operation{id: "listTickets", summary: "List tickets, newest first", tag: "tickets",
				query: append([]param{{"status", "string", "open, pending, resolved or closed"}, {"queue", "string", "support queue"}, {"contact_id", "string", "only this contact's"}, {"email", "string", "only this email's"}}, pageParams...),
				resp:  "Ticket", list: true}},
		{method: "GET", path: "/api/v1/tickets/{id}", roles: adminStaff, handler: s.getTicket,
			op: operation{id: "getTicket", summary: "Get a ticket with its notes", tag: "tickets", resp: "Ticket"}},
		{method: "PATCH", path: "/api/v1/tickets/{id}", roles: adminStaff, handler: s.updateTicket,
			op: operation{id: "updateTicket", summary: "Change a ticket's status, priority, queue or due time", tag: "tickets", body: "TicketUpdate", resp: "Ticket"}},
	}
}

// LeadDetail is a lead with its stage history (on GET of one lead).
type LeadDetail struct {
	store.Lead
	History []store.LeadStageChange `json:"history,omitempty"`
}

func (s *Server) listLeads(w http.ResponseWriter, r *http.Request) {
	p, err := pageOf(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	f := store.LeadFilter{Stage: store.LeadStage(q.Get("stage")), Channel: q.Get("channel"), Order: store.LeadOrder(q.Get("sort"))}
	if f.Stage != "" && !f.Stage.Valid() {
		s.writeError(w, r, Errorf(CodeInvalid, "stage must be new, marketing_qualified or sales_qualified"))
		return
	}
	if !f.Order.Valid() {
		s.writeError(w, r, Errorf(CodeInvalid, "sort must be newest, oldest or score"))
		return
	}
	if m := q.Get("min_score"); m != "" {
		n, err := strconv.ParseFloat(m, 64)
		if err != nil || n < 0 || math.IsInf(n, 0) || math.IsNaN(n) {
			s.writeError(w, r, Errorf(CodeInvalid, "min_score must be a number, 0 or more"))
			return
		}
		f.MinScore = n
	}
	ls, err := s.opts.Business.ListLeads(r.Context(), f, p.offset, p.limit+1)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("list leads: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, listOf(r, p, ls))
}

func (s *Server) getLead(w http.ResponseWriter, r *http.Request) {
	l, err := s.opts.Business.Lead(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, fmt.Errorf("get lead: %w", err))
		return
	}
	h, err := s.opts.Business.LeadHistory(r.Context(), l.ID)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("get lead %s: history: %w", l.ID, err))
		return
	}
	writeJSON(w, http.StatusOK, LeadDetail{Lead: l, History: h})
}

func (s *Server) listCourses(w http.ResponseWriter, r *http.Request) {
	p, err := pageOf(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	f := store.CourseFilter{Language: q.Get("language"), Topic: q.Get("topic"), Status: store.CourseStatus(q.Get("status"))}
	if f.Status != "" && !f.Status.Valid() {
		s.writeError(w, r, Errorf(CodeInvalid, "status must be open, full or closed"))
		return
	}
	cs, err := s.opts.Business.ListCourses(r.Context(), f)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("list courses: %w", err))
		return
	}
	// The catalogue is small and the store lists it whole.
	start := min(p.offset, len(cs))
	end := min(start+p.limit+1, len(cs))
	writeJSON(w, http.StatusOK, listOf(r, p, cs[start:end]))
}

func (s *Server) putCourse(w http.ResponseWriter, r *http.Request) {
	var c store.Course
	if err := decodeJSON(w, r, &c, 1<<20); err != nil {
		s.writeError(w, r, err)
		return
	}
	slug := r.PathValue("slug")
	if c.Slug != "" && c.Slug != slug {
		s.writeError(w, r, Errorf(CodeInvalid, "the body's slug %q is not the path's %q", c.Slug, slug))
		return
	}
	c.Slug = slug
	stored, err := s.opts.Business.PutCourse(r.Context(), c)
	if errors.Is(err, store.ErrConflict) {
		s.writeError(w, r, Errorf(CodeConflict, "seats (%d) cannot be fewer than the seats already taken; cancel enrolments first", c.Seats))
		return
	}
	if err != nil {
		s.writeError(w, r, fmt.Errorf("put course %s: %w", slug, err))
		return
	}
	p, _ := PrincipalFrom(r.Context())
	s.log(r.Context()).Info("course saved", "course", slug, "key", p.Name)
	writeJSON(w, http.StatusOK, stored)
}

func (s *Server) listEnrollments(w http.ResponseWriter, r *http.Request) {
	p, err := pageOf(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	f := store.EnrollmentFilter{CourseSlug: q.Get("course"), ContactID: q.Get("contact_id"), Status: store.EnrollmentStatus(q.Get("status"))}
	if f.Status != "" && !f.Status.Valid() {
		s.writeError(w, r, Errorf(CodeInvalid, "status must be pending_payment, active, completed, cancelled or waitlisted"))
		return
	}
	es, err := s.opts.Business.ListEnrollments(r.Context(), f, p.offset, p.limit+1)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("list enrollments: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, listOf(r, p, es))
}

// ConfirmPaymentRequest is the body of a payment confirmation.
type ConfirmPaymentRequest struct {
	// PaymentRef is the payment's reference (bank transfer, invoice);
	// confirming again with the same one changes nothing.
	PaymentRef string `json:"payment_ref"`
}

func (s *Server) confirmPayment(w http.ResponseWriter, r *http.Request) {
	var req ConfirmPaymentRequest
	if err := decodeJSON(w, r, &req, 1<<16); err != nil {
		s.writeError(w, r, err)
		return
	}
	if strings.TrimSpace(req.PaymentRef) == "" {
		s.writeError(w, r, Errorf(CodeInvalid, "payment_ref must not be empty"))
		return
	}
	e, err := s.opts.Business.ConfirmPayment(r.Context(), r.PathValue("id"), strings.TrimSpace(req.PaymentRef))
	if errors.Is(err, store.ErrConflict) {
		// Said in full: a payment provider retrying needs to know this
		// will never succeed.
		s.writeError(w, r, Errorf(CodeConflict, "only a pending_payment enrolment can be confirmed (again with the same reference once active); "+
			"this one is active under another reference, completed, cancelled or waitlisted (no seat yet)"))
		return
	}
	if err != nil {
		s.writeError(w, r, fmt.Errorf("confirm payment: %w", err))
		return
	}
	p, _ := PrincipalFrom(r.Context())
	s.log(r.Context()).Info("payment confirmed", "enrollment_id", e.ID, "course", e.CourseSlug, "key", p.Name)
	writeJSON(w, http.StatusOK, e)
}

func (s *Server) completeEnrollment(w http.ResponseWriter, r *http.Request) {
	e, err := s.opts.Business.CompleteEnrollment(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrConflict) {
		s.writeError(w, r, Errorf(CodeConflict, "only an active enrolment can be completed (a pending payment is confirmed first; a cancelled or waitlisted one cannot be)"))
		return
	}
	if err != nil {
		s.writeError(w, r, fmt.Errorf("complete enrolment: %w", err))
		return
	}
	p, _ := PrincipalFrom(r.Context())
	s.log(r.Context()).Info("enrolment completed", "enrollment_id", e.ID, "course", e.CourseSlug, "key", p.Name)
	writeJSON(w, http.StatusOK, e)
}

// TicketDetail is a ticket with its notes (on GET of one ticket).
type TicketDetail struct {
	store.Ticket
	Notes []store.TicketNote `json:"notes,omitempty"`
}

func (s *Server) listTickets(w http.ResponseWriter, r *http.Request) {
	p, err := pageOf(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	f := store.TicketFilter{Status: store.TicketStatus(q.Get("status")), Queue: q.Get("queue"), ContactID: q.Get("contact_id"), Email: q.Get("email")}
	if f.Status != "" && !f.Status.Valid() {
		s.writeError(w, r, Errorf(CodeInvalid, "status must be open, pending, resolved or closed"))
		return
	}
	ts, err := s.opts.Business.ListTickets(r.Context(), f, p.offset, p.limit+1)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("list tickets: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, listOf(r, p, ts))
}

func (s *Server) getTicket(w http.ResponseWriter, r *http.Request) {
	t, err := s.opts.Business.Ticket(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, fmt.Errorf("get ticket: %w", err))
		return
	}
	notes, err := s.opts.Business.TicketNotes(r.Context(), t.ID)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("get ticket %s: notes: %w", t.ID, err))
		return
	}
	writeJSON(w, http.StatusOK, TicketDetail{Ticket: t, Notes: notes})
}

// TicketUpdateRequest is what staff change on a ticket; absent fields stay.
type TicketUpdateRequest struct {
	Status   store.TicketStatus   `json:"status,omitempty"`
	Priority store.TicketPriority `json:"priority,omitempty"`
	Queue    string               `json:"queue,omitempty"`
	DueAt    time.Time            `json:"due_at,omitzero"`
}

func (s *Server) updateTicket(w http.ResponseWriter, r *http.Request) {
	var req TicketUpdateRequest
	if err := decodeJSON(w, r, &req, 1<<16); err != nil {
		s.writeError(w, r, err)
		return
	}
	switch {
	case req.Status != "" && !req.Status.Valid():
		s.writeError(w, r, Errorf(CodeInvalid, "status must be open, pending, resolved or closed"))
		return
	case req.Priority != "" && !req.Priority.Valid():
		s.writeError(w, r, Errorf(CodeInvalid, "priority must be low, normal, high or urgent"))
		return
	case req == (TicketUpdateRequest{}):
		s.writeError(w, r, Errorf(CodeInvalid, "nothing to change: give status, priority, queue or due_at"))
		return
	}
	t, err := s.opts.Business.UpdateTicket(r.Context(), r.PathValue("id"), store.TicketUpdate(req))
	if err != nil {
		s.writeError(w, r, fmt.Errorf("update ticket: %w", err))
		return
	}
	p, _ := PrincipalFrom(r.Context())
	s.log(r.Context()).Info("ticket updated", "ticket_id", t.ID, "status", t.Status, "priority", t.Priority, "key", p.Name)
	writeJSON(w, http.StatusOK, t)
}
