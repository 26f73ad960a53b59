package whatsapp

import (
	"strings"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/store"
)

// documentLines lists the reply's documents as "- name: link" lines, in
// the reply's own message: a document message would be a second send that
// could fail on its own, and needs the link reachable by Meta's servers,
// not only by the person. A file name is shown as it is: its underscores
// are inside a word, where WhatsApp formats nothing.
func documentLines(r agent.Reply) string {
	var b strings.Builder
	for _, d := range r.Documents {
		if !strings.HasPrefix(d.URL, "https://") && !strings.HasPrefix(d.URL, "http://") {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString("- " + strings.TrimSpace(store.CleanText(strings.ReplaceAll(d.Name, "\n", " "))) + ": " + d.URL)
	}
	return b.String()
}
