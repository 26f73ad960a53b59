package whatsapp

import "github.com/faroai/faro/agent"

// documentLines lists the reply's documents as "name: link" lines.
func documentLines(r agent.Reply) string {
	_ = r
	return ""
}
