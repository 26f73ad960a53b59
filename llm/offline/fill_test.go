package offline_test

import (
	"testing"

	"github.com/faroai/faro/llm/offline"
	"github.com/faroai/faro/llm/turnctx"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/tools"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tmc/langchaingo/llms"
)

// shippedArgsRegistry registers tools with the argument types (so the
// schemas, with their descriptions and formats) of the tools Faro ships;
// their functions only record the call.
func shippedArgsRegistry(t testing.TB) *tools.Registry {
	t.Helper()
	c := &calls{}
	r := tools.NewRegistry()
	ok := func(string) any { return map[string]any{"message": "ok"} }
	spec := func(name string, mutating bool) tools.Spec {
		return tools.Spec{Name: name, Description: "The " + name + " tool.", Roles: everyone, Mutating: mutating,
			Examples: []tools.Example{{Lang: "es", Text: name}, {Lang: "en", Text: name}}}
	}
	tools.Add(r, spec("qualify_lead", false),
		record(c, "qualify_lead", func(tools.QualifyLeadArgs) any { return ok("") }))
	tools.Add(r, spec("enroll_course", true),
		record(c, "enroll_course", func(tools.EnrollCourseArgs) any { return ok("") }))
	tools.Add(r, spec("open_ticket", true),
		record(c, "open_ticket", func(tools.OpenTicketArgs) any { return ok("") }))
	tools.Add(r, spec("ticket_status", false),
		record(c, "ticket_status", func(tools.TicketStatusArgs) any { return ok("") }))
	tools.Add(r, spec("generate_document", false),
		record(c, "generate_document", func(tools.GenerateDocumentArgs) any { return ok("") }))
	tools.Add(r, spec("list_courses", false),
		record(c, "list_courses", func(tools.ListCoursesArgs) any { return ok("") }))
	return r
}

// fillOne fills tool's arguments from the conversation msgs (its last
// message the request), with the shipped tools' schemas.
func fillOne(t *testing.T, tc turnctx.Context, tool string, msgs ...llms.MessageContent) (map[string]any, []string) {
	t.Helper()
	reg := shippedArgsRegistry(t)
	if tc.Role == "" {
		tc.Role = string(store.RoleProspect)
	}
	all := append([]llms.MessageContent{{Role: llms.ChatMessageTypeSystem, Parts: []llms.ContentPart{tc.Part()}}}, msgs...)
	args, missing := offline.FillArgs(newModel(t, reg), all, tool, llms.WithTools(reg.Definitions(store.Role(tc.Role))))
	require.NotNil(t, args, "tool %s not offered", tool)
	return args, missing
}

func human(text string) llms.MessageContent { return llms.TextParts(llms.ChatMessageTypeHuman, text) }

// A ticket number goes to the tool as the user wrote it, which is what its
// schema asks for: the code with its letters and zeros, or "#45", without
// the punctuation around it.
func TestFillTicketNumberAsWritten(t *testing.T) {
	t.Parallel()
	for text, want := range map[string]string{
		"hola q tal, me dicen como va el ticket T-000231? lo abri el lunes": "T-000231",
		"qual o status do chamado T-000517? abri faz uma semana":            "T-000517",
		"any update on (T-990001)? been waiting for days":                   "T-990001",
		"any update on my support ticket #45?":                              "#45",
		"quiero saber el estado de mi incidencia 45.":                       "45",
	} {
		args, missing := fillOne(t, turnctx.Context{}, "ticket_status", human(text))
		require.Empty(t, missing, text)
		require.Equal(t, want, args["number"], text)
	}
}

// When several required fields are missing, the one that identifies the
// person (an email, a phone) is asked first, whatever the schema's order;
// a name the tool does not require is not asked before it acts.
func TestFillAsksIdentifyingFieldFirst(t *testing.T) {
	t.Parallel()
	for _, text := range []string{
		"quiero una propuesta para capacitar a mi equipo en IA",
		"we'd like a quote to train our team on AI",
		"quero uma proposta para treinar minha equipe em IA",
	} {
		_, missing := fillOne(t, turnctx.Context{}, "qualify_lead", human(text))
		require.NotEmpty(t, missing, text)
		require.Equal(t, "email", missing[0], text)
		require.NotContains(t, missing, "name", text)
	}
}

func ai(text string) llms.MessageContent { return llms.TextParts(llms.ChatMessageTypeAI, text) }

// called is an assistant's tool call and the tool's result.
func called(id, tool, args, result string) []llms.MessageContent {
	return []llms.MessageContent{
		{Role: llms.ChatMessageTypeAI, Parts: []llms.ContentPart{llms.ToolCall{ID: id, Type: "function",
			FunctionCall: &llms.FunctionCall{Name: tool, Arguments: args}}}},
		{Role: llms.ChatMessageTypeTool, Parts: []llms.ContentPart{llms.ToolCallResponse{ToolCallID: id, Name: tool, Content: result}}},
	}
}

// The caller is never asked for what the conversation or the contact
// already holds: their email and name come from what they wrote earlier
// and from the arguments of earlier calls (their answers to questions),
// else from the turn context.
func TestFillCallerFromConversation(t *testing.T) {
	t.Parallel()
	var lead []llms.MessageContent
	lead = append(lead, human("quiero una propuesta para capacitar a mi equipo en IA"), ai("¿Cuál es tu correo electrónico?"),
		human("marcos.rivas@andinacargo.pe"), ai("¿Cuál es tu nombre completo?"), human("Marcos Rivas"))
	lead = append(lead, called("call_1", "qualify_lead",
		`{"name":"Marcos Rivas","email":"marcos.rivas@andinacargo.pe","interest":"courses"}`, `{"message":"ok"}`)...)
	lead = append(lead, ai("¡Gracias, Marcos!"))

	t.Run("enrol after a qualified lead", func(t *testing.T) {
		t.Parallel()
		msgs := append(append([]llms.MessageContent{}, lead...), human("Quiero inscribirme en IA para marketing"))
		args, missing := fillOne(t, turnctx.Context{}, "enroll_course", msgs...)
		require.Empty(t, missing)
		require.Equal(t, "ia-marketing", args["course"])
		require.Equal(t, "marcos.rivas@andinacargo.pe", args["email"])
		require.Equal(t, "Marcos Rivas", args["name"])
	})
	t.Run("ticket with the email written earlier", func(t *testing.T) {
		t.Parallel()
		args, missing := fillOne(t, turnctx.Context{}, "open_ticket",
			human("Hola, soy Lucía Méndez, mi correo es lucia.mendez@gmail.com"), ai("¡Hola, Lucía! ¿En qué te ayudo?"),
			human("no puedo entrar al campus, me dice usuario bloqueado"))
		require.Empty(t, missing)
		require.Equal(t, "lucia.mendez@gmail.com", args["email"])
	})
	t.Run("the conversation's email is newer than the contact's", func(t *testing.T) {
		t.Parallel()
		args, _ := fillOne(t, turnctx.Context{Email: "old@example.com"}, "open_ticket",
			human("ahora uso nueva@example.com"), ai("Anotado."),
			human("no puedo entrar al campus, me dice usuario bloqueado"))
		require.Equal(t, "nueva@example.com", args["email"])
	})
	t.Run("the turn context's email", func(t *testing.T) {
		t.Parallel()
		args, missing := fillOne(t, turnctx.Context{Email: "gabi@example.com", Name: "Gabriel Ortiz"}, "enroll_course",
			human("Quiero inscribirme en IA para marketing"))
		require.Empty(t, missing)
		require.Equal(t, "gabi@example.com", args["email"])
		require.Equal(t, "Gabriel Ortiz", args["name"])
	})
	t.Run("a later message is not known before it", func(t *testing.T) {
		t.Parallel()
		// The first message's task is filled as it was decided then.
		args, _ := fillOne(t, turnctx.Context{}, "enroll_course", human("Quiero inscribirme en IA para marketing"))
		require.NotContains(t, args, "email")
	})
	t.Run("staff talk about customers", func(t *testing.T) {
		t.Parallel()
		args, _ := fillOne(t, turnctx.Context{Role: string(store.RoleStaff), Email: "lorena@brujula.example"}, "open_ticket",
			human("el cliente es ana@cliente.com"), ai("Anotado."),
			human("abre un ticket: no le llega el certificado"))
		require.Equal(t, "lorena@brujula.example", args["email"])
	})
}

// An optional email the tool would take from what it knows of the caller
// is asked for before the call when nobody knows one: the tool would
// refuse the call without it.
func TestFillAsksForAnEmailNobodyKnows(t *testing.T) {
	t.Parallel()
	args, missing := fillOne(t, turnctx.Context{}, "open_ticket",
		human("no puedo entrar al campus, ya pedi 3 veces el link para cambiar la contraseña"))
	require.Equal(t, []string{"email"}, missing, "args %v", args)
	args, missing = fillOne(t, turnctx.Context{}, "enroll_course", human("sign me up for AI for Marketing"))
	require.Equal(t, []string{"email"}, missing, "args %v", args)
	_, missing = fillOne(t, turnctx.Context{Email: "ana@example.com"}, "enroll_course", human("sign me up for AI for Marketing"))
	require.Empty(t, missing)
}

// A free-text filter is filled only from words that name something real:
// a topic, keyword or title word of the catalogue. Function words, verbs
// and an audience ("for beginners") are no topic, or the list would say no
// course matches.
func TestFillTopicFromTheCatalogue(t *testing.T) {
	t.Parallel()
	want := map[string]string{
		"what courses are taught here":                "",
		"qué cursos dan?":                             "",
		"q cursos tienen para principiantes?":         "",
		"any courses for complete beginners?":         "",
		"quais cursos vcs têm pra iniciante?":         "",
		"que cursos ofrecen este año":                 "",
		"tienen cursos de marketing? cuando empiezan": "marketing",
		"any courses about python starting soon?":     "python",
		"got anything on data analysis?":              "data analysis",
		"tienen algo sobre python o datos?":           "python datos",
		"cursos de marketting":                        "marketting",
		"que cursos de IA tienen":                     "",
		"any course for managers?":                    "managers",
	}
	got := map[string]string{}
	for text := range want {
		args, _ := fillOne(t, turnctx.Context{}, "list_courses", human(text))
		got[text], _ = args["topic"].(string)
	}
	require.Equal(t, want, got)
}

// A level is an enum of list_courses: its label in any language fills it
// ("principiantes", "beginners", "iniciante"), next to a topic.
func TestFillCourseLevel(t *testing.T) {
	t.Parallel()
	want := map[string]string{
		"q cursos tienen para principiantes?":   "beginner",
		"any courses for complete beginners?":   "beginner",
		"quais cursos vcs têm pra iniciante?":   "beginner",
		"tienen algo avanzado de python?":       "advanced",
		"which courses are intermediate level?": "intermediate",
		"que cursos tienen?":                    "",
		"y cuando empieza?":                     "",
		"when does it start?":                   "",
		"quando começa o curso?":                "",
	}
	got := map[string]string{}
	for text := range want {
		args, _ := fillOne(t, turnctx.Context{}, "list_courses", human(text))
		got[text], _ = args["level"].(string)
	}
	require.Equal(t, want, got)
	args, _ := fillOne(t, turnctx.Context{}, "list_courses", human("tienen algo avanzado de python?"))
	require.Equal(t, "python", args["topic"])
}

// Everything one message holds is taken: the course and the email of an
// enrolment, and a lead's name, company, size, budget, email and interest,
// in Spanish, English and Portuguese.
func TestFillEverythingInOneMessage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		tool, text string
		want       map[string]any
	}{
		{"enroll_course", "sign me up for Prompt Engineering in Practice, my email is x@y.com",
			map[string]any{"course": "prompt-engineering", "email": "x@y.com"}},
		{"enroll_course", "oi! quero me inscrever no Prompt Engineering in Practice, meu email é joao.silva@gmail.com",
			map[string]any{"course": "prompt-engineering", "email": "joao.silva@gmail.com"}},
		{"enroll_course", "me interesa Análisis de datos con IA. Soy Carla Mendez, carla@mail.com",
			map[string]any{"course": "datos-ia", "email": "carla@mail.com", "name": "Carla Mendez"}},
		{"qualify_lead", "I'm John Carter from Globex, 40 people, budget 3000, my email is john@globex.com, we want to train the team in AI",
			map[string]any{"name": "John Carter", "company": "Globex", "company_size": 40.0, "budget": 3000.0, "email": "john@globex.com", "interest": "courses"}},
		{"qualify_lead", "Hi, I'm Priya Shah at Northwind Foods, 200 employees, priya@northwind.com, interested in your courses",
			map[string]any{"name": "Priya Shah", "company": "Northwind Foods", "company_size": 200.0, "email": "priya@northwind.com", "interest": "courses"}},
		{"qualify_lead", "My name is Mary Jones, I work at Initech, we are 25 employees and want a demo of your marketing platform. mary@initech.com",
			map[string]any{"name": "Mary Jones", "company": "Initech", "company_size": 25.0, "email": "mary@initech.com", "interest": "marketing_saas"}},
		{"qualify_lead", "Buenas, soy Marcos Rivas de Andina Cargo. Somos 40 y queremos capacitar a todo el equipo en IA, presupuesto 3000 dolares. mi correo marcos.rivas@andinacargo.pe",
			map[string]any{"name": "Marcos Rivas", "company": "Andina Cargo", "company_size": 40.0, "budget": 3000.0, "email": "marcos.rivas@andinacargo.pe", "interest": "courses"}},
		{"qualify_lead", "me llamo Lucía Paz, de Panadería Sol, 12 personas, tenemos 2.000 USD para cursos de IA, lucia@sol.mx",
			map[string]any{"name": "Lucía Paz", "company": "Panadería Sol", "company_size": 12.0, "budget": 2000.0, "email": "lucia@sol.mx", "interest": "courses"}},
		{"qualify_lead", "Olá, sou a Fernanda Costa da Vitta Cosmeticos. Somos 60 funcionários e queremos um treinamento em IA, orçamento de 5 mil reais, meu email é fernanda@vitta.com.br",
			map[string]any{"name": "Fernanda Costa", "company": "Vitta Cosmeticos", "company_size": 60.0, "budget": 5000.0, "email": "fernanda@vitta.com.br", "interest": "courses"}},
		{"qualify_lead", "sou Pedro Alves, da Loja Azul, 40 pessoas, queremos uma demo da plataforma de marketing. pedro@azul.com.br",
			map[string]any{"name": "Pedro Alves", "company": "Loja Azul", "company_size": 40.0, "email": "pedro@azul.com.br", "interest": "marketing_saas"}},
		// Where someone works, anywhere in the message, before a name of
		// two capitalised words; a company's noun opening its name.
		{"qualify_lead", "Hi, Dana Kowalski here, I run ops at Acme Bakery. 60 people, we want Pulse for email promos. dana@acmebakery.com",
			map[string]any{"company": "Acme Bakery", "company_size": 60.0, "email": "dana@acmebakery.com", "interest": "marketing_saas"}},
		{"qualify_lead", "queria treinar o pessoal em IA, somos 20 na Metalúrgica Boa Vista. renata@mbv.com.br",
			map[string]any{"company": "Metalúrgica Boa Vista", "company_size": 20.0, "email": "renata@mbv.com.br", "interest": "courses"}},
		{"qualify_lead", "tengo una consultora chica, Agencia Faro Sur, somos 9 y queremos cursos de IA. pia@farosur.cl",
			map[string]any{"company": "Agencia Faro Sur", "company_size": 9.0, "email": "pia@farosur.cl", "interest": "courses"}},
		// A team counted in what its people do: a plural noun after the
		// number, or a kind of people; not a count of something else.
		{"qualify_lead", "somos una constructora con 35 ingenieros y queremos cursos de IA, ana@obras.mx",
			map[string]any{"company_size": 35.0, "email": "ana@obras.mx", "interest": "courses"}},
		{"qualify_lead", "we'd like AI training for our 12 support agents, budget 900 USD, lee@helpco.io",
			map[string]any{"company_size": 12.0, "budget": 900.0, "email": "lee@helpco.io", "interest": "courses"}},
		{"qualify_lead", "we want someone to train our 25 sales reps, budget 5000, tom@brightline.io",
			map[string]any{"company_size": 25.0, "budget": 5000.0, "email": "tom@brightline.io", "interest": "courses"}},
		{"qualify_lead", "queremos 3 talleres de IA para el equipo, presupuesto 2000 usd, raul@tienda.mx",
			map[string]any{"company_size": nil, "budget": 2000.0, "email": "raul@tienda.mx", "interest": "courses"}},
	}
	for _, c := range cases {
		args, missing := fillOne(t, turnctx.Context{}, c.tool, human(c.text))
		got := map[string]any{}
		for k := range c.want {
			got[k] = normalize(args[k])
		}
		assert.Equal(t, c.want, got, c.text)
		assert.Empty(t, missing, c.text)
	}
}

// An enum value's gloss in the field's description ("marketing_saas (the
// marketing automation SaaS)", "billing (payments, invoices, refunds)")
// names it as well as its label does.
func TestFillEnumByDescriptionGloss(t *testing.T) {
	t.Parallel()
	args, _ := fillOne(t, turnctx.Context{}, "qualify_lead",
		human("Hola! Soy Ana Ruiz, tengo una agencia en Guadalajara (Agencia Ruiz, 8 personas). Me interesa una demo para automatizar whatsapp y email de marketing. ana@agenciaruiz.mx"))
	require.Equal(t, "marketing_saas", args["interest"])
	args, _ = fillOne(t, turnctx.Context{Email: "bo@example.com"}, "open_ticket",
		human("I asked for a refund two weeks ago and nothing arrived yet"))
	require.Equal(t, "billing", args["category"])
}

// A staff member recording a lead records someone else: the prospect's
// fields are not filled with the staff member's own details. A percentage
// is no count.
func TestFillStaffLeadIsNotTheCaller(t *testing.T) {
	t.Parallel()
	tc := turnctx.Context{Role: string(store.RoleStaff), Name: "Lorena Díaz", Email: "lorena@brujula.example"}
	args, _ := fillOne(t, tc, "qualify_lead",
		human("registra un lead: Panaderia San Telmo, 12 personas, curso IA para marketing con el 25% de descuento por equipo"))
	require.NotContains(t, args, "name")
	require.NotContains(t, args, "email")
	require.NotContains(t, args, "email_opens")
	require.EqualValues(t, 12, args["company_size"])
	// A prospect's own details are theirs.
	args, _ = fillOne(t, turnctx.Context{Name: "Hugo Ferreyra", Email: "hugo@santelmo.ar"}, "qualify_lead",
		human("quiero una propuesta para capacitar a mi equipo en IA"))
	require.Equal(t, "Hugo Ferreyra", args["name"])
	require.Equal(t, "hugo@santelmo.ar", args["email"])
}

// Through the whole turn loop: the answers to a lead's questions are known
// when the same person then enrols, and the questions before were asked
// as they were (each turn is decided with what came before it only).
func TestConversationNeverAsksTwice(t *testing.T) {
	t.Parallel()
	runTurns(t, newAgent(t, store.RoleProspect, ""), []turnWant{
		{user: "quiero una propuesta para capacitar a mi equipo en IA", replyHas: []string{"correo"}},
		{user: "marcos.rivas@andinacargo.pe", replyHas: []string{"nombre"}},
		{user: "Marcos Rivas", call: "qualify_lead", args: map[string]any{"name": "Marcos Rivas", "email": "marcos.rivas@andinacargo.pe"}},
		{user: "Quiero inscribirme en IA para marketing", call: "enroll_course",
			args: map[string]any{"course": "ia-marketing", "email": "marcos.rivas@andinacargo.pe", "name": "Marcos Rivas"}},
		{user: "y tambien en analisis de datos con ia", call: "enroll_course",
			args: map[string]any{"course": "datos-ia", "email": "marcos.rivas@andinacargo.pe"}},
	})
}

// A course named in a longer request is found ("el certificado del de
// analisis de datos"), for any tool with a course field.
func TestFillCourseInARequest(t *testing.T) {
	t.Parallel()
	args, _ := fillOne(t, turnctx.Context{Role: string(store.RoleStudent)}, "generate_document",
		human("ok necesito el certificado del de analisis de datos para mi jefe, me lo generas?"))
	require.Equal(t, "certificate", args["template"])
	require.Equal(t, "datos-ia", args["course"])
}

// A capitalised name standing alone beside an email is the person's,
// before or after it.
func TestFillNameBesideEmail(t *testing.T) {
	t.Parallel()
	for _, msg := range []string{
		"sounds good, have someone from sales get in touch. Rachel Hale, rachel@halemorrow.com",
		"pode mandar pra bruno@agenciapixel.com.br, Bruno Castro",
	} {
		args, _ := fillOne(t, turnctx.Context{Role: "prospect", Language: "en"}, "qualify_lead", human(msg))
		require.NotEmpty(t, args["name"], msg)
		require.Contains(t, msg, args["name"], msg)
		require.NotContains(t, args["name"], "@", msg)
	}
}

// Whom a document is for, said the way staff say it: after an
// interjection, as "the ones from" a company, and a contact "over there".
func TestFillDocumentForTheOnesFrom(t *testing.T) {
	t.Parallel()
	tc := turnctx.Context{Role: string(store.RoleStaff), Language: "es"}
	got, _ := fillOne(t, tc, "generate_document", human("oye, me armas una propuesta para los del Café Central? el contacto allá es Lucía Pérez"))
	vars, _ := got["variables"].(map[string]any)
	require.Equal(t, "proposal", got["template"], got)
	require.Equal(t, "Café Central", vars["company"], got)
	require.Equal(t, "Lucía Pérez", vars["client_name"], got)
}

// Starting "from scratch" is the beginner level, in every language.
func TestFillLevelFromScratch(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"cursos para alguien que arranca desde cero", "tem algo pra quem vai começar do zero?", "anything for someone starting from scratch?"} {
		got, _ := fillOne(t, turnctx.Context{}, "list_courses", human(text))
		require.Equal(t, "beginner", got["level"], text)
	}
}

// A long word one letter off a word of the lexicon means what that word
// does: "certificdo" names the certificate template.
func TestFillTypoOfALexiconWord(t *testing.T) {
	t.Parallel()
	args, missing := fillOne(t, turnctx.Context{Role: string(store.RoleStudent)}, "generate_document", human("consegue gerar meu certificdo?"))
	assert.Equal(t, "certificate", args["template"], missing)
}

// A lesson's video that freezes is a technical problem, not one of what
// the lesson teaches: the category is not course_content (the tool
// derives it when the engine leaves it out).
func TestTicketFreezingVideoIsNotCourseContent(t *testing.T) {
	for _, text := range []string{
		"el video de la clase 4 se queda trabado en el minuto 3, ya probe en chrome y firefox",
		"the lesson 2 video freezes halfway every time",
	} {
		args, _ := fillOne(t, turnctx.Context{Role: string(store.RoleStudent), Email: "lu@example.com"}, "open_ticket", human(text))
		assert.NotEqual(t, "course_content", args["category"], text)
	}
}
