package documents

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/faroai/faro/store"
)

// Item is one line of a proposal or an invoice.
type Item struct {
	Description string  `json:"description"`
	Quantity    float64 `json:"quantity"`
	UnitPrice   float64 `json:"unit_price"`
}

// Amount is Quantity × UnitPrice, rounded to cents.
func (it Item) Amount() float64 { return math.Round(it.Quantity*it.UnitPrice*100) / 100 }

// Values are a template's variables after [Catalog.Check]: under their
// declared names, typed (string, time.Time, float64, []Item), optional
// ones absent when not given.
type Values map[string]any

// MarshalJSON writes dates as YYYY-MM-DD: the form they are stored and
// compared in.
func (v Values) MarshalJSON() ([]byte, error) {
	out := make(map[string]any, len(v))
	for k, x := range v {
		if t, ok := x.(time.Time); ok {
			out[k] = t.Format(time.DateOnly)
		} else {
			out[k] = x
		}
	}
	return json.Marshal(out)
}

// Limits of what a variable may hold.
const (
	maxStringRunes = 300
	maxItems       = 50
	// maxNumber bounds amounts, quantities and rates.
	maxNumber = 1e12
)

// Check reads vars (as a model or an API client sends them, by declared
// name or alias) against the template's declarations. It returns the
// values under their declared names, typed, or a *[VarsError] listing
// every required variable that is missing and every value that cannot be
// read. Variables the template does not declare are left out. issued is
// the day of issue, which relative values ("30 días") count from.
func (c *Catalog) Check(t Template, vars map[string]any, issued time.Time) (Values, error) {
	return c.CheckFor(t, vars, issued, "")
}

// CheckFor is [Catalog.Check] for one request: seed (who asks, in which
// conversation) goes into the serial numbers assigned to variables left
// out, so the same request gets the same number back and another
// request's identical values get another.
func (c *Catalog) CheckFor(t Template, vars map[string]any, issued time.Time, seed string) (Values, error) {
	given := map[string]any{}
	for k, x := range vars {
		key := foldKey(k)
		for _, d := range t.Vars {
			if foldKey(d.Name) == key || containsKey(d.Aliases, key) {
				if _, set := given[d.Name]; !set || foldKey(d.Name) == key {
					given[d.Name] = x
				}
			}
		}
	}
	out := Values{}
	var problems []Problem
	for _, d := range t.Vars {
		x, ok := given[d.Name]
		if ok && isEmpty(x) {
			ok = false
		}
		if !ok && d.Default != nil {
			x, ok = d.Default, true
		}
		if !ok {
			if d.Required && d.Serial == "" {
				problems = append(problems, Problem{Var: d.Name, Missing: true})
			}
			continue
		}
		if hasControl(x) {
			problems = append(problems, Problem{Var: d.Name, Why: Text{ES: "contiene un carácter de control (como NUL)", EN: "holds a control character (such as NUL)"}})
			continue
		}
		v, why := read(d.Type, x, issued)
		if why != (Text{}) {
			problems = append(problems, Problem{Var: d.Name, Why: why})
			continue
		}
		out[d.Name] = v
	}
	if len(problems) > 0 {
		return nil, &VarsError{Template: t, Problems: problems}
	}
	for _, d := range t.Vars {
		if _, set := out[d.Name]; !set && d.Serial != "" {
			out[d.Name] = serial(d.Serial, out, issued, seed)
		}
	}
	return out, nil
}

// serial is a reference for a document: prefix, the day, and six hex
// characters of a hash of its values and seed.
func serial(prefix string, vals Values, issued time.Time, seed string) string {
	b, _ := json.Marshal(vals) // strings, numbers, dates and items always encode; keys sorted
	h := sha256.Sum256(append(append(b, 0), seed...))
	return fmt.Sprintf("%s-%s-%s", prefix, issued.UTC().Format("20060102"), strings.ToUpper(hex.EncodeToString(h[:3])))
}

func containsKey(aliases []string, key string) bool {
	for _, a := range aliases {
		if foldKey(a) == key {
			return true
		}
	}
	return false
}

func isEmpty(x any) bool {
	switch v := x.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(v) == ""
	case []any:
		return len(v) == 0
	}
	return false
}

// read turns one given value into its type, or says why it cannot.
func read(typ VarType, x any, issued time.Time) (any, Text) {
	switch typ {
	case TypeString:
		s, ok := scalarText(x)
		if !ok {
			return nil, Text{ES: "debe ser un texto", EN: "must be text", PT: "deve ser um texto"}
		}
		s = oneLine(s)
		if len([]rune(s)) > maxStringRunes {
			return nil, Text{ES: fmt.Sprintf("es demasiado largo (máximo %d caracteres)", maxStringRunes),
				EN: fmt.Sprintf("is too long (at most %d characters)", maxStringRunes),
				PT: fmt.Sprintf("é longo demais (no máximo %d caracteres)", maxStringRunes)}
		}
		return s, Text{}
	case TypeDate:
		s, _ := scalarText(x)
		d, ok := parseDate(s)
		if !ok {
			return nil, Text{ES: "no es una fecha (por ejemplo 2027-03-31 o 31/03/2027)", EN: "is not a date (for example 2027-03-31 or 31/03/2027)",
				PT: "não é uma data (por exemplo 2027-03-31 ou 31/03/2027)"}
		}
		return d, Text{}
	case TypeValidity:
		s, _ := scalarText(x)
		if d, ok := parseDate(s); ok {
			return d, Text{}
		}
		if n, ok := parseDays(s); ok {
			y, m, dd := issued.UTC().Date()
			return time.Date(y, m, dd+n, 0, 0, 0, 0, time.UTC), Text{}
		}
		return nil, Text{ES: "no es una fecha ni un número de días (por ejemplo 2027-03-31 o «30 días»)", EN: "is neither a date nor a number of days (for example 2027-03-31 or “30 days”)",
			PT: "não é uma data nem um número de dias (por exemplo 2027-03-31 ou “30 dias”)"}
	case TypeNumber:
		f, ok := x.(float64)
		if !ok || math.IsNaN(f) || math.IsInf(f, 0) {
			s, _ := scalarText(x)
			if f, ok = parseNumber(s); !ok {
				return nil, Text{ES: "no es un número", EN: "is not a number", PT: "não é um número"}
			}
		}
		// Bounded so sums, taxes and cents stay finite (1e308 × 3 is +Inf,
		// which no document shows and JSON cannot hold).
		if math.Abs(f) > maxNumber {
			return nil, Text{ES: fmt.Sprintf("es demasiado grande (máximo %.0f)", maxNumber), EN: fmt.Sprintf("is too large (at most %.0f)", maxNumber),
				PT: fmt.Sprintf("é grande demais (no máximo %.0f)", maxNumber)}
		}
		return f, Text{}
	case TypeItems:
		items, why := readItems(x)
		if why != (Text{}) {
			return nil, why
		}
		return items, Text{}
	}
	return nil, Text{ES: "tipo desconocido", EN: "unknown type", PT: "tipo desconhecido"}
}

// scalarText is a string, number or boolean as text.
func scalarText(x any) (string, bool) {
	switch v := x.(type) {
	case string:
		return v, true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case json.Number:
		return v.String(), true
	case int:
		return strconv.Itoa(v), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

// oneLine collapses every run of white space (new lines included) into
// one space: a variable is never a block of the document.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

var monthNames = map[string]time.Month{
	"enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7, "agosto": 8,
	"septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
	"january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
	"september": 9, "october": 10, "november": 11, "december": 12,
	"janeiro": 1, "fevereiro": 2, "marco": 3, "maio": 5, "junho": 6, "julho": 7,
	"setembro": 9, "outubro": 10, "novembro": 11, "dezembro": 12,
	"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
	"ene": 1, "abr": 4, "ago": 8, "dic": 12, "fev": 2, "mai": 5, "set": 9, "out": 10, "dez": 12,
}

var (
	reISODate  = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$`)
	reDMY      = regexp.MustCompile(`^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$`)
	reDayMonth = regexp.MustCompile(`^(\d{1,2})\s+(?:de\s+)?(\p{L}+)\.?\s+(?:de\s+|del\s+)?(\d{4})$`)
	reMonthDay = regexp.MustCompile(`^(\p{L}+)\.?\s+(\d{1,2}),?\s+(\d{4})$`)
)

// parseDate reads a date as people write it: 2027-03-31, 31/03/2027
// (day first, as in Spanish), "31 de marzo de 2027", "31 de março de
// 2027", "March 31, 2027".
func parseDate(s string) (time.Time, bool) {
	s = strings.ToLower(oneLine(fold(s)))
	var y, m, d int
	var month time.Month
	switch {
	case reISODate.MatchString(s):
		g := reISODate.FindStringSubmatch(s)
		y, m, d = atoi(g[1]), atoi(g[2]), atoi(g[3])
	case reDMY.MatchString(s):
		g := reDMY.FindStringSubmatch(s)
		d, m, y = atoi(g[1]), atoi(g[2]), atoi(g[3])
	case reDayMonth.MatchString(s):
		g := reDayMonth.FindStringSubmatch(s)
		var ok bool
		if month, ok = monthNames[g[2]]; !ok {
			return time.Time{}, false
		}
		d, m, y = atoi(g[1]), int(month), atoi(g[3])
	case reMonthDay.MatchString(s):
		g := reMonthDay.FindStringSubmatch(s)
		var ok bool
		if month, ok = monthNames[g[1]]; !ok {
			return time.Time{}, false
		}
		m, d, y = int(month), atoi(g[2]), atoi(g[3])
	default:
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != m || t.Day() != d || y < 1900 || y > 2200 {
		return time.Time{}, false // 31/02 rolls over: not a date
	}
	return t, true
}

var reDays = regexp.MustCompile(`^(\d{1,4})\s*(?:d|dias|dia|days|day)?(?:\s+(?:naturales|habiles|calendar))?$`)

// parseDays reads "30", "30 días", "30 days".
func parseDays(s string) (int, bool) {
	g := reDays.FindStringSubmatch(strings.ToLower(oneLine(fold(s))))
	if g == nil {
		return 0, false
	}
	n := atoi(g[1])
	return n, n > 0 && n <= 3650
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

var reAmount = regexp.MustCompile(`^-?\d[\d.,]*$`)

// parseNumber reads an amount as people write it: 1500, 1.500, 1.500,50,
// 1,500.50, 1500.5, "USD 1500", "$1500", "1500 €". A single separator
// followed by exactly three digits is a thousands separator.
func parseNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	s = strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsSpace(r) || strings.ContainsRune("$€£%", r) {
			return -1
		}
		return r
	}, s)
	if !reAmount.MatchString(s) {
		return 0, false
	}
	lastDot, lastComma := strings.LastIndex(s, "."), strings.LastIndex(s, ",")
	switch {
	case lastDot >= 0 && lastComma >= 0:
		if lastComma > lastDot { // 1.500,50
			s = strings.ReplaceAll(s, ".", "")
			s = strings.Replace(s, ",", ".", 1)
		} else { // 1,500.50
			s = strings.ReplaceAll(s, ",", "")
		}
	case lastComma >= 0:
		if strings.Count(s, ",") > 1 || len(s)-lastComma-1 == 3 {
			s = strings.ReplaceAll(s, ",", "")
		} else {
			s = strings.Replace(s, ",", ".", 1)
		}
	case lastDot >= 0:
		if strings.Count(s, ".") > 1 || len(s)-lastDot-1 == 3 {
			s = strings.ReplaceAll(s, ".", "")
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// readItems reads a list of items: a JSON array (of objects, or of
// strings), or a text with items separated by ";", "+" or new lines.
func readItems(x any) ([]Item, Text) {
	var raw []any
	switch v := x.(type) {
	case []any:
		raw = v
	case string:
		for _, p := range regexp.MustCompile(`[;+\n]`).Split(v, -1) {
			if strings.TrimSpace(p) != "" {
				raw = append(raw, p)
			}
		}
	case map[string]any:
		raw = []any{v}
	default:
		return nil, Text{ES: "debe ser una lista de conceptos con precio", EN: "must be a list of items with a price", PT: "deve ser uma lista de itens com preço"}
	}
	if len(raw) > maxItems {
		return nil, Text{ES: fmt.Sprintf("tiene más de %d conceptos", maxItems), EN: fmt.Sprintf("has more than %d items", maxItems),
			PT: fmt.Sprintf("tem mais de %d itens", maxItems)}
	}
	var out []Item
	for i, r := range raw {
		it, ok := readItem(r)
		if !ok {
			return nil, Text{
				ES: fmt.Sprintf("el concepto %d no tiene descripción y precio (por ejemplo «Taller de IA 1500» o {\"description\": \"Taller de IA\", \"unit_price\": 1500})", i+1),
				EN: fmt.Sprintf("item %d has no description and price (for example “AI workshop 1500” or {\"description\": \"AI workshop\", \"unit_price\": 1500})", i+1),
				PT: fmt.Sprintf("o item %d não tem descrição e preço (por exemplo “Workshop de IA 1500” ou {\"description\": \"Workshop de IA\", \"unit_price\": 1500})", i+1),
			}
		}
		out = append(out, it)
	}
	if len(out) == 0 {
		return nil, Text{ES: "no tiene ningún concepto", EN: "has no items", PT: "não tem nenhum item"}
	}
	return out, Text{}
}

var (
	reQtyPrefix = regexp.MustCompile(`^(\d{1,4})\s*[x×]\s+`)
	reQtySuffix = regexp.MustCompile(`\s+[x×]\s*(\d{1,4})$`)
	rePriceEnd  = regexp.MustCompile(`(?i)[\s:=\-–—]*(?:\s(?:a|at|por|for)\s+|@\s*)?(?:usd|us\$|eur|mxn|\$|€)?\s*(\d[\d.,]*)\s*(?:usd|eur|mxn|dolares|dólares|euros|€|\$)?\.?$`)
)

func readItem(r any) (Item, bool) {
	switch v := r.(type) {
	case string:
		s := oneLine(v)
		qty := 1.0
		if g := reQtyPrefix.FindStringSubmatch(s); g != nil {
			qty = float64(atoi(g[1]))
			s = s[len(g[0]):]
		}
		loc := rePriceEnd.FindStringSubmatchIndex(s)
		if loc == nil {
			return Item{}, false
		}
		price, ok := parseNumber(s[loc[2]:loc[3]])
		if !ok || price > maxNumber {
			return Item{}, false
		}
		desc := strings.Trim(strings.TrimSpace(s[:loc[0]]), ":-–—,")
		if g := reQtySuffix.FindStringSubmatch(desc); g != nil {
			qty = float64(atoi(g[1]))
			desc = strings.TrimSpace(desc[:len(desc)-len(g[0])])
		}
		if desc == "" || len([]rune(desc)) > maxStringRunes || qty <= 0 {
			return Item{}, false
		}
		return Item{Description: desc, Quantity: qty, UnitPrice: price}, true
	case map[string]any:
		it := Item{Quantity: 1}
		for k, x := range v {
			switch foldKey(k) {
			case "description", "descripcion", "name", "nombre", "concepto", "concept", "item", "servicio", "service":
				s, _ := scalarText(x)
				it.Description = oneLine(s)
			case "quantity", "qty", "cantidad", "units", "unidades":
				f, ok := read(TypeNumber, x, time.Time{})
				if ok != (Text{}) {
					return Item{}, false
				}
				it.Quantity = f.(float64)
			case "unit_price", "price", "precio", "precio_unitario", "amount", "importe", "monto", "cost", "costo":
				f, ok := read(TypeNumber, x, time.Time{})
				if ok != (Text{}) {
					return Item{}, false
				}
				it.UnitPrice = f.(float64)
			}
		}
		if it.Description == "" || len([]rune(it.Description)) > maxStringRunes || it.Quantity <= 0 || it.UnitPrice < 0 {
			return Item{}, false
		}
		return it, true
	}
	return Item{}, false
}

// fold lowercases nothing but drops accents: "días" → "dias".
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// foldKey is the form names are compared by: accents dropped, lower case,
// spaces and dashes as underscores.
func foldKey(s string) string {
	s = strings.ToLower(strings.TrimSpace(fold(s)))
	return strings.NewReplacer(" ", "_", "-", "_").Replace(s)
}

// hasControl reports whether a value, or any text inside it, holds a
// control character: never part of a name or an amount, and NUL cannot be
// stored.
func hasControl(x any) bool {
	switch v := x.(type) {
	case string:
		return store.HasControl(v)
	case []any:
		for _, e := range v {
			if hasControl(e) {
				return true
			}
		}
	case map[string]any:
		for k, e := range v {
			if store.HasControl(k) || hasControl(e) {
				return true
			}
		}
	}
	return false
}
