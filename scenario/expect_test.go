package scenario

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// expect parses the expectations of one turn from YAML, as a file would
// give them.
func expect(t *testing.T, src string) Expect {
	t.Helper()
	s, err := Parse("t.yaml", []byte("name: t\nrole: prospect\nturns:\n  - user: hi\n    expect: "+src+"\n"))
	require.NoError(t, err)
	return s.Turns[0].Expect
}

func call(tool, args, status string) Call {
	return Call{Tool: tool, Args: json.RawMessage(args), Status: status}
}

// Every key passes on what it describes and fails, naming itself and what
// happened, on what it does not.
func TestCheckEachKey(t *testing.T) {
	t.Parallel()
	search := call("search_knowledge", `{"query":"precio curso"}`, "ok")
	enroll := call("enroll_course", `{"course":"IA-Marketing","email":"Ana@Example.com","seats":2,"tags":["a","b"],"extra":{"x":1.0}}`, "ok")
	refused := call("report_kpis", `{"metrics":["mrr"]}`, "refused")
	unknown := call("made_up", `{}`, "unknown")
	invalid := call("open_ticket", `{"subject":""}`, "invalid")

	tests := []struct {
		name   string
		expect string
		obs    Observed
		unmet  string // the key of the first unmet expectation, "" when all hold
		actual string // a part of what the failure says happened
	}{
		{"tool called", `{tool: search_knowledge}`, Observed{Calls: []Call{search}}, "", ""},
		{"tool not called", `{tool: search_knowledge}`, Observed{Calls: []Call{enroll}}, "tool", "enroll_course"},
		{"tool refused is not called", `{tool: report_kpis}`, Observed{Calls: []Call{refused}}, "tool", "(refused)"},
		{"tool with invalid args was called", `{tool: open_ticket}`, Observed{Calls: []Call{invalid}}, "", ""},
		{"no tool at all", `{tool: search_knowledge}`, Observed{}, "tool", "no tool"},

		{"args subset, case-insensitive strings", `{tool: enroll_course, args: {course: ia-marketing, email: ana@example.com}}`, Observed{Calls: []Call{enroll}}, "", ""},
		{"args number by value", `{tool: enroll_course, args: {seats: 2.0, extra: {x: 1}}}`, Observed{Calls: []Call{enroll}}, "", ""},
		{"args list as a set", `{tool: enroll_course, args: {tags: [b, a]}}`, Observed{Calls: []Call{enroll}}, "", ""},
		{"args list of another size", `{tool: enroll_course, args: {tags: [a]}}`, Observed{Calls: []Call{enroll}}, "args", `"tags":["a","b"]`},
		{"args wrong value", `{tool: enroll_course, args: {course: datos-ia}}`, Observed{Calls: []Call{enroll}}, "args", `"course":"IA-Marketing"`},
		{"args missing key", `{tool: enroll_course, args: {name: Ana}}`, Observed{Calls: []Call{enroll}}, "args", "enroll_course had"},
		{"args number is not a string", `{tool: enroll_course, args: {seats: "2"}}`, Observed{Calls: []Call{enroll}}, "args", ""},
		{"args any of several calls", `{tool: search_knowledge, args: {query: reembolso}}`,
			Observed{Calls: []Call{search, call("search_knowledge", `{"query":"Reembolso"}`, "ok")}}, "", ""},

		{"tools_called exact", `{tools_called: [search_knowledge, enroll_course]}`, Observed{Calls: []Call{enroll, search, search}}, "", ""},
		{"tools_called extra", `{tools_called: [search_knowledge]}`, Observed{Calls: []Call{enroll, search}}, "tools_called", "enroll_course"},
		{"tools_called missing", `{tools_called: [search_knowledge, request_human]}`, Observed{Calls: []Call{search}}, "tools_called", "search_knowledge"},
		{"tools_called none", `{tools_called: []}`, Observed{}, "", ""},
		{"tools_called none, refusal is not a call", `{tools_called: []}`, Observed{Calls: []Call{refused, unknown}}, "", ""},
		{"tools_called none but one", `{tools_called: []}`, Observed{Calls: []Call{search}}, "tools_called", "search_knowledge"},

		{"tools_not_called holds", `{tools_not_called: [report_kpis, enroll_course]}`, Observed{Calls: []Call{search, refused}}, "", ""},
		{"tools_not_called broken", `{tools_not_called: [report_kpis, enroll_course]}`, Observed{Calls: []Call{enroll}}, "tools_not_called", "enroll_course"},

		{"tool_refused holds", `{tool_refused: report_kpis}`, Observed{Calls: []Call{refused}}, "", ""},
		{"tool_refused not requested", `{tool_refused: report_kpis}`, Observed{Calls: []Call{search}}, "tool_refused", "search_knowledge"},
		{"tool_refused but ran", `{tool_refused: search_knowledge}`, Observed{Calls: []Call{search}}, "tool_refused", ""},

		{"reply_contains folds case and accents", `{reply_contains: [Política, "14 DIAS"]}`, Observed{Reply: "La politica de reembolso: 14 días."}, "", ""},
		{"reply_contains one missing", `{reply_contains: [politica, 30 dias]}`, Observed{Reply: "La política: 14 días."}, "reply_contains", `"La política: 14 días."`},
		{"reply_contains_any one", `{reply_contains_any: [correo, email]}`, Observed{Reply: "¿Me das tu E-mail? o tu EMAIL"}, "", ""},
		{"reply_contains_any none", `{reply_contains_any: [correo, email]}`, Observed{Reply: "¿Tu teléfono?"}, "reply_contains_any", "teléfono"},
		{"reply_not_contains holds", `{reply_not_contains: [error, mrr]}`, Observed{Reply: "Todo bien"}, "", ""},
		{"reply_not_contains broken", `{reply_not_contains: [error, mrr]}`, Observed{Reply: "El MRR es 10k"}, "reply_not_contains", `"mrr"`},
		{"reply_not_contains accent-insensitive", `{reply_not_contains: [informacion]}`, Observed{Reply: "Más información"}, "reply_not_contains", ""},

		{"reply_language es", `{reply_language: es}`, Observed{Reply: "Claro, el curso cuesta 249 USD y empieza en febrero."}, "", ""},
		{"reply_language en", `{reply_language: en}`, Observed{Reply: "Sure, the course costs USD 249 and starts in February."}, "", ""},
		{"reply_language pt", `{reply_language: pt}`, Observed{Reply: "Claro, o curso custa 249 USD e começa em fevereiro. Não há taxa de matrícula."}, "", ""},
		{"reply_language wrong", `{reply_language: en}`, Observed{Reply: "Claro, el curso cuesta 249 USD y empieza en febrero."}, "reply_language", "reads as es"},
		{"reply_language empty reply", `{reply_language: en}`, Observed{}, "reply_language", "undetermined"},

		{"cites substring", `{cites: [reembolso]}`, Observed{Citations: []Citation{{Source: "es/legal/politica-de-reembolsos.md"}}}, "", ""},
		{"cites several", `{cites: [reembolso, precios]}`, Observed{Citations: []Citation{{Source: "es/legal/politica-de-reembolsos.md"}}}, "cites", "politica-de-reembolsos"},
		{"cites nothing cited", `{cites: refund}`, Observed{}, "cites", "cited nothing"},

		{"handoff true holds", `{handoff: true}`, Observed{HandedOff: true}, "", ""},
		{"handoff true broken", `{handoff: true}`, Observed{}, "handoff", "still with the bot"},
		{"handoff false holds", `{handoff: false}`, Observed{}, "", ""},
		{"handoff false broken", `{handoff: false}`, Observed{HandedOff: true}, "handoff", "handed to a person"},

		{"no expectations", `{}`, Observed{Reply: "anything", Calls: []Call{enroll}}, "", ""},
		{"first unmet in table order", `{handoff: true, tool: request_human, reply_contains: persona}`, Observed{Reply: "vale"}, "tool", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			unmet := Check(expect(t, tt.expect), tt.obs)
			if tt.unmet == "" {
				require.Empty(t, unmet)
				return
			}
			require.NotEmpty(t, unmet)
			require.Equal(t, tt.unmet, unmet[0].Key, "%v", unmet)
			require.Contains(t, unmet[0].String(), tt.actual)
		})
	}
}

func TestDetectLanguage(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"hola, cuanto cuesta el curso de ia para marketing?": "es",
		"¿Cuánto cuesta?": "es",
		"Gracias!":        "es",
		"how much is the prompt engineering course": "en",
		"thanks!": "en",
		"quanto custa o curso de IA e tem certificado?":                               "pt",
		"Obrigado pela ajuda":                                                         "pt",
		"Não encontrei essa informação na base de conhecimento.":                      "pt",
		"El curso **Building LLM Apps with RAG** cuesta 399 USD y dura 8 semanas [1]": "es",
		"See the details at https://brujula.example/cursos/ia-para-el-marketing":      "en",
		"":     "",
		"1234": "",
	}
	for text, want := range tests {
		require.Equal(t, want, DetectLanguage(text), "%q", text)
	}
}
