package staffchat

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestParseCommand: what in the staff channel is a command, and what in a
// thread is words for the person.
func TestParseCommand(t *testing.T) {
	for _, c := range []struct {
		text      string
		isCommand bool
		want      command
	}{
		{"/faro release", false, command{name: "release"}},
		{"/FARO Release", false, command{name: "release"}},
		{"/faro take abc-123", false, command{name: "take", arg: "abc-123"}},
		{"faro take abc-123", false, command{name: "take", arg: "abc-123"}},
		{"take abc-123", true, command{name: "take", arg: "abc-123"}},
		{"release", true, command{name: "release"}},
		{"/faro", false, command{name: "help"}},
		{"/faro what now", false, command{name: "help"}},
		{"hello", true, command{name: "help"}},
		// In a thread, anything else is a reply.
		{"release me from this course please", false, command{}},
		{"faro es genial, gracias", false, command{}},
		{"Hola Ana, soy Marta", false, command{}},
	} {
		require.Equal(t, c.want, parseCommand(c.text, c.isCommand), "%q (command %v)", c.text, c.isCommand)
	}
}
