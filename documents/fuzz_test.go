package documents

import (
	"encoding/json"
	"math"
	"testing"
	"time"
)

// FuzzCheck: whatever variables a caller (the API, or a model through the
// generate_document tool) sends, Check does not panic, and what it accepts
// renders in every format and is stored as JSON.
func FuzzCheck(f *testing.F) {
	cat, err := New()
	if err != nil {
		f.Fatal(err)
	}
	issued := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	for _, seed := range []struct{ tmpl, vars string }{
		{"certificate", `{"student_name":"Inés","course_title":"IA","completion_date":"31 de marzo de 2027","certificate_number":"C-1"}`},
		{"proposal", `{"client_name":"Acme","company":"Brújula","items":"Taller de IA 1.500,50; 2 x Consultoría $300","valid_until":"30 días"}`},
		{"invoice", `{"invoice_number":"F-1","client_name":"Acme","items":[{"description":"Taller","quantity":3,"unit_price":1e308}]}`},
		{"invoice", `{"invoice_number":"F-1","client_name":"Acme","items":"9999 x Taller 1e300","tax_rate":1e308}`},
		{"invoice", `{"invoice_number":"F-1","client_name":"Acme","items":[{"description":"a","unit_price":1e308},{"description":"b","unit_price":1e308}]}`},
		{"proposal", `{"client_name":"x","items":[{"description":"a","unit_price":-1}],"valid_until":"2027-02-30"}`},
		{"invoice", `{"invoice_number":"F-1","client_name":"x","items":"Taller 99999999999999999999999999999999999999","tax_rate":-50}`},
	} {
		f.Add(seed.tmpl, seed.vars)
	}
	f.Fuzz(func(t *testing.T, name, raw string) {
		tm, err := cat.Template(name)
		if err != nil {
			return
		}
		var vars map[string]any
		if json.Unmarshal([]byte(raw), &vars) != nil {
			return
		}
		values, err := cat.Check(tm, vars, issued)
		if err != nil {
			return
		}
		if _, err := json.Marshal(values); err != nil {
			t.Fatalf("accepted values cannot be stored: %v", err)
		}
		for _, items := range values {
			if its, ok := items.([]Item); ok {
				for _, it := range its {
					if math.IsInf(it.Amount(), 0) || math.IsNaN(it.Amount()) || it.Amount() < 0 {
						t.Fatalf("accepted an item worth %v: %+v", it.Amount(), it)
					}
				}
			}
		}
		for _, format := range []Format{FormatHTML, FormatMarkdown} {
			for _, lang := range []string{"es", "en"} {
				if _, err := cat.Render(tm, lang, format, values, issued); err != nil {
					t.Fatalf("accepted values do not render as %s/%s: %v", format, lang, err)
				}
			}
		}
	})
}

// FuzzParseDate: a date read is a real calendar date of a sane year, the
// one a reader would name again.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2027-03-31", "31/03/2027", "31 de marzo de 2027", "March 31, 2027", "31/02/2027", "2027-13-01", "0001-01-01", "1 ene. 2027"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := parseDate(s)
		if !ok {
			return
		}
		if d.Year() < 1900 || d.Year() > 2200 || d.Location() != time.UTC || d.Hour() != 0 {
			t.Fatalf("%q read as %v", s, d)
		}
		if again, ok := parseDate(d.Format("2006-01-02")); !ok || !again.Equal(d) {
			t.Fatalf("%q read as %v, which does not read back", s, d)
		}
	})
}

// FuzzParseNumber: an amount read is finite, and reads the same again
// when written plainly.
func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"1500", "1.500", "1.500,50", "1,500.50", "USD 1500", "$1500", "1500 €", "-3", "1e308", "1,2,3", "..5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := parseNumber(s)
		if !ok {
			return
		}
		if math.IsInf(n, 0) || math.IsNaN(n) {
			t.Fatalf("%q read as %v", s, n)
		}
	})
}

// FuzzReadItems: the items text parser never panics, and what it reads
// has a description, a positive quantity and a price that is a number.
func FuzzReadItems(f *testing.F) {
	for _, s := range []string{"Taller de IA 1500", "2 x Consultoría $300; Soporte 1.200,00 €", "Taller x3 100\nOtro 5", "+;+", "1 x 1", "x 9999 x 1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		items, why := readItems(s)
		if why != (Text{}) {
			return
		}
		for _, it := range items {
			if it.Description == "" || it.Quantity <= 0 || math.IsNaN(it.UnitPrice) || math.IsInf(it.UnitPrice, 0) || it.UnitPrice < 0 {
				t.Fatalf("%q read as %+v", s, it)
			}
		}
	})
}

// FuzzLinkVerify: a link opens only as the server spelled it.
func FuzzLinkVerify(f *testing.F) {
	l, err := NewLinks("https://faro.example", []byte("0123456789abcdef0123456789abcdef"), time.Hour)
	if err != nil {
		f.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	u, _ := l.URL("doc1", now)
	sig := u[len(u)-43:]
	f.Add("doc1", "1800003600", sig)
	f.Add("doc1", "1800003600", sig[:42]+"x")
	f.Add("doc1", "+1800003600", sig)
	f.Add("", "", "")
	f.Fuzz(func(t *testing.T, id, exp, sig string) {
		if l.Verify(id, exp, sig, now) != nil {
			return
		}
		if sig != l.sign(id, exp) {
			t.Fatalf("opened with a signature the server did not spell: %q", sig)
		}
	})
}
