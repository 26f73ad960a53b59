package lexicon

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The detector reads a language from each file's marks and the transfer
// table's words, with a confidence that short or mixed texts keep low.
func TestDetect(t *testing.T) {
	lx, err := Builtin()
	require.NoError(t, err)
	d := lx.Detector()
	for _, c := range []struct {
		text, lang string
		confident  bool // at least 0.45, as the agent pins a conversation
	}{
		{"¿Cuánto cuesta el curso y cuándo empieza?", "es", true},
		{"no se si ya me anote a los cursos, me fijas porfa?", "es", true},
		{"what time does the live session start on thursday?", "en", true},
		{"nao consigo entrar no app, me ajuda pra resolver isso por favor", "pt", true},
		{"vcs tem alguma coisa pra quem ta comecando do zero?", "pt", true},
		// "a gente", "este ano": words Portuguese shares with Spanish, and
		// Spanish's "año" folded.
		{"quantos alunos novos a gente teve este ano?", "pt", true},
		// The transfer table's words: Portuguese "proposta", "validade".
		{"faz a proposta com validade de 15 dias", "pt", true},
		{"sí", "es", false},
		{"ok", "", false},
		// An address is no language: "com" is Portuguese.
		{"lucia@empresa.com.br", "", false},
		{"Der Kurs kostet 299 Euro pro Monat.", "", false},
	} {
		g := d.Detect(c.text)
		require.Equal(t, c.lang, g.Lang, "%s: %+v", c.text, g)
		require.Equal(t, c.confident, g.Confidence >= 0.45, "%s: %+v", c.text, g)
	}
}
