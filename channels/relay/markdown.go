package relay

import "strings"

// MarkdownLink reads a Markdown link [label](url) at the start of s
// (which starts with '['), as a model writes it: its label (brackets
// inside kept), its address (without a "title" or <…>) and its length. ok
// is false when s does not start with one, or the address is empty.
func MarkdownLink(s string) (label, u string, n int, ok bool) {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[':
			depth++
		case ']':
			depth--
			if depth == 0 {
				if i+1 >= len(s) || s[i+1] != '(' {
					return "", "", 0, false
				}
				j := strings.IndexByte(s[i+2:], ')')
				if j < 0 {
					return "", "", 0, false
				}
				u = strings.TrimSpace(s[i+2 : i+2+j])
				if k := strings.IndexAny(u, " \t"); k > 0 {
					u = u[:k] // [t](url "title")
				}
				u = strings.Trim(u, "<>")
				return s[1:i], u, i + 3 + j, u != ""
			}
		}
	}
	return "", "", 0, false
}
