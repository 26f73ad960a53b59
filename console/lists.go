package console

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/faroai/faro/store"
)

type ticketRow struct {
	store.Ticket
	Breached bool
}

func (c *Console) tickets(w http.ResponseWriter, r *http.Request, v *view) {
	v.Title = v.L["tickets.title"]
	status := r.URL.Query().Get("status")
	ts, err := c.opts.Store.ListTickets(r.Context(), store.TicketFilter{Status: store.TicketStatus(status)}, 0, pageSize)
	if err != nil && !errors.Is(err, store.ErrInvalid) {
		c.oops(w, r, v, err)
		return
	}
	now := c.opts.Clock()
	rows := make([]ticketRow, len(ts))
	for i, t := range ts {
		open := t.Status == store.TicketOpen || t.Status == store.TicketPending
		rows[i] = ticketRow{Ticket: t, Breached: open && !t.DueAt.IsZero() && t.DueAt.Before(now)}
	}
	v.Data = map[string]any{"Status": status, "Rows": rows,
		"Statuses": []store.TicketStatus{store.TicketOpen, store.TicketPending, store.TicketResolved, store.TicketClosed}}
	c.render(w, r, http.StatusOK, "tickets", v)
}

func (c *Console) enrollments(w http.ResponseWriter, r *http.Request, v *view) {
	v.Title = v.L["enr.title"]
	status := r.URL.Query().Get("status")
	es, err := c.opts.Store.ListEnrollments(r.Context(), store.EnrollmentFilter{Status: store.EnrollmentStatus(status)}, 0, pageSize)
	if err != nil && !errors.Is(err, store.ErrInvalid) {
		c.oops(w, r, v, err)
		return
	}
	v.Data = map[string]any{"Status": status, "Rows": es}
	c.render(w, r, http.StatusOK, "enrollments", v)
}

func (c *Console) documents(w http.ResponseWriter, r *http.Request, v *view) {
	v.Title = v.L["docs.title"]
	ds, err := c.opts.Store.ListGeneratedDocuments(r.Context(), store.GeneratedDocumentFilter{}, 0, pageSize)
	if err != nil {
		c.oops(w, r, v, err)
		return
	}
	v.Data = map[string]any{"Rows": ds, "Templates": c.opts.Templates}
	c.render(w, r, http.StatusOK, "documents", v)
}

func (c *Console) staff(w http.ResponseWriter, r *http.Request, v *view) {
	v.Title = v.L["staff.title"]
	as, err := c.opts.Store.ListStaff(r.Context(), 0, 0)
	if err != nil {
		c.oops(w, r, v, err)
		return
	}
	v.Data = as
	c.render(w, r, http.StatusOK, "staff", v)
}

// addStaff creates an account from the admin's form.
func (c *Console) addStaff(w http.ResponseWriter, r *http.Request, v *view) {
	status := http.StatusCreated
	hash, err := HashPassword(r.PostFormValue("password"))
	if err == nil {
		_, err = c.opts.Store.CreateStaff(r.Context(), store.StaffAccount{Email: r.PostFormValue("email"),
			Name: r.PostFormValue("name"), Role: store.StaffRole(r.PostFormValue("role")), PasswordHash: hash})
	}
	switch {
	case err == nil:
		v.Notice = v.L["staff.created"]
		c.opts.Logger.Info("console: staff account created", "by", v.Account.Email, "email", r.PostFormValue("email"))
	case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrInvalid), !strings.Contains(err.Error(), ":"):
		status = http.StatusBadRequest
		v.Error = fmt.Sprintf(v.L["staff.bad"], err.Error())
	default:
		c.oops(w, r, v, err)
		return
	}
	as, err := c.opts.Store.ListStaff(r.Context(), 0, 0)
	if err != nil {
		c.oops(w, r, v, err)
		return
	}
	v.Title, v.Data = v.L["staff.title"], as
	c.render(w, r, status, "staff", v)
}
