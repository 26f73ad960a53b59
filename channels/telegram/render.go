package telegram

import (
	"cmp"
	"html"
	"regexp"
	"strings"

	"github.com/faroai/faro/agent"
)

// Render converts a reply to Telegram's HTML parse mode: the agent's
// Markdown (bold, italics, inline code, links, headings, bullets) becomes
// the tags Telegram renders, and everything else is escaped, so no text
// the model writes (<, >, &, a tag of its own) makes Telegram refuse the
// message. Tags never span a line, so parts split at line ends stay
// well-formed. Citations follow the text, each a link where it has one.
func Render(r agent.Reply) string {
	lines := strings.Split(strings.ReplaceAll(r.Text, "\r\n", "\n"), "\n")
	inCode := false
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			inCode = !inCode
			lines[i] = ""
			continue
		}
		if inCode {
			lines[i] = "<code>" + html.EscapeString(l) + "</code>"
			continue
		}
		lines[i] = renderLine(l)
	}
	out := strings.TrimSpace(strings.Join(lines, "\n"))
	var cites []string
	for _, c := range r.Citations {
		title := html.EscapeString(cmp.Or(c.Title, c.Source, c.Link))
		if title == "" {
			continue
		}
		ref := "[" + html.EscapeString(c.Ref) + "] "
		if isWebLink(c.Link) {
			cites = append(cites, ref+link(c.Link, cmp.Or(c.Title, c.Source)))
		} else {
			cites = append(cites, ref+title)
		}
	}
	if len(cites) > 0 {
		out += "\n\n" + strings.Join(cites, "\n")
	}
	return out
}

var (
	heading  = regexp.MustCompile(`^\s{0,3}#{1,6}\s+(.*)$`)
	bullet   = regexp.MustCompile(`^(\s*)[-*+]\s+`)
	code     = regexp.MustCompile("`([^`\n]+)`")
	bold     = regexp.MustCompile(`\*\*([^*\n]+)\*\*`)
	italic   = regexp.MustCompile(`(^|[\s(])\*([^*\s][^*\n]*?)\*`)
	mdLink   = regexp.MustCompile(`\[([^\]\n]+)\]\((https?://[^\s)]+)\)`)
	tagPiece = regexp.MustCompile(`<[^>]*>`)
)

// renderLine renders one line of Markdown as Telegram HTML.
func renderLine(l string) string {
	if m := heading.FindStringSubmatch(l); m != nil {
		return "<b>" + inline(m[1]) + "</b>"
	}
	if m := bullet.FindStringSubmatch(l); m != nil {
		return m[1] + "• " + inline(l[len(m[0]):])
	}
	return inline(l)
}

// inline renders a line's inline Markdown; code spans are kept apart so
// nothing inside them is formatted.
func inline(s string) string {
	var b strings.Builder
	for {
		loc := code.FindStringSubmatchIndex(s)
		if loc == nil {
			b.WriteString(emphasis(s))
			return b.String()
		}
		b.WriteString(emphasis(s[:loc[0]]))
		b.WriteString("<code>" + html.EscapeString(s[loc[2]:loc[3]]) + "</code>")
		s = s[loc[1]:]
	}
}

// emphasis escapes s and renders its links, bold and italics.
func emphasis(s string) string {
	// Links first, on the raw text, so their URLs are escaped once, as
	// attributes.
	var b strings.Builder
	for {
		loc := mdLink.FindStringSubmatchIndex(s)
		if loc == nil {
			b.WriteString(styles(html.EscapeString(s)))
			return b.String()
		}
		b.WriteString(styles(html.EscapeString(s[:loc[0]])))
		b.WriteString(link(s[loc[4]:loc[5]], s[loc[2]:loc[3]]))
		s = s[loc[1]:]
	}
}

func styles(escaped string) string {
	escaped = bold.ReplaceAllString(escaped, "<b>$1</b>")
	return italic.ReplaceAllString(escaped, "$1<i>$2</i>")
}

// link is an <a> to an http(s) URL, with text escaped; other URLs are
// left as text.
func link(url, text string) string {
	if !isWebLink(url) {
		return html.EscapeString(text)
	}
	return `<a href="` + html.EscapeString(url) + `">` + html.EscapeString(text) + `</a>`
}

func isWebLink(u string) bool {
	return (strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://")) && !strings.ContainsAny(u, " \n\"<>")
}

// plain is HTML as the text a person reads: tags dropped, entities
// decoded; sent without a parse mode.
func plain(h string) string {
	return html.UnescapeString(tagPiece.ReplaceAllString(h, ""))
}
