package console

import (
	"cmp"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/store"
)

// entry is one message of a transcript as shown.
type entry struct {
	store.Message
	Calls, Results string
	Citations      []agent.Citation
	Staff          string
}

type conversationData struct {
	Conv        store.Conversation
	Contact     store.Contact
	Entries     []entry
	Lead        *store.Lead
	Factors     string
	History     []store.LeadStageChange
	Enrollments []store.Enrollment
	Tickets     []store.Ticket
	Documents   []store.GeneratedDocument
	Events      []store.HandoffEvent
	Desk        bool
	// Holder is who took it (a desk id); Mine is whether that is the
	// person looking.
	Holder string
	Mine   bool
}

func entries(msgs []store.Message) []entry {
	out := make([]entry, 0, len(msgs))
	for _, m := range msgs {
		e := entry{Message: m, Calls: prettyJSON(m.ToolCalls), Results: prettyJSON(m.ToolResults)}
		if len(m.Meta) > 0 {
			var meta struct {
				Citations []agent.Citation `json:"citations"`
				Staff     string           `json:"staff"`
			}
			if json.Unmarshal(m.Meta, &meta) == nil {
				e.Citations, e.Staff = meta.Citations, meta.Staff
			}
		}
		out = append(out, e)
	}
	return out
}

func prettyJSON(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return string(raw)
	}
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

func (c *Console) conversation(w http.ResponseWriter, r *http.Request, v *view) {
	c.conversationStatus(w, r, v, http.StatusOK)
}

// conversationStatus renders the conversation page with status (a refused
// step answers 409 with the page and its error).
func (c *Console) conversationStatus(w http.ResponseWriter, r *http.Request, v *view, status int) {
	ctx := r.Context()
	conv, err := c.opts.Store.Conversation(ctx, r.PathValue("id"))
	if err != nil {
		c.oops(w, r, v, err)
		return
	}
	d := conversationData{Conv: conv}
	msgs, err := c.opts.Store.Messages(ctx, conv.ID, store.MessageQuery{Limit: 500, Last: true})
	if err != nil {
		c.oops(w, r, v, err)
		return
	}
	d.Entries = entries(msgs)
	if d.Contact, err = c.opts.Store.Contact(ctx, conv.ContactID); err != nil && !errors.Is(err, store.ErrNotFound) {
		c.oops(w, r, v, err)
		return
	}
	if d.Contact.Email != "" {
		if l, err := c.opts.Store.LeadByEmail(ctx, d.Contact.Email); err == nil {
			d.Lead, d.Factors = &l, prettyJSON(l.ScoreFactors)
			if d.History, err = c.opts.Store.LeadHistory(ctx, l.ID); err != nil {
				c.oops(w, r, v, err)
				return
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			c.oops(w, r, v, err)
			return
		}
	}
	if d.Contact.ID != "" {
		if d.Enrollments, err = c.opts.Store.ListEnrollments(ctx, store.EnrollmentFilter{ContactID: d.Contact.ID}, 0, pageSize); err == nil {
			if d.Tickets, err = c.opts.Store.ListTickets(ctx, store.TicketFilter{ContactID: d.Contact.ID}, 0, pageSize); err == nil {
				d.Documents, err = c.opts.Store.ListGeneratedDocuments(ctx, store.GeneratedDocumentFilter{ForContact: d.Contact.ID}, 0, pageSize)
			}
		}
		if err != nil {
			c.oops(w, r, v, err)
			return
		}
	}
	if d.Events, err = c.opts.Store.HandoffEvents(ctx, conv.ID); err != nil {
		c.oops(w, r, v, err)
		return
	}
	d.Desk = c.opts.Desk != nil
	if conv.Status == store.ConversationHandedOff {
		if d.Holder, err = c.holder(ctx, conv.ID); err != nil {
			c.oops(w, r, v, err)
			return
		}
	}
	d.Mine = d.Holder != "" && d.Holder == staffOf(v.Account).ID
	v.Title = cmp.Or(d.Contact.Name, d.Contact.Email, v.L["conv.title"])
	v.Data = d
	c.render(w, r, status, "conversation", v)
}

// transcript is the transcript alone, which the page's script polls.
func (c *Console) transcript(w http.ResponseWriter, r *http.Request, v *view) {
	conv, err := c.opts.Store.Conversation(r.Context(), r.PathValue("id"))
	if err != nil {
		c.oops(w, r, v, err)
		return
	}
	msgs, err := c.opts.Store.Messages(r.Context(), conv.ID, store.MessageQuery{Limit: 500, Last: true})
	if err != nil {
		c.oops(w, r, v, err)
		return
	}
	v.Data = conversationData{Conv: conv, Entries: entries(msgs)}
	c.render(w, r, http.StatusOK, "transcript_rows", v)
}
