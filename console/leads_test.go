package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/kpi"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/postgres"
	"github.com/faroai/faro/store/postgres/pgtest"
	"github.com/faroai/faro/store/sqlite"
)

func TestLeadsAndStageChartOnSQLite(t *testing.T) {
	t.Parallel()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "faro.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	leadsAndStageChart(t, setup(t, st))
}

func TestLeadsAndStageChartOnPostgres(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	u, stop, err := pgtest.Start(ctx)
	require.NoError(t, err, "PostgreSQL (PGlite from node_modules, or %s)", pgtest.EnvURL)
	t.Cleanup(stop)
	require.NoError(t, pgtest.Reset(ctx, u))
	st, err := postgres.Open(ctx, u)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	leadsAndStageChart(t, setup(t, st))
}

var (
	leadRowRE = regexp.MustCompile(`<tr data-lead="[^"]+" data-score="([^"]+)" data-stage="([^"]+)"><td>[^<]*</td><td>([^<]+)</td>`)
	segRE     = regexp.MustCompile(`<rect [^>]*class="seg-([a-z_]+)" data-stage="[a-z_]+" data-value="([^"]+)"`)
	colRE     = regexp.MustCompile(`(?s)<g data-from="([^"]+)" data-value="([^"]*)"><title>([^<]*)</title>(.*?)</g>`)
)

// leadsOf is the emails of a leads page's rows, in order, with their
// score and stage.
func leadsOf(body string) (emails []string, scores []float64, stages []string) {
	for _, m := range leadRowRE.FindAllStringSubmatch(body, -1) {
		f, _ := strconv.ParseFloat(m[1], 64)
		emails, scores, stages = append(emails, m[3]), append(scores, f), append(stages, m[2])
	}
	return emails, scores, stages
}

// leadsAndStageChart checks the leads page's filters, order and pages,
// and that the dashboard's leads-by-stage chart draws the series API's
// figures.
func leadsAndStageChart(t *testing.T, b *bundle) {
	ctx := t.Context()
	// Lucía wrote on the web (setup's conversation); Tomás on Telegram.
	lucia, err := b.st.Contact(ctx, b.conv.ContactID)
	require.NoError(t, err)
	tomas, err := b.st.CreateContact(ctx, store.Contact{Name: "Tomás"})
	require.NoError(t, err)
	_, err = b.st.CreateConversation(ctx, store.Conversation{ContactID: tomas.ID, Channel: "telegram", ExternalID: "tg-1"})
	require.NoError(t, err)
	for _, l := range []struct {
		email, contact string
		score          float64
		stage          store.LeadStage
	}{
		{"lucia@example.com", lucia.ID, 62, store.StageMarketingQualified},
		{"tomas@example.com", tomas.ID, 81, store.StageSalesQualified},
		{"staff-found@example.com", "", 35, store.StageNew},
	} {
		got, _, err := b.st.UpsertLead(ctx, store.Lead{Email: l.email, ContactID: l.contact, Interest: store.InterestCourses})
		require.NoError(t, err)
		_, err = b.st.SetLeadStage(ctx, got.ID, l.stage, l.score, json.RawMessage(`{"budget":20}`))
		require.NoError(t, err)
	}
	staff := b.signIn(t, staffEmail)

	status, body, _ := staff.get("/console/leads")
	require.Equal(t, http.StatusOK, status)
	emails, _, _ := leadsOf(body)
	require.Equal(t, []string{"staff-found@example.com", "tomas@example.com", "lucia@example.com"}, emails, "newest first")
	for _, label := range []string{`<label for="stage">Stage</label>`, `<label for="min_score">Minimum score</label>`,
		`<label for="source">Source</label>`, `<label for="sort">Sort by</label>`} {
		require.Contains(t, body, label, "a labelled control")
	}
	require.Contains(t, body, `<option >telegram</option>`, "the channels are the sources offered")
	require.Contains(t, body, "no chat", "a lead staff found has no chat")
	require.NotContains(t, body, `rel="next"`, "one page")

	_, body, _ = staff.get("/console/leads?sort=score")
	emails, scores, _ := leadsOf(body)
	require.Equal(t, []string{"tomas@example.com", "lucia@example.com", "staff-found@example.com"}, emails, "highest score first")
	require.Equal(t, []float64{81, 62, 35}, scores)
	_, body, _ = staff.get("/console/leads?sort=oldest")
	emails, _, _ = leadsOf(body)
	require.Equal(t, []string{"lucia@example.com", "tomas@example.com", "staff-found@example.com"}, emails)
	_, body, _ = staff.get("/console/leads?min_score=62&sort=score")
	emails, _, _ = leadsOf(body)
	require.Equal(t, []string{"tomas@example.com", "lucia@example.com"}, emails, "62 or more, 62 included")
	require.Contains(t, body, `value="62"`, "the form keeps the filter")
	_, body, _ = staff.get("/console/leads?source=web")
	emails, _, _ = leadsOf(body)
	require.Equal(t, []string{"lucia@example.com"}, emails, "the lead whose contact wrote on the web")
	_, body, _ = staff.get("/console/leads?source=telegram&stage=sales_qualified&min_score=80")
	emails, _, stages := leadsOf(body)
	require.Equal(t, []string{"tomas@example.com"}, emails, "the filters add up")
	require.Equal(t, []string{"sales_qualified"}, stages)
	_, body, _ = staff.get("/console/leads?source=telegram&stage=new")
	emails, _, _ = leadsOf(body)
	require.Empty(t, emails)
	require.Contains(t, body, "None.")

	// Nonsense is said so, in the person's language, and the rest of the
	// filter still applies.
	status, body, _ = staff.get("/console/leads?min_score=abc&source=web")
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, body, "Left out of the filter, as it makes no sense: Minimum score.")
	emails, _, _ = leadsOf(body)
	require.Equal(t, []string{"lucia@example.com"}, emails, "the source still filters")
	status, _, _ = staff.get("/console/lang/es?next=/console/leads")
	require.Equal(t, http.StatusSeeOther, status, "Spanish, picked")
	status, body, _ = staff.get("/console/leads?sort=random&min_score=-3&page=0&stage=hot")
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, body, "Quedó fuera del filtro, porque no tiene sentido: Etapa, Puntuación mínima, Ordenar por, página.")
	require.Contains(t, body, `<label for="min_score">Puntuación mínima</label>`)
	emails, _, _ = leadsOf(body)
	require.Len(t, emails, 3, "nothing is filtered by what made no sense")
	staff.get("/console/lang/en?next=/console/leads")

	// Past a page: 100 a page, the next one linked with the same filters.
	for i := range 101 {
		got, _, err := b.st.UpsertLead(ctx, store.Lead{Email: fmt.Sprintf("bulk%03d@example.com", i)})
		require.NoError(t, err)
		_, err = b.st.SetLeadStage(ctx, got.ID, store.StageNew, 40, nil)
		require.NoError(t, err)
	}
	_, body, _ = staff.get("/console/leads?min_score=36&sort=score")
	emails, _, _ = leadsOf(body)
	require.Len(t, emails, 100, "a page")
	require.Equal(t, "tomas@example.com", emails[0])
	require.Contains(t, body, `href="/console/leads?min_score=36&amp;page=2&amp;sort=score" rel="next"`)
	require.NotContains(t, body, `rel="prev"`)
	status, body, _ = staff.get("/console/leads?min_score=36&page=2&sort=score")
	require.Equal(t, http.StatusOK, status)
	page2, _, _ := leadsOf(body)
	require.Len(t, page2, 3, "104 leads of 40 or more less the first 100: the last 3")
	require.NotContains(t, page2, "staff-found@example.com", "35 is under 36")
	require.Contains(t, body, `href="/console/leads?min_score=36&amp;sort=score" rel="prev"`)
	require.NotContains(t, body, `rel="next"`)
	seen := map[string]bool{}
	for _, e := range append(emails, page2...) {
		require.False(t, seen[e], "%s on both pages", e)
		seen[e] = true
	}

	// The dashboard's leads by stage: each segment is the series API's
	// breakdown of its interval, each column its figure.
	var s kpi.Series
	code, raw := staff.api("GET", "/api/v1/kpis/series?metric=leads&interval=day&period=this_month", "", false)
	require.Equal(t, http.StatusOK, code, raw)
	require.NoError(t, json.Unmarshal([]byte(raw), &s))
	_, body, _ = staff.get("/console/?period=this_month&interval=day")
	chart := regexp.MustCompile(`(?s)<figure class="chart" data-metric="leads">.*?</figure>`).FindString(body)
	require.NotEmpty(t, chart, "the leads chart")
	cols := colRE.FindAllStringSubmatch(chart, -1)
	require.Len(t, cols, len(s.Points), "a column a day")
	var total float64
	for i, p := range s.Points {
		require.Equal(t, p.From, cols[i][1])
		require.Equal(t, strconv.FormatFloat(*p.Value, 'f', -1, 64), cols[i][2], "%s: the column is the day's leads", p.From)
		drawn := map[string]string{}
		for _, seg := range segRE.FindAllStringSubmatch(cols[i][4], -1) {
			drawn[seg[1]] = seg[2]
		}
		want := map[string]string{}
		for _, stage := range []string{"new", "marketing_qualified", "sales_qualified"} {
			if v := p.Breakdown[stage]; v != 0 {
				want[stage] = strconv.FormatFloat(v, 'f', -1, 64)
			}
			total += p.Breakdown[stage]
		}
		require.Equal(t, want, drawn, "%s: a segment for each stage with leads, of the API's figure", p.From)
	}
	require.Equal(t, 104.0, total, "every lead of the month, drawn once, by its stage")
	require.Contains(t, chart, `<li><span class="key seg-sales_qualified"></span>Sales qualified</li>`, "a legend")
}
