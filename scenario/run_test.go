package scenario

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tmc/langchaingo/llms"

	"github.com/faroai/faro/llm/offline"
	"github.com/faroai/faro/llm/offline/business"
	"github.com/faroai/faro/llm/turnctx"
)

// scriptedModel is a model with fixed habits, so the runner is tested
// apart from any engine's quality: it hands off when asked for a person,
// asks for report_kpis when KPIs are mentioned, and otherwise answers with
// the first sentence of the first passage, cited.
type scriptedModel struct {
	mu      sync.Mutex
	courses map[string][]offline.Named // what the runner gave it, by scenario
}

func (m *scriptedModel) Call(ctx context.Context, prompt string, options ...llms.CallOption) (string, error) {
	return llms.GenerateFromSinglePrompt(ctx, m, prompt, options...)
}

func (m *scriptedModel) GenerateContent(ctx context.Context, msgs []llms.MessageContent, options ...llms.CallOption) (*llms.ContentResponse, error) {
	var opts llms.CallOptions
	for _, o := range options {
		o(&opts)
	}
	last := msgs[len(msgs)-1]
	answer := func(text string) (*llms.ContentResponse, error) {
		if opts.StreamingFunc != nil {
			for _, w := range strings.SplitAfter(text, " ") {
				if err := opts.StreamingFunc(ctx, []byte(w)); err != nil {
					return nil, err
				}
			}
		}
		return &llms.ContentResponse{Choices: []*llms.ContentChoice{{Content: text}}}, nil
	}
	callTool := func(name, args string) (*llms.ContentResponse, error) {
		return &llms.ContentResponse{Choices: []*llms.ContentChoice{{ToolCalls: []llms.ToolCall{{
			ID: "c1", Type: "function", FunctionCall: &llms.FunctionCall{Name: name, Arguments: args}}}}}}, nil
	}
	if last.Role == llms.ChatMessageTypeTool {
		res := last.Parts[0].(llms.ToolCallResponse)
		if res.Name == "request_human" {
			return answer("Te paso con una persona del equipo.")
		}
		return answer("No puedo hacer eso.")
	}
	var user string
	for _, p := range last.Parts {
		if t, ok := p.(llms.TextContent); ok {
			user += t.Text
		}
	}
	switch u := strings.ToLower(user); {
	case strings.Contains(u, "persona"):
		return callTool("request_human", `{"reason":"asked for a person"}`)
	case strings.Contains(u, "kpi"):
		return callTool("report_kpis", `{"period":"this_month"}`)
	}
	tc, _ := turnctx.Read(msgs)
	if len(tc.Passages) == 0 {
		return answer("No tengo esa información.")
	}
	p := tc.Passages[0]
	sentence, _, _ := strings.Cut(p.Text, ".")
	return answer(sentence + ". [" + p.Ref + "]")
}

func scriptedModelFunc(m *scriptedModel) ModelFunc {
	return func(ctx context.Context, env ModelEnv) (llms.Model, error) {
		s := env.Scenario
		courses, err := business.NewVocabulary(env.Store, business.VocabularyOptions{}).Courses(ctx)
		if err != nil {
			return nil, err
		}
		m.mu.Lock()
		if m.courses == nil {
			m.courses = map[string][]offline.Named{}
		}
		m.courses[s.Name] = courses
		m.mu.Unlock()
		return m, nil
	}
}

func parseAll(t *testing.T, srcs ...string) []Scenario {
	t.Helper()
	var out []Scenario
	for _, src := range srcs {
		s, err := Parse("test.yaml", []byte(src))
		require.NoError(t, err)
		out = append(out, s)
	}
	return out
}

func TestRunnerWithScriptedModel(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := &scriptedModel{}
	// The default tools hold report_kpis, staff only: a prospect's call of
	// it is refused.
	r, err := NewRunner(ctx, Options{ModelFunc: scriptedModelFunc(m), ModelName: "scripted", ToolsFunc: DefaultTools, TempDir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, r.Close()) })

	scenarios := parseAll(t, `
name: fixture-cited
role: prospect
contact: {name: Ana, email: ana@example.com, language: es}
fixtures:
  knowledge:
    - source: politicas/mascotas.md
      language: es
      text: |
        # Mascotas en clase
        Las mascotas pueden asistir a las sesiones en vivo con zorros voladores. Nada más.
  courses:
    - slug: zorros-101
      title: {es: "Zorros voladores", en: "Flying foxes"}
turns:
  - user: "zorros voladores mascotas sesiones en vivo"
    expect:
      tools_called: []
      reply_contains: ["zorros voladores"]
      cites: mascotas
      handoff: false
`, `
name: handoff-then-quiet
role: student
channel: whatsapp
turns:
  - user: "quiero una persona"
    expect: {tool: request_human, handoff: true, reply_contains: persona}
  - user: "hola?"
    expect: {tools_called: [], handoff: true}
`, `
name: refused-kpis
role: prospect
turns:
  - user: "dame los kpi"
    expect: {tool_refused: report_kpis, tools_not_called: [report_kpis], tools_called: []}
`, `
name: staff-gets-kpis
role: staff
channel: slack
turns:
  - user: "dame los kpi"
    expect: {tool: report_kpis, args: {period: THIS_MONTH}}
`, `
name: fails-on-purpose
role: prospect
turns:
  - user: "hola"
    expect: {reply_language: en}
  - user: "quiero una persona"
    expect: {tool: search_knowledge}
`)
	rep, err := r.Run(ctx, scenarios)
	require.NoError(t, err)
	require.Equal(t, "scripted", rep.Model)
	require.Len(t, rep.Scenarios, 5)
	for _, res := range rep.Scenarios[:4] {
		require.True(t, res.Passed, "%s: %+v", res.Name, res)
	}
	fail := rep.Scenarios[4]
	require.False(t, fail.Passed)
	require.Empty(t, fail.Error)
	require.Len(t, fail.Turns, 2, "every turn runs, failed or not")
	require.Equal(t, 1, fail.First.Turn)
	require.Equal(t, "reply_language", fail.First.Key)

	// The fixture course reached the model's vocabulary with the demo
	// catalogue's.
	slugs := map[string]bool{}
	for _, c := range m.courses["fixture-cited"] {
		slugs[c.Slug] = true
	}
	require.True(t, slugs["zorros-101"] && slugs["ia-marketing"], "%v", slugs)

	require.Equal(t, Rate{Passed: 4, Total: 5, Rate: 0.8}, rep.Overall)
	require.Equal(t, map[string]Rate{
		"none":             {Passed: 2, Total: 2, Rate: 1},
		"request_human":    {Passed: 1, Total: 1, Rate: 1},
		"report_kpis":      {Passed: 2, Total: 2, Rate: 1},
		"search_knowledge": {Passed: 0, Total: 1, Rate: 0},
	}, rep.ByTool)
	require.Equal(t, 4, rep.ByLanguage["es"].Total, "%v", rep.ByLanguage)
	require.Equal(t, Rate{Passed: 0, Total: 1, Rate: 0}, rep.ByLanguage["en"])

	var text bytes.Buffer
	require.NoError(t, rep.WriteText(&text))
	out := text.String()
	require.Contains(t, out, "PASS  fixture-cited\n")
	require.Regexp(t, `\nFAIL  fails-on-purpose +turn 1 "hola": reply_language en: reply reads as es: "`, out)
	require.Contains(t, out, "overall (scenarios)")
	require.Contains(t, out, "4/5")

	var js bytes.Buffer
	require.NoError(t, rep.WriteJSON(&js))
	var back Report
	require.NoError(t, json.Unmarshal(js.Bytes(), &back))
	require.Equal(t, rep.Overall, back.Overall)
	require.Equal(t, "reply_language", back.Scenarios[4].First.Key)
}

// A fixture that cannot be stored makes the scenario fail with an error
// saying which; the others still run.
func TestRunnerFixtureError(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r, err := NewRunner(ctx, Options{ModelFunc: scriptedModelFunc(&scriptedModel{}), TempDir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, r.Close()) })
	res := r.RunOne(ctx, parseAll(t, `
name: empty-doc
role: prospect
fixtures:
  knowledge:
    - {source: roto.csv, text: "question,answer\n\"unterminated,quote\n"}
turns:
  - user: hola
`)[0])
	require.False(t, res.Passed)
	require.Contains(t, res.Error, "fixtures.knowledge[0] (roto.csv): no text found")
}

// A completed enrolment in a course that is closed now (its cohort over),
// or an enrolment in a course full now, is a fixture like any other.
func TestRunnerEnrollmentInClosedCourse(t *testing.T) {
	t.Parallel()
	for _, status := range []string{"closed", "full"} {
		t.Run(status, func(t *testing.T) { enrollInCourse(t, status) })
	}
}

func enrollInCourse(t *testing.T, status string) {
	ctx := context.Background()
	r, err := NewRunner(ctx, Options{ModelFunc: scriptedModelFunc(&scriptedModel{}), TempDir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, r.Close()) })
	res := r.RunOne(ctx, parseAll(t, `
name: closed-course
role: student
contact: {name: Caio, email: caio@example.com}
fixtures:
  courses:
    - {slug: cafe-101, title: {es: Café, en: Coffee}, language: es, price: {amount: 90, currency: USD}, seats: 10, start: 2026-01-05, status: `+status+`}
  enrollments:
    - {course: cafe-101, progress: 100}
turns:
  - user: hola
`)[0])
	require.Empty(t, res.Error)
}
