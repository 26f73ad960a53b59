package whatsapp

import (
	"cmp"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/store"
)

// MaxText is the longest text body the Cloud API takes, in characters.
const MaxText = 4096

// Length counts text as the limit is safest counted: in UTF-16 units, so
// an emoji counts two. A part within it is within 4096 characters however
// WhatsApp counts them.
func Length(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// Placeholders protect what is already rendered (code, links, citations)
// from the later rewrites of a line; private-use runes never come from
// the agent (they are removed from its text first).
const (
	phOpen  = '\uE000'
	phClose = '\uE001'
)

var (
	// Markdown escapes of characters that mean something to it.
	reEscape = regexp.MustCompile(`\\([\\*_~` + "`" + `\[\]()#>+\-.!|{}])`)
	reCode   = regexp.MustCompile("`([^`\n]+)`")
	// A citation marker "[1]", "[k3f9a2c]", "[1, 2]"; submatch 2 is a "("
	// after it, which makes it a link's text instead.
	reMarker   = regexp.MustCompile(`\[([0-9A-Za-z]{1,8}(?:\s*[,;]\s*[0-9A-Za-z]{1,8})*)\](\()?`)
	reLink     = regexp.MustCompile(`\[([^\]\n]*)\]\((\S+?)(?:\s+"[^"\n]*")?\)`)
	reAutoLink = regexp.MustCompile(`<(https?://[^>\s]+)>`)
	reURL      = regexp.MustCompile(`https?://[^\s<>` + string(phOpen) + `]+[^\s<>.,;:!?)` + string(phOpen) + `]`)
	reBold     = regexp.MustCompile(`\*\*(\S(?:[^\n]*?\S)?)\*\*|__(\S(?:[^\n]*?\S)?)__`)
	reStrike   = regexp.MustCompile(`~~(\S(?:[^\n]*?\S)?)~~`)
	reItalic   = regexp.MustCompile(`(^|[^\pL\pN*])\*(\S(?:[^*\n]*?\S)?)\*($|[^\pL\pN*])`)
	reHeading  = regexp.MustCompile(`^#{1,6}\s+(.*?)\s*#*\s*$`)
	reBullet   = regexp.MustCompile(`^(\s*)[*+]\s+`)
	reRule     = regexp.MustCompile(`^\s*(?:-{3,}|\*{3,}|_{3,})\s*$`)
)

// lookalike replaces a markup character the agent wrote literally (a
// Markdown escape) by one that looks the same and that WhatsApp never reads
// as markup: WhatsApp has no escape of its own.
var lookalike = map[string]string{"*": "∗", "_": "ˍ", "~": "∼", "`": "ˋ"}

// Render converts a reply as the agent writes it (Markdown, citation
// markers, documents) to WhatsApp's markup: **bold** becomes *bold*,
// *italic* _italic_, ~~strike~~ ~strike~, code ```code```, headings
// bold lines, links "text (url)"; citation markers are numbered 1, 2…
// in order and listed as sources at the end; documents as links.
func Render(r agent.Reply) string {
	text := strings.Map(func(r rune) rune {
		if r == phOpen || r == phClose || r == '\r' {
			return -1
		}
		return r
	}, store.CleanText(r.Text))
	refs := map[string]int{}
	for i, c := range r.Citations {
		refs[strings.ToLower(c.Ref)] = i + 1
	}
	var b strings.Builder
	inFence := false
	for i, line := range strings.Split(text, "\n") {
		if i > 0 {
			b.WriteByte('\n')
		}
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			inFence = !inFence
			b.WriteString("```")
			continue
		}
		if inFence {
			b.WriteString(line) // WhatsApp shows it as it is, in monospace
			continue
		}
		b.WriteString(renderLine(line, refs))
	}
	if inFence {
		b.WriteString("\n```")
	}
	out := strings.TrimSpace(b.String())
	if f := sources(r); f != "" {
		out += "\n\n" + f
	}
	return out
}

// renderLine converts one line outside a code block.
func renderLine(line string, refs map[string]int) string {
	if reRule.MatchString(line) {
		return "──────────"
	}
	var saved []string
	save := func(s string) string {
		saved = append(saved, s)
		return string(phOpen) + strconv.Itoa(len(saved)-1) + string(phClose)
	}
	line = reEscape.ReplaceAllStringFunc(line, func(m string) string {
		c := m[1:]
		return save(cmp.Or(lookalike[c], c))
	})
	line = reCode.ReplaceAllStringFunc(line, func(m string) string {
		return save("```" + m[1:len(m)-1] + "```")
	})
	line = citeMarkers(line, refs, save)
	line = reLink.ReplaceAllStringFunc(line, func(m string) string {
		sm := reLink.FindStringSubmatch(m)
		label, target := strings.TrimSpace(sm[1]), sm[2]
		if label == "" || label == target {
			return save(target)
		}
		return label + " (" + save(target) + ")"
	})
	line = reAutoLink.ReplaceAllStringFunc(line, func(m string) string { return save(m[1 : len(m)-1]) })
	line = reURL.ReplaceAllStringFunc(line, save)
	heading := false
	if sm := reHeading.FindStringSubmatch(line); sm != nil {
		line, heading = sm[1], true
	}
	line = reBullet.ReplaceAllString(line, "$1- ")
	// Bold is kept aside while italics are rewritten: both use "*".
	line = reBold.ReplaceAllStringFunc(line, func(m string) string {
		inner := m[2 : len(m)-2]
		if heading {
			return inner
		}
		return save("*" + inner + "*")
	})
	line = reStrike.ReplaceAllString(line, "~$1~")
	for range 2 { // adjacent italics share a boundary character
		line = reItalic.ReplaceAllString(line, "${1}_${2}_${3}")
	}
	if heading && strings.TrimSpace(line) != "" {
		line = "*" + strings.TrimSpace(line) + "*"
	}
	return restore(line, saved)
}

// restore puts saved pieces back, innermost last (a saved bold may hold a
// saved link).
func restore(s string, saved []string) string {
	for strings.ContainsRune(s, phOpen) {
		i := strings.IndexRune(s, phOpen)
		j := strings.IndexRune(s[i:], phClose)
		if j < 0 {
			break
		}
		n, err := strconv.Atoi(s[i+len(string(phOpen)) : i+j])
		if err != nil || n >= len(saved) {
			break
		}
		s = s[:i] + saved[n] + s[i+j+len(string(phClose)):]
	}
	return s
}

// citeMarkers renumbers the markers of cited passages [1], [2]… in the
// order of the reply's citations; brackets that are no citation stay.
func citeMarkers(line string, refs map[string]int, save func(string) string) string {
	if len(refs) == 0 {
		return line
	}
	var b strings.Builder
	last := 0
	for _, loc := range reMarker.FindAllStringSubmatchIndex(line, -1) {
		if loc[4] >= 0 {
			continue // "[text](": a link
		}
		var nums []string
		ok := true
		for _, ref := range strings.FieldsFunc(line[loc[2]:loc[3]], func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
			n, known := refs[strings.ToLower(ref)]
			if !known {
				ok = false
				break
			}
			nums = append(nums, strconv.Itoa(n))
		}
		if !ok {
			continue
		}
		b.WriteString(line[last:loc[0]])
		b.WriteString(save("[" + strings.Join(nums, ", ") + "]"))
		last = loc[1]
	}
	b.WriteString(line[last:])
	return b.String()
}

// labels are the words of the footer, by language.
var labels = map[string][2]string{
	"es": {"Fuentes", "Documentos"},
	"en": {"Sources", "Documents"},
	"pt": {"Fontes", "Documentos"},
}

// sources is the footer listing the cited passages, numbered as in the
// text (with their address when it is a web link; a file path inside
// the server would mean nothing to the person), and the documents.
func sources(r agent.Reply) string {
	l, ok := labels[r.Language]
	if !ok {
		l = labels["es"]
	}
	var b strings.Builder
	if len(r.Citations) > 0 {
		b.WriteString(l[0] + ":")
		for i, c := range r.Citations {
			b.WriteString("\n[" + strconv.Itoa(i+1) + "] " + plain(cmp.Or(c.Title, c.Source)))
			if c.Heading != "" {
				b.WriteString(" › " + plain(c.Heading))
			}
			if link := cmp.Or(c.Link, c.Source); strings.HasPrefix(link, "https://") || strings.HasPrefix(link, "http://") {
				b.WriteString(" " + link)
			}
		}
	}
	if docs := documentLines(r); docs != "" {
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(l[1] + ":\n" + docs)
	}
	return b.String()
}

// plain makes s show as written: its markup characters become lookalikes.
func plain(s string) string {
	s = store.CleanText(strings.ReplaceAll(s, "\n", " "))
	for k, v := range lookalike {
		s = strings.ReplaceAll(s, k, v)
	}
	return s
}
