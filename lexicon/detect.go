package lexicon

import (
	"io/fs"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/faroai/faro/store/fulltext"
)

// Guess is what a Detector found in a text: the likeliest language ("" when
// nothing told), how sure it is (0 to 1), and the evidence for every
// language, which adds up over several messages.
type Guess struct {
	Lang       string
	Confidence float64
	Scores     map[string]float64
	// Words is how many words the text had; one or two words are weak
	// evidence whatever they are.
	Words int
}

// Detector guesses the language of short texts from each language file's
// marks: the words of language_marks (a word two files list is weak
// evidence for either), the words a transfer table translates (Spanish
// "cuesta", Portuguese "custa"), and the letters, endings, beginnings and
// inner letters (mark_letters, mark_endings, mark_starts, mark_inner) only
// one of them writes. It is the one detector of the server: the agent,
// the offline engine and the knowledge loader read languages alike.
// Read-only once built, so safe for concurrent use.
type Detector struct {
	codes []string
	// words maps a folded word to its weight for each language.
	words map[string]map[string]float64
	// letters maps a letter, as written, to its language.
	letters map[rune]string
	parts   []wordPart
	loan    map[string]bool
}

// wordPart is an ending, a beginning or an inner piece of one language's
// words.
type wordPart struct {
	lang, s string
	where   int // partEnd, partStart or partInner
}

const (
	partEnd = iota
	partStart
	partInner
)

// Weights of the evidence: a letter only one language writes is strong,
// a word of one language is one unit, a shared one less, a piece of a
// word least.
const (
	letterWeight   = 1.5
	ownWordWeight  = 1.0
	sharedWeight   = 0.4
	wordPartWeight = 0.5
	// confidentWords is the least number of words a text needs for a
	// guess to be more than weakly confident.
	confidentWords = 3
	weakConfidence = 0.3
)

// Detector builds the detector of the lexicon's languages.
func (lx *Lexicon) Detector() *Detector {
	d := &Detector{words: map[string]map[string]float64{}, letters: map[rune]string{}, loan: map[string]bool{}}
	for _, l := range lx.Languages {
		d.codes = append(d.codes, l.Code)
		for _, w := range strings.Fields(l.Words["language_marks"]) {
			if d.words[w] == nil {
				d.words[w] = map[string]float64{}
			}
			d.words[w][l.Code] = ownWordWeight
		}
		for _, s := range strings.Fields(l.Words["mark_letters"]) {
			for _, r := range s {
				d.letters[r] = l.Code
			}
		}
		for where, name := range []string{"mark_endings", "mark_starts", "mark_inner"} {
			for _, s := range strings.Fields(l.Words[name]) {
				d.parts = append(d.parts, wordPart{lang: l.Code, s: s, where: where})
			}
		}
		for _, w := range strings.Fields(l.Words["loanwords"]) {
			d.loan[w] = true
		}
	}
	for _, ws := range d.words {
		if len(ws) > 1 {
			for l := range ws {
				ws[l] = sharedWeight
			}
		}
	}
	d.addTransferWords()
	return d
}

// addTransferWords adds the words one language of a transfer table says
// and the other does not, when no language lists them as marks: the
// tables know many more words than the marks do. Short words are too often
// shared with a third language ("ia", "use") to count.
func (d *Detector) addTransferWords() {
	names, _ := fs.Glob(files, "*-*.txt")
	for _, name := range names {
		from, to, ok := strings.Cut(strings.TrimSuffix(name, ".txt"), "-")
		if !ok {
			continue
		}
		t, err := NewTransfer(from, to)
		if err != nil {
			continue // the package's tests parse every table
		}
		src, dst := t.Distinctive()
		for lang, set := range map[string]map[string]bool{from: src, to: dst} {
			other := dst
			if lang == to {
				other = src
			}
			for w := range set {
				f := fulltext.Fold(w)
				if utf8.RuneCountInString(f) < 4 || d.words[f] != nil || other[w] || other[f] {
					continue
				}
				d.words[f] = map[string]float64{lang: ownWordWeight}
			}
		}
	}
}

// Detect guesses the language of text. A text with fewer than three words
// is never guessed with more than weak confidence.
func (d *Detector) Detect(text string) Guess {
	g := Guess{Scores: make(map[string]float64, len(d.codes))}
	for _, field := range strings.Fields(text) {
		// Addresses are no language ("com" is Portuguese for "with").
		if strings.Contains(field, "@") || strings.Contains(field, "://") || strings.HasPrefix(field, "www.") {
			continue
		}
		lower := strings.ToLower(field)
		for _, r := range lower {
			if l, ok := d.letters[r]; ok {
				g.Scores[l] += letterWeight
			}
		}
		for _, w := range strings.FieldsFunc(strings.ReplaceAll(lower, "’", "'"), notWordRune) {
			w = strings.Trim(w, "'")
			if w == "" || isNumber(w) {
				continue
			}
			g.Words++
			f := fulltext.Fold(w)
			for l, weight := range d.words[f] {
				g.Scores[l] += weight
			}
			if l := d.partOf(f); l != "" {
				g.Scores[l] += wordPartWeight
			}
		}
	}
	best, second := "", ""
	for _, l := range d.codes {
		switch s := g.Scores[l]; {
		case best == "" || s > g.Scores[best]:
			best, second = l, best
		case second == "" || s > g.Scores[second]:
			second = l
		}
	}
	top := g.Scores[best]
	if top == 0 || top == g.Scores[second] {
		return g
	}
	g.Lang = best
	g.Confidence = (top - g.Scores[second]) / top * min(1, top/3)
	if g.Words < confidentWords {
		g.Confidence = min(g.Confidence, weakConfidence)
	}
	return g
}

// partOf is the language whose ending, beginning or inner piece the
// folded word w has, the first found; "" for none or a loanword.
func (d *Detector) partOf(w string) string {
	if d.loan[w] {
		return ""
	}
	for _, p := range d.parts {
		n := len(w) - len(p.s)
		switch {
		case p.where == partEnd && n >= 2 && strings.HasSuffix(w, p.s),
			p.where == partStart && n >= 1 && strings.HasPrefix(w, p.s),
			p.where == partInner && strings.Contains(w, p.s):
			return p.lang
		}
	}
	return ""
}

func notWordRune(r rune) bool {
	return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r) && r != '\''
}

func isNumber(w string) bool {
	return strings.IndexFunc(w, func(r rune) bool { return !unicode.IsDigit(r) }) < 0
}
