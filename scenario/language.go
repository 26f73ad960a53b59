package scenario

import (
	"regexp"
	"strings"

	"github.com/faroai/faro/store/fulltext"
)

// languageWords are frequent words of each language, folded (no accents,
// since people and replies drop them). A word in two lists counts for both,
// so the distinctive ones decide. It is read-only.
var languageWords = map[string]map[string]bool{
	"es": wordSet(`de que en el la los las del al y es por para con una un unos unas se lo le les su sus como mas pero
		este esta estos estas esto estan son ser hay muy tambien porque cuando donde sobre entre sin hasta
		desde todo todos nuestro nuestra nuestros puede pueden puedes tiene tienen tienes usted ustedes
		que cual cuales cuanto cuanta ya si ni otro otra hacer solo despues ese esa eso tu tus te nos aqui
		ahora gracias hola quiero necesito persona hablar dias ano anos semanas precio cursos curso
		informacion ayuda ayudarte equipo correo tenemos puedo contigo lamento siento encontre`),
	"en": wordSet(`the and of to in is are was were be been for on with as at by from this that these those
		it its you your we our they their he she his her have has had will would can could should not or
		but if then than there what which who when where how all any each more most other some such only
		also into about after before because while do does did just may must i im thanks thank hello hi
		please want need person talk course courses price days weeks help team email found sorry`),
	"pt": wordSet(`de que o os as do da dos das no na nos nas em um uma e sao nao com para pelo pela pelos
		pelas mais mas como ao aos seu sua seus suas voce voces isso isto esse essa este esta estao tambem
		quando onde sobre entre sem ate todo todos nosso nossa pode podem tem ja muito ha foi ser ou
		depois sempre so outro outra fazer obrigado obrigada ola quero preciso pessoa falar dias ano anos
		semanas preco cursos curso informacao ajuda ajudar equipe encontrei desculpe posso voces aqui agora`),
}

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// noise is what says nothing about a reply's language: links, addresses,
// citation markers.
var noise = regexp.MustCompile(`https?://\S+|\S+@\S+|\[[^\]]*\]|\S+\.(?:md|html|csv|txt|example)\S*`)

// DetectLanguage says whether text is Spanish (es), English (en) or
// Portuguese (pt) from the function words it uses and letters only one of
// them has, or "" when it cannot tell. It reads replies, so links,
// e-mail addresses and citation markers are ignored. Ties between Spanish
// and Portuguese go to Spanish.
func DetectLanguage(text string) string {
	text = noise.ReplaceAllString(text, " ")
	scores := map[string]int{}
	lower := strings.ToLower(text)
	// Letters and endings one language has and the others do not.
	scores["es"] += 2 * (strings.Count(lower, "ñ") + strings.Count(lower, "¿") + strings.Count(lower, "¡") + strings.Count(lower, "ción"))
	scores["pt"] += 2 * (strings.Count(lower, "ã") + strings.Count(lower, "õ") + strings.Count(lower, "ç") + strings.Count(lower, "ê"))
	for _, w := range fulltext.Words(text) {
		for lang, set := range languageWords {
			if set[w] {
				scores[lang]++
			}
		}
	}
	best, bestScore, tie := "", 0, false
	for _, lang := range []string{"es", "en", "pt"} { // es first: it wins ties with pt
		switch s := scores[lang]; {
		case s > bestScore:
			best, bestScore, tie = lang, s, false
		case s == bestScore && s > 0 && !(best == "es" && lang == "pt"):
			tie = true
		}
	}
	if tie || bestScore == 0 {
		return ""
	}
	return best
}
