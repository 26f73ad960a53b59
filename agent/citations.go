package agent

import (
	"regexp"
	"strings"
)

// refShape is what a citation marker's ref looks like: a number (the
// turn's passages) or "k" and six hex digits (search_knowledge's). Bracketed
// text of any other shape is left alone: it is not a citation.
var refShape = regexp.MustCompile(`^(?:\d{1,3}|k[0-9a-f]{6})$`)

// markerRE finds bracketed lists of refs, "[1]", "[k3f9a2c]", "[1, 2]",
// that are not the text of a Markdown link "[1](…)".
var markerRE = regexp.MustCompile(`\[([0-9A-Za-z]{1,8}(?:\s*[,;]\s*[0-9A-Za-z]{1,8})*)\](\()?`)

// citeRefs maps the markers of text to the passages retrieved in the turn
// (known, by ref): markers of refs that were retrieved are kept and become
// citations, in order of first appearance; markers of refs that were not
// (a model making one up, OWASP LLM09) are removed from the text.
func citeRefs(text string, known map[string]Citation) (string, []Citation) {
	var (
		cites []Citation
		seen  = map[string]bool{}
		b     strings.Builder
		last  int
	)
	for _, loc := range markerRE.FindAllStringSubmatchIndex(text, -1) {
		if loc[4] >= 0 {
			continue // "[text](", a Markdown link
		}
		refs := strings.FieldsFunc(text[loc[2]:loc[3]], func(r rune) bool { return r == ',' || r == ';' || r == ' ' })
		var keep []string
		citation := true
		for _, ref := range refs {
			ref = strings.ToLower(ref)
			if !refShape.MatchString(ref) {
				citation = false
				break
			}
			if _, ok := known[ref]; ok {
				keep = append(keep, ref)
			}
		}
		if !citation {
			continue // bracketed text that is no citation stays as written
		}
		before := text[last:loc[0]]
		if len(keep) == 0 {
			// Drop the marker and the space before it: "USD [9]." → "USD.".
			before = strings.TrimRight(before, " ")
		}
		b.WriteString(before)
		for _, ref := range keep {
			b.WriteString("[" + ref + "]")
			if !seen[ref] {
				seen[ref] = true
				cites = append(cites, known[ref])
			}
		}
		last = loc[1]
	}
	b.WriteString(text[last:])
	return strings.TrimSpace(b.String()), cites
}
