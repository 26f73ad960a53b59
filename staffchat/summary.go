package staffchat

import (
	"fmt"
	"strings"
)

// Markup is how a platform writes a summary: the staff channels say the
// same things in different markup, and escape values their own way.
type Markup struct {
	// Bold and Italic wrap text that is already escaped.
	Bold, Italic func(string) string
	// Escape makes a value inert (no markup, no mentions).
	Escape func(string) string
	// Release is how staff hand the conversation back from its thread,
	// in markup: "`/faro release`".
	Release string
	// Fits, when set, reports whether a whole summary fits one message;
	// the oldest lines are dropped until it does.
	Fits func(string) bool
}

// lineRunes bounds each of a summary's last messages.
const lineRunes = 300

// SummaryText is s in a platform's markup: who, why, what is known of
// them, their last messages, and how to answer and hand back. Every value
// from the conversation is escaped; the authors are Faro's own words.
func SummaryText(s Summary, m Markup) string {
	var head strings.Builder
	who := s.Name
	if who == "" {
		who = "Someone"
	}
	fmt.Fprintf(&head, "%s on %s", m.Bold(m.Escape(who)), m.Escape(s.Channel))
	if s.Language != "" {
		fmt.Fprintf(&head, " (%s)", m.Escape(s.Language))
	}
	if s.Why == "taken" {
		fmt.Fprintf(&head, " — taken by %s", m.Escape(s.By))
	} else {
		head.WriteString(" asks for a person")
	}
	if s.Reason != "" {
		fmt.Fprintf(&head, ": %s", m.Escape(s.Reason))
	}
	head.WriteString("\n")
	if contact := strings.TrimSpace(s.Email + " " + s.Phone); contact != "" {
		fmt.Fprintf(&head, "%s\n", m.Escape(contact))
	}
	if s.LeadScore != nil {
		fmt.Fprintf(&head, "Lead: %s, score %.0f\n", m.Escape(s.LeadStage), *s.LeadScore)
	}
	if len(s.Enrolments) > 0 {
		fmt.Fprintf(&head, "Courses: %s\n", m.Escape(strings.Join(s.Enrolments, ", ")))
	}
	lines := make([]string, 0, len(s.Last))
	for _, l := range s.Last {
		text := []rune(strings.ReplaceAll(l.Text, "\n", " "))
		if len(text) > lineRunes {
			text = append(text[:lineRunes], '…')
		}
		lines = append(lines, fmt.Sprintf("> %s: %s\n", m.Italic(string(l.Author)), m.Escape(string(text))))
	}
	tail := fmt.Sprintf("Conversation `%s`. Reply in this thread to answer; %s hands it back to the bot.",
		s.ConversationID, m.Release)
	if m.Fits != nil {
		for len(lines) > 0 && !m.Fits(head.String()+strings.Join(lines, "")+tail) {
			lines = lines[1:]
		}
	}
	return head.String() + strings.Join(lines, "") + tail
}
