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
}

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
		from, _ := time.Parse(time.RFC3339, p.From)
		label := from.Format("2006-01-02")
		if s.Interval == kpi.Month {
			label = from.Format("2006-01")
		}
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
