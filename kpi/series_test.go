package kpi_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/kpi"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/sqlite"
)

// TestSeries checks that every point of a series is the figure a report
// of the point's own days gives, and that the points tile the period.
func TestSeries(t *testing.T) {
	ctx := t.Context()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "faro.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	now := time.Now().UTC()
	monthStart := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	for _, s := range []store.Subscription{
		{ExternalID: "a", Email: "a@example.com", Plan: "pro", MonthlyAmountCents: 4900, StartedAt: monthStart.AddDate(0, -3, 0)},
		{ExternalID: "b", Email: "b@example.com", Plan: "pro", MonthlyAmountCents: 9900, StartedAt: monthStart.AddDate(0, -2, 0), CancelledAt: monthStart},
	} {
		_, _, err := db.PutSubscription(ctx, s)
		require.NoError(t, err)
	}
	for _, email := range []string{"l1@example.com", "l2@example.com", "l3@example.com"} {
		_, _, err := db.UpsertLead(ctx, store.Lead{Email: email})
		require.NoError(t, err)
	}
	at := time.Now().UTC()
	r := kpi.NewReporter(db, nil, func() time.Time { return at })

	for _, c := range []struct {
		metric   kpi.Metric
		interval kpi.Interval
		period   kpi.Period
	}{
		{kpi.MRR, kpi.Month, kpi.ThisYear},
		{kpi.Leads, kpi.Day, kpi.ThisMonth},
		{kpi.Leads, kpi.Week, kpi.ThisQuarter},
		{kpi.Churn, kpi.Month, kpi.ThisYear},
	} {
		s, err := r.Series(ctx, kpi.SeriesRequest{Metric: c.metric, Interval: c.interval, Period: c.period, Language: "es"})
		require.NoError(t, err)
		require.NotEmpty(t, s.Points)
		require.NotEmpty(t, s.Definition)
		require.Equal(t, s.From, s.Points[0].From, "%s: the first point starts the period", c.metric)
		require.Equal(t, s.To, s.Points[len(s.Points)-1].To, "%s: the last point ends it", c.metric)
		var sum float64
		for i, p := range s.Points {
			if i > 0 {
				require.Equal(t, s.Points[i-1].To, p.From, "points tile the period")
			}
			from, _ := time.Parse(time.RFC3339, p.From)
			to, _ := time.Parse(time.RFC3339, p.To)
			rep, err := r.Report(ctx, kpi.Request{Metrics: []kpi.Metric{c.metric}, Period: kpi.Custom,
				From: from.Format(kpi.DateLayout), To: to.AddDate(0, 0, -1).Format(kpi.DateLayout)})
			require.NoError(t, err)
			require.Equal(t, rep.Metrics[0].Value, p.Value, "%s %s: the point equals the report of its days", c.metric, p.From)
			if p.Value != nil {
				sum += *p.Value
			}
		}
		if c.metric == kpi.Leads && c.interval == kpi.Day {
			require.Equal(t, 3.0, sum, "the days' leads add up to the month's")
		}
	}

	_, err = r.Series(ctx, kpi.SeriesRequest{Metric: kpi.MRR, Interval: "hour"})
	var ke *kpi.Error
	require.True(t, errors.As(err, &ke), "a bad interval is a kpi.Error: %v", err)
	require.Equal(t, kpi.CodeBadInterval, ke.Code)
	require.Contains(t, ke.Message("es"), "intervalo")
	_, err = r.Series(ctx, kpi.SeriesRequest{Metric: "arpu", Interval: kpi.Day})
	require.True(t, errors.As(err, &ke))
	require.Equal(t, kpi.CodeBadMetric, ke.Code)
	_, err = r.Series(ctx, kpi.SeriesRequest{Interval: kpi.Day})
	require.True(t, errors.As(err, &ke), "no metric is refused")
	_, err = r.Series(ctx, kpi.SeriesRequest{Metric: kpi.Leads, Interval: kpi.Day, Period: kpi.Custom, From: "2020-01-01", To: "2026-01-01"})
	require.True(t, errors.As(err, &ke))
	require.Equal(t, kpi.CodeTooManyPoints, ke.Code)
}
