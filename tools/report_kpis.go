package tools

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/faroai/faro/kpi"
	"github.com/faroai/faro/store"
)

// ReportKPIsArgs are the arguments of report_kpis.
type ReportKPIsArgs struct {
	Metrics []string `json:"metrics,omitempty" jsonschema:"enum=mrr,enum=arr,enum=new_customers,enum=active_customers,enum=churn,enum=leads,enum=conversion,enum=enrollments,enum=automation_rate,enum=nps,enum=tickets" jsonschema_description:"The KPIs asked for; omit for all of them. mrr (monthly recurring revenue), arr (annual recurring revenue), new_customers (new clients), active_customers (paying customers), churn (cancellations), leads (prospects), conversion (conversion rate), enrollments (enrolments, sign-ups, students enrolled), automation_rate (conversations answered without a person, or handled by the bot), nps (net promoter score), tickets (support tickets)."`
	Period  string   `json:"period,omitempty" jsonschema:"enum=today,enum=this_week,enum=this_month,enum=last_month,enum=this_quarter,enum=this_year,enum=custom" jsonschema_description:"The period; weeks start on Monday. Omit for this_month. this_month (month to date), this_year (year to date), custom needs from and to."`
	From    string   `json:"from,omitempty" jsonschema:"format=date" jsonschema_description:"First day of a custom period, YYYY-MM-DD (included)."`
	To      string   `json:"to,omitempty" jsonschema:"format=date" jsonschema_description:"Last day of a custom period, YYYY-MM-DD (included)."`
}

// Validate checks the period and its dates as the report will read them,
// so a custom period without dates is a missing argument the user is
// asked for, and a bad date names its field.
func (a ReportKPIsArgs) Validate() error {
	if _, err := kpi.ParseMetrics(a.Metrics); err != nil {
		return kpiFieldError(err)
	}
	// Only the arguments are checked here: any instant and zone do.
	_, _, err := kpi.Resolve(kpi.Period(a.Period), a.From, a.To, time.Now(), time.UTC)
	return kpiFieldError(err)
}

// kpiFieldError turns a kpi.Error into the FieldError of its argument.
func kpiFieldError(err error) error {
	var ke *kpi.Error
	if !errors.As(err, &ke) {
		return err
	}
	if ke.Code == kpi.CodeMissingDates {
		return FieldError{Field: ke.Field, Problem: ProblemMissing}
	}
	return FieldError{Field: ke.Field, Problem: ke.Message("en")}
}

// ReportKPIsResult is what report_kpis returns: the report, and the same
// figures as text for the user.
type ReportKPIsResult struct {
	kpi.Report
	// Message is the report for the user, in their language.
	Message string `json:"message"`
}

// AddReportKPIs registers report_kpis, the business KPIs of a period with
// the previous period alongside. Staff only: the figures are internal. It
// panics when rep is nil.
func AddReportKPIs(r *Registry, rep *kpi.Reporter) {
	if rep == nil {
		panic("tools: AddReportKPIs: nil Reporter")
	}
	Add(r, Spec{
		Name: "report_kpis",
		Description: "Business KPIs for a period, each with the previous period's figure and how it is computed: " +
			"MRR, ARR, new and active customers, churn (subscriptions of the marketing SaaS), leads, conversion, enrolments and their revenue, " +
			"automation rate (conversations solved without a person), NPS and support tickets. Use it when staff ask for figures, metrics or KPIs.",
		Roles: []store.Role{store.RoleStaff},
		Examples: []Example{
			{Lang: "es", Text: "cual es el MRR de este mes?"},
			{Lang: "es", Text: "cuantos leads entraron esta semana"},
			{Lang: "es", Text: "dame los kpis del trimestre"},
			{Lang: "es", Text: "como vamos de churn y clientes activos este año?"},
			{Lang: "es", Text: "cuantas matriculas e ingresos tuvimos el mes pasado"},
			{Lang: "es", Text: "que tasa de conversion llevamos hoy"},
			{Lang: "es", Text: "cuantos tickets de soporte se abrieron esta semana y cuantos siguen abiertos"},
			{Lang: "en", Text: "what's our MRR this month?"},
			{Lang: "en", Text: "how many leads came in this week"},
			{Lang: "en", Text: "show me the kpis for the quarter"},
			{Lang: "en", Text: "churn and new customers last month"},
			{Lang: "en", Text: "how many tickets did we open today and how many are still open"},
			{Lang: "en", Text: "what's the automation rate this year"},
			{Lang: "es", Text: "cuantas inscripciones tuvimos este mes"},
			{Lang: "es", Text: "como venimos de clientes nuevos este trimestre"},
			{Lang: "en", Text: "how many people enrolled in courses this month"},
			{Lang: "en", Text: "how are we doing on revenue this year"},
			{Lang: "pt", Text: "qual o MRR deste mes?"},
			{Lang: "pt", Text: "quantos leads chegaram nesta semana"},
			{Lang: "pt", Text: "como esta o churn no trimestre"},
		},
	}, func(ctx context.Context, c Caller, in ReportKPIsArgs) (ReportKPIsResult, error) {
		return reportKPIs(ctx, rep, c, in)
	})
}

func reportKPIs(ctx context.Context, rep *kpi.Reporter, c Caller, in ReportKPIsArgs) (ReportKPIsResult, error) {
	metrics, err := kpi.ParseMetrics(in.Metrics)
	if err != nil { // checked by Validate; kept for direct callers
		return ReportKPIsResult{}, kpiFieldError(err)
	}
	report, err := rep.Report(ctx, kpi.Request{
		Metrics: metrics, Period: kpi.Period(in.Period), From: in.From, To: in.To, Language: c.Language,
	})
	var ke *kpi.Error
	if errors.As(err, &ke) {
		return ReportKPIsResult{}, kpiFieldError(err)
	}
	if err != nil {
		return ReportKPIsResult{}, fmt.Errorf("report_kpis: %w", err)
	}
	return ReportKPIsResult{Report: report, Message: report.Summary(c.Language)}, nil
}
