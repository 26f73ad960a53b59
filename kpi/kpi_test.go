package kpi_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/kpi"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/sqlite"
)

func TestResolve(t *testing.T) {
	mx, err := time.LoadLocation("America/Mexico_City")
	require.NoError(t, err)
	// Wednesday 2026-11-25 03:30 UTC is still Tuesday the 24th in Mexico City.
	now := time.Date(2026, 11, 25, 3, 30, 0, 0, time.UTC)
	day := func(loc *time.Location, y int, m time.Month, d int) time.Time {
		return time.Date(y, m, d, 0, 0, 0, 0, loc)
	}
	for _, c := range []struct {
		name     string
		p        kpi.Period
		from, to string
		loc      *time.Location
		cur      kpi.Range
		prev     kpi.Range
	}{
		{"today utc", kpi.Today, "", "", time.UTC,
			kpi.Range{day(time.UTC, 2026, 11, 25), day(time.UTC, 2026, 11, 26)}, kpi.Range{day(time.UTC, 2026, 11, 24), day(time.UTC, 2026, 11, 25)}},
		{"today in mexico city is the 24th", kpi.Today, "", "", mx,
			kpi.Range{day(mx, 2026, 11, 24), day(mx, 2026, 11, 25)}, kpi.Range{day(mx, 2026, 11, 23), day(mx, 2026, 11, 24)}},
		{"this week starts on monday", kpi.ThisWeek, "", "", time.UTC,
			kpi.Range{day(time.UTC, 2026, 11, 23), day(time.UTC, 2026, 11, 30)}, kpi.Range{day(time.UTC, 2026, 11, 16), day(time.UTC, 2026, 11, 23)}},
		{"this month", kpi.ThisMonth, "", "", time.UTC,
			kpi.Range{day(time.UTC, 2026, 11, 1), day(time.UTC, 2026, 12, 1)}, kpi.Range{day(time.UTC, 2026, 10, 1), day(time.UTC, 2026, 11, 1)}},
		{"empty is this month", "", "", "", time.UTC,
			kpi.Range{day(time.UTC, 2026, 11, 1), day(time.UTC, 2026, 12, 1)}, kpi.Range{day(time.UTC, 2026, 10, 1), day(time.UTC, 2026, 11, 1)}},
		{"last month", kpi.LastMonth, "", "", time.UTC,
			kpi.Range{day(time.UTC, 2026, 10, 1), day(time.UTC, 2026, 11, 1)}, kpi.Range{day(time.UTC, 2026, 9, 1), day(time.UTC, 2026, 10, 1)}},
		{"this quarter", kpi.ThisQuarter, "", "", time.UTC,
			kpi.Range{day(time.UTC, 2026, 10, 1), day(time.UTC, 2027, 1, 1)}, kpi.Range{day(time.UTC, 2026, 7, 1), day(time.UTC, 2026, 10, 1)}},
		{"this year", kpi.ThisYear, "", "", time.UTC,
			kpi.Range{day(time.UTC, 2026, 1, 1), day(time.UTC, 2027, 1, 1)}, kpi.Range{day(time.UTC, 2025, 1, 1), day(time.UTC, 2026, 1, 1)}},
		{"custom includes its last day", kpi.Custom, "2026-03-03", "2026-03-15", time.UTC,
			kpi.Range{day(time.UTC, 2026, 3, 3), day(time.UTC, 2026, 3, 16)}, kpi.Range{day(time.UTC, 2026, 2, 18), day(time.UTC, 2026, 3, 3)}},
		{"one day custom", kpi.Custom, "2026-03-03", "2026-03-03", mx,
			kpi.Range{day(mx, 2026, 3, 3), day(mx, 2026, 3, 4)}, kpi.Range{day(mx, 2026, 3, 2), day(mx, 2026, 3, 3)}},
		{"one date without a period is that day", "", "2026-03-03", "", time.UTC,
			kpi.Range{day(time.UTC, 2026, 3, 3), day(time.UTC, 2026, 3, 4)}, kpi.Range{day(time.UTC, 2026, 3, 2), day(time.UTC, 2026, 3, 3)}},
		{"dates without a period are custom", "", "2026-01-01", "2026-01-31", time.UTC,
			kpi.Range{day(time.UTC, 2026, 1, 1), day(time.UTC, 2026, 2, 1)}, kpi.Range{day(time.UTC, 2025, 12, 1), day(time.UTC, 2026, 1, 1)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cur, prev, err := kpi.Resolve(c.p, c.from, c.to, now, c.loc)
			require.NoError(t, err)
			require.True(t, c.cur.From.Equal(cur.From) && c.cur.To.Equal(cur.To), "range: want %v, got %v", c.cur, cur)
			require.True(t, c.prev.From.Equal(prev.From) && c.prev.To.Equal(prev.To), "previous: want %v, got %v", c.prev, prev)
		})
	}
}

func TestResolveErrors(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name     string
		p        kpi.Period
		from, to string
		code     string
		field    string
		es, en   string
		pt       string
	}{
		{"unknown period", "next_decade", "", "", kpi.CodeBadPeriod, "period", "periodo", "period", "Não conheço o período"},
		{"custom without dates", kpi.Custom, "", "", kpi.CodeMissingDates, "from", "dos fechas", "both dates", "preciso das duas datas"},
		{"custom without to", kpi.Custom, "2026-01-01", "", kpi.CodeMissingDates, "to", "dos fechas", "both dates", "duas datas"},
		{"not a date", kpi.Custom, "2026-02-30", "2026-03-01", kpi.CodeBadDate, "from", "no es una fecha válida", "not a valid date", "não é uma data válida"},
		{"words", kpi.Custom, "2026-01-01", "ayer", kpi.CodeBadDate, "to", "AAAA-MM-DD", "YYYY-MM-DD", "escreva como AAAA-MM-DD"},
		{"from after to", kpi.Custom, "2026-03-15", "2026-03-03", kpi.CodeFromAfterTo, "from", "posterior", "after", "é posterior à final"},
		{"dates with another period", kpi.ThisMonth, "2026-03-03", "2026-03-15", kpi.CodeDatesOnly, "period", "custom", "custom", "só valem com o período custom"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := kpi.Resolve(c.p, c.from, c.to, now, time.UTC)
			var ke *kpi.Error
			require.True(t, errors.As(err, &ke), "want a *kpi.Error, got %v", err)
			require.Equal(t, c.code, ke.Code)
			require.Equal(t, c.field, ke.Field)
			require.Contains(t, ke.Message("es"), c.es)
			require.Contains(t, ke.Message("en"), c.en)
			require.Contains(t, ke.Message("pt"), c.pt)
		})
	}
}

func TestReport(t *testing.T) {
	ctx := t.Context()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "faro.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	now := time.Now().UTC()
	monthStart := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	// Two subscriptions ran through last month; one of them was cancelled
	// this month, one more started this month.
	for _, s := range []store.Subscription{
		{ExternalID: "a", Email: "a@example.com", Plan: "pro", MonthlyAmountCents: 4900, StartedAt: monthStart.AddDate(0, -3, 0)},
		{ExternalID: "b", Email: "b@example.com", Plan: "pro", MonthlyAmountCents: 9900, StartedAt: monthStart.AddDate(0, -2, 0), CancelledAt: monthStart},
		{ExternalID: "c", Email: "c@example.com", Plan: "basic", MonthlyAmountCents: 1900, StartedAt: monthStart},
		{ExternalID: "d", Email: "d@example.com", Plan: "basic", MonthlyAmountCents: 1000, Currency: "EUR", StartedAt: monthStart.AddDate(0, -1, 0)},
	} {
		_, _, err := db.PutSubscription(ctx, s)
		require.NoError(t, err)
	}
	for _, email := range []string{"l1@example.com", "l2@example.com"} {
		_, _, err := db.UpsertLead(ctx, store.Lead{Email: email})
		require.NoError(t, err)
	}
	_, err = db.PutCourse(ctx, store.Course{Slug: "ia-101", Seats: 5, Price: store.Money{Amount: 99.5, Currency: "USD"}})
	require.NoError(t, err)
	e, _, err := db.Enroll(ctx, store.EnrollRequest{CourseSlug: "ia-101", Email: "l1@example.com"})
	require.NoError(t, err)
	_, err = db.ConfirmPayment(ctx, e.ID, "pay-1")
	require.NoError(t, err)

	at := time.Now().UTC() // after every write: the report is taken now
	r := kpi.NewReporter(db, nil, func() time.Time { return at })
	rep, err := r.Report(ctx, kpi.Request{Period: kpi.ThisMonth, Language: "en"})
	require.NoError(t, err)
	require.Len(t, rep.Metrics, len(kpi.Metrics), "no metrics asked: all of them")
	byName := map[kpi.Metric]kpi.Value{}
	for _, v := range rep.Metrics {
		byName[v.Metric] = v
		require.NotEmpty(t, v.Definition, "%s has a definition", v.Metric)
		require.NotEmpty(t, v.Unit)
	}
	val := func(m kpi.Metric) float64 {
		t.Helper()
		v := byName[m]
		require.NotNil(t, v.Value, "%s: %s", m, v.Unavailable)
		return *v.Value
	}
	prev := func(m kpi.Metric) float64 {
		t.Helper()
		require.NotNil(t, byName[m].Previous, "%s previous", m)
		return *byName[m].Previous
	}
	require.Equal(t, 68.0, val(kpi.MRR), "MRR now: a (49) + c (19); b was cancelled; d is in euros")
	require.Equal(t, 148.0, prev(kpi.MRR), "MRR at the end of last month: a + b (b is cancelled the first instant of this month)")
	require.Equal(t, -80.0, *byName[kpi.MRR].Change)
	require.Equal(t, map[string]float64{"mrr_eur": 10}, byName[kpi.MRR].Breakdown, "euros are shown, not converted")
	require.Equal(t, 12*68.0, val(kpi.ARR))
	require.Equal(t, 0.3333, val(kpi.Churn), "b of a, b and d cancelled this month")
	require.Equal(t, 3.0, val(kpi.ActiveCustomers), "a, c, d")
	require.Equal(t, 2.0, val(kpi.NewCustomers), "c subscribed, l1 enrolled")
	require.Equal(t, 2.0, val(kpi.Leads))
	require.Equal(t, 0.0, prev(kpi.Leads))
	require.Equal(t, 0.5, val(kpi.Conversion), "l1 of l1 and l2")
	require.Nil(t, byName[kpi.Conversion].Previous, "no leads last month: no conversion, not 0")
	require.Equal(t, 1.0, val(kpi.Enrollments))
	require.Equal(t, 99.5, byName[kpi.Enrollments].Breakdown["revenue_usd"])
	require.Nil(t, byName[kpi.NPS].Value, "nps is unavailable")
	require.Contains(t, byName[kpi.NPS].Unavailable, "no survey data")
	require.Nil(t, byName[kpi.AutomationRate].Value, "no conversations: unavailable")
	require.Equal(t, 0.0, val(kpi.Tickets))

	// Asked metrics come in report order, once each, explained in Spanish.
	rep, err = r.Report(ctx, kpi.Request{Metrics: []kpi.Metric{kpi.Leads, kpi.MRR, kpi.Leads}, Period: kpi.ThisMonth, Language: "es"})
	require.NoError(t, err)
	require.Len(t, rep.Metrics, 2)
	require.Equal(t, kpi.MRR, rep.Metrics[0].Metric)
	require.Contains(t, rep.Metrics[0].Definition, "suscripciones activas")
	sum := rep.Summary("es")
	require.Contains(t, sum, "KPIs de este mes")
	require.Contains(t, sum, "MRR: 68.00 USD (anterior: 148.00 USD, −80.00 USD)")
	require.Contains(t, sum, "Leads: 2 (anterior: 0, +2)")
	require.True(t, strings.Contains(rep.Summary("en"), "MRR: 68.00 USD (previous: 148.00 USD, −80.00 USD)"), rep.Summary("en"))

	// In Portuguese: definitions, reasons and the summary.
	rep, err = r.Report(ctx, kpi.Request{Metrics: []kpi.Metric{kpi.MRR, kpi.NPS}, Period: kpi.ThisMonth, Language: "pt"})
	require.NoError(t, err)
	require.Contains(t, rep.Metrics[0].Definition, "assinaturas ativas no fim do período")
	require.Contains(t, rep.Metrics[1].Unavailable, "não há dados de pesquisas")
	sum = rep.Summary("pt")
	require.Contains(t, sum, "KPIs deste mês")
	require.Contains(t, sum, "MRR: 68,00 USD (anterior: 148,00 USD, −80,00 USD)")
	require.Contains(t, sum, "NPS: Net Promoter Score: (promotores − detratores)")

	_, err = r.Report(ctx, kpi.Request{Period: kpi.Custom, From: "2026-13-01", To: "2026-12-31"})
	var ke *kpi.Error
	require.True(t, errors.As(err, &ke), "a bad date is a kpi.Error: %v", err)
	_, err = kpi.ParseMetrics([]string{"mrr", "revenue"})
	require.True(t, errors.As(err, &ke), "an unknown metric is a kpi.Error: %v", err)
	require.Equal(t, kpi.CodeBadMetric, ke.Code)
}

// TestSummaryLanguages checks the summary's frames, names, dates and
// numbers in each language, on a report made by hand.
func TestSummaryLanguages(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	rep := kpi.Report{
		Period: kpi.ThisWeek, TimeZone: "UTC", From: "2026-11-30T00:00:00Z", To: "2026-12-07T00:00:00Z",
		Metrics: []kpi.Value{
			{Metric: kpi.MRR, Unit: kpi.UnitUSD, Value: f(1234.5), Previous: f(1000), Change: f(234.5)},
			{Metric: kpi.Conversion, Unit: kpi.UnitRatio, Value: f(0.125), Previous: f(0.1), Change: f(0.025),
				Breakdown: map[string]float64{"converted": 1, "leads": 8}},
			{Metric: kpi.NPS, Unit: kpi.UnitRatio, Unavailable: "x"},
		},
	}
	for _, c := range []struct {
		lang string
		want []string
	}{
		{"es", []string{"KPIs de esta semana (30 de noviembre – 6 de diciembre de 2026, UTC), comparados con el periodo anterior:",
			"- MRR: 1,234.50 USD (anterior: 1,000.00 USD, +234.50 USD)",
			"- Conversión: 12.5 % (anterior: 10 %, +2.5 pp) — convertidos 1, leads 8", "- NPS: no disponible (x)"}},
		{"en", []string{"KPIs for this week (November 30 – December 6, 2026, UTC), compared with the previous period:",
			"- MRR: 1,234.50 USD (previous: 1,000.00 USD, +234.50 USD)",
			"- Conversion: 12.5 % (previous: 10 %, +2.5 pp) — converted 1, leads 8", "- NPS: not available (x)"}},
		{"pt", []string{"KPIs desta semana (30 de novembro – 6 de dezembro de 2026, UTC), comparados com o período anterior:",
			"- MRR: 1.234,50 USD (anterior: 1.000,00 USD, +234,50 USD)",
			"- Conversão: 12,5 % (anterior: 10 %, +2,5 p.p.) — convertidos 1, leads 8", "- NPS: não disponível (x)"}},
	} {
		sum := rep.Summary(c.lang)
		for _, w := range c.want {
			require.Contains(t, sum, w, "%s: %s", c.lang, sum)
		}
	}

	// A custom period across years, and a single day.
	rep.Period, rep.From, rep.To = kpi.Custom, "2026-12-20T00:00:00Z", "2027-01-06T00:00:00Z"
	require.Contains(t, rep.Summary("pt"), "KPIs de 20 de dezembro de 2026 – 5 de janeiro de 2027 (UTC)")
	require.Contains(t, rep.Summary("en"), "KPIs for December 20, 2026 – January 5, 2027 (UTC)")
	rep.Period, rep.From, rep.To = kpi.Today, "2027-03-01T00:00:00Z", "2027-03-02T00:00:00Z"
	require.Contains(t, rep.Summary("pt"), "KPIs de hoje (1 de março de 2027, UTC)")
	require.Contains(t, rep.Summary("fr"), "KPIs for today (March 1, 2027, UTC)", "other languages read English")
}
