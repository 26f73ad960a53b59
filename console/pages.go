package console

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/knowledge"
	"github.com/faroai/faro/kpi"
	"github.com/faroai/faro/store"
)

// pageSize is how many rows a list page shows.
const pageSize = 100

// ---------------------------------------------------------------- dashboard

type chartSpec struct {
	metric kpi.Metric
	extra  string // a breakdown drawn beside the figure
}

// charts are the dashboard's charts, in order.
var charts = []chartSpec{
	{kpi.Leads, ""}, {kpi.Enrollments, "revenue_usd"}, {kpi.AutomationRate, ""},
	{kpi.MRR, ""}, {kpi.Churn, ""}, {kpi.Tickets, "sla_breached"},
}

type dashboardData struct {
	Period, From, To, Interval string
	Periods                    []kpi.Period
	Report                     kpi.Report
	Charts                     []chart
}

func (c *Console) dashboard(w http.ResponseWriter, r *http.Request, v *view) {
	v.Title = v.L["dash.title"]
	q := r.URL.Query()
	d := dashboardData{Period: cmp.Or(q.Get("period"), string(kpi.ThisMonth)), From: q.Get("from"), To: q.Get("to"),
		Interval: q.Get("interval"), Periods: kpi.Periods}
	if d.Period != string(kpi.Custom) {
		d.From, d.To = "", ""
	}
	if d.Interval == "" {
		d.Interval = string(kpi.Day)
		if d.Period == string(kpi.ThisQuarter) || d.Period == string(kpi.ThisYear) {
			d.Interval = string(kpi.Month)
		}
	}
	if c.opts.KPIs == nil {
		v.Data = d
		c.render(w, r, http.StatusOK, "dashboard", v)
		return
	}
	rep, err := c.opts.KPIs.Report(r.Context(), kpi.Request{Period: kpi.Period(d.Period), From: d.From, To: d.To, Language: v.Lang})
	var ke *kpi.Error
	if errors.As(err, &ke) {
		v.Error = ke.Message(v.Lang)
		d.Period, d.From, d.To = string(kpi.ThisMonth), "", ""
		rep, err = c.opts.KPIs.Report(r.Context(), kpi.Request{Period: kpi.ThisMonth, Language: v.Lang})
	}
	if err != nil {
		c.oops(w, r, v, err)
		return
	}
	d.Report = rep
	for _, spec := range charts {
		s, err := c.opts.KPIs.Series(r.Context(), kpi.SeriesRequest{Metric: spec.metric, Interval: kpi.Interval(d.Interval),
			Period: kpi.Period(d.Period), From: d.From, To: d.To, Language: v.Lang})
		if errors.As(err, &ke) {
			v.Error = ke.Message(v.Lang)
			break
		}
		if err != nil {
			c.oops(w, r, v, err)
			return
		}
		ch := drawChart(s, spec.extra, v.L["chart."+string(spec.metric)], v.Lang)
		ch.ExtraLabel = v.L["chart.extra."+spec.extra]
		d.Charts = append(d.Charts, ch)
	}
	v.Data = d
	c.render(w, r, http.StatusOK, "dashboard", v)
}

// ---------------------------------------------------------------- inbox

// inboxRow is one conversation of the inbox.
type inboxRow struct {
	Conv    store.Conversation
	Contact store.Contact
	Last    string
	Unread  int
	// Holder is who took the handed-off conversation (their desk id),
	// "" when no one has yet.
	Holder string
}

type inboxData struct {
	Q, Status, Channel, Language, Role string
	Mine                               bool
	Channels                           []string
	Rows                               []inboxRow
}

// inboxScan is how many recent conversations the inbox filters from.
const inboxScan = 300

// inboxRows loads the conversations r's filters keep, newest first. The
// console's own "try a question" conversations are left out.
func (c *Console) loadInbox(ctx context.Context, r *http.Request, me store.StaffAccount) (inboxData, error) {
	q := r.URL.Query()
	d := inboxData{Q: strings.TrimSpace(q.Get("q")), Status: q.Get("status"), Channel: q.Get("channel"),
		Language: q.Get("language"), Role: q.Get("role"), Mine: q.Get("mine") == "1"}
	myID := staffOf(me).ID
	convs, err := c.opts.Store.ListConversations(ctx, "", 0, inboxScan)
	if err != nil {
		return d, fmt.Errorf("inbox: %w", err)
	}
	seen := map[string]bool{}
	contacts := map[string]store.Contact{}
	needle := strings.ToLower(d.Q)
	for _, conv := range convs {
		if conv.Channel == tryChannel {
			continue
		}
		if !seen[conv.Channel] {
			seen[conv.Channel] = true
			d.Channels = append(d.Channels, conv.Channel)
		}
		if d.Status != "" && string(conv.Status) != d.Status || d.Channel != "" && conv.Channel != d.Channel ||
			d.Language != "" && conv.Language != d.Language {
			continue
		}
		ct, ok := contacts[conv.ContactID]
		if !ok {
			ct, err = c.opts.Store.Contact(ctx, conv.ContactID)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return d, fmt.Errorf("inbox: contact %s: %w", conv.ContactID, err)
			}
			contacts[conv.ContactID] = ct
		}
		if d.Role != "" && string(ct.Role) != d.Role {
			continue
		}
		if needle != "" && !strings.Contains(strings.ToLower(ct.Name), needle) && !strings.Contains(strings.ToLower(ct.Email), needle) {
			continue
		}
		row := inboxRow{Conv: conv, Contact: ct}
		if conv.Status == store.ConversationHandedOff {
			if row.Holder, err = c.holder(ctx, conv.ID); err != nil {
				return d, err
			}
		}
		if d.Mine && row.Holder != myID {
			continue
		}
		if err := c.summarise(ctx, &row); err != nil {
			return d, err
		}
		d.Rows = append(d.Rows, row)
		if len(d.Rows) == pageSize {
			break
		}
	}
	slices.Sort(d.Channels)
	return d, nil
}

// holder is who took the conversation last, since it was last released.
func (c *Console) holder(ctx context.Context, convID string) (string, error) {
	evs, err := c.opts.Store.HandoffEvents(ctx, convID)
	if err != nil {
		return "", fmt.Errorf("inbox: hand-off of %s: %w", convID, err)
	}
	for i := len(evs) - 1; i >= 0; i-- {
		switch evs[i].Kind {
		case store.HandoffTaken:
			return evs[i].Actor, nil
		case store.HandoffReleased:
			return "", nil
		}
	}
	return "", nil
}

// summarise fills the row's last message and its unread count: the
// contact's messages since anyone last answered them, where the bot's
// "a person will take over" is no answer.
func (c *Console) summarise(ctx context.Context, row *inboxRow) error {
	msgs, err := c.opts.Store.Messages(ctx, row.Conv.ID, store.MessageQuery{Limit: 30, Last: true})
	if err != nil {
		return fmt.Errorf("inbox: messages of %s: %w", row.Conv.ID, err)
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		if m.IsStep() || m.Text == "" {
			continue
		}
		if row.Last == "" {
			row.Last = clip(m.Text, 90)
		}
		if m.Author == store.AuthorUser {
			row.Unread++
			continue
		}
		if m.Author == store.AuthorAssistant && handoffReply(m) {
			continue
		}
		break
	}
	return nil
}

// handoffReply reports whether m is the bot's reply that handed the
// conversation to a person.
func handoffReply(m store.Message) bool {
	var meta struct {
		Handoff bool `json:"handoff"`
	}
	return len(m.Meta) > 0 && json.Unmarshal(m.Meta, &meta) == nil && meta.Handoff
}

func clip(s string, n int) string {
	r := []rune(strings.Join(strings.Fields(s), " "))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}

func (c *Console) inbox(w http.ResponseWriter, r *http.Request, v *view) {
	v.Title = v.L["inbox.title"]
	d, err := c.loadInbox(r.Context(), r, v.Account)
	if err != nil {
		c.oops(w, r, v, err)
		return
	}
	v.Data = d
	c.render(w, r, http.StatusOK, "inbox", v)
}

// inboxRows is the inbox table's body alone, which the page's script
// polls.
func (c *Console) inboxRows(w http.ResponseWriter, r *http.Request, v *view) {
	d, err := c.loadInbox(r.Context(), r, v.Account)
	if err != nil {
		c.oops(w, r, v, err)
		return
	}
	v.Data = d
	c.render(w, r, http.StatusOK, "inbox_rows", v)
}

// ---------------------------------------------------------------- conversation

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

// ---------------------------------------------------------------- lists

type leadRow struct {
	store.Lead
	Factors string
}

func (c *Console) leads(w http.ResponseWriter, r *http.Request, v *view) {
	v.Title = v.L["leads.title"]
	stage := r.URL.Query().Get("stage")
	ls, err := c.opts.Store.ListLeads(r.Context(), store.LeadFilter{Stage: store.LeadStage(stage)}, 0, pageSize)
	if err != nil && !errors.Is(err, store.ErrInvalid) {
		c.oops(w, r, v, err)
		return
	}
	rows := make([]leadRow, len(ls))
	for i, l := range ls {
		rows[i] = leadRow{Lead: l, Factors: prettyJSON(l.ScoreFactors)}
	}
	v.Data = map[string]any{"Stage": stage, "Rows": rows,
		"Stages": []store.LeadStage{store.StageNew, store.StageMarketingQualified, store.StageSalesQualified}}
	c.render(w, r, http.StatusOK, "leads", v)
}

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

// ---------------------------------------------------------------- knowledge

type knowledgeData struct {
	Docs     []store.Document
	Question string
	Results  []knowledge.Result
	Answer   string
	Tried    bool
}

func (c *Console) knowledgeData(ctx context.Context) (knowledgeData, error) {
	docs, err := c.opts.Store.ListDocuments(ctx, 0, 0)
	return knowledgeData{Docs: docs}, err
}

func (c *Console) knowledge(w http.ResponseWriter, r *http.Request, v *view) {
	v.Title = v.L["kb.title"]
	d, err := c.knowledgeData(r.Context())
	if err != nil {
		c.oops(w, r, v, err)
		return
	}
	v.Data = d
	c.render(w, r, http.StatusOK, "knowledge", v)
}

// tryChannel is the channel of "try a question" turns, which the inbox
// leaves out.
const tryChannel = "console"

// tryQuestion shows the passages a question finds, with their scores,
// and the answer the assistant gives a prospect asking it, in a fresh
// conversation of its own.
func (c *Console) tryQuestion(w http.ResponseWriter, r *http.Request, v *view) {
	v.Title = v.L["kb.title"]
	d, err := c.knowledgeData(r.Context())
	if err != nil {
		c.oops(w, r, v, err)
		return
	}
	d.Question, d.Tried = clip(r.PostFormValue("question"), 500), true
	if d.Question != "" && c.opts.Knowledge != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
		defer cancel()
		if d.Results, err = c.opts.Knowledge.Search(ctx, knowledge.Query{Text: d.Question, K: 5}); err != nil {
			c.opts.Logger.Warn("console: try a question: search", "err", err)
			v.Error = v.L["failed"] + " " + err.Error()
		}
		if c.opts.Agent != nil {
			token, _ := newToken()
			reply, err := c.opts.Agent.Turn(ctx, agent.Message{
				Channel: tryChannel, ChatID: "try-" + token[:16], Sender: store.Identity{Channel: tryChannel, ExternalID: v.Account.ID},
				SenderName: cmp.Or(v.Account.Name, v.Account.Email), Text: d.Question, Role: store.RoleProspect,
			}, nil)
			if err != nil {
				c.opts.Logger.Warn("console: try a question: turn", "err", err)
			}
			d.Answer = reply.Text
		}
	}
	v.Data = d
	c.render(w, r, http.StatusOK, "knowledge", v)
}

// ---------------------------------------------------------------- staff

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
