package offline_test

import (
	"context"
	"strings"
	"testing"

	"github.com/faroai/faro/llm/turnctx"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/tools"
	"github.com/stretchr/testify/require"
	"github.com/tmc/langchaingo/llms"
)

// turnWant is what one user message should lead to.
type turnWant struct {
	user      string
	call      string         // the tool called this turn ("" for none)
	args      map[string]any // a subset of its arguments
	replyHas  []string       // folded substrings, any of which the reply has
	replyNot  []string       // folded substrings the reply must not have
	replyLang string
}

func runTurns(t *testing.T, a *agent, turns []turnWant) {
	t.Helper()
	for i, tw := range turns {
		res := a.say(tw.user)
		if tw.call == "" {
			require.Empty(t, callNames(res.calls), "turn %d %q: reply %q", i+1, tw.user, res.reply)
		} else {
			require.Contains(t, callNames(res.calls), tw.call, "turn %d %q: reply %q", i+1, tw.user, res.reply)
			var got map[string]any
			for _, c := range res.calls {
				if c.FunctionCall.Name == tw.call {
					got = args(t, c)
				}
			}
			for k, v := range tw.args {
				require.EqualValues(t, normalize(v), normalize(got[k]), "turn %d: argument %s in %v", i+1, k, got)
			}
		}
		reply := folded(res.reply)
		if len(tw.replyHas) > 0 {
			found := false
			for _, s := range tw.replyHas {
				found = found || strings.Contains(reply, folded(s))
			}
			require.True(t, found, "turn %d %q: reply %q has none of %q", i+1, tw.user, res.reply, tw.replyHas)
		}
		for _, s := range tw.replyNot {
			require.NotContains(t, reply, folded(s), "turn %d %q", i+1, tw.user)
		}
		if tw.replyLang != "" {
			require.Equal(t, tw.replyLang, replyLanguage(res.reply), "turn %d %q: reply %q", i+1, tw.user, res.reply)
		}
	}
}

// replyLanguage guesses a reply's language from words only one language
// uses, enough for the engine's own phrases.
func replyLanguage(s string) string {
	f := " " + folded(s) + " "
	score := map[string]int{}
	for lang, words := range map[string][]string{
		"es": {" cual ", " tu ", " es ", " el ", " que ", " correo", " quieres", " puedo", " curso", " nombre", " empresa", " listo", " hola"},
		"en": {" what", " your ", " the ", " would ", " you", " course", " name", " company", " done", " hi"},
		"pt": {" qual ", " seu ", " voce", " nao ", " obrigad", " pronto", " posso", " curso ", " olá", " ola"},
	} {
		for _, w := range words {
			score[lang] += strings.Count(f, w)
		}
	}
	best := ""
	for _, l := range []string{"es", "en", "pt"} {
		if score[l] > score[best] {
			best = l
		}
	}
	return best
}

// A tool with required arguments is called only once they are all known:
// the engine asks for the first missing one, one question at a time, in
// the user's language, and reads each answer for the field it asked for.
func TestAsksForMissingArgumentsOneAtATime(t *testing.T) {
	t.Parallel()
	t.Run("enroll es", func(t *testing.T) {
		t.Parallel()
		runTurns(t, newAgent(t, store.RoleProspect, ""), []turnWant{
			{user: "hola, quiero inscribirme en un curso", replyHas: []string{"que curso"}, replyNot: []string{"correo"}, replyLang: "es"},
			{user: "el de marketing", replyHas: []string{"correo"}, replyLang: "es"},
			{user: "ana.lopez@gmail.com", call: "enroll_course", args: map[string]any{"course": "ia-marketing", "email": "ana.lopez@gmail.com"}, replyHas: []string{"inscrit"}},
		})
	})
	t.Run("enroll en, a bad email asked again", func(t *testing.T) {
		t.Parallel()
		runTurns(t, newAgent(t, store.RoleStudent, ""), []turnWant{
			{user: "sign me up for the prompt engineering course", replyHas: []string{"email"}, replyLang: "en"},
			{user: "john@@mail", replyHas: []string{"doesn't look right"}},
			{user: "john@mail.com", call: "enroll_course", args: map[string]any{"course": "prompt-engineering", "email": "john@mail.com"}},
		})
	})
	t.Run("lead es, answers in any order", func(t *testing.T) {
		t.Parallel()
		runTurns(t, newAgent(t, store.RoleProspect, ""), []turnWant{
			// The email, which identifies the person, is asked before the name.
			{user: "me interesa una propuesta para mi empresa, somos 40", replyHas: []string{"correo"}},
			{user: "ana@perez.com", replyHas: []string{"nombre"}},
			// The name asked for comes with another answer unasked.
			{user: "Ana Pérez, y nos interesa la plataforma de marketing", call: "qualify_lead",
				args: map[string]any{"name": "Ana Pérez", "email": "ana@perez.com", "company_size": 40, "interest": "marketing_saas"}},
		})
	})
	t.Run("ticket: the problem, then the category from its options", func(t *testing.T) {
		t.Parallel()
		runTurns(t, newAgent(t, store.RoleStudent, ""), []turnWant{
			{user: "quiero abrir un ticket", replyHas: []string{"que paso"}},
			{user: "no me llega el certificado del curso de datos", replyHas: []string{"facturacion", "acceso", "contenido del curso"}},
			{user: "contenido del curso", call: "open_ticket", args: map[string]any{
				"category": "course_content", "subject": "No me llega el certificado del curso de datos",
				"description": "no me llega el certificado del curso de datos"}},
		})
	})
	t.Run("a question in the middle is answered and the task goes on", func(t *testing.T) {
		t.Parallel()
		a := newAgent(t, store.RoleProspect, "")
		a.passages = func(q string) []turnctx.Passage {
			return []turnctx.Passage{{Ref: "1", Source: "es/cursos/ia-marketing.md", Title: "IA para marketing",
				Text: "- Precio: 249 USD (impuestos no incluidos)\n- Inicio: lunes 8 de febrero de 2027"}}
		}
		runTurns(t, a, []turnWant{
			{user: "me quiero anotar en ia para marketing", replyHas: []string{"correo"}},
			{user: "cuanto cuesta?", replyHas: []string{"249 usd (impuestos no incluidos) [1]"}},
			{user: "ok, es sofia@correo.com", call: "enroll_course", args: map[string]any{"course": "ia-marketing", "email": "sofia@correo.com"}},
		})
	})
	t.Run("cancel drops the task", func(t *testing.T) {
		t.Parallel()
		runTurns(t, newAgent(t, store.RoleProspect, ""), []turnWant{
			{user: "quiero inscribirme en el curso de datos", replyHas: []string{"correo"}},
			{user: "mejor no, olvidalo", replyHas: []string{"lo dejamos"}},
			{user: "ana@example.com"},
		})
	})
	t.Run("a person asked for in the middle of a task", func(t *testing.T) {
		t.Parallel()
		runTurns(t, newAgent(t, store.RoleProspect, ""), []turnWant{
			{user: "quiero inscribirme en el curso de datos", replyHas: []string{"correo"}},
			{user: "prefiero hablar con un asesor", call: "request_human", replyHas: []string{"persona del equipo"}},
		})
	})
	t.Run("the caller's details come from the turn context", func(t *testing.T) {
		t.Parallel()
		a := newAgent(t, store.RoleStudent, "es")
		a.tc.Email, a.tc.Name = "camila@example.com", "Camila Ruiz"
		runTurns(t, a, []turnWant{
			{user: "anotame en agentes de ia", call: "enroll_course", args: map[string]any{"course": "agentes-automatizacion", "email": "camila@example.com"}},
		})
	})
	t.Run("pt asks in Portuguese", func(t *testing.T) {
		t.Parallel()
		runTurns(t, newAgent(t, store.RoleProspect, ""), []turnWant{
			{user: "olá, quero me inscrever no curso de prompt engineering", replyHas: []string{"qual e o seu e-mail"}, replyLang: "pt"},
		})
	})
}

// A tool's refusal of an argument is asked about again, in the user's
// language and without the tool's own (English, model-facing) message.
func TestInvalidToolResultAsksForTheField(t *testing.T) {
	t.Parallel()
	reg := newRegistry(t, &calls{}, nil)
	m := newModel(t, reg)
	call := llms.ToolCall{ID: "call_1", Type: "function", FunctionCall: &llms.FunctionCall{Name: "enroll_course", Arguments: `{"course":"ia-marketing","email":"ana@x"}`}}
	resp := llms.ToolCallResponse{ToolCallID: "call_1", Name: "enroll_course",
		Content: `{"error":"invalid_arguments","message":"invalid arguments for enroll_course; correct them and call the tool again","fields":[{"field":"email","problem":"must be a valid email address"}]}`}
	msgs := []llms.MessageContent{
		{Role: llms.ChatMessageTypeSystem, Parts: []llms.ContentPart{turnctx.Context{Role: "prospect", Language: "es"}.Part()}},
		llms.TextParts(llms.ChatMessageTypeHuman, "inscribime en ia para marketing, ana@x"),
		{Role: llms.ChatMessageTypeAI, Parts: []llms.ContentPart{call}},
		{Role: llms.ChatMessageTypeTool, Parts: []llms.ContentPart{resp}},
	}
	out, err := m.GenerateContent(context.Background(), msgs, llms.WithTools(reg.Definitions(store.RoleProspect)))
	require.NoError(t, err)
	reply := out.Choices[0].Content
	require.Contains(t, reply, "Ese correo no parece válido")
	require.Contains(t, reply, "¿Cuál es tu correo electrónico?")
	require.NotContains(t, reply, "invalid")

	// The answer then completes the call, keeping the course it had.
	msgs = append(msgs, llms.TextParts(llms.ChatMessageTypeAI, reply), llms.TextParts(llms.ChatMessageTypeHuman, "ana@example.com"))
	out, err = m.GenerateContent(context.Background(), msgs, llms.WithTools(reg.Definitions(store.RoleProspect)))
	require.NoError(t, err)
	require.Len(t, out.Choices[0].ToolCalls, 1)
	got := args(t, out.Choices[0].ToolCalls[0])
	require.Equal(t, map[string]any{"course": "ia-marketing", "email": "ana@example.com"}, got)
	require.Equal(t, "call_2", out.Choices[0].ToolCalls[0].ID, "IDs count the conversation's calls")
}

// Tool failures get a short apology in the user's language, never the
// tool's text.
func TestToolErrorsApologise(t *testing.T) {
	t.Parallel()
	reg := newRegistry(t, &calls{}, nil)
	m := newModel(t, reg)
	for _, c := range []struct {
		lang, code, want string
	}{
		{"es", "tool_failed", "no pude completarlo"},
		{"en", "timeout", "took too long"},
		{"en", "not_allowed", "isn't available to you"},
		{"pt", "tool_failed", "não consegui concluir"},
		{"es", "course_full", "no quedan plazas"},
		{"pt", "course_full", "lotado"},
		{"en", "course_full", "course is full"},
	} {
		msgs := []llms.MessageContent{
			{Role: llms.ChatMessageTypeSystem, Parts: []llms.ContentPart{turnctx.Context{Role: "student", Language: c.lang}.Part()}},
			llms.TextParts(llms.ChatMessageTypeHuman, "x"),
			{Role: llms.ChatMessageTypeAI, Parts: []llms.ContentPart{llms.ToolCall{ID: "call_1", Type: "function", FunctionCall: &llms.FunctionCall{Name: "open_ticket", Arguments: "{}"}}}},
			{Role: llms.ChatMessageTypeTool, Parts: []llms.ContentPart{llms.ToolCallResponse{ToolCallID: "call_1", Name: "open_ticket",
				Content: `{"error":"` + c.code + `","message":"tool open_ticket failed for an internal reason; do not retry it now"}`}}},
		}
		out, err := m.GenerateContent(context.Background(), msgs, llms.WithTools(reg.Definitions(store.RoleStudent)))
		require.NoError(t, err)
		reply := out.Choices[0].Content
		require.Contains(t, strings.ToLower(reply), c.want, c.code)
		require.NotContains(t, reply, "internal reason")
	}
}

// When the knowledge base has no answer the engine offers a ticket; a yes
// opens it about the question.
func TestNoAnswerOffersATicket(t *testing.T) {
	t.Parallel()
	a := newAgent(t, store.RoleStudent, "es")
	a.passages = func(string) []turnctx.Passage {
		return []turnctx.Passage{{Ref: "1", Source: "es/soporte/certificados.md", Title: "Certificados",
			Text: "El certificado se emite en un máximo de 5 días hábiles después del final del curso."}}
	}
	a.tc.Email = "leo@example.com"
	runTurns(t, a, []turnWant{
		{user: "hay estacionamiento en la oficina de madrid?", replyHas: []string{"no encontre"}, replyNot: []string{"5 dias"}},
		{user: "si, dale", replyHas: []string{"que categoria"}},
		{user: "otro", call: "open_ticket", args: map[string]any{"category": "other",
			"description": "hay estacionamiento en la oficina de madrid?", "email": "leo@example.com"}},
	})
}

// The tool registry's own refusal (its real wire format) is read back: the
// missing field is asked for.
func TestRegistryRefusalIsRead(t *testing.T) {
	t.Parallel()
	reg := newRegistry(t, &calls{}, nil)
	m := newModel(t, reg)
	call := llms.ToolCall{ID: "call_1", Type: "function", FunctionCall: &llms.FunctionCall{Name: "open_ticket", Arguments: `{"subject":"No carga el video","description":"No carga el video del módulo 2"}`}}
	out := reg.Call(context.Background(), tools.Caller{Role: store.RoleStudent}, call)
	require.Equal(t, tools.StatusInvalid, out.Status)
	msgs := []llms.MessageContent{
		{Role: llms.ChatMessageTypeSystem, Parts: []llms.ContentPart{turnctx.Context{Role: "student", Language: "en"}.Part()}},
		llms.TextParts(llms.ChatMessageTypeHuman, "the video of module 2 doesn't load"),
		{Role: llms.ChatMessageTypeAI, Parts: []llms.ContentPart{call}},
		{Role: llms.ChatMessageTypeTool, Parts: []llms.ContentPart{out.Response}},
	}
	resp, err := m.GenerateContent(context.Background(), msgs, llms.WithTools(reg.Definitions(store.RoleStudent)))
	require.NoError(t, err)
	require.Equal(t, "Which category? It can be: billing, access, technical, course content, sales or other.", resp.Choices[0].Content)
}

// A listing filtered to nothing lists everything instead: the person asked
// what there is, not for "no course matches".
func TestEmptyFilteredListingListsAll(t *testing.T) {
	t.Parallel()
	reg := newRegistry(t, &calls{}, nil)
	m := newModel(t, reg)
	call := llms.ToolCall{ID: "call_1", Type: "function", FunctionCall: &llms.FunctionCall{Name: "list_courses", Arguments: `{"topic":"jardineria"}`}}
	msgs := []llms.MessageContent{
		{Role: llms.ChatMessageTypeSystem, Parts: []llms.ContentPart{turnctx.Context{Role: "prospect", Language: "es"}.Part()}},
		llms.TextParts(llms.ChatMessageTypeHuman, "tienen cursos de jardineria?"),
		{Role: llms.ChatMessageTypeAI, Parts: []llms.ContentPart{call}},
		{Role: llms.ChatMessageTypeTool, Parts: []llms.ContentPart{llms.ToolCallResponse{ToolCallID: "call_1", Name: "list_courses", Content: `{"courses":null,"message":"Ahora mismo no hay ningún curso que coincida."}`}}},
	}
	out, err := m.GenerateContent(context.Background(), msgs, llms.WithTools(reg.Definitions(store.RoleProspect)))
	require.NoError(t, err)
	require.Len(t, out.Choices[0].ToolCalls, 1)
	require.Equal(t, "list_courses", out.Choices[0].ToolCalls[0].FunctionCall.Name)
	require.Empty(t, args(t, out.Choices[0].ToolCalls[0]))

	// Unfiltered and still empty: said as it is, no loop.
	again := out.Choices[0].ToolCalls[0]
	msgs = append(msgs, llms.MessageContent{Role: llms.ChatMessageTypeAI, Parts: []llms.ContentPart{again}},
		llms.MessageContent{Role: llms.ChatMessageTypeTool, Parts: []llms.ContentPart{llms.ToolCallResponse{ToolCallID: again.ID, Name: "list_courses", Content: `{"courses":[],"message":"Ahora mismo no hay ningún curso que coincida."}`}}})
	out, err = m.GenerateContent(context.Background(), msgs, llms.WithTools(reg.Definitions(store.RoleProspect)))
	require.NoError(t, err)
	require.Empty(t, out.Choices[0].ToolCalls)
}
