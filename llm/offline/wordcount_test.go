package offline

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestWordCountIsFields(t *testing.T) {
	for _, s := range []string{"", " ", "hola", " hola  mundo ", "a\tb\nc\vd\fe\rf", "año\u00a0niño\u2003x", "\x85a\u0085b", "bad\xffutf8 x", "¿Cuánto cuesta?  [1]\n\n- sí"} {
		if got, want := wordCount(s), len(strings.Fields(s)); got != want {
			t.Errorf("wordCount(%q) = %d, strings.Fields says %d", s, got, want)
		}
	}
	// Random texts of letters, every kind of space, control bytes and
	// broken UTF-8.
	pieces := []string{"a", "ñ", "日", " ", "  ", "\t", "\n", "\v", "\f", "\r", "\x1c", "\x00", "\x7f", "\u0085", "\u00a0", "\u1680", "\u2000", "\u200a", "\u200b", "\u2028", "\u202f", "\u205f", "\u3000", "\xff", "\xc3", "\xe2\x80", ",", "-"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(24) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := b.String()
		if got, want := wordCount(s), len(strings.Fields(s)); got != want {
			t.Fatalf("wordCount(%q) = %d, strings.Fields says %d", s, got, want)
		}
	}
}

func FuzzWordCount(f *testing.F) {
	for _, s := range []string{"", "hola mundo", "a\u00a0b", "\xff x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := wordCount(s), len(strings.Fields(s)); got != want {
			t.Fatalf("wordCount(%q) = %d, strings.Fields says %d", s, got, want)
		}
	})
}
