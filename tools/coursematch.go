package tools

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/faroai/faro/store"
)

// courseMatch is a course a user's words may name, with how well.
type courseMatch struct {
	course store.Course
	score  float64 // 0..1
}

// Thresholds of [matchCourses]: a name must be covered this well to count,
// and the best must lead the next by this much to be taken alone.
const (
	courseMatchMin    = 0.6
	courseMatchMargin = 0.2
)

// matchStopWord reports whether w, a word of a course name or of a
// request, says nothing about which course is meant (es and en).
func matchStopWord(w string) bool {
	switch w {
	case "de", "del", "la", "el", "los", "las", "para", "con", "en", "y", "a", "al", "un", "una", "curso", "cursos",
		"practica", "the", "for", "with", "of", "and", "in", "to", "an", "course", "courses", "practice", "quiero",
		"inscribirme", "enroll", "me", "sign", "up":
		return true
	}
	return false
}

// matchCourses ranks the courses a text names by their slug or their
// title in Spanish or English: folded (case, accents), word by word, with
// typos forgiven (one edit in a word of 4-6 letters, two in longer ones)
// and plurals and prefixes of long words taken ("automatizacion" for
// "Automatización con agentes"). It returns the courses whose best name is
// covered at least [courseMatchMin], best first.
func matchCourses(text string, courses []store.Course) []courseMatch {
	q := contentTokens(strings.ReplaceAll(text, "-", " "))
	if len(q) == 0 {
		return nil
	}
	var out []courseMatch
	for _, c := range courses {
		best := 0.0
		for _, name := range []string{c.Title.ES, c.Title.EN, strings.ReplaceAll(c.Slug, "-", " ")} {
			best = max(best, nameCoverage(q, contentTokens(name)))
		}
		if foldText(text) == foldText(c.Slug) || foldText(text) == foldText(c.Title.ES) || foldText(text) == foldText(c.Title.EN) {
			best = 1.01 // the exact name beats a close one
		}
		if best >= courseMatchMin {
			out = append(out, courseMatch{course: c, score: best})
		}
	}
	slices.SortStableFunc(out, func(a, b courseMatch) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return strings.Compare(a.course.Slug, b.course.Slug)
	})
	return out
}

// pickCourse returns the one course the matches name, or the candidates
// when several are close.
func pickCourse(matches []courseMatch) (store.Course, []store.Course, bool) {
	if len(matches) == 0 {
		return store.Course{}, nil, false
	}
	if len(matches) == 1 || matches[0].score-matches[1].score >= courseMatchMargin {
		return matches[0].course, nil, true
	}
	var cands []store.Course
	for _, m := range matches {
		if matches[0].score-m.score < courseMatchMargin {
			cands = append(cands, m.course)
		}
	}
	return store.Course{}, cands, false
}

// nameCoverage is the share of a name's words (weighted by length, so
// "IA" counts less than "marketing") found in the query.
func nameCoverage(query, name []string) float64 {
	var got, total float64
	for _, nw := range name {
		w := float64(min(utf8.RuneCountInString(nw), 8))
		total += w
		for _, qw := range query {
			if wordsMatch(qw, nw) {
				got += w
				break
			}
		}
	}
	if total == 0 {
		return 0
	}
	return got / total
}

func wordsMatch(q, n string) bool {
	if q == n {
		return true
	}
	lq, ln := utf8.RuneCountInString(q), utf8.RuneCountInString(n)
	if lq >= 5 && ln >= 5 && (strings.HasPrefix(n, q) || strings.HasPrefix(q, n)) {
		return true
	}
	switch short := min(lq, ln); {
	case short < 4:
		return false
	case short <= 6:
		return editDistance(q, n) <= 1
	default:
		return editDistance(q, n) <= 2
	}
}

func contentTokens(s string) []string {
	var out []string
	for _, w := range strings.Fields(foldText(s)) {
		if !matchStopWord(w) {
			out = append(out, w)
		}
	}
	return out
}
