// Package kpi computes the business KPIs staff ask for (MRR, leads,
// conversion, tickets…) over a period, with the previous period of the
// same length alongside, from the aggregates the store counts
// ([store.Stats]). The report_kpis tool and GET /api/v1/kpis both use it,
// so chat and API give the same figures.
package kpi

import (
	"cmp"
	"fmt"
	"strings"
	"time"
)

// Period names a range of time relative to now.
type Period string

// The periods. Weeks start on Monday; every period is a half-open range
// [from, to) of whole days in the reporter's time zone.
const (
	Today       Period = "today"
	ThisWeek    Period = "this_week"
	ThisMonth   Period = "this_month"
	LastMonth   Period = "last_month"
	ThisQuarter Period = "this_quarter"
	ThisYear    Period = "this_year"
	Custom      Period = "custom" // from and to are dates, both included
)

// Periods are the periods, in the order they are listed to people.
var Periods = []Period{Today, ThisWeek, ThisMonth, LastMonth, ThisQuarter, ThisYear, Custom}

// Valid reports whether p is one of the periods.
func (p Period) Valid() bool {
	for _, q := range Periods {
		if p == q {
			return true
		}
	}
	return false
}

// DateLayout is how from and to are written: 2026-03-31.
const DateLayout = "2006-01-02"

// Range is a half-open range of time: From ≤ t < To.
type Range struct {
	From time.Time
	To   time.Time
}

// Days is the number of calendar days the range spans.
func (r Range) Days() int {
	fy, fm, fd := r.From.Date()
	ty, tm, td := r.To.Date()
	a := time.Date(fy, fm, fd, 0, 0, 0, 0, time.UTC)
	b := time.Date(ty, tm, td, 0, 0, 0, 0, time.UTC)
	return int(b.Sub(a).Hours()/24 + 0.5)
}

// Error is a request the reporter cannot answer as given: a bad period or
// date. It says what is wrong in Spanish, English and Portuguese.
type Error struct {
	// Code is one of the Code… constants.
	Code string
	// Field is the argument at fault: period, from, to or metrics.
	Field string
	msg   tr
}

// The codes of an [Error].
const (
	CodeBadPeriod     = "bad_period"    // an unknown period
	CodeMissingDates  = "missing_dates" // period custom without from or to
	CodeBadDate       = "bad_date"      // a date that is not YYYY-MM-DD
	CodeFromAfterTo   = "from_after_to" // from later than to
	CodeDatesOnly     = "dates_only_for_custom"
	CodeBadMetric     = "bad_metric"      // an unknown metric
	CodeBadInterval   = "bad_interval"    // an unknown series interval
	CodeTooManyPoints = "too_many_points" // a series longer than MaxPoints
)

// Error implements error, in English.
func (e *Error) Error() string { return "kpi: " + e.msg.en }

// Message says what is wrong in lang (es, en or pt; anything else is
// English).
func (e *Error) Message(lang string) string { return e.msg.in(lang) }

// Resolve turns a period (and, for custom, the from and to dates, both
// included) into its range in loc, at now, and the previous range of the
// same length that ends where it starts: the month before a month, the
// week before a week, the same number of days before a custom range. An
// empty period is this_month, or custom when dates are given (one date
// alone is that one day).
func Resolve(p Period, from, to string, now time.Time, loc *time.Location) (cur, prev Range, err error) {
	if loc == nil {
		loc = time.UTC
	}
	from, to = strings.TrimSpace(from), strings.TrimSpace(to)
	if p == "" {
		p = ThisMonth
		if from != "" || to != "" {
			p = Custom
			// One date and no period is that day ("the KPIs of
			// 2026-03-03"); an explicit custom period needs both.
			from, to = cmp.Or(from, to), cmp.Or(to, from)
		}
	}
	if !p.Valid() {
		return Range{}, Range{}, &Error{Code: CodeBadPeriod, Field: "period",
			msg: tr{
				fmt.Sprintf("No conozco el periodo «%s»: usa today, this_week, this_month, last_month, this_quarter, this_year o custom.", p),
				fmt.Sprintf("Unknown period %q: use today, this_week, this_month, last_month, this_quarter, this_year or custom.", p),
				fmt.Sprintf("Não conheço o período “%s”: use today, this_week, this_month, last_month, this_quarter, this_year ou custom.", p),
			}}
	}
	if p != Custom && (from != "" || to != "") {
		return Range{}, Range{}, &Error{Code: CodeDatesOnly, Field: "period",
			msg: tr{
				"Las fechas desde/hasta solo valen con el periodo custom (personalizado).",
				"from and to are only for period custom.",
				"As datas de início e fim (from e to) só valem com o período custom (personalizado).",
			}}
	}
	now = now.In(loc)
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	// shift moves a range by n of its own calendar units.
	var shift func(t time.Time, n int) time.Time
	switch p {
	case Today:
		cur.From = day
		shift = func(t time.Time, n int) time.Time { return t.AddDate(0, 0, n) }
	case ThisWeek:
		// Monday is the first day: Go's Sunday is 0.
		back := (int(day.Weekday()) + 6) % 7
		cur.From = day.AddDate(0, 0, -back)
		shift = func(t time.Time, n int) time.Time { return t.AddDate(0, 0, 7*n) }
	case ThisMonth, LastMonth:
		cur.From = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc)
		shift = func(t time.Time, n int) time.Time { return t.AddDate(0, n, 0) }
		if p == LastMonth {
			cur.From = shift(cur.From, -1)
		}
	case ThisQuarter:
		q := (int(now.Month()) - 1) / 3
		cur.From = time.Date(now.Year(), time.Month(3*q+1), 1, 0, 0, 0, 0, loc)
		shift = func(t time.Time, n int) time.Time { return t.AddDate(0, 3*n, 0) }
	case ThisYear:
		cur.From = time.Date(now.Year(), 1, 1, 0, 0, 0, 0, loc)
		shift = func(t time.Time, n int) time.Time { return t.AddDate(n, 0, 0) }
	case Custom:
		return resolveCustom(from, to, loc)
	}
	cur.To = shift(cur.From, 1)
	prev = Range{From: shift(cur.From, -1), To: cur.From}
	return cur, prev, nil
}

func resolveCustom(from, to string, loc *time.Location) (cur, prev Range, err error) {
	if from == "" || to == "" {
		field := "from"
		if from != "" {
			field = "to"
		}
		return Range{}, Range{}, &Error{Code: CodeMissingDates, Field: field,
			msg: tr{
				"Para un periodo personalizado necesito las dos fechas, desde y hasta (AAAA-MM-DD).",
				"A custom period needs both dates, from and to (YYYY-MM-DD).",
				"Para um período personalizado preciso das duas datas, início e fim (AAAA-MM-DD).",
			}}
	}
	f, err := parseDate("from", from, loc)
	if err != nil {
		return Range{}, Range{}, err
	}
	t, err := parseDate("to", to, loc)
	if err != nil {
		return Range{}, Range{}, err
	}
	if f.After(t) {
		return Range{}, Range{}, &Error{Code: CodeFromAfterTo, Field: "from",
			msg: tr{
				fmt.Sprintf("La fecha inicial (%s) es posterior a la final (%s).", from, to),
				fmt.Sprintf("The start date (%s) is after the end date (%s).", from, to),
				fmt.Sprintf("A data inicial (%s) é posterior à final (%s).", from, to),
			}}
	}
	cur = Range{From: f, To: t.AddDate(0, 0, 1)} // to is included: up to the end of its day
	prev = Range{From: f.AddDate(0, 0, -cur.Days()), To: f}
	return cur, prev, nil
}

func parseDate(field, s string, loc *time.Location) (time.Time, error) {
	d, err := time.ParseInLocation(DateLayout, s, loc)
	if err != nil {
		return time.Time{}, &Error{Code: CodeBadDate, Field: field,
			msg: tr{
				fmt.Sprintf("«%s» no es una fecha válida: escríbela como AAAA-MM-DD (por ejemplo 2026-03-31).", s),
				fmt.Sprintf("%q is not a valid date: write it as YYYY-MM-DD (for example 2026-03-31).", s),
				fmt.Sprintf("“%s” não é uma data válida: escreva como AAAA-MM-DD (por exemplo 2026-03-31).", s),
			}}
	}
	return d, nil
}
