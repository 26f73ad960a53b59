package console

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/faroai/faro/kpi"
	"github.com/faroai/faro/store"
)

// chart is a series drawn as SVG bars (the metric) and a line (one of its
// breakdown's figures), sized in the viewBox's units.
type chart struct {
	Title, Definition, Metric, Unit string
	Interval                        kpi.Interval
	Bars                            []bar
	Line                            string // polyline points of Extra
	Dots                            []bar
	Extra, ExtraLabel               string
	Max, ExtraMax                   string
	First, Last                     string
	Width, Height                   int
	// Columns are the points of a stacked chart, each split into one
	// segment per key of its breakdown; Legend names the keys.
	Columns []column
	Legend  []legendItem
}

// column is one point of a stacked chart: its figure and its segments.
type column struct {
	From, Value, Label string
	Segs               []segment
}

// segment is one key of a point's breakdown, drawn on those below it.
type segment struct {
	bar
	Key string
}

type legendItem struct{ Key, Label string }

type bar struct {
	X, Y, W, H float64
	Label      string // "2026-03-01: 12"
	Value      string // the figure as the API gives it
}

const (
	chartW, chartH = 600, 160
	chartTop       = 8
)

func drawChart(s kpi.Series, extra, title, lang string) chart {
	ch := chart{Title: title, Definition: s.Definition, Metric: string(s.Metric), Unit: s.Unit, Interval: s.Interval,
		Extra: extra, Width: chartW, Height: chartH}
	n := len(s.Points)
	if n == 0 {
		return ch
	}
	maxV, maxE := 0.0, 0.0
	for _, p := range s.Points {
		if p.Value != nil {
			maxV = math.Max(maxV, *p.Value)
		}
		maxE = math.Max(maxE, p.Breakdown[extra])
	}
	scale := func(v, m float64) float64 {
		if m <= 0 {
			return 0
		}
		return v / m * (chartH - chartTop)
	}
	step := float64(chartW) / float64(n)
	var line []string
	for i, p := range s.Points {
		label := pointLabel(p, s.Interval)
		val := "–"
		if p.Value != nil {
			val = strconv.FormatFloat(*p.Value, 'f', -1, 64)
			h := scale(*p.Value, maxV)
			ch.Bars = append(ch.Bars, bar{X: float64(i)*step + step*0.1, Y: chartH - h, W: step * 0.8, H: h,
				Label: label + ": " + formatValue(*p.Value, s.Unit, lang), Value: val})
		}
		if extra != "" {
			e := p.Breakdown[extra]
			x, y := float64(i)*step+step/2, chartH-scale(e, maxE)
			line = append(line, fmt.Sprintf("%.1f,%.1f", x, y))
			ch.Dots = append(ch.Dots, bar{X: x, Y: y, Label: label + ": " + extra + " " + strconv.FormatFloat(e, 'f', -1, 64)})
		}
		if i == 0 {
			ch.First = label
		}
		ch.Last = label
	}
	ch.Line = strings.Join(line, " ")
	ch.Max = formatValue(maxV, s.Unit, lang)
	ch.ExtraMax = strconv.FormatFloat(maxE, 'f', -1, 64)
	return ch
}

// drawStacked draws each point of s as a column of its breakdown's keys,
// stacked in the order given (bottom first), named by name. Every point
// has a column carrying its figure, and every key not 0 a segment
// carrying its own: what is drawn holds every figure of the series.
func drawStacked(s kpi.Series, keys []string, title, lang string, name func(key string) string) chart {
	ch := chart{Title: title, Definition: s.Definition, Metric: string(s.Metric), Unit: s.Unit, Interval: s.Interval,
		Width: chartW, Height: chartH}
	for _, k := range keys {
		ch.Legend = append(ch.Legend, legendItem{Key: k, Label: name(k)})
	}
	n := len(s.Points)
	if n == 0 {
		return ch
	}
	maxV := 0.0
	for _, p := range s.Points {
		sum := 0.0
		for _, k := range keys {
			sum += p.Breakdown[k]
		}
		maxV = math.Max(maxV, sum)
	}
	scale := func(v float64) float64 {
		if maxV <= 0 {
			return 0
		}
		return v / maxV * (chartH - chartTop)
	}
	step := float64(chartW) / float64(n)
	for i, p := range s.Points {
		label := pointLabel(p, s.Interval)
		col := column{From: p.From, Label: label}
		if p.Value != nil {
			col.Value = strconv.FormatFloat(*p.Value, 'f', -1, 64)
			col.Label += ": " + formatValue(*p.Value, s.Unit, lang)
		}
		y := float64(chartH)
		for _, k := range keys {
			v := p.Breakdown[k]
			if v == 0 {
				continue // nothing to draw; the column's figure says it
			}
			h := scale(v)
			y -= h
			col.Segs = append(col.Segs, segment{Key: k, bar: bar{X: round2(float64(i)*step + step*0.1), Y: round2(y), W: round2(step * 0.8), H: round2(h),
				Label: label + ": " + name(k) + " " + formatValue(v, s.Unit, lang), Value: strconv.FormatFloat(v, 'f', -1, 64)}})
		}
		ch.Columns = append(ch.Columns, col)
		if i == 0 {
			ch.First = label
		}
		ch.Last = label
	}
	ch.Max = formatValue(maxV, s.Unit, lang)
	return ch
}

// round2 keeps two decimals of a coordinate: a hundredth of a viewBox
// unit is finer than a pixel, and the page stays small.
func round2(f float64) float64 { return math.Round(f*100) / 100 }

// pointLabel is the day (or month) a point starts.
func pointLabel(p kpi.Point, iv kpi.Interval) string {
	from, _ := time.Parse(time.RFC3339, p.From)
	if iv == kpi.Month {
		return from.Format("2006-01")
	}
	return from.Format("2006-01-02")
}

// formatValue writes a figure for people: USD with two decimals, a ratio
// as a percentage, a count as a whole number.
func formatValue(v float64, unit, lang string) string {
	var s string
	switch unit {
	case kpi.UnitUSD:
		s = "US$" + strconv.FormatFloat(v, 'f', 2, 64)
	case kpi.UnitRatio:
		s = strconv.FormatFloat(v*100, 'f', 1, 64) + " %"
	default:
		s = strconv.FormatFloat(v, 'f', -1, 64)
	}
	if lang == "es" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// funcs are the templates' helpers.
var funcs = template.FuncMap{
	"value": func(p *float64, unit, lang string) string {
		if p == nil {
			return ""
		}
		return formatValue(*p, unit, lang)
	},
	"raw": func(p *float64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatFloat(*p, 'f', -1, 64)
	},
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "–"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"msg": func(l map[string]string, prefix string, key any) string {
		k := prefix + fmt.Sprint(key)
		if s, ok := l[k]; ok {
			return s
		}
		return fmt.Sprint(key)
	},
	"t": func(l map[string]string, k string) string {
		if s, ok := l[k]; ok {
			return s
		}
		return k
	},
	"step":   func(m store.Message) bool { return m.IsStep() },
	"printf": fmt.Sprintf,
	// span writes a half-open RFC 3339 range as the days it holds.
	"span": func(from, to string) string {
		f, err1 := time.Parse(time.RFC3339, from)
		e, err2 := time.Parse(time.RFC3339, to)
		if err1 != nil || err2 != nil {
			return from + " – " + to
		}
		return f.Format("2006-01-02") + " – " + e.AddDate(0, 0, -1).Format("2006-01-02")
	},
	"score":   func(f float64) string { return strconv.FormatFloat(f, 'f', 3, 64) },
	"has":     func(s, sub string) bool { return strings.Contains(s, sub) },
	"trimPfx": strings.TrimPrefix,
}
