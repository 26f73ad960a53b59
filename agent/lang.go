package agent

import (
	"regexp"
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

// detector is the lexicon's language detector, the one the offline
// engine and the knowledge loader read languages with; built once,
// read-only after.
var detector = sync.OnceValue(func() *lexicon.Detector {
	lx, err := lexicon.Builtin()
	if err != nil {
		panic("agent: " + err.Error()) // the lexicon's tests parse the shipped files
	}
	return lx.Detector()
})

// confidentLanguage is the detector's confidence from which a message
// pins a conversation's language.
const confidentLanguage = 0.45

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
	g := detector().Detect(text)
	return detection{Lang: g.Lang, Confident: g.Lang != "" && g.Confidence >= confidentLanguage}
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
