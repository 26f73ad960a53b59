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
