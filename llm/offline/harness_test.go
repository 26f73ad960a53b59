package offline_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/faroai/faro/demo"
	"github.com/faroai/faro/llm/offline"
	"github.com/faroai/faro/llm/offline/toolcatalog"
	"github.com/faroai/faro/llm/turnctx"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/tools"
	"github.com/stretchr/testify/require"
	"github.com/tmc/langchaingo/llms"
)

// The test tools mirror the tool contract of DESIGN.md: names and core
// arguments as the contract fixes them, with specs written as a tool
// author would (several examples per language, as users write). Their
// functions only record the call.

type qualifyLeadArgs struct {
	Name        string  `json:"name" jsonschema:"required" jsonschema_description:"The prospect's full name."`
	Email       string  `json:"email" jsonschema:"required,format=email" jsonschema_description:"The prospect's email address."`
	Phone       string  `json:"phone,omitempty" jsonschema_description:"Phone or WhatsApp number, with country code if given."`
	Company     string  `json:"company,omitempty" jsonschema_description:"The prospect's company."`
	CompanySize int     `json:"company_size,omitempty" jsonschema:"minimum=1" jsonschema_description:"Number of employees."`
	Industry    string  `json:"industry,omitempty" jsonschema_description:"The company's industry."`
	Country     string  `json:"country,omitempty"`
	Interest    string  `json:"interest" jsonschema:"required,enum=courses,enum=marketing_saas,enum=documents" jsonschema_description:"What they are interested in."`
	Budget      float64 `json:"budget,omitempty" jsonschema:"minimum=0" jsonschema_description:"Budget in USD."`
	Timeline    string  `json:"timeline,omitempty" jsonschema_description:"When they want to start, in their words."`
}

type enrollArgs struct {
	Course string `json:"course" jsonschema:"required" jsonschema_description:"Course slug, e.g. ia-marketing."`
	Email  string `json:"email" jsonschema:"required,format=email" jsonschema_description:"The student's email address."`
	Name   string `json:"name,omitempty" jsonschema_description:"The student's full name."`
}

type listCoursesArgs struct {
	Language string `json:"language,omitempty" jsonschema:"enum=es,enum=en,enum=pt" jsonschema_description:"Only courses taught in this language."`
	Topic    string `json:"topic,omitempty" jsonschema_description:"Only courses about this topic."`
}

type openTicketArgs struct {
	Subject     string `json:"subject" jsonschema:"required,maxLength=120" jsonschema_description:"A short summary of the problem."`
	Description string `json:"description" jsonschema:"required" jsonschema_description:"What happened, in the user's words."`
	Category    string `json:"category" jsonschema:"required,enum=billing,enum=access,enum=technical,enum=course_content,enum=sales,enum=other"`
	Email       string `json:"email,omitempty" jsonschema:"format=email" jsonschema_description:"Where to answer."`
}

type ticketStatusArgs struct {
	Number int `json:"number" jsonschema:"required,minimum=1" jsonschema_description:"The ticket number."`
}

type requestHumanArgs struct {
	Reason string `json:"reason" jsonschema:"required" jsonschema_description:"Why the user wants a person."`
}

type reportKPIsArgs struct {
	Metrics []string `json:"metrics,omitempty" jsonschema:"enum=arr,enum=mrr,enum=new_customers,enum=active_customers,enum=churn,enum=leads,enum=conversion,enum=enrollments,enum=automation_rate,enum=nps,enum=tickets"`
	Period  string   `json:"period" jsonschema:"required,enum=today,enum=this_week,enum=this_month,enum=last_month,enum=this_quarter,enum=this_year,enum=custom"`
	From    string   `json:"from,omitempty" jsonschema:"format=date"`
	To      string   `json:"to,omitempty" jsonschema:"format=date"`
}

type searchArgs struct {
	Query    string `json:"query" jsonschema:"required,maxLength=1000" jsonschema_description:"What to look for."`
	Language string `json:"language,omitempty" jsonschema:"enum=es,enum=en,enum=pt"`
}

var everyone = []store.Role{store.RoleProspect, store.RoleStudent, store.RoleStaff}

// calls records the tool calls a test registry ran.
type calls struct {
	list []llms.ToolCall
}

func record[In any](c *calls, name string, result func(In) any) func(context.Context, tools.Caller, In) (any, error) {
	return func(_ context.Context, _ tools.Caller, in In) (any, error) {
		b, _ := json.Marshal(in)
		c.list = append(c.list, llms.ToolCall{FunctionCall: &llms.FunctionCall{Name: name, Arguments: string(b)}})
		return result(in), nil
	}
}

// newRegistry registers the contract's tools. search, if not nil, answers
// search_knowledge.
func newRegistry(t testing.TB, c *calls, search func(q string) any) *tools.Registry {
	t.Helper()
	r := tools.NewRegistry()
	tools.Add(r, tools.Spec{
		Name:        "qualify_lead",
		Description: "Record a sales lead for a company interested in our courses, the marketing SaaS or document generation, so sales can follow up with a proposal.",
		Roles:       []store.Role{store.RoleProspect, store.RoleStaff},
		Examples: []tools.Example{
			{Lang: "es", Text: "quiero una propuesta para capacitar a mi equipo en IA"},
			{Lang: "es", Text: "somos una empresa de 40 personas y nos interesa su plataforma de marketing"},
			{Lang: "es", Text: "me gustaria una demo de pulse para mi empresa"},
			{Lang: "es", Text: "cotizacion para formar a 20 empleados"},
			{Lang: "en", Text: "we'd like a quote to train our team on AI"},
			{Lang: "en", Text: "I'm interested in your marketing automation platform for my company"},
			{Lang: "en", Text: "can someone from sales contact me about a corporate plan"},
			{Lang: "pt", Text: "quero uma proposta para treinar minha equipe"},
		},
	}, record(c, "qualify_lead", func(in qualifyLeadArgs) any {
		return map[string]any{"status": "recorded", "message": "Thanks " + in.Name + ", our sales team will contact you at " + in.Email + "."}
	}))
	tools.Add(r, tools.Spec{
		Name:        "enroll_course",
		Description: "Enrol the caller in a course by its slug.",
		Roles:       everyone,
		Mutating:    true,
		Examples: []tools.Example{
			{Lang: "es", Text: "quiero inscribirme en el curso de ia para marketing"},
			{Lang: "es", Text: "me quiero apuntar al curso de datos"},
			{Lang: "es", Text: "como hago para matricularme en prompt engineering"},
			{Lang: "es", Text: "inscribime en el de agentes porfa"},
			{Lang: "en", Text: "sign me up for the AI for marketing course"},
			{Lang: "en", Text: "I want to enroll in the prompt engineering course"},
			{Lang: "en", Text: "how do I register for the data analysis course"},
			{Lang: "pt", Text: "quero me inscrever no curso de marketing"},
		},
	}, record(c, "enroll_course", func(in enrollArgs) any {
		return map[string]any{"status": "enrolled", "course": in.Course, "email": in.Email, "start": "2027-02-08"}
	}))
	tools.Add(r, tools.Spec{
		Name:        "list_courses",
		Description: "List the courses in the catalogue, optionally by language or topic.",
		Roles:       everyone,
		Examples: []tools.Example{
			{Lang: "es", Text: "que cursos tienen?"},
			{Lang: "es", Text: "mostrame el catalogo de cursos"},
			{Lang: "es", Text: "tienen cursos en ingles?"},
			{Lang: "en", Text: "what courses do you offer?"},
			{Lang: "en", Text: "show me your course catalog"},
			{Lang: "en", Text: "list the courses about marketing"},
			{Lang: "pt", Text: "quais cursos vocês têm?"},
		},
	}, record(c, "list_courses", func(in listCoursesArgs) any {
		return map[string]any{"courses": []map[string]any{
			{"slug": "ia-marketing", "title": map[string]string{"es": "IA para marketing", "en": "AI for Marketing"}, "price": map[string]any{"amount": 249, "currency": "USD"}, "start": "2027-02-08"},
			{"slug": "datos-ia", "title": map[string]string{"es": "Análisis de datos con IA", "en": "AI-Powered Data Analysis"}, "price": map[string]any{"amount": 299, "currency": "USD"}, "start": "2027-03-15"},
		}}
	}))
	tools.Add(r, tools.Spec{
		Name:        "open_ticket",
		Description: "Open a support ticket for a problem the knowledge base cannot solve: billing, access, technical problems, course content.",
		Roles:       everyone,
		Mutating:    true,
		Examples: []tools.Example{
			{Lang: "es", Text: "quiero abrir un ticket"},
			{Lang: "es", Text: "tengo un problema con mi pago y nadie me responde"},
			{Lang: "es", Text: "me cobraron dos veces el curso"},
			{Lang: "es", Text: "no puedo entrar a la plataforma, me da error"},
			{Lang: "en", Text: "I want to open a support ticket"},
			{Lang: "en", Text: "I was charged twice for the course"},
			{Lang: "en", Text: "the videos of module 3 don't load, please help"},
			{Lang: "pt", Text: "quero abrir um chamado"},
		},
	}, record(c, "open_ticket", func(in openTicketArgs) any {
		return map[string]any{"number": 4521, "status": "open", "subject": in.Subject}
	}))
	tools.Add(r, tools.Spec{
		Name:        "ticket_status",
		Description: "Tell the status of a support ticket by its number.",
		Roles:       everyone,
		Examples: []tools.Example{
			{Lang: "es", Text: "como va mi ticket 4521?"},
			{Lang: "es", Text: "estado del ticket #77"},
			{Lang: "es", Text: "me respondieron lo de mi reclamo?"},
			{Lang: "en", Text: "any update on ticket 4521?"},
			{Lang: "en", Text: "what's the status of my ticket"},
			{Lang: "pt", Text: "qual o status do meu chamado"},
		},
	}, record(c, "ticket_status", func(in ticketStatusArgs) any {
		return map[string]any{"number": in.Number, "status": "in_progress", "subject": "No puedo entrar al campus"}
	}))
	tools.Add(r, tools.Spec{
		Name:        "request_human",
		Description: "Hand the conversation to a person from the team.",
		Roles:       everyone,
		Examples: []tools.Example{
			{Lang: "es", Text: "quiero hablar con una persona"},
			{Lang: "es", Text: "pasame con un asesor"},
			{Lang: "en", Text: "can I talk to a real person?"},
			{Lang: "en", Text: "get me a human agent"},
		},
	}, record(c, "request_human", func(in requestHumanArgs) any {
		return map[string]any{"status": "handed_off"}
	}))
	tools.Add(r, tools.Spec{
		Name:        "report_kpis",
		Description: "Report business KPIs (revenue, customers, leads, enrollments, tickets) for a period.",
		Roles:       []store.Role{store.RoleStaff},
		Examples: []tools.Example{
			{Lang: "es", Text: "dame el MRR de este mes"},
			{Lang: "es", Text: "cuantos leads tuvimos el mes pasado"},
			{Lang: "es", Text: "kpis del trimestre"},
			{Lang: "en", Text: "what's our churn this quarter"},
			{Lang: "en", Text: "show me new customers and conversion this week"},
			{Lang: "en", Text: "revenue report for this year"},
		},
	}, record(c, "report_kpis", func(in reportKPIsArgs) any {
		return map[string]any{"period": in.Period, "mrr": 12500, "churn": 0.021}
	}))
	if search != nil {
		tools.Add(r, tools.Spec{
			Name:        "search_knowledge",
			Description: "Search the knowledge base (course material, programmes, prices, services, policies, FAQ) with your own query. Use it when the passages you were given do not answer the question.",
			Roles:       everyone,
			Examples: []tools.Example{
				{Lang: "es", Text: "cuanto cuesta el curso de inteligencia artificial para marketing?"},
				{Lang: "es", Text: "que temas ve el modulo 3 del curso de IA"},
				{Lang: "es", Text: "hay descuento si pago todo junto o para empresas"},
				{Lang: "en", Text: "how long does the AI for business course take?"},
				{Lang: "en", Text: "what's your refund policy"},
				{Lang: "en", Text: "do u offer certificates after finishing a course"},
				{Lang: "pt", Text: "quanto custa o curso de IA e tem certificado?"},
			},
		}, record(c, "search_knowledge", func(in searchArgs) any { return search(in.Query) }))
	}
	return r
}

// fixedNow is the engine's "today" in tests.
var fixedNow = time.Date(2027, 1, 20, 10, 0, 0, 0, time.UTC)

// newModel returns the offline model over reg with the demo vocabulary.
func newModel(t testing.TB, reg *tools.Registry) *offline.Model {
	t.Helper()
	vocab := demoVocabulary(t)
	var cat offline.ToolCatalog
	if reg != nil {
		cat = toolcatalog.New(reg)
	}
	m := offline.NewModel(offline.Options{Catalog: cat, Vocabulary: vocab, Now: func() time.Time { return fixedNow }})
	if os.Getenv("FARO_TRACE") != "" {
		offline.SetTrace(m, func(f string, a ...any) { fmt.Printf(f, a...) })
	}
	return m
}

// demoVocabulary is the vocabulary of the demo catalogue, which the
// engine's tests are written against; the engine itself imports no demo
// data.
func demoVocabulary(t testing.TB) *offline.CatalogVocabulary {
	t.Helper()
	v, err := offline.NewCatalogVocabulary(demo.Catalog)
	require.NoError(t, err)
	return v
}

// agent plays the agent's turn loop against the model: the system prompt,
// the turn context, the history, tool calls executed by the registry and
// their results fed back, up to a few steps.
type agent struct {
	t        testing.TB
	model    llms.Model
	reg      *tools.Registry
	role     store.Role
	tc       turnctx.Context
	history  []llms.MessageContent
	calls    *calls
	passages func(q string) []turnctx.Passage // retrieval for each message; may be nil
}

// retrieves makes every message of the conversation find ps.
func (a *agent) retrieves(ps ...turnctx.Passage) {
	a.passages = func(string) []turnctx.Passage { return ps }
}

func newAgent(t testing.TB, role store.Role, lang string) *agent {
	c := &calls{}
	reg := newRegistry(t, c, nil)
	return &agent{t: t, model: newModel(t, reg), reg: reg, role: role, calls: c, tc: turnctx.Context{Role: string(role), Language: lang}}
}

// turn is what one user message led to.
type turnResult struct {
	reply string
	calls []llms.ToolCall // tool calls the model made, with their arguments as sent
}

func (a *agent) say(text string) turnResult {
	a.t.Helper()
	ctx := context.Background()
	a.history = append(a.history, llms.TextParts(llms.ChatMessageTypeHuman, text))
	tc := a.tc
	tc.Passages = nil
	if a.passages != nil {
		tc.Passages = a.passages(text)
	}
	var res turnResult
	for step := 0; step < 4; step++ {
		msgs := []llms.MessageContent{
			llms.TextParts(llms.ChatMessageTypeSystem, "You are Faro, the assistant of Brújula Digital."),
			{Role: llms.ChatMessageTypeSystem, Parts: []llms.ContentPart{tc.Part()}},
		}
		msgs = append(msgs, a.history...)
		resp, err := a.model.GenerateContent(ctx, msgs, llms.WithTools(a.reg.Definitions(a.role)))
		require.NoError(a.t, err)
		require.Len(a.t, resp.Choices, 1)
		ch := resp.Choices[0]
		if len(ch.ToolCalls) == 0 {
			res.reply = ch.Content
			a.history = append(a.history, llms.TextParts(llms.ChatMessageTypeAI, ch.Content))
			return res
		}
		require.Len(a.t, ch.ToolCalls, 1, "one tool call per step")
		call := ch.ToolCalls[0]
		res.calls = append(res.calls, call)
		out := a.reg.Call(ctx, tools.Caller{Role: a.role, Language: a.tc.Language, Email: a.tc.Email, Name: a.tc.Name}, call)
		a.history = append(a.history,
			llms.MessageContent{Role: llms.ChatMessageTypeAI, Parts: []llms.ContentPart{call}},
			llms.MessageContent{Role: llms.ChatMessageTypeTool, Parts: []llms.ContentPart{out.Response}})
	}
	a.t.Fatalf("no answer after 4 steps to %q", text)
	return res
}

// args decodes a call's arguments.
func args(t testing.TB, c llms.ToolCall) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(c.FunctionCall.Arguments), &m))
	return m
}

func callNames(cs []llms.ToolCall) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.FunctionCall.Name)
	}
	return out
}

// folded lowercases without accents, for reply checks.
func folded(s string) string {
	return strings.NewReplacer("á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u", "ñ", "n", "ã", "a", "õ", "o", "ç", "c", "ê", "e", "â", "a", "ô", "o").Replace(strings.ToLower(s))
}
