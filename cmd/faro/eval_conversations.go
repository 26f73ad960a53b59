package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/tmc/langchaingo/llms"

	"github.com/faroai/faro/llm"
	"github.com/faroai/faro/scenario"
)

// runEvalConversations is `faro eval conversations PATH…`: the scenarios
// of docs/scenarios.md, each in a fresh temporary embedded store with the demo data,
// against the configured model (the offline engine by default). The exit
// status is 0 when every scenario passes or the pass rate reaches
// --min-pass, 1 when scenarios fail, 2 when a file cannot be read or
// parsed, so a script or CI can tell a regression from a broken file.
func runEvalConversations(ctx context.Context, env *environment, args []string) error {
	fs, cfgPath := newFlagSet(env, "eval conversations")
	asJSON := fs.Bool("json", false, "print the report as one JSON object")
	details := fs.Bool("details", false, "also print every turn of the failed scenarios: the reply, tool calls and citations")
	minPass := fs.Float64("min-pass", 1, "exit 0 when at least this share of the scenarios passes, from 0 to 1")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return &usageError{"usage: faro eval conversations [--json] [--details] [--min-pass RATE] PATH... (scenario files or folders of *.yaml)"}
	}
	if *minPass < 0 || *minPass > 1 {
		return &usageError{fmt.Sprintf("faro eval conversations: --min-pass %v: want a rate from 0 to 1 (0.8 is 80%%)", *minPass)}
	}
	cfg, err := LoadConfig(*cfgPath, env.getenv)
	if err != nil {
		return err
	}
	// Parse every file before any work, so a typo fails at once.
	scenarios, err := scenario.Load(fs.Args()...)
	if err != nil {
		return &exitError{2, fmt.Errorf("eval: %w", err)}
	}

	log := newLogger(cfg, env)
	embedder, embName, err := llm.NewEmbedder(cfg.EmbedderConfig())
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	opts := scenario.Options{
		Embedder:     embedder,
		EmbedderName: embName,
		ToolsFunc:    agentTools,
		// The agent logs every tool call and refusal; scenarios refuse on
		// purpose, so only debug shows them (the report says what
		// happened).
		Logger: slog.New(slog.DiscardHandler),
	}
	if cfg.LogLevel == "debug" {
		opts.Logger = log
	}
	// One client for the provider; the offline fallback per scenario, over
	// the scenario's store and tools.
	var primary llms.Model
	if cfg.LLMConfig().Remote() {
		if primary, err = llm.NewModel(cfg.LLMConfig(), nil); err != nil {
			return fmt.Errorf("eval: %w", err)
		}
	}
	opts.ModelName = modelName(cfg)
	opts.ModelFunc = func(ctx context.Context, env scenario.ModelEnv) (llms.Model, error) {
		fallback, err := scenario.OfflineModel(ctx, env)
		if err != nil || primary == nil {
			return fallback, err
		}
		return llm.WithFallback(primary, fallback, func(err error) {
			log.Warn("eval: the model failed; the offline engine answered", "scenario", env.Scenario.Name, "err", err)
		}), nil
	}

	runner, err := scenario.NewRunner(ctx, opts)
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	defer runner.Close()
	rep, err := runner.Run(ctx, scenarios)
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	if *asJSON {
		err = rep.WriteJSON(env.stdout)
	} else if err = rep.WriteText(env.stdout); err == nil && *details {
		err = writeFailedTurns(env.stdout, rep)
	}
	if err != nil {
		return err
	}
	return passed(rep.Overall, *minPass)
}

// passed is nil when every scenario passed or the pass rate reached
// minPass, else the error that makes the exit status 1.
func passed(r scenario.Rate, minPass float64) error {
	if r.Passed == r.Total {
		return nil
	}
	failed := fmt.Errorf("eval: %d of %d scenarios failed", r.Total-r.Passed, r.Total)
	if minPass < 1 {
		if r.Rate >= minPass {
			return nil
		}
		failed = fmt.Errorf("%w: pass rate %.1f%% is under --min-pass %.1f%%", failed, 100*r.Rate, 100*minPass)
	}
	return &exitError{1, failed}
}

// writeFailedTurns prints every turn of the failed scenarios, for finding
// out why they failed.
func writeFailedTurns(w io.Writer, rep scenario.Report) error {
	var b strings.Builder
	for _, res := range rep.Failed() {
		fmt.Fprintf(&b, "\n%s (%s, %s)\n", res.Name, res.Role, res.File)
		if res.Error != "" {
			fmt.Fprintf(&b, "  error: %s\n", res.Error)
		}
		for i, t := range res.Turns {
			fmt.Fprintf(&b, "  %d. user: %s\n     bot:  %s\n", i+1, t.User, oneLine(t.Observed.Reply))
			if o := t.Observed.Outcome; o != "" && o != "answered" {
				fmt.Fprintf(&b, "     outcome: %s\n", o)
			}
			for _, c := range t.Observed.Calls {
				fmt.Fprintf(&b, "     tool: %s %s (%s)\n", c.Tool, oneLine(string(c.Args)), c.Status)
			}
			for _, c := range t.Observed.Citations {
				fmt.Fprintf(&b, "     cites: %s\n", c.Source)
			}
			if t.Observed.HandedOff {
				fmt.Fprintf(&b, "     (handed to a person)\n")
			}
			for _, u := range t.Unmet {
				fmt.Fprintf(&b, "     unmet: %s\n", u)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
