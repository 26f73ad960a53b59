package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/scenario"
)

func writeScenarios(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644))
	}
	return dir
}

// Two scenarios, one of which cannot pass: the command reports both and
// exits 1, or 0 with --min-pass 0.5.
func conversationScenarios(t *testing.T) string {
	return writeScenarios(t, map[string]string{
		"handoff.yaml": `
name: handoff-es
role: prospect
turns:
  - user: "quiero hablar con una persona por favor"
    expect: {tool: request_human, handoff: true}
`,
		"impossible.yaml": `
name: impossible
role: prospect
turns:
  - user: "hola"
    expect: {reply_contains: "una frase que ninguna respuesta tendrá jamás"}
`,
	})
}

func TestEvalConversationsText(t *testing.T) {
	t.Parallel()
	dir := conversationScenarios(t)
	out, _, err := runFaro(t, "eval", "conversations", "--details", dir)
	require.ErrorContains(t, err, "1 of 2 scenarios failed")
	require.Equal(t, 1, exitCode(err), "failed scenarios: exit status 1")
	require.Contains(t, out, "PASS  handoff-es\n")
	require.Regexp(t, `FAIL  impossible +turn 1 "hola": reply_contains "una frase que ninguna respuesta tendrá jamás": reply was `, out)
	require.Contains(t, out, "request_human")
	require.Contains(t, out, "by language (scenarios)")
	require.Regexp(t, `overall \(scenarios\) +1/2 +50\.0%`, out)
	require.Contains(t, out, "model offline")
	require.Contains(t, out, "1. user: hola", "--details shows the turns of failures")
}

func TestEvalConversationsJSON(t *testing.T) {
	t.Parallel()
	dir := conversationScenarios(t)
	out, _, err := runFaro(t, "eval", "conversations", "--json", "--min-pass", "0.5", filepath.Join(dir, "handoff.yaml"), filepath.Join(dir, "impossible.yaml"))
	require.NoError(t, err, "--min-pass 0.5 is reached")
	var rep scenario.Report
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	require.Equal(t, "offline", rep.Model)
	require.Len(t, rep.Scenarios, 2)
	require.Equal(t, scenario.Rate{Passed: 1, Total: 2, Rate: 0.5}, rep.Overall)
	require.Equal(t, "reply_contains", rep.Scenarios[1].First.Key)
	require.Equal(t, 1, rep.ByTool["request_human"].Passed)

	_, _, err = runFaro(t, "eval", "conversations", "--json", "--min-pass", "0.6", dir)
	require.ErrorContains(t, err, "pass rate 50.0% is under --min-pass 60.0%")
	require.Equal(t, 1, exitCode(err))

	_, _, err = runFaro(t, "eval", "conversations", "--min-pass", "1.5", dir)
	require.Equal(t, 2, exitCode(err), "--min-pass is a rate from 0 to 1")
}

// A file that cannot be parsed stops the command before anything runs,
// naming the file and the field.
func TestEvalConversationsParseError(t *testing.T) {
	t.Parallel()
	dir := writeScenarios(t, map[string]string{
		"ok.yaml":  "name: ok\nrole: prospect\nturns:\n  - user: hola\n",
		"bad.yaml": "name: bad\nrole: prospect\nturns:\n  - user: hola\n    expect:\n      handoff: si\n",
	})
	_, _, err := runFaro(t, "eval", "conversations", dir)
	require.Error(t, err)
	require.Contains(t, err.Error(), filepath.Join(dir, "bad.yaml")+":6: turns[0].expect.handoff: want true or false")
	require.Equal(t, 2, exitCode(err), "a file that cannot be parsed: exit status 2")

	_, _, err = runFaro(t, "eval", "conversations", filepath.Join(dir, "missing.yaml"))
	require.ErrorContains(t, err, "missing.yaml")
	require.Equal(t, 2, exitCode(err), "a file that cannot be read: exit status 2")

	_, _, err = runFaro(t, "eval", "conversations")
	var ue *usageError
	require.True(t, errors.As(err, &ue), "%v", err)

	_, _, err = runFaro(t, "eval", "nonsense")
	require.ErrorContains(t, err, "known: retrieval, conversations")
}
