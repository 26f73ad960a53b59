//go:build calib

// The shipped conversation scenarios run on the offline engine, with its
// reasoning printed, for tuning; not part of the normal test run (the
// scenario package's own test holds the pass rate):
//
//	FARO_SCEN=1 go test -tags calib ./llm/offline -run 'TestScenarios$' -v
//	FARO_SCEN1=<name> FARO_TRACE=1 go test -tags calib ./llm/offline -run TestOneScenario -v
//
// FARO_SCENDIR=<dir> runs TestOneScenario on the scenarios of dir instead
// of scenarios/tune.

package offline_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/faroai/faro/llm/offline"
	"github.com/faroai/faro/llm/offline/business"
	"github.com/faroai/faro/llm/turnctx"
	"github.com/faroai/faro/scenario"
	"github.com/tmc/langchaingo/llms"
)

func TestScenarios(t *testing.T) {
	if os.Getenv("FARO_SCEN") == "" {
		t.Skip()
	}
	scs, err := scenario.Load("../../scenarios")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	r, err := scenario.NewRunner(ctx, scenario.Options{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rep, err := r.Run(ctx, scs)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	_ = rep.WriteText(&b)
	t.Log(b.String())
}

type logModel struct {
	m *offline.Model
	t *testing.T
}

func (l logModel) GenerateContent(ctx context.Context, msgs []llms.MessageContent, opts ...llms.CallOption) (*llms.ContentResponse, error) {
	resp, err := l.m.GenerateContent(ctx, msgs, opts...)
	if tc, ok := turnctx.Read(msgs); ok {
		for _, p := range tc.Passages {
			fmt.Printf("   TC passage %s %s | %s\n", p.Ref, p.Source, p.Heading)
		}
	}
	last := msgs[len(msgs)-1]
	for _, p := range last.Parts {
		switch v := p.(type) {
		case llms.TextContent:
			fmt.Printf("   IN %s: %q\n", last.Role, clipS(v.Text, 200))
		case llms.ToolCallResponse:
			fmt.Printf("   IN tool %s: %q\n", v.Name, clipS(v.Content, 1500))
		}
	}
	if err == nil {
		c := resp.Choices[0]
		for _, tc := range c.ToolCalls {
			fmt.Printf("   OUT call %s %s\n", tc.FunctionCall.Name, tc.FunctionCall.Arguments)
		}
		if c.Content != "" {
			fmt.Printf("   OUT %q\n", c.Content)
		}
	}
	return resp, err
}

func (l logModel) Call(ctx context.Context, p string, o ...llms.CallOption) (string, error) {
	return llms.GenerateFromSinglePrompt(ctx, l, p, o...)
}

func clipS(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func TestOneScenario(t *testing.T) {
	name := os.Getenv("FARO_SCEN1")
	if name == "" {
		t.Skip()
	}
	dir := "../../scenarios/tune"
	if d := os.Getenv("FARO_SCENDIR"); d != "" {
		dir = d // probes of one's own, outside the splits
	}
	all, err := scenario.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var scs []scenario.Scenario
	for _, s := range all {
		if s.Name == name {
			scs = append(scs, s)
		}
	}
	if len(scs) == 0 {
		t.Fatalf("no tuning scenario %q", name)
	}
	rep := runWith(t, scs, func(m *offline.Model) llms.Model {
		if os.Getenv("FARO_TRACE") != "" {
			offline.SetTrace(m, func(f string, a ...any) { fmt.Printf(f, a...) })
		}
		return logModel{m: m, t: t}
	})
	var b strings.Builder
	_ = rep.WriteText(&b)
	t.Log(b.String())
}

// runWith runs the scenarios on the offline engine of each scenario's
// store, seen through wrap.
func runWith(t *testing.T, scs []scenario.Scenario, wrap func(*offline.Model) llms.Model) scenario.Report {
	t.Helper()
	ctx := context.Background()
	r, err := scenario.NewRunner(ctx, scenario.Options{TempDir: t.TempDir(), ModelFunc: func(ctx context.Context, env scenario.ModelEnv) (llms.Model, error) {
		return wrap(business.NewModel(env.Store, env.Tools, business.Options{})), nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rep, err := r.Run(ctx, scs)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}
