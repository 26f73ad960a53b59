package knowledge

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
)

// frontMatter reads the YAML block a Markdown file may start with: title,
// language (or lang), url and tags (a list, or one comma-separated string).
// Other keys are ignored: the file may be shared with a static site
// generator, whose keys and value types are its own.
func frontMatter(text string) (title, lang, url string, tags []string, err error) {
	var m map[string]any
	if err := yaml.Unmarshal([]byte(text), &m); err != nil {
		return "", "", "", nil, err
	}
	str := func(k string) string {
		if v, ok := m[k]; ok && v != nil {
			return strings.TrimSpace(fmt.Sprint(v))
		}
		return ""
	}
	lang = str("language")
	if lang == "" {
		lang = str("lang")
	}
	switch v := m["tags"].(type) {
	case []any:
		for _, t := range v {
			tags = append(tags, fmt.Sprint(t))
		}
	case string:
		tags = strings.Split(v, ",")
	}
	return str("title"), lang, str("url"), tags, nil
}

// splitFrontMatter returns the YAML between a leading "---" line and the
// next "---" (or "...") line, and the rest of the file.
func splitFrontMatter(src string) (yamlText, body string, ok bool) {
	if !strings.HasPrefix(src, "---\n") && !strings.HasPrefix(src, "---\r\n") {
		return "", src, false
	}
	rest := src[strings.IndexByte(src, '\n')+1:]
	for off := 0; off < len(rest); {
		end := strings.IndexByte(rest[off:], '\n')
		line := rest[off:]
		next := len(rest)
		if end >= 0 {
			line = rest[off : off+end]
			next = off + end + 1
		}
		if l := strings.TrimRight(line, " \t\r"); l == "---" || l == "..." {
			return rest[:off], rest[next:], true
		}
		off = next
	}
	return "", src, false // no closing line: a thematic break, not front matter
}

var (
	atxHeading    = regexp.MustCompile(`^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$`)
	setextLine    = regexp.MustCompile(`^ {0,3}(=+|-+)[ \t]*$`)
	fenceOpen     = regexp.MustCompile("^ {0,3}(`{3,}|~{3,})")
	mdLink        = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)
	mdEmphasis    = regexp.MustCompile("[*`]+|(^|\\W)_+|_+(\\W|$)")
	htmlTagInline = regexp.MustCompile(`<[^>]+>`)
)

// parseMarkdown cuts Markdown into sections at its ATX (# …) and setext
// headings, ignoring # lines inside fenced code. Paragraphs are separated by
// blank lines; a fenced code block is one paragraph whatever it holds. Body
// text is kept as Markdown, which chat clients render.
func parseMarkdown(raw []byte) (parsed, error) {
	if !utf8.Valid(raw) {
		return parsed{}, fmt.Errorf("not UTF-8 text")
	}
	src := strings.ReplaceAll(string(bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))), "\r\n", "\n")
	var p parsed
	if fm, body, ok := splitFrontMatter(src); ok {
		var err error
		if p.title, p.language, p.url, p.tags, err = frontMatter(fm); err != nil {
			return parsed{}, fmt.Errorf("front matter: %s", oneLine(yaml.FormatError(err, false, false)))
		}
		src = body
	}

	type open struct {
		level int
		text  string
	}
	var (
		stack []open
		cur   section
		para  []string // lines of the paragraph being read
		fence string   // the fence that closes the open code block, "" outside one
		slugs = slugger{}
		first string // the first heading, the title when there is no level 1 heading
	)
	flushPara := func() {
		if len(para) > 0 {
			if t := strings.TrimSpace(strings.Join(para, "\n")); t != "" {
				cur.paras = append(cur.paras, t)
			}
			para = para[:0]
		}
	}
	flushSection := func() {
		flushPara()
		if len(cur.paras) > 0 {
			p.sections = append(p.sections, cur)
		}
		cur = section{}
	}
	heading := func(level int, text string) {
		flushSection()
		text = inlineText(text)
		for len(stack) > 0 && stack[len(stack)-1].level >= level {
			stack = stack[:len(stack)-1]
		}
		stack = append(stack, open{level, text})
		cur.headings = make([]string, len(stack))
		for i, o := range stack {
			cur.headings[i] = o.text
		}
		cur.anchor = slugs.slug(text)
		if first == "" {
			first = text
		}
		if p.title == "" && level == 1 {
			p.title = text
		}
	}

	for _, line := range strings.Split(src, "\n") {
		if fence != "" {
			para = append(para, line)
			if t := strings.TrimSpace(line); strings.HasPrefix(t, fence) && strings.Trim(t, fence[:1]) == "" {
				fence = ""
				flushPara()
			}
			continue
		}
		if m := fenceOpen.FindStringSubmatch(line); m != nil {
			flushPara()
			fence = m[1]
			para = append(para, line)
			continue
		}
		if m := atxHeading.FindStringSubmatch(line); m != nil {
			heading(len(m[1]), m[2])
			continue
		}
		if m := setextLine.FindStringSubmatch(line); m != nil && len(para) > 0 && !isListLine(para[0]) {
			text := strings.TrimSpace(strings.Join(para, " "))
			para = para[:0]
			level := 1
			if m[1][0] == '-' {
				level = 2
			}
			heading(level, text)
			continue
		}
		if strings.TrimSpace(line) == "" {
			flushPara()
			continue
		}
		para = append(para, line)
	}
	flushSection()
	if p.title == "" {
		p.title = first
	}
	return p, nil
}

func isListLine(s string) bool {
	t := strings.TrimLeft(s, " \t")
	if strings.HasPrefix(t, "- ") || strings.HasPrefix(t, "* ") || strings.HasPrefix(t, "+ ") {
		return true
	}
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	return i > 0 && i < len(t) && (t[i] == '.' || t[i] == ')')
}

// inlineText is heading Markdown as a reader sees it: links become their
// text, emphasis and code marks and inline HTML go.
func inlineText(s string) string {
	s = mdLink.ReplaceAllString(s, "$1")
	s = htmlTagInline.ReplaceAllString(s, "")
	s = mdEmphasis.ReplaceAllString(s, "$1$2")
	return strings.Join(strings.Fields(s), " ")
}

// slugger makes GitHub-style heading anchors: lower case, punctuation
// dropped, spaces to hyphens, letters of every script (and accents) kept;
// a repeated heading gets -1, -2… as GitHub numbers them.
type slugger map[string]int

func (s slugger) slug(text string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(text)) {
		switch {
		case unicode.IsLetter(r), unicode.IsMark(r), unicode.IsNumber(r), r == '_', r == '-':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
	}
	base := b.String()
	n, taken := s[base]
	s[base] = n + 1
	if !taken {
		return base
	}
	for {
		cand := base + "-" + strconv.Itoa(n)
		if _, clash := s[cand]; !clash {
			s[cand] = 1
			return cand
		}
		n++
		s[base] = n + 1
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
