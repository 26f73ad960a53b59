package offline_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The engine is a leaf: it receives the business as data and builds on no
// demo data, and neither does the agent that runs it. go list reads the
// real import graph (tests excluded), so a new import anywhere below
// either package is caught.
func TestNoDemoDependency(t *testing.T) {
	t.Parallel()
	goTool, err := exec.LookPath("go")
	require.NoError(t, err, "the go tool lists the imports")
	const demo = "github.com/faroai/faro/demo"
	for _, pkg := range []string{"github.com/faroai/faro/agent", "github.com/faroai/faro/llm/offline"} {
		out, err := exec.CommandContext(t.Context(), goTool, "list", "-deps", pkg).Output()
		require.NoError(t, err, "go list -deps %s", pkg)
		deps := strings.Fields(string(out))
		require.Contains(t, deps, pkg, "go list listed the package itself")
		require.NotContains(t, deps, demo, "%s depends on the demo data", pkg)
	}
}
