package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/faroai/faro/kpi"
	"github.com/faroai/faro/store"
)

// SubscriptionStore is what the admin API reads and writes of the
// subscriptions billing feeds; store.Business satisfies it.
type SubscriptionStore interface {
	PutSubscription(ctx context.Context, s store.Subscription) (store.Subscription, bool, error)
	ListSubscriptions(ctx context.Context, offset, limit int) ([]store.Subscription, error)
}

var _ SubscriptionStore = store.Business(nil)

// KPIReporter computes the KPIs; *kpi.Reporter is one.
type KPIReporter interface {
	Report(ctx context.Context, req kpi.Request) (kpi.Report, error)
	Series(ctx context.Context, req kpi.SeriesRequest) (kpi.Series, error)
}

var _ KPIReporter = (*kpi.Reporter)(nil)

// kpiRoutes are the routes of subscriptions and KPIs.
func (s *Server) kpiRoutes() []route {
	var rs []route
	if s.opts.Subscriptions != nil {
		rs = append(rs,
			route{method: "GET", path: "/api/v1/subscriptions", roles: adminStaff, handler: s.listSubscriptions,
				op: operation{id: "listSubscriptions", summary: "List subscriptions, newest started first", tag: "subscriptions",
					query: pageParams, resp: "Subscription", list: true}},
			route{method: "PUT", path: "/api/v1/subscriptions/{external_id}", roles: adminOnly, handler: s.putSubscription,
				op: operation{id: "putSubscription", summary: "Create or replace a subscription by billing's id (idempotent: billing may send it again)",
					tag: "subscriptions", body: "Subscription", resp: "Subscription"}},
		)
	}
	if s.opts.KPIs != nil {
		rs = append(rs, route{method: "GET", path: "/api/v1/kpis", roles: adminStaff, handler: s.getKPIs,
			op: operation{id: "getKPIs", summary: "Business KPIs of a period, each with the previous period's figure, its unit and how it is computed", tag: "kpis",
				query: []param{
					{"period", "string", "today, this_week, this_month (default), last_month, this_quarter, this_year or custom; weeks start on Monday"},
					{"metrics", "string", "comma-separated: mrr, arr, new_customers, active_customers, churn, leads, conversion, enrollments, automation_rate, nps, tickets (default all)"},
					{"from", "string", "first day of a custom period, YYYY-MM-DD (included)"},
					{"to", "string", "last day of a custom period, YYYY-MM-DD (included)"},
					{"lang", "string", "language of definitions and errors: en (default) or es"},
				},
				resp: "KPIReport"}},
			route{method: "GET", path: "/api/v1/kpis/series", roles: adminStaff, handler: s.getKPISeries,
				op: operation{id: "getKPISeries", summary: "One KPI over time: its figure for each day, week or month of a period, each equal to GET /api/v1/kpis of that interval's days", tag: "kpis",
					query: []param{
						{"metric", "string", "one of mrr, arr, new_customers, active_customers, churn, leads, conversion, enrollments, automation_rate, nps, tickets; each point carries the metric's breakdown, leads' by stage (new, marketing_qualified, sales_qualified: the stage now of the leads created in the interval)"},
						{"interval", "string", "day, week (from Monday) or month; at most 400 points"},
						{"period", "string", "as GET /api/v1/kpis (default this_year)"},
						{"from", "string", "first day of a custom period, YYYY-MM-DD (included)"},
						{"to", "string", "last day of a custom period, YYYY-MM-DD (included)"},
						{"lang", "string", "language of the definition and errors: en (default) or es"},
					},
					resp: "KPISeries"}})
	}
	return rs
}

func (s *Server) listSubscriptions(w http.ResponseWriter, r *http.Request) {
	p, err := pageOf(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	subs, err := s.opts.Subscriptions.ListSubscriptions(r.Context(), p.offset, p.limit+1)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("list subscriptions: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, listOf(r, p, subs))
}

func (s *Server) putSubscription(w http.ResponseWriter, r *http.Request) {
	var sub store.Subscription
	if err := decodeJSON(w, r, &sub, 1<<16); err != nil {
		s.writeError(w, r, err)
		return
	}
	id := r.PathValue("external_id")
	if sub.ExternalID != "" && sub.ExternalID != id {
		s.writeError(w, r, Errorf(CodeInvalid, "the body's external_id %q is not the path's %q", sub.ExternalID, id))
		return
	}
	sub.ExternalID = id
	// Checked here first so billing reads which field is wrong: the
	// store's own answer to bad input is only "invalid input" here.
	if _, _, err := store.NormalizeSubscription(sub); err != nil {
		s.writeError(w, r, Errorf(CodeInvalid, "%s", strings.TrimSuffix(err.Error(), ": "+store.ErrInvalid.Error())))
		return
	}
	stored, created, err := s.opts.Subscriptions.PutSubscription(r.Context(), sub)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("put subscription %s: %w", id, err))
		return
	}
	p, _ := PrincipalFrom(r.Context())
	s.log(r.Context()).Info("subscription saved", "external_id", id, "created", created, "key", p.Name)
	writeJSON(w, http.StatusOK, stored)
}

func (s *Server) getKPISeries(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	lang := q.Get("lang")
	if lang != "" && lang != "es" && lang != "en" && lang != "pt" {
		s.writeError(w, r, Errorf(CodeInvalid, "lang must be es, en or pt"))
		return
	}
	series, err := s.opts.KPIs.Series(r.Context(), kpi.SeriesRequest{
		Metric: kpi.Metric(strings.TrimSpace(q.Get("metric"))), Interval: kpi.Interval(strings.TrimSpace(q.Get("interval"))),
		Period: kpi.Period(strings.TrimSpace(q.Get("period"))), From: q.Get("from"), To: q.Get("to"), Language: lang,
	})
	if err == nil {
		writeJSON(w, http.StatusOK, series)
		return
	}
	var ke *kpi.Error
	if errors.As(err, &ke) {
		s.writeError(w, r, Errorf(CodeInvalid, "%s: %s", ke.Field, ke.Message(lang)))
		return
	}
	s.writeError(w, r, fmt.Errorf("kpi series: %w", err))
}

func (s *Server) getKPIs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	lang := q.Get("lang")
	if lang != "" && lang != "es" && lang != "en" && lang != "pt" {
		s.writeError(w, r, Errorf(CodeInvalid, "lang must be es, en or pt"))
		return
	}
	var names []string
	if m := q.Get("metrics"); m != "" {
		names = strings.Split(m, ",")
	}
	metrics, err := kpi.ParseMetrics(names)
	if err == nil {
		var rep kpi.Report
		rep, err = s.opts.KPIs.Report(r.Context(), kpi.Request{
			Metrics: metrics, Period: kpi.Period(strings.TrimSpace(q.Get("period"))), From: q.Get("from"), To: q.Get("to"), Language: lang,
		})
		if err == nil {
			writeJSON(w, http.StatusOK, rep)
			return
		}
	}
	var ke *kpi.Error
	if errors.As(err, &ke) {
		s.writeError(w, r, Errorf(CodeInvalid, "%s: %s", ke.Field, ke.Message(lang)))
		return
	}
	s.writeError(w, r, fmt.Errorf("kpis: %w", err))
}
