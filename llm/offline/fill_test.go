package offline_test

import (
	"testing"

	"github.com/faroai/faro/llm/offline"
	"github.com/faroai/faro/llm/turnctx"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/tools"
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
// person (an email, a phone) is asked first, whatever the schema's order.
func TestFillAsksIdentifyingFieldFirst(t *testing.T) {
	t.Parallel()
	for _, text := range []string{
		"quiero una propuesta para capacitar a mi equipo en IA",
		"we'd like a quote to train our team on AI",
		"quero uma proposta para treinar minha equipe em IA",
	} {
		_, missing := fillOne(t, turnctx.Context{}, "qualify_lead", human(text))
		require.GreaterOrEqual(t, len(missing), 2, text)
		require.Equal(t, []string{"email", "name"}, missing[:2], text)
	}
}
