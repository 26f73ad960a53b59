package documents

import (
	"html"
	"regexp"
	"strings"
)

// blockKind is the kind of a block of the Markdown subset the templates
// are written in.
type blockKind int

const (
	blockH1 blockKind = iota
	blockH2
	blockH3
	blockPara   // lines, each kept on its own line
	blockBullet // one item
	blockTable  // rows; the first is a header when header is set
	blockRule
)

type block struct {
	kind   blockKind
	lines  []string
	rows   [][]string
	header bool
}

var reSeparator = regexp.MustCompile(`^:?-{3,}:?$`)

// parseBlocks reads the rendered source.
func parseBlocks(src string) []block {
	var out []block
	var para []string
	flush := func() {
		if len(para) > 0 {
			out = append(out, block{kind: blockPara, lines: para})
			para = nil
		}
	}
	for _, line := range strings.Split(src, "\n") {
		line = strings.TrimRight(line, " \t\r")
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "":
			flush()
		case strings.HasPrefix(line, "### "):
			flush()
			out = append(out, block{kind: blockH3, lines: []string{strings.TrimSpace(line[4:])}})
		case strings.HasPrefix(line, "## "):
			flush()
			out = append(out, block{kind: blockH2, lines: []string{strings.TrimSpace(line[3:])}})
		case strings.HasPrefix(line, "# "):
			flush()
			out = append(out, block{kind: blockH1, lines: []string{strings.TrimSpace(line[2:])}})
		case trimmed == "---":
			flush()
			out = append(out, block{kind: blockRule})
		case strings.HasPrefix(line, "- "):
			flush()
			out = append(out, block{kind: blockBullet, lines: []string{strings.TrimSpace(line[2:])}})
		case strings.HasPrefix(trimmed, "|"):
			flush()
			cells := strings.Split(strings.Trim(trimmed, "|"), "|")
			for i := range cells {
				cells[i] = strings.TrimSpace(cells[i])
			}
			var last *block
			if n := len(out); n > 0 && out[n-1].kind == blockTable {
				last = &out[n-1]
			}
			if isSeparator(cells) {
				if last != nil && len(last.rows) == 1 {
					last.header = true
				}
				continue
			}
			if last == nil {
				out = append(out, block{kind: blockTable})
				last = &out[len(out)-1]
			}
			last.rows = append(last.rows, cells)
		default:
			para = append(para, trimmed)
		}
	}
	flush()
	return out
}

func isSeparator(cells []string) bool {
	for _, c := range cells {
		if !reSeparator.MatchString(c) {
			return false
		}
	}
	return len(cells) > 0
}

// span is a run of text, bold or not.
type span struct {
	text string
	bold bool
}

// spans splits a line at its ** markers.
func spans(line string) []span {
	var out []span
	for i, part := range strings.Split(line, "**") {
		if part != "" {
			out = append(out, span{text: part, bold: i%2 == 1})
		}
	}
	return out
}

func plain(line string) string { return strings.ReplaceAll(line, "**", "") }

// mdEscape keeps text from being read as HTML by a Markdown viewer.
var mdEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// inlineWith renders a line's spans: each text escaped, bold ones between
// open and close.
func inlineWith(escape func(string) string, open, close string) func(string) string {
	return func(line string) string {
		var s strings.Builder
		for _, sp := range spans(line) {
			if sp.bold {
				s.WriteString(open + escape(sp.text) + close)
			} else {
				s.WriteString(escape(sp.text))
			}
		}
		return s.String()
	}
}

// toMarkdown writes the blocks back as Markdown with every text escaped.
func toMarkdown(bs []block) string {
	var b strings.Builder
	inline := inlineWith(mdEscape.Replace, "**", "**")
	for i, bl := range bs {
		if i > 0 && !(bl.kind == blockBullet && bs[i-1].kind == blockBullet) {
			b.WriteString("\n")
		}
		switch bl.kind {
		case blockH1:
			b.WriteString("# " + inline(bl.lines[0]) + "\n")
		case blockH2:
			b.WriteString("## " + inline(bl.lines[0]) + "\n")
		case blockH3:
			b.WriteString("### " + inline(bl.lines[0]) + "\n")
		case blockRule:
			b.WriteString("---\n")
		case blockBullet:
			b.WriteString("- " + inline(bl.lines[0]) + "\n")
		case blockPara:
			for j, l := range bl.lines {
				b.WriteString(inline(l))
				if j < len(bl.lines)-1 {
					b.WriteString("  ") // a Markdown line break
				}
				b.WriteString("\n")
			}
		case blockTable:
			for j, row := range bl.rows {
				cells := make([]string, len(row))
				for k, c := range row {
					cells[k] = inline(c)
				}
				b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
				if j == 0 && bl.header {
					b.WriteString(strings.Repeat("|---", len(row)) + "|\n")
				}
			}
		}
	}
	return b.String()
}

// toHTML writes a whole HTML page; every text is HTML-escaped.
func toHTML(bs []block, title, lang string) string {
	var b strings.Builder
	inline := inlineWith(html.EscapeString, "<strong>", "</strong>")
	b.WriteString(`<!DOCTYPE html>
<html lang="` + html.EscapeString(lang) + `">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>` + html.EscapeString(title) + `</title>
<style>
body{font-family:Helvetica,Arial,sans-serif;max-width:760px;margin:40px auto;padding:0 16px;color:#222;line-height:1.5}
h1{font-size:1.8em;margin-bottom:.2em}h2{font-size:1.3em}
table{border-collapse:collapse;width:100%;margin:1em 0}
th,td{border:1px solid #bbb;padding:6px 8px;text-align:left}
th{background:#f2f2f2}td.n,th.n{text-align:right}
hr{border:0;border-top:1px solid #ccc;margin:2em 0}
</style>
</head>
<body>
`)
	for i := 0; i < len(bs); i++ {
		bl := bs[i]
		switch bl.kind {
		case blockH1:
			b.WriteString("<h1>" + inline(bl.lines[0]) + "</h1>\n")
		case blockH2:
			b.WriteString("<h2>" + inline(bl.lines[0]) + "</h2>\n")
		case blockH3:
			b.WriteString("<h3>" + inline(bl.lines[0]) + "</h3>\n")
		case blockRule:
			b.WriteString("<hr>\n")
		case blockBullet:
			b.WriteString("<ul>\n")
			for ; i < len(bs) && bs[i].kind == blockBullet; i++ {
				b.WriteString("<li>" + inline(bs[i].lines[0]) + "</li>\n")
			}
			i--
			b.WriteString("</ul>\n")
		case blockPara:
			lines := make([]string, len(bl.lines))
			for j, l := range bl.lines {
				lines[j] = inline(l)
			}
			b.WriteString("<p>" + strings.Join(lines, "<br>\n") + "</p>\n")
		case blockTable:
			b.WriteString("<table>\n")
			for j, row := range bl.rows {
				tag := "td"
				if j == 0 && bl.header {
					tag = "th"
				}
				b.WriteString("<tr>")
				for k, c := range row {
					class := ""
					if k > 0 {
						class = ` class="n"`
					}
					b.WriteString("<" + tag + class + ">" + inline(c) + "</" + tag + ">")
				}
				b.WriteString("</tr>\n")
			}
			b.WriteString("</table>\n")
		}
	}
	b.WriteString("</body>\n</html>\n")
	return b.String()
}
