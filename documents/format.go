package documents

import "strings"

// Format is an output format of a document.
type Format string

// The formats.
const (
	FormatPDF      Format = "pdf"
	FormatHTML     Format = "html"
	FormatMarkdown Format = "markdown"
)

// Formats lists the formats, the default first.
func Formats() []Format { return []Format{FormatPDF, FormatHTML, FormatMarkdown} }

// ParseFormat reads a format as people and models write it ("PDF", "md",
// "htm"); empty is PDF, the one to send to a client.
func ParseFormat(s string) (Format, bool) {
	switch strings.ToLower(strings.TrimSpace(strings.TrimPrefix(s, "."))) {
	case "", "pdf":
		return FormatPDF, true
	case "html", "htm", "web":
		return FormatHTML, true
	case "markdown", "md", "text", "txt":
		return FormatMarkdown, true
	}
	return "", false
}

// ContentType is the media type of the format.
func (f Format) ContentType() string {
	switch f {
	case FormatHTML:
		return "text/html; charset=utf-8"
	case FormatMarkdown:
		return "text/markdown; charset=utf-8"
	}
	return "application/pdf"
}

// Ext is the file extension of the format, without the dot.
func (f Format) Ext() string {
	switch f {
	case FormatHTML:
		return "html"
	case FormatMarkdown:
		return "md"
	}
	return "pdf"
}
