package offline_test

import (
	"fmt"
	"testing"

	"github.com/faroai/faro/llm/offline"
	"github.com/faroai/faro/llm/turnctx"
	"github.com/faroai/faro/store"
	"github.com/stretchr/testify/require"
	"github.com/tmc/langchaingo/llms"
)

// routeOf returns the tool the model routes a fresh message to, whether it
// calls it or first asks for an argument ("" when it routes to no tool),
// with the contract's tools for role (search_knowledge included, as the
// server offers it) and no passages in the turn.
func routeOf(t *testing.T, role store.Role, text string) (string, string) {
	t.Helper()
	c := &calls{}
	reg := newRegistry(t, c, func(string) any { return map[string]any{"query": "", "passages": []any{}} })
	m := newModel(t, reg)
	msgs := []llms.MessageContent{
		{Role: llms.ChatMessageTypeSystem, Parts: []llms.ContentPart{turnctx.Context{Role: string(role)}.Part()}},
		llms.TextParts(llms.ChatMessageTypeHuman, text),
	}
	kind, tool, _ := offline.Decision(m, msgs, llms.WithTools(reg.Definitions(role)))
	scores := offline.Scores(m, msgs, llms.WithTools(reg.Definitions(role)))
	if kind == "knowledge" {
		return "knowledge", fmt.Sprint(kind, scores)
	}
	return tool, fmt.Sprint(kind, scores)
}

// Routing among the contract's tools, by their own examples and
// descriptions, for messages written as users write them: typos, no
// accents, extra facts, mixed languages. "" means no business tool: a
// knowledge answer (or a search for one), small talk or a question back.
func TestRouting(t *testing.T) {
	t.Parallel()
	const knowledge = "knowledge"
	cases := []struct {
		role store.Role
		text string
		want string
	}{
		// enroll_course
		{store.RoleProspect, "hola quiero inscribirme al curso de ia para marketing", "enroll_course"},
		{store.RoleProspect, "me anoto en el de prompt engineering, mi mail es ana@gmail.com", "enroll_course"},
		{store.RoleStudent, "como me matriculo en analisis de datos?", "enroll_course"},
		{store.RoleProspect, "quisiera apuntarme al curso de agentes", "enroll_course"},
		{store.RoleProspect, "inscribirme en fundamentos de ia generativa porfa", "enroll_course"},
		{store.RoleProspect, "I want to sign up for AI for Marketing", "enroll_course"},
		{store.RoleStudent, "pls enroll me in the RAG course", "enroll_course"},
		{store.RoleProspect, "how can i register for the managers course?", "enroll_course"},
		{store.RoleProspect, "quero me inscrever no curso de prompt engineering", "enroll_course"},
		// list_courses
		{store.RoleProspect, "que cursos tienen?", "list_courses"},
		{store.RoleProspect, "me mostras el catalogo de cursos?", "list_courses"},
		{store.RoleProspect, "what courses do you have?", "list_courses"},
		{store.RoleStudent, "list your courses please", "list_courses"},
		{store.RoleProspect, "quais cursos vocês oferecem?", "list_courses"},
		// qualify_lead
		{store.RoleProspect, "hola, soy gerente de una pyme de 30 personas y queremos capacitar al equipo en IA", "qualify_lead"},
		{store.RoleProspect, "quiero una propuesta para mi empresa", "qualify_lead"},
		{store.RoleProspect, "me interesa pulse para mi agencia, somos 12", "qualify_lead"},
		{store.RoleProspect, "we're a 200-person company looking for AI training for our staff", "qualify_lead"},
		{store.RoleProspect, "can someone from sales contact me about a corporate plan?", "qualify_lead"},
		// Everything about the person and no request words: a lead by its
		// arguments.
		{store.RoleProspect, "buenas, soy Tomás Vidal de Ópticas Vidal, somos 15 en el equipo, tenemos unos 2000 dólares; escribime a tomas@opticasvidal.com", "qualify_lead"},
		// open_ticket
		{store.RoleStudent, "me cobraron dos veces el curso!!", "open_ticket"},
		{store.RoleStudent, "quiero abrir un ticket", "open_ticket"},
		{store.RoleStudent, "el video del modulo 3 no carga, ya probe en otro navegador", "open_ticket"},
		{store.RoleStudent, "I was charged twice for the same course", "open_ticket"},
		{store.RoleStudent, "please open a support ticket for me", "open_ticket"},
		// ticket_status
		{store.RoleStudent, "como va mi ticket 4521?", "ticket_status"},
		{store.RoleStudent, "hay novedades de mi reclamo 77?", "ticket_status"},
		{store.RoleStudent, "any update on ticket #4521?", "ticket_status"},
		// request_human
		{store.RoleProspect, "quiero hablar con una persona", "request_human"},
		{store.RoleStudent, "pasame con un asesor x favor", "request_human"},
		{store.RoleProspect, "can i talk to a human?", "request_human"},
		{store.RoleProspect, "I need a real person", "request_human"},
		{store.RoleProspect, "quero falar com um atendente", "request_human"},
		{store.RoleStaff, "pasale esta conversacion a alguien de ventas", "request_human"},
		// A real person, in Portuguese too.
		{store.RoleStudent, "isso eu quero ver com uma pessoa de verdade", "request_human"},
		// The verb of speaking may come after the person.
		{store.RoleStudent, "this is going nowhere. is there somebody I could speak to?", "request_human"},
		{store.RoleProspect, "hay alguien del equipo con quien pueda hablar?", "request_human"},
		{store.RoleStudent, "tem alguma pessoa com quem eu possa conversar?", "request_human"},
		// report_kpis, staff only
		{store.RoleStaff, "dame el mrr de este mes", "report_kpis"},
		{store.RoleStaff, "cuantos leads entraron el mes pasado?", "report_kpis"},
		{store.RoleStaff, "kpis del trimestre porfa", "report_kpis"},
		{store.RoleStaff, "what's our churn this quarter", "report_kpis"},
		// questions for the knowledge base
		{store.RoleProspect, "cuanto cuesta el curso de ia para marketing?", knowledge},
		{store.RoleProspect, "los cursos tienen certificado?", knowledge},
		{store.RoleStudent, "cual es la politica de reembolso", knowledge},
		{store.RoleProspect, "se puede pagar en cuotas?", knowledge},
		{store.RoleProspect, "how much is the prompt engineering course?", knowledge},
		{store.RoleProspect, "do you offer refunds?", knowledge},
		{store.RoleProspect, "quanto custa o curso de dados?", knowledge},
		// "¿me sirve?" asks what the course is to the person, not to be
		// enrolled
		{store.RoleProspect, "me interesa el de agentes pero nunca programé nada, me sirve igual?", knowledge},
		{store.RoleProspect, "holaa me interesa el de marketing pero de redes no se nada, me sirve o me pierdo?", knowledge},
		{store.RoleProspect, "me interesa el curso de datos con ia. me conviene si solo uso excel?", knowledge},
		// "formas" (ways) is no "formación": payment methods are no listing
		{store.RoleProspect, "quais formas de pagamento vcs aceitam?", knowledge},
		{store.RoleProspect, "que formas de pago tienen?", knowledge},
		// a prospect's KPI request is a question the engine cannot route
		// to report_kpis, which is not offered to them
		{store.RoleProspect, "dame el mrr de este mes", knowledge},
		// off-topic or unclear messages go to no tool
		{store.RoleProspect, "mi perro se llama Firulais", knowledge},
		{store.RoleProspect, "hoy llueve mucho en madrid", knowledge},
		{store.RoleProspect, "quiero aprender a cocinar", knowledge},
		{store.RoleStudent, "my cat walked on the keyboard lol", knowledge},
		{store.RoleProspect, "asdfgh", knowledge},
		{store.RoleProspect, "???", ""},
		// small talk
		{store.RoleProspect, "hola", ""},
		{store.RoleProspect, "buenas tardes!", ""},
		{store.RoleProspect, "gracias!", ""},
		{store.RoleProspect, "thanks a lot", ""},
		{store.RoleProspect, "chau", ""},
	}
	for _, c := range cases {
		t.Run(c.text, func(t *testing.T) {
			t.Parallel()
			got, kind := routeOf(t, c.role, c.text)
			require.Equal(t, c.want, got, "decision: %s", kind)
		})
	}
}

// The demo's evaluation questions are questions: none hands the person off
// (the load test asks them and counts a hand-off's silence as a lost
// reply), and none enrols or records a lead at once. A ticket for "I paid
// and the course is not there", or asking the email of someone who wants
// documents generated, is fair.
func TestEvalQuestionsAreAnswered(t *testing.T) {
	t.Parallel()
	reg := newRegistry(t, &calls{}, nil)
	m := newModel(t, reg)
	opts := llms.WithTools(reg.Definitions(store.RoleProspect))
	for _, q := range evalQuestions(t) {
		kind, tool, _ := offline.Decision(m, []llms.MessageContent{llms.TextParts(llms.ChatMessageTypeHuman, q.Query)}, opts)
		require.NotEqual(t, "request_human", tool, "%q: %s %s", q.Query, kind, tool)
		if kind == "call" {
			require.NotContains(t, []string{"enroll_course", "qualify_lead"}, tool, "%q: %s %s", q.Query, kind, tool)
		}
	}
}

// A count that names what the staff's report measures ("quantas
// matrículas…") asks the report, even when the knowledge base has
// passages with the same word (a student's proof of "matrícula"); a
// question about customers that counts nothing stays with the knowledge
// base.
func TestCountOfAMetricAsksTheReport(t *testing.T) {
	a := newAgent(t, store.RoleStaff, "pt")
	a.retrieves(turnctx.Passage{Ref: "1", Source: "es/precios/descuentos.md", Title: "Descuentos", Heading: "Descuentos > Estudiantes",
		Text: "Para alumnos con matrícula vigente en una universidad. Envía un comprobante de matrícula del curso actual."})
	res := a.say("quantas matrículas a gente fechou esse ano até agora?")
	require.Equal(t, []string{"report_kpis"}, callNames(res.calls), res.reply)
	require.Equal(t, []any{"enrollments"}, args(t, res.calls[0])["metrics"])

	b := newAgent(t, store.RoleStaff, "en")
	res = b.say("customer paid by bank transfer and wants a refund, how do we send the money back?")
	require.NotContains(t, callNames(res.calls), "report_kpis", res.reply)
}

// A question that resembles a task more than a question for the knowledge
// base ("my card got charged two times…, what happens now?") is answered from
// the knowledge base when it answers; when it has nothing, the task is
// done rather than "I couldn't find that".
func TestQuestionFallsBackToItsTask(t *testing.T) {
	const msg = "my card got charged two times for the course, what happens now?"
	none := func(string) any { return map[string]any{"query": "", "passages": []any{}} }
	c := &calls{}
	reg := newRegistry(t, c, none)
	a := &agent{t: t, model: newModel(t, reg), reg: reg, role: store.RoleStudent, calls: c,
		tc: turnctx.Context{Role: string(store.RoleStudent), Language: "en", Name: "Ana Ruiz", Email: "ana@example.com"}}
	res := a.say(msg)
	require.Contains(t, callNames(res.calls), "open_ticket", res.reply)

	answers := func(string) any {
		return map[string]any{"query": "", "passages": []any{map[string]any{"ref": "1", "source": "en/billing.md", "title": "Billing",
			"heading": "Billing > Charged twice",
			"text":    "If your card was charged two times for the same course, what happens is that the second charge is refunded automatically within 5 business days."}}}
	}
	c2 := &calls{}
	reg2 := newRegistry(t, c2, answers)
	b := &agent{t: t, model: newModel(t, reg2), reg: reg2, role: store.RoleStudent, calls: c2,
		tc: turnctx.Context{Role: string(store.RoleStudent), Language: "en", Name: "Ana Ruiz", Email: "ana@example.com"}}
	res = b.say(msg)
	require.NotContains(t, callNames(res.calls), "open_ticket", res.reply)
	require.Contains(t, res.reply, "5 business days")
}

// An email sent on its own after a question that leaned towards a task
// ("how do I get a seat in the prompt engineering course?", answered from
// the knowledge base) is that task's: the enrolment goes ahead with it,
// rather than "I'm not sure I understood".
func TestBareEmailContinuesWhatTheQuestionLeanedTo(t *testing.T) {
	c := &calls{}
	reg := newRegistry(t, c, func(string) any { return map[string]any{"query": "", "passages": []any{}} })
	a := &agent{t: t, model: newModel(t, reg), reg: reg, role: store.RoleProspect, calls: c,
		tc: turnctx.Context{Role: string(store.RoleProspect), Language: "en"}}
	a.say("my manager wants me in the prompt engineering course, how would I get a seat?")
	res := a.say("dana.reyes@example.com")
	require.Contains(t, callNames(res.calls), "enroll_course", res.reply)
	got := args(t, res.calls[len(res.calls)-1])
	require.Equal(t, "dana.reyes@example.com", got["email"])
}

// A task begun by asking ("what's your email?") answers first the
// question the message asked along the way, when the knowledge base
// answers it.
func TestTaskAnswersTheQuestionAskedAlongTheWay(t *testing.T) {
	a := newAgent(t, store.RoleProspect, "es")
	a.retrieves(turnctx.Passage{Ref: "1", Source: "es/precios/descuentos.md", Title: "Descuentos", Heading: "Descuentos > Equipos",
		Text: "Equipos de 10 o más personas de la misma empresa: 25% de descuento por cantidad en cualquier curso."})
	res := a.say("somos 30 personas y queremos una propuesta para capacitar al equipo en IA. hay descuento por cantidad?")
	require.Empty(t, res.calls, res.reply)
	require.Contains(t, res.reply, "25%")
	require.Contains(t, res.reply, "correo")
}

// A task done in one go answers, after its result, the question asked
// along with it.
func TestTaskThenTheQuestionAskedAlong(t *testing.T) {
	a := newAgent(t, store.RoleProspect, "en")
	a.retrieves(turnctx.Passage{Ref: "1", Source: "en/pricing/installment-plans.md", Title: "Instalment plans", Heading: "Instalment plans > Who can split the payment",
		Text: "Courses of USD 249 or more can be split into 3 monthly instalments with no interest."})
	res := a.say("sign me up for the AI for marketing course, I'm Lena Park, lena.park@example.com. can I split the payment into instalments?")
	require.Equal(t, []string{"enroll_course"}, callNames(res.calls), res.reply)
	require.Contains(t, res.reply, "3 monthly instalments")
}

// After a listing, a message that names one course with the person's name
// and email is an enrolment, not the listing again with new filters.
func TestChoiceAfterAListingEnrols(t *testing.T) {
	a := newAgent(t, store.RoleProspect, "es")
	first := a.say("que cursos tienen para principiantes?")
	require.Equal(t, []string{"list_courses"}, callNames(first.calls), first.reply)
	res := a.say("me quedo con fundamentos de IA generativa, nivel principiante: Ana Ruiz, ana.ruiz@example.com")
	require.Equal(t, []string{"enroll_course"}, callNames(res.calls), res.reply)
}

// Messages that read like a tool's but are not for it: a statement about
// one course it names asks for no listing of the catalogue; someone spoken
// to before is no one asked for now.
func TestRoutedAwayFrom(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ text, not string }{
		{"paid for the prompt engineering course with paypal 3 days ago, still nothing under my courses, already checked spam", "list_courses"},
		{"pagué el curso de ia para marketing hace 3 dias y no me aparece nada en mis cursos, ya revisé el spam", "list_courses"},
		{"la persona con la que hablé ayer me dijo que el reembolso ya estaba aprobado, cuándo llega?", "request_human"},
		{"the person I spoke to yesterday said my refund was approved, when does it arrive?", "request_human"},
	} {
		got, kind := routeOf(t, store.RoleStudent, c.text)
		require.NotEqual(t, c.not, got, "%s: %s", c.text, kind)
	}
}

// "Can you make contracts and proposals with AI?" asks what the business
// does: a tool ahead by a hair that the message gives nothing to (it would
// only ask for an email) is not begun on it.
func TestCapabilityQuestionBeginsNoTask(t *testing.T) {
	t.Parallel()
	reg := newRegistry(t, &calls{}, nil)
	m := newModel(t, reg)
	opts := llms.WithTools(reg.Definitions(store.RoleProspect))
	for _, q := range []string{"¿pueden armar contratos y propuestas con IA?", "podem gerar contratos e propostas com IA?"} {
		kind, tool, field := offline.Decision(m, []llms.MessageContent{llms.TextParts(llms.ChatMessageTypeHuman, q)}, opts)
		require.Equal(t, "knowledge", kind, "%s: %s %s", q, tool, field)
	}
}

// "how do I sign up?" asks how to have done what a tool does: the tool
// does it, and begins by asking what it needs, rather than a search that
// finds some other product's sign-up.
func TestHowDoIAsksForTheTask(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"nice!! how do I sign up?", "perfecto, y como me inscribo?", "beleza, como eu me inscrevo?"} {
		got, why := routeOf(t, store.RoleProspect, text)
		require.Equal(t, "enroll_course", got, "%s: %s", text, why)
	}
	// A question that names more than the action is answered as asked.
	got, why := routeOf(t, store.RoleProspect, "how do I sign up for the newsletter of the blog?")
	require.NotEqual(t, "enroll_course", got, why)
}
