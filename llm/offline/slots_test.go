package offline_test

import (
	"testing"

	"github.com/faroai/faro/llm/offline"
	"github.com/faroai/faro/llm/turnctx"
	"github.com/faroai/faro/store"
	"github.com/stretchr/testify/require"
	"github.com/tmc/langchaingo/llms"
)

// argsOf returns what the model decides for one fresh message: the tool,
// the arguments it found, and the field it asks for ("" when it calls).
func argsOf(t *testing.T, role store.Role, tc turnctx.Context, text string) (string, map[string]any, string) {
	t.Helper()
	reg := newRegistry(t, &calls{}, nil)
	m := newModel(t, reg)
	tc.Role = string(role)
	msgs := []llms.MessageContent{
		{Role: llms.ChatMessageTypeSystem, Parts: []llms.ContentPart{tc.Part()}},
		llms.TextParts(llms.ChatMessageTypeHuman, text),
	}
	kind, tool, field, got := offline.DecisionArgs(m, msgs, llms.WithTools(reg.Definitions(role)))
	require.Contains(t, []string{"call", "ask"}, kind, "the message should go to a tool")
	if kind == "call" {
		field = ""
	}
	return tool, got, field
}

// Arguments filled from one message, by the tool's schema: typed values
// (emails, phones, amounts, sizes, dates), enum values from words and
// synonyms in either language, names, companies and courses by fuzzy title.
// Nothing is made up: what the message does not say stays missing.
func TestSlotFilling(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		role  store.Role
		tc    turnctx.Context
		text  string
		tool  string
		want  map[string]any
		not   []string // arguments that must not be set
		asked string   // the first missing required field, "" when called
	}{
		{
			name: "lead es, several facts in one message",
			role: store.RoleProspect,
			text: "Hola, soy Ana López de Acme, somos 50 empleados y queremos capacitar al equipo en IA. Presupuesto 5.000 USD, mi correo es ana.lopez@acme.com y mi cel +52 55 1234 5678",
			tool: "qualify_lead",
			want: map[string]any{"name": "Ana López", "company": "Acme", "company_size": 50.0, "budget": 5000.0,
				"email": "ana.lopez@acme.com", "phone": "+525512345678", "interest": "courses"},
		},
		{
			name: "lead en, k budget and hyphenated size",
			role: store.RoleProspect,
			text: "I'm John Carter from Globex, we're a 200-person company interested in your marketing SaaS, budget around 3k. john@globex.com",
			tool: "qualify_lead",
			want: map[string]any{"name": "John Carter", "company": "Globex", "company_size": 200.0, "budget": 3000.0,
				"email": "john@globex.com", "interest": "marketing_saas"},
		},
		{
			name: "lead en, dollar amount with thousands separator",
			role: store.RoleProspect,
			text: "we'd like a quote to train our team on AI, we have $3,000 for it, my name is Mary Jones, mary@jones.io",
			tool: "qualify_lead",
			want: map[string]any{"name": "Mary Jones", "budget": 3000.0, "email": "mary@jones.io", "interest": "courses"},
		},
		{
			name:  "lead without email asks for it, lowercase name after me llamo",
			role:  store.RoleProspect,
			text:  "me llamo pedro gomez y quiero una propuesta de la plataforma de marketing para mi agencia",
			tool:  "qualify_lead",
			want:  map[string]any{"name": "Pedro Gomez", "interest": "marketing_saas"},
			not:   []string{"email", "company_size", "budget"},
			asked: "email",
		},
		{
			name: "lead: a bare number is no company size",
			role: store.RoleProspect,
			text: "quiero una propuesta para mi empresa, llevo 3 años en el rubro",
			tool: "qualify_lead",
			not:  []string{"company_size", "budget"}, asked: "email",
		},
		{
			name: "enroll: course by fuzzy title, no accents, other words",
			role: store.RoleProspect,
			text: "quiero inscribirme en el curso de marketing con ia, mi mail es sofi.r@gmail.com",
			tool: "enroll_course",
			want: map[string]any{"course": "ia-marketing", "email": "sofi.r@gmail.com"},
		},
		{
			name: "enroll: typo in the title",
			role: store.RoleProspect,
			text: "me quiero anotar en analisis de dattos con ia",
			tool: "enroll_course",
			want: map[string]any{"course": "datos-ia"}, asked: "email",
		},
		{
			name: "enroll en: English title of a Spanish course",
			role: store.RoleStudent,
			text: "sign me up for AI-powered data analysis please",
			tool: "enroll_course",
			want: map[string]any{"course": "datos-ia"}, asked: "email",
		},
		{
			name:  "enroll: a word all courses share names none",
			role:  store.RoleProspect,
			text:  "quiero inscribirme al curso de IA",
			tool:  "enroll_course",
			not:   []string{"course"},
			asked: "course",
		},
		{
			name: "enroll: the caller's email comes from the turn context",
			role: store.RoleStudent,
			tc:   turnctx.Context{Name: "Camila Ruiz", Email: "camila@example.com"},
			text: "inscribime en prompt engineering porfa",
			tool: "enroll_course",
			want: map[string]any{"course": "prompt-engineering", "email": "camila@example.com", "name": "Camila Ruiz"},
		},
		{
			name: "enroll: an email in the message wins over the turn context",
			role: store.RoleStudent,
			tc:   turnctx.Context{Email: "old@example.com"},
			text: "anotame en el de agentes con nuevo@example.com",
			tool: "enroll_course",
			want: map[string]any{"course": "agentes-automatizacion", "email": "nuevo@example.com"},
		},
		{
			name: "ticket: subject, description and category from the problem",
			role: store.RoleStudent,
			text: "no puedo entrar a la plataforma, me da error de contraseña",
			tool: "open_ticket",
			want: map[string]any{"subject": "No puedo entrar a la plataforma", "category": "access",
				"description": "no puedo entrar a la plataforma, me da error de contraseña"},
		},
		{
			name: "ticket en: billing by synonym",
			role: store.RoleStudent,
			text: "I was charged twice for the course, please help",
			tool: "open_ticket",
			want: map[string]any{"category": "billing"},
		},
		{
			name:  "ticket: the request alone has no content to describe",
			role:  store.RoleStudent,
			text:  "quiero abrir un ticket",
			tool:  "open_ticket",
			not:   []string{"subject", "description"},
			asked: "subject",
		},
		{
			name: "ticket status: number after #",
			role: store.RoleStudent,
			text: "any update on ticket #4521?",
			tool: "ticket_status",
			want: map[string]any{"number": 4521.0},
		},
		{
			name: "kpis: metrics list and period from synonyms",
			role: store.RoleStaff,
			text: "dame el mrr y el churn del mes pasado",
			tool: "report_kpis",
			want: map[string]any{"metrics": []any{"mrr", "churn"}, "period": "last_month"},
		},
		{
			name: "kpis en: this quarter",
			role: store.RoleStaff,
			text: "how many new customers did we get this quarter?",
			tool: "report_kpis",
			want: map[string]any{"metrics": []any{"new_customers"}, "period": "this_quarter"},
		},
		{
			name: "kpis: a custom range with natural dates",
			role: store.RoleStaff,
			text: "kpis de leads del 3 de marzo al 15 de marzo de 2027, periodo personalizado",
			tool: "report_kpis",
			want: map[string]any{"period": "custom", "from": "2027-03-03", "to": "2027-03-15", "metrics": []any{"leads"}},
		},
		{
			name: "kpis en: ISO and English dates",
			role: store.RoleStaff,
			text: "custom report on enrollments from 2027-01-05 to March 3, 2027",
			tool: "report_kpis",
			want: map[string]any{"period": "custom", "from": "2027-01-05", "to": "2027-03-03"},
		},
		{
			name: "list courses: language filter by name",
			role: store.RoleProspect,
			text: "que cursos tienen en ingles?",
			tool: "list_courses",
			want: map[string]any{"language": "en"},
		},
		{
			name: "request human: the reason is the message",
			role: store.RoleProspect,
			text: "quiero hablar con una persona, el bot no me entiende",
			tool: "request_human",
			want: map[string]any{"reason": "quiero hablar con una persona, el bot no me entiende"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tool, got, asked := argsOf(t, c.role, c.tc, c.text)
			require.Equal(t, c.tool, tool)
			for k, v := range c.want {
				require.Contains(t, got, k, "args %v", got)
				require.EqualValues(t, normalize(v), normalize(got[k]), "argument %s in %v", k, got)
			}
			for _, k := range c.not {
				require.NotContains(t, got, k, "args %v", got)
			}
			require.Equal(t, c.asked, asked, "args %v", got)
		})
	}
}

// normalize makes numbers comparable whatever their Go type.
func normalize(v any) any {
	switch x := v.(type) {
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	}
	return v
}

func TestKeyValuesRunToTheNextLabel(t *testing.T) {
	t.Parallel()
	got := offline.KeyValues("necesito una propuesta. cliente: Sofía Herrera. empresa: Grupo Lumen. conceptos: curso IA 2490 USD; taller 600 USD. validez: 30 dias")
	require.Equal(t, map[string]any{"cliente": "Sofía Herrera", "empresa": "Grupo Lumen", "conceptos": "curso IA 2490 USD; taller 600 USD", "validez": "30 dias"}, got)
	got = offline.KeyValues("template: certificado, student_name: Ana Ruiz, course_title: IA para marketing")
	require.Equal(t, map[string]any{"template": "certificado", "student_name": "Ana Ruiz", "course_title": "IA para marketing"}, got)
}
