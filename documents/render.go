package documents

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"text/template"
	"time"
)

// Rendered is a document ready to store and serve.
type Rendered struct {
	Content     []byte
	ContentType string
	// Filename is what a download is saved as: certificado-ia-101.pdf.
	Filename string
	Title    string
}

// data is what a template source is executed with.
type data struct {
	V        Values
	Issued   time.Time
	Items    []Item
	Currency string
	Subtotal float64
	TaxRate  float64
	Tax      float64
	Total    float64
}

// Render renders template t in lang (es or en; anything else is English)
// and format, with values checked by [Catalog.Check], issued on the day
// of issued.
func (c *Catalog) Render(t Template, lang string, f Format, v Values, issued time.Time) (Rendered, error) {
	if lang != "es" {
		lang = "en"
	}
	src, ok := c.sources[t.Name][lang]
	if !ok {
		return Rendered{}, fmt.Errorf("%w: no template %q in %s", ErrRender, t.Name, lang)
	}
	d := prepare(v, issued)
	var b bytes.Buffer
	if err := src.Execute(&b, d); err != nil {
		return Rendered{}, fmt.Errorf("%w: %s (%s): %w", ErrRender, t.Name, lang, err)
	}
	blocks := parseBlocks(b.String())
	title := t.Title.In(lang)
	out := Rendered{ContentType: f.ContentType(), Title: title, Filename: filename(t, lang, v) + "." + f.Ext()}
	switch f {
	case FormatMarkdown:
		out.Content = []byte(toMarkdown(blocks))
	case FormatHTML:
		out.Content = []byte(toHTML(blocks, title, lang))
	case FormatPDF:
		pdf, err := toPDF(blocks, title, t.Name == Certificate, issued)
		if err != nil {
			return Rendered{}, fmt.Errorf("%w: %s as PDF: %w", ErrRender, t.Name, err)
		}
		out.Content = pdf
	default:
		return Rendered{}, fmt.Errorf("%w: unknown format %q", ErrRender, f)
	}
	return out, nil
}

// prepare computes the totals and makes every text value safe to place
// in the Markdown source: no table separators, no bold markers (the
// templates never start a line with a variable, and values are one line).
func prepare(v Values, issued time.Time) data {
	safe := strings.NewReplacer("|", "/", "**", "*")
	clean := Values{}
	for k, x := range v {
		switch s := x.(type) {
		case string:
			clean[k] = safe.Replace(s)
		case []Item:
			items := make([]Item, len(s))
			for i, it := range s {
				it.Description = safe.Replace(it.Description)
				items[i] = it
			}
			clean[k] = items
		default:
			clean[k] = x
		}
	}
	d := data{V: clean, Issued: issued.UTC(), Currency: "USD"}
	if cur, ok := clean["currency"].(string); ok && cur != "" {
		d.Currency = strings.ToUpper(cur)
	}
	d.Items, _ = clean["items"].([]Item)
	for _, it := range d.Items {
		d.Subtotal += it.Amount()
	}
	d.TaxRate, _ = clean["tax_rate"].(float64)
	d.Tax = math.Round(d.Subtotal*d.TaxRate) / 100
	d.Total = d.Subtotal + d.Tax
	return d
}

// filename is the base name of a download: the template's title and who
// it is for, as a slug.
func filename(t Template, lang string, v Values) string {
	parts := []string{t.Title.In(lang)}
	for _, k := range []string{"student_name", "company", "client_name", "invoice_number"} {
		if s, ok := v[k].(string); ok && s != "" {
			parts = append(parts, s)
			break
		}
	}
	return slug(strings.Join(parts, " "))
}

func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(fold(s)) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.TrimSuffix(b.String(), "-")
	if len(out) > 60 {
		out = strings.TrimSuffix(out[:60], "-")
	}
	if out == "" {
		return "document"
	}
	return out
}

var monthsES = []string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"}

// funcs are the helpers of the sources in lang: dates and amounts written
// as people of that language read them.
func funcs(lang string) template.FuncMap {
	return template.FuncMap{
		"date": func(x any) string {
			t, ok := x.(time.Time)
			if !ok {
				return ""
			}
			if lang == "es" {
				return fmt.Sprintf("%d de %s de %d", t.Day(), monthsES[t.Month()-1], t.Year())
			}
			return t.Format("January 2, 2006")
		},
		"money": func(f float64) string { return money(f, lang) },
		"num": func(f float64) string {
			if f == math.Trunc(f) {
				return strconv.FormatFloat(f, 'f', 0, 64)
			}
			s := strconv.FormatFloat(f, 'f', -1, 64)
			if lang == "es" {
				s = strings.Replace(s, ".", ",", 1)
			}
			return s
		},
	}
}

// money writes an amount with two decimals and grouped thousands:
// 1.500,00 in Spanish, 1,500.00 in English.
func money(f float64, lang string) string {
	neg := f < 0
	cents := int64(math.Round(math.Abs(f) * 100))
	whole, frac := cents/100, cents%100
	s := strconv.FormatInt(whole, 10)
	var g []string
	for len(s) > 3 {
		g = append([]string{s[len(s)-3:]}, g...)
		s = s[:len(s)-3]
	}
	g = append([]string{s}, g...)
	thousands, decimal := ",", "."
	if lang == "es" {
		thousands, decimal = ".", ","
	}
	out := strings.Join(g, thousands) + decimal + fmt.Sprintf("%02d", frac)
	if neg {
		out = "-" + out
	}
	return out
}
