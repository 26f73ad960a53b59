package staffchat

import (
	"strings"
	"testing"

	"github.com/faroai/faro/store"
)

// TestSummaryTextMarkup: the platform's markup wraps the name and the
// authors, its escape every value; a contact of blanks is no line, and
// Fits drops the oldest lines first. (Each platform's exact text is
// pinned by golden files in its own package.)
func TestSummaryTextMarkup(t *testing.T) {
	m := Markup{
		Bold:    func(t string) string { return "B(" + t + ")" },
		Italic:  func(t string) string { return "I(" + t + ")" },
		Escape:  func(t string) string { return strings.ReplaceAll(t, "*", "\\*") },
		Release: "`release`",
	}
	s := Summary{ConversationID: "c1", Name: "A*", Email: " ", Channel: "web", Why: "requested",
		Last: []Line{{Author: store.AuthorUser, Text: "old"}, {Author: store.AuthorAssistant, Text: "new*"}}}
	want := "B(A\\*) on web asks for a person\n> I(user): old\n> I(assistant): new\\*\n" +
		"Conversation `c1`. Reply in this thread to answer; `release` hands it back to the bot."
	if got := SummaryText(s, m); got != want {
		t.Errorf("summary\n%q\nwant\n%q", got, want)
	}
	m.Fits = func(t string) bool { return !strings.Contains(t, "old") }
	if got := SummaryText(s, m); strings.Contains(got, "old") || !strings.Contains(got, "new") {
		t.Errorf("the oldest line should go first to fit: %q", got)
	}
	m.Fits = func(string) bool { return false }
	if got := SummaryText(s, m); strings.Contains(got, "> ") || !strings.HasSuffix(got, "back to the bot.") {
		t.Errorf("with nothing fitting, head and tail stay: %q", got)
	}
}

// TestStartsWithCommand: the first word, in any case, is take or release.
func TestStartsWithCommand(t *testing.T) {
	for text, want := range map[string]bool{
		"take c1": true, "  RELEASE": true, "taken c1": false, "": false, "hello take": false,
	} {
		if got := StartsWithCommand(text); got != want {
			t.Errorf("StartsWithCommand(%q) = %v, want %v", text, got, want)
		}
	}
}
