// Package staffchattest checks a staff channel's summary text against
// golden files, for the adapters' tests.
package staffchattest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faroai/faro/staffchat"
	"github.com/faroai/faro/store"
)

// Summaries are the samples every adapter's summary is pinned on: markup
// and mentions in every value, a long line cut, and (where a message has
// a limit) more lines than fit.
func Summaries() map[string]staffchat.Summary {
	score := 72.4
	long := strings.Repeat("é<b>*_~`@here ", 30)
	var many []staffchat.Line
	for range 10 {
		many = append(many, staffchat.Line{Author: store.AuthorUser, Text: long})
	}
	return map[string]staffchat.Summary{
		"minimal": {ConversationID: "c1", Channel: "web", Why: "requested"},
		"full": {ConversationID: "0192-abc", Name: "Ana *Bold* <@U1> & _x_", Email: "ana@example.com", Phone: "+34 600",
			Channel: "telegram", Language: "es", Why: "taken", By: "bob <!channel>", Reason: "wants a *refund* @all",
			Last: []staffchat.Line{{Author: store.AuthorUser, Text: "line one\nline two <https://x.y|z> **b** ~~s~~"},
				{Author: store.AuthorAssistant, Text: long}, {Author: store.AuthorStaff, Text: "[l](https://e.com) `code`"}},
			LeadScore: &score, LeadStage: "qualified", Enrolments: []string{"go-101 (active)", "sql (done)"}},
		"phone only": {ConversationID: "c2", Phone: "+1 555", Channel: "whatsapp", Why: "requested", Reason: "price"},
		"many lines": {ConversationID: "c3", Name: "Long", Channel: "web", Why: "requested", Last: many},
	}
}

// Golden compares text of each of Summaries with
// testdata/summary/<name>.txt, byte for byte; update writes the files
// instead.
func Golden(t *testing.T, text func(staffchat.Summary) string, update bool) {
	t.Helper()
	for name, s := range Summaries() {
		got := text(s)
		path := filepath.Join("testdata", "summary", strings.ReplaceAll(name, " ", "_")+".txt")
		if update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if got != string(want) {
			t.Errorf("%s: summary\n%q\nwant\n%q", name, got, want)
		}
	}
}
