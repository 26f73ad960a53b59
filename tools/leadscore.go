package tools

import (
	"math"
	"slices"
	"strings"

	"github.com/faroai/faro/store"
)

// The factors of a lead's score, as named in [ScoreFactor].
const (
	factorWebsiteEngagement  = "website_engagement"
	factorEmailInteraction   = "email_interaction"
	factorCompanyInformation = "company_information"
	factorBudgetIndicators   = "budget_indicators"
)

// LeadScoring holds the weights and thresholds of lead scoring, as the
// business defined them: four factors — website engagement, email
// interaction, company information and budget indicators — each worth up
// to its cap, adding up to a score of 0–100. The composition root may load
// it from configuration; [DefaultLeadScoring] documents the defaults.
type LeadScoring struct {
	// Website engagement: points per page viewed and per minute on the
	// site, up to WebsiteCap.
	PerPageView float64
	PerMinute   float64
	WebsiteCap  float64
	// Email interaction: points per open, click and download, up to
	// EmailCap.
	PerEmailOpen  float64
	PerEmailClick float64
	PerDownload   float64
	EmailCap      float64
	// Company information: points by company size band (the first band
	// whose MinEmployees the size reaches, bands sorted largest first),
	// for a target industry and for a target country, up to CompanyCap.
	SizeBands        []SizeBand
	TargetIndustries []string // folded substrings: "educa" matches "Educación"
	IndustryPoints   float64
	TargetCountries  []string // folded names and ISO codes
	CountryPoints    float64
	CompanyCap       float64
	// Budget indicators: points per pricing-page visit, for a demo
	// requested, by budget band (USD, largest first) and for a purchase
	// timeline within a quarter, up to BudgetCap.
	PerPricingVisit float64
	DemoPoints      float64
	BudgetBands     []BudgetBand
	TimelinePoints  float64
	BudgetCap       float64
	// Thresholds of the stages: a score at or above MarketingQualified
	// makes a new lead marketing qualified; at or above SalesQualified,
	// sales qualified.
	MarketingQualified float64
	SalesQualified     float64
}

// SizeBand gives Points to a company of at least MinEmployees.
type SizeBand struct {
	MinEmployees int
	Points       float64
}

// BudgetBand gives Points to a budget of at least MinUSD.
type BudgetBand struct {
	MinUSD float64
	Points float64
}

// DefaultLeadScoring is the business's scoring as first agreed:
//
//   - website engagement (max 25): 2 per page viewed, 1 per minute on site;
//   - email interaction (max 20): 1 per open, 3 per click, 5 per download;
//   - company information (max 25): size 250+ → 15, 50+ → 10, 10+ → 6,
//     1+ → 2; target industry (education, marketing, retail, e-commerce,
//     technology, consulting, health, finance, real estate) → 5; target
//     country (Spanish-speaking Latin America, Spain, US) → 5;
//   - budget indicators (max 30): 4 per pricing-page visit, demo requested
//     → 15, budget ≥ 5,000 USD → 15, ≥ 1,000 → 10, ≥ 200 → 5, > 0 → 2,
//     a timeline within about three months → 5;
//
// marketing qualified from 25 points, sales qualified from 40. A
// conversation alone (no website or email signals) reaches sales qualified
// only with a company of 250+ in a target market, a budget of 5,000 USD or
// more and a purchase within a quarter (or a demo asked for) — the lead
// sales wants to hear about at once.
func DefaultLeadScoring() LeadScoring {
	return LeadScoring{
		PerPageView: 2, PerMinute: 1, WebsiteCap: 25,
		PerEmailOpen: 1, PerEmailClick: 3, PerDownload: 5, EmailCap: 20,
		SizeBands: []SizeBand{{250, 15}, {50, 10}, {10, 6}, {1, 2}},
		TargetIndustries: []string{
			"educa", "education", "marketing", "retail", "ecommerce", "e-commerce", "comercio",
			"tecnolog", "technology", "software", "saas", "consult", "salud", "health",
			"finan", "inmobiliaria", "real estate",
		},
		IndustryPoints: 5,
		TargetCountries: []string{
			"mexico", "mx", "espana", "spain", "es", "colombia", "co", "argentina", "ar", "chile", "cl",
			"peru", "pe", "uruguay", "uy", "ecuador", "ec", "estados unidos", "united states", "usa", "us",
		},
		CountryPoints:   5,
		CompanyCap:      25,
		PerPricingVisit: 4, DemoPoints: 15,
		BudgetBands:    []BudgetBand{{5000, 15}, {1000, 10}, {200, 5}, {0.01, 2}},
		TimelinePoints: 5, BudgetCap: 30,
		MarketingQualified: 25, SalesQualified: 40,
	}
}

// LeadScore is a lead's score with each factor's contribution, so a person
// (or the model) can see why a lead is where it is.
type LeadScore struct {
	Total   float64       `json:"total"`
	Factors []ScoreFactor `json:"factors"`
}

// ScoreFactor is one factor's contribution to a [LeadScore].
type ScoreFactor struct {
	Factor string  `json:"factor"`
	Points float64 `json:"points"`
	Max    float64 `json:"max"`
	// Reasons name the signals that scored, "3 pages viewed (+6)".
	Reasons []string `json:"reasons,omitempty"`
}

// Score computes the score of a lead from its signals and company
// information; zero values mean "not known" and score nothing. It is pure:
// the same lead always gets the same score.
func (cfg LeadScoring) Score(l store.Lead) LeadScore {
	s := l.Signals
	var out LeadScore
	add := func(name string, limit float64, parts []part) {
		f := ScoreFactor{Factor: name, Max: limit}
		for _, p := range parts {
			if p.points <= 0 {
				continue
			}
			f.Points += p.points
			f.Reasons = append(f.Reasons, p.reason+" (+"+fmtPoints(p.points)+")")
		}
		f.Points = round1(math.Min(f.Points, limit))
		out.Factors = append(out.Factors, f)
		out.Total += f.Points
	}
	add(factorWebsiteEngagement, cfg.WebsiteCap, []part{
		{float64(max(s.PagesViewed, 0)) * cfg.PerPageView, itoa(s.PagesViewed) + " pages viewed"},
		{float64(max(s.TimeOnSiteSeconds, 0)/60) * cfg.PerMinute, itoa(s.TimeOnSiteSeconds/60) + " minutes on site"},
	})
	add(factorEmailInteraction, cfg.EmailCap, []part{
		{float64(max(s.EmailOpens, 0)) * cfg.PerEmailOpen, itoa(s.EmailOpens) + " email opens"},
		{float64(max(s.EmailClicks, 0)) * cfg.PerEmailClick, itoa(s.EmailClicks) + " email clicks"},
		{float64(max(s.Downloads, 0)) * cfg.PerDownload, itoa(s.Downloads) + " downloads"},
	})
	company := []part{{cfg.sizePoints(l.CompanySize), itoa(l.CompanySize) + " employees"}}
	if l.Industry != "" && matchesAny(l.Industry, cfg.TargetIndustries, false) {
		company = append(company, part{cfg.IndustryPoints, "target industry " + l.Industry})
	}
	if l.Country != "" && matchesAny(l.Country, cfg.TargetCountries, true) {
		company = append(company, part{cfg.CountryPoints, "target country " + l.Country})
	}
	add(factorCompanyInformation, cfg.CompanyCap, company)
	budget := []part{
		{float64(max(s.PricingVisits, 0)) * cfg.PerPricingVisit, itoa(s.PricingVisits) + " pricing page visits"},
		{cfg.budgetPoints(l.Budget), "budget " + fmtPoints(l.Budget) + " USD"},
	}
	if s.DemoRequested {
		budget = append(budget, part{cfg.DemoPoints, "demo requested"})
	}
	if soon(l.Timeline) {
		budget = append(budget, part{cfg.TimelinePoints, "timeline " + l.Timeline})
	}
	add(factorBudgetIndicators, cfg.BudgetCap, budget)
	out.Total = round1(out.Total)
	return out
}

// Stage is the stage a lead at stage from reaches with score: thresholds
// move it forward (new → marketing_qualified → sales_qualified), never
// back — a lower score later keeps the stage reached, since sales may
// already be acting on it.
func (cfg LeadScoring) Stage(from store.LeadStage, score float64) store.LeadStage {
	to := store.StageNew
	switch {
	case score >= cfg.SalesQualified:
		to = store.StageSalesQualified
	case score >= cfg.MarketingQualified:
		to = store.StageMarketingQualified
	}
	if stageRank(to) < stageRank(from) {
		return from
	}
	return to
}

func stageRank(s store.LeadStage) int {
	switch s {
	case store.StageMarketingQualified:
		return 1
	case store.StageSalesQualified:
		return 2
	}
	return 0
}

type part struct {
	points float64
	reason string
}

func (cfg LeadScoring) sizePoints(n int) float64 {
	if n <= 0 {
		return 0
	}
	bands := slices.Clone(cfg.SizeBands)
	slices.SortFunc(bands, func(a, b SizeBand) int { return b.MinEmployees - a.MinEmployees })
	for _, b := range bands {
		if n >= b.MinEmployees {
			return b.Points
		}
	}
	return 0
}

func (cfg LeadScoring) budgetPoints(usd float64) float64 {
	if usd <= 0 {
		return 0
	}
	bands := slices.Clone(cfg.BudgetBands)
	slices.SortFunc(bands, func(a, b BudgetBand) int {
		switch {
		case a.MinUSD > b.MinUSD:
			return -1
		case a.MinUSD < b.MinUSD:
			return 1
		}
		return 0
	})
	for _, b := range bands {
		if usd >= b.MinUSD {
			return b.Points
		}
	}
	return 0
}

// matchesAny reports whether value, folded, holds one of targets; with
// exact, a target that is a code (two letters) must be the whole value.
func matchesAny(value string, targets []string, exact bool) bool {
	v := foldText(value)
	for _, t := range targets {
		t = foldText(t)
		if t == "" {
			continue
		}
		if exact && len(t) <= 3 {
			if v == t {
				return true
			}
			continue
		}
		if strings.Contains(v, t) {
			return true
		}
	}
	return false
}

// soon reports whether a timeline in words means within about a quarter:
// "ya", "este mes", "asap", "next month", "in 2 months", "Q1".
func soon(timeline string) bool {
	t := " " + foldText(timeline) + " "
	if strings.TrimSpace(t) == "" {
		return false
	}
	for _, w := range []string{
		" ya ", "inmediat", "urgente", "cuanto antes", "este mes", "proximo mes", "mes que viene", "esta semana",
		"proxima semana", "semanas", "1 mes", "un mes", "2 meses", "dos meses", "3 meses", "tres meses", "trimestre",
		"asap", "now", "immediately", "this month", "next month", "this week", "next week", "weeks", "1 month",
		"one month", "2 months", "two months", "3 months", "three months", "quarter", "q1", "q2", "q3", "q4",
	} {
		if strings.Contains(t, w) {
			return true
		}
	}
	return false
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }

func fmtPoints(f float64) string {
	f = round1(f)
	if f == math.Trunc(f) {
		return itoa(int(f))
	}
	return strings.TrimRight(strings.TrimRight(strconvFloat(f), "0"), ".")
}
