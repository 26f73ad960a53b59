package kpi

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/faroai/faro/store"
)

// Metric names one KPI.
type Metric string

// The metrics, in the order a report lists them.
const (
	MRR             Metric = "mrr"
	ARR             Metric = "arr"
	NewCustomers    Metric = "new_customers"
	ActiveCustomers Metric = "active_customers"
	Churn           Metric = "churn"
	Leads           Metric = "leads"
	Conversion      Metric = "conversion"
	Enrollments     Metric = "enrollments"
	AutomationRate  Metric = "automation_rate"
	NPS             Metric = "nps"
	Tickets         Metric = "tickets"
)

// Metrics are every metric, in report order.
var Metrics = []Metric{MRR, ARR, NewCustomers, ActiveCustomers, Churn, Leads, Conversion, Enrollments, AutomationRate, NPS, Tickets}

// Valid reports whether m is one of the metrics.
func (m Metric) Valid() bool { return slices.Contains(Metrics, m) }

// The units of a value.
const (
	UnitCount = "count"
	UnitUSD   = "USD"
	UnitRatio = "ratio" // 0..1
)

// Value is one metric of a report: its figure in the period and in the
// previous one, and how it is computed, so a figure can be explained.
type Value struct {
	Metric Metric `json:"metric"`
	Unit   string `json:"unit"`
	// Value is nil when the metric cannot be computed; Unavailable says
	// why. A figure that cannot be known is never reported as 0.
	Value    *float64 `json:"value"`
	Previous *float64 `json:"previous"`
	// Change is Value - Previous, when both are known.
	Change *float64 `json:"change,omitempty"`
	// Breakdown splits or qualifies the figure (leads by stage, tickets
	// still open…), keyed by snake_case names.
	Breakdown   map[string]float64 `json:"breakdown,omitempty"`
	Unavailable string             `json:"unavailable,omitempty"`
	// Definition is one line on how the figure is computed, in the
	// report's language.
	Definition string `json:"definition"`
}

// Report is the KPIs of one period.
type Report struct {
	Period   Period `json:"period"`
	TimeZone string `json:"time_zone"`
	// From and To bound the period, [From, To); PreviousFrom and
	// PreviousTo the one it is compared with. RFC 3339 in TimeZone.
	From         string  `json:"from"`
	To           string  `json:"to"`
	PreviousFrom string  `json:"previous_from"`
	PreviousTo   string  `json:"previous_to"`
	Metrics      []Value `json:"metrics"`
}

// Request is what to report.
type Request struct {
	// Metrics to report; empty is all of them. Repeats are reported once.
	Metrics []Metric
	Period  Period
	// From and To are dates (YYYY-MM-DD, both included) of a custom period.
	From, To string
	// Language of the definitions and messages: es, en or pt (anything
	// else is English).
	Language string
}

// Source is the store's aggregates the KPIs are computed from;
// store.Store satisfies it.
type Source interface {
	LeadStats(ctx context.Context, from, to time.Time) (store.LeadStats, error)
	EnrollmentStats(ctx context.Context, from, to time.Time) (store.EnrollmentStats, error)
	TicketStats(ctx context.Context, from, to, now time.Time) (store.TicketStats, error)
	ConversationStats(ctx context.Context, from, to time.Time) (store.ConversationStats, error)
	SubscriptionStats(ctx context.Context, from, to time.Time) (store.SubscriptionStats, error)
}

// Reporter computes reports from a Source in a time zone.
type Reporter struct {
	src Source
	loc *time.Location
	now func() time.Time
}

// NewReporter returns a Reporter over src whose periods are days of loc
// (nil: UTC); now nil is time.Now. It panics when src is nil.
func NewReporter(src Source, loc *time.Location, now func() time.Time) *Reporter {
	if src == nil {
		panic("kpi: NewReporter: nil Source")
	}
	if loc == nil {
		loc = time.UTC
	}
	if now == nil {
		now = time.Now
	}
	return &Reporter{src: src, loc: loc, now: now}
}

// Location is the time zone of the reporter's periods.
func (r *Reporter) Location() *time.Location { return r.loc }

// ParseMetrics reads metric names (trimmed, case-insensitive); an
// unknown one is an [Error].
func ParseMetrics(names []string) ([]Metric, error) {
	var out []Metric
	for _, n := range names {
		m := Metric(strings.ToLower(strings.TrimSpace(n)))
		if m == "" {
			continue
		}
		if !m.Valid() {
			return nil, &Error{Code: CodeBadMetric, Field: "metrics", msg: tr{
				fmt.Sprintf("No conozco la métrica «%s»: usa %s.", n, metricList()),
				fmt.Sprintf("Unknown metric %q: use %s.", n, metricList()),
				fmt.Sprintf("Não conheço a métrica “%s”: use %s.", n, metricList()),
			}}
		}
		out = append(out, m)
	}
	return out, nil
}

func metricList() string {
	ss := make([]string, len(Metrics))
	for i, m := range Metrics {
		ss[i] = string(m)
	}
	return strings.Join(ss, ", ")
}

// Report computes the metrics of req. A bad period, date or metric is an
// [Error]; a failure of the store is returned wrapped.
func (r *Reporter) Report(ctx context.Context, req Request) (Report, error) {
	for _, m := range req.Metrics {
		if !m.Valid() {
			_, err := ParseMetrics([]string{string(m)})
			return Report{}, err
		}
	}
	now := r.now()
	cur, prev, err := Resolve(req.Period, req.From, req.To, now, r.loc)
	if err != nil {
		return Report{}, err
	}
	p := req.Period
	if p == "" {
		p = ThisMonth
		if strings.TrimSpace(req.From) != "" || strings.TrimSpace(req.To) != "" {
			p = Custom
		}
	}
	metrics := Metrics
	if len(req.Metrics) > 0 {
		// In report order, once each.
		metrics = slices.DeleteFunc(slices.Clone(Metrics), func(m Metric) bool { return !slices.Contains(req.Metrics, m) })
	}
	lang := reportLang(req.Language)
	c := &figures{src: r.src, now: now.UTC(), r: Range{From: cur.From.UTC(), To: cur.To.UTC()}}
	pc := &figures{src: r.src, now: now.UTC(), r: Range{From: prev.From.UTC(), To: prev.To.UTC()}}
	out := Report{
		Period: p, TimeZone: r.loc.String(),
		From: cur.From.Format(time.RFC3339), To: cur.To.Format(time.RFC3339),
		PreviousFrom: prev.From.Format(time.RFC3339), PreviousTo: prev.To.Format(time.RFC3339),
	}
	for _, m := range metrics {
		v, err := compute(ctx, m, c, pc, lang)
		if err != nil {
			return Report{}, fmt.Errorf("kpi: %s: %w", m, err)
		}
		out.Metrics = append(out.Metrics, v)
	}
	return out, nil
}

// figures fetches the aggregates of one range once each, as metrics need
// them.
type figures struct {
	src  Source
	now  time.Time
	r    Range
	lead *store.LeadStats
	enr  *store.EnrollmentStats
	tix  *store.TicketStats
	conv *store.ConversationStats
	sub  *store.SubscriptionStats
}

func (f *figures) leads(ctx context.Context) (store.LeadStats, error) {
	if f.lead == nil {
		s, err := f.src.LeadStats(ctx, f.r.From, f.r.To)
		if err != nil {
			return s, err
		}
		f.lead = &s
	}
	return *f.lead, nil
}

func (f *figures) enrollments(ctx context.Context) (store.EnrollmentStats, error) {
	if f.enr == nil {
		s, err := f.src.EnrollmentStats(ctx, f.r.From, f.r.To)
		if err != nil {
			return s, err
		}
		f.enr = &s
	}
	return *f.enr, nil
}

func (f *figures) tickets(ctx context.Context) (store.TicketStats, error) {
	if f.tix == nil {
		s, err := f.src.TicketStats(ctx, f.r.From, f.r.To, f.now)
		if err != nil {
			return s, err
		}
		f.tix = &s
	}
	return *f.tix, nil
}

func (f *figures) conversations(ctx context.Context) (store.ConversationStats, error) {
	if f.conv == nil {
		s, err := f.src.ConversationStats(ctx, f.r.From, f.r.To)
		if err != nil {
			return s, err
		}
		f.conv = &s
	}
	return *f.conv, nil
}

// subscriptions are taken up to now when the range has not ended: MRR
// "this month" is the MRR today, not of subscriptions billing says will
// be cancelled before the month ends.
func (f *figures) subscriptions(ctx context.Context) (store.SubscriptionStats, error) {
	if f.sub == nil {
		end := f.r.To
		if f.now.Before(end) {
			end = f.now
		}
		if end.Before(f.r.From) {
			end = f.r.From
		}
		s, err := f.src.SubscriptionStats(ctx, f.r.From, end)
		if err != nil {
			return s, err
		}
		f.sub = &s
	}
	return *f.sub, nil
}

// one is a metric's figure in one range: the value (ok false when it
// cannot be computed, why says why) and its breakdown.
type one struct {
	value     float64
	ok        bool
	why       tr
	breakdown map[string]float64
}

// tr is a text in Spanish, English and Portuguese.
type tr struct{ es, en, pt string }

// in is the text in lang: English for a language it is not written in.
func (t tr) in(lang string) string {
	switch lang {
	case "es":
		return t.es
	case "pt":
		return t.pt
	}
	return t.en
}

// reportLang is the language a report is written in: es, en or pt, and
// English for anything else.
func reportLang(lang string) string {
	if lang == "es" || lang == "pt" {
		return lang
	}
	return "en"
}

func compute(ctx context.Context, m Metric, cur, prev *figures, lang string) (Value, error) {
	d := definitions[m]
	v := Value{Metric: m, Unit: d.unit, Definition: d.text.in(lang)}
	a, err := d.fn(ctx, cur)
	if err != nil {
		return Value{}, err
	}
	b, err := d.fn(ctx, prev)
	if err != nil {
		return Value{}, err
	}
	v.Breakdown = a.breakdown
	if a.ok {
		v.Value = ptr(round(a.value))
	} else {
		v.Unavailable = a.why.in(lang)
	}
	if b.ok {
		v.Previous = ptr(round(b.value))
	}
	if a.ok && b.ok {
		v.Change = ptr(round(a.value - b.value))
	}
	return v, nil
}

func ptr(f float64) *float64 { return &f }

// round keeps 4 decimals: enough for a ratio, exact for cents.
func round(f float64) float64 { return math.Round(f*1e4) / 1e4 }

// definition says how a metric is computed.
type definition struct {
	unit string
	text tr
	fn   func(ctx context.Context, f *figures) (one, error)
}

var noSurvey = tr{
	"no hay datos de encuestas: Faro no guarda respuestas NPS",
	"no survey data: Faro stores no NPS answers",
	"não há dados de pesquisas: o Faro não guarda respostas de NPS",
}

// definitions is the one place each metric's computation and explanation
// live, so the figure and its definition cannot drift apart.
var definitions = map[Metric]definition{
	MRR: {UnitUSD, tr{
		"suma de los importes mensuales (USD) de las suscripciones activas al final del periodo (o hoy, si no ha terminado)",
		"sum of the monthly amounts (USD) of the subscriptions active at the end of the period (or now, if it has not ended)",
		"soma dos valores mensais (USD) das assinaturas ativas no fim do período (ou agora, se ele ainda não terminou)",
	}, func(ctx context.Context, f *figures) (one, error) {
		s, err := f.subscriptions(ctx)
		if err != nil {
			return one{}, err
		}
		return one{value: float64(s.MRRCents["USD"]) / 100, ok: true, breakdown: otherCurrencies("mrr", s.MRRCents, 1)}, nil
	}},
	ARR: {UnitUSD, tr{
		"12 × MRR: el MRR al final del periodo anualizado",
		"12 × MRR: the MRR at the end of the period, annualised",
		"12 × MRR: o MRR no fim do período, anualizado",
	}, func(ctx context.Context, f *figures) (one, error) {
		s, err := f.subscriptions(ctx)
		if err != nil {
			return one{}, err
		}
		return one{value: 12 * float64(s.MRRCents["USD"]) / 100, ok: true, breakdown: otherCurrencies("arr", s.MRRCents, 12)}, nil
	}},
	NewCustomers: {UnitCount, tr{
		"clientes cuya primera suscripción o primera matrícula confirmada empezó en el periodo",
		"customers whose first subscription or first confirmed enrolment started in the period",
		"clientes cuja primeira assinatura ou primeira matrícula confirmada começou no período",
	}, func(ctx context.Context, f *figures) (one, error) {
		s, err := f.subscriptions(ctx)
		if err != nil {
			return one{}, err
		}
		return one{value: float64(s.NewCustomers), ok: true}, nil
	}},
	ActiveCustomers: {UnitCount, tr{
		"clientes con al menos una suscripción activa al final del periodo (o hoy)",
		"customers with at least one subscription active at the end of the period (or now)",
		"clientes com pelo menos uma assinatura ativa no fim do período (ou agora)",
	}, func(ctx context.Context, f *figures) (one, error) {
		s, err := f.subscriptions(ctx)
		if err != nil {
			return one{}, err
		}
		return one{value: float64(s.ActiveCustomers), ok: true}, nil
	}},
	Churn: {UnitRatio, tr{
		"suscripciones canceladas en el periodo / suscripciones activas al inicio del periodo",
		"subscriptions cancelled in the period / subscriptions active at its start",
		"assinaturas canceladas no período / assinaturas ativas no início do período",
	}, func(ctx context.Context, f *figures) (one, error) {
		s, err := f.subscriptions(ctx)
		if err != nil {
			return one{}, err
		}
		if s.ActiveAtStart == 0 {
			return one{why: tr{"no había suscripciones activas al inicio del periodo", "no subscription was active at the start of the period", "não havia assinaturas ativas no início do período"}}, nil
		}
		return one{value: float64(s.Cancelled) / float64(s.ActiveAtStart), ok: true,
			breakdown: map[string]float64{"cancelled": float64(s.Cancelled), "active_at_start": float64(s.ActiveAtStart)}}, nil
	}},
	Leads: {UnitCount, tr{
		"leads creados en el periodo; el desglose es su etapa actual",
		"leads created in the period; the breakdown is their stage now",
		"leads criados no período; o detalhamento é a etapa atual de cada um",
	}, func(ctx context.Context, f *figures) (one, error) {
		s, err := f.leads(ctx)
		if err != nil {
			return one{}, err
		}
		return one{value: float64(s.Created), ok: true, breakdown: map[string]float64{
			"new":                 float64(s.ByStage[store.StageNew]),
			"marketing_qualified": float64(s.ByStage[store.StageMarketingQualified]),
			"sales_qualified":     float64(s.ByStage[store.StageSalesQualified]),
		}}, nil
	}},
	Conversion: {UnitRatio, tr{
		"leads creados en el periodo que ya son clientes (matrícula confirmada o suscripción) / leads creados en el periodo",
		"leads created in the period that became customers (a confirmed enrolment or a subscription) / leads created in the period",
		"leads criados no período que viraram clientes (matrícula confirmada ou assinatura) / leads criados no período",
	}, func(ctx context.Context, f *figures) (one, error) {
		s, err := f.leads(ctx)
		if err != nil {
			return one{}, err
		}
		if s.Created == 0 {
			return one{why: tr{"no hubo leads en el periodo", "no leads in the period", "não houve leads no período"}}, nil
		}
		return one{value: float64(s.Converted) / float64(s.Created), ok: true,
			breakdown: map[string]float64{"converted": float64(s.Converted), "leads": float64(s.Created)}}, nil
	}},
	Enrollments: {UnitCount, tr{
		"matrículas hechas en el periodo (confirmadas + pendientes de pago); ingresos: precio de los cursos de las confirmadas, en USD",
		"enrolments made in the period (confirmed + pending payment); revenue: course price of the confirmed ones, in USD",
		"matrículas feitas no período (confirmadas + pagamento pendente); receita: preço dos cursos das confirmadas, em USD",
	}, func(ctx context.Context, f *figures) (one, error) {
		s, err := f.enrollments(ctx)
		if err != nil {
			return one{}, err
		}
		bd := map[string]float64{
			"confirmed": float64(s.Confirmed), "pending_payment": float64(s.Pending), "revenue_usd": round(s.Revenue["USD"]),
		}
		for cur, amount := range s.Revenue {
			if cur != "USD" && amount != 0 {
				bd["revenue_"+strings.ToLower(cur)] = round(amount)
			}
		}
		return one{value: float64(s.Confirmed + s.Pending), ok: true, breakdown: bd}, nil
	}},
	AutomationRate: {UnitRatio, tr{
		"conversaciones con actividad en el periodo que nunca pasaron a una persona / todas las conversaciones con actividad",
		"conversations with activity in the period never handed to a person / all conversations with activity",
		"conversas com atividade no período que nunca passaram para uma pessoa / todas as conversas com atividade",
	}, func(ctx context.Context, f *figures) (one, error) {
		s, err := f.conversations(ctx)
		if err != nil {
			return one{}, err
		}
		if s.Active == 0 {
			return one{why: tr{"no hubo conversaciones en el periodo", "no conversations in the period", "não houve conversas no período"}}, nil
		}
		return one{value: float64(s.Active-s.HandedOff) / float64(s.Active), ok: true,
			breakdown: map[string]float64{"conversations": float64(s.Active), "handed_off": float64(s.HandedOff)}}, nil
	}},
	NPS: {UnitRatio, tr{
		"Net Promoter Score: (promotores − detractores) / respuestas de las encuestas del periodo",
		"Net Promoter Score: (promoters − detractors) / survey answers of the period",
		"Net Promoter Score: (promotores − detratores) / respostas às pesquisas do período",
	}, func(context.Context, *figures) (one, error) {
		return one{why: noSurvey}, nil
	}},
	Tickets: {UnitCount, tr{
		"tickets abiertos en el periodo; desglose según su estado actual, y los abiertos con el SLA vencido",
		"tickets opened in the period; broken down by where they stand now, and the open ones past their SLA",
		"chamados abertos no período; detalhados pela situação atual, e os abertos com o SLA vencido",
	}, func(ctx context.Context, f *figures) (one, error) {
		s, err := f.tickets(ctx)
		if err != nil {
			return one{}, err
		}
		return one{value: float64(s.Opened), ok: true, breakdown: map[string]float64{
			"still_open": float64(s.StillOpen), "resolved": float64(s.Resolved), "sla_breached": float64(s.SLABreached),
		}}, nil
	}},
}

// otherCurrencies lists amounts in currencies other than USD, which are
// not converted (Faro has no exchange rates): "mrr_eur": 15.
func otherCurrencies(prefix string, cents map[string]int64, times int64) map[string]float64 {
	var out map[string]float64
	for cur, c := range cents {
		if cur == "USD" || c == 0 {
			continue
		}
		if out == nil {
			out = map[string]float64{}
		}
		out[prefix+"_"+strings.ToLower(cur)] = float64(c*times) / 100
	}
	return out
}
