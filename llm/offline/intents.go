package offline

import (
	"regexp"
	"slices"
	"strings"
)

// Small talk is recognised by word lists, not by similarity: the messages
// are short and formulaic, and a greeting must never be mistaken for a
// request (nor "hola, quiero inscribirme" for a mere greeting). The lists
// are the lexicon's (lexicon/*.yaml, "words:"), each the union of every
// language's.

var (
	greetingSet   = lexWords("greeting")
	thanksSet     = lexWords("thanks")
	byeSet        = lexWords("bye")
	ackSet        = lexWords("ack")
	questionWords = lexWords("question_words")
	auxQuestion   = lexWords("aux_question")
)

// isGreetingWord reports whether w only greets.
func isGreetingWord(w string) bool { return greetMarkers[w] }

// smallTalk is what a message that is nothing but small talk is.
type smallTalk int

const (
	talkNone smallTalk = iota
	talkGreeting
	talkThanks
	talkBye
	talkAck
)

// Words that make a message small talk of one kind; the rest of the sets
// above may accompany them ("muchas gracias", "see you later").
var (
	thanksMarkers = lexWords("thanks_markers")
	laughter      = lexWords("laughter")
	byeMarkers    = lexWords("bye_markers")
	greetMarkers  = lexWords("greet_markers")
)

// classifySmallTalk returns the kind of small talk a message is, or
// talkNone when it says anything else.
func classifySmallTalk(toks []token) smallTalk {
	var greet, thanks, bye bool
	for i, t := range toks {
		w := t.fold
		switch {
		case questionWords[w] && !(greetingSet[w] && (i+1 == len(toks) || greetingSet[toks[i+1].fold])):
			// "ok perfect, and how much is it?" asks, in words that are
			// all common ones; "how are you?" greets.
			return talkNone
		case thanksMarkers[w]:
			thanks = true
		case byeMarkers[w]:
			bye = true
		case greetMarkers[w]:
			greet = true
		case ackSet[w] || thanksSet[w] || byeSet[w] || greetingSet[w] || isStopWord(w) || laughter[w]:
		default:
			return talkNone
		}
	}
	switch {
	case bye:
		return talkBye
	case thanks:
		return talkThanks
	case greet:
		return talkGreeting
	}
	// "ok", "perfecto", or nothing but an emoji.
	return talkAck
}

// startsWithGreeting reports whether the message opens with a greeting: a
// question word that comes with greetings ("que tal", "how are you") opens
// a question instead.
func startsWithGreeting(toks []token) bool {
	return len(toks) > 0 && greetingSet[toks[0].fold] && !questionWords[toks[0].fold]
}

var affirmSet = lexWords("affirm")
var denySet = lexWords("deny")

// isAffirmation reports a short yes ("sí, por favor", "dale", "yes please").
func isAffirmation(toks []token) bool {
	if len(toks) == 0 || len(toks) > 6 {
		return false
	}
	if denySet[toks[0].fold] {
		return false
	}
	return affirmSet[toks[0].fold] || (len(toks) > 1 && toks[0].fold == "por" && toks[1].fold == "favor")
}

// isDenial reports a short no ("no gracias", "nah").
func isDenial(toks []token) bool {
	return len(toks) > 0 && len(toks) <= 5 && denySet[toks[0].fold]
}

var (
	cancelSet     = lexWords("cancel")
	cancelPhrases = lexCues("cancel_phrases")
)

// isCancel reports a request to drop the task at hand ("olvídalo",
// "cancelar", "never mind", "mejor no").
func isCancel(toks []token) bool {
	if len(toks) == 0 || len(toks) > 6 {
		return false
	}
	for i, t := range toks {
		if cancelSet[t.fold] {
			return true
		}
		for _, p := range cancelPhrases {
			if phraseAt(toks, i, p) {
				return true
			}
		}
	}
	return false
}

var (
	talkVerbs   = lexWords("talk_verbs")
	speechVerbs = lexWords("speech_verbs")
	humanWords  = lexWords("human_words")
	soloHuman   = lexWords("solo_human")
	weakHuman   = lexWords("weak_human")
)

// contactVerbs ask to be contacted: "que me contacte un asesor".
var contactVerbs = lexWords("contact_verbs")

// asksToBeContacted reports a request that a person of the business get
// in touch ("quisiera que me contacte un asesor", "have a rep call me"):
// a verb of contacting near a word for a person.
func asksToBeContacted(toks []token) bool {
	for i, t := range toks {
		if !humanWords[t.fold] {
			continue
		}
		for j := max(0, i-4); j < min(len(toks), i+4); j++ {
			if contactVerbs[toks[j].fold] {
				return true
			}
		}
	}
	return false
}

// isHandoff reports a request to talk to a person: a word of talking near
// one of a person ("quiero hablar con un humano", "can I talk to someone",
// "pasame con un asesor"), or a short message that is just "humano".
func isHandoff(toks []token) bool {
	for i, t := range toks {
		if !humanWords[t.fold] {
			continue
		}
		if len(toks) <= 3 && soloHuman[t.fold] {
			return true
		}
		if i+1 < len(toks) && (t.fold == "persona" || t.fold == "person" || t.fold == "pessoa") && (toks[i+1].fold == "real" || toks[i+1].fold == "de") {
			// "la persona de contacto es Marta" names someone, asks for
			// no one.
			if !(i+2 < len(toks) && (toks[i+2].fold == "contacto" || toks[i+2].fold == "contato")) {
				return true
			}
		}
		if i > 0 && toks[i-1].fold == "real" {
			return true
		}
		// "alguien", "equipo", "support" alone are too common; they need a
		// verb of talking right before ("hablar con alguien") or right
		// after ("a person I can talk to", "alguém pra conversar").
		weak := weakHuman[t.fold]
		for j := max(0, i-4); j < min(len(toks), i+6); j++ {
			v := toks[j].fold
			if j == i || !talkVerbs[v] {
				continue
			}
			if weak && (v == "quiero" || v == "need" || v == "want") || j > i && !speechVerbs[v] {
				continue
			}
			return true
		}
	}
	return false
}

// isQuestion reports whether a message is phrased as a question: a
// question mark, or a clause that opens with a question word ("…, q hago").
func isQuestion(text string, toks []token) bool {
	if strings.ContainsAny(text, "?¿") {
		return true
	}
	for _, c := range reFocusClauses.Split(text, -1) {
		ct := tokenize(c)
		for i, t := range ct {
			// "se" opens a question only before another opener ("se puede
			// pagar…"): "se queda la ruedita girando" states a problem.
			aux := i == 0 && auxQuestion[t.fold] && (t.fold != "se" || len(ct) > 1 && auxQuestion[ct[1].fold])
			if i <= 2 && questionWords[t.fold] || aux {
				return true
			}
			// "… y cuándo empieza", "quisiera saber …", "tell me …".
			if i > 0 && questionWords[t.fold] && conjunctions[ct[i-1].fold] {
				return true
			}
			if knowVerbs[t.fold] && (i == 0 || concepts.word[ct[i-1].fold] == "want" || ct[i-1].fold == "to") {
				return true
			}
		}
	}
	return false
}

var (
	conjunctions = lexWords("conjunctions")
	knowVerbs    = lexWords("know_verbs")
)

// asksForInformation reports a question that asks for information ("¿se
// puede pagar en cuotas?", "¿ustedes venden mis datos?", "q hago") rather
// than a request phrased as one ("¿me inscribes?", "can you sign me up?",
// "quiero abrir un ticket, ¿me ayudas?").
func asksForInformation(an *analyzer, text string) bool {
	if !isQuestion(text, tokenize(text)) {
		return false
	}
	// A fact asked in the question's own clauses, not one in the story
	// around it ("waited more than an hour … can someone look at it?").
	qws, focus := questionWords2(an, text)
	for i, w := range qws {
		if focus[i] && asksFact(w) {
			return true
		}
	}
	// So is a request: "me olvidé la clave…, ¿cómo la cambio?" asks how,
	// whatever "me" opened the story with. A question of no words of its
	// own ("me cobraron dos veces… ¿qué hago?") asks for help with the
	// story, which says whether it is a request.
	if q := questionClauses(text); len(answerWords(an.analyze(q))) > 0 {
		return !isRequest(an, q)
	}
	return !isRequest(an, text)
}

// questionClauses are the clauses of a message that end in "?" (or open
// with "¿"), or the whole message when none does.
func questionClauses(text string) string {
	var qs []string
	for _, c := range askingClauses(text) {
		qs = append(qs, strings.TrimSpace(c)+"?")
	}
	if len(qs) == 0 {
		return text
	}
	return strings.Join(qs, " ")
}

// askingClauses are the clauses of a message (split as reFocusClauses
// splits them) that end in "?" or open with "¿", without their marks.
func askingClauses(text string) []string {
	var out []string
	rest := text
	for rest != "" {
		loc := reFocusClauses.FindStringIndex(rest)
		clause, mark := rest, ""
		if loc != nil {
			clause, mark, rest = rest[:loc[0]], rest[loc[0]:loc[1]], rest[loc[1]:]
		} else {
			rest = ""
		}
		if strings.Contains(mark, "?") || strings.Contains(clause, "¿") {
			out = append(out, clause)
		}
	}
	return out
}

// requestOpeners start a request addressed to the assistant.
var requestOpeners = lexCues("request_openers")

// toMeVerbs say, after "me", what something is to the person.
var toMeVerbs = lexWords("to_me_verbs")

// isRequest reports a message that asks the assistant to do something:
// addressed to it ("¿me inscribes?", "can you…"), or saying what the user
// wants ("quiero…", "I need…").
func isRequest(an *analyzer, text string) bool {
	for _, c := range reFocusClauses.Split(text, -1) {
		// "oi, pode ver…": the greeting does not open the request.
		ct := tokenize(stripGreeting(c))
		for _, op := range requestOpeners {
			// A one-word opener ("me", "please") must open the clause; a
			// phrase addressed to the assistant ("can u", "could you")
			// asks wherever it stands ("finished it last week 🎉 can u
			// send me the certificate").
			last := 0
			if len(op) > 1 {
				last = len(ct) - len(op) - 1
			}
			for at := 0; at <= last; at++ {
				if at+len(op) >= len(ct) {
					break
				}
				match := true
				for i, w := range op {
					if ct[at+i].fold != w {
						match = false
						break
					}
				}
				// "¿me sirve?", "me interesa el de datos": what something
				// is to the person, not something asked of the assistant.
				if match && len(op) == 1 && at+1 < len(ct) && toMeVerbs[ct[at+1].fold] {
					match = false
				}
				if match {
					return true
				}
			}
		}
	}
	// Wanting or needing, said in the question itself ("¿quiero abrir un
	// ticket?"), not in the story around it ("le quiero regalar un curso").
	for _, clause := range askingClauses(text) {
		ws := an.analyze(clause)
		for i, w := range ws {
			// "¿tengo que llevar…?", "do I have to…?", "precisa saber
			// python?", "do I need to know python?": an obligation asked
			// about, not a need stated.
			if w.concept == "want" || w.concept == "need" && !strings.Contains(w.fold, " ") && w.fold != "must" && !(i+1 < len(ws) && beforeVerb(ws[i+1].fold)) {
				if w.concept == "need" && someoneElseNeeds(ws[:i]) {
					continue
				}
				return true
			}
		}
	}
	return false
}

// someoneElseNeeds reports a yes-or-no question about what something
// needs, from the words before the need: "does the free trial need a
// credit card?" asks a requirement; "do I need…" and "can we get…" are
// the speaker's own.
func someoneElseNeeds(before []word) bool {
	if len(before) == 0 || !auxQuestion[before[0].fold] {
		return false
	}
	return !slices.ContainsFunc(before, func(w word) bool { return firstPerson[w.fold] })
}

// beforeVerb reports a word that opens a verb after "need": English's
// "to", or a Spanish or Portuguese infinitive ("saber", "ter", "instalar").
func beforeVerb(f string) bool {
	if f == "to" {
		return true
	}
	return len(f) >= 3 && (strings.HasSuffix(f, "ar") || strings.HasSuffix(f, "er") || strings.HasSuffix(f, "ir"))
}

// rePersonal finds questions about the user's own case — a grade, an order,
// a request — whose answer is in no document.
var rePersonal = regexp.MustCompile(`(?i)\b(?:ya\s+me\s+(?:pusieron|dieron|pasaron|subieron|revisaron|corrigieron|calificaron|aprobaron|respondieron|contestaron|devolvieron)|mi\s+(?:nota|calificaci[oó]n|pedido|solicitud)\b|(?:did|have|has)\s+(?:you|they|someone)\s+(?:graded|reviewed|checked|processed|answered|grade|review|check|process)|my\s+(?:grade|score|mark|order)\b|minha\s+(?:nota|solicita[cç][aã]o)|j[aá]\s+(?:me\s+)?(?:deram|corrigiram|responderam))`)

// personalStatus reports a question about the user's own case.
func personalStatus(text string) bool {
	return rePersonal.MatchString(text)
}
