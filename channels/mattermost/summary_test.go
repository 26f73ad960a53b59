package mattermost

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faroai/faro/channels/mattermost/mmapi"
	"github.com/faroai/faro/staffchat"
	"github.com/faroai/faro/store"
)

var update = flag.Bool("update", false, "write the summary golden files")

// TestSummaryText pins the staff summary, byte for byte, to the golden
// files in testdata/summary: markup, escaping, the cut of long lines and
// (Discord) the oldest lines dropped to fit one message.
func TestSummaryText(t *testing.T) {
	score := 72.4
	long := strings.Repeat("é<b>*_~`@here ", 30)
	var many []staffchat.Line
	for range 10 {
		many = append(many, staffchat.Line{Author: store.AuthorUser, Text: long})
	}
	for name, s := range map[string]staffchat.Summary{
		"minimal": {ConversationID: "c1", Channel: "web", Why: "requested"},
		"full": {ConversationID: "0192-abc", Name: "Ana *Bold* <@U1> & _x_", Email: "ana@example.com", Phone: "+34 600",
			Channel: "telegram", Language: "es", Why: "taken", By: "bob <!channel>", Reason: "wants a *refund* @all",
			Last: []staffchat.Line{{Author: store.AuthorUser, Text: "line one\nline two <https://x.y|z> **b** ~~s~~"},
				{Author: store.AuthorAssistant, Text: long}, {Author: store.AuthorStaff, Text: "[l](https://e.com) `code`"}},
			LeadScore: &score, LeadStage: "qualified", Enrolments: []string{"go-101 (active)", "sql (done)"}},
		"phone only": {ConversationID: "c2", Phone: "+1 555", Channel: "whatsapp", Why: "requested", Reason: "price"},
		"many lines": {ConversationID: "c3", Name: "Long", Channel: "web", Why: "requested", Last: many},
	} {
		a := &Adapter{}
		a.bot.Store(&mmapi.User{Username: "faro"})
		text := a.summaryText(s)
		path := filepath.Join("testdata", "summary", strings.ReplaceAll(name, " ", "_")+".txt")
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if text != string(want) {
			t.Errorf("%s: summary\n%q\nwant\n%q", name, text, want)
		}
	}
}
