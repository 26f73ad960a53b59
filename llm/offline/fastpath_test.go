package offline

import (
	"context"
	"math"
	"math/rand/v2"
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

// The cosine from norms computed apart is, to the bit, the cosine that
// summed the norms with the dot product.
func TestCosineNormedIsCosine(t *testing.T) {
	t.Parallel()
	oneLoop := func(a, b []float32) float64 {
		if len(a) == 0 || len(a) != len(b) {
			return 0
		}
		var dot, na, nb float64
		for i := range a {
			dot += float64(a[i]) * float64(b[i])
			na += float64(a[i]) * float64(a[i])
			nb += float64(b[i]) * float64(b[i])
		}
		if na == 0 || nb == 0 {
			return 0
		}
		if na > 0.999 && na < 1.001 && nb > 0.999 && nb < 1.001 {
			return dot
		}
		return dot / (math.Sqrt(na) * math.Sqrt(nb))
	}
	e, err := NewEmbedder(EmbedderOptions{})
	require.NoError(t, err)
	texts := []string{"cuanto cuesta el curso de ia", "how much is the AI course?", "reembolso", "", "certificado de prompt engineering"}
	vecs, err := e.EmbedDocuments(context.Background(), texts)
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(3, 4))
	for range 50 {
		v := make([]float32, len(vecs[0]))
		for i := range v {
			v[i] = float32(rng.NormFloat64() * 3)
		}
		vecs = append(vecs, v)
	}
	vecs = append(vecs, nil, []float32{1, 2})
	for _, a := range vecs {
		for _, b := range vecs {
			require.Equal(t, oneLoop(a, b), cosineNormed(a, b, sqNorm(a), sqNorm(b)))
		}
	}
}
