package slack

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/faroai/faro/channels/relay"
)

// escapeText escapes the three characters Slack reads as markup in a
// message's text: & < > (https://docs.slack.dev/messaging/formatting-message-text).
// Escaped, a model's "<!channel>" or "<@U123>" is shown, never acted on.
func escapeText(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// safeURL is u when it can be a Slack link <u|label>: http, https or
// mailto, with none of the characters that would end or split the link,
// & escaped as Slack asks. ok is false for anything else, which is then
// shown as text.
func safeURL(u string) (string, bool) {
	if u == "" || strings.ContainsAny(u, "<>| \t\r\n\"") {
		return "", false
	}
	p, err := url.Parse(u)
	if err != nil {
		return "", false
	}
	switch strings.ToLower(p.Scheme) {
	case "http", "https":
		if p.Host == "" {
			return "", false
		}
	case "mailto":
	default:
		return "", false
	}
	return strings.ReplaceAll(u, "&", "&amp;"), true
}

// link is Slack's link markup, or the label and the address as text when
// the address cannot be a link. label is already mrkdwn.
func link(u, label string) string {
	su, ok := safeURL(u)
	if !ok {
		if label == "" || label == escapeText(u) {
			return escapeText(u)
		}
		return label + " (" + escapeText(u) + ")"
	}
	if label == "" {
		return "<" + su + ">"
	}
	// A | or > in the label would end it early: escaped > is &gt;
	// already; | has no escape, so it becomes a lookalike.
	return "<" + su + "|" + strings.ReplaceAll(label, "|", "∣") + ">"
}

// toMrkdwn converts the agent's Markdown into Slack's mrkdwn: **b** → *b*,
// *i* and _i_ → _i_, ~~s~~ → ~s~, [t](u) → <u|t>, headings to bold lines,
// list markers to bullets, code kept as code; & < > escaped everywhere,
// code included. cites maps a citation marker ("1", "k3f9a2c") to the
// address a [1] in the text links to.
func toMrkdwn(md string, cites map[string]string) string {
	var b strings.Builder
	lines := strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n")
	fence := false
	for i, line := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "```") {
			// Slack's code block takes no language name.
			fence = !fence
			b.WriteString("```")
			continue
		}
		if fence {
			b.WriteString(escapeText(line))
			continue
		}
		indent := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
		rest := line[len(indent):]
		if h := headingText(rest); h != "" {
			b.WriteString("*" + strings.Trim(inline(h, cites, true), "*") + "*")
			continue
		}
		if m := listMarker(rest); m > 0 {
			b.WriteString(indent + "• ")
			rest = rest[m:]
		} else if n := orderedMarker(rest); n > 0 {
			b.WriteString(indent + rest[:n])
			rest = rest[n:]
		} else {
			b.WriteString(indent)
		}
		b.WriteString(inline(rest, cites, false))
	}
	return b.String()
}

// headingText is the text of a Markdown heading line ("## Precios"), or "".
func headingText(s string) string {
	n := 0
	for n < len(s) && n < 6 && s[n] == '#' {
		n++
	}
	if n == 0 || n >= len(s) || s[n] != ' ' {
		return ""
	}
	return strings.TrimSpace(strings.TrimRight(strings.TrimSpace(s[n:]), "#"))
}

// listMarker is the length of a bullet list marker ("- ", "* ", "+ ")
// starting s, or 0.
func listMarker(s string) int {
	if len(s) >= 2 && (s[0] == '-' || s[0] == '*' || s[0] == '+') && s[1] == ' ' {
		return 2
	}
	return 0
}

// orderedMarker is the length of "12. " starting s, or 0: kept as it is,
// Slack shows numbered lines as written.
func orderedMarker(s string) int {
	i := 0
	for i < len(s) && i < 4 && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 || i+1 >= len(s) || (s[i] != '.' && s[i] != ')') || s[i+1] != ' ' {
		return 0
	}
	return i + 2
}

// inline converts one line's inline Markdown. In a heading (bold) the
// emphasis markers inside are dropped, since mrkdwn does not nest them.
func inline(s string, cites map[string]string, bold bool) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '`':
			if j := strings.IndexByte(s[i+1:], '`'); j >= 0 {
				b.WriteString("`" + escapeText(s[i+1:i+1+j]) + "`")
				i += j + 2
				continue
			}
		case c == '[':
			if label, u, n, ok := relay.MarkdownLink(s[i:]); ok {
				b.WriteString(link(u, inline(label, cites, bold)))
				i += n
				continue
			}
			if j := strings.IndexByte(s[i+1:], ']'); j > 0 {
				ref := s[i+1 : i+1+j]
				if u, ok := cites[ref]; ok {
					b.WriteString(link(u, "["+escapeText(ref)+"]"))
					i += j + 2
					continue
				}
			}
		case c == '<':
			// A Markdown autolink <https://…>.
			if j := strings.IndexByte(s[i+1:], '>'); j > 0 {
				if su, ok := safeURL(s[i+1 : i+1+j]); ok {
					b.WriteString("<" + su + ">")
					i += j + 2
					continue
				}
			}
		case c == '*' || c == '_' || c == '~':
			if inner, n, strong := emphasis(s, i); n > 0 {
				content := inline(inner, cites, bold)
				switch {
				case bold:
					b.WriteString(content)
				case c == '~':
					b.WriteString("~" + content + "~")
				case strong:
					b.WriteString("*" + content + "*")
				default:
					b.WriteString("_" + content + "_")
				}
				i += n
				continue
			}
		}
		switch c {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		default:
			b.WriteByte(c)
		}
		i++
	}
	return b.String()
}

// emphasis reads emphasis starting at s[i]: **x**, __x__, *x*, _x_ or
// ~~x~~ (and ~x~). It returns the inner text, the length consumed and
// whether it is strong; n is 0 when s[i] opens nothing (a lone *, an
// asterisk between spaces, an underscore inside a word like snake_case).
func emphasis(s string, i int) (inner string, n int, strong bool) {
	c := s[i]
	d := 1
	if i+1 < len(s) && s[i+1] == c {
		d = 2
	}
	delim := strings.Repeat(string(c), d)
	start := i + d
	if start >= len(s) || s[start] == ' ' || s[start] == c {
		return "", 0, false
	}
	if c == '_' && i > 0 && isWordByte(s, i) {
		return "", 0, false
	}
	for j := start + 1; j+d <= len(s); j++ {
		if s[j:j+d] != delim || s[j-1] == ' ' {
			continue
		}
		if j+d < len(s) && s[j+d] == c {
			continue // a longer run: not this closer
		}
		if c == '_' && j+d < len(s) && isWordRune(s[j+d:]) {
			continue
		}
		return s[start:j], j + d - i, d == 2 && c != '~'
	}
	return "", 0, false
}

// isWordByte reports whether the character before s[i] is a letter or
// digit.
func isWordByte(s string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

func isWordRune(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}
