package offline

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// explicitSwitch splits clauses without the pattern, and finds what the
// pattern's clauses find.
func TestExplicitSwitchClauses(t *testing.T) {
	t.Parallel()
	bySplit := func(text string) string {
		for _, c := range reClauses.Split(text, -1) {
			if l := clauseSwitch(c); l != "" {
				return l
			}
		}
		return ""
	}
	for _, s := range []string{"", "...", "hola. in english please", "¿podemos seguir en inglés?!", "respondeme en portugues\n\ngracias",
		"english", "quiero un curso de ingles. cuanto cuesta?", "bad\xff. english please.", "?in english?"} {
		require.Equal(t, bySplit(s), explicitSwitch(s), s)
	}
}
