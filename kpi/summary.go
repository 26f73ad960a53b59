package kpi

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Summary is the report as a few lines for a person, in lang (es, en or
// pt; anything else is English): the period, then one line per metric
// with the previous period's figure and the change; how each figure is
// computed when few were asked for.
func (r Report) Summary(lang string) string {
	lang = reportLang(lang)
	var b strings.Builder
	b.WriteString(r.title(lang))
	for _, v := range r.Metrics {
		b.WriteString("\n- ")
		b.WriteString(v.line(lang))
	}
	if len(r.Metrics) <= 3 {
		for _, v := range r.Metrics {
			fmt.Fprintf(&b, "\n%s: %s.", metricNames[v.Metric].in(lang), v.Definition)
		}
	}
	return b.String()
}

// summaryTexts are the frames of a summary in one language. titlePeriod
// takes the period's name, its dates and the time zone; titleCustom the
// dates and the time zone; unavailable the metric and why; revenue and
// unconverted a currency.
type summaryTexts struct {
	titlePeriod, titleCustom string
	unavailable              string
	previous, noData         string
	revenue, unconverted     string
	change                   string // the unit of a ratio's change
	thousands, decimal       string // the separators of a number
	months                   [12]string
}

var summaryFrames = map[string]summaryTexts{
	"es": {
		titlePeriod: "KPIs %s (%s, %s), comparados con el periodo anterior:",
		titleCustom: "KPIs de %s (%s), comparados con el periodo anterior:",
		unavailable: "%s: no disponible (%s)", previous: "anterior", noData: "sin dato",
		revenue: "ingresos %s", unconverted: "%s sin convertir", change: "pp",
		thousands: ",", decimal: ".",
		months: [12]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
	},
	"en": {
		titlePeriod: "KPIs %s (%s, %s), compared with the previous period:",
		titleCustom: "KPIs for %s (%s), compared with the previous period:",
		unavailable: "%s: not available (%s)", previous: "previous", noData: "n/a",
		revenue: "revenue %s", unconverted: "%s not converted", change: "pp",
		thousands: ",", decimal: ".",
		months: [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	},
	"pt": {
		titlePeriod: "KPIs %s (%s, %s), comparados com o período anterior:",
		titleCustom: "KPIs de %s (%s), comparados com o período anterior:",
		unavailable: "%s: não disponível (%s)", previous: "anterior", noData: "sem dados",
		revenue: "receita %s", unconverted: "%s sem conversão", change: "p.p.",
		thousands: ".", decimal: ",",
		months: [12]string{"janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro", "novembro", "dezembro"},
	},
}

var periodNames = map[Period]tr{
	Today:       {"de hoy", "for today", "de hoje"},
	ThisWeek:    {"de esta semana", "for this week", "desta semana"},
	ThisMonth:   {"de este mes", "for this month", "deste mês"},
	LastMonth:   {"del mes pasado", "for last month", "do mês passado"},
	ThisQuarter: {"de este trimestre", "for this quarter", "deste trimestre"},
	ThisYear:    {"de este año", "for this year", "deste ano"},
}

var metricNames = map[Metric]tr{
	MRR:             {"MRR", "MRR", "MRR"},
	ARR:             {"ARR", "ARR", "ARR"},
	NewCustomers:    {"Clientes nuevos", "New customers", "Clientes novos"},
	ActiveCustomers: {"Clientes activos", "Active customers", "Clientes ativos"},
	Churn:           {"Churn", "Churn", "Churn"},
	Leads:           {"Leads", "Leads", "Leads"},
	Conversion:      {"Conversión", "Conversion", "Conversão"},
	Enrollments:     {"Matrículas", "Enrolments", "Matrículas"},
	AutomationRate:  {"Tasa de automatización", "Automation rate", "Taxa de automação"},
	NPS:             {"NPS", "NPS", "NPS"},
	Tickets:         {"Tickets", "Tickets", "Chamados"},
}

var breakdownNames = map[string]tr{
	"new":                 {"nuevos", "new", "novos"},
	"marketing_qualified": {"MQL", "MQL", "MQL"},
	"sales_qualified":     {"SQL", "SQL", "SQL"},
	"confirmed":           {"confirmadas", "confirmed", "confirmadas"},
	"pending_payment":     {"pendientes de pago", "pending payment", "com pagamento pendente"},
	"revenue_usd":         {"ingresos USD", "revenue USD", "receita USD"},
	"still_open":          {"siguen abiertos", "still open", "ainda abertos"},
	"resolved":            {"resueltos", "resolved", "resolvidos"},
	"sla_breached":        {"con SLA vencido", "past SLA", "com SLA vencido"},
	"cancelled":           {"canceladas", "cancelled", "canceladas"},
	"active_at_start":     {"activas al inicio", "active at start", "ativas no início"},
	"converted":           {"convertidos", "converted", "convertidos"},
	"leads":               {"leads", "leads", "leads"},
	"conversations":       {"conversaciones", "conversations", "conversas"},
	"handed_off":          {"pasadas a una persona", "handed to a person", "passadas para uma pessoa"},
}

// title names the period and its dates (To is exclusive: the last day
// shown is the day before).
func (r Report) title(lang string) string {
	tx := summaryFrames[lang]
	from, err1 := time.Parse(time.RFC3339, r.From)
	to, err2 := time.Parse(time.RFC3339, r.To)
	dates := ""
	if err1 == nil && err2 == nil {
		dates = tx.dateRange(from, to.AddDate(0, 0, -1), lang)
	}
	if r.Period == Custom || periodNames[r.Period].es == "" {
		return fmt.Sprintf(tx.titleCustom, dates, r.TimeZone)
	}
	return fmt.Sprintf(tx.titlePeriod, periodNames[r.Period].in(lang), dates, r.TimeZone)
}

// dateRange writes the days from first to last as people of lang read
// them: "30 de noviembre – 6 de diciembre de 2026", "November 30 –
// December 6, 2026"; one day alone when they are the same.
func (tx summaryTexts) dateRange(first, last time.Time, lang string) string {
	day := func(t time.Time, year bool) string {
		m := tx.months[t.Month()-1]
		switch {
		case lang == "en" && year:
			return fmt.Sprintf("%s %d, %d", m, t.Day(), t.Year())
		case lang == "en":
			return fmt.Sprintf("%s %d", m, t.Day())
		case year:
			return fmt.Sprintf("%d de %s de %d", t.Day(), m, t.Year())
		}
		return fmt.Sprintf("%d de %s", t.Day(), m)
	}
	if !last.After(first) {
		return day(first, true)
	}
	return day(first, first.Year() != last.Year()) + " – " + day(last, true)
}

func (v Value) line(lang string) string {
	tx := summaryFrames[lang]
	name := metricNames[v.Metric].in(lang)
	if v.Value == nil {
		return fmt.Sprintf(tx.unavailable, name, v.Unavailable)
	}
	s := name + ": " + v.format(*v.Value, tx)
	switch {
	case v.Previous != nil && v.Change != nil:
		s += fmt.Sprintf(" (%s: %s, %s)", tx.previous, v.format(*v.Previous, tx), v.formatChange(*v.Change, tx))
	default:
		s += fmt.Sprintf(" (%s: %s)", tx.previous, tx.noData)
	}
	if bd := v.breakdownText(lang); bd != "" {
		s += " — " + bd
	}
	return s
}

func (v Value) format(f float64, tx summaryTexts) string {
	switch v.Unit {
	case UnitUSD:
		return tx.money(f) + " USD"
	case UnitRatio:
		return tx.num(f*100, 1) + " %"
	}
	return tx.num(f, 2)
}

func (v Value) formatChange(f float64, tx summaryTexts) string {
	sign := "+"
	if f < 0 {
		sign = "−"
		f = -f
	}
	switch v.Unit {
	case UnitUSD:
		return sign + tx.money(f) + " USD"
	case UnitRatio:
		return sign + tx.num(f*100, 1) + " " + tx.change
	}
	return sign + tx.num(f, 2)
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
	tx := summaryFrames[lang]
	var parts []string
	for _, k := range keys {
		val := v.Breakdown[k]
		label := breakdownNames[k].in(lang)
		switch {
		case strings.HasPrefix(k, "revenue_"):
			cur := strings.ToUpper(strings.TrimPrefix(k, "revenue_"))
			parts = append(parts, fmt.Sprintf(tx.revenue, cur)+" "+tx.money(val))
			continue
		case strings.HasPrefix(k, "mrr_") || strings.HasPrefix(k, "arr_"):
			cur := strings.ToUpper(k[4:])
			parts = append(parts, fmt.Sprintf(tx.unconverted, tx.money(val)+" "+cur))
			continue
		case label == "":
			label = strings.ReplaceAll(k, "_", " ")
		}
		parts = append(parts, label+" "+tx.num(val, 2))
	}
	return strings.Join(parts, ", ")
}

// money writes 1234.5 with two decimals and thousands grouped: "1,234.50"
// in Spanish and English, "1.234,50" in Portuguese.
func (tx summaryTexts) money(f float64) string {
	s := strconv.FormatFloat(math.Abs(f), 'f', 2, 64)
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if f < 0 {
		b.WriteByte('-')
	}
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(tx.thousands)
		}
		b.WriteRune(c)
	}
	return b.String() + tx.decimal + frac
}

// num writes f with at most prec decimals, no trailing zeros, and the
// language's decimal separator.
func (tx summaryTexts) num(f float64, prec int) string {
	return strings.Replace(trimFloat(f, prec), ".", tx.decimal, 1)
}

// trimFloat writes f with at most prec decimals and no trailing zeros.
func trimFloat(f float64, prec int) string {
	s := strconv.FormatFloat(f, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
