package kpi

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Summary is the report as a few lines for a person, in lang (es or en):
// the period, then one line per metric with the previous period's figure
// and the change; how each figure is computed when few were asked for.
func (r Report) Summary(lang string) string {
	if lang != "es" {
		lang = "en"
	}
	var b strings.Builder
	b.WriteString(r.title(lang))
	for _, v := range r.Metrics {
		b.WriteString("\n- ")
		b.WriteString(v.line(lang))
	}
	if len(r.Metrics) <= 3 {
		for _, v := range r.Metrics {
			if lang == "es" {
				fmt.Fprintf(&b, "\n%s: %s.", metricNames[v.Metric].es, v.Definition)
			} else {
				fmt.Fprintf(&b, "\n%s: %s.", metricNames[v.Metric].en, v.Definition)
			}
		}
	}
	return b.String()
}

var periodNames = map[Period]tr{
	Today:       {"de hoy", "for today"},
	ThisWeek:    {"de esta semana", "for this week"},
	ThisMonth:   {"de este mes", "for this month"},
	LastMonth:   {"del mes pasado", "for last month"},
	ThisQuarter: {"de este trimestre", "for this quarter"},
	ThisYear:    {"de este año", "for this year"},
}

var metricNames = map[Metric]tr{
	MRR:             {"MRR", "MRR"},
	ARR:             {"ARR", "ARR"},
	NewCustomers:    {"Clientes nuevos", "New customers"},
	ActiveCustomers: {"Clientes activos", "Active customers"},
	Churn:           {"Churn", "Churn"},
	Leads:           {"Leads", "Leads"},
	Conversion:      {"Conversión", "Conversion"},
	Enrollments:     {"Matrículas", "Enrolments"},
	AutomationRate:  {"Tasa de automatización", "Automation rate"},
	NPS:             {"NPS", "NPS"},
	Tickets:         {"Tickets", "Tickets"},
}

var breakdownNames = map[string]tr{
	"new":                 {"nuevos", "new"},
	"marketing_qualified": {"MQL", "MQL"},
	"sales_qualified":     {"SQL", "SQL"},
	"confirmed":           {"confirmadas", "confirmed"},
	"pending_payment":     {"pendientes de pago", "pending payment"},
	"revenue_usd":         {"ingresos USD", "revenue USD"},
	"still_open":          {"siguen abiertos", "still open"},
	"resolved":            {"resueltos", "resolved"},
	"sla_breached":        {"con SLA vencido", "past SLA"},
	"cancelled":           {"canceladas", "cancelled"},
	"active_at_start":     {"activas al inicio", "active at start"},
	"converted":           {"convertidos", "converted"},
	"leads":               {"leads", "leads"},
	"conversations":       {"conversaciones", "conversations"},
	"handed_off":          {"pasadas a una persona", "handed to a person"},
}

// title names the period and its dates (To is exclusive: the last day
// shown is the day before).
func (r Report) title(lang string) string {
	from, err1 := time.Parse(time.RFC3339, r.From)
	to, err2 := time.Parse(time.RFC3339, r.To)
	dates := ""
	if err1 == nil && err2 == nil {
		dates = from.Format(DateLayout)
		if last := to.AddDate(0, 0, -1); !last.Equal(from) {
			dates += " – " + last.Format(DateLayout)
		}
	}
	if r.Period == Custom || periodNames[r.Period].es == "" {
		if lang == "es" {
			return fmt.Sprintf("KPIs de %s (%s), comparados con el periodo anterior:", dates, r.TimeZone)
		}
		return fmt.Sprintf("KPIs for %s (%s), compared with the previous period:", dates, r.TimeZone)
	}
	name := periodNames[r.Period].in(lang)
	if lang == "es" {
		return fmt.Sprintf("KPIs %s (%s, %s), comparados con el periodo anterior:", name, dates, r.TimeZone)
	}
	return fmt.Sprintf("KPIs %s (%s, %s), compared with the previous period:", name, dates, r.TimeZone)
}

func (v Value) line(lang string) string {
	name := metricNames[v.Metric].in(lang)
	if v.Value == nil {
		if lang == "es" {
			return fmt.Sprintf("%s: no disponible (%s)", name, v.Unavailable)
		}
		return fmt.Sprintf("%s: not available (%s)", name, v.Unavailable)
	}
	s := name + ": " + v.format(*v.Value)
	prevWord := tr{"anterior", "previous"}.in(lang)
	switch {
	case v.Previous != nil && v.Change != nil:
		s += fmt.Sprintf(" (%s: %s, %s)", prevWord, v.format(*v.Previous), v.formatChange(*v.Change))
	default:
		s += fmt.Sprintf(" (%s: %s)", prevWord, tr{"sin dato", "n/a"}.in(lang))
	}
	if bd := v.breakdownText(lang); bd != "" {
		s += " — " + bd
	}
	return s
}

func (v Value) format(f float64) string {
	switch v.Unit {
	case UnitUSD:
		return money(f) + " USD"
	case UnitRatio:
		return trimFloat(f*100, 1) + " %"
	}
	return trimFloat(f, 2)
}

func (v Value) formatChange(f float64) string {
	sign := "+"
	if f < 0 {
		sign = "−"
		f = -f
	}
	switch v.Unit {
	case UnitUSD:
		return sign + money(f) + " USD"
	case UnitRatio:
		return sign + trimFloat(f*100, 1) + " pp"
	}
	return sign + trimFloat(f, 2)
}

func (v Value) breakdownText(lang string) string {
	keys := make([]string, 0, len(v.Breakdown))
	for k := range v.Breakdown {
		keys = append(keys, k)
	}
	// The order the names table lists them, unknown keys last by name.
	order := []string{"new", "marketing_qualified", "sales_qualified", "confirmed", "pending_payment", "revenue_usd",
		"still_open", "resolved", "sla_breached", "converted", "leads", "cancelled", "active_at_start", "conversations", "handed_off"}
	rank := func(k string) int {
		for i, o := range order {
			if o == k {
				return i
			}
		}
		return len(order)
	}
	sort.Slice(keys, func(i, j int) bool {
		if ri, rj := rank(keys[i]), rank(keys[j]); ri != rj {
			return ri < rj
		}
		return keys[i] < keys[j]
	})
	var parts []string
	for _, k := range keys {
		val := v.Breakdown[k]
		label := breakdownNames[k].in(lang)
		switch {
		case strings.HasPrefix(k, "revenue_"):
			cur := strings.ToUpper(strings.TrimPrefix(k, "revenue_"))
			label = tr{"ingresos " + cur, "revenue " + cur}.in(lang)
			parts = append(parts, label+" "+money(val))
			continue
		case strings.HasPrefix(k, "mrr_") || strings.HasPrefix(k, "arr_"):
			cur := strings.ToUpper(k[4:])
			parts = append(parts, fmt.Sprintf("%s %s %s", money(val), cur, tr{"sin convertir", "not converted"}.in(lang)))
			continue
		case label == "":
			label = strings.ReplaceAll(k, "_", " ")
		}
		parts = append(parts, label+" "+trimFloat(val, 2))
	}
	return strings.Join(parts, ", ")
}

// money writes 1234.5 as "1,234.50".
func money(f float64) string {
	s := strconv.FormatFloat(math.Abs(f), 'f', 2, 64)
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if f < 0 {
		b.WriteByte('-')
	}
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String() + "." + frac
}

// trimFloat writes f with at most prec decimals and no trailing zeros.
func trimFloat(f float64, prec int) string {
	s := strconv.FormatFloat(f, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
