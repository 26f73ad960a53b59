package scenario

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tmc/langchaingo/llms"

	"github.com/faroai/faro/llm"
	"github.com/faroai/faro/llm/llmtest"
)

// shippedDir is the folder of the scenarios Faro ships.
const shippedDir = "../scenarios"

// passFloors are the least share of each split of the shipped scenarios
// the offline engine must pass: a little under the rate measured when it
// was last set. Raise them as the engine gets better; never lower one to
// make a change pass — fix the engine, or show that a scenario's
// expectation is unfair and fix the scenario. The test split is held out:
// a failure there is fixed in the engine by what it teaches in general,
// never by an example, word or threshold taken from the scenario.
// wireSample: one scenario in this many also runs through the wire
// protocol.
const wireSample = 4

// raceSample is wireSample under the race detector.
const raceSample = 8

var passFloors = map[string]float64{
	// 961/1162 = 82.7% on 2026-12-07, ninth session (fresh18 and
	// fresh19, written blind, joined at 34/50 and 37/50); 867/1062 =
	// 81.6% at its start. Seventh session: the 842 of before passed at
	// 84.4%; the 170 it added (fresh16, written blind; three probe sets
	// of 40 written to the families the engine reads worst) at 64%. The
	// floor follows the harder split, not a weaker engine.
	SplitTune: 0.81,
	SplitTest: 0.72, // 119/160 = 74.4% on 2026-12-07, seventh session (116/160 = 72.5% before)
}

// The shipped scenarios run twice: on the offline engine called directly,
// and through the real langchaingo OpenAI client and the OpenAI wire
// protocol (SSE streaming, tool_calls), where a local server decodes each
// request back into langchaingo messages and tools and answers with the
// same engine. The direct pass rate of each split is held above its floor;
// the wire run, on every wireSample-th scenario (the protocol is the same
// for all of them, and the whole set twice under -race takes too long),
// must give the same results, scenario by scenario and turn by turn.
func TestShippedScenarios(t *testing.T) {
	t.Parallel()
	scenarios, err := Load(shippedDir)
	require.NoError(t, err)
	every := wireSample
	if raceEnabled {
		// Under the race detector both runs take the sample, and 300-odd
		// scenarios twice came near the ten minutes go test allows a
		// package on two shared cores: a sparser one still runs every
		// kind of turn through both paths.
		every = raceSample
	}
	var sample []Scenario
	for i, s := range scenarios {
		if i%every == 0 {
			sample = append(sample, s)
		}
	}
	if raceEnabled {
		// Under the race detector the direct run takes the sample too: the
		// two runs still race each other, and the floors are held by the
		// run without it (scripts/test runs this test both ways).
		scenarios = sample
	}
	// A guard against a hung turn, not a speed test: 300-odd scenarios
	// under -race on two shared cores take minutes.
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()

	wireModel := func(ctx context.Context, env ModelEnv) (llms.Model, error) {
		engine, err := OfflineModel(ctx, env)
		if err != nil {
			return nil, err
		}
		srv := llmtest.NewOpenAI(t, llmtest.Reply{Times: llmtest.Forever, Func: func(req llmtest.Request) llmtest.Reply {
			if !req.Stream {
				t.Errorf("%s: request %d did not ask for a stream", env.Scenario.Name, req.Index)
			}
			return answerWith(t, engine, req)
		}})
		return llm.NewModel(llm.Config{Provider: llm.ProviderOpenAI, BaseURL: srv.BaseURL(), APIKey: srv.APIKey, Model: "faro-offline"}, nil)
	}
	var direct, wire Report
	var wg sync.WaitGroup
	for _, run := range []struct {
		opts      Options
		scenarios []Scenario
		rep       *Report
	}{
		{Options{}, scenarios, &direct},
		{Options{ModelName: "offline through the OpenAI wire protocol", ModelFunc: wireModel}, sample, &wire},
	} {
		wg.Go(func() {
			run.opts.TempDir = t.TempDir()
			r, err := NewRunner(ctx, run.opts)
			if err != nil {
				t.Error(err)
				return
			}
			defer r.Close()
			if *run.rep, err = r.Run(ctx, run.scenarios); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for _, rep := range []Report{direct, wire} {
		var b strings.Builder
		require.NoError(t, rep.WriteText(&b))
		t.Logf("%s:\n%s", rep.Model, b.String())
		for _, f := range rep.Failed() {
			require.Empty(t, f.Error, "%s could not run on %s", f.Name, rep.Model)
		}
	}
	for split, floor := range passFloors {
		if raceEnabled {
			break
		}
		got := direct.BySplit[split].Overall
		require.NotZero(t, got.Total, "no scenario in the %s split", split)
		require.GreaterOrEqual(t, got.Rate, floor, "the offline engine passes fewer scenarios of the %s split than it did (floor %.0f%%)", split, 100*floor)
	}

	require.Len(t, wire.Scenarios, len(sample))
	for i, got := range wire.Scenarios {
		at := i * every
		if raceEnabled {
			at = i // the direct run took the sample too
		}
		want := direct.Scenarios[at]
		require.Equal(t, want.Passed, got.Passed, "%s: direct passed=%v, wire passed=%v; wire's first failure: %+v", got.Name, want.Passed, got.Passed, got.First)
		require.Len(t, got.Turns, len(want.Turns), got.Name)
		for j := range got.Turns {
			w, g := want.Turns[j].Observed, got.Turns[j].Observed
			require.Equal(t, maskIDs(w.Reply), maskIDs(g.Reply), "%s turn %d: reply", got.Name, j+1)
			require.Equal(t, callNames(w.Calls), callNames(g.Calls), "%s turn %d: tool calls", got.Name, j+1)
			require.Equal(t, w.Citations, g.Citations, "%s turn %d: citations", got.Name, j+1)
			require.Equal(t, w.HandedOff, g.HandedOff, "%s turn %d: hand-off", got.Name, j+1)
		}
	}
}

// generatedID is an id the store makes (a UUID, as in an enrolment's
// payment link), serial a number a document template assigns (drawn
// from the request, "INV-20270102-3F9A2C"), and linkSig the expiry and
// signature of a document's download link (of that id, from the time of
// the run, with a key made per run): two runs make different ones for the
// same reply.
var (
	generatedID = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	serial      = regexp.MustCompile(`\b([A-Z]{2,6}-\d{8}-)[0-9A-F]{6}\b`)
	linkSig     = regexp.MustCompile(`([?&](?:exp|sig)=)[A-Za-z0-9_-]+`)
)

func maskIDs(s string) string {
	s = serial.ReplaceAllString(generatedID.ReplaceAllString(s, "<id>"), "${1}<serial>")
	return linkSig.ReplaceAllString(s, "${1}<masked>")
}

func callNames(calls []Call) []string {
	var out []string
	for _, c := range calls {
		out = append(out, c.Tool+":"+c.Status)
	}
	return out
}

// openAIRequest is the part of an OpenAI chat completions request that
// becomes langchaingo messages and tools again.
type openAIRequest struct {
	Messages []struct {
		Role       string          `json:"role"`
		Content    json.RawMessage `json:"content"`
		ToolCallID string          `json:"tool_call_id"`
		Name       string          `json:"name"`
		ToolCalls  []struct {
			ID       string `json:"id"`
			Type     string `json:"type"`
			Function struct {
				Name      string `json:"name"`
				Arguments string `json:"arguments"`
			} `json:"function"`
		} `json:"tool_calls"`
	} `json:"messages"`
	Tools []struct {
		Type     string `json:"type"`
		Function struct {
			Name        string         `json:"name"`
			Description string         `json:"description"`
			Parameters  map[string]any `json:"parameters"`
		} `json:"function"`
	} `json:"tools"`
}

// answerWith decodes an OpenAI request into langchaingo messages and
// tools, asks engine, and scripts its answer — text and tool calls — as
// the server's reply. It runs in the server's goroutine: problems fail
// the test with Errorf and answer HTTP 500.
func answerWith(t *testing.T, engine llms.Model, req llmtest.Request) llmtest.Reply {
	msgs, tools, err := fromOpenAI(req.Body)
	if err != nil {
		t.Errorf("decode request %d: %v", req.Index, err)
		return llmtest.Reply{Status: 500}
	}
	var opts []llms.CallOption
	if len(tools) > 0 {
		opts = append(opts, llms.WithTools(tools))
	}
	resp, err := engine.GenerateContent(context.Background(), msgs, opts...)
	if err != nil {
		t.Errorf("offline engine on request %d: %v", req.Index, err)
		return llmtest.Reply{Status: 500}
	}
	var reply llmtest.Reply
	for _, ch := range resp.Choices {
		reply.Text += ch.Content
		for _, c := range ch.ToolCalls {
			reply.ToolCalls = append(reply.ToolCalls, llmtest.ToolCall{ID: c.ID, Name: c.FunctionCall.Name, Args: c.FunctionCall.Arguments})
		}
	}
	return reply
}

func fromOpenAI(body []byte) ([]llms.MessageContent, []llms.Tool, error) {
	var in openAIRequest
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, nil, err
	}
	names := map[string]string{} // tool call id → tool name
	var msgs []llms.MessageContent
	for i, m := range in.Messages {
		text, err := contentText(m.Content)
		if err != nil {
			return nil, nil, fmt.Errorf("messages[%d]: %w", i, err)
		}
		switch m.Role {
		case "system", "developer":
			msgs = append(msgs, llms.TextParts(llms.ChatMessageTypeSystem, text))
		case "user":
			msgs = append(msgs, llms.TextParts(llms.ChatMessageTypeHuman, text))
		case "assistant":
			mc := llms.MessageContent{Role: llms.ChatMessageTypeAI}
			if text != "" {
				mc.Parts = append(mc.Parts, llms.TextPart(text))
			}
			for _, c := range m.ToolCalls {
				names[c.ID] = c.Function.Name
				mc.Parts = append(mc.Parts, llms.ToolCall{ID: c.ID, Type: c.Type, FunctionCall: &llms.FunctionCall{Name: c.Function.Name, Arguments: c.Function.Arguments}})
			}
			msgs = append(msgs, mc)
		case "tool":
			msgs = append(msgs, llms.MessageContent{Role: llms.ChatMessageTypeTool, Parts: []llms.ContentPart{
				llms.ToolCallResponse{ToolCallID: m.ToolCallID, Name: cmp.Or(m.Name, names[m.ToolCallID]), Content: text},
			}})
		default:
			return nil, nil, fmt.Errorf("messages[%d]: role %q", i, m.Role)
		}
	}
	var tools []llms.Tool
	for _, tl := range in.Tools {
		tools = append(tools, llms.Tool{Type: tl.Type, Function: &llms.FunctionDefinition{
			Name: tl.Function.Name, Description: tl.Function.Description, Parameters: tl.Function.Parameters,
		}})
	}
	return msgs, tools, nil
}

// contentText reads a message's content: a string, or text parts.
func contentText(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", fmt.Errorf("content: %w", err)
	}
	var b strings.Builder
	for _, p := range parts {
		if p.Type != "text" {
			return "", fmt.Errorf("content part of type %q", p.Type)
		}
		b.WriteString(p.Text)
	}
	return b.String(), nil
}
