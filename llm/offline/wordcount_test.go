package offline

import (
	"strings"
	"testing"
)

func TestWordCountIsFields(t *testing.T) {
	for _, s := range []string{"", " ", "hola", " hola  mundo ", "a\tb\nc\vd\fe\rf", "año\u00a0niño\u2003x", "\x85a\u0085b", "bad\xffutf8 x", "¿Cuánto cuesta?  [1]\n\n- sí"} {
		if got, want := wordCount(s), len(strings.Fields(s)); got != want {
			t.Errorf("wordCount(%q) = %d, strings.Fields says %d", s, got, want)
		}
	}
}
