package kpi

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Interval is the width of one point of a [Series].
type Interval string

// The intervals. Weeks start on Monday, as periods do.
const (
	Day   Interval = "day"
	Week  Interval = "week"
	Month Interval = "month"
)

// MaxPoints caps a series: a year of days, with room for a leap year.
const MaxPoints = 400

// Point is one interval of a series. Its figure is exactly what a report
// of the custom period From..To-1day gives for the metric.
type Point struct {
	From      string             `json:"from"` // RFC 3339, included
	To        string             `json:"to"`   // RFC 3339, excluded
	Value     *float64           `json:"value"`
	Breakdown map[string]float64 `json:"breakdown,omitempty"`
}

// Series is one metric over time.
type Series struct {
	Metric     Metric   `json:"metric"`
	Unit       string   `json:"unit"`
	Interval   Interval `json:"interval"`
	Period     Period   `json:"period"`
	TimeZone   string   `json:"time_zone"`
	From       string   `json:"from"`
	To         string   `json:"to"`
	Definition string   `json:"definition"`
	Points     []Point  `json:"points"`
}

// SeriesRequest is what to chart: one metric, split by Interval over a
// period (as [Request]; empty is this_year).
type SeriesRequest struct {
	Metric   Metric
	Interval Interval
	Period   Period
	From, To string
	Language string
}

// Series computes req.Metric for each interval of the period, oldest
// first; the first and last intervals are cut to the period. A bad
// metric, interval, period or date is an [Error].
func (r *Reporter) Series(ctx context.Context, req SeriesRequest) (Series, error) {
	if _, err := ParseMetrics([]string{string(req.Metric)}); err != nil || req.Metric == "" {
		if err == nil {
			_, err = ParseMetrics([]string{"(none)"})
		}
		return Series{}, err
	}
	req.Metric = Metric(strings.ToLower(strings.TrimSpace(string(req.Metric))))
	var step func(time.Time) time.Time
	var start func(time.Time) time.Time
	switch req.Interval {
	case Day:
		start = func(t time.Time) time.Time { return t }
		step = func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }
	case Week:
		start = func(t time.Time) time.Time { return t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7)) }
		step = func(t time.Time) time.Time { return t.AddDate(0, 0, 7) }
	case Month:
		start = func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, t.Location()) }
		step = func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }
	default:
		return Series{}, &Error{Code: CodeBadInterval, Field: "interval", msg: tr{
			fmt.Sprintf("No conozco el intervalo «%s»: usa day, week o month.", req.Interval),
			fmt.Sprintf("Unknown interval %q: use day, week or month.", req.Interval),
			fmt.Sprintf("Não conheço o intervalo “%s”: use day, week ou month.", req.Interval),
		}}
	}
	p := req.Period
	if p == "" && strings.TrimSpace(req.From) == "" && strings.TrimSpace(req.To) == "" {
		p = ThisYear
	}
	now := r.now()
	cur, _, err := Resolve(p, req.From, req.To, now, r.loc)
	if err != nil {
		return Series{}, err
	}
	if p == "" {
		p = Custom
	}
	lang := reportLang(req.Language)
	d := definitions[req.Metric]
	out := Series{
		Metric: req.Metric, Unit: d.unit, Interval: req.Interval, Period: p, TimeZone: r.loc.String(),
		From: cur.From.Format(time.RFC3339), To: cur.To.Format(time.RFC3339), Definition: d.text.in(lang),
		Points: []Point{},
	}
	for from := cur.From; from.Before(cur.To); {
		to := step(start(from))
		if to.After(cur.To) {
			to = cur.To
		}
		if len(out.Points) == MaxPoints {
			return Series{}, &Error{Code: CodeTooManyPoints, Field: "interval", msg: tr{
				fmt.Sprintf("Son más de %d puntos: elige un intervalo más largo o un periodo más corto.", MaxPoints),
				fmt.Sprintf("That is more than %d points: choose a longer interval or a shorter period.", MaxPoints),
				fmt.Sprintf("São mais de %d pontos: escolha um intervalo maior ou um período menor.", MaxPoints),
			}}
		}
		f := &figures{src: r.src, now: now.UTC(), r: Range{From: from.UTC(), To: to.UTC()}}
		o, err := d.fn(ctx, f)
		if err != nil {
			return Series{}, fmt.Errorf("kpi: series %s: %w", req.Metric, err)
		}
		pt := Point{From: from.Format(time.RFC3339), To: to.Format(time.RFC3339), Breakdown: o.breakdown}
		if o.ok {
			pt.Value = ptr(round(o.value))
		}
		out.Points = append(out.Points, pt)
		from = to
	}
	return out, nil
}
