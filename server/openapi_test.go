package server_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestOpenAPIMatchesRoutes: every API route mounted is documented, every
// documented path and method is routed to exactly that pattern, and every
// schema reference resolves.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, nil)
	// A channel mounting its own routes outside the APIs does not count.
	b.srv.Handle("GET /widget/session", http.NotFoundHandler())

	r := b.do(t, "GET", "/api/v1/openapi.json", "", nil)
	require.Equal(t, http.StatusOK, r.status, "the description needs no key")
	var doc struct {
		OpenAPI    string                               `json:"openapi"`
		Paths      map[string]map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	r.json(t, &doc)
	require.Equal(t, "3.1.0", doc.OpenAPI)
	upload, err := json.Marshal(doc.Components.Schemas["Upload"])
	require.NoError(t, err)
	require.Contains(t, string(upload), `"duration_ms":{"type":"integer"}`, "durations are milliseconds, named so")
	require.NotContains(t, string(upload), `nanoseconds`)

	documented := map[string]bool{}
	ids := map[string]bool{}
	param := regexp.MustCompile(`\{[^}]+\}`)
	for path, item := range doc.Paths {
		for method, op := range item {
			pattern := strings.ToUpper(method) + " " + path
			documented[pattern] = true
			id, _ := op["operationId"].(string)
			require.NotEmpty(t, id, pattern)
			require.False(t, ids[id], "operationId %s used twice", id)
			ids[id] = true
			req := httptest.NewRequest(strings.ToUpper(method), param.ReplaceAllString(path, "some-id"), nil)
			require.Equal(t, pattern, b.srv.MatchedPattern(req), "the documented %s is routed to it", pattern)
		}
	}
	var api []string
	for _, p := range b.srv.Patterns() {
		method, path, ok := strings.Cut(p, " ")
		if !ok || !(strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/v1/")) {
			continue // health, metrics, catch-alls, channels
		}
		require.True(t, documented[method+" "+path], "%s is routed but not documented", p)
		api = append(api, p)
	}
	require.Len(t, documented, len(api), "nothing documented that is not routed")
	require.GreaterOrEqual(t, len(api), 20)

	raw, err := json.Marshal(doc.Paths)
	require.NoError(t, err)
	schemas, err := json.Marshal(doc.Components.Schemas)
	require.NoError(t, err)
	for _, m := range regexp.MustCompile(`"#/components/schemas/([A-Za-z]+)"`).FindAllStringSubmatch(string(raw)+string(schemas), -1) {
		require.Contains(t, doc.Components.Schemas, m[1], "the reference %s resolves", m[0])
	}
	// The schemas describe the real JSON fields.
	contact := doc.Components.Schemas["Contact"].(map[string]any)["properties"].(map[string]any)
	require.Contains(t, contact, "identities")
	require.Contains(t, contact, "created_at")
}
