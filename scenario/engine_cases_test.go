package scenario

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// engineCase runs one conversation on the shipped engine and the demo
// knowledge base, as `faro eval conversations` does, and fails with the
// first expectation it missed.
func engineCase(t *testing.T, src string) {
	t.Helper()
	ctx := context.Background()
	r, err := NewRunner(ctx, Options{TempDir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, r.Close()) })
	res := r.RunOne(ctx, parseAll(t, src)[0])
	require.Empty(t, res.Error)
	require.True(t, res.Passed, "%+v", res.First)
}

// A problem reported as a question ("… tá quebrado, dá pra avisar o
// pessoal?") opens a ticket when the classifier is sure it is one, though
// it asks, and the knowledge base has words near it.
func TestEngineProblemAskedAsAQuestionOpensATicket(t *testing.T) {
	t.Parallel()
	engineCase(t, `
name: broken-link-asks-to-tell-the-team
role: student
channel: whatsapp
contact: {name: Marina, email: marina@example.com}
turns:
  - user: "no material da semana 4 do curso de marketing o link da planilha de exercícios tá quebrado, dá erro de permissão. dá pra avisar o pessoal responsável?"
    expect:
      tool: open_ticket
`)
}

// The question asked along a task is answered with the whole message's
// particulars: "around 40 people … a bulk price?" is the discount for ten
// or more, not any price.
func TestEngineQuestionAlongATaskReadsTheWholeMessage(t *testing.T) {
	t.Parallel()
	engineCase(t, `
name: team-of-forty-bulk-price
role: prospect
channel: web
turns:
  - user: "we're thinking of training our sales team on AI, prob around 40 people. is there some kind of bulk price?"
    expect:
      reply_contains_any: ["25%", "25 %"]
`)
}

// A follow-up that names its own course is about that course: after a
// question about beginners' courses, "¿y el de prompts cuándo arranca?"
// is not answered with the free beginners' course's dates, which the
// passages of the question before still hold: neither its words are glued
// to the follow-up's search, nor its page's facts quoted as the asked
// course's.
func TestEngineFollowUpNamingACourseIsAboutIt(t *testing.T) {
	t.Parallel()
	engineCase(t, `
name: follow-up-names-its-course
role: prospect
channel: web
turns:
  - user: "hola, tienen cursos para gente que recien empieza con ia?"
    expect:
      reply_language: es
  - user: "y el de prompts cuando arranca?"
    expect:
      reply_not_contains: ["11 de enero", "24 de enero"]
`)
}

// A name in the story around a question ("paid through OXXO") says
// which refund rule is meant, where the question's own words ("send the
// money back") match the wrong passages best ("scheduled sends stop").
func TestEngineNameInTheStoryPicksTheRule(t *testing.T) {
	t.Parallel()
	engineCase(t, `
name: staff-oxxo-cash-refund
role: staff
channel: slack
turns:
  - user: "buyer paid through OXXO, wants a refund; how do we send the money back?"
    expect:
      reply_contains_any: ["CLABE", "bank transfer"]
`)
}

// "el curso de cerámica de 40 horas" names the course and asks for no
// hour: asked its price and what it takes, the answer quotes the price,
// not the Saturday 10:00 to 14:00 of its schedule.
func TestEngineHoursInACourseNameAskNoHour(t *testing.T) {
	t.Parallel()
	engineCase(t, `
name: hours-in-the-course-name
role: prospect
channel: web
fixtures:
  knowledge:
    - source: barro/ceramica.md
      language: es
      text: |
        # Taller Barro: curso de cerámica de 40 horas

        - Precio: 300 USD. Se puede pagar en 3 pagos de 100 USD.
        - Requisito de entrada: ninguno, basta con tener ganas de ensuciarse las manos.
        - Formato: sábados de 10:00 a 14:00 en el taller de Coyoacán, durante diez semanas.
        - Incluye: barro, esmaltes, dos hornadas por pieza y un delantal del taller.
turns:
  - user: "hola! cuanto cuesta el curso de ceramica de 40 horas y q piden para entrar?"
    expect:
      reply_contains: ["300 USD"]
`)
}

// After an answer drawn from one course's pages, "me apunto" is about that
// course: it is enrolled in, not asked for, though the question before
// named it too loosely to tell it from the school's other course.
func TestEngineEnrolAfterAnAnswerAboutACourse(t *testing.T) {
	t.Parallel()
	engineCase(t, `
name: enrol-in-the-course-answered-about
role: prospect
channel: web
fixtures:
  knowledge:
    - source: barro/formacion.md
      language: es
      text: |
        # Taller Barro: Formación de profesores de cerámica 200 h

        - Precio: 1.500 USD. Se puede pagar en 5 pagos de 300 USD.
        - Requisito de entrada: un año de práctica de torno y una pieza propia para mostrar.
        - Formato: sábados de 10:00 a 14:00 en el taller de Coyoacán, más clases en línea de historia del arte.

        # Cerámica y meditación
        Taller de cuatro semanas para principiantes, los jueves de 19:00 a 21:00. Precio: 80 USD.
  courses:
    - slug: barro-formacion-200
      title: {es: "Formación de profesores de cerámica 200 h", en: "200-hour pottery teacher training"}
      description: {es: "Formación para enseñar cerámica.", en: "Training to teach pottery."}
      language: es
      topics: [ceramica, formacion]
      level: intermediate
      price: {amount: 1500, currency: USD}
      seats: 12
      start: "2027-03-06"
      duration_weeks: 20
      status: open
    - slug: barro-meditacion
      title: {es: "Cerámica y meditación", en: "Pottery and meditation"}
      description: {es: "Taller de cuatro semanas para principiantes.", en: "A four-week beginners' workshop."}
      language: es
      topics: [ceramica, meditacion]
      level: beginner
      price: {amount: 80, currency: USD}
      seats: 10
      start: "2027-03-04"
      duration_weeks: 4
      status: open
turns:
  - user: "hola! cuanto sale la formacion de profes de ceramica de 200 horas y q piden para entrar? hago torno hace 2 años"
    expect:
      reply_contains: ["1.500 USD"]
  - user: "genial, me apunto. Lucía Pérez, lucia.perez@example.com"
    expect:
      tool: enroll_course
      args: {course: barro-formacion-200, email: lucia.perez@example.com}
`)
}

// Counting another of a report's metrics "in the same period" asks the
// report again with the period before, and the reply is the report alone:
// no knowledge answer for the "same" it did not repeat.
func TestEngineCountingAnotherMetricContinuesTheReport(t *testing.T) {
	t.Parallel()
	engineCase(t, `
name: leads-in-the-same-period
role: staff
channel: slack
contact: {name: Ana Ruiz, email: ana@brujula.example}
turns:
  - user: "cuanto fue el mrr el mes pasado?"
    expect:
      tool: report_kpis
      args: {metrics: [mrr], period: last_month}
  - user: "y cuantos leads entraron en ese mismo periodo?"
    expect:
      tool: report_kpis
      args: {metrics: [leads], period: last_month}
      reply_not_contains: ["Fuentes", "[1]"]
`)
}

// "Could I have my certificate…?" asks to be given what a tool makes, so
// it is made, though it reads as a question; the same words about a
// policy ("can I get my money back?") stay a question.
func TestEngineAskingToBeGivenACertificateMakesIt(t *testing.T) {
	t.Parallel()
	engineCase(t, `
name: could-i-have-my-certificate
role: student
channel: telegram
contact: {name: Noor Haddad, email: noor@example.com, language: en}
fixtures:
  enrollments:
    - {course: prompt-engineering, progress: 100}
turns:
  - user: "could I have the certificate for prompt engineering in practice? hr wants a copy by friday"
    expect:
      tool: generate_document
      args: {template: certificate}
  - user: "and if i had dropped out in week one, could i get my money back?"
    expect:
      tools_not_called: [generate_document, open_ticket]
`)
}

// A student asking which courses they are registered in, and when one of
// them starts, is told their enrolments: "registered" and a course named
// are an enrolment's words, but a question for which of one's own things
// holds changes nothing.
func TestEngineWhichCoursesAmIInEnrolsNoOne(t *testing.T) {
	t.Parallel()
	engineCase(t, `
name: which-courses-am-i-registered-in
role: student
channel: whatsapp
contact: {name: Iker Sola, email: iker@example.com, language: en}
fixtures:
  enrollments:
    - {course: ia-marketing, progress: 10}
turns:
  - user: "hiya, could you check what courses im registered in? and the prompt one, when does that begin"
    expect:
      tool: my_enrollments
      tools_not_called: [enroll_course]
`)
}

// After a certificate refused for a course not finished, "the marketing
// one then, that one I did finish" asks for that course's certificate:
// the request goes on with the other course, though the turn before
// only read the enrolments.
func TestEngineCertificateOfTheOtherCourseAfterARefusal(t *testing.T) {
	t.Parallel()
	engineCase(t, `
name: certificate-of-the-other-course
role: student
channel: telegram
contact: {name: Ola Berg, email: ola@example.com, language: en}
fixtures:
  enrollments:
    - {course: datos-ia, progress: 40}
    - {course: ia-marketing, progress: 100}
turns:
  - user: "i need my certificate for the data analysis course"
    expect:
      tools_not_called: [generate_document]
  - user: "ok, and the marketing one? finished that. pdf pls"
    expect:
      tool: generate_document
      args: {template: certificate, course: ia-marketing}
`)
}

// Every scenario's store holds the demo subscriptions, as serve's does on
// first start: staff asking for the MRR see the demo's figure, not zero.
func TestEngineScenarioStoreHasTheDemoSubscriptions(t *testing.T) {
	t.Parallel()
	engineCase(t, `
name: staff-mrr-from-demo-subscriptions
role: staff
contact: {name: Ines, email: ines@brujula.example, language: en}
turns:
  - user: "what's the MRR right now?"
    expect:
      tool: report_kpis
      reply_contains: ["538.50"]
`)
}

// A follow-up that asks only for facts ("how long does it run and what
// does it cost?") is about what the question before was about.
func TestEngineFollowUpThatNamesNothing(t *testing.T) {
	t.Parallel()
	engineCase(t, `
name: follow-up-names-nothing
role: prospect
channel: web
turns:
  - user: "got anything for team leads who are not technical at all?"
  - user: "how long does it run and what does it cost?"
    expect:
      reply_contains_any: ["3 weeks", "three weeks"]
`)
}

// A ticket's code asked about right after another ticket was opened reads
// that ticket: it does not open a second one with the question as its
// description.
func TestEngineTicketCodeAfterOpeningOne(t *testing.T) {
	t.Parallel()
	engineCase(t, `
name: ticket-code-after-opening-one
role: staff
channel: slack
contact: {name: Ines, email: ines@brujula.example}
turns:
  - user: "open a technical ticket for paolo.r@example.com: the quiz of week 2 won't submit"
    expect:
      tool: open_ticket
  - user: "and where do we stand with T-000001? he says no one wrote back"
    expect:
      tool: ticket_status
      tools_not_called: [open_ticket]
`)
}

// The one question a read-only tool was called for is answered by its
// result: a statement around it is not searched for in the knowledge base
// and quoted after the result.
func TestEngineReadToolAnswersItsOwnQuestion(t *testing.T) {
	t.Parallel()
	engineCase(t, `
name: read-tool-answers-its-own-question
role: student
channel: telegram
contact: {name: Noor Haddad, email: noor.haddad@example.org}
fixtures:
  enrollments:
    - {course: prompt-engineering, progress: 10}
turns:
  - user: "which course am i registered on? deleted the confirmation email by mistake"
    expect:
      tool: my_enrollments
      reply_contains_any: ["Prompt Engineering"]
      reply_not_contains: ["Sources", "Fuentes"]
`)
}

// At a school whose courses are about languages, a language named is the
// topic to filter by, not the language the courses are taught in.
func TestEngineLanguageAsATopic(t *testing.T) {
	t.Parallel()
	engineCase(t, `
name: language-as-a-topic
role: prospect
channel: web
fixtures:
  courses:
    - slug: italiano-inicial
      title: {es: "Italiano inicial", en: "Beginner Italian"}
      language: es
      level: beginner
      price: {amount: 150, currency: USD}
      seats: 10
      start: 2027-02-01
      duration_weeks: 8
      topics: [italiano, idiomas]
    - slug: ingles-b1
      title: {es: "Inglés B1", en: "English B1"}
      language: es
      level: beginner
      price: {amount: 170, currency: USD}
      seats: 10
      start: 2027-02-03
      duration_weeks: 8
      topics: [ingles, idiomas]
turns:
  - user: "que cursos de ingles tienen?"
    expect:
      tool: list_courses
      reply_contains_any: ["Inglés B1"]
      reply_not_contains: ["Italiano", "IA para marketing"]
`)
}

// "¿Cuándo empieza el curso de X?" asks a date of the one course named:
// the knowledge base answers it, and no enrolment begins (asking for an
// email) because the browse that the words resemble stepped aside.
func TestEngineWhenDoesTheNamedCourseStart(t *testing.T) {
	t.Parallel()
	engineCase(t, `
name: when-does-the-named-course-start
role: prospect
channel: web
turns:
  - user: "¿Cuándo empieza el curso de IA para marketing?"
    expect:
      tools_not_called: [enroll_course]
      reply_contains_any: ["8 de febrero", "2027-02-08"]
`)
}

// "q talleres tienen?", "what workshops do you run?", "me lista os
// workshops de pasta": which things of the catalogue's kind there are,
// asked or asked for with a word for them other than the examples'
// "courses", lists the catalogue, though a course's topic is named.
func TestEngineWhichWorkshopsAreOffered(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ say, lang string }{
		{"holaa q talleres tienen? nunca cociné nada", "es"},
		{"hi! what workshops do you guys run this winter?", "en"},
		{"quais workshops de culinária vocês têm?", "pt"},
		{"me lista os workshops de pasta com inscrição aberta", "pt"},
		{"quais aulas de culinária vocês têm pra quem nunca cozinhou?", "pt"},
		{"do you run any cooking classes for total beginners?", "en"},
		{"which of your cooking workshops start in february? I'm away most of january", "en"},
	} {
		engineCase(t, `
name: which-workshops-are-offered
role: prospect
channel: web
fixtures:
  courses:
    - slug: pasta-fresca
      title: {es: "Taller de pasta fresca", en: "Fresh Pasta Workshop"}
      language: es
      level: beginner
      price: {amount: 90, currency: USD}
      seats: 12
      start: 2027-02-06
      duration_weeks: 4
      topics: [cocina, pasta]
turns:
  - user: "`+c.say+`"
    expect:
      tool: list_courses
      reply_language: `+c.lang+`
`)
	}
}

// "y la de tango cuánto sale?" after the list that showed it: the
// listing's line for that course answers with its price and date, however
// little the documents say of it; "how much is that one?" points at the
// course the conversation is about.
func TestEngineFollowUpPriceFromTheListing(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ first, then, lang string }{
		{"q clases de baile tienen para principiantes?", "y la de tango cuanto sale y cuando arranca?", "es"},
		{"what tango classes do you have for beginners?", "how much is that one and when does it start?", "en"},
	} {
		engineCase(t, `
name: follow-up-price-from-the-listing
role: prospect
channel: web
fixtures:
  knowledge:
    - source: milonga/clases.md
      language: es
      text: |
        # Estudio Milonga: clases
        Las clases son en el salón de la calle Corrientes. Trae calzado cómodo con suela lisa.
  courses:
    - slug: tango-inicial
      title: {es: "Tango desde cero", en: "Tango from Scratch"}
      language: es
      level: beginner
      price: {amount: 75, currency: USD}
      seats: 16
      start: 2027-03-09
      duration_weeks: 8
      topics: [tango, baile]
turns:
  - user: "`+c.first+`"
    expect:
      tool: list_courses
  - user: "`+c.then+`"
    expect:
      reply_contains: ["75"]
      reply_contains_any: ["9 de marzo", "March 9", "9 March"]
      reply_language: `+c.lang+`
`)
	}
}

// "ok and where does that stand now?" right after the ticket was opened
// reads that ticket, with the number the conversation holds, whatever the
// knowledge base says about statuses.
func TestEngineStatusOfWhatWasJustOpened(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ report, ask, lang string }{
		{"my invoice for the RAG course has the wrong tax id, please open a billing ticket", "thanks. what's the status of that right now?", "en"},
		{"la factura del curso de datos salió con mi RFC mal, abrime un ticket por favor", "gracias, ¿y en qué estado está eso ahora?", "es"},
	} {
		engineCase(t, `
name: status-of-what-was-just-opened
role: student
channel: web
contact: {name: Irene Salas, email: irene.salas@example.com}
turns:
  - user: "`+c.report+`"
    expect:
      tool: open_ticket
  - user: "`+c.ask+`"
    expect:
      tool: ticket_status
      reply_language: `+c.lang+`
`)
	}
}

// A KPI report answers with the business's numbers; what the question
// says besides the metrics and the period ("taxa de conversão", "so
// far") is not searched for in the documents, which know none of those
// numbers (it quoted a sentence on bounce rates).
func TestEngineReportAddsNoPassage(t *testing.T) {
	t.Parallel()
	for _, text := range []string{
		"me passa quantos leads entraram essa semana e a taxa de conversão",
		"how many leads have we got this month so far?",
	} {
		engineCase(t, `
name: report-adds-no-passage
role: staff
channel: slack
turns:
  - user: "`+text+`"
    expect:
      tool: report_kpis
      reply_not_contains: ["Sources:", "Fontes:", "Fuentes:"]
`)
	}
}

// "how much is the wheel-throwing course? do I bring an apron?" to a
// studio whose documents price nothing: the catalogue's listing gives the
// price, the documents the rest. It quoted the demo's course prices.
func TestEngineCatalogueStatesWhatDocumentsDoNot(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ ask, doc, fact, lang string }{
		{"cuánto sale el curso de torno? y tengo que llevar delantal?",
			"Te prestamos el delantal y todas las herramientas; trae ropa que se pueda manchar.", "delantal", "es"},
		{"how much is the wheel throwing course and do i have to bring an apron",
			"We lend you an apron and every tool; wear clothes that can get dirty.", "apron", "en"},
		{"quanto custa o curso de torno? preciso levar avental?",
			"Emprestamos o avental e todas as ferramentas; venha com roupa que possa sujar.", "avental", "pt"},
	} {
		engineCase(t, `
name: catalogue-states-what-documents-do-not
role: prospect
channel: web
fixtures:
  knowledge:
    - source: barro/faq.md
      language: `+c.lang+`
      text: |
        # Taller Barro Vivo
        `+c.doc+`
  courses:
    - slug: barro-torno
      title: {es: "Torno de alfarero", en: "Wheel Throwing", pt: "Torno de oleiro"}
      language: es
      level: beginner
      price: {amount: 145, currency: USD}
      seats: 8
      start: 2027-04-06
      duration_weeks: 6
      topics: [ceramica, torno]
turns:
  - user: "`+c.ask+`"
    expect:
      reply_contains: ["145", "`+c.fact+`"]
      reply_language: `+c.lang+`
`)
	}
}

// "vocês aceitam dinheiro?" against Spanish documents: "dinheiro" is in no
// passage, "efectivo" is, and the transfer table says they are one word.
func TestEnginePortugueseWordReadInSpanish(t *testing.T) {
	t.Parallel()
	engineCase(t, `
name: portuguese-word-read-in-spanish
role: prospect
channel: web
fixtures:
  knowledge:
    - source: estudio-sol/faq.md
      language: es
      text: |
        # Estudio Sol: preguntas frecuentes
        **¿Dónde se estaciona?** En el subsuelo del edificio, gratis para alumnos.
        **¿Cómo se paga la cuota?** Aceptamos efectivo en la recepción, de lunes a viernes de 9 a 18.
turns:
  - user: "oi, no estúdio sol vocês aceitam dinheiro?"
    expect:
      reply_contains_any: ["recepção", "recepcion"]
      reply_language: pt
      cites: estudio-sol
`)
}

// "A customer phoned: <name>, <email>, charged twice for <course>. Open a
// ticket for her": a person, an email and a course are what an enrolment
// takes, but the message says what to do with them.
func TestEngineStaffOpensATicketForACustomer(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ text, lang string }{
		{"A customer phoned: Lucia Ferraz, lucia.ferraz@example.com, the AI-Powered Data Analysis course was charged twice. Open a billing ticket for her", "en"},
		{"Llamó una clienta: Lucía Ferraz, lucia.ferraz@example.com, le cobraron dos veces Análisis de datos con IA. Abre un ticket de facturación para ella", "es"},
	} {
		engineCase(t, `
name: staff-opens-a-ticket-for-a-customer
role: staff
channel: web
turns:
  - user: "`+c.text+`"
    expect:
      tool: open_ticket
      tools_not_called: [enroll_course]
      reply_language: `+c.lang+`
`)
	}
}

// "I'd rather deal with a person, can you put me through to someone? it's
// about a group invoice": the clause that asks for a person is a request,
// whatever the rest asks about.
func TestEngineHandoffAskedInOneClause(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ text, lang string }{
		{"prefiero que me atienda una persona, me pasas con alguien del equipo? es por una factura para toda la empresa", "es"},
		{"prefiro resolver com uma pessoa, pode me passar pra alguém do time? é sobre uma nota fiscal da empresa", "pt"},
	} {
		engineCase(t, `
name: handoff-asked-in-one-clause
role: prospect
channel: web
turns:
  - user: "`+c.text+`"
    expect:
      tool: request_human
      reply_language: `+c.lang+`
`)
	}
}

// "if I miss a lesson can I make it up?": the sentence after the answer,
// under the same heading, holds its conditions (how many, how early to
// tell), which is what the person needs next.
func TestEngineAnswerGoesOnUnderItsHeading(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ ask, doc, want, lang string }{
		{"if i miss a pottery lesson can i make it up with another group or is it lost?", `
        # Barro Vivo studio
        ## Missing a lesson
        If you miss a lesson you can make it up with another group of the same level.
        You can make up at most two lessons a month, and you must tell the front desk 48 hours before.
        ## Aprons and tools
        We lend aprons and every tool you need.`, "48 hours", "en"},
		{"si falto a una clase de cerámica la puedo recuperar con otro grupo o la pierdo?", `
        # Estudio Barro Vivo
        ## Faltar a una clase
        Si faltas a una clase puedes recuperarla con otro grupo del mismo nivel.
        Se recuperan como máximo dos clases al mes, avisando en recepción con 48 horas de anticipación.
        ## Delantales y herramientas
        Prestamos delantales y todas las herramientas.`, "48 horas", "es"},
	} {
		engineCase(t, `
name: answer-goes-on-under-its-heading
role: prospect
channel: web
fixtures:
  knowledge:
    - source: barro/faq.md
      language: `+c.lang+`
      text: |`+c.doc+`
turns:
  - user: "`+c.ask+`"
    expect:
      reply_contains: ["`+c.want+`"]
      reply_language: `+c.lang+`
      cites: barro
`)
	}
}

// "… it's not in my courses. could you open a ticket for me?": the
// message says what the ticket tool does to what it handles, and asks for
// it, whatever the knowledge base says about missing courses.
func TestEngineRequestThatNamesItsTool(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ text, lang string }{
		{"never got the welcome email for the data analysis course and it's not under my courses either. open a ticket for me?", "en"},
		{"no me llegó el correo de bienvenida del curso de datos y tampoco lo veo en mis cursos. ¿me abres un ticket?", "es"},
		{"não recebi o email de boas-vindas do curso de dados e ele também não aparece em meus cursos. abre um chamado pra mim?", "pt"},
	} {
		engineCase(t, `
name: request-that-names-its-tool
role: student
channel: web
contact: {name: Tomás Rey, email: tomas.rey@example.com}
turns:
  - user: "`+c.text+`"
    expect:
      tool: open_ticket
      reply_language: `+c.lang+`
`)
	}
}

// "not a pdf, the html one": a value of an enum written and denied is the
// one not wanted. And the course's title ("AI Strategy for Managers") is
// no one's name: the certificate was refused as being for "AI Strategy".
func TestEngineDeniedEnumValue(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ text, lang string }{
		{"could I get my certificate for AI Strategy for Managers? not pdf, I need the html one for my website", "en"},
		{"me generas el certificado de Estrategia de IA para directivos? no en pdf, lo quiero en html para mi web", "es"},
	} {
		engineCase(t, `
name: denied-enum-value
role: student
channel: web
contact: {name: Irene Salas, email: irene.salas@example.com}
fixtures:
  enrollments:
    - {course: ai-for-managers, progress: 100}
turns:
  - user: "`+c.text+`"
    expect:
      tool: generate_document
      args: {template: certificate, format: html}
      reply_contains: ["http"]
      reply_language: `+c.lang+`
`)
	}
}

// "we're a two-person bakery, a monthly newsletter … which plan fits
// us?" with the lead's details: the lead is saved, and what the message
// told (a very small shop, a newsletter) picks the plan among the
// documents' sentences about plans.
func TestEngineLeadQuestionReadWithItsStory(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ text, lang string }{
		{"Hi! I'm Ana Ruiz from Pan de Casa, a tiny bakery, just 2 of us. We'd use Pulse to send customers a monthly newsletter, budget about 400 USD a year. ana@pandecasa.example. Which plan fits us?", "en"},
	} {
		engineCase(t, `
name: lead-question-read-with-its-story
role: prospect
channel: web
turns:
  - user: "`+c.text+`"
    expect:
      tool: qualify_lead
      reply_contains: ["Starter"]
      reply_language: `+c.lang+`
`)
	}
}

// "¿tienen torno para principiantes? ¿hay que llevar delantal? ¿cuánto
// sale?": the last question names nothing but a price, and the price
// asked is the pottery course's, which the first question named, not the
// demo catalogue's prices of courses for beginners.
func TestEngineBareQuestionAsksOfTheCourseNamedBefore(t *testing.T) {
	t.Parallel()
	engineCase(t, `
name: bare-question-asks-of-the-course-named-before
role: prospect
channel: web
fixtures:
  knowledge:
    - source: alfar/talleres.md
      language: es
      text: |
        # Taller de Cerámica Alfar (Montevideo)

        ## Torno para principiantes

        Seis sábados de 3 horas en el taller de Ciudad Vieja, con arcilla y horno incluidos. Precio: 210 USD. Grupos de 6 personas como máximo.

        ## Qué traer

        Ropa que se pueda manchar y el pelo recogido.
  courses:
    - slug: alfar-torno-inicial
      title: {es: "Torno para principiantes", en: "Pottery wheel for beginners"}
      language: es
      level: beginner
      price: {amount: 210, currency: USD}
      seats: 6
      start: 2027-04-03
      duration_weeks: 6
      topics: [ceramica, torno]
turns:
  - user: "hola! tienen torno para principiantes? hay que llevar delantal? cuanto sale?"
    expect:
      reply_contains: ["210"]
      reply_not_contains: ["249", "199"]
      reply_language: es
`)
}

// "whats the price and when does it start": a date that says what starts
// then ("Starts: 15 February") answers, not any date on the same page
// ("another course's early-bird deadline: 30 Jan").
func TestEngineStartAnsweredByTheStartDate(t *testing.T) {
	t.Parallel()
	engineCase(t, `
name: start-answered-by-the-start-date
role: prospect
channel: web
turns:
  - user: "anything for people who want to get better at prompting? whats the price and when does it start"
    expect:
      reply_contains: ["15 February"]
      reply_not_contains: ["279", "30 Jan"]
      reply_language: en
`)
}

// "tell me about the prompt engineering course", "me fala do curso de
// agentes": asked to be told about a course, not to be enrolled in it nor
// to open a ticket, so no email is asked for.
func TestEngineToldAboutACourseAsksNoEmail(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ ask, lang, emailAsk string }{
		{"tell me about the prompt engineering course", "en", "What's your email"},
		{"info on the RAG course pls", "en", "What's your email"},
		{"contame del curso de agentes", "es", "Cuál es tu correo"},
		{"me fala do curso de agentes", "pt", "Qual é o seu e-mail"},
	} {
		engineCase(t, `
name: told-about-a-course-asks-no-email
role: prospect
channel: web
turns:
  - user: "`+c.ask+`"
    expect:
      tools_not_called: [enroll_course, open_ticket]
      reply_not_contains: ["`+c.emailAsk+`"]
      reply_language: `+c.lang+`
`)
	}
}

// "¿de qué trata el curso de datos?", "tell me about the prompt engineering
// course": what the course is, as its page opens by saying, not a price
// list nor another document that shares a word ("datos" of a privacy
// policy).
func TestEngineAskedAboutACourseGetsItsIntro(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		ask, lang string
		want      []string
	}{
		{"de que trata el curso de datos?", "es", []string{"Excel", "limpiar"}},
		{"tell me about the prompt engineering course", "en", []string{"hands-on"}},
		{"quero saber mais sobre o curso de agentes", "pt", []string{"avançado", "avanzado"}},
	} {
		engineCase(t, `
name: asked-about-a-course-gets-its-intro
role: prospect
channel: web
turns:
  - user: "`+c.ask+`"
    expect:
      reply_contains_any: ["`+strings.Join(c.want, `", "`)+`"]
      reply_not_contains: ["email address", "correo electrónico", "e-mail?"]
      reply_language: `+c.lang+`
`)
	}
}

// "ok perfect, and how much is it?" is all common words and an "ok", but
// it asks: it is answered, not thanked.
func TestEngineQuestionAfterAnOkIsAnswered(t *testing.T) {
	t.Parallel()
	engineCase(t, `
name: question-after-an-ok-is-answered
role: prospect
channel: web
turns:
  - user: "tell me about the prompt engineering course"
  - user: "ok perfect, and how much is it?"
    expect:
      reply_contains: ["199"]
      reply_language: en
`)
}

// "legal, e quando começa?": the acknowledgement that opens it says
// nothing of its own, so the question leans on the course asked about
// before, as "e quando começa?" would.
func TestEngineFollowUpAfterAnAcknowledgement(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ first, then, want, lang string }{
		{"quero saber mais sobre o curso de marketing", "legal, e quando começa?", "8 de fevereiro", "pt"},
		{"contame del curso de datos", "genial, y cuando arranca?", "15 de marzo", "es"},
	} {
		engineCase(t, `
name: follow-up-after-an-acknowledgement
role: prospect
channel: web
turns:
  - user: "`+c.first+`"
  - user: "`+c.then+`"
    expect:
      reply_contains: ["`+c.want+`"]
      reply_language: `+c.lang+`
`)
	}
}

// "do i need python for it?" after asking about the RAG course: a
// question about the course pointed at, for the knowledge base, not a
// listing of the courses whose topic is Python.
func TestEngineQuestionAboutTheCoursePointedAt(t *testing.T) {
	t.Parallel()
	engineCase(t, `
name: question-about-the-course-pointed-at
role: prospect
channel: web
turns:
  - user: "tell me about the RAG course"
  - user: "do i need python for it?"
    expect:
      tools_not_called: [list_courses]
      reply_contains_any: ["TypeScript"]
      reply_language: en
`)
}

// "How much is the Growth plan?": the price asked is the Growth plan's;
// the list of every course's prices states prices but not of it.
func TestEnginePriceOfTheThingAsked(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ ask, lang string }{
		{"How much is the Growth plan?", "en"},
		{"quanto custa o plano Growth?", "pt"},
	} {
		engineCase(t, `
name: price-of-the-thing-asked
role: prospect
channel: web
turns:
  - user: "`+c.ask+`"
    expect:
      reply_contains: ["Growth", "99"]
      reply_not_contains: ["Prompt Engineering", "199"]
      reply_language: `+c.lang+`
`)
	}
}

// A lead saved without a name asks for it once: "thanks! is there a free
// trial?" moves on, and is answered without asking the name again; the
// name given when asked still completes the lead.
func TestEngineNameAskedAfterALeadIsAskedOnce(t *testing.T) {
	t.Parallel()
	engineCase(t, `
name: name-asked-after-a-lead-is-asked-once
role: prospect
channel: web
turns:
  - user: "we're a team of 12 at Brightwave, budget about 300 a month for email and whatsapp campaigns, can someone contact me? jo@brightwave.example"
    expect:
      tool: qualify_lead
      reply_contains: ["name"]
  - user: "thanks! is there a free trial?"
    expect:
      tools_not_called: [qualify_lead]
      reply_contains: ["14"]
      reply_not_contains: ["full name"]
`)
	engineCase(t, `
name: name-given-when-asked-after-a-lead
role: prospect
channel: web
turns:
  - user: "we're a team of 12 at Brightwave, budget about 300 a month for email and whatsapp campaigns, can someone contact me? jo@brightwave.example"
    expect:
      tool: qualify_lead
  - user: "Jo Marsh"
    expect:
      tool: qualify_lead
      args: {name: Jo Marsh, email: jo@brightwave.example}
`)
}

// "y el de datos cuándo termina?" after a certificate was made for
// another course names another course, as "y el de datos?" would, but it
// asks when: it is a question, not the certificate asked again.
func TestEngineFollowUpThatAsksAFactIsNoRepeat(t *testing.T) {
	t.Parallel()
	engineCase(t, `
name: follow-up-that-asks-a-fact-is-no-repeat
role: student
channel: web
contact: {name: Laura Gómez, email: laura.gomez@example.com}
fixtures:
  enrollments:
    - {course: ia-marketing, progress: 100}
    - {course: datos-ia, progress: 30}
turns:
  - user: "me pasas el certificado del de marketing?"
    expect:
      tool: generate_document
  - user: "y el de datos cuando termina?"
    expect:
      tools_not_called: [generate_document]
      reply_contains: ["25 de abril"]
      reply_language: es
`)
}
