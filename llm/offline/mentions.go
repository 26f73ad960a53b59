package offline

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Values found in a text before any field asks for them: emails, phones,
// dates and numbers, each with its position. They are found in that order
// and each is blanked out of the text before the next kind is looked for,
// so the digits of a date are not read as a phone and those of a phone not
// as a budget.

var (
	reEmail = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}`)
	reURL   = regexp.MustCompile(`(?i)\bhttps?://\S+`)
	rePhone = regexp.MustCompile(`(?:\+|\b00)?\(?\d[\d \t().\-]{5,}\d\b`)
	// A number, with its currency and multiplier if written.
	reNumber   = regexp.MustCompile(`(?i)(#|us\$|usd|u\$s|r\$|\$|€|eur\b|mxn\b|ars\b|cop\b|brl\b)?\s?(\d+(?:[.,]\d+)*)(?:\s?(k|mil|millones|millón|millon|million|millions|thousand|grand|lucas|mm|m)\b)?(?:\s?(usd|us\$|u\$s|d[oó]lares|dollars|dls|bucks|eur|euros|€|mxn|pesos|reais|reales))?`)
	reISODate  = regexp.MustCompile(`\b(\d{4})-(\d{1,2})-(\d{1,2})\b`)
	reSlashDay = regexp.MustCompile(`\b(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})\b`)
)

// monthNames maps folded month names and abbreviations of every language
// of the lexicon ("months:") to their number.
var monthNames = lexMonths()

// headcount are words that count people after a number.
var headcount = lexWords("headcount")

// numberWords are small numbers written out, for "en tres meses" or
// "somos doce" (the lexicon's "numbers:").
var numberWords = lexNumbers()

// span is a found value and where it was.
type span struct {
	start, end int
	value      string
}

// dateMention is a date found in the text.
type dateMention struct {
	start, end int
	date       time.Time
	// before is the folded word just before it ("hasta", "from"): it tells
	// a start date from an end date.
	before string
}

// numMention is a number found in the text.
type numMention struct {
	start, end int
	value      float64
	money      bool // written with a currency or a multiplier (5k, $3,000)
	hash       bool // written "#123"
	code       bool // written after the letters of a code ("T-000231")
	percent    bool // written "25%"
	raw        string
	// written is the number as written, for an identifier: "#45",
	// "000231", or with the letters of its code ("T-000231").
	written string
	// ctx are the words around it, which tell which field it is for
	// ("50 empleados", "presupuesto de 5k", "ticket 4521").
	ctx []word
}

// mentions are the typed values of one text.
type mentions struct {
	text    string
	masked  string // text with the values blanked out
	emails  []span
	phones  []span
	dates   []dateMention
	numbers []numMention
}

// emailValues returns the emails the text gives.
func (m mentions) emailValues() []string {
	out := make([]string, len(m.emails))
	for i, e := range m.emails {
		out[i] = e.value
	}
	return out
}

// findMentions finds the typed values of text. now supplies the year of a
// date written without one, and the meaning of "today" and "tomorrow".
func findMentions(an *analyzer, text string, now time.Time) mentions {
	m := mentions{text: text}
	b := []byte(text)
	blank := func(start, end int) {
		for i := start; i < end; i++ {
			if b[i] != '\n' {
				b[i] = ' '
			}
		}
	}
	// Each pattern below needs a "://", an "@" or a digit (\d is ASCII)
	// to match: a text without one skips it, as most messages have no
	// URL, email or number, and scanning for one costs more than the rest
	// of the analysis. Blanking adds none of them.
	digits := hasDigit(text)
	for _, loc := range findAllIf(strings.Contains(text, "://"), reURL, b) {
		blank(loc[0], loc[1])
	}
	for _, loc := range findAllIf(strings.IndexByte(text, '@') >= 0, reEmail, b) {
		v := strings.TrimRight(text[loc[0]:loc[1]], ".")
		m.emails = append(m.emails, span{loc[0], loc[1], v})
		blank(loc[0], loc[1])
	}
	m.dates = findDates(text, string(b), now)
	for _, d := range m.dates {
		blank(d.start, d.end)
	}
	for _, loc := range findAllIf(digits, rePhone, b) {
		raw := string(b[loc[0]:loc[1]])
		if v, ok := phoneValue(raw); ok {
			m.phones = append(m.phones, span{loc[0], loc[1], v})
			blank(loc[0], loc[1])
		}
	}
	m.masked = string(b)
	toks := tokenize(m.masked)
	ws := an.analyzeTokens(toks)
	var numbers [][]int
	if digits {
		numbers = reNumber.FindAllSubmatchIndex(b, -1)
	}
	for _, loc := range numbers {
		if loc[4] < 0 {
			continue
		}
		// Not a piece of a word ("mp3", "b2b") nor of a longer number.
		if loc[4] > 0 && isWordByte(b[loc[4]-1]) && (loc[2] < 0) {
			continue
		}
		if loc[5] < len(b) && isLetterByte(b[loc[5]]) && loc[6] < 0 {
			continue
		}
		raw := text[loc[4]:loc[5]]
		v, ok := parseAmount(raw)
		if !ok {
			continue
		}
		n := numMention{start: loc[0], end: loc[1], raw: strings.TrimSpace(text[loc[0]:loc[1]]), written: raw}
		if loc[2] >= 0 {
			cur := strings.ToLower(text[loc[2]:loc[3]])
			if cur == "#" {
				n.hash = true
				n.written = "#" + raw
			} else {
				n.money = true
			}
		} else if c := codePrefix(text, loc[4]); c != "" {
			n.written = c + raw
			n.code = true
		}
		if loc[6] >= 0 {
			switch strings.ToLower(text[loc[6]:loc[7]]) {
			case "k", "mil", "thousand", "grand", "lucas":
				v *= 1000
			case "m", "mm", "millones", "millón", "millon", "million", "millions":
				v *= 1_000_000
			}
			n.money = true
		}
		if loc[8] >= 0 {
			n.money = true
		}
		if rest := strings.TrimLeft(text[loc[1]:], " "); strings.HasPrefix(rest, "%") {
			n.percent, n.money = true, false
		}
		// A minus sign written before it is kept: a negative budget is the
		// user's value, for the tool to accept or refuse, not ours to fix.
		at := loc[4]
		if loc[2] >= 0 {
			at = loc[2]
		}
		if negativeAt(text, at) {
			v = -v
		}
		n.value = v
		n.ctx = contextWords(ws, toks, loc[0], loc[1])
		m.numbers = append(m.numbers, n)
	}
	// Small numbers written out, when a unit follows ("doce personas").
	for i, t := range toks {
		v, ok := numberWords[t.fold]
		if !ok || v == 1 || i+1 >= len(toks) {
			continue
		}
		if c := concepts.of(toks[i+1].fold, "", ""); c == "employee" {
			m.numbers = append(m.numbers, numMention{start: t.start, end: t.end, value: v, raw: t.raw, ctx: contextWords(ws, toks, t.start, t.end)})
		}
	}
	return m
}

// codePrefix returns the letters and hyphen of a code that end at offset
// i ("T-" of "T-000231"), or "" when the number there is not part of one.
func codePrefix(text string, i int) string {
	if i < 2 || text[i-1] != '-' {
		return ""
	}
	j := i - 1
	for j > 0 && isLetterByte(text[j-1]) && text[j-1] < 0x80 {
		j--
	}
	if n := i - 1 - j; n == 0 || n > 5 || (j > 0 && isWordByte(text[j-1])) {
		return ""
	}
	return text[j:i]
}

// hasDigit reports whether s has an ASCII digit.
func hasDigit(s string) bool {
	return strings.ContainsAny(s, "0123456789")
}

// findAllIf is re.FindAllIndex(b, -1) when may, else nothing: may is false
// only when re cannot match b.
func findAllIf(may bool, re *regexp.Regexp, b []byte) [][]int {
	if !may {
		return nil
	}
	return re.FindAllIndex(b, -1)
}

// negativeAt reports a minus sign right before offset i that starts a
// word ("de -2000"), not a range ("3-9").
func negativeAt(text string, i int) bool {
	for _, sign := range []string{"-", "−"} {
		j := i - len(sign)
		if j >= 0 && text[j:i] == sign && (j == 0 || text[j-1] == ' ' || text[j-1] == '(' || text[j-1] == ':') {
			return true
		}
	}
	return false
}

func isWordByte(c byte) bool   { return isLetterByte(c) || (c >= '0' && c <= '9') }
func isLetterByte(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80 }

// contextWords returns the words within three of the span [start, end).
// A count of people ("200-person", "somos 12") also gets the concept
// "employee": that is how sizes of teams and companies are written.
func contextWords(ws []word, toks []token, start, end int) []word {
	var out []word
	for i, t := range toks {
		after := t.start >= end && t.start-end <= 2
		before := t.end <= start && start-t.end <= 2
		switch {
		case after && headcount[t.fold]:
		case after && t.start-end <= 1 && smallCount(toks, start, end) && countsPeople(toks, i):
		case t.end <= start && countsUs(toks, i, start):
		case before && (t.fold == "of" || t.fold == "de") && i > 0 && teamWords[toks[i-1].fold]:
		default:
			continue
		}
		out = append(out, word{fold: t.fold, concept: "employee"})
	}
	for _, w := range ws {
		t := toks[w.pos]
		if t.end <= start && countTokensBetween(toks, t.end, start) < 3 {
			out = append(out, w)
		} else if t.start >= end && countTokensBetween(toks, end, t.start) < 3 {
			out = append(out, w)
		}
	}
	return out
}

// weAre are the words by which speakers count themselves ("somos 12",
// "we're about 40"); approximators may stand between them and the number.
var weAre, approximators = lexWords("we_are"), lexWords("approximators")

// teamWords count people after them ("equipo de 12", "team of 30").
var teamWords = lexWords("team_words")

// countsUs reports whether toks[i] counts the speakers with the number at
// start: "somos", "we're" or "we are", then at most two approximators
// ("somos unos 15", "we are around 40").
func countsUs(toks []token, i, start int) bool {
	if !weAre[toks[i].fold] && !((toks[i].fold == "are" || toks[i].fold == "re") && i > 0 && toks[i-1].fold == "we") {
		return false
	}
	for k := i + 1; k < len(toks) && toks[k].start < start; k++ {
		if k > i+2 || !approximators[toks[k].fold] {
			return false
		}
	}
	return true
}

// peopleConcepts are concepts of words for kinds of people: "25 reps",
// "10 asesores", "40 alumnos" count people.
var peopleConcepts = map[string]bool{"employee": true, "human": true, "student": true, "manager": true, "developer": true, "customer": true}

// countsPeople reports whether the word at toks[i], right after a number,
// is what a team is counted in: a kind of people ("reps", "asesores"), or
// a plural noun the concepts do not know, which after a number in a
// message about a company is its people ("25 vendedores", "8 abogados");
// not a unit of time or money, nor anything else the concepts name
// ("3 talleres", "500 emails"). "25 sales reps" counts its second word.
func countsPeople(toks []token, i int) bool {
	for k := i; k < len(toks) && k <= i+1; k++ {
		f := toks[k].fold
		c := concepts.of(f, "", "")
		if c == "" {
			es, en := stemsOf(f)
			c = concepts.of(f, es, en)
		}
		if peopleConcepts[c] {
			return true
		}
		if c == "" && len(f) >= 4 && strings.HasSuffix(f, "s") && !isDigits(f) && !reDuration.MatchString("1 "+f) && !moneyWord[f] {
			return true
		}
		if c == "" {
			return false
		}
	}
	return false
}

// smallCount reports whether the number in [start, end) has at most three
// digits: a team counted in a noun the concepts do not know is rarely
// larger ("2000 usuarios" are not staff), and larger headcounts come with
// a word that says so ("1.500 empleados").
func smallCount(toks []token, start, end int) bool {
	n := 0
	for _, t := range toks {
		if t.start >= start && t.end <= end {
			for _, r := range t.fold {
				if r >= '0' && r <= '9' {
					n++
				}
			}
		}
	}
	return n > 0 && n <= 3
}

// moneyWord are currencies written as plural words.
var moneyWord = lexWords("money_words")

func countTokensBetween(toks []token, from, to int) int {
	n := 0
	for _, t := range toks {
		if t.start >= from && t.end <= to {
			n++
		}
	}
	return n
}

// parseAmount reads a number written with thousands separators or a
// decimal comma or point: "5.000", "3,000", "2.500,50", "1.5", "1,5".
func parseAmount(s string) (float64, bool) {
	dots, commas := strings.Count(s, "."), strings.Count(s, ",")
	var clean string
	switch {
	case dots > 0 && commas > 0:
		// The last separator is the decimal one.
		if strings.LastIndex(s, ",") > strings.LastIndex(s, ".") {
			clean = strings.ReplaceAll(strings.ReplaceAll(s, ".", ""), ",", ".")
		} else {
			clean = strings.ReplaceAll(s, ",", "")
		}
	case dots+commas == 0:
		clean = s
	default:
		sep := "."
		if commas > 0 {
			sep = ","
		}
		parts := strings.Split(s, sep)
		thousands := len(parts) > 2
		if len(parts) == 2 && len(parts[1]) == 3 {
			thousands = true
		}
		if thousands {
			for _, p := range parts[1:] {
				if len(p) != 3 {
					return 0, false
				}
			}
			clean = strings.Join(parts, "")
		} else {
			clean = parts[0] + "." + parts[1]
		}
	}
	v, err := strconv.ParseFloat(clean, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, false
	}
	return v, true
}

// phoneValue normalises a phone-like run to E.164-ish form ("+5215512345678"
// or "5512345678"), or rejects it: fewer than 8 or more than 15 digits, or a
// number written with thousands separators ("1.500.000").
func phoneValue(raw string) (string, bool) {
	raw = strings.TrimSpace(raw)
	digits := 0
	var b strings.Builder
	plus := strings.HasPrefix(raw, "+") || strings.HasPrefix(raw, "00")
	for _, r := range raw {
		if r >= '0' && r <= '9' {
			digits++
			b.WriteRune(r)
		}
	}
	if digits < 8 || digits > 15 {
		return "", false
	}
	// "1.500.000" or "2,000,000" is an amount, not a phone.
	if !plus && !strings.ContainsAny(raw, " ()-") {
		return "", false
	}
	d := b.String()
	if strings.HasPrefix(raw, "00") {
		d = d[2:]
	}
	if plus {
		return "+" + d, true
	}
	return d, true
}

// reNaturalDate finds "3 de marzo (de 2027)", "3 março 2027", "March 3rd,
// 2027", "3rd of March" and "marzo 3".
var (
	reDayMonth = regexp.MustCompile(`(?i)\b(\d{1,2})(?:º|°|st|nd|rd|th)?\s+(?:de\s+|of\s+)?([a-zñçáéíóú]{3,10})\.?(?:\s*,?\s*(?:de(?:l)?\s+)?(\d{4}))?`)
	reMonthDay = regexp.MustCompile(`(?i)\b([a-zñçáéíóú]{3,10})\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:\s*,?\s*(\d{4}))?`)
	// "del 1 al 15 de marzo": the first day takes the month of the second.
	reDayRange = regexp.MustCompile(`(?i)\b(?:del?|from|entre|between)\s+(?:el\s+)?(\d{1,2})\s+(?:al?|to|y|and|hasta|until)\s+(?:el\s+)?(\d{1,2})\s+(?:de\s+|of\s+)?([a-zñçáéíóú]{3,10})(?:\s*,?\s*(?:de(?:l)?\s+)?(\d{4}))?`)
)

// findDates finds dates in text (its positions are those of orig). Dates
// without a year take now's year.
func findDates(orig, text string, now time.Time) []dateMention {
	var out []dateMention
	taken := make([]bool, len(text))
	add := func(start, end int, d time.Time) {
		for i := start; i < end; i++ {
			if taken[i] {
				return
			}
		}
		for i := start; i < end; i++ {
			taken[i] = true
		}
		out = append(out, dateMention{start: start, end: end, date: d, before: wordBefore(orig, start)})
	}
	year := func(s string) int {
		if s == "" {
			return now.Year()
		}
		y, _ := strconv.Atoi(s)
		if y < 100 {
			y += 2000
		}
		return y
	}
	mk := func(y int, m time.Month, d int) (time.Time, bool) {
		if m < 1 || m > 12 || d < 1 || d > 31 {
			return time.Time{}, false
		}
		t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		if t.Day() != d {
			return time.Time{}, false // 31 de febrero
		}
		return t, true
	}
	// The numeric forms all need a digit (see findMentions).
	if hasDigit(text) {
		for _, g := range reISODate.FindAllStringSubmatchIndex(text, -1) {
			y, _ := strconv.Atoi(text[g[2]:g[3]])
			mo, _ := strconv.Atoi(text[g[4]:g[5]])
			d, _ := strconv.Atoi(text[g[6]:g[7]])
			if t, ok := mk(y, time.Month(mo), d); ok {
				add(g[0], g[1], t)
			}
		}
		for _, g := range reDayRange.FindAllStringSubmatchIndex(text, -1) {
			mo, ok := monthNames[fold(text[g[6]:g[7]])]
			if !ok {
				continue
			}
			y := ""
			if g[8] >= 0 {
				y = text[g[8]:g[9]]
			}
			d1, _ := strconv.Atoi(text[g[2]:g[3]])
			d2, _ := strconv.Atoi(text[g[4]:g[5]])
			t1, ok1 := mk(year(y), mo, d1)
			t2, ok2 := mk(year(y), mo, d2)
			if ok1 && ok2 {
				add(g[2], g[3], t1)
				add(g[4], g[1], t2)
			}
		}
		for _, g := range reDayMonth.FindAllStringSubmatchIndex(text, -1) {
			mo, ok := monthNames[fold(text[g[4]:g[5]])]
			if !ok {
				continue
			}
			y := ""
			if g[6] >= 0 {
				y = text[g[6]:g[7]]
			}
			d, _ := strconv.Atoi(text[g[2]:g[3]])
			if t, ok := mk(year(y), mo, d); ok {
				add(g[0], g[1], t)
			}
		}
		for _, g := range reMonthDay.FindAllStringSubmatchIndex(text, -1) {
			mo, ok := monthNames[fold(text[g[2]:g[3]])]
			if !ok {
				continue
			}
			y := ""
			if g[6] >= 0 {
				y = text[g[6]:g[7]]
			}
			d, _ := strconv.Atoi(text[g[4]:g[5]])
			if t, ok := mk(year(y), mo, d); ok {
				add(g[0], g[1], t)
			}
		}
		for _, g := range reSlashDay.FindAllStringSubmatchIndex(text, -1) {
			a, _ := strconv.Atoi(text[g[2]:g[3]])
			b, _ := strconv.Atoi(text[g[4]:g[5]])
			// Day first, as Spanish and Portuguese write it; month first only
			// when the second number cannot be a month.
			d, mo := a, b
			if b > 12 && a <= 12 {
				d, mo = b, a
			}
			if t, ok := mk(year(text[g[6]:g[7]]), time.Month(mo), d); ok {
				add(g[0], g[1], t)
			}
		}
	}
	// "la semana pasada", "last week": the week before this one, Monday
	// to Sunday, as two dates (a range's from and to).
	for _, g := range lastWeeks(text) {
		monday := now.AddDate(0, 0, -(int(now.Weekday())+6)%7-7)
		monday = time.Date(monday.Year(), monday.Month(), monday.Day(), 0, 0, 0, 0, time.UTC)
		// The phrase holds both: its first half stands for the Monday,
		// the rest for the Sunday.
		mid := g[0] + (g[1]-g[0])/2
		add(g[0], mid, monday)
		add(mid, g[1], monday.AddDate(0, 0, 6))
	}
	// Relative days. "mañana" is also "morning" ("por la mañana"), so it
	// counts only when no article precedes it.
	for _, t := range tokenize(text) {
		var d time.Time
		switch t.fold {
		case "hoy", "today", "hoje":
			d = now
		case "tomorrow", "amanha":
			d = now.AddDate(0, 0, 1)
		case "manana":
			if b := wordBefore(orig, t.start); b == "la" || b == "por" || b == "esta" || b == "de" {
				continue
			}
			d = now.AddDate(0, 0, 1)
		default:
			continue
		}
		add(t.start, t.end, time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC))
	}
	sortDates(out)
	return out
}

func sortDates(ds []dateMention) {
	for i := 1; i < len(ds); i++ {
		for j := i; j > 0 && ds[j].start < ds[j-1].start; j-- {
			ds[j], ds[j-1] = ds[j-1], ds[j]
		}
	}
}

// lastWeeks finds reLastWeek's matches, running the regexp only on text
// that has a word for a week (mentions are read many times a turn).
func lastWeeks(text string) [][]int {
	// Without lowering the text, which would allocate: "Week", "SEMANA"
	// and the rest share these letters.
	if !strings.Contains(text, "eek") && !strings.Contains(text, "EEK") && !strings.Contains(text, "emana") && !strings.Contains(text, "EMANA") {
		return nil
	}
	return reLastWeek.FindAllStringIndex(text, -1)
}

// reLastWeek finds the week before this one, in each language.
var reLastWeek = regexp.MustCompile(`(?i)\b(?:last|past|previous)\s+week\b|\bsemana\s+(?:pasada|passada|anterior)\b`)

// wordBefore returns the folded word that ends just before offset i.
func wordBefore(text string, i int) string {
	toks := tokenize(text[:i])
	if len(toks) == 0 {
		return ""
	}
	return toks[len(toks)-1].fold
}
