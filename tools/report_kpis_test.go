package tools_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
	"github.com/faroai/faro/tools"
)

func TestReportKPIs(t *testing.T) {
	t.Parallel()
	db := newSQLite(t)
	b := setupBiz(t, db)
	_, _, err := db.PutSubscription(t.Context(), store.Subscription{ExternalID: "s1", Email: "a@example.com", Plan: "pro",
		MonthlyAmountCents: 12345, StartedAt: time.Now().AddDate(0, -3, 0)})
	require.NoError(t, err)
	staff := b.person(t, store.RoleStaff, "Sam", "sam@example.com", "es")

	o := b.call(t, staff, "report_kpis", `{"metrics":["mrr"],"period":"this_month"}`)
	require.Equal(t, tools.StatusOK, o.Status, "content: %s", o.Response.Content)
	var res struct {
		Period  string `json:"period"`
		Metrics []struct {
			Metric     string   `json:"metric"`
			Unit       string   `json:"unit"`
			Value      *float64 `json:"value"`
			Definition string   `json:"definition"`
		} `json:"metrics"`
		Message string `json:"message"`
	}
	require.NoError(t, json.Unmarshal([]byte(o.Response.Content), &res))
	require.Equal(t, "this_month", res.Period)
	require.Len(t, res.Metrics, 1)
	require.Equal(t, "USD", res.Metrics[0].Unit)
	require.Equal(t, 123.45, *res.Metrics[0].Value)
	require.Contains(t, res.Metrics[0].Definition, "suscripciones", "definitions in the caller's language")
	require.Contains(t, res.Message, "MRR: 123.45 USD")
	require.Contains(t, res.Message, "KPIs de este mes")

	// No period: this month, all the metrics.
	o = b.call(t, staff, "report_kpis", `{}`)
	require.Equal(t, tools.StatusOK, o.Status, "content: %s", o.Response.Content)

	// Internal figures are staff's only: the role gate refuses the rest.
	for _, role := range []store.Role{store.RoleProspect, store.RoleStudent} {
		p := b.person(t, role, "Pat", "", "es")
		o := b.call(t, p, "report_kpis", `{"metrics":["mrr"]}`)
		require.Equal(t, tools.StatusRefused, o.Status, "%s", role)
		require.True(t, errors.Is(o.Err, tools.ErrNotAllowed))
		require.NotContains(t, o.Response.Content, "123")
	}

	// Bad periods name the argument, so the user is asked for it.
	o = b.call(t, staff, "report_kpis", `{"period":"custom"}`)
	requireInvalid(t, o, "from")
	require.Equal(t, []string{"from"}, tools.Missing(o.Err), "a custom period without dates is missing its start")
	o = b.call(t, staff, "report_kpis", `{"period":"custom","from":"2026-03-15","to":"2026-03-03"}`)
	requireInvalid(t, o, "from")
	require.Contains(t, readError(t, o).Fields[0].Problem, "after the end date")
	o = b.call(t, staff, "report_kpis", `{"period":"custom","from":"2026-02-30","to":"2026-03-03"}`)
	requireInvalid(t, o, "from")
	o = b.call(t, staff, "report_kpis", `{"period":"this_week","from":"2026-03-01"}`)
	requireInvalid(t, o, "period")
	o = b.call(t, staff, "report_kpis", `{"metrics":["revenue"]}`)
	requireInvalid(t, o, "metrics.0")
}
