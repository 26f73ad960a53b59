package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/kpi"
	"github.com/faroai/faro/store"
)

func TestKPIsAPIOnSQLite(t *testing.T) {
	t.Parallel()
	kpisAPI(t, openSQLite(t))
}

// kpisAPI exercises subscriptions and KPIs over st.
func kpisAPI(t *testing.T, st fullStore) {
	b := setup(t, st, nil)
	monthStart := time.Date(time.Now().UTC().Year(), time.Now().UTC().Month(), 1, 0, 0, 0, 0, time.UTC)
	sub := map[string]any{
		"email": "ana@example.com", "plan": "pulse-pro", "monthly_amount_cents": 4900, "currency": "USD",
		"started_at": monthStart.AddDate(0, -2, 0).Format(time.RFC3339),
	}

	// Billing feeds subscriptions: admin only, idempotent by external id.
	r := b.do(t, "PUT", "/api/v1/subscriptions/sub_1", adminKey, sub)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var got store.Subscription
	r.json(t, &got)
	require.Equal(t, "sub_1", got.ExternalID, "the path names it")
	require.Equal(t, int64(4900), got.MonthlyAmountCents)
	r = b.do(t, "PUT", "/api/v1/subscriptions/sub_1", adminKey, sub)
	require.Equal(t, http.StatusOK, r.status, "the same PUT again: %s", r.body)
	require.Equal(t, http.StatusForbidden, b.do(t, "PUT", "/api/v1/subscriptions/sub_2", staffKey, sub).status, "staff may not feed billing data")

	bad := map[string]any{"email": "x@example.com", "monthly_amount_cents": 100, "started_at": monthStart.Format(time.RFC3339)}
	r = b.do(t, "PUT", "/api/v1/subscriptions/sub_bad", adminKey, bad)
	require.Equal(t, http.StatusBadRequest, r.status)
	e := r.errorBody(t)
	require.Equal(t, "invalid", string(e.Code))
	require.Contains(t, e.Message, "plan", "the message names what is wrong")
	other := map[string]any{"external_id": "sub_9", "email": "x@example.com", "plan": "p", "started_at": monthStart.Format(time.RFC3339)}
	r = b.do(t, "PUT", "/api/v1/subscriptions/sub_1", adminKey, other)
	require.Equal(t, http.StatusBadRequest, r.status, "a body naming another subscription")
	require.Contains(t, r.errorBody(t).Message, "sub_9")

	var list struct {
		Data []store.Subscription `json:"data"`
	}
	r = b.do(t, "GET", "/api/v1/subscriptions?limit=10", staffKey, nil)
	require.Equal(t, http.StatusOK, r.status)
	r.json(t, &list)
	require.Len(t, list.Data, 1, "one subscription however often it was sent")
	require.Equal(t, http.StatusForbidden, b.do(t, "GET", "/api/v1/subscriptions", studentKey, nil).status)

	_, _, err := st.UpsertLead(t.Context(), store.Lead{Email: "lead@example.com"})
	require.NoError(t, err)

	// The KPIs: the metrics asked, in report order, with the previous period.
	var rep kpi.Report
	r = b.do(t, "GET", "/api/v1/kpis?period=this_month&metrics=leads,mrr", staffKey, nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	r.json(t, &rep)
	require.Equal(t, kpi.ThisMonth, rep.Period)
	require.Equal(t, "UTC", rep.TimeZone)
	require.Equal(t, monthStart.Format(time.RFC3339), rep.From)
	require.Len(t, rep.Metrics, 2)
	require.Equal(t, kpi.MRR, rep.Metrics[0].Metric)
	require.Equal(t, kpi.UnitUSD, rep.Metrics[0].Unit)
	require.NotNil(t, rep.Metrics[0].Value)
	require.Equal(t, 49.0, *rep.Metrics[0].Value)
	require.NotNil(t, rep.Metrics[0].Previous)
	require.Equal(t, 49.0, *rep.Metrics[0].Previous, "active all of last month too")
	require.Equal(t, kpi.Leads, rep.Metrics[1].Metric)
	require.Equal(t, 1.0, *rep.Metrics[1].Value)
	require.NotEmpty(t, rep.Metrics[1].Definition)

	r = b.do(t, "GET", "/api/v1/kpis?metrics=nps", adminKey, nil)
	require.Equal(t, http.StatusOK, r.status)
	r.json(t, &rep)
	require.Nil(t, rep.Metrics[0].Value, "nps cannot be computed: null, never 0")
	require.Contains(t, string(r.body), `"value":null`)
	require.NotEmpty(t, rep.Metrics[0].Unavailable)

	for _, c := range []struct{ query, want string }{
		{"period=custom&from=2026-03-15&to=2026-03-03", "after the end date"},
		{"period=custom&from=2026-03-15&to=2026-03-03&lang=es", "posterior"},
		{"period=custom&from=2026-03-15&to=2026-03-03&lang=pt", "é posterior à final"},
		{"period=custom&from=15/03/2026&to=2026-03-20", "YYYY-MM-DD"},
		{"period=custom", "both dates"},
		{"period=next_year", "Unknown period"},
		{"metrics=mrr,revenue", "revenue"},
		{"lang=fr", "lang"},
	} {
		r = b.do(t, "GET", "/api/v1/kpis?"+strings.ReplaceAll(c.query, "/", url.QueryEscape("/")), staffKey, nil)
		require.Equal(t, http.StatusBadRequest, r.status, "%s: %s", c.query, r.body)
		require.Contains(t, r.errorBody(t).Message, c.want, c.query)
	}
	require.Equal(t, http.StatusForbidden, b.do(t, "GET", "/api/v1/kpis", prospectKey, nil).status, "prospects never see KPIs")
	require.Equal(t, http.StatusUnauthorized, b.do(t, "GET", "/api/v1/kpis", "", nil).status)

	// The series: this month's leads day by day add up to the month's.
	var series kpi.Series
	r = b.do(t, "GET", "/api/v1/kpis/series?metric=leads&interval=day&period=this_month", staffKey, nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	r.json(t, &series)
	require.Equal(t, monthStart.Format(time.RFC3339), series.Points[0].From)
	var sum float64
	for _, p := range series.Points {
		sum += *p.Value
	}
	require.Equal(t, 1.0, sum, "the days' leads are the month's")
	for _, c := range []struct{ query, want string }{
		{"metric=leads&interval=hour", "interval"},
		{"metric=arpu&interval=day", "arpu"},
		{"interval=day", "metric"},
		{"metric=leads&interval=day&period=custom&from=2020-01-01&to=2026-01-01", "400"},
		{"metric=leads&interval=week&lang=es&period=never", "periodo"},
	} {
		r = b.do(t, "GET", "/api/v1/kpis/series?"+c.query, staffKey, nil)
		require.Equal(t, http.StatusBadRequest, r.status, "%s: %s", c.query, r.body)
		require.Contains(t, r.errorBody(t).Message, c.want, c.query)
	}
	require.Equal(t, http.StatusForbidden, b.do(t, "GET", "/api/v1/kpis/series?metric=leads&interval=day", prospectKey, nil).status)
}
