package tools

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
)

func factor(s LeadScore, name string) ScoreFactor {
	for _, f := range s.Factors {
		if f.Factor == name {
			return f
		}
	}
	return ScoreFactor{}
}

func TestLeadScoreExplainable(t *testing.T) {
	t.Parallel()
	cfg := DefaultLeadScoring()

	empty := cfg.Score(store.Lead{Email: "a@b.co"})
	require.Zero(t, empty.Total)
	require.Len(t, empty.Factors, 4, "every factor is listed, even at 0")

	l := store.Lead{
		CompanySize: 120, Industry: "Educación", Country: "México", Budget: 3000, Timeline: "el próximo mes",
		Signals: store.Signals{PagesViewed: 4, TimeOnSiteSeconds: 300, PricingVisits: 2, EmailOpens: 3, EmailClicks: 1, Downloads: 1},
	}
	s := cfg.Score(l)
	require.Equal(t, 13.0, factor(s, factorWebsiteEngagement).Points, "4 pages ×2 + 5 minutes ×1")
	require.Equal(t, 11.0, factor(s, factorEmailInteraction).Points, "3 opens + 1 click ×3 + 1 download ×5")
	require.Equal(t, 20.0, factor(s, factorCompanyInformation).Points, "50+ employees 10, target industry 5, target country 5")
	require.Equal(t, 23.0, factor(s, factorBudgetIndicators).Points, "2 pricing visits ×4, budget ≥1000 10, timeline 5")
	require.Equal(t, 67.0, s.Total)
	require.Contains(t, factor(s, factorCompanyInformation).Reasons, "target industry Educación (+5)")

	// Caps hold.
	huge := cfg.Score(store.Lead{CompanySize: 10000, Budget: 1e6, Signals: store.Signals{PagesViewed: 500, EmailClicks: 100, PricingVisits: 50, DemoRequested: true}})
	for _, f := range huge.Factors {
		require.LessOrEqual(t, f.Points, f.Max, f.Factor)
	}
	require.LessOrEqual(t, huge.Total, 100.0)

	// Countries by code match whole; "es" is not found inside "Estonia".
	require.Equal(t, 5.0, factor(cfg.Score(store.Lead{Country: "ES"}), factorCompanyInformation).Points)
	require.Zero(t, factor(cfg.Score(store.Lead{Country: "Estonia"}), factorCompanyInformation).Points)
}

func TestLeadStageNeverBackwards(t *testing.T) {
	t.Parallel()
	cfg := DefaultLeadScoring()
	require.Equal(t, store.StageNew, cfg.Stage(store.StageNew, 10))
	require.Equal(t, store.StageMarketingQualified, cfg.Stage(store.StageNew, 39.9))
	require.Equal(t, store.StageMarketingQualified, cfg.Stage(store.StageNew, 25))
	require.Equal(t, store.StageSalesQualified, cfg.Stage(store.StageNew, 40))
	require.Equal(t, store.StageSalesQualified, cfg.Stage(store.StageMarketingQualified, 80))
	require.Equal(t, store.StageSalesQualified, cfg.Stage(store.StageSalesQualified, 5), "a lower score keeps the stage")
	require.Equal(t, store.StageMarketingQualified, cfg.Stage(store.StageMarketingQualified, 0))
}

func TestChatOnlyLeadCanBeSalesQualified(t *testing.T) {
	t.Parallel()
	// What a conversation alone can tell: a big company in a target
	// market with a budget, asking for a demo, soon.
	cfg := DefaultLeadScoring()
	s := cfg.Score(store.Lead{CompanySize: 300, Industry: "retail", Country: "Colombia", Budget: 8000, Timeline: "this quarter"})
	require.Equal(t, store.StageSalesQualified, cfg.Stage(store.StageNew, s.Total), "score %v", s.Total)
	s = cfg.Score(store.Lead{CompanySize: 20, Country: "Chile", Budget: 1500, Timeline: "en 2 meses"})
	require.Equal(t, store.StageMarketingQualified, cfg.Stage(store.StageNew, s.Total), "score %v", s.Total)
}

func TestCourseMatching(t *testing.T) {
	t.Parallel()
	courses := []store.Course{
		{Slug: "ia-marketing", Title: store.Localized{ES: "IA para marketing", EN: "AI for Marketing"}},
		{Slug: "fundamentos-ia", Title: store.Localized{ES: "Fundamentos de IA generativa", EN: "Generative AI Foundations"}},
		{Slug: "datos-ia", Title: store.Localized{ES: "Análisis de datos con IA", EN: "AI-Powered Data Analysis"}},
		{Slug: "prompt-engineering", Title: store.Localized{ES: "Prompt engineering en la práctica", EN: "Prompt Engineering in Practice"}},
		{Slug: "agentes-automatizacion", Title: store.Localized{ES: "Automatización con agentes de IA", EN: "Automation with AI Agents"}},
		{Slug: "ia-ventas", Title: store.Localized{ES: "IA para ventas", EN: "AI for Sales"}},
	}
	for text, want := range map[string]string{
		"IA para marketing":              "ia-marketing",
		"ia para markting":               "ia-marketing", // typo
		"AI for marketing":               "ia-marketing",
		"analisis de datos":              "datos-ia", // no accents
		"Análisis de Datos con IA":       "datos-ia",
		"prompt enginering":              "prompt-engineering",
		"automatizacion con agentes":     "agentes-automatizacion",
		"generative ai foundations":      "fundamentos-ia",
		"fundamentos de ia generativa":   "fundamentos-ia",
		"datos-ia":                       "datos-ia",
		"el curso de ia para marketing!": "ia-marketing",
	} {
		c, cands, ok := pickCourse(matchCourses(text, courses))
		require.True(t, ok, "%q: candidates %v", text, cands)
		require.Equal(t, want, c.Slug, text)
	}
	// "IA para" names two courses equally: ask.
	_, cands, ok := pickCourse(matchCourses("el de IA para", courses))
	require.False(t, ok)
	require.Empty(t, cands, "too little to name any")
	_, cands, ok = pickCourse(matchCourses("ia para mrketing ventas", courses))
	require.False(t, ok)
	require.Len(t, cands, 2)
	_, _, ok = pickCourse(matchCourses("cocina italiana", courses))
	require.False(t, ok)
}

func TestTicketPriorityRules(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		cat      store.TicketCategory
		text     string
		customer bool
		want     store.TicketPriority
	}{
		{store.CategoryOther, "una pregunta", false, store.PriorityLow},
		{store.CategoryCourseContent, "errata en el módulo 2", true, store.PriorityNormal},
		{store.CategoryBilling, "factura con datos mal", false, store.PriorityNormal},
		{store.CategoryBilling, "factura con datos mal", true, store.PriorityHigh},
		{store.CategoryBilling, "Me han cobrado dos veces el curso", false, store.PriorityUrgent},
		{store.CategoryBilling, "I was charged twice", false, store.PriorityUrgent},
		{store.CategoryTechnical, "es URGENTE, mañana tengo la entrega", false, store.PriorityUrgent},
		{store.CategoryTechnical, "No puedo acceder al campus", false, store.PriorityHigh},
		{store.CategoryAccess, "forgot my password", false, store.PriorityHigh},
		{store.CategoryOther, "I can't log in", false, store.PriorityHigh},
		{store.CategoryBilling, "Fui cobrado duas vezes pelo curso", false, store.PriorityUrgent},
		{store.CategoryOther, "Não consigo acessar a plataforma", false, store.PriorityHigh},
	} {
		require.Equal(t, tt.want, TicketPriorityFor(tt.cat, tt.text, tt.customer), "%s %q customer=%v", tt.cat, tt.text, tt.customer)
	}
	require.Equal(t, store.CategoryBilling, ticketCategory("me cobraron dos veces"))
	require.Equal(t, store.CategoryAccess, ticketCategory("no puedo entrar, olvidé mi contraseña"))
	require.Equal(t, store.CategoryTechnical, ticketCategory("the videos won't load, looks broken"))
	require.Equal(t, store.CategoryCourseContent, ticketCategory("hay un error en el ejercicio del módulo 3"))
	require.Equal(t, store.CategoryBilling, ticketCategory("paguei o curso e a fatura não chegou"))
	require.Equal(t, store.CategoryAccess, ticketCategory("esqueci minha senha"))
	require.Equal(t, store.CategoryTechnical, ticketCategory("o vídeo não carrega"))
	require.Equal(t, store.CategoryOther, ticketCategory("a Paula quer saber outra coisa"))
}
