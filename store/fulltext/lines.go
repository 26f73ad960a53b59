package fulltext

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Lines returns text's lines trimmed, with the lines of a hard-wrapped
// paragraph joined, as Markdown reads them: a line that goes on with a
// lower-case word (or a number that opens no numbered item) after a line
// with no closing punctuation continues it ("puedes recuperarla" + "en
// otro grupo del mismo nivel."). Headings, table rows, list items and
// lines of their own ("Precio: 249 USD" then "Inicio: …") stay apart.
// Quoting a sentence of a passage needs the whole sentence, not the line
// it starts on.
func Lines(text string) []string {
	var out []string
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		if n := len(out); n > 0 && continues(out[n-1], line) {
			out[n-1] += " " + line
			continue
		}
		out = append(out, line)
	}
	return out
}

// continues reports whether line goes on with the sentence prev left open.
func continues(prev, line string) bool {
	if prev == "" || line == "" || strings.HasPrefix(prev, "#") || strings.HasPrefix(prev, "|") || strings.HasPrefix(prev, "```") {
		return false
	}
	if last, _ := utf8.DecodeLastRuneInString(prev); strings.ContainsRune(".!?:;", last) {
		return false
	}
	first, _ := utf8.DecodeRuneInString(line)
	return unicode.IsLower(first) || unicode.IsDigit(first) && !numbered(line)
}

// numbered reports a numbered list item ("2. Entra en…", "3) …").
func numbered(line string) bool {
	i := strings.IndexFunc(line, func(r rune) bool { return r < '0' || r > '9' })
	return i > 0 && i < len(line)-1 && (line[i] == '.' || line[i] == ')') && line[i+1] == ' '
}
