package knowledge

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"strings"

	"github.com/faroai/faro/store"
)

// parsed is a document as its loader understood it: metadata the document
// declares about itself, and its text cut into sections by its structure.
type parsed struct {
	title    string   // first heading or <title>; "" when the document has none
	language string   // declared (front matter, <html lang>); "" when not
	url      string   // declared canonical URL (front matter); "" when not
	tags     []string // declared (front matter)
	sections []section
}

// section is a run of body text under one heading (or one page, or one FAQ
// row). Chunks never span two sections.
type section struct {
	headings []string // the heading path from the top of the document, as shown to readers
	anchor   string   // fragment that opens this section in the link ("" for none)
	paras    []string // paragraphs, list blocks, code blocks: the units split last
	language string   // "" for the document's language
}

// hasText reports whether any section holds body text.
func (p parsed) hasText() bool {
	for _, s := range p.sections {
		for _, para := range s.paras {
			if strings.TrimSpace(para) != "" {
				return true
			}
		}
	}
	return false
}

// parse runs the loader of format f on raw, and cleans what it read of
// control characters (a NUL cannot be stored; none means anything to a
// reader).
func parse(f format, raw []byte) (parsed, error) {
	p, err := parseFormat(f, raw)
	if err != nil {
		return p, err
	}
	p.title, p.language, p.url = store.CleanText(p.title), store.CleanText(p.language), store.CleanText(p.url)
	for i, t := range p.tags {
		p.tags[i] = store.CleanText(t)
	}
	for i := range p.sections {
		s := &p.sections[i]
		s.anchor, s.language = store.CleanText(s.anchor), store.CleanText(s.language)
		for j, h := range s.headings {
			s.headings[j] = store.CleanText(h)
		}
		for j, para := range s.paras {
			s.paras[j] = store.CleanText(para)
		}
	}
	return p, nil
}

func parseFormat(f format, raw []byte) (parsed, error) {
	switch f {
	case formatMarkdown:
		return parseMarkdown(raw)
	case formatText:
		return parseText(raw), nil
	case formatHTML:
		return parseHTML(raw)
	case formatPDF:
		return parsePDF(raw)
	case formatCSV:
		return parseCSV(raw)
	}
	return parsed{}, fmt.Errorf("unsupported format")
}

// loaded is one document ready to embed and store.
type loaded struct {
	doc    store.Document
	chunks []store.Chunk // without embeddings
}

// contentHash is the hex sha256 of a document's raw bytes: what tells an
// unchanged document on re-ingest.
func contentHash(raw []byte) string {
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

// build parses raw, fills the document's metadata and cuts it into chunks.
func build(it item, raw []byte, f format, opts ChunkOptions) (loaded, error) {
	p, err := parse(f, raw)
	if err != nil {
		return loaded{}, err
	}
	if !p.hasText() {
		if f == formatPDF {
			return loaded{}, fmt.Errorf("no text found (a scanned PDF needs OCR first)")
		}
		return loaded{}, fmt.Errorf("no text found")
	}
	title := p.title
	if title == "" {
		title = titleFromName(it.name)
	}
	lang := normLanguage(p.language)
	if lang == "" {
		lang = languageFromPath(it.rel)
	}
	if lang == "" {
		lang = detectLanguage(sampleText(p, 4000))
	}
	link := p.url
	if link == "" {
		link = it.url
	}
	if link == "" {
		link = it.source
	}
	doc := store.Document{
		Source:      it.source,
		Title:       title,
		Language:    lang,
		ContentHash: contentHash(raw),
		URL:         link,
		Tags:        mergeTags(tagsFromPath(it.rel), p.tags),
	}
	pieces := chunkSections(title, p.sections, opts)
	chunks := make([]store.Chunk, len(pieces))
	for i, pc := range pieces {
		l := link
		if pc.anchor != "" {
			l = link + "#" + pc.anchor
		}
		cl := normLanguage(pc.language)
		if cl == "" {
			cl = lang
		}
		chunks[i] = store.Chunk{Position: i, Heading: pc.heading, Text: pc.text, Language: cl, Link: l}
	}
	return loaded{doc: doc, chunks: chunks}, nil
}

// sampleText is about n bytes of a document's headings and body, for
// language detection.
func sampleText(p parsed, n int) string {
	var b strings.Builder
	for _, s := range p.sections {
		if len(s.headings) > 0 {
			b.WriteString(s.headings[len(s.headings)-1])
			b.WriteByte('\n')
		}
		for _, para := range s.paras {
			if b.Len() >= n {
				return b.String()
			}
			b.WriteString(para)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// titleFromName makes a readable title of a file name: "politica-de-reembolso.md"
// becomes "politica de reembolso".
func titleFromName(name string) string {
	base := strings.TrimSuffix(name, path.Ext(name))
	if base == "" {
		return name
	}
	return strings.TrimSpace(strings.NewReplacer("-", " ", "_", " ").Replace(base))
}

// languageFromPath finds a language in the folders of rel ("es/cursos/x.md")
// or in the file name ("faq.en.md").
func languageFromPath(rel string) string {
	if rel == "" {
		return ""
	}
	parts := strings.Split(rel, "/")
	for _, seg := range parts[:len(parts)-1] {
		if l := normLanguage(seg); l != "" && len(seg) <= 5 {
			return l
		}
	}
	name := parts[len(parts)-1]
	name = strings.TrimSuffix(name, path.Ext(name))
	if ext := path.Ext(name); ext != "" {
		return normLanguage(ext[1:])
	}
	return ""
}

// normLanguage maps a language tag ("es", "es-MX", "EN_us", "pt-BR") to one
// of the languages Faro speaks, or "".
func normLanguage(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	switch tag {
	case "es", "spa", "spanish", "español", "espanol":
		return "es"
	case "en", "eng", "english", "inglés", "ingles":
		return "en"
	case "pt", "por", "portuguese", "português", "portugues":
		return "pt"
	}
	return ""
}

// tagsFromPath is the folders of rel, less the language folders, which are
// already the document's language.
func tagsFromPath(rel string) []string {
	parts := strings.Split(rel, "/")
	var tags []string
	for _, seg := range parts[:len(parts)-1] {
		if seg == "" || seg == "." || (len(seg) <= 5 && normLanguage(seg) != "") {
			continue
		}
		tags = append(tags, seg)
	}
	return tags
}

func mergeTags(a, b []string) []string {
	out := make([]string, 0, len(a)+len(b))
	seen := map[string]bool{}
	for _, t := range append(append([]string{}, a...), b...) {
		t = strings.TrimSpace(t)
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, t)
	}
	return out
}
