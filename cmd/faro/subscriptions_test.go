package main

import (
	"io/fs"
	"log/slog"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/demo"
	"github.com/faroai/faro/kpi"
	"github.com/faroai/faro/store/sqlite"
)

func TestLoadDemoSubscriptionsOnFirstStart(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "faro.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	log := slog.New(slog.DiscardHandler)

	loadDemoSubscriptions(ctx, db, log)
	subs, err := db.ListSubscriptions(ctx, 0, 0)
	require.NoError(t, err)
	want, err := demo.ParseSubscriptions(demo.Subscriptions)
	require.NoError(t, err)
	require.Len(t, subs, len(want))
	for _, s := range subs {
		require.Contains(t, s.Email, "example.com", "demo data uses reserved example domains only")
	}

	// The defaults show an MRR: that is what the demo data is for.
	rep, err := kpi.NewReporter(db, nil, nil).Report(ctx, kpi.Request{Metrics: []kpi.Metric{kpi.MRR}})
	require.NoError(t, err)
	require.NotNil(t, rep.Metrics[0].Value)
	require.Positive(t, *rep.Metrics[0].Value, "non-zero MRR on defaults")

	// Billing's changes to a demo subscription are kept on the next start.
	s, err := db.Subscription(ctx, "demo-pulse-0001")
	require.NoError(t, err)
	s.CancelledAt = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	_, _, err = db.PutSubscription(ctx, s)
	require.NoError(t, err)
	loadDemoSubscriptions(ctx, db, log)
	s, err = db.Subscription(ctx, "demo-pulse-0001")
	require.NoError(t, err)
	require.False(t, s.CancelledAt.IsZero(), "a demo subscription billing cancelled stays cancelled")

	_, err = demo.ParseSubscriptions([]byte("- external_id: x\n  email: a@example.com\n  started_at: 2026-01-01T00:00:00Z\n"))
	require.Error(t, err, "an entry the store would refuse (no plan)")
}

// The demo subscriptions tell the story of the demo knowledge base: each
// plan is one of the plans its price table lists, at that plan's monthly
// price (an annual plan at its annual price / 12), so an MRR reported in
// chat agrees with the prices the assistant quotes.
func TestDemoSubscriptionsMatchTheKnowledgeBasePrices(t *testing.T) {
	t.Parallel()
	page, err := fs.ReadFile(demo.Knowledge, "knowledge/en/pulse/plans-and-pricing.md")
	require.NoError(t, err)
	row := func(label string) []string {
		m := regexp.MustCompile(`(?m)^\|\s*` + regexp.QuoteMeta(label) + `\s*\|(.*)\|$`).FindStringSubmatch(string(page))
		require.NotNil(t, m, "row %q of the price table", label)
		var cells []string
		for _, c := range strings.Split(m[1], "|") {
			cells = append(cells, strings.TrimSpace(c))
		}
		return cells
	}
	cents := func(usd string) int64 {
		n, err := strconv.ParseInt(strings.ReplaceAll(strings.TrimPrefix(usd, "USD "), ",", ""), 10, 64)
		require.NoError(t, err, usd)
		return 100 * n
	}
	plans, monthly, annual := row(""), row("Monthly price"), row("Annual price (2 months free)")
	price := map[string]int64{}
	for i, name := range plans {
		plan := "pulse-" + strings.ToLower(name)
		price[plan] = cents(monthly[i])
		price[plan+"-annual"] = cents(annual[i]) / 12
	}

	subs, err := demo.ParseSubscriptions(demo.Subscriptions)
	require.NoError(t, err)
	for _, s := range subs {
		want, ok := price[s.Plan]
		require.True(t, ok, "%s: plan %q is not one of the knowledge base's plans %v", s.ExternalID, s.Plan, plans)
		require.Equal(t, want, s.MonthlyAmountCents, "%s: %s costs what the knowledge base says", s.ExternalID, s.Plan)
		require.Equal(t, "USD", s.Currency)
	}
}
