package relay

import "testing"

// TestMarkdownLink: what a link at the start of the text is read as, and
// what is not a link (then the adapters show it as text).
func TestMarkdownLink(t *testing.T) {
	type link struct {
		label, u string
		n        int
		ok       bool
	}
	for s, want := range map[string]link{
		"[a](https://e.com) and": {"a", "https://e.com", 18, true},
		`[a](https://e.com "t")`: {"a", "https://e.com", 22, true},
		"[b](<https://f.com>)":   {"b", "https://f.com", 20, true},
		"[[n]](https://g.com)":   {"[n]", "https://g.com", 20, true},
		"[x](<>)":                {},
		"[c]( )":                 {},
		"[d](x":                  {},
		"[e] f":                  {},
		"[f":                     {},
	} {
		var got link
		got.label, got.u, got.n, got.ok = MarkdownLink(s)
		if got != want && (got.ok || want.ok) {
			t.Errorf("MarkdownLink(%q) = %+v, want %+v", s, got, want)
		}
	}
}
