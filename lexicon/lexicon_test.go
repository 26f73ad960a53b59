package lexicon

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBuiltin(t *testing.T) {
	t.Parallel()
	lx, err := Builtin()
	require.NoError(t, err)
	var codes []string
	for _, l := range lx.Languages {
		codes = append(codes, l.Code)
		require.GreaterOrEqual(t, len(l.Anchors)+len(l.Questions), 20, "%s has too few questions to learn from", l.Code)
		require.NotEmpty(t, l.Anchors, l.Code)
	}
	require.Equal(t, []string{"en", "es", "pt"}, codes)
	n := 0
	for _, l := range lx.Languages {
		n += len(l.Anchors) + len(l.Questions)
	}
	require.Len(t, lx.Questions(), n)
}

func TestConcepts(t *testing.T) {
	t.Parallel()
	cs := Concepts()
	require.NotEmpty(t, cs)
	names := map[string]bool{}
	for _, c := range cs {
		require.False(t, names[c.Name], "concept %q listed twice", c.Name)
		names[c.Name] = true
		require.NotEmpty(t, c.Words, c.Name)
		require.NotContains(t, c.Name, "#", "comment lines are no concepts")
	}
	syn := NewSynonyms()
	require.Equal(t, "access", syn.Concept("senha"))
	require.Contains(t, syn.Of("senha"), "contrasena")
	require.Contains(t, syn.Of("precio"), "price")
	require.Nil(t, syn.Of("zzz"), "a word of no concept has no synonyms")
	require.Equal(t, "price", syn.Concept("how much"), "a two-word phrase is one member")
}
