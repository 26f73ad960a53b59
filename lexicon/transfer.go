package lexicon

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrNoTable is returned by NewTransfer for a pair of languages with no
// transfer table.
var ErrNoTable = errors.New("lexicon: no transfer table")

// Transfer rewrites text of one language into a close one (Spanish into
// Portuguese) word by word and phrase by phrase, from a table shipped as
// data (es-pt.txt). It is no translation: word order, tenses and idioms
// the table does not list stay as they were. It is read-only once built,
// so one value can serve every goroutine.
//
// The table's entries ("sin embargo = no entanto") are matched longest
// first, in any case (Capitalised and UPPER replacements follow the
// text), and with or without the text's accents. A replacement with
// forms for each gender ("su = seu|sua") agrees with the next word. Of
// the words the table does not list, a plural or a verb with pronouns
// attached is derived from the word it lists (correctos, cancelarla), and
// other words take its suffix and letter rules (tokenización →
// tokenização), or stay as they are. Prepositions then contract with the word after them as
// the target language writes them (de o → do).
//
// What it leaves alone: whatever is not a word of the text — numbers and
// words with digits ("USD 249", "24h"), URLs, e-mail addresses, paths,
// domains and file names ("campus.ejemplo.com/recuperar", "faq.csv"),
// identifiers with underscores, HTML tags, text in backticks, and short
// quotations (up to 60 characters between "", “” or «»), which are usually
// the labels of a product's screens and must read as the screen does;
// mixed-case words ("PayPal", "O'Brien"); a word in capitals of four
// letters or more with none next to it ("CFDI", a coupon code
// "BIENVENIDA"); and capitalised words inside a sentence, names
// ("Brújula Pulse") or labels of a product's screens ("Configuración"),
// unless they follow a capitalised word of the table, as in a heading in
// title case. Punctuation and spacing stay as they were,
// except the marks the table drops (the Spanish ¿ and ¡, which
// Portuguese does not use); a phrase that becomes more words than it had
// is joined by single spaces.
type Transfer struct {
	// From and To are the languages' ISO 639-1 codes.
	From, To string
	words    map[string]string // lower-case words, one space apart → replacement
	folded   map[string]string // the same, accents removed, where that is unambiguous
	longest  int               // the most words of an entry
	order    []string          // the entries as the file lists them
	suffixes []rule            // longest first
	letters  []rule
	contract map[string]string // two words of the target → their contraction
	// plurals make the plural of a word the table lists: from is the end
	// of the source plural, ending the end of the singular's replacement,
	// to what replaces it.
	plurals []ending
	// enclitics are pronouns attached to a verb (lo = o), after a verb
	// form ending in a letter of encliticAfter (the infinitive's r) or
	// with an accent it has only with them; joins say how the target
	// attaches a pronoun (from) to a verb ending (ar o = á-lo), "-"
	// otherwise.
	enclitics     []rule
	encliticAfter string
	joins         []ending
	drop          []string
	femEnds       []string        // endings of feminine words of the target language
	fem           map[string]bool // feminine words whatever their ending
	masc          map[string]bool // masculine words whatever their ending
}

type rule struct{ from, to string }

type ending struct{ from, ending, to string }

// NewTransfer parses the table from one language into another. It fails
// with ErrNoTable when there is none, and otherwise only if a shipped
// table is malformed, which the package's tests rule out.
func NewTransfer(from, to string) (*Transfer, error) {
	data, err := files.ReadFile(from + "-" + to + ".txt")
	if err != nil || from == "" || to == "" {
		return nil, fmt.Errorf("%w from %q to %q", ErrNoTable, from, to)
	}
	t, err := parseTransfer(string(data))
	if err != nil {
		return nil, fmt.Errorf("lexicon: %s-%s.txt: %w", from, to, err)
	}
	t.From, t.To = from, to
	return t, nil
}

func parseTransfer(data string) (*Transfer, error) {
	t := &Transfer{words: map[string]string{}, folded: map[string]string{}, contract: map[string]string{},
		fem: map[string]bool{}, masc: map[string]bool{}}
	var order []string
	section := ""
	n := 0
	for line := range strings.Lines(data) {
		n++
		line, _, _ = strings.Cut(line, "#")
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = line[1 : len(line)-1]
			continue
		}
		switch section {
		case "drop":
			t.drop = append(t.drop, strings.Fields(line)...)
			continue
		case "feminine", "masculine":
			for _, w := range strings.Fields(line) {
				switch {
				case section == "feminine" && strings.HasPrefix(w, "-"):
					t.femEnds = append(t.femEnds, w[1:])
				case section == "feminine":
					t.fem[w] = true
				default:
					t.masc[w] = true
				}
			}
			continue
		}
		left, right, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("line %d: no \"=\" in %q", n, line)
		}
		src := strings.Join(strings.Fields(strings.ToLower(left)), " ")
		dst := strings.Join(strings.Fields(right), " ")
		if src == "" || dst == "" || slices.Contains(strings.Split(dst, "|"), "") {
			return nil, fmt.Errorf("line %d: empty side in %q", n, line)
		}
		switch section {
		case "":
			if _, dup := t.words[src]; dup {
				return nil, fmt.Errorf("line %d: %q is listed twice", n, src)
			}
			t.words[src] = dst
			order = append(order, src)
			t.longest = max(t.longest, strings.Count(src, " ")+1)
		case "suffixes":
			t.suffixes = append(t.suffixes, rule{src, dst})
		case "letters":
			t.letters = append(t.letters, rule{src, dst})
		case "contractions":
			t.contract[src] = dst
		case "enclitics":
			if src == "after" {
				t.encliticAfter = dst
			} else {
				t.enclitics = append(t.enclitics, rule{src, dst})
			}
		case "plurals", "joins":
			a, b, ok := strings.Cut(src, " ")
			if !ok {
				return nil, fmt.Errorf("line %d: want two words before \"=\" in %q", n, line)
			}
			if section == "plurals" {
				t.plurals = append(t.plurals, ending{a, b, dst})
			} else {
				t.joins = append(t.joins, ending{b, a, dst})
			}
		default:
			return nil, fmt.Errorf("line %d: unknown section [%s]", n, section)
		}
	}
	for _, src := range order {
		if f := fold(src); f != src {
			if _, exact := t.words[f]; !exact {
				if _, seen := t.folded[f]; !seen {
					t.folded[f] = t.words[src]
				}
			}
		}
	}
	t.order = order
	slices.SortStableFunc(t.suffixes, func(a, b rule) int { return len(b.from) - len(a.from) })
	slices.SortStableFunc(t.enclitics, func(a, b rule) int { return len(b.from) - len(a.from) })
	return t, nil
}

// Entries returns how many words and phrases the table lists.
func (t *Transfer) Entries() int { return len(t.words) }

// fold removes the acute accents and diaeresis of lower-case Spanish and
// Portuguese vowels (á → a, ü → u), keeping ñ, a letter of its own.
func fold(s string) string { return folder.Replace(s) }

var folder = strings.NewReplacer("á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u", "ü", "u",
	"à", "a", "â", "a", "ê", "e", "ô", "o")

// keep matches what is not a word of the text: links, e-mail addresses,
// paths, domains and file names, HTML tags, code and short quotations.
var keep = regexp.MustCompile(strings.Join([]string{
	`(?i)(?:https?://|ftp://|www\.)[^\s<>"'` + "`" + `]*[^\s<>"'` + "`" + `.,;:!?)\]]`,
	`[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+`,
	`[\p{L}\p{N}_-]*(?:[./\\][\p{L}\p{N}_-]+)+/?`,
	`[\p{L}\p{N}]+(?:_[\p{L}\p{N}]+)+`,
	`(?is)<(script|style)\b.*?</(?:script|style)>`,
	`<[^<>\n]+>`,
	"`[^`\n]*`",
	`"[^"\n]{1,60}"`, `“[^”\n]{1,60}”`, `«[^»\n]{1,60}»`,
}, "|"))

type token struct {
	text string
	word bool
}

// tokenize splits text into words and what lies between them, the kept
// spans and words with digits counting as what lies between.
func (t *Transfer) tokenize(text string) []token {
	var toks []token
	other := func(s string) {
		for _, d := range t.drop {
			s = strings.ReplaceAll(s, d, "")
		}
		if n := len(toks); n > 0 && !toks[n-1].word {
			toks[n-1].text += s
		} else if s != "" {
			toks = append(toks, token{text: s})
		}
	}
	plain := func(s string) {
		for s != "" {
			i := strings.IndexFunc(s, isWordRune)
			if i < 0 {
				other(s)
				return
			}
			other(s[:i])
			s = s[i:]
			j := wordEnd(s)
			w := s[:j]
			if strings.IndexFunc(w, unicode.IsDigit) >= 0 {
				toks = append(toks, token{text: w}) // with digits: not a word
				if n := len(toks); n > 1 && !toks[n-2].word {
					toks[n-2].text += w
					toks = toks[:n-1]
				}
			} else {
				toks = append(toks, token{text: w, word: true})
			}
			s = s[j:]
		}
	}
	last := 0
	for _, span := range keep.FindAllStringIndex(text, -1) {
		plain(text[last:span[0]])
		kept := text[span[0]:span[1]]
		if n := len(toks); n > 0 && !toks[n-1].word {
			toks[n-1].text += kept
		} else {
			toks = append(toks, token{text: kept})
		}
		last = span[1]
	}
	plain(text[last:])
	return toks
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.Is(unicode.M, r) || unicode.IsDigit(r)
}

// wordEnd returns where the word s starts with ends: an apostrophe
// between letters is part of it (O'Brien), which makes it a name.
func wordEnd(s string) int {
	for i, r := range s {
		if isWordRune(r) {
			continue
		}
		if r == '\'' || r == '’' {
			if next, _ := utf8.DecodeRuneInString(s[i+utf8.RuneLen(r):]); i > 0 && unicode.IsLetter(next) {
				continue
			}
		}
		return i
	}
	return len(s)
}

type casing int

const (
	lower casing = iota
	capital
	upper
	mixed
)

// caseOf says how a word (or phrase) is written: all lower case,
// Capitalised, UPPER (two letters or more) or otherwise.
func caseOf(s string) casing {
	letters, ups := 0, 0
	first := true
	firstUp := false
	for _, r := range s {
		if !unicode.IsLetter(r) {
			continue
		}
		letters++
		if unicode.IsUpper(r) {
			ups++
			if first {
				firstUp = true
			}
		}
		first = false
	}
	switch {
	case ups == 0:
		return lower
	case ups == letters && letters > 1:
		return upper
	case firstUp && ups == 1:
		return capital
	}
	return mixed
}

// phraseCase is the case of a phrase of words: capital if its first word
// is, upper if all of them are (and it has two letters or more).
func phraseCase(words []string) casing {
	c := caseOf(strings.Join(words, ""))
	if c == mixed && caseOf(words[0]) == capital {
		rest := true
		for _, w := range words[1:] {
			rest = rest && caseOf(w) == lower
		}
		if rest {
			return capital
		}
	}
	return c
}

func applyCase(s string, c casing) string {
	switch c {
	case upper:
		return strings.ToUpper(s)
	case capital:
		r, n := utf8.DecodeRuneInString(s)
		return string(unicode.ToUpper(r)) + s[n:]
	}
	return s
}

// out is one piece of the result: a replacement with the case it is to
// take, and its alternatives by gender ("seu|sua") still to choose.
type out struct {
	text string
	alts []string
	c    casing
	word bool
}

// Apply rewrites text.
func (t *Transfer) Apply(text string) string {
	toks := t.tokenize(text)
	var outs []out
	for i := 0; i < len(toks); {
		tok := toks[i]
		if !tok.word {
			outs = append(outs, out{text: tok.text})
			i++
			continue
		}
		if codeLike(toks, i) || t.isName(toks, i) {
			outs = append(outs, out{text: tok.text, word: true})
			i++
			continue
		}
		n, dst, c := t.match(toks, i)
		if n == 0 {
			outs = append(outs, out{text: t.unknown(tok.text), word: true})
			i++
			continue
		}
		words := 0
		var seps []string
		for k := i; words < n; k++ {
			if toks[k].word {
				words++
			} else {
				seps = append(seps, toks[k].text)
			}
			i = k + 1
		}
		o := out{c: c, word: true}
		for _, alt := range strings.Split(dst, "|") {
			o.alts = append(o.alts, respace(alt, seps))
		}
		o.text = o.alts[0]
		if len(o.alts) == 1 {
			o.alts = nil
		}
		outs = append(outs, o)
	}
	// From the end, so that a word's gender is known before the word
	// before it agrees with it ("tus dos clases").
	for k := len(outs) - 1; k >= 0; k-- {
		o := outs[k]
		if o.alts != nil {
			o.text = o.alts[0]
			if len(o.alts) > 1 && t.feminine(outs[k+1:]) {
				o.text = o.alts[1]
			}
		}
		outs[k].text = applyCase(o.text, o.c)
	}
	t.contractions(outs)
	var b strings.Builder
	for _, o := range outs {
		b.WriteString(o.text)
	}
	return b.String()
}

// contractions joins a word and the next one, spacing only between them,
// where the target language writes them as one ("de o" → "do").
func (t *Transfer) contractions(outs []out) {
	for k := 0; k+2 < len(outs); k++ {
		a, sep, b := &outs[k], &outs[k+1], &outs[k+2]
		if !a.word || sep.word || !b.word || strings.TrimSpace(sep.text) != "" || a.text == "" || b.text == "" {
			continue
		}
		i := strings.LastIndexAny(a.text, " \t\n") + 1
		w1 := a.text[i:]
		j := strings.IndexAny(b.text, " \t\n")
		if j < 0 {
			j = len(b.text)
		}
		w2 := b.text[:j]
		c1, c2 := caseOf(w1), caseOf(w2)
		if c2 != lower && (c2 != upper || c1 != upper) {
			continue
		}
		joined, ok := t.contract[strings.ToLower(w1+" "+w2)]
		if !ok {
			continue
		}
		a.text = a.text[:i] + applyCase(joined, c1)
		b.text = b.text[j:]
		if b.text == "" {
			b.word = false
		}
		sep.text = ""
		k-- // the contraction may meet the word after
	}
}

// codeLike says whether word i is in capitals, four letters or more,
// with no word in capitals next to it on its line: an acronym or a code
// ("CFDI", "BIENVENIDA"), where a heading or a shout is words in
// capitals together and a short one ("NO") is emphasis.
func codeLike(toks []token, i int) bool {
	if caseOf(toks[i].text) != upper || utf8.RuneCountInString(toks[i].text) < 4 {
		return false
	}
	for _, k := range []int{i - 2, i + 2} {
		if k < 0 || k >= len(toks) || strings.Contains(toks[(i+k)/2].text, "\n") || !toks[k].word {
			continue
		}
		if w := toks[k].text; strings.ToUpper(w) == w && strings.ToLower(w) != w {
			return false
		}
	}
	return true
}

// isName says whether word i is capitalised inside a sentence: a name
// ("Brújula Pulse"), or a label of a product's screens ("Configuración"),
// which must read as the screen does. A capitalised word after one the
// table knows, itself no name, is title case ("Preguntas Frecuentes").
func (t *Transfer) isName(toks []token, i int) bool {
	if caseOf(toks[i].text) != capital || sentenceStart(toks, i) {
		return false
	}
	if i < 2 || !toks[i-2].word || strings.TrimSpace(toks[i-1].text) != "" || caseOf(toks[i-2].text) != capital {
		return true
	}
	// After a name, the rest of it ("Mercado Pago").
	return !t.known(strings.ToLower(toks[i-2].text)) || t.isName(toks, i-2)
}

// known says whether the table lists a lower-case word or derives it.
func (t *Transfer) known(w string) bool {
	if _, ok := t.words[w]; ok {
		return true
	}
	if _, ok := t.folded[fold(w)]; ok {
		return true
	}
	_, ok := t.derive(w)
	return ok
}

// respace writes a replacement with the spacing of the words it replaces,
// as far as it has gaps, and single spaces after.
func respace(dst string, seps []string) string {
	var b strings.Builder
	for k, p := range strings.Split(dst, " ") {
		if k > 0 {
			if k-1 < len(seps) {
				b.WriteString(seps[k-1])
			} else {
				b.WriteString(" ")
			}
		}
		b.WriteString(p)
	}
	return b.String()
}

// match finds the longest entry starting at word i, made of words one
// space (or any spacing within a paragraph) apart. It returns how many
// words it spans, its replacement and the case to give it.
func (t *Transfer) match(toks []token, i int) (int, string, casing) {
	var words []string
	for k := i; k < len(toks) && len(words) < t.longest; k++ {
		if !toks[k].word {
			if strings.TrimSpace(toks[k].text) != "" || strings.Contains(toks[k].text, "\n\n") {
				break
			}
			continue
		}
		words = append(words, toks[k].text)
	}
	for n := len(words); n > 0; n-- {
		c := phraseCase(words[:n])
		if first := caseOf(words[0]); c == mixed && n > 1 && (first == lower || first == capital) {
			c = first // "en España": the replacement has its own capitals
		}
		if c == mixed {
			continue
		}
		key := strings.ToLower(strings.Join(words[:n], " "))
		dst, ok := t.words[key]
		if !ok {
			dst, ok = t.folded[fold(key)]
		}
		if ok {
			return n, dst, c
		}
	}
	return 0, "", lower
}

// unknown rewrites a word the table does not list: a plural or a verb
// with pronouns attached, of a word it lists, by its plural and
// enclitic rules; otherwise by its suffix and letter rules.
func (t *Transfer) unknown(w string) string {
	c := caseOf(w)
	if c == mixed {
		return w
	}
	lw := strings.ToLower(w)
	if s, ok := t.derive(lw); ok {
		return applyCase(s, c)
	}
	s := lw
	for _, r := range t.suffixes {
		if strings.HasSuffix(s, r.from) && utf8.RuneCountInString(s) > utf8.RuneCountInString(r.from)+1 {
			s = s[:len(s)-len(r.from)] + r.to
			break
		}
	}
	for _, r := range t.letters {
		s = strings.ReplaceAll(s, r.from, r.to)
	}
	if s == lw {
		return w
	}
	return applyCase(s, c)
}

// single returns the replacement of a word the table lists as one word
// for one word, or "".
func (t *Transfer) single(w string) string {
	dst, ok := t.words[w]
	if !ok {
		dst = t.folded[fold(w)]
	}
	if strings.ContainsAny(dst, " |") {
		return ""
	}
	return dst
}

// derive rewrites a lower-case plural ("correctos") or verb with a
// pronoun attached ("cancelarlas", "descárgalo") of a word the table
// lists.
func (t *Transfer) derive(w string) (string, bool) {
	for _, p := range t.plurals {
		stem, ok := strings.CutSuffix(w, p.from)
		if !ok || stem == "" {
			continue
		}
		if dst := t.single(stem); dst != "" && strings.HasSuffix(dst, p.ending) {
			return strings.TrimSuffix(dst, p.ending) + p.to, true
		}
	}
	for _, e := range t.enclitics {
		stem, ok := strings.CutSuffix(w, e.from)
		if !ok || utf8.RuneCountInString(stem) < 3 {
			continue
		}
		dst := ""
		if f := fold(stem); f != stem { // the accent a verb takes with pronouns
			dst = t.single(f)
		} else if strings.ContainsAny(stem[len(stem)-1:], t.encliticAfter) {
			dst = t.single(stem)
		}
		if dst == "" {
			continue
		}
		for _, j := range t.joins {
			if strings.HasSuffix(dst, j.ending) && j.from == e.to {
				return strings.TrimSuffix(dst, j.ending) + j.to, true
			}
		}
		return dst + "-" + e.to, true
	}
	return "", false
}

// sentenceStart says whether word i begins a sentence, line or the text.
func sentenceStart(toks []token, i int) bool {
	if i == 0 {
		return true
	}
	prev := strings.TrimRight(toks[i-1].text, " \t")
	switch {
	case prev == "":
		return i == 1 // spacing after a word, or the text's first spacing
	case strings.HasSuffix(prev, "\n"):
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(prev)
	return strings.ContainsRune(".!?¿¡:;#*-–—>|\"“«([", r)
}

// feminine says whether the next word, if it follows after spacing
// only, is feminine in the target language.
func (t *Transfer) feminine(rest []out) bool {
	for _, o := range rest {
		if !o.word {
			if strings.TrimSpace(o.text) != "" {
				return false
			}
			continue
		}
		fields := strings.Fields(strings.ToLower(o.text))
		if len(fields) == 0 {
			return false
		}
		w := fields[0]
		switch {
		case t.fem[w]:
			return true
		case t.masc[w]:
			return false
		}
		for _, e := range t.femEnds {
			if strings.HasSuffix(w, e) {
				return true
			}
		}
		return false
	}
	return false
}

// Back maps the target language's single words back to the source's,
// accent-folded, for a reader of the target language that only knows the
// source's words ("custa" → "cuesta", "aula" → "clase"): only target
// words that are not source words themselves, and of the source words
// that become the same target word, the one the table lists first.
func (t *Transfer) Back() map[string]string {
	src := map[string]bool{}
	for _, s := range t.order {
		src[fold(s)] = true
	}
	back := map[string]string{}
	for _, s := range t.order {
		if strings.Contains(s, " ") {
			continue
		}
		for _, alt := range strings.Split(t.words[s], "|") {
			d := fold(strings.ToLower(alt))
			if strings.Contains(d, " ") || src[d] {
				continue
			}
			if _, seen := back[d]; !seen {
				back[d] = fold(s)
			}
		}
	}
	return back
}

// Distinctive returns the words of each side that the other side does not
// have, accent-folded: from, the source words whose translation differs
// and that are not target words ("cuesta", "pregunta"); to, the target
// words that are not source words ("custa", "pergunta"). One word of
// either says something of a text's language. Single words only.
func (t *Transfer) Distinctive() (from, to map[string]bool) {
	src, dst := map[string]bool{}, map[string]bool{}
	for s, d := range t.words {
		if strings.Contains(s, " ") {
			continue
		}
		src[fold(s)] = true
		for _, alt := range strings.Split(d, "|") {
			if !strings.Contains(alt, " ") {
				dst[fold(strings.ToLower(alt))] = true
			}
		}
	}
	from, to = map[string]bool{}, map[string]bool{}
	for w := range src {
		if !dst[w] {
			from[w] = true
		}
	}
	for w := range dst {
		if !src[w] {
			to[w] = true
		}
	}
	return from, to
}
