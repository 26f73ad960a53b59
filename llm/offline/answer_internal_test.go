package offline

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/tmc/langchaingo/llms"
)

// A table row is quoted with its header's names, so that alone it still
// says which value is whose; an empty cell is left out, and a row with no
// header of its width is its cells in order.
func TestTableRowText(t *testing.T) {
	head := tableCells("| | Starter | Growth | Scale |")
	assert.Equal(t, "Contacts — Starter: 2,000; Growth: 10,000; Scale: 50,000",
		tableRowText(tableCells("| Contacts | 2,000 | 10,000 | 50,000 |"), head))
	assert.Equal(t, "WhatsApp Business numbers — Growth: 1; Scale: 3",
		tableRowText(tableCells("|  WhatsApp Business numbers | — | 1 |  3 |"), head))
	assert.Equal(t, "Contacts — 2,000 — 10,000",
		tableRowText(tableCells("| Contacts | 2,000 | 10,000 |"), head))
	assert.Equal(t, "a — b", tableRowText(tableCells("| a | b |"), nil))
}

// A question asks for information by its own clauses, not by the story
// around it: the hour someone waited asks for no fact, and "can someone
// look at it?" asks to act.
func TestAsksForInformationReadsTheQuestion(t *testing.T) {
	an := newAnalyzer()
	for text, want := range map[string]bool{
		"el video de la clase 3 no carga, lo intento hace una hora y nada. alguien puede revisarlo?": false,
		"esperei uma hora e nada. alguém pode ver isso?":                                             false,
		"a qué hora empieza la clase del jueves?":                                                    true,
		"se puede pagar en cuotas?":                                                                  true,
		"me olvidé la clave del campus y no puedo entrar, ¿cómo la cambio?":                          true,
		"me cobraron dos veces la cuota del curso. ¿qué hago?":                                       false,
	} {
		assert.Equal(t, want, asksForInformation(an, text), text)
	}
}

// A greeting does not hide the request after it.
func TestRequestAfterGreeting(t *testing.T) {
	an := newAnalyzer()
	assert.True(t, isRequest(an, "oi, pode ver minhas inscrições?"))
	assert.True(t, isRequest(an, "hola! me pasas el certificado?"))
	assert.False(t, isRequest(an, "hola, cuánto cuesta el curso?"))
	// An emoji ends a clause as a full stop does.
	assert.True(t, isRequest(an, "ya terminé el curso 🙌 me generas el certificado?"))
	// An obligation asked about is no request.
	assert.False(t, isRequest(an, "para el taller tengo que llevar mis propios pinceles?"))
	assert.False(t, isRequest(an, "do I have to bring my own laptop?"))
	// So is a need of a verb: what it takes, not what is wanted.
	assert.False(t, isRequest(an, "quero me inscrever no curso de RAG. precisa saber python?"))
	assert.False(t, isRequest(an, "do I need to know python for it?"))
	assert.True(t, isRequest(an, "necesito el certificado del curso, me lo pasas?"))
	// "Can you manage to…" asks in Portuguese as "pode" does.
	assert.True(t, isRequest(an, "acabei o curso de dados! consegue me mandar o certificado?"))
}

// A table whose header names two of the things a question asks about
// compares them; one named thing, or words out of the question's own
// clauses, do not make a comparison.
func TestComparesAsked(t *testing.T) {
	an := newAnalyzer()
	head := an.analyze("Starter Growth Scale")
	qws, focus := questionWords2(an, "what's the difference between growth and scale?")
	assert.True(t, comparesAsked(qws, focus, head))
	qws, focus = questionWords2(an, "how many emails on growth?")
	assert.False(t, comparesAsked(qws, focus, head))
}

// A colon after an email address opens no key: the domain's last part is
// no label.
func TestKeyValuesAfterAnAddress(t *testing.T) {
	kv := keyValues("abre um chamado pro cliente joao@padariapao.com.br: ele não recebeu a fatura")
	assert.NotContains(t, kv, "br")
	assert.Equal(t, map[string]any{"cliente": "Ana", "empresa": "Acme"}, keyValues("cliente: Ana. empresa: Acme"))
}

// Chat shorthand reads as the word it stands for: "q" is "que", "vc"
// "você".
func TestShorthandReadsAsTheWord(t *testing.T) {
	an := newAnalyzer()
	folds := func(text string) []string {
		var out []string
		for _, w := range an.analyze(text) {
			out = append(out, w.fold)
		}
		return out
	}
	assert.Equal(t, []string{"en", "que", "curso", "estoy"}, folds("en q curso estoy"))
	assert.Contains(t, folds("vc sabe xq nao chega"), "voce")
	assert.Contains(t, folds("vc sabe xq nao chega"), "porque")
	assert.Contains(t, folds("can u help"), "you")
}

// What a listing's reply leaves of a question: the words it neither says
// nor answers by their kind; nothing when it answers all, or when what is
// left names nothing of its own.
func TestLeftUnanswered(t *testing.T) {
	an := newAnalyzer()
	list := "These are our courses:\n- Building LLM Apps with RAG — 399 USD, starts April 5, 2027, 40 seats left"
	left := leftUnanswered(an, "hey how much is the rag course and do i need to know python for it?", list, nil)
	assert.Contains(t, left, "python")
	assert.NotContains(t, left, "rag")
	assert.Empty(t, leftUnanswered(an, "how much is the rag course?", list, nil))
	// What the call was made with is answered by its result: "for
	// beginners" was the listing's level.
	call := &llms.ToolCall{FunctionCall: &llms.FunctionCall{Name: "list_courses", Arguments: `{"level":"beginner","topic":"data_analysis"}`}}
	assert.Equal(t, "beginner data analysis", argumentWords(call))
	assert.Contains(t, leftUnanswered(an, "which courses for beginners?", list, nil), "beginners")
	assert.Empty(t, leftUnanswered(an, "which courses for beginners?", list+"\n"+argumentWords(call), nil))
}

// "What time" asks for the hour of something; "three times" counts tries
// and asks nothing: the plural is a word of its own, so a problem report
// ("tried 3 times") is not a question about a schedule.
func TestTimeAndTimes(t *testing.T) {
	t.Parallel()
	var an *analyzer
	concept := func(text, fold string) string {
		for _, w := range an.analyze(text) {
			if w.fold == fold {
				return w.concept
			}
		}
		return ""
	}
	assert.Equal(t, "schedule", concept("what time is the live session?", "time"))
	assert.Equal(t, hasTime, askedKind(word{concept: concept("what time is the live session?", "time")}))
	assert.Equal(t, "repeat", concept("checkout failed, tried 3 times", "times"))
	assert.Equal(t, "repeat", concept("lo intenté tres veces", "veces"))
}

// A colon closes the preamble of a question ("my manager is here, so in
// english please: can I …?"): the words before it are the story, not what
// must be answered. A time's colon ("19:00") splits nothing.
func TestColonEndsThePreamble(t *testing.T) {
	t.Parallel()
	focusOf := func(text string) map[string]bool {
		ws, focus := questionWords2(nil, text)
		out := map[string]bool{}
		for i, w := range ws {
			out[w.fold] = focus[i]
		}
		return out
	}
	f := focusOf("my manager is sitting next to me so english please: can I show the certificate on my linkedin page?")
	assert.False(t, f["manager"], "the preamble")
	assert.False(t, f["sitting"], "the preamble")
	assert.True(t, f["linkedin"], "the question")
	assert.True(t, f["certificate"], "the question")
	f = focusOf("¿hay una sesión a las 19:00 el jueves?")
	assert.True(t, f["sesion"])
	assert.True(t, f["jueves"])
}

// A yes-or-no question about what something needs asks a requirement, not
// for something to be done: "does the trial need a card?" is answered;
// a need stated and "can you…" keep their readings.
func TestSomeoneElseNeeds(t *testing.T) {
	t.Parallel()
	var an *analyzer
	assert.False(t, isRequest(an, "hey, does the free trial need a credit card?"))
	assert.False(t, isRequest(an, "is a webcam needed for the live classes?"))
	assert.True(t, isRequest(an, "we need a quote for our team, can you send one?"))
}

// "the 40-hour course" names the course, it does not ask for an hour.
func TestHoursInTheNameAskNoHour(t *testing.T) {
	t.Parallel()
	ws, _ := questionWords2(nil, "cuanto cuesta el curso de ceramica de 40 horas?")
	for _, w := range ws {
		if w.fold == "horas" {
			assert.Zero(t, askedKind(w), "%+v", w)
		}
	}
	ws, _ = questionWords2(nil, "a que hora empieza la clase?")
	assert.True(t, slices.ContainsFunc(ws, func(w word) bool { return askedKind(w) == hasTime }))
}

// A question that opens with a preposition before its question word ("y
// de cuántas personas…") is a question even without its mark: its words
// must be answered, not only situate the one before it.
func TestPrepositionOpensQuestion(t *testing.T) {
	ws, focus := questionWords2(newAnalyzer(), "hay duchas ahi? y de cuantas personas son las clases de iniciacion")
	for i, w := range ws {
		if w.fold == "personas" && !focus[i] {
			t.Fatalf("%q is not asked about: %v", w.fold, focus)
		}
	}
}
