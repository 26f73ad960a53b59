package discord

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/channels/relay"
)

// render is a reply as Discord shows it: the agent's Markdown, which
// Discord mostly reads as written (bold, italics, strike, code, lists,
// quotes, # to ### headings, [label](url) links), with deeper headings as
// bold lines, links kept only to http(s) and mailto addresses, mentions
// neutralised, and the citations and documents listed under it.
func render(r agent.Reply) string {
	cites := map[string]string{}
	for _, c := range r.Citations {
		if u, ok := safeURL(c.Link); ok {
			cites[c.Ref] = u
		}
	}
	var b strings.Builder
	b.WriteString(toDiscord(strings.TrimSpace(r.Text), cites))
	if len(r.Citations) > 0 {
		b.WriteString("\n\n*" + sources(r.Language) + "*")
		for _, c := range r.Citations {
			title := c.Title
			if title == "" {
				title = c.Source
			}
			if c.Heading != "" {
				title += " › " + c.Heading
			}
			b.WriteString("\n\\[" + escape(c.Ref) + "\\] ")
			if u, ok := cites[c.Ref]; ok {
				b.WriteString("[" + escape(title) + "](" + u + ")")
			} else {
				b.WriteString(escape(title))
			}
		}
	}
	for _, d := range r.Documents {
		name := d.Name
		if d.Format != "" {
			name += " (" + strings.ToUpper(d.Format) + ")"
		}
		b.WriteString("\n\n📄 " + link(d.URL, escape(name)))
	}
	return b.String()
}

// sources is the heading of the citations, in the reply's language.
func sources(lang string) string {
	switch lang {
	case "en":
		return "Sources"
	case "pt":
		return "Fontes"
	}
	return "Fuentes"
}

// quote is a /faro answer's first line: the question, quoted, since the
// deferred response shows only that the command was used.
func quote(q string) string {
	if q == "" {
		return ""
	}
	if utf8.RuneCountInString(q) > 200 {
		q = string([]rune(q)[:200]) + "…"
	}
	return "> " + escape(q) + "\n"
}

// neutralise keeps Discord from reading mentions in text: @everyone,
// @here, <@user>, <@&role>, <#channel> and </command:id> get a zero-width
// space after their first character, so they show as written and resolve
// to nothing (allowed_mentions, empty, already keeps anyone from being
// pinged).
func neutralise(s string) string {
	if !strings.ContainsAny(s, "@<") {
		return s
	}
	return mentionBreaker.Replace(s)
}

var mentionBreaker = strings.NewReplacer(
	"@everyone", "@\u200beveryone", "@here", "@\u200bhere",
	"<@", "<\u200b@", "<#", "<\u200b#", "</", "<\u200b/",
)

// escape makes s plain text in Discord markdown: every markdown character
// backslash-escaped (Discord shows an escaped punctuation mark as
// itself), mentions neutralised.
func escape(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch r {
		case '\\', '*', '_', '~', '`', '|', '[', ']', '(', ')', '<', '>':
			b.WriteByte('\\')
		case '#', '-':
			if i == 0 || s[i-1] == '\n' {
				b.WriteByte('\\')
			}
		}
		b.WriteRune(r)
	}
	return neutralise(b.String())
}

// safeURL is u when Discord can link it, [label](u): http or https with a
// host, or mailto; with none of the characters that end the link early.
func safeURL(u string) (string, bool) {
	if u == "" || strings.ContainsAny(u, "<>()[] \t\r\n\"`") {
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
	return u, true
}

// link is a masked link, or the label and the address as text when the
// address cannot be linked. label is markdown already.
func link(u, label string) string {
	su, ok := safeURL(u)
	if !ok {
		if label == "" {
			return escape(u)
		}
		return label + " (" + escape(u) + ")"
	}
	if label == "" {
		return su
	}
	return "[" + label + "](" + su + ")"
}

// toDiscord converts the agent's Markdown line by line; code (fenced or
// inline) is kept verbatim, since Discord shows it as written.
func toDiscord(md string, cites map[string]string) string {
	var b strings.Builder
	fence := false
	for i, line := range strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n") {
		if i > 0 {
			b.WriteByte('\n')
		}
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "```") {
			fence = !fence
			b.WriteString(line)
			continue
		}
		if fence {
			b.WriteString(line)
			continue
		}
		if h, level := heading(trimmed); level > 3 {
			b.WriteString("**" + inline(h, cites) + "**")
			continue
		}
		b.WriteString(inline(line, cites))
	}
	return b.String()
}

// heading is a Markdown heading's text and level, or level 0.
func heading(s string) (string, int) {
	n := 0
	for n < len(s) && n < 6 && s[n] == '#' {
		n++
	}
	if n == 0 || n >= len(s) || s[n] != ' ' {
		return "", 0
	}
	return strings.TrimSpace(strings.TrimRight(strings.TrimSpace(s[n:]), "#")), n
}

// inline converts one line: links checked, citation markers linked,
// mentions neutralised, inline code kept.
func inline(s string, cites map[string]string) string {
	var b strings.Builder
	plain := 0 // start of text not yet written
	flush := func(end int) {
		b.WriteString(neutralise(s[plain:end]))
	}
	for i := 0; i < len(s); {
		switch s[i] {
		case '`':
			if j := strings.IndexByte(s[i+1:], '`'); j >= 0 {
				flush(i)
				b.WriteString(s[i : i+j+2])
				i += j + 2
				plain = i
				continue
			}
		case '[':
			if label, u, n, ok := relay.MarkdownLink(s[i:]); ok {
				flush(i)
				b.WriteString(link(u, inline(label, cites)))
				i += n
				plain = i
				continue
			}
			if j := strings.IndexByte(s[i+1:], ']'); j > 0 {
				ref := s[i+1 : i+1+j]
				if u, ok := cites[ref]; ok && !strings.HasPrefix(s[i+j+2:], "(") {
					flush(i)
					b.WriteString("[\\[" + escape(ref) + "\\]](" + u + ")")
					i += j + 2
					plain = i
					continue
				}
			}
		}
		i++
	}
	flush(len(s))
	return b.String()
}
