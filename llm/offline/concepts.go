package offline

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/faroai/faro/lexicon"
)

// conceptIndex finds the concept of a folded word or two-word phrase.
// Built once; read-only afterwards.
type conceptIndex struct {
	// members are each concept's words in table order.
	members map[string][]string
	// byInitial are the one-word members by their first byte, for the
	// typos of long words (see near).
	byInitial map[byte][]string
	word      map[string]string
	pair      map[string]string // "a b" → concept
	es        map[string]string // Spanish stem → concept
	en        map[string]string // English stem → concept
}

// concepts is the read-only index of the lexicon's concept table.
var concepts = buildConcepts(lexicon.Concepts())

// spanishOf maps Portuguese words to the Spanish words they translate
// ("custa" → "cuesta", "aula" → "clase"): the knowledge base and the
// catalogue are written in Spanish and English, and a Portuguese word
// matches them only through its Spanish one. Read-only once built.
var spanishOf = func() map[string]string {
	t, err := lexicon.NewTransfer(langES, langPT)
	if err != nil {
		return nil // no table: Portuguese words match as they are
	}
	return t.Back()
}()

func buildConcepts(table []lexicon.Concept) *conceptIndex {
	ix := &conceptIndex{members: map[string][]string{}, byInitial: map[byte][]string{}, word: map[string]string{}, pair: map[string]string{}, es: map[string]string{}, en: map[string]string{}}
	for _, c := range table {
		name := c.Name
		for _, w := range c.Words {
			ix.members[name] = append(ix.members[name], strings.ReplaceAll(w, "_", " "))
			if a, b, two := strings.Cut(w, "_"); two {
				key := a + " " + strings.ReplaceAll(b, "_", " ")
				if _, dup := ix.pair[key]; !dup {
					ix.pair[key] = name
				}
				continue
			}
			if _, dup := ix.word[w]; dup {
				continue
			}
			ix.word[w] = name
			ix.byInitial[w[0]] = append(ix.byInitial[w[0]], w)
			// Stems of three letters or fewer catch unrelated words
			// ("sab" of "sábado" and of "saber").
			es, en := stemsOf(w)
			if _, dup := ix.es[es]; !dup && len(es) >= 4 {
				ix.es[es] = name
			}
			if _, dup := ix.en[en]; !dup && len(en) >= 4 {
				ix.en[en] = name
			}
		}
	}
	return ix
}

// of returns the concept of a folded word with its stems, or "".
func (ix *conceptIndex) of(w, es, en string) string {
	if c, ok := ix.word[w]; ok {
		return c
	}
	if c, ok := ix.es[es]; ok {
		return c
	}
	if c, ok := ix.en[en]; ok {
		return c
	}
	return ""
}

// minTypoLen is the fewest letters of a word read as a typo of a concept's
// word: shorter words are one letter away from too many others.
const minTypoLen = 7

// near returns the concept of the one word of the table a long folded word
// is a typo of (one letter wrong, missing or extra, the first kept:
// "certificdo", "inscripsion"), or "" when none or several concepts are.
func (ix *conceptIndex) near(w string) string {
	if len(w) < minTypoLen {
		return ""
	}
	found := ""
	for _, m := range ix.byInitial[w[0]] {
		if d := len(m) - len(w); d > 1 || d < -1 || len(m) < minTypoLen || !editWithin(w, m, 1) {
			continue
		}
		c := ix.word[m]
		if found != "" && c != found {
			return ""
		}
		found = c
	}
	return found
}

// word is a folded word with what matching needs of it, computed once.
type word struct {
	fold, es, en, concept string
	stop                  bool // a function word: no meaning for matching
	pos                   int  // index of its token in the text
	// of is what a question word asks about ("mails" of "cuántos mails").
	of *word
}

// analyzer turns text into words for matching. Stemming is the costly
// part of analysis (two Snowball stemmers a word), and the same few
// thousand words — of messages, passages, tool texts and course names —
// come back on every call, so an analyzer caches the stems of the words it
// has seen. A Model owns one; a nil analyzer stems every word afresh.
type analyzer struct {
	stemCache *textCache[stemPair]
	nearCache *textCache[string]
}

type stemPair struct{ es, en string }

const (
	// maxCachedStems bounds the stem cache: a few thousand words recur;
	// 16,384 of them take about 1.5 MiB.
	maxCachedStems = 1 << 14
	// maxStemmedLen is the longest word whose stems are cached: longer
	// ones are rare (URLs, garbage) and would only crowd out the others.
	maxStemmedLen = 40
)

func newAnalyzer() *analyzer {
	return &analyzer{stemCache: newTextCache[stemPair](maxCachedStems, 0), nearCache: newTextCache[string](maxCachedStems, 0)}
}

// near is the concept a long word is a typo of (see conceptIndex.near),
// cached as its stems are.
func (a *analyzer) near(w string) string {
	if len(w) < minTypoLen || len(w) > maxStemmedLen {
		return ""
	}
	if a == nil {
		return concepts.near(w)
	}
	if c, ok := a.nearCache.get(w); ok {
		return c
	}
	c := concepts.near(w)
	a.nearCache.put(w, c)
	return c
}

// stems returns the Spanish and English stems of a folded word, as
// [stemsOf] does.
func (a *analyzer) stems(w string) (es, en string) {
	if a == nil || isDigits(w) || len(w) > maxStemmedLen {
		return stemsOf(w)
	}
	if st, ok := a.stemCache.get(w); ok {
		return st.es, st.en
	}
	es, en = stemsOf(w)
	// The stems may be slices of w (a word too short to stem is itself):
	// copy them, as the cache copies its key, so that a cached word keeps
	// no message alive.
	a.stemCache.put(w, stemPair{strings.Clone(es), strings.Clone(en)})
	return es, en
}

// analyze turns text into words for matching. Two-word phrases of the
// concept table become one word ("inteligencia artificial" → concept ai).
func (a *analyzer) analyze(text string) []word {
	return a.analyzeTokens(tokenize(text))
}

func (a *analyzer) analyzeTokens(toks []token) []word {
	out := make([]word, 0, len(toks))
	for i := 0; i < len(toks); i++ {
		f := unshort(toks[i].fold)
		if i+1 < len(toks) {
			if c, ok := concepts.pair[f+" "+unshort(toks[i+1].fold)]; ok {
				out = append(out, word{fold: f + " " + toks[i+1].fold, es: c, en: c, concept: c, pos: i})
				i++
				continue
			}
		}
		if c, known := concepts.word[f]; !known && isStopWord(f) {
			// Function words need no stems (the costly part of analysis).
			out = append(out, word{fold: f, es: f, en: f, stop: true, pos: i})
			continue
		} else if known && isStopWord(f) {
			out = append(out, word{fold: f, es: f, en: f, concept: c, pos: i})
			continue
		}
		es, en := a.stems(f)
		w := word{fold: f, es: es, en: en, pos: i}
		if i > 0 && isCapitalized(toks[i].raw) {
			// A capitalised word inside a text is a name ("plan Starter",
			// "Growth"): only itself, not its stem, says what it means.
			w.concept = concepts.word[f]
		} else {
			w.concept = concepts.of(f, es, en)
			if w.concept == "" {
				w.concept = a.near(f)
			}
		}
		w.stop = isStopWord(f) && w.concept == ""
		out = append(out, w)
	}
	return out
}

// viaSpanish is a Portuguese word with the concept of the Spanish word it
// translates ("aula" → "clase": course), by which it matches the
// knowledge base's Spanish and English passages; other words as they are.
// Only concepts: the table also translates words of little meaning
// ("depois" → "luego") that would then match half the passages.
func (a *analyzer) viaSpanish(w word) word {
	src, ok := spanishOf[w.fold]
	if !ok || w.concept != "" || w.stop || utf8.RuneCountInString(w.fold) < 4 {
		return w
	}
	es, _ := a.stems(src)
	if c := concepts.of(src, es, w.en); c != "" {
		w.es, w.concept = es, c
	}
	return w
}

// spanishWord is a Portuguese word as the Spanish word it translates
// ("cartão" as "tarjeta"), concept or not, when that word is one of
// meaning: the ranking tries it for a word no passage has, and keeps it
// only where the passages have the Spanish one. Other words as they are.
func (a *analyzer) spanishWord(w word) word {
	if c := a.viaSpanish(w); c != w {
		return c
	}
	src, ok := spanishOf[w.fold]
	if !ok || w.concept != "" || w.stop || isStopWord(src) || utf8.RuneCountInString(src) < 4 {
		return w
	}
	w.es, _ = a.stems(src)
	return w
}

// shorthand maps chat shorthand to the word it stands for ("q": "que").
var shorthand = func() map[string]string {
	m := map[string]string{}
	for w := range lexWords("shorthand") {
		if short, full, ok := strings.Cut(w, "="); ok {
			m[short] = full
		}
	}
	return m
}()

// unshort is the word a folded token stands for.
func unshort(f string) string {
	if full, ok := shorthand[f]; ok {
		return full
	}
	return f
}

// isCapitalized reports whether a word starts with a capital and is not all
// capitals (an acronym like "IA" or "USD" is not a name).
func isCapitalized(raw string) bool {
	r, _ := utf8.DecodeRuneInString(raw)
	return unicode.IsUpper(r) && strings.ToUpper(raw) != raw
}

// matches reports how well two words match: 1 for the same word, stem or
// concept, 0.8 for a likely typo, 0 otherwise.
func (a word) matches(b word) float64 {
	switch {
	case a.fold == b.fold:
		return 1
	case a.concept != "" && a.concept == b.concept:
		return 1
	case isDigits(a.fold) || isDigits(b.fold):
		return 0
	case a.es == b.es || a.en == b.en:
		return 1
	}
	// A typo keeps the first letter: compare that before the lengths
	// (matching runs for every pair of message and example words).
	if a.fold == "" || b.fold == "" || a.fold[0] != b.fold[0] {
		return 0
	}
	k := min(typoTolerance(a.fold), typoTolerance(b.fold))
	if k > 0 && editWithin(a.fold, b.fold, k) {
		return 0.8
	}
	return 0
}

// stopSet holds the embedder's function words plus the lexicon's
// function_words: more of them ("each", "todavia") and chat fillers
// ("porfa", "pls") that carry no meaning for routing or answering.
var stopSet = func() map[string]bool {
	m := lexWords("function_words")
	for _, w := range strings.Fields(stopWords) {
		m[w] = true
	}
	return m
}()

func isStopWord(w string) bool {
	if len(w) < 2 && !isDigits(w) {
		return true
	}
	return stopSet[w]
}
