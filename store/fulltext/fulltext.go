// Package fulltext turns text into the terms both storage backends index and
// search. Folding (case, accents) and Snowball stemming happen here, in Go,
// so SQLite FTS5 and PostgreSQL tsvector see the same terms and rank the same
// documents: "inscripcion" finds "inscripciones", "courses" finds "course".
//
// Portuguese has no Snowball stemmer in the library we use; Portuguese text
// is stemmed with the Spanish rules, which share most inflections.
package fulltext

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
	"github.com/kljensen/snowball/spanish"
	"golang.org/x/text/unicode/norm"
)

// Languages are the languages with their own stemming; any other language
// (or "") is stemmed with each of them.
var Languages = []string{"es", "en"}

// Fold lowercases s and strips accents and other combining marks. It runs
// on every indexed word, so ASCII takes a fast path and other runes are
// decomposed one at a time instead of through a transform chain.
func Fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	var dec [16]byte
	for _, r := range s {
		if r < utf8.RuneSelf {
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		n := utf8.EncodeRune(dec[:], r)
		for _, d := range string(norm.NFD.Append(nil, dec[:n]...)) {
			if !unicode.Is(unicode.Mn, d) {
				b.WriteRune(unicode.ToLower(d))
			}
		}
	}
	return b.String()
}

// Words splits folded text into words: runs of letters and digits.
func Words(s string) []string {
	return strings.FieldsFunc(Fold(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// Stem returns the Snowball stem of a folded word in lang ("es", "pt" and
// "en"; other languages are returned as they are).
func Stem(word, lang string) string {
	switch lang {
	case "es", "pt":
		return spanish.Stem(word, false)
	case "en":
		return english.Stem(word, false)
	}
	return word
}

// DocumentTerms returns the terms to index for text written in lang, in
// order, repeats kept (term frequency counts). Stop words are dropped. When
// lang is unknown each word is indexed under every language's stem.
func DocumentTerms(text, lang string) []string {
	words := Words(text)
	terms := make([]string, 0, len(words))
	for _, w := range words {
		if isStop(w) {
			continue
		}
		terms = appendStems(terms, w, lang)
	}
	return terms
}

// QueryTerms returns the distinct terms to look up for a query in lang.
// When lang is unknown, each word is looked up under every language's stem.
func QueryTerms(text, lang string) []string {
	seen := map[string]bool{}
	var terms []string
	for _, w := range Words(text) {
		if isStop(w) {
			continue
		}
		for _, t := range appendStems(nil, w, lang) {
			if !seen[t] {
				seen[t] = true
				terms = append(terms, t)
			}
		}
	}
	return terms
}

func appendStems(dst []string, w, lang string) []string {
	if isNumber(w) {
		return append(dst, w)
	}
	switch lang {
	case "es", "pt", "en":
		return append(dst, Stem(w, lang))
	}
	first := ""
	for i, l := range Languages {
		s := Stem(w, l)
		if i == 0 {
			first = s
			dst = append(dst, s)
		} else if s != first {
			dst = append(dst, s)
		}
	}
	return dst
}

func isNumber(w string) bool {
	for _, r := range w {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

func isStop(w string) bool {
	if len([]rune(w)) < 2 && !isNumber(w) {
		return true
	}
	_, ok := stopWords[w]
	return ok
}

// stopWords are folded function words of Spanish, English and Portuguese
// that carry no meaning for search. A read-only table.
var stopWords = func() map[string]struct{} {
	m := map[string]struct{}{}
	for _, w := range strings.Fields(`
		a al algo algun alguna algunas alguno algunos ante antes aqui asi aun cada como con contra cual cuales cuando de del desde donde dos el ella ellas ello ellos en entre era eran es esa esas ese eso esos esta estan estas este esto estos fue fueron ha habia han hasta hay la las le les lo los mas me mi mis mucho muy nada ni no nos nosotros o os otra otro para pero poco por porque que quien se sea ser si sin sobre son su sus tambien te tiene tienen tu tus un una uno unos unas usted ustedes y ya yo quiero puedo hola gracias
		about an and are as at be been but by can could did do does for from had has have how i if in into is it its me my of on or our so than that the their them then there these they this to was we were what when where which who why will with would you your hello hi please thanks want
		ao aos as com da das do dos ela ele eles em essa esse esta este eu isso mais mas na nas nao no nos num numa os ou pela pelo por pra qual quando se sem seu sua tem um uma voce voces obrigado ola
	`) {
		m[w] = struct{}{}
	}
	return m
}()
