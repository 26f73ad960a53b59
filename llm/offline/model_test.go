package offline_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/faroai/faro/llm"
	"github.com/faroai/faro/llm/offline"
	"github.com/faroai/faro/llm/turnctx"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/tools"
	"github.com/stretchr/testify/require"
	"github.com/tmc/langchaingo/llms"
)

func knowledgeMessages(lang string) []llms.MessageContent {
	return []llms.MessageContent{
		llms.TextParts(llms.ChatMessageTypeSystem, "You are the assistant."),
		{Role: llms.ChatMessageTypeSystem, Parts: []llms.ContentPart{turnctx.Context{Role: "prospect", Language: lang,
			Passages: []turnctx.Passage{pMarketing, pRefund}}.Part()}},
		llms.TextParts(llms.ChatMessageTypeHuman, "cuanto cuesta el curso de ia para marketing y cuando empieza?"),
	}
}

// The text is streamed in chunks of a few words that add up to the reply,
// all before GenerateContent returns; a tool call is not streamed.
func TestStreaming(t *testing.T) {
	t.Parallel()
	m := newModel(t, nil)
	var chunks []string
	resp, err := m.GenerateContent(context.Background(), knowledgeMessages("es"), llms.WithStreamingFunc(func(_ context.Context, c []byte) error {
		chunks = append(chunks, string(c))
		return nil
	}))
	require.NoError(t, err)
	require.Greater(t, len(chunks), 3)
	require.Equal(t, resp.Choices[0].Content, strings.Join(chunks, ""))
	for _, c := range chunks[:len(chunks)-1] {
		require.LessOrEqual(t, len(strings.Fields(c)), 4)
	}

	// A streaming function's error stops the call.
	boom := errors.New("client gone")
	_, err = m.GenerateContent(context.Background(), knowledgeMessages("es"), llms.WithStreamingFunc(func(context.Context, []byte) error { return boom }))
	require.ErrorIs(t, err, boom)

	// Tool calls are not streamed.
	reg := newRegistry(t, &calls{}, nil)
	m = newModel(t, reg)
	streamed := 0
	resp, err = m.GenerateContent(context.Background(), []llms.MessageContent{llms.TextParts(llms.ChatMessageTypeHuman, "quiero hablar con una persona")},
		llms.WithTools(reg.Definitions(store.RoleProspect)), llms.WithStreamingFunc(func(context.Context, []byte) error { streamed++; return nil }))
	require.NoError(t, err)
	require.Len(t, resp.Choices[0].ToolCalls, 1)
	require.Zero(t, streamed)
}

// The same messages give the same response, byte for byte, from the same
// model or another, one call at a time or many at once.
func TestDeterministic(t *testing.T) {
	t.Parallel()
	reg := newRegistry(t, &calls{}, nil)
	conversations := [][]llms.MessageContent{
		knowledgeMessages("es"),
		{llms.TextParts(llms.ChatMessageTypeHuman, "Hola, soy Ana López de Acme, somos 50 y queremos capacitar al equipo, presupuesto 5k USD, ana@acme.com")},
		{llms.TextParts(llms.ChatMessageTypeHuman, "quiero inscribirme en un curso")},
		{llms.TextParts(llms.ChatMessageTypeHuman, "asdf qwer")},
	}
	run := func(m *offline.Model, msgs []llms.MessageContent) string {
		resp, err := m.GenerateContent(context.Background(), msgs, llms.WithTools(reg.Definitions(store.RoleProspect)))
		require.NoError(t, err)
		c := resp.Choices[0]
		out := c.Content + "|" + c.StopReason
		for _, tc := range c.ToolCalls {
			out += "|" + tc.ID + tc.Type + tc.FunctionCall.Name + tc.FunctionCall.Arguments
		}
		return out
	}
	a, b := newModel(t, reg), newModel(t, reg)
	for _, msgs := range conversations {
		want := run(a, msgs)
		require.Equal(t, want, run(a, msgs))
		require.Equal(t, want, run(b, msgs))
	}
	// Concurrent calls share the model's caches safely (run with -race).
	var wg sync.WaitGroup
	results := make([]string, 16)
	for i := range results {
		wg.Go(func() { results[i] = run(a, conversations[i%len(conversations)]) })
	}
	wg.Wait()
	for i, r := range results {
		require.Equal(t, run(b, conversations[i%len(conversations)]), r)
	}
}

// The response has the shape the agent reads: one choice, text or one tool
// call with a deterministic ID and type "function", and token estimates
// under the keys llm.Usage reads.
func TestResponseShape(t *testing.T) {
	t.Parallel()
	reg := newRegistry(t, &calls{}, nil)
	m := newModel(t, reg)
	resp, err := m.GenerateContent(context.Background(), knowledgeMessages("es"))
	require.NoError(t, err)
	require.Len(t, resp.Choices, 1)
	c := resp.Choices[0]
	require.Equal(t, "stop", c.StopReason)
	prompt, completion := llm.Usage(resp)
	require.Greater(t, prompt, 50)
	require.Equal(t, len(strings.Fields(c.Content)), completion)
	require.Equal(t, prompt+completion, c.GenerationInfo["TotalTokens"])

	resp, err = m.GenerateContent(context.Background(),
		[]llms.MessageContent{llms.TextParts(llms.ChatMessageTypeHuman, "como va mi ticket 4521?")},
		llms.WithTools(reg.Definitions(store.RoleStudent)))
	require.NoError(t, err)
	c = resp.Choices[0]
	require.Equal(t, "tool_calls", c.StopReason)
	require.Empty(t, c.Content)
	require.Len(t, c.ToolCalls, 1)
	require.Equal(t, llms.ToolCall{ID: "call_1", Type: "function", FunctionCall: &llms.FunctionCall{Name: "ticket_status", Arguments: `{"number":4521}`}}, c.ToolCalls[0])
	require.Equal(t, c.ToolCalls[0].FunctionCall, c.FuncCall)
	_, completion = llm.Usage(resp)
	require.Positive(t, completion)

	// The call goes through the real registry.
	out := reg.Call(context.Background(), tools.Caller{Role: store.RoleStudent}, c.ToolCalls[0])
	require.Equal(t, tools.StatusOK, out.Status)
}

// Call (through llms.GenerateFromSinglePrompt) answers a single prompt.
func TestCall(t *testing.T) {
	t.Parallel()
	m := newModel(t, nil)
	out, err := m.Call(context.Background(), "hola!")
	require.NoError(t, err)
	require.Equal(t, "¡Hola! ¿En qué puedo ayudarte?", out)
	out, err = llms.GenerateFromSinglePrompt(context.Background(), m, "thank you so much")
	require.NoError(t, err)
	require.Equal(t, "You're welcome! Anything else I can help you with?", out)
}

// A canceled context fails the call.
func TestCanceled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := newModel(t, nil).GenerateContent(ctx, knowledgeMessages("es"))
	require.ErrorIs(t, err, context.Canceled)
}

// Without a catalogue, tools are routed by their definitions' descriptions
// and their arguments filled from the definitions' schemas.
func TestWithoutCatalog(t *testing.T) {
	t.Parallel()
	reg := newRegistry(t, &calls{}, nil)
	m := offline.NewModel(offline.Options{})
	resp, err := m.GenerateContent(context.Background(),
		[]llms.MessageContent{llms.TextParts(llms.ChatMessageTypeHuman, "what's the status of support ticket 77?")},
		llms.WithTools(reg.Definitions(store.RoleStudent)))
	require.NoError(t, err)
	require.Len(t, resp.Choices[0].ToolCalls, 1)
	require.Equal(t, "ticket_status", resp.Choices[0].ToolCalls[0].FunctionCall.Name)
	require.JSONEq(t, `{"number":77}`, resp.Choices[0].ToolCalls[0].FunctionCall.Arguments)
}

// The catalogue vocabulary has every course of the demo catalogue.
func TestCatalogVocabulary(t *testing.T) {
	t.Parallel()
	v := demoVocabulary(t)
	cs, err := v.Courses(context.Background())
	require.NoError(t, err)
	require.Len(t, cs, 7)
	require.Equal(t, "ia-marketing", cs[1].Slug)
	require.Equal(t, "IA para marketing", cs[1].Title("es"))
	require.Equal(t, "AI for Marketing", cs[1].Title("en"))
	require.Equal(t, "IA para marketing", cs[1].Title("pt"), "Portuguese falls back to Spanish")
	cs[1].Titles["es"] = "changed"
	again, _ := v.Courses(context.Background())
	require.Equal(t, "IA para marketing", again[1].Title("es"), "Courses returns copies")

	_, err = offline.NewCatalogVocabulary([]byte("- title: {es: x}\n"))
	require.ErrorContains(t, err, "no slug")
}

// One call with the contract's tools and five passages: routing, slot
// filling and an extractive answer must stay in the low milliseconds.
func BenchmarkGenerateContent(b *testing.B) {
	reg := newRegistry(b, &calls{}, nil)
	m := newModel(b, reg)
	opts := llms.WithTools(reg.Definitions(store.RoleProspect))
	knowledge := []llms.MessageContent{
		{Role: llms.ChatMessageTypeSystem, Parts: []llms.ContentPart{turnctx.Context{Role: "prospect",
			Passages: []turnctx.Passage{pMarketing, pRefund, pFAQ, pPrices, pCertificates}}.Part()}},
		llms.TextParts(llms.ChatMessageTypeHuman, "cuanto cuesta el curso de ia para marketing y cuando empieza?"),
	}
	lead := []llms.MessageContent{llms.TextParts(llms.ChatMessageTypeHuman,
		"Hola, soy Ana López de Acme, somos 50 empleados y queremos capacitar al equipo en IA, presupuesto 5k USD, ana@acme.com")}
	for _, c := range []struct {
		name string
		msgs []llms.MessageContent
	}{{"knowledge", knowledge}, {"lead", lead}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := m.GenerateContent(context.Background(), c.msgs, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	// Cold: the demo's evaluation questions in turn, each with the agent's
	// system prompt and five passages, deciding with an empty decision memo
	// (what a turn costs when the memo misses); the model's other caches
	// stay warm, as on a loaded server.
	var cold [][]llms.MessageContent
	for _, q := range evalQuestions(b) {
		cold = append(cold, []llms.MessageContent{
			llms.TextParts(llms.ChatMessageTypeSystem, coldSystemPrompt),
			{Role: llms.ChatMessageTypeSystem, Parts: []llms.ContentPart{turnctx.Context{Role: "prospect", Language: q.Language,
				Passages: []turnctx.Passage{pMarketing, pRefund, pFAQ, pPrices, pCertificates}}.Part()}},
			llms.TextParts(llms.ChatMessageTypeHuman, q.Query),
		})
	}
	b.Run("cold", func(b *testing.B) {
		i := 0
		for b.Loop() {
			msgs := cold[i%len(cold)]
			i++
			offline.ForgetDecisions(m)
			if _, err := m.GenerateContent(context.Background(), msgs, opts); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// coldSystemPrompt stands for the agent's system prompt, which every call
// counts in its usage estimate.
const coldSystemPrompt = "You are Faro, the assistant of an academy that sells AI courses, a marketing SaaS and document generation. " +
	"Answer in the user's language from the passages given, cite them, and use the tools offered to act for the user."

type evalQuestion struct {
	Query    string `json:"query"`
	Language string `json:"language"`
}

// evalQuestions reads the demo's evaluation questions.
func evalQuestions(t testing.TB) []evalQuestion {
	t.Helper()
	data, err := os.ReadFile("../../demo/eval/retrieval.jsonl")
	require.NoError(t, err)
	var out []evalQuestion
	for line := range strings.Lines(string(data)) {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var q evalQuestion
		require.NoError(t, json.Unmarshal([]byte(line), &q))
		out = append(out, q)
	}
	require.NotEmpty(t, out)
	return out
}
