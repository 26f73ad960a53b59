package relay

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestSplitOnBoundaries(t *testing.T) {
	t.Parallel()
	require.Nil(t, Split("  \n", 10, Runes))
	require.Equal(t, []string{"hola"}, Split("hola", 10, Runes))

	para := "Primer párrafo corto.\n\nSegundo párrafo, algo más largo que el primero."
	require.Equal(t, []string{"Primer párrafo corto.", "Segundo párrafo, algo más largo que el primero."}, Split(para, 50, Runes))

	sentences := "Uno dos tres. Cuatro cinco seis. Siete ocho nueve."
	require.Equal(t, []string{"Uno dos tres. Cuatro cinco seis.", "Siete ocho nueve."}, Split(sentences, 35, Runes))

	words := "alpha beta gamma delta epsilon"
	require.Equal(t, []string{"alpha beta", "gamma delta", "epsilon"}, Split(words, 11, Runes))

	long := strings.Repeat("x", 25)
	require.Equal(t, []string{strings.Repeat("x", 10), strings.Repeat("x", 10), strings.Repeat("x", 5)}, Split(long, 10, Runes))
}

func TestSplitNeverInsideMarkup(t *testing.T) {
	t.Parallel()
	text := `see <a href="https://example.com/a b">the page</a> and Tom &amp; Jerry`
	for max := 34; max < len(text); max++ { // 34: the longest tag
		parts := Split(text, max, Runes)
		for _, p := range parts {
			require.Equal(t, strings.Count(p, "<"), strings.Count(p, ">"), "max %d: a tag cut in %q", max, p)
			if i := strings.Index(p, "&"); i >= 0 {
				require.Contains(t, p[i:], ";", "max %d: an entity cut in %q", max, p)
			}
			require.LessOrEqual(t, Runes(p), max)
		}
	}
}

func TestSplitCountsUTF16(t *testing.T) {
	t.Parallel()
	text := strings.Repeat("😀", 6) // 2 UTF-16 units each
	parts := Split(text, 4, UTF16)
	require.Equal(t, []string{"😀😀", "😀😀", "😀😀"}, parts)
	require.Equal(t, 2, UTF16("😀"))
	require.Equal(t, 4, UTF16("aé😀"))
}

// FuzzSplit: parts are in order, within the limit unless one character is
// longer (an emoji is two UTF-16 units against a limit of one), valid
// UTF-8, and together hold every non-space character.
func FuzzSplit(f *testing.F) {
	f.Add("Hola. ¿Qué tal?\n\nBien, gracias & <b>tú</b>.", 7)
	f.Add("😀😀😀 a b c", 3)
	f.Add("a😀b", 1)
	f.Fuzz(func(t *testing.T, text string, max int) {
		if !utf8.ValidString(text) || max < 1 || max > 5000 {
			return
		}
		parts := Split(text, max, UTF16)
		joined := strings.Join(parts, "")
		require.Equal(t, strings.Join(strings.Fields(text), ""), strings.Join(strings.Fields(joined), ""))
		for _, p := range parts {
			require.NotEmpty(t, p)
			require.True(t, utf8.ValidString(p))
			if !strings.ContainsAny(p, "<&") && utf8.RuneCountInString(p) > 1 {
				require.LessOrEqual(t, UTF16(p), max, "part %q", p)
			}
		}
	})
}
