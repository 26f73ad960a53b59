package business_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tmc/langchaingo/llms"

	"github.com/faroai/faro/knowledge"
	"github.com/faroai/faro/llm/offline"
	"github.com/faroai/faro/llm/offline/business"
	"github.com/faroai/faro/llm/turnctx"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/sqlite"
	"github.com/faroai/faro/tools"
)

// staffCall is the first tool call the engine makes for a staff member's
// last message after the given history (human texts, and the previous
// turn's call and result), with the real tool contract: its name and
// arguments, or "" when it makes none.
func staffCall(t *testing.T, history []llms.MessageContent, text string) (string, map[string]any) {
	t.Helper()
	name, args, _ := callAs(t, turnctx.Context{Role: string(store.RoleStaff), Language: "en"}, history, text)
	return name, args
}

// callAs is staffCall for any caller and turn context (passages
// included), with the reply's text too.
func callAs(t *testing.T, tc turnctx.Context, history []llms.MessageContent, text string) (string, map[string]any, string) {
	return callIn(t, false, tc, history, text)
}

// callIn is callAs, in a store that holds the demo catalogue if demo.
func callIn(t *testing.T, demoCatalogue bool, tc turnctx.Context, history []llms.MessageContent, text string) (string, map[string]any, string) {
	t.Helper()
	return turnIn(t, demoCatalogue, false, tc, history, text)
}

// replyIn is the reply to text once every call the engine makes has run,
// in a store with the demo catalogue, and the name of the last tool
// called besides searches ("" when none).
func replyIn(t *testing.T, tc turnctx.Context, text string) (string, string) {
	t.Helper()
	name, _, reply := turnIn(t, true, true, tc, nil, text)
	return name, reply
}

// turnIn is callIn that, when runAll, runs every call and goes on to the
// reply, reporting the last call besides searches with it.
func turnIn(t *testing.T, demoCatalogue, runAll bool, tc turnctx.Context, history []llms.MessageContent, text string) (string, map[string]any, string) {
	t.Helper()
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "faro.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	if demoCatalogue {
		putDemoCatalogue(t, st)
	}
	emb, err := offline.NewEmbedder(offline.EmbedderOptions{})
	require.NoError(t, err)
	reg, err := tools.NewDefault(st, knowledge.New(st, emb, emb.Name(), nil), tools.DefaultConfig(), nil)
	require.NoError(t, err)
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	m := business.NewModel(st, reg, business.Options{Engine: offline.Options{Now: func() time.Time { return now }}})
	msgs := []llms.MessageContent{{Role: llms.ChatMessageTypeSystem, Parts: []llms.ContentPart{tc.Part()}}}
	msgs = append(msgs, history...)
	msgs = append(msgs, llms.TextParts(llms.ChatMessageTypeHuman, text))
	// Searches run against the (empty) knowledge base, as the agent
	// would run them: what comes after one is the call that counts.
	name, args := "", map[string]any(nil)
	for step := 0; step < 3; step++ {
		resp, err := m.GenerateContent(ctx, msgs, llms.WithTools(reg.Definitions(store.Role(tc.Role))))
		require.NoError(t, err)
		for _, c := range resp.Choices[0].ToolCalls {
			if c.FunctionCall.Name != "search_knowledge" {
				name, args = c.FunctionCall.Name, map[string]any{}
				require.NoError(t, json.Unmarshal([]byte(c.FunctionCall.Arguments), &args))
				if !runAll {
					return name, args, resp.Choices[0].Content
				}
			}
			out := reg.Call(ctx, tools.Caller{Role: store.Role(tc.Role), Language: tc.Language, Email: tc.Email}, c)
			msgs = append(msgs, llms.MessageContent{Role: llms.ChatMessageTypeAI, Parts: []llms.ContentPart{c}},
				llms.MessageContent{Role: llms.ChatMessageTypeTool, Parts: []llms.ContentPart{out.Response}})
			break
		}
		if len(resp.Choices[0].ToolCalls) == 0 {
			return name, args, resp.Choices[0].Content
		}
	}
	t.Fatalf("no answer after 3 steps to %q", text)
	return "", nil, ""
}

// Staff ask for their numbers in their own words: a count of a metric, a
// metric with its dates, "today" as the period, and a follow-up that
// names another metric "for the same period"; a question about a
// customer that counts months is no report.
func TestStaffReports(t *testing.T) {
	t.Parallel()
	name, args := staffCall(t, nil, "quantas inscrições a gente teve esse trimestre?")
	require.Equal(t, "report_kpis", name)
	require.Equal(t, []any{"enrollments"}, args["metrics"])

	name, args = staffCall(t, nil, "could you get me enrollments between 2027-02-01 and 2027-02-28")
	require.Equal(t, "report_kpis", name)
	require.Equal(t, "custom", args["period"], "from and to given: the period their description says they need")
	require.Equal(t, "2027-02-01", args["from"])

	name, args = staffCall(t, nil, "cómo vienen los leads hoy?")
	require.Equal(t, "report_kpis", name)
	require.Equal(t, "today", args["period"])
	require.NotContains(t, args, "from", "today is a period the tool names, not a custom range")

	prev := []llms.MessageContent{
		llms.TextParts(llms.ChatMessageTypeHuman, "what's our churn this quarter?"),
		{Role: llms.ChatMessageTypeAI, Parts: []llms.ContentPart{llms.ToolCall{ID: "call_1", Type: "function",
			FunctionCall: &llms.FunctionCall{Name: "report_kpis", Arguments: `{"metrics":["churn"],"period":"this_quarter"}`}}}},
		{Role: llms.ChatMessageTypeTool, Parts: []llms.ContentPart{llms.ToolCallResponse{ToolCallID: "call_1", Name: "report_kpis",
			Content: `{"message":"Churn this quarter: 2.1%"}`}}},
		llms.TextParts(llms.ChatMessageTypeAI, "Churn this quarter: 2.1%"),
	}
	name, args = staffCall(t, prev, "and support tickets, same period?")
	require.Equal(t, "report_kpis", name, "a follow-up gives the report a metric; no ticket number is asked for")
	require.Equal(t, []any{"tickets"}, args["metrics"])
	require.Equal(t, "this_quarter", args["period"])

	name, _ = staffCall(t, nil, "un cliente nos preguntó si puede pagar el curso de datos en cuotas con la tarjeta, en cuántos meses?")
	require.NotEqual(t, "report_kpis", name)
}

// Staff asking for a ticket about a customer's invoice get a ticket: the
// thing named by the tool the request is for ("ticket") wins over the
// document the story mentions ("the invoice").
func TestStaffTicketAboutAnInvoice(t *testing.T) {
	t.Parallel()
	name, args := staffCall(t, nil, "abrí un ticket para la clienta marta@hotelsol.com.ar: no recibió la factura de la renovación de Pulse Growth")
	require.Equal(t, "open_ticket", name)
	require.Equal(t, "marta@hotelsol.com.ar", args["email"])
}

// A question about what to bring to a class is answered from the
// knowledge base and begins no ticket (its email is not asked for). This
// guards the behaviour; on this catalogue the question does not reach the
// rule that a question begins only a task it gives a value of its own,
// which the tuning conversation tune-fresh5-es-fixture-musica-faq-inscripcion
// (a guitar school's catalogue) exercises.
func TestQuestionBeginsNoTaskItOnlyResembles(t *testing.T) {
	t.Parallel()
	tc := turnctx.Context{Role: string(store.RoleProspect), Language: "es", Passages: []turnctx.Passage{{Ref: "1",
		Source: "es/faq.md", Title: "Preguntas frecuentes", Heading: "Preguntas frecuentes > ¿Tengo que llevar mi guitarra?",
		Text: "No hace falta llevar tu propia guitarra al curso: en la escuela prestamos guitarras durante cada clase."}}}
	name, _, resp := callAs(t, tc, nil, "hola! para el curso de guitarra tengo q llevar mi propia guitarra? todavia no tengo ninguna jaja")
	require.Empty(t, name, resp)
	require.Contains(t, resp, "prestamos guitarras")
	require.NotContains(t, resp, "correo", "no ticket begun: its email is not asked for")
}

// "What's the status of that ticket?" right after one was opened is that
// ticket's status: its number is the one the conversation just gave, not
// asked for again.
func TestStatusOfTheTicketJustOpened(t *testing.T) {
	t.Parallel()
	prev := []llms.MessageContent{
		llms.TextParts(llms.ChatMessageTypeHuman, "the quiz page goes blank every time I submit it"),
		{Role: llms.ChatMessageTypeAI, Parts: []llms.ContentPart{llms.ToolCall{ID: "call_1", Type: "function",
			FunctionCall: &llms.FunctionCall{Name: "open_ticket", Arguments: `{"subject":"Quiz page goes blank","description":"the quiz page goes blank every time I submit it","email":"ana@example.com"}`}}}},
		{Role: llms.ChatMessageTypeTool, Parts: []llms.ContentPart{llms.ToolCallResponse{ToolCallID: "call_1", Name: "open_ticket",
			Content: `{"number":"T-000042","status":"open","message":"I've opened ticket T-000042 (priority high)."}`}}},
		llms.TextParts(llms.ChatMessageTypeAI, "I've opened ticket T-000042 (priority high). You can ask me for its status with that number."),
	}
	tc := turnctx.Context{Role: string(store.RoleStudent), Language: "en", Email: "ana@example.com"}
	name, args, reply := callAs(t, tc, prev, "ok thanks. any news on that ticket?")
	require.Equal(t, "ticket_status", name, reply)
	require.Equal(t, "T-000042", args["number"])
	// "And how is it going?" names no ticket and reads as much like a
	// question: the knowledge base has nothing for it, so it is the
	// ticket's status that was asked.
	tc.Language = "es"
	name, args, reply = callAs(t, tc, prev, "ok y cómo va eso? ya lo están mirando?")
	require.Equal(t, "ticket_status", name, reply)
	require.Equal(t, "T-000042", args["number"])
}

// Staff needing an invoice with no details are asked for them, even when a
// ticket reads a little closer to their words than a document does.
func TestStaffNeedingAnInvoiceAreAskedForItsDetails(t *testing.T) {
	t.Parallel()
	name, _, reply := callAs(t, turnctx.Context{Role: string(store.RoleStaff), Language: "es"}, nil, "oye necesito sacar una factura hoy sin falta")
	require.Empty(t, name, reply)
	require.Contains(t, reply, "conceptos con su precio")
}

// A period named by its unit alone ("del mes", "do mês") is the current
// one; the last one must be said.
func TestStaffPeriodUnmarkedIsThePresent(t *testing.T) {
	t.Parallel()
	for text, want := range map[string]string{
		"cuántos leads llevamos en lo que va del mes?": "this_month",
		"quantos leads deste mês?":                     "this_month",
		"y los leads del mes pasado?":                  "last_month",
		"leads of the last month please":               "last_month",
	} {
		name, args := staffCall(t, nil, text)
		require.Equal(t, "report_kpis", name, text)
		require.Equal(t, want, args["period"], text)
	}
}

// "Pass me the NPS" asks for a figure, not for a person: a hand-off is
// asked for with a word for one. "Last week" is the week before this one.
func TestStaffPassMeAFigure(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"me passa o NPS, por favor", "pásame el NPS porfa"} {
		name, _ := staffCall(t, nil, text)
		require.Equal(t, "report_kpis", name, text)
	}
	for _, text := range []string{"me passa o NPS da semana passada", "NPS of last week?", "¿cómo salió el NPS la semana pasada?"} {
		name, args := staffCall(t, nil, text)
		require.Equal(t, "report_kpis", name, text)
		require.Equal(t, "custom", args["period"], "%s: %v", text, args)
		require.Equal(t, "2026-11-30", args["from"], text)
		require.Equal(t, "2026-12-06", args["to"], text)
	}
}

// A hand-off is asked for with a word for a person: "me passa isso por
// email" shares only the verb with "me passa para um atendente".
func TestPassMeIsNoHandoff(t *testing.T) {
	t.Parallel()
	tc := turnctx.Context{Role: string(store.RoleStudent), Language: "pt", Email: "bia@correo.example"}
	for _, text := range []string{"me passa isso por email", "me passa o contrato da semana passada"} {
		name, _, reply := callAs(t, tc, nil, text)
		require.NotEqual(t, "request_human", name, "%s: %s", text, reply)
	}
}

// Whom a document is for: after a possessive and a word for their role
// ("for her employer Quanta Labs"), and a company's name with its article
// or joiner inside ("Ferretería El Tornillo", "Padaria Do Ponto").
func TestStaffDocumentParties(t *testing.T) {
	t.Parallel()
	for text, want := range map[string]map[string]string{
		"an invoice for her employer Quanta Labs, USD 399, as markdown":                     {"client_name": "Quanta Labs"},
		"factura para Ana Ruiz de Ferretería El Tornillo: 2 talleres a 300 USD":             {"client_name": "Ana Ruiz", "company": "Ferretería El Tornillo"},
		"proposta para o meu cliente Tiago Lima da Padaria Do Ponto: 1 workshop de 500 USD": {"client_name": "Tiago Lima", "company": "Padaria Do Ponto"},
	} {
		name, args := staffCall(t, nil, text)
		require.Equal(t, "generate_document", name, text)
		vars, _ := args["variables"].(map[string]any)
		for k, v := range want {
			require.Equal(t, v, vars[k], "%s: %v", text, vars)
		}
	}
}

// "And the one for data too" after a certificate asks for that course's
// certificate, not for an enrolment in it, though the student's known
// email would make the enrolment complete.
func TestSameAgainForAnotherCourse(t *testing.T) {
	t.Parallel()
	prev := []llms.MessageContent{
		llms.TextParts(llms.ChatMessageTypeHuman, "terminé el curso de prompt engineering, me mandas el certificado?"),
		{Role: llms.ChatMessageTypeAI, Parts: []llms.ContentPart{llms.ToolCall{ID: "call_1", Type: "function",
			FunctionCall: &llms.FunctionCall{Name: "generate_document", Arguments: `{"template":"certificate","course":"prompt-engineering","variables":{"course_title":"Prompt engineering en la práctica"}}`}}}},
		{Role: llms.ChatMessageTypeTool, Parts: []llms.ContentPart{llms.ToolCallResponse{ToolCallID: "call_1", Name: "generate_document",
			Content: `{"status":"generated","message":"Listo: aquí tienes tu certificado."}`}}},
		llms.TextParts(llms.ChatMessageTypeAI, "Listo: aquí tienes tu certificado."),
	}
	tc := turnctx.Context{Role: string(store.RoleStudent), Language: "es", Email: "ana@correo.example", Name: "Ana"}
	for _, text := range []string{"bárbaro, y el de análisis de datos también", "perfecto! and the data analysis one too"} {
		name, _, reply := callIn(t, true, tc, prev, text)
		// A certificate begins by checking the student's enrolments.
		require.Equal(t, "my_enrollments", name, "%s: %s", text, reply)
	}
}

// "Now the invoice, same items" after a proposal reuses what the proposal
// was given, however long the message.
func TestStaffSameItemsAsBefore(t *testing.T) {
	t.Parallel()
	prev := []llms.MessageContent{
		llms.TextParts(llms.ChatMessageTypeHuman, "arma una propuesta para Hotel Sol, contacto Marta Ibáñez: 2 talleres de IA a 900 USD"),
		{Role: llms.ChatMessageTypeAI, Parts: []llms.ContentPart{llms.ToolCall{ID: "call_1", Type: "function",
			FunctionCall: &llms.FunctionCall{Name: "generate_document", Arguments: `{"template":"proposal","variables":{"client_name":"Marta Ibáñez","company":"Hotel Sol","currency":"USD","items":"2x talleres de IA 900"}}`}}}},
		{Role: llms.ChatMessageTypeTool, Parts: []llms.ContentPart{llms.ToolCallResponse{ToolCallID: "call_1", Name: "generate_document",
			Content: `{"status":"generated","message":"Listo: la propuesta para Hotel Sol."}`}}},
		llms.TextParts(llms.ChatMessageTypeAI, "Listo: la propuesta para Hotel Sol."),
	}
	tc := turnctx.Context{Role: string(store.RoleStaff), Language: "es"}
	name, args, reply := callAs(t, tc, prev, "perfecto, cerrado. ahora hacé la factura número F-2027-100 con los mismos ítems y fecha de hoy")
	require.Equal(t, "generate_document", name, reply)
	require.Equal(t, "invoice", args["template"])
	vars, _ := args["variables"].(map[string]any)
	require.Equal(t, "Hotel Sol", vars["company"], vars)
	require.Contains(t, vars["items"], "talleres", vars)
}

// A "key: value" inside parentheses ends with them, and an item is not
// opened by the parenthesis or dash before it.
func TestStaffDocumentPairInParentheses(t *testing.T) {
	t.Parallel()
	name, args := staffCall(t, nil, "make an invoice for Beta Corp (contact: Sam Lee) — 2 x Pulse Growth annual at 990 USD")
	require.Equal(t, "generate_document", name)
	vars, _ := args["variables"].(map[string]any)
	require.Equal(t, "Sam Lee", vars["contact"], vars)
	require.Equal(t, "Beta Corp", vars["company"], vars)
	require.True(t, strings.HasPrefix(fmt.Sprint(vars["items"]), "2x Pulse Growth"), "%v", vars)
}

// A question a listing answers only in part ("how much", yes; "do I need
// Python", no) gets the rest from the knowledge base after the list (see
// TestLeftUnanswered for the listing's part).
func TestListingThenTheRestOfTheQuestion(t *testing.T) {
	t.Parallel()
	tc := turnctx.Context{Role: string(store.RoleProspect), Language: "en", Passages: []turnctx.Passage{
		{Ref: "1", Source: "en/faq.csv", Title: "faq", Heading: "faq > How much do the courses cost?",
			Text: "How much do the courses cost?\n2027 prices: Prompt Engineering in Practice USD 199; Building LLM Apps with RAG USD 399."},
		{Ref: "2", Source: "en/courses/catalog.md", Title: "Course catalogue 2027", Heading: "Course catalogue 2027 > Which course is for me?",
			Text: "You are a developer who wants to ship chatbots and search over company documents: Building LLM Apps with RAG."},
		{Ref: "3", Source: "en/courses/llm-apps.md", Title: "Building LLM Apps with RAG", Heading: "Building LLM Apps with RAG > Prerequisites",
			Text: "Intermediate Python (classes, virtual environments) or intermediate Go or TypeScript. A laptop that can run Docker."},
	}}
	// Listed or answered from the passages, both halves are answered.
	_, reply := replyIn(t, tc, "hey how much is the rag course and do i need to know python for it?")
	require.Contains(t, reply, "399")
	require.Contains(t, reply, "Intermediate Python")
}

// A problem reported in a ticket is answered too, when the knowledge base
// says how to solve it: the team has the ticket, and the steps may solve
// it sooner.
func TestTicketThenWhatMayHelp(t *testing.T) {
	t.Parallel()
	tc := turnctx.Context{Role: string(store.RoleStudent), Language: "es", Email: "ana@example.com", Passages: []turnctx.Passage{
		{Ref: "1", Source: "es/soporte/restablecer-contrasena.md", Title: "Cómo restablecer tu contraseña", Heading: "Cómo restablecer tu contraseña > Campus",
			Text: "Entra en campus.brujula.example/recuperar y escribe tu correo. El enlace caduca a los 60 minutos y solo sirve una vez: si caducó, pide otro."},
	}}
	name, reply := replyIn(t, tc, "no puedo entrar al campus, pedí el enlace para cambiar la clave hace 2 horas y ahora me dice que expiró")
	require.Equal(t, "open_ticket", name, reply)
	require.Contains(t, reply, "60 minutos")
}

// Who a message is about tells one's own courses from the catalogue:
// "¿qué otros cursos tienen?" asks the business for its list; "quais
// cursos eu tenho?" and "did I finish?" ask for the student's own
// enrolments, not the catalogue or the knowledge base.
func TestStudentAsksForCourses(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ text, lang, want string }{
		{"¿Y qué otros cursos tienen?", "es", "list_courses"},
		{"what other courses do you offer?", "en", "list_courses"},
		{"quais cursos eu tenho mesmo? esqueci", "pt", "my_enrollments"},
		{"did i already finish the course or not?", "en", "my_enrollments"},
	} {
		tc := turnctx.Context{Role: string(store.RoleStudent), Language: c.lang, Email: "ana@example.com"}
		name, _, reply := callIn(t, true, tc, nil, c.text)
		require.Equal(t, c.want, name, "%s: %s", c.text, reply)
	}
}

// "last quarter", "el trimestre pasado", "a semana passada": the calendar
// unit before the present one (it is Monday 7 December 2026 here), as a
// custom range; a period the tool names itself ("last month") stays named.
// A weekday counted from ("since monday") runs to today.
func TestStaffPreviousPeriods(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ text, period, from, to string }{
		{"how did we do last quarter? churn, new customers and MRR pls", "custom", "2026-07-01", "2026-09-30"},
		{"cuantas inscripciones hubo el trimestre pasado?", "custom", "2026-07-01", "2026-09-30"},
		{"me passa o churn da semana passada", "custom", "2026-11-30", "2026-12-06"},
		{"new leads last year?", "custom", "2025-01-01", "2025-12-31"},
		{"MRR for last month please", "last_month", "", ""},
		// "since monday", "desde el miércoles": from that weekday, the
		// latest up to today, to today; from this week's Monday, the
		// week the tool names.
		{"how many new leads since monday?", "this_week", "", ""},
		{"quantos tickets entraram desde segunda?", "this_week", "", ""},
		{"cuantas inscripciones hubo desde el miércoles?", "custom", "2026-12-02", "2026-12-07"},
	} {
		name, args := staffCall(t, nil, c.text)
		require.Equal(t, "report_kpis", name, c.text)
		require.Equal(t, c.period, args["period"], "%s: %v", c.text, args)
		if c.from != "" {
			require.Equal(t, c.from, args["from"], "%s: %v", c.text, args)
			require.Equal(t, c.to, args["to"], "%s: %v", c.text, args)
		}
	}
}

// A student's question of which of their things holds ("¿en q curso me
// anoté?", "quais aulas eu tô fazendo?") is read from their records, by
// the tool that takes no argument but the caller; a question of what they
// may or should do, of what happens if, or a "que" that joins clauses
// ("pide que haga el curso…") is not.
func TestStudentAsksWhatHoldsForThem(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ text, lang, want string }{
		{"oye cuales cursos tengo activos ahora mismo?", "es", "my_enrollments"},
		{"perdon, en q curso me anote el mes pasado? no lo encuentro", "es", "my_enrollments"},
		{"what course did I sign up for last month? cant find the email", "en", "my_enrollments"},
		{"which of the courses am I doing right now?", "en", "my_enrollments"},
		{"em que curso eu me inscrevi? esqueci", "pt", "my_enrollments"},
		{"quais aulas eu to fazendo agora?", "pt", "my_enrollments"},
		{"tengo algun curso activo todavia? no me acuerdo", "es", "my_enrollments"},
		{"estoy inscripta en el de agentes o no?", "es", "my_enrollments"},
		{"am I enrolled in anything right now?", "en", "my_enrollments"},
		{"oi, to matriculada em algum curso?", "pt", "my_enrollments"},
		{"tenho algum curso ativo na minha conta?", "pt", "my_enrollments"},
		{"did I get charged twice for the course? I see two payments", "en", ""},
		{"cuando pagué el curso me cobraron dos veces?", "es", ""},
		{"do I get a certificate for the free course?", "en", ""},
		{"tengo acceso a las grabaciones cuando termina el curso?", "es", ""},
		{"am I able to pay the course in instalments?", "en", ""},
		{"tengo que llevar algo a la clase en vivo?", "es", ""},
		{"which courses do I have at the moment?", "en", "my_enrollments"},
		{"ugh I lost the password of the course site, what do i do now", "en", ""},
		{"me cobraron el curso dos veces, tengo dos cargos iguales en la tarjeta. me lo arreglan?", "es", ""},
		{"eu ainda tenho algum curso ativo? e se eu perder a aula ao vivo fica gravado?", "pt", "my_enrollments"},
		{"mi jefa pide que haga el curso de datos antes de marzo, me podes anotar?", "es", "enroll_course"},
		{"me dijeron que el curso de agentes esta lleno, me anotas en la lista de espera?", "es", "enroll_course"},
		{"que curso me recomiendan si soy diseñador?", "es", ""},
		{"which course should I take first if I know nothing about AI?", "en", ""},
		{"what do I need to bring to the live class?", "en", ""},
		{"qué cursos puedo hacer gratis?", "es", ""},
		{"what courses can I take in english?", "en", ""},
		{"que tengo que hacer para recibir el certificado?", "es", ""},
		{"what time do I connect for the live session of the course?", "en", ""},
		{"qual curso vocês indicam pra mim que trabalho com vendas?", "pt", ""},
		{"what happens to my course if I miss a payment?", "en", ""},
		{"que hago si no puedo entrar al curso?", "es", ""},
	} {
		tc := turnctx.Context{Role: string(store.RoleStudent), Language: c.lang, Email: "ana@example.com"}
		name, _, reply := callIn(t, true, tc, nil, c.text)
		if c.want == "" {
			assert.NotEqual(t, "my_enrollments", name, "%s: %s", c.text, reply)
			continue
		}
		assert.Equal(t, c.want, name, "%s: %s", c.text, reply)
	}
}

// Staff name a month alone ("in October") for its first to its last day,
// the latest one up to now; count with "how many"; and name a metric in
// their own language's words ("ingresos recurrentes mensuales").
func TestStaffMonthsCountsAndOwnWords(t *testing.T) {
	t.Parallel()
	name, args := staffCall(t, nil, "how many leads did we get in October?")
	require.Equal(t, "report_kpis", name)
	require.Equal(t, []any{"leads"}, args["metrics"])
	require.Equal(t, "2026-10-01", args["from"], args)
	require.Equal(t, "2026-10-31", args["to"], args)

	name, args = staffCall(t, nil, "pásame el churn de febrero")
	require.Equal(t, "report_kpis", name)
	require.Equal(t, "2026-02-01", args["from"], "the latest February up to now: %v", args)
	require.Equal(t, "2026-02-28", args["to"], args)

	name, args = staffCall(t, nil, "cómo venimos de ingresos recurrentes mensuales?")
	require.Equal(t, "report_kpis", name)
	require.Equal(t, []any{"mrr"}, args["metrics"])
}

// A quote named with whom it is for goes to the tool that makes it, even
// when its items name a course of the catalogue: "the RAG course" there
// is a line of the quote, not a request to list courses.
func TestQuoteWhoseItemsNameACourse(t *testing.T) {
	t.Parallel()
	staff := turnctx.Context{Role: string(store.RoleStaff), Language: "en", Email: "sam@brujula.example"}
	name, _, reply := callIn(t, true, staff, nil, "can you draft a quote for Orchard Analytics, 6 seats of the prompt engineering course at 199 each? contact is jo@orchard.example")
	require.NotEqual(t, "list_courses", name, reply)
	require.True(t, name == "generate_document" || strings.Contains(reply, "proposal"), "%s: %s", name, reply)
}

// "certificate pls": a thing a tool makes, asked for with courtesy and
// nothing else asked, is asked for, not looked up in the knowledge base.
func TestCourteousNounAsksForTheThing(t *testing.T) {
	t.Parallel()
	tc := turnctx.Context{Role: string(store.RoleStudent), Language: "en", Email: "lia@correo.example", Name: "Lia"}
	for _, text := range []string{"certificate pls", "el certificado porfa", "meu certificado pfv"} {
		name, _, reply := callIn(t, true, tc, nil, text)
		// A certificate begins by checking the student's enrolments.
		require.Equal(t, "my_enrollments", name, "%s: %s", text, reply)
	}
}

// Of two courses named, the one of a clause of what comes before or after
// ("antes de meterme con lo de agentes", "after the RAG one") is not the
// one asked for.
func TestEnrolNotTheCourseOfABeforeOrAfterClause(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ text, lang, want string }{
		{"mi jefe quiere que primero haga el de prompts antes de arrancar con lo de agentes, me inscribis? ana.ruiz@example.com", "es", "prompt-engineering"},
		{"sign me up for prompt engineering pls, before the managers course starts. leo@example.com", "en", "prompt-engineering"},
	} {
		tc := turnctx.Context{Role: string(store.RoleProspect), Language: c.lang}
		name, args, reply := callIn(t, true, tc, nil, c.text)
		require.Equal(t, "enroll_course", name, "%s: %s", c.text, reply)
		require.Equal(t, c.want, args["course"], "%s: %v", c.text, args)
	}
}

// A lead whose message writes out a course's title ("they want Prompt
// Engineering in Practice for the team") is interested in courses: its
// interest is not asked for.
func TestStaffLeadNamingACourse(t *testing.T) {
	t.Parallel()
	name, args, reply := callIn(t, true, turnctx.Context{Role: string(store.RoleStaff), Language: "en"}, nil,
		"log a lead: Marta Gil, marta@olivofoods.io, Olivo Foods, 25 people, they want Prompt Engineering in Practice for the whole team")
	require.Equal(t, "qualify_lead", name, reply)
	require.Equal(t, "courses", args["interest"], "%v", args)
}

// A question about one course the person points at ("the RAG course")
// is answered from the knowledge base, not with the catalogue's list
// filtered by its words; "any course of" browses.
func TestQuestionAboutOneCourseIsNotBrowsing(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ lang, text, want string }{
		{"en", "I mostly code in javascript, would the RAG course work for me or is it python only?", ""},
		{"en", "would the data analysis course be too hard for someone who only knows excel?", ""},
		{"es", "tienen algun curso de marketing?", "list_courses"},
	} {
		name, args, reply := callIn(t, true, turnctx.Context{Role: string(store.RoleProspect), Language: c.lang}, nil, c.text)
		if name == "search_knowledge" {
			name = ""
		}
		require.Equal(t, c.want, name, "%q: %v %s", c.text, args, reply)
	}
}

// The language a question asks for is the filter, not one the person
// speaks of themselves in another sentence; "start dates" filters nothing
// (it is no topic of "datos", whatever their stems share).
func TestListFiltersByTheLanguageAskedFor(t *testing.T) {
	t.Parallel()
	name, args, reply := callIn(t, true, turnctx.Context{Role: string(store.RoleProspect), Language: "en"}, nil,
		"which of your courses are taught in English, and their start dates? I can't read Spanish at all")
	require.Equal(t, "list_courses", name, reply)
	require.Equal(t, map[string]any{"language": "en"}, args)
}

// "my boss wants me on the RAG course, how do I get in?" asks how to
// enrol in the course it names: the enrolment begins (asking for the
// email, or enrolling with the one given). Getting into the classes of a
// course paid for is access, for the knowledge base.
func TestHowDoIGetIntoANamedCourse(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ lang, text, want string }{
		{"en", "my team lead says I must take the RAG course this month, how do I get in?", "email"},
		{"en", "my team lead says I must take the RAG course this month. how can i get a spot? I'm ana.ruiz@example.com", "enroll_course"},
		{"es", "mi jefa quiere que haga el curso de IA para marketing, ¿cómo me anoto?", "correo"},
		{"en", "just paid for the RAG course, how do I get into the classes?", ""},
	} {
		name, args, reply := callIn(t, true, turnctx.Context{Role: string(store.RoleProspect), Language: c.lang}, nil, c.text)
		if strings.Contains(c.want, "_") {
			require.Equal(t, c.want, name, "%q: %v %s", c.text, args, reply)
			continue
		}
		require.NotEqual(t, "enroll_course", name, "%q: %v", c.text, args)
		if c.want == "" {
			require.NotContains(t, strings.ToLower(reply), "email", c.text)
			continue
		}
		require.Contains(t, strings.ToLower(reply), c.want, c.text)
	}
}

// A problem the person already tried to get past is reported to the team:
// the ticket is opened, whatever the knowledge base says of such
// problems.
func TestProblemAlreadyTriedOpensATicket(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ lang, text string }{
		{"en", "the recording of monday's live session stops at minute 20 every time, tried chrome and the phone app"},
		{"en", "can't get into the campus since yesterday, password reset email never comes. checked spam and waited hours"},
		{"es", "la grabación de la clase del martes se corta en el minuto 15, probé en dos computadoras y lo mismo"},
		{"es", "no puedo entrar al campus, el correo para cambiar la contraseña no llega, revisé spam y nada"},
	} {
		name, args, reply := callIn(t, true, turnctx.Context{Role: string(store.RoleStudent), Language: c.lang, Email: "rosa.m@example.com"}, nil, c.text)
		require.Equal(t, "open_ticket", name, "%q: %v %s", c.text, args, reply)
	}
}

// "hola q cursos tengo?" asks which courses the speaker has, not which
// the business offers: the first-person word in its clause says so, after
// a greeting as at the start of the message.
func TestWhichCoursesDoIHaveAfterAGreeting(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"hola q cursos tengo?", "hi! what classes am i in right now?", "do i have any courses with you? can't remember signing up"} {
		name, args, reply := callIn(t, true, turnctx.Context{Role: string(store.RoleStudent), Language: "es", Email: "rosa.m@example.com"}, nil, text)
		require.Equal(t, "my_enrollments", name, "%q: %v %s", text, args, reply)
	}
}

// A lead logged as a list of particulars names its company as an item of
// its own, with no word before it ("Ferretería Olmos (Chile)"); the
// person's name and the country are not it.
func TestStaffLeadCompanyAsAListItem(t *testing.T) {
	t.Parallel()
	name, args := staffCall(t, nil, "log a lead pls: Inés Roca, ines.roca@example.com, Ferretería Olmos (Chile), about 25 employees, interested in Pulse")
	require.Equal(t, "qualify_lead", name)
	require.Equal(t, "Ferretería Olmos", args["company"], "%v", args)
	require.Equal(t, "Inés Roca", args["name"], "%v", args)
}

// The company the email's domain is made of, over what a cue happens to
// precede: "looking at Brujula Docs" names a product, and
// "Moreno & Vidal" is whom the email is from.
func TestLeadCompanyOfTheEmailDomainOverACue(t *testing.T) {
	t.Parallel()
	name, args, _ := callIn(t, true, turnctx.Context{Role: "prospect", Language: "en"}, nil,
		"hi, we're a dental clinic, Moreno & Vidal, 12 people. Looking at Brujula Pulse for appointment reminders, budget about 1500 USD. I'm at ana@morenovidal.example")
	require.Equal(t, "qualify_lead", name)
	require.Equal(t, "Moreno & Vidal", args["company"], "%v", args)
}
