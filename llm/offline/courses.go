package offline

import (
	"maps"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// courseIndex holds the vocabulary's courses analysed for matching.
type courseIndex struct {
	// key identifies the courses it was built from.
	key     string
	courses []Named
	// names are each course's titles and slug, as words.
	names [][][]word
	// keywords are each course's keywords, as words.
	keywords [][][]word
	// df counts, for each word key, the courses that have it in a name:
	// a word every course has ("IA") says little about which one is meant.
	df map[string]int
	// an analyses the messages matched against the courses.
	an *analyzer
}

func wordKey(w word) string {
	if w.concept != "" {
		return "c:" + w.concept
	}
	return "s:" + w.es
}

func newCourseIndex(an *analyzer, cs []Named) *courseIndex {
	ix := &courseIndex{an: an, courses: cs, df: map[string]int{}}
	for _, c := range cs {
		var names [][]word
		seen := map[string]bool{}
		add := func(text string) {
			ws := contentWords(an.analyze(text))
			if len(ws) == 0 {
				return
			}
			names = append(names, ws)
			for _, w := range ws {
				seen[wordKey(w)] = true
			}
		}
		for _, lang := range slices.Sorted(maps.Keys(c.Titles)) {
			add(c.Titles[lang])
		}
		add(strings.NewReplacer("-", " ", "_", " ").Replace(c.Slug))
		var kws [][]word
		for _, k := range c.Keywords {
			if ws := contentWords(an.analyze(k)); len(ws) > 0 {
				kws = append(kws, ws)
			}
		}
		ix.names = append(ix.names, names)
		ix.keywords = append(ix.keywords, kws)
		for k := range seen {
			ix.df[k]++
		}
	}
	return ix
}

// contentWords drops function words and the words "course"/"curso",
// which every course name could carry.
func contentWords(ws []word) []word {
	out := ws[:0:0]
	for _, w := range ws {
		if w.stop || w.concept == "course" || isDigits(w.fold) {
			continue
		}
		out = append(out, w)
	}
	return out
}

// idf weighs a word by how few courses have it.
func (ix *courseIndex) idf(w word) float64 {
	n := float64(len(ix.courses))
	return math.Log(1 + n/float64(max(1, ix.df[wordKey(w)])))
}

// match scores each course against the message, without its words of the
// concepts in skip, and returns the best, with its score and the
// runner-up's.
func (ix *courseIndex) match(text string, skip map[string]bool) (best int, score, second float64) {
	best = -1
	for ci, s := range ix.scores(text, skip) {
		switch {
		case best < 0 || s > score:
			second = max(second, score)
			best, score = ci, s
		case s > second:
			second = s
		}
	}
	return best, score, second
}

// scores is how well the message, without its words of the concepts in
// skip, names each course: the share of a title's weight it has, 0.7 for
// a word of one course's name alone, 0.6 for a keyword of one course.
func (ix *courseIndex) scores(text string, skip map[string]bool) []float64 {
	msg := contentWords(ix.an.analyze(text))
	if len(skip) > 0 {
		msg = slices.DeleteFunc(msg, func(w word) bool { return skip[w.concept] })
	}
	out := make([]float64, len(ix.courses))
	for ci := range ix.courses {
		s := 0.0
		for _, name := range ix.names[ci] {
			var got, total float64
			distinct := false
			for _, nw := range name {
				w := ix.idf(nw)
				total += w
				m, lit := 0.0, 0.0
				for _, mw := range msg {
					m = max(m, nw.matches(mw))
					if nw.concept == "" || mw.concept != nw.concept || nw.es == mw.es || nw.fold == mw.fold {
						lit = max(lit, nw.matches(mw))
					}
				}
				got += w * m
				// A word of this course's name and no other's, long enough
				// not to be an accident ("marketing", "prompts", "rag"):
				// naming it is naming the course. Written as itself, or
				// mistyped: a word of its concept ("genera" of
				// "generativa") names what is done, not the course.
				if lit >= 0.8 && ix.df[wordKey(nw)] == 1 && utf8.RuneCountInString(nw.fold) >= 3 {
					distinct = true
				}
			}
			if total > 0 {
				s = max(s, got/total)
			}
			if distinct {
				s = max(s, 0.7)
			}
		}
		for _, kw := range ix.keywords[ci] {
			if coverage(kw, msg) >= 0.99 && ix.keywordUnique(ci, kw) {
				s = max(s, 0.6)
			}
		}
		out[ci] = s
	}
	return out
}

// namedAsWritten reports a content word of text, of three letters or
// more, that is a word of one of the course's names as it is written there
// (accents and case aside). A keyword is not enough: "whatsapp" is a topic
// of a marketing course and the name of a channel.
func (ix *courseIndex) namedAsWritten(text string, ci int) bool {
	own := map[string]bool{}
	for _, ws := range ix.names[ci] {
		for _, w := range ws {
			own[w.fold] = true
		}
	}
	return slices.ContainsFunc(contentWords(ix.an.analyze(text)), func(w word) bool {
		return utf8.RuneCountInString(w.fold) >= 3 && own[w.fold]
	})
}

// keywordUnique reports whether no other course has the keyword.
func (ix *courseIndex) keywordUnique(ci int, kw []word) bool {
	for cj := range ix.courses {
		if cj == ci {
			continue
		}
		for _, other := range ix.keywords[cj] {
			if coverage(kw, other) >= 0.99 {
				return false
			}
		}
		for _, name := range ix.names[cj] {
			if coverage(kw, name) >= 0.99 {
				return false
			}
		}
	}
	return true
}

// matchCourse finds the course the text names and returns its slug. loose
// (an answer to "which course?") accepts a weaker match.
func (r *run) matchCourse(text string, loose bool) (string, bool) {
	return r.matchCourseFor(nil, text, loose)
}

// matchCourseFor is matchCourse for an argument of tool: the words of
// what the tool does are the request, not the course's name ("me lo
// generas" of generate_document does not name "IA generativa").
func (r *run) matchCourseFor(tool *toolDef, text string, loose bool) (string, bool) {
	cs := r.courses()
	if len(cs) == 0 {
		return "", false
	}
	if r.courseIx == nil {
		r.courseIx = r.m.courseIndex(cs)
	}
	// A slug written as is.
	low := fold(text)
	for _, c := range cs {
		if strings.Contains(c.Slug, "-") && strings.Contains(low, fold(c.Slug)) {
			return c.Slug, true
		}
	}
	var skip map[string]bool
	if tool != nil {
		for _, w := range r.m.an.analyze(strings.ReplaceAll(tool.name, "_", " ")) {
			if w.concept != "" && w.concept != "course" {
				if skip == nil {
					skip = map[string]bool{}
				}
				skip[w.concept] = true
			}
		}
	}
	need := 0.6
	if loose {
		need = 0.45
	}
	best, score, second := r.courseIx.match(text, skip)
	if best >= 0 && score >= need && second > score-0.15 {
		// "haga el de fundamentos antes de meterme con lo de marketing":
		// the course of a clause of what comes before or after is not
		// the one asked for.
		if rest := withoutSequenceClauses(text); rest != text {
			best, score, second = r.courseIx.match(rest, skip)
		}
	}
	if best < 0 || score < need || second > score-0.15 {
		return "", false
	}
	return cs[best].Slug, true
}

// sequenceWords open a clause of what comes before or after.
var sequenceWords = lexWords("sequence_words")

// withoutSequenceClauses is text without its clauses of what comes before
// or after ("antes de meterme con lo de marketing", "after the RAG one"):
// from such a word to the end of its clause.
func withoutSequenceClauses(text string) string {
	toks := tokenize(text)
	var b strings.Builder
	last := 0
	for i := 0; i < len(toks); i++ {
		if !sequenceWords[toks[i].fold] {
			continue
		}
		b.WriteString(text[last:toks[i].start])
		last = len(text)
		for j := i + 1; j < len(toks); j++ {
			if strings.ContainsAny(text[toks[j-1].end:toks[j].start], ",.;:!?") {
				last = toks[j-1].end
				i = j - 1
				break
			}
		}
		if last == len(text) {
			break
		}
	}
	if last < len(text) {
		b.WriteString(text[last:])
	}
	return b.String()
}

// courseTitles lists the courses' titles in lang, for a question.
func (r *run) courseTitles() []string {
	var out []string
	for _, c := range r.courses() {
		out = append(out, c.Title(r.lang))
	}
	return out
}
