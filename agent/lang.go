package agent

import (
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/faroai/faro/lexicon"
)

// The languages Faro speaks.
var languages = []string{"es", "en", "pt"}

func supportedLanguage(l string) bool {
	return l == "es" || l == "en" || l == "pt"
}

// langWords are words typical of each language, accent-folded. A word in
// two lists is evidence for both; the distinctive ones decide. Read-only.
var langWords = map[string]map[string]bool{
	"es": wordSet(`de que el los las del al y en es por para con una un se lo le su sus como mas pero
		este esta estos estas estan son ser hay muy tambien porque cuando donde sobre entre sin hasta
		desde todo todos nuestro nuestra puede pueden tiene tienen usted ustedes cual cuanto cuesta
		precio curso cursos dias ano anos ya si ni otro otra hacer quiero quisiera necesito tengo
		puedo hola gracias buenas buenos tardes noches dime mi me yo eso ese esa aqui ahora
		informacion inscribirme inscripcion certificado pago pagar cuando hablar persona ayuda
		favor vale claro bueno pues tambien cuantos cuantas donde gustaria saber`),
	"en": wordSet(`the and of to in is are was were be been for on with as at by from this that these
		those it its you your we our they their he she his her have has had will would can could
		should not or but if then than there what which who when where how all any each more most
		other some such only also into about after before because while do does did just may must
		hi hello hey thanks thank please want need i my me course courses price cost much many
		sign up talk speak person help know tell get like would im dont cant yes`),
	"pt": wordSet(`de que o os as do da dos das no na nos nas em um uma e sao nao com para pelo pela
		pelos pelas mais mas como ao aos seu sua seus suas voce voces isso isto esse essa este esta
		estao tambem quando onde sobre entre sem ate todo todos nosso nossa pode podem tem ja muito
		ha foi ser ou curso cursos dias ano anos aqui agora entao depois sempre so outro outra fazer
		ola oi obrigado obrigada quero gostaria preciso tenho posso falar pessoa ajuda quanto custa
		preco certificado inscrever bom dia boa tarde noite sim obg vcs`),
}

// distinctiveWords are the Spanish and the Portuguese words of the
// lexicon's transfer table that the other language does not have,
// accent-folded; read once, read-only after.
var distinctiveWords = sync.OnceValues(func() (es, pt map[string]bool) {
	t, err := lexicon.NewTransfer("es", "pt")
	if err != nil {
		return nil, nil // the table ships with the binary; its tests load it
	}
	from, to := t.Distinctive()
	es, pt = map[string]bool{}, map[string]bool{}
	for w := range from {
		es[fold(w)] = true
	}
	for w := range to {
		if f := fold(w); !es[f] {
			pt[f] = true
		}
	}
	for w := range es {
		if pt[w] {
			delete(es, w)
		}
	}
	return es, pt
})

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// fold lower-cases s and strips its accents ("Inglés" → "ingles"), keeping
// ñ apart as n: users write with and without accents alike.
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// detection is what detectLanguage found.
type detection struct {
	// Lang is the best guess, "" when there is no evidence at all.
	Lang string
	// Confident is true when the message says clearly which language it
	// is in: enough distinctive words and a margin over the others. Only
	// a confident detection pins a conversation's language.
	Confident bool
}

// detectLanguage guesses the language of a user message. Short messages
// ("ok", "gracias", "sí") give a guess but never confidence, so that they
// cannot flip a conversation's language.
func detectLanguage(text string) detection {
	// Addresses say nothing of the language ("ana@example.com" is not
	// Portuguese for "com").
	fields := strings.Fields(text)
	fields = slices.DeleteFunc(fields, func(f string) bool { return strings.ContainsAny(f, "@/") })
	lower := strings.ToLower(strings.Join(fields, " "))
	scores := map[string]int{}
	n := 0
	for _, w := range words(fold(lower)) {
		n++
		for _, l := range languages {
			if langWords[l][w] {
				scores[l]++
			}
		}
	}
	// The words Spanish and Portuguese translate differently, from the
	// lexicon's transfer table: "custa", "proposta", "validade" are
	// Portuguese, "cuesta", "propuesta", "validez" Spanish.
	esOnly, ptOnly := distinctiveWords()
	for _, w := range words(fold(lower)) {
		// Short words are too often shared ("ia", "use").
		if len(w) < 4 || langWords["es"][w] || langWords["pt"][w] || langWords["en"][w] {
			continue
		}
		switch {
		case esOnly[w]:
			scores["es"]++
		case ptOnly[w]:
			scores["pt"]++
		}
	}
	// Letters and endings one language has and the others do not.
	for _, w := range words(lower) {
		switch {
		case strings.ContainsRune(w, 'ñ'), strings.HasSuffix(w, "ción"), strings.HasSuffix(w, "ciones"):
			scores["es"] += 2
		case strings.ContainsAny(w, "ãõç"), strings.HasSuffix(w, "ção"), strings.HasSuffix(w, "ções"):
			scores["pt"] += 2
		}
	}
	if strings.ContainsAny(text, "¿¡") {
		scores["es"] += 2
	}
	best, second := "", 0
	for _, l := range languages {
		s := scores[l]
		switch {
		case best == "" || s > scores[best]:
			if best != "" {
				second = scores[best]
			}
			best = l
		case s > second:
			second = s
		}
	}
	top := scores[best]
	if top == 0 {
		return detection{}
	}
	if top == second {
		// Spanish and Portuguese share many words; Portuguese text nearly
		// always shows marks of its own, so a tie leans Spanish, but
		// never confidently.
		if scores["es"] == top {
			return detection{Lang: "es"}
		}
		return detection{Lang: best}
	}
	confident := n >= 3 && top >= 2 && top-second >= 2 && top*4 >= n
	return detection{Lang: best, Confident: confident}
}

// languageNames are how users name the languages, accent-folded.
var languageNames = map[string][]string{
	"es": {"espanol", "castellano", "spanish", "espanhol"},
	"en": {"ingles", "english", "inglish"},
	"pt": {"portugues", "portuguese", "portugese"},
}

// switchVerb is a request that, with a language name, asks for a change
// ("speak English", "háblame en español", "pode falar em português");
// politeness counts too in a short message ("English please", "en
// español por favor"). Both accent-folded.
var (
	switchVerb = regexp.MustCompile(`\b(speak|talk|answer|reply|respond|write|switch|habla|hablame|hablemos|hablar|hablarme|responde|respondeme|responder|contesta|contestame|escribe|escribeme|escribir|cambia|cambiemos|fala|fale|falar|falemos|responda|escreva|escrever|mude|mudar)\b`)
	politely   = regexp.MustCompile(`\b(please|pls|plz|por favor|porfa|porfavor|pf)\b`)
)

// requestedLanguage reports the language the message explicitly asks the
// conversation to continue in, or "". A question about a language ("is the
// course in English?") is not a request.
func requestedLanguage(text string) string {
	// "In English please: what's our MRR this month?": a request that
	// opens the message, before what it asks.
	if i := strings.IndexAny(text, ":,;–—"); i > 0 && i < len(text)-1 {
		if l := requestedLanguage(text[:i]); l != "" {
			return l
		}
	}
	f := fold(text)
	ws := words(f)
	if len(ws) == 0 || len(ws) > 14 {
		return ""
	}
	found, named := "", ""
	for _, l := range languages {
		for _, name := range languageNames[l] {
			if containsWord(ws, name) {
				if found != "" && found != l {
					return "" // "I speak English and Spanish": no request
				}
				found, named = l, name
			}
		}
	}
	if found == "" {
		return ""
	}
	// "English please", "in English", "en español por favor": the whole
	// message is about the language.
	short := len(ws) <= 3 && (ws[0] == named || ws[0] == "in" || ws[0] == "en" || ws[0] == "em")
	if short || switchVerb.MatchString(f) || (len(ws) <= 5 && politely.MatchString(f)) {
		return found
	}
	return ""
}

func containsWord(ws []string, w string) bool {
	for _, x := range ws {
		if x == w {
			return true
		}
	}
	return false
}

// pinLanguage decides a conversation's language after a user message: an
// explicit request wins; otherwise a confident detection pins a
// conversation that has no language yet; otherwise it stays as it is.
// changed reports a new pin.
func pinLanguage(current, text string) (lang string, changed bool) {
	if req := requestedLanguage(text); req != "" {
		return req, req != current
	}
	if current == "" {
		if d := detectLanguage(text); d.Confident {
			return d.Lang, true
		}
	}
	return current, false
}
