package offline

import (
	"strings"
)

// The languages the engine speaks.
const (
	langES = "es"
	langEN = "en"
	langPT = "pt"
)

// defaultLang answers when nothing tells the language: the business
// serves Spanish speakers first.
const defaultLang = langES

// langGuess is a detected language and how sure the detector is (0–1).
type langGuess struct {
	lang       string
	confidence float64
	// scores are the raw evidence for es, en and pt, for adding up the
	// evidence of several short messages.
	scores [3]float64
}

// detector is the lexicon's language detector (lexicon.Detector), the
// server's one: the agent pins conversations with it too. Read-only.
var detector = shipped.Detector()

// detectLang guesses the language of one message. Short messages ("ok",
// "gracias") get a low confidence whatever they contain, because one word
// is weak evidence and often shared.
func detectLang(text string) langGuess {
	g := detector.Detect(text)
	out := langGuess{lang: g.Lang, confidence: g.Confidence}
	for i, code := range langCodes {
		out.scores[i] = g.Scores[code]
	}
	return out
}

// langCodes are the languages the detector scores, in the order of its
// scores.
var langCodes = [3]string{langES, langEN, langPT}

// confidentLang is the confidence from which a message's language counts.
const confidentLang = 0.45

// explicitSwitch finds a request to change language ("in English please",
// "en español", "em português", "can you speak english?") and returns the
// language asked for, or "". A mention of a language that is not a request
// to speak it ("¿tienen cursos en inglés?") is not a switch.
func explicitSwitch(text string) string {
	// The clauses reClauses.Split finds, without the empty ones (which
	// switch nothing), and without running the pattern.
	for _, c := range strings.FieldsFunc(text, isClauseEnd) {
		if l := clauseSwitch(c); l != "" {
			return l
		}
	}
	return ""
}

// withoutSwitch returns text without its clauses that ask to change
// language ("can we switch to english please?"), so what else it asks can
// be answered.
func withoutSwitch(text string) string {
	if explicitSwitch(text) == "" {
		return text
	}
	var b strings.Builder
	rest := text
	for rest != "" {
		loc := reClauses.FindStringIndex(rest)
		clause, mark := rest, ""
		if loc != nil {
			clause, mark, rest = rest[:loc[0]], rest[loc[0]:loc[1]], rest[loc[1]:]
		} else {
			rest = ""
		}
		if strings.TrimSpace(clause) != "" && clauseSwitch(clause) == "" {
			b.WriteString(strings.TrimSpace(clause) + mark + " ")
		}
	}
	return strings.TrimSpace(b.String())
}

// isClauseEnd reports the runes of reClauses.
func isClauseEnd(r rune) bool { return r == '.' || r == '?' || r == '!' || r == '\n' }

// Words of a request to switch language; read-only.
var (
	switchNames  = languageNames()
	switchVerbs  = lexWords("switch_verbs")
	switchPolite = lexWords("switch_polite")
	switchPreps  = lexWords("language_prepositions")
)

// languageNames maps what each language of the lexicon is called
// ("ingles", "english") to its code.
func languageNames() map[string]string {
	out := map[string]string{}
	for _, code := range shipped.Codes() {
		for _, name := range lexOwnWords(code, "language_names") {
			out[name] = code
		}
	}
	return out
}

// clauseSwitch is explicitSwitch for one clause.
func clauseSwitch(text string) string {
	toks := folds(text)
	if len(toks) == 0 || len(toks) > 12 {
		return ""
	}
	for i, w := range toks {
		lang, ok := switchNames[w]
		if !ok {
			continue
		}
		// "in English", "en inglés", "em português" as a whole message or
		// followed or preceded only by courtesy.
		rest := 0
		for j, o := range toks {
			if j == i || (j == i-1 && switchPreps[o]) || switchPolite[o] {
				continue
			}
			rest++
		}
		if rest == 0 {
			return lang
		}
		// A verb of speaking before it: "respondeme en ingles", "can you
		// speak english", "fala em português".
		for j := max(0, i-4); j < i; j++ {
			if switchVerbs[toks[j]] {
				return lang
			}
		}
	}
	return ""
}
