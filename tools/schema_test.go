package tools_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faroai/faro/kpi"
	"github.com/faroai/faro/tools"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// registerAll registers every tool of the package. Dependencies may be nil
// stand-ins: schemas do not depend on them. A new tool adds its line here.
func registerAll(r *tools.Registry) {
	tools.AddSearchKnowledge(r, stubSearcher{})
	tools.AddRequestHuman(r, failingHandOffer{})
	tools.AddQualifyLead(r, stubBackend{}, tools.DefaultLeadScoring(), nil)
	tools.AddListCourses(r, stubBackend{})
	tools.AddEnrollCourse(r, stubBackend{}, tools.DefaultEnrollConfig())
	tools.AddMyEnrollments(r, stubBackend{})
	tools.AddOpenTicket(r, stubBackend{}, tools.DefaultTicketConfig())
	tools.AddTicketStatus(r, stubBackend{})
	tools.AddGenerateDocument(r, stubBackend{}, tools.DefaultDocumentConfig())
	tools.AddReportKPIs(r, kpi.NewReporter(stubBackend{}, nil, nil))
}

// stubBackend stands in for the store where only schemas are read; any
// call panics.
type stubBackend struct{ tools.Backend }

// TestSchemasGolden pins each tool's argument schema, and who may call it:
// tool names and their arguments are a public contract (scenarios, API and
// MCP clients, prompts). `go test ./tools -update` rewrites the files; a
// diff there is an API change to review.
func TestSchemasGolden(t *testing.T) {
	r := tools.NewRegistry()
	registerAll(r)
	dir := filepath.Join("testdata", "schemas")

	want := map[string]bool{}
	roles := map[string][]string{}
	for _, spec := range r.Specs() {
		raw, ok := r.Schema(spec.Name)
		require.True(t, ok)
		var pretty bytes.Buffer
		require.NoError(t, json.Indent(&pretty, raw, "", "  "))
		pretty.WriteByte('\n')
		checkGolden(t, filepath.Join(dir, spec.Name+".json"), pretty.Bytes())
		want[spec.Name+".json"] = true
		for _, role := range spec.Roles {
			roles[spec.Name] = append(roles[spec.Name], string(role))
		}
	}
	rolesJSON, err := json.MarshalIndent(roles, "", "  ")
	require.NoError(t, err)
	checkGolden(t, filepath.Join("testdata", "roles.json"), append(rolesJSON, '\n'))

	// A golden file without a tool is a tool that disappeared.
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		if !want[e.Name()] {
			if *update {
				require.NoError(t, os.Remove(filepath.Join(dir, e.Name())))
				continue
			}
			t.Errorf("%s: no registered tool has this schema (renamed or removed? that breaks clients; -update deletes it)", e.Name())
		}
	}
}

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		t.Errorf("%s missing: run go test ./tools -update", path)
		return
	}
	require.NoError(t, err)
	if !bytes.Equal(want, got) {
		t.Errorf("%s changed (an API change: run go test ./tools -update if intended):\n--- want\n%s\n--- got\n%s",
			path, strings.TrimSpace(string(want)), strings.TrimSpace(string(got)))
	}
}
