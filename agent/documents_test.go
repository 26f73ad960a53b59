package agent

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/tools"
)

// TestDocumentsOf: only documents generate_document made, with an http(s)
// link, become Reply.Documents; other tools' results stay private.
func TestDocumentsOf(t *testing.T) {
	ts := []ToolSummary{
		{Name: "generate_document", Status: tools.StatusOK, Args: json.RawMessage(`{"template":"certificate"}`),
			Result: json.RawMessage(`{"status":"generated","format":"pdf","filename":"c.pdf","url":"https://faro.example/d/abc?exp=1&sig=x"}`)},
		{Name: "generate_document", Status: tools.StatusOK, Result: json.RawMessage(`{"status":"generated","url":"javascript:alert(1)"}`)},
		{Name: "generate_document", Status: tools.StatusOK, Result: json.RawMessage(`{"status":"incomplete","message":"falta"}`)},
		{Name: "enroll_course", Status: tools.StatusOK, Result: json.RawMessage(`{"url":"https://pay.example/x"}`)},
		{Name: "generate_document", Status: tools.StatusOK, Result: json.RawMessage(`{"status":"generated","format":"html","filename":"p.html","url":"http://x.example/p"}`)},
	}
	require.Equal(t, []Document{
		{Name: "c.pdf", URL: "https://faro.example/d/abc?exp=1&sig=x", Format: "pdf", Tool: 0},
		{Name: "p.html", URL: "http://x.example/p", Format: "html", Tool: 4},
	}, documentsOf(ts))
	require.Equal(t, documentsOf(ts), ReplyMeta{Tools: ts}.Documents())
	require.Empty(t, documentsOf(nil))
}
