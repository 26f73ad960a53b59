// Package documents renders the documents Faro generates for people —
// course certificates, commercial proposals, invoices — from templates
// embedded in the binary, one Markdown source per template and language
// (templates/<name>.<lang>.md, Go text/template), to Markdown, HTML and
// PDF.
//
// Each template declares its variables (name, type, required, a
// description in Spanish and English), and [Catalog.Check] checks what a
// caller passes against them before anything is rendered, so a missing or
// malformed variable is reported — every one at once, in the caller's
// language — instead of producing a half-filled document.
//
// Variables are user input. The rendered source is parsed into blocks by
// this package (a small Markdown subset: headings, paragraphs, bullets,
// tables, rules and **bold**) and every piece of text is escaped for its
// output: HTML-escaped in HTML, entity-escaped in Markdown, drawn as text in
// PDF. Nothing a variable holds can become markup.
//
// To add a template: write templates/<name>.es.md and templates/<name>.en.md
// and declare it in [builtin] with its variables; the tests render every
// template in every format and language.
package documents
