package knowledge

import (
	"bytes"
	"fmt"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"
)

// parseHTML keeps the main text of a page: the <main> element (or every
// <article>) when there is one, else <body> less the navigation, page header
// and footer, sidebars, scripts, styles and forms. Headings cut sections,
// and a heading's id becomes the section's anchor.
//
// langchaingo's HTML loader was not used: it keeps script text and
// navigation, and flattens headings, which chunking needs.
func parseHTML(raw []byte) (parsed, error) {
	enc, _, _ := charset.DetermineEncoding(raw, "")
	utf8Raw, err := enc.NewDecoder().Bytes(raw)
	if err != nil {
		utf8Raw = raw
	}
	root, err := html.Parse(bytes.NewReader(utf8Raw))
	if err != nil {
		return parsed{}, fmt.Errorf("HTML: %w", err)
	}
	var p parsed
	var htmlEl, body *html.Node
	var mains, articles []*html.Node
	var find func(n *html.Node)
	find = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch {
			case n.DataAtom == atom.Html:
				htmlEl = n
			case n.DataAtom == atom.Title && p.title == "":
				p.title = collapse(textOf(n))
			case n.DataAtom == atom.Body:
				body = n
			case n.DataAtom == atom.Main || attr(n, "role") == "main":
				mains = append(mains, n)
				return // an <article> inside <main> is part of it
			case n.DataAtom == atom.Article:
				articles = append(articles, n)
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			find(c)
		}
	}
	find(root)
	if htmlEl != nil {
		p.language = attr(htmlEl, "lang")
	}
	roots := mains
	if len(roots) == 0 {
		roots = articles
	}
	if len(roots) == 0 && body != nil {
		roots = []*html.Node{body}
	}
	w := htmlWalker{slugs: slugger{}}
	for _, r := range roots {
		w.walk(r, r.DataAtom == atom.Main || r.DataAtom == atom.Article)
	}
	w.flushSection()
	p.sections = w.sections
	if p.title == "" {
		p.title = w.firstH1
	}
	return p, nil
}

// htmlWalker gathers sections while walking the kept part of a page.
type htmlWalker struct {
	sections []section
	cur      section
	stack    []struct {
		level int
		text  string
	}
	para    strings.Builder
	slugs   slugger
	firstH1 string
}

// skipped are elements whose text is never main text.
var skipped = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Nav: true, atom.Aside: true, atom.Svg: true, atom.Iframe: true, atom.Form: true,
	atom.Button: true, atom.Select: true, atom.Canvas: true, atom.Object: true, atom.Head: true,
	atom.Dialog: true, atom.Menu: true,
}

var skippedRoles = map[string]bool{
	"navigation": true, "banner": true, "contentinfo": true, "complementary": true, "search": true, "menu": true,
}

// blocks are elements that end the paragraph before them and after them.
var blocks = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Section: true, atom.Article: true, atom.Main: true,
	atom.Ul: true, atom.Ol: true, atom.Dl: true, atom.Dt: true, atom.Dd: true, atom.Table: true,
	atom.Tr: true, atom.Blockquote: true, atom.Pre: true, atom.Figure: true, atom.Figcaption: true,
	atom.Details: true, atom.Summary: true, atom.Address: true, atom.Hr: true, atom.Header: true,
	atom.Footer: true,
}

func headingLevel(a atom.Atom) int {
	switch a {
	case atom.H1:
		return 1
	case atom.H2:
		return 2
	case atom.H3:
		return 3
	case atom.H4:
		return 4
	case atom.H5:
		return 5
	case atom.H6:
		return 6
	}
	return 0
}

// walk visits n; inContent is true inside <main> or <article>, where a
// <header> or <footer> belongs to the content rather than to the site.
func (w *htmlWalker) walk(n *html.Node, inContent bool) {
	switch n.Type {
	case html.TextNode:
		w.para.WriteString(n.Data)
		return
	case html.ElementNode:
	default:
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			w.walk(c, inContent)
		}
		return
	}
	a := n.DataAtom
	if skipped[a] || skippedRoles[attr(n, "role")] || hasAttr(n, "hidden") || attr(n, "aria-hidden") == "true" {
		return
	}
	if (a == atom.Header || a == atom.Footer) && !inContent {
		return
	}
	if a == atom.Main || a == atom.Article {
		inContent = true
	}
	if level := headingLevel(a); level > 0 {
		w.heading(level, collapse(textOf(n)), attr(n, "id"))
		return
	}
	switch a {
	case atom.Br:
		w.para.WriteString("\n")
		return
	case atom.Pre:
		w.flushPara()
		w.cur.paras = appendNonEmpty(w.cur.paras, strings.Trim(textOf(n), "\n"))
		return
	case atom.Li:
		w.flushLine()
		w.para.WriteString("\n- ")
	case atom.Td, atom.Th:
		w.para.WriteString(" | ")
	}
	if blocks[a] {
		w.flushPara()
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.walk(c, inContent)
	}
	if blocks[a] {
		w.flushPara()
	}
}

// flushLine keeps list items of one list in one paragraph, a line each.
func (w *htmlWalker) flushLine() {
	if strings.TrimSpace(w.para.String()) == "" {
		w.para.Reset()
	}
}

func (w *htmlWalker) flushPara() {
	text := w.para.String()
	w.para.Reset()
	var lines []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.Trim(collapse(line), " |")
		if line != "" && line != "-" {
			lines = append(lines, line)
		}
	}
	w.cur.paras = appendNonEmpty(w.cur.paras, strings.Join(lines, "\n"))
}

func (w *htmlWalker) flushSection() {
	w.flushPara()
	if len(w.cur.paras) > 0 {
		w.sections = append(w.sections, w.cur)
	}
	w.cur = section{}
}

func (w *htmlWalker) heading(level int, text, id string) {
	w.flushSection()
	if text == "" {
		return
	}
	if level == 1 && w.firstH1 == "" {
		w.firstH1 = text
	}
	for len(w.stack) > 0 && w.stack[len(w.stack)-1].level >= level {
		w.stack = w.stack[:len(w.stack)-1]
	}
	w.stack = append(w.stack, struct {
		level int
		text  string
	}{level, text})
	w.cur.headings = make([]string, len(w.stack))
	for i, s := range w.stack {
		w.cur.headings[i] = s.text
	}
	// Only an id the page really has opens the section; a made-up slug
	// would land on the top of the page anyway.
	w.cur.anchor = id
}

func appendNonEmpty(list []string, s string) []string {
	if strings.TrimSpace(s) == "" {
		return list
	}
	return append(list, s)
}

func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		if n.Type == html.ElementNode && (n.DataAtom == atom.Script || n.DataAtom == atom.Style) {
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return strings.TrimSpace(a.Val)
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}
