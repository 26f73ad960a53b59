package offline

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A free-form object argument (generate_document's variables) often
// depends on another argument's value: its description lists the keys
// each value takes ("certificate: student_name, course_title, …
// proposal: client_name, company, items (…), valid_until (a date or "30
// days")"). People write those values in a sentence, not as "key: value"
// pairs: "a proposal for Mark Ellison at Ridgeway Dental: Pulse Growth
// annual plan 990 USD plus an onboarding session 300 USD, valid for 15
// days". objectValues reads them the way the keys' names and hints say
// they are written — a name after "for", a code with digits, an amount
// with its currency, a number of days — so the engine needs no word list
// per template, and a tool with other keys gets the same reading.

// subVar is one key an object argument declares in its description.
type subVar struct {
	name string
	hint string // the words in parentheses after it, folded
	kind subKind
}

type subKind int

const (
	subOther    subKind = iota // only "key: value" reads it
	subPerson                  // a person's name (student_name, client_name)
	subCompany                 // a company's name
	subCode                    // an identifier with digits (invoice_number)
	subDate                    // a date (completion_date)
	subValidity                // a date or a number of days (valid_until, due_date)
	subItems                   // lines with a price
	subPercent                 // a rate (tax_rate)
	subCurrency                // a currency code
	subCourse                  // a course's title
)

var reVarName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// objectVarsOf reads, for each value of an enum argument, the keys an
// object argument's description lists after "value:". Keys are
// comma-separated identifiers, each with an optional "(hint)".
func objectVarsOf(desc string, enums []string) map[string][]subVar {
	type at struct {
		value string
		pos   int
	}
	var marks []at
	for _, v := range enums {
		if i := strings.Index(desc, v+":"); i >= 0 {
			marks = append(marks, at{v, i})
		}
	}
	if len(marks) == 0 {
		return nil
	}
	slices.SortFunc(marks, func(a, b at) int { return a.pos - b.pos })
	out := map[string][]subVar{}
	for i, mk := range marks {
		end := len(desc)
		if i+1 < len(marks) {
			end = marks[i+1].pos
		}
		seg := desc[mk.pos+len(mk.value)+1 : end]
		var vars []subVar
		for _, part := range splitTop(seg) {
			name, hint := part, ""
			if j := strings.IndexByte(part, '('); j >= 0 {
				name, hint = part[:j], strings.Trim(part[j:], "() .")
			}
			name = strings.Trim(strings.TrimSpace(name), ".")
			if !reVarName.MatchString(name) {
				continue
			}
			vars = append(vars, subVar{name: name, hint: fold(hint), kind: subKindOf(name, fold(hint))})
		}
		if len(vars) > 0 {
			out[mk.value] = vars
		}
	}
	return out
}

// splitTop splits on commas outside parentheses and braces, up to the
// first period outside them (what follows is prose).
func splitTop(s string) []string {
	var parts []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '(', '{', '[':
			depth++
		case ')', '}', ']':
			depth--
		case ',', '.':
			if depth == 0 {
				parts = append(parts, s[start:i])
				start = i + 1
				if r == '.' {
					return parts
				}
			}
		}
	}
	return append(parts, s[start:])
}

func subKindOf(name, hint string) subKind {
	has := func(ws ...string) bool { return nameHas(name, ws...) }
	switch {
	case has("items", "lines", "line"):
		return subItems
	case has("currency"):
		return subCurrency
	case has("rate") || strings.Contains(hint, "percent"):
		return subPercent
	case has("until", "due", "validity") || strings.Contains(hint, "days"):
		return subValidity
	case has("date"):
		return subDate
	case has("tax"):
		return subOther
	case has("number", "code", "ref", "id"):
		return subCode
	case has("course"):
		return subCourse
	case has("company", "organization", "organisation", "business"):
		return subCompany
	case has("name"):
		return subPerson
	}
	return subOther
}

var (
	// reDocCode is an identifier with digits: "F-2027-0112",
	// "BRJ-4HT2-9XWA", "INV2027".
	reDocCode     = regexp.MustCompile(`\b[A-Za-z]{1,5}-?[A-Z0-9]*\d[A-Z0-9]*(?:-[A-Z0-9]+)*\b`)
	reNumberLabel = regexp.MustCompile(`(?i)(?:#\s*|\bn[º°]\s*\.?\s*|\bno\.\s*|\bn[uú]mero\s+|\bnumber\s+|\bnum\.?\s+)([A-Z0-9][A-Z0-9-]{0,20}\d[A-Z0-9-]*)`)
	reDays        = regexp.MustCompile(`(?i)\b(\d{1,3})\s*(d[ií]as|days?|dias)\b`)
	rePercent     = regexp.MustCompile(`(\d{1,2}(?:[.,]\d+)?)\s*%`)
	reCurr        = regexp.MustCompile(`(?i)(?:^|[^\p{L}])(usd|eur|mxn|ars|cop|clp|brl|pen|gbp|us\$|r\$|€|d[oó]lares|dollars|euros|reais)(?:[^\p{L}]|$)`)
	// reMoney is a price with its currency before or after it; reBare
	// one after "a", "at", "por", "@" with none.
	reMoney = regexp.MustCompile(`(?i)(?:(?:usd|us\$|eur|mxn|r\$|\$|€)\s*(\d[\d.,]*\d|\d)|(\d[\d.,]*\d|\d)\s*(?:usd|us\$|eur|mxn|brl|d[oó]lares|dollars|euros|reais|€|\$)(?:[^\p{L}]|$))`)
	reBare  = regexp.MustCompile(`(?i)(?:\s(?:a|at|por|for|@)\s+)(\d[\d.,]*\d|\d)(?:\s|$|[.,;/])`)
	// reItemSplit separates the lines of an order written as a sentence.
	reItemSplit = regexp.MustCompile(`(?i)\s*(?:;|\n|\s\+\s|\splus\s|\smás\s|\smas\s|\smais\s|\sand\s|\sy\s|\se\s|,\s)\s*`)
	reEach      = regexp.MustCompile(`(?i)\s*(?:each|cada\s+un[oa]?|cada|por\s+persona|per\s+person|por\s+pessoa|each\s+one)\s*[.,]?\s*$`)
	reValidFor  = regexp.MustCompile(`(?i)[,.;]?\s*(?:v[aá]lid[oa]?|validez|validade|vigencia|vigente|good)?\s*(?:for|por|durante|de)?\s*\d{1,3}\s*(?:d[ií]as|days?|dias)(?:\s+(?:de\s+)?(?:validez|validade|vigencia))?`)
)

// leadWords open an item's description without being part of it.
var leadWords = lexWords("item_lead")

// articles stand between a cue and the name it introduces.
var articles = lexWords("articles")

// trailWords join a line's description to its price.
var trailWords = lexWords("item_trail")

// weakPersonCues introduce whoever a document is for; strong ones say the
// name is a person's.
var (
	weakPersonCues   = lexCues("weak_person_cues")
	ofCues           = lexCues("of_cues")
	strongPersonCues = lexCues("strong_person_cues")
	// cueLinks join a cue to the name it introduces.
	cueLinks     = lexWords("cue_links")
	companyMarks = lexWords("company_marks")
	// companyKinds are kinds of business that open a company's name.
	companyKinds = lexWords("company_kinds")
)

// objectValues reads the keys of an object argument for the enum value
// chosen (all values' keys when none is), from one message. answering is
// set when the message answers a question for these keys, so a name
// opening it counts. have holds what the message already gave for them.
func (r *run) objectValues(vars map[string][]subVar, chosen, text string, answering bool) map[string]any {
	var keys []subVar
	if vs, ok := vars[chosen]; ok {
		keys = vs
	} else {
		for _, vs := range vars {
			for _, v := range vs {
				if !slices.ContainsFunc(keys, func(k subVar) bool { return k.name == v.name }) {
					keys = append(keys, v)
				}
			}
		}
	}
	if len(keys) == 0 {
		return nil
	}
	out := map[string]any{}
	m := findMentions(r.m.an, text, r.now)
	toks := tokenize(text)
	rest := text // what is left for the items once the other values are taken
	set := func(kind subKind, v any) {
		for _, k := range keys {
			if _, done := out[k.name]; k.kind == kind && !done {
				out[k.name] = v
			}
		}
	}
	want := func(kind subKind) bool {
		return slices.ContainsFunc(keys, func(k subVar) bool { return k.kind == kind })
	}
	if want(subCode) {
		// "#553", "nº 1043", "número 88": a label says it is the number.
		if g := reNumberLabel.FindStringSubmatch(text); g != nil {
			set(subCode, g[1])
			rest = strings.Replace(rest, g[0], " ", 1)
		}
		for _, c := range reDocCode.FindAllStringIndex(text, -1) {
			code := text[c[0]:c[1]]
			if strings.ContainsAny(code, "0123456789") && strings.ContainsFunc(code, unicode.IsLetter) || strings.Count(code, "-") >= 1 && len(code) >= 6 {
				if inEmail(m, c[0]) {
					continue
				}
				set(subCode, code)
				rest = strings.Replace(rest, code, " ", 1)
				break
			}
		}
	}
	if want(subValidity) {
		if g := reDays.FindStringSubmatch(text); g != nil {
			set(subValidity, g[1]+" days")
		} else if len(m.dates) > 0 && !want(subDate) {
			set(subValidity, m.dates[len(m.dates)-1].date.Format("2006-01-02"))
		}
		rest = reValidFor.ReplaceAllString(rest, " ")
	}
	if want(subDate) && len(m.dates) > 0 {
		set(subDate, m.dates[0].date.Format("2006-01-02"))
	}
	if want(subPercent) {
		low := fold(text)
		if g := rePercent.FindStringSubmatchIndex(low); g != nil && taxNear(low[:g[0]]) {
			set(subPercent, strings.ReplaceAll(low[g[2]:g[3]], ",", "."))
		}
	}
	if want(subCurrency) {
		if g := reCurr.FindStringSubmatch(text); g != nil {
			set(subCurrency, currencyCode(g[1]))
		}
	}
	// The course's title as written is no one's name ("my certificate
	// for AI Strategy for Managers" is not for "AI Strategy").
	partiesText, partiesToks := text, toks
	if slug, ok := r.matchCourse(text, false); ok {
		for _, c := range r.courses() {
			if c.Slug != slug {
				continue
			}
			if want(subCourse) {
				set(subCourse, c.Title(r.lang))
			}
			for _, title := range c.Titles {
				if i := strings.Index(strings.ToLower(partiesText), strings.ToLower(title)); i >= 0 && title != "" {
					partiesText = partiesText[:i] + strings.Repeat(" ", len(title)) + partiesText[i+len(title):]
				}
			}
		}
		if partiesText != text {
			partiesToks = tokenize(partiesText)
		}
	}
	if want(subPerson) || want(subCompany) {
		person, company, _ := docParties(r.m.an, partiesText, partiesToks, answering)
		// Whom it is for is not an item: cut off, the names leave
		// the lines around them apart.
		if person != "" {
			set(subPerson, person)
			rest = strings.Replace(rest, person, ";", 1)
		}
		if company != "" {
			set(subCompany, company)
			rest = strings.Replace(rest, company, ";", 1)
		}
	}
	if want(subItems) {
		course := func(seg string) (string, bool) {
			slug, ok := r.matchCourse(seg, false)
			if !ok {
				return "", false
			}
			for _, c := range r.courses() {
				if c.Slug == slug {
					return c.Title(r.lang), true
				}
			}
			return "", false
		}
		if items := itemLines(rest, course); items != "" {
			set(subItems, items)
		}
	}
	return out
}

func inEmail(m mentions, pos int) bool {
	for _, e := range m.emails {
		if pos >= e.start && pos < e.end {
			return true
		}
	}
	return false
}

// taxNear reports a tax word in the few words before a rate.
func taxNear(before string) bool {
	ws := strings.Fields(before)
	if len(ws) > 3 {
		ws = ws[len(ws)-3:]
	}
	for _, w := range ws {
		switch strings.Trim(w, ".,:;()") {
		case "iva", "tax", "vat", "impuesto", "imposto", "impuestos", "impostos", "igv", "icms":
			return true
		}
	}
	return false
}

func currencyCode(s string) string {
	switch fold(s) {
	case "us$", "dolares", "dollars":
		return "USD"
	case "€", "euros":
		return "EUR"
	case "r$", "reais":
		return "BRL"
	}
	return strings.ToUpper(s)
}

// docParties finds whom a document is for: a person after a strong cue
// ("contacto Hugo Ferreyra", "aluna Juliana Rocha") or after a weak one
// ("for Mark Ellison"), and a company after the person ("at Ridgeway
// Dental", "da Logística Rápida") or named by a weak cue when a strong cue
// names the person. end is where the last of them ends in text.
func docParties(an *analyzer, text string, toks []token, answering bool) (person, company string, end int) {
	type found struct {
		name     string
		from, to int // token span
	}
	after := func(cues [][]string) (found, bool) {
		for i := range toks {
			for _, cw := range cues {
				if !phraseAt(toks, i, cw) {
					continue
				}
				at := i + len(cw)
				// "contact is Dana Whitfield", "o contato lá é o Felipe":
				// what links the cue to the name.
				for k := 0; k < 2 && at < len(toks) && cueLinks[toks[at].fold]; k++ {
					at++
				}
				// "para a Maria Souza", "for the Acme team": an article;
				// "para los del Hotel Mirador": and whose they are.
				if at < len(toks) && articles[toks[at].fold] {
					at++
					if at+1 < len(toks) && nameConnectors[toks[at].fold] {
						at++
					}
				}
				// "for her employer Quanta Labs", "para su empresa Acme":
				// a possessive and a word for their role.
				if at+2 < len(toks) && possessives[toks[at].fold] && unicode.IsLower([]rune(toks[at+1].raw)[0]) {
					at += 2
				}
				// "paid for the AI data analysis course": one capitalised
				// word the lexicon knows as a thing is no one's name.
				// "para Ferretería El Tornillo": a kind of business opens
				// a company's name, which may hold articles and joiners.
				if n, to, ok := properAt(text, toks, at, at < len(toks) && companyKinds[toks[at].fold]); ok && !(to == at+1 && concepts.of(toks[at].fold, "", "") != "") {
					return found{n, at, to}, true
				}
			}
		}
		return found{}, false
	}
	strong, hasStrong := after(strongPersonCues)
	weak, hasWeak := after(weakPersonCues)
	if !hasStrong && !hasWeak {
		// "el certificado de Lucía Méndez": the weakest cue, when
		// nothing better introduces a name, and only for a full name
		// ("de IA para marketing" names no one).
		if f, ok := after(ofCues); ok && strings.Contains(f.name, " ") {
			weak, hasWeak = f, true
		}
	}
	if !hasStrong && !hasWeak && answering {
		if n, to, ok := nameAt(an, text, toks, 0, true); ok {
			return n, "", toks[to-1].end
		}
	}
	last := 0
	mark := func(f found) {
		if f.to > 0 && toks[f.to-1].end > last {
			last = toks[f.to-1].end
		}
	}
	switch {
	case hasStrong:
		person = strong.name
		mark(strong)
		if hasWeak && weak.from != strong.from {
			company = weak.name
			mark(weak)
		}
	case hasWeak:
		person = weak.name
		mark(weak)
	}
	// "Mark Ellison at Ridgeway Dental", "Marcos Teixeira da Logística Rápida"
	p := strong
	if !hasStrong {
		p = weak
	}
	if (hasStrong || hasWeak) && company == "" && p.to < len(toks) {
		switch toks[p.to].fold {
		case "at", "de", "del", "da", "do", "from", "of", "en", "em":
			if n, to, ok := properAt(text, toks, p.to+1, true); ok {
				company = n
				mark(found{n, p.to + 1, to})
			}
		}
	}
	if company == "" && person != "" && hasCompanyMark(person) {
		company = person
	}
	// "Northwind Ltd needs an invoice…": a name that opens the message,
	// marked as a company's by its legal form, is whom it is for.
	if company == "" && len(toks) > 0 {
		if n, _, ok := properAt(text, toks, 0, true); ok && n != person {
			if ws := strings.Fields(fold(n)); len(ws) > 1 && companyMarks[strings.Trim(ws[len(ws)-1], ".")] {
				company = n
			}
		}
	}
	return person, company, last
}

func hasCompanyMark(name string) bool {
	ws := strings.Fields(fold(name))
	return len(ws) > 1 && (companyMarks[strings.Trim(ws[len(ws)-1], ".")] || companyKinds[ws[0]])
}

// properAt reads a capitalised name of up to five words from toks[i]
// ("Cafe Montaña SAS", "Panaderia San Telmo", "ACME"), joined by nothing
// but spaces (or "&"). joiners lets "de"/"da" join capitalised words
// ("Banco de Chile"), which a company's name has and a person's, read
// before "da Logística Rápida", must not.
func properAt(text string, toks []token, i int, joiners bool) (string, int, bool) {
	j := i
	var parts []string
	for ; j < len(toks) && len(parts) < 5; j++ {
		t := toks[j]
		gap := ""
		if j > i {
			gap = strings.TrimSpace(text[toks[j-1].end:t.start])
			if gap != "" && gap != "&" {
				break
			}
		}
		first, _ := utf8.DecodeRuneInString(t.raw)
		// Before a capitalised word, inside a company's name: a lowercase
		// joiner ("Banco de Chile", "Vinos del Valle") or an article
		// ("Ferretería El Tornillo").
		inside := joiners && len(parts) > 0 && j+1 < len(toks) && strings.TrimSpace(text[t.end:toks[j+1].start]) == "" && !isStopWordName(toks[j+1]) &&
			unicode.IsUpper([]rune(toks[j+1].raw)[0])
		if !unicode.IsUpper(first) {
			if inside && nameConnectors[t.fold] {
				parts = append(parts, t.raw)
				continue
			}
			break
		}
		if _, month := monthNames[t.fold]; month || isStopWordName(t) && !(inside && (articles[t.fold] || nameConnectors[t.fold])) {
			break
		}
		if gap == "&" && len(parts) > 0 {
			// "Ocampo & Hijos": the ampersand is part of the name.
			parts[len(parts)-1] += " &"
		}
		parts = append(parts, t.raw)
	}
	// A joiner cannot end a name.
	for len(parts) > 0 && unicode.IsLower([]rune(parts[len(parts)-1])[0]) {
		parts = parts[:len(parts)-1]
	}
	if len(parts) == 0 {
		return "", 0, false
	}
	return strings.Join(parts, " "), i + len(parts), true
}

// isStopWordName: a capitalised function word opening a sentence ("The",
// "Para") is not a name.
func isStopWordName(t token) bool {
	return isStopWord(t.fold) && len(t.fold) < 4
}

// itemLines reads the priced lines of an order written as a sentence and
// returns them as the documents' item text: "3x AI workshops 1500; Onboarding
// session 300". A part with no price is a line when it names a course
// (course gives its title), which the tool prices from the catalogue
// ("12 personas al curso IA para marketing" → "12x IA para marketing");
// other parts with no price are not lines.
func itemLines(text string, course func(string) (string, bool)) string {
	if i := strings.LastIndex(text, ":"); i >= 0 && i < len(text)-1 && (amountIn(text[i+1:]) != nil || reEachPrice.MatchString(text[i+1:])) {
		text = text[i+1:]
	}
	text = reValidFor.ReplaceAllString(text, " ")
	var parts []string
	var pending string // a part with no price of its own joins the next
	unpriced := -1     // the course line just read without a price
	for _, seg := range reItemSplit.Split(text, -1) {
		seg = strings.TrimSpace(seg)
		if seg == "" {
			continue
		}
		// "…, so 171.75 each": the price of the seats just counted.
		if m := rePriceOnly.FindStringSubmatch(seg); m != nil && unpriced >= 0 {
			parts[unpriced] += " " + m[1]
			unpriced = -1
			continue
		} else if m != nil && pending != "" {
			// "…, training day, 900 each": the price of the part before.
			if desc, qty := itemDescription(pending); desc != "" {
				if qty != "" {
					desc = qty + "x " + desc
				}
				parts = append(parts, desc+" "+m[1])
			}
			pending = ""
			continue
		}
		unpriced = -1
		// "3 seats, AI Strategy for Managers": the count just read is the
		// course's.
		if pending != "" && amountIn(seg) == nil {
			if _, qty := itemDescription(pending); qty != "" {
				if title, ok := course(seg); ok {
					parts = append(parts, qty+"x "+title)
					unpriced = len(parts) - 1
					pending = ""
					continue
				}
			}
		}
		// "12 personas al curso IA para marketing", "they want 12 seats
		// on AI Strategy for Managers with the 25% discount": seats of a
		// course, counted and with no price, are a line the catalogue
		// prices (a percentage is a discount, not a price).
		if amountIn(rePercent.ReplaceAllString(seg, " ")) == nil {
			_, qty := itemDescription(seg)
			if qty == "" {
				qty = seatCount(seg)
			}
			if qty != "" {
				if title, ok := course(seg); ok {
					parts = append(parts, qty+"x "+title)
					unpriced = len(parts) - 1
					pending = ""
					continue
				}
			}
		}
		// A price alone ("…, 20 pessoas, 4580 USD") belongs to the parts
		// before it; a line with its own description does not.
		if pending != "" {
			if l := amountIn(seg); l == nil || strings.Trim(seg[:l[0]], " ,.;:-–—") == "" {
				seg = pending + ", " + seg
			}
			pending = ""
		}
		loc := amountIn(seg)
		if loc == nil {
			pending = seg
			continue
		}
		var price string
		for g := 2; g+1 < len(loc); g += 2 {
			if loc[g] >= 0 {
				price = seg[loc[g]:loc[g+1]]
				break
			}
		}
		desc := strings.TrimSpace(seg[:loc[0]])
		if desc == "" { // "USD 300 onboarding session"
			desc = strings.TrimSpace(reEach.ReplaceAllString(seg[loc[1]:], ""))
		}
		desc, qty := itemDescription(desc)
		if desc == "" {
			continue
		}
		line := desc + " " + price
		if qty != "" {
			line = qty + "x " + line
		}
		parts = append(parts, line)
	}
	return strings.Join(parts, "; ")
}

var (
	rePriceOnly = regexp.MustCompile(`(?i)^(?:so|then|thus|entonces|o sea|ou seja|es decir|that'?s|total)?\s*(?:a|at|por|@|de)?\s*(?:us\$|usd|\$|€)?\s*(\d[\d.,]*\d|\d)\s*(?:usd|us\$|d[oó]lares|dollars|reais|euros)?\s*(?:each|cada\s+un[oa]?|cada|por\s+persona|per\s+person|por\s+pessoa|per\s+seat|por\s+plaza|por\s+vaga)\s*(?:[.!;]|$)`)
	reEachPrice = regexp.MustCompile(`(?i)\d\s*(?:usd|us\$|\$|€)?\s*(?:each|cada|por\s+persona|per\s+person|por\s+pessoa|per\s+seat|por\s+plaza|por\s+vaga)\b`)
	reSeatCount = regexp.MustCompile(`(?:^|\s)(\d{1,4})\s+\p{L}`)
)

// seatCount is the quantity a segment counts anywhere in it ("they want
// 12 seats on …"), not a percentage: the number before a word.
func seatCount(seg string) string {
	if m := reSeatCount.FindStringSubmatch(rePercent.ReplaceAllString(seg, " ")); m != nil && m[1] != "1" {
		return m[1]
	}
	return ""
}

// amountIn finds a line's price: one with a currency wins over a bare
// number ("for 8 people at 229 USD each" costs 229).
func amountIn(seg string) []int {
	if loc := reMoney.FindStringSubmatchIndex(seg); loc != nil {
		return loc
	}
	return reBare.FindStringSubmatchIndex(seg)
}

var reQty = regexp.MustCompile(`^(\d{1,4})\s*(?:x\s+)?\p{L}`)

// itemDescription cuts what opens a line without naming the item ("por",
// "an", "items:") and takes a quantity written before it ("3 licencias
// mensuales de Pulse Growth").
func itemDescription(desc string) (string, string) {
	const cut = " ,.;:-–—?¿!¡()"
	ws := strings.Fields(strings.Trim(desc, cut))
	for len(ws) > 1 && leadWords[fold(ws[0])] {
		ws = ws[1:]
	}
	desc = strings.Trim(strings.Join(ws, " "), cut)
	qty := ""
	// "two workshops", "tres licencias": a quantity written out.
	if ws := strings.Fields(desc); len(ws) > 1 {
		if n, ok := numberWords[fold(ws[0])]; ok && n >= 2 && n == float64(int(n)) {
			desc = strconv.Itoa(int(n)) + " " + strings.Join(ws[1:], " ")
		}
	}
	if g := reQty.FindStringSubmatchIndex(desc); g != nil {
		qty = desc[g[2]:g[3]]
		desc = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(desc[g[3]:]), "x "))
		ws = strings.Fields(desc)
		for len(ws) > 1 && leadWords[fold(ws[0])] {
			ws = ws[1:]
		}
		desc = strings.Join(ws, " ")
	}
	desc = strings.TrimSpace(reEach.ReplaceAllString(desc, ""))
	// "2 talleres de IA de 800", "seats at $29": what joins the price.
	ws = strings.Fields(desc)
	for len(ws) > 1 && trailWords[fold(ws[len(ws)-1])] {
		ws = ws[:len(ws)-1]
	}
	desc = strings.Join(ws, " ")
	if qty == "1" {
		qty = ""
	}
	return desc, qty
}
