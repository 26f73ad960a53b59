package console

import (
	"cmp"
	"errors"
	"net/http"

	"github.com/faroai/faro/kpi"
	"github.com/faroai/faro/store"
)

// pageSize is how many rows a list page shows.
const pageSize = 100

type chartSpec struct {
	metric kpi.Metric
	extra  string // a breakdown drawn beside the figure
	// stack, when set, draws the figure as these keys of its breakdown
	// stacked, bottom first.
	stack []string
}

// charts are the dashboard's charts, in order. Leads are drawn by stage:
// the series' breakdown is the stage each lead created in the interval
// is at now.
var charts = []chartSpec{
	{metric: kpi.Leads, stack: []string{string(store.StageNew), string(store.StageMarketingQualified), string(store.StageSalesQualified)}},
	{metric: kpi.Enrollments, extra: "revenue_usd"}, {metric: kpi.AutomationRate},
	{metric: kpi.MRR}, {metric: kpi.Churn}, {metric: kpi.Tickets, extra: "sla_breached"},
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
		title := v.L["chart."+string(spec.metric)]
		var ch chart
		if spec.stack != nil {
			ch = drawStacked(s, spec.stack, title, v.Lang, func(k string) string { return v.L["stage."+k] })
		} else {
			ch = drawChart(s, spec.extra, title, v.Lang)
			ch.ExtraLabel = v.L["chart.extra."+spec.extra]
		}
		d.Charts = append(d.Charts, ch)
	}
	v.Data = d
	c.render(w, r, http.StatusOK, "dashboard", v)
}
