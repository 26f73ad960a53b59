package offline

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tmc/langchaingo/llms"
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

// A tool text's word weights, worked out once for its toolset, are the
// words' routeWeight in every later call offering the toolset.
func TestTextWeightsAreRouteWeights(t *testing.T) {
	t.Parallel()
	m := NewModel(Options{})
	tool := func(name, desc string) llms.Tool {
		return llms.Tool{Type: "function", Function: &llms.FunctionDefinition{Name: name, Description: desc,
			Parameters: map[string]any{"type": "object", "properties": map[string]any{"query": map[string]any{"type": "string"}}}}}
	}
	opts := llms.CallOptions{Tools: []llms.Tool{
		tool("search_knowledge", "Search the knowledge base for course and policy questions."),
		tool("open_ticket", "Open a support ticket for a problem with access, billing or a course."),
		tool("request_human", "Hand the conversation to a person on the team."),
	}}
	msgs := []llms.MessageContent{llms.TextParts(llms.ChatMessageTypeHuman, "no puedo entrar al curso, quiero abrir un ticket")}
	for range 2 {
		r := m.newRun(context.Background(), msgs, opts)
		require.Len(t, r.tools, 3)
		for _, td := range r.tools {
			for _, rt := range td.texts {
				want := make([]float64, len(rt.words))
				for j, w := range rt.words {
					want[j] = r.routeWeight(w)
				}
				require.Equal(t, want, r.textWeights(rt), td.name)
			}
		}
	}
}
