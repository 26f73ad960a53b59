package fulltext

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzTerms: any text gives terms without panic; folding is idempotent;
// terms are non-empty runs of letters and digits the stores can hold; and
// a query made of a document's own words finds it (every query term is
// among the document's terms, in each language and in none).
func FuzzTerms(f *testing.F) {
	for _, s := range []string{
		"Inscripciones abiertas para el curso de IA", "The courses START on Monday!", "ÁÉÍÓÚ ñandú Ǆ ǅ ß ﬁ İ",
		"123 45,6 x", "a\x00b\xffc", "", "  ", "Ⅻ ① ²",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		folded := Fold(text)
		if Fold(folded) != folded {
			t.Fatalf("Fold is not idempotent on %q: %q then %q", text, folded, Fold(folded))
		}
		for _, lang := range []string{"es", "en", "pt", ""} {
			doc := DocumentTerms(text, lang)
			for _, term := range doc {
				if term == "" || !utf8.ValidString(term) || strings.ContainsFunc(term, func(r rune) bool {
					return !unicode.IsLetter(r) && !unicode.IsDigit(r)
				}) {
					t.Fatalf("%s term %q of %q", lang, term, text)
				}
			}
			for _, q := range QueryTerms(text, lang) {
				if !slices.Contains(doc, q) {
					t.Fatalf("the query %q (%s) looks up %q, which its own text does not index (%q)", text, lang, q, doc)
				}
			}
		}
	})
}
