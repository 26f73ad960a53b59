package knowledge

import (
	"strings"
	"unicode"
)

// languageWords are frequent words of each language; a word in two lists
// is evidence for both. A read-only table.
var languageWords = map[string]map[string]bool{
	"es": wordSet(`de que el los las del al y en es por para con una un se lo le su sus como más pero
		este esta estos estas está están son ser hay muy también porque cuando donde sobre
		entre sin hasta desde todo todos nuestro nuestra puede pueden tiene tienen usted
		ustedes qué cómo cuál cuánto precio curso cursos días año años ya sí ni otro otra
		hacer siempre solo después ese esa eso puedes tu tus te nos les aquí ahora`),
	"en": wordSet(`the and of to in is are was were be been for on with as at by from this that
		these those it its you your we our they their he she his her have has had will would
		can could should not or but if then than there what which who when where how all any
		each more most other some such only also into about after before because while our
		do does did just may must`),
	"pt": wordSet(`de que o os as do da dos das no na nos nas em um uma é são não com para pelo pela
		pelos pelas mais mas como ao aos à às seu sua seus suas você vocês isso isto esse essa
		este esta está estão também quando onde sobre entre sem até todo todos nosso nossa
		pode podem tem têm já muito há foi ser ou curso cursos dias ano anos aqui agora
		então depois sempre só outro outra fazer`),
}

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// detectLanguage guesses whether text is Spanish, English or Portuguese from
// the function words it uses, or says "" when it cannot tell (too little
// text, or another language). Words shared by two of the languages ("como",
// "para", "este") count for both, so the distinctive ones decide.
func detectLanguage(text string) string {
	scores := map[string]int{}
	words := 0
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r)
	}) {
		words++
		for lang, set := range languageWords {
			if set[w] {
				scores[lang]++
			}
		}
		// Letters one language has and the others do not.
		switch {
		case strings.ContainsRune(w, 'ñ'):
			scores["es"] += 2
		case strings.ContainsAny(w, "ãõç"):
			scores["pt"] += 2
		case strings.HasSuffix(w, "ción") || strings.HasSuffix(w, "ciones"):
			scores["es"]++
		}
	}
	best, second, runnerUp := "", 0, ""
	for _, lang := range []string{"es", "en", "pt"} {
		switch s := scores[lang]; {
		case best == "" || s > scores[best]:
			if best != "" {
				second, runnerUp = scores[best], best
			}
			best = lang
		case s > second || runnerUp == "":
			second, runnerUp = s, lang
		}
	}
	top := scores[best]
	// Ask for some evidence, and a margin over the runner-up. A tie of
	// Spanish and Portuguese (on shared words: "de", "que", "para") goes to
	// Spanish, which Faro serves most: Portuguese text nearly always shows
	// some marks of its own (ã, ç, não, você).
	if top < 2 || top*10 < words {
		return ""
	}
	if top == second {
		if best == "es" && runnerUp == "pt" {
			return "es"
		}
		return ""
	}
	return best
}
