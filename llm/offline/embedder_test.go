package offline

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func newTestEmbedder(t testing.TB, opts EmbedderOptions) *Embedder {
	t.Helper()
	e, err := NewEmbedder(opts)
	require.NoError(t, err)
	return e
}

func cosine(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	return dot / math.Sqrt(na*nb)
}

func norm(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

func TestNewEmbedderDimension(t *testing.T) {
	t.Parallel()
	e := newTestEmbedder(t, EmbedderOptions{})
	require.Equal(t, DefaultDimension, e.Dimension())
	require.Equal(t, "offline-hash-384", e.Name())
	require.Equal(t, "offline-hash-nostem-128", newTestEmbedder(t, EmbedderOptions{Dimension: 128, NoStems: true}).Name())
	for _, dim := range []int{-1, 1, MinDimension - 1, MaxDimension + 1} {
		_, err := NewEmbedder(EmbedderOptions{Dimension: dim})
		require.Error(t, err, "dimension %d", dim)
		require.Contains(t, err.Error(), fmt.Sprint(dim))
	}
}

func TestEmbedUnitAndDeterministic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newTestEmbedder(t, EmbedderOptions{})
	texts := []string{
		"¿Cuánto cuesta el curso de IA para marketing?",
		"How do I get my certificate?",
		"",         // no words at all
		"¿¡ … !?",  // punctuation only
		"el de la", // stop words only
		"2024",
	}
	for _, text := range texts {
		a, err := e.EmbedQuery(ctx, text)
		require.NoError(t, err)
		require.Len(t, a, DefaultDimension)
		require.InDelta(t, 1, norm(a), 1e-5, "text %q", text)
		b, err := e.EmbedQuery(ctx, text)
		require.NoError(t, err)
		require.Equal(t, a, b, "text %q", text)
	}
}

// TestEmbedGolden pins the vectors: they are stored in indexes, so a change
// of features must come with a new Name (and operators re-embed).
func TestEmbedGolden(t *testing.T) {
	t.Parallel()
	e := newTestEmbedder(t, EmbedderOptions{})
	v, err := e.EmbedQuery(context.Background(), "Política de reembolso: devolvemos el 100% durante los primeros 14 días.")
	require.NoError(t, err)
	h := fnv.New64a()
	for _, x := range v {
		fmt.Fprintf(h, "%.5f,", x)
	}
	require.Equal(t, uint64(0x83a736d55fe4ecfe), h.Sum64(), "the vectors of %s changed: if on purpose, change Name so indexes are re-embedded, then update this value", e.Name())
}

func TestEmbedSimilarity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newTestEmbedder(t, EmbedderOptions{})
	embed := func(s string) []float32 {
		v, err := e.EmbedQuery(ctx, s)
		require.NoError(t, err)
		return v
	}
	// Case and accents fold away entirely.
	require.Equal(t, embed("Inscripción al curso"), embed("INSCRIPCION AL CURSO"))
	// Stop words do not count.
	require.Equal(t, embed("precio curso"), embed("el precio del curso"))

	cases := []struct{ query, near, far string }{
		{"¿Cuánto cuesta el curso?", "Precio del curso: 149 USD", "Política de privacidad y datos personales"},
		{"certificados", "Al terminar recibes un certificado", "Reembolsamos el 100% del pago"},
		{"inscribirme", "Cómo inscribirse en un curso", "Horario de soporte técnico"},
		{"refund policy", "Refunds are paid within 14 days", "Course certificates are issued online"},
		{"certificate", "You receive a certificate of completion", "Pricing plans for the SaaS"},
		{"marketing automation", "Our marketing automation SaaS", "Automatic document generation"},
	}
	for _, c := range cases {
		q := embed(c.query)
		near, far := cosine(q, embed(c.near)), cosine(q, embed(c.far))
		require.Greater(t, near, far, "query %q: %q (%.3f) should be nearer than %q (%.3f)", c.query, c.near, near, c.far, far)
	}
}

func TestEmbedDocumentsMatchesQuery(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newTestEmbedder(t, EmbedderOptions{Dimension: 256})
	// Enough texts for the parallel path.
	texts := make([]string, 3*parallelMin+5)
	for i := range texts {
		texts[i] = fmt.Sprintf("Documento %d sobre cursos de inteligencia artificial %s", i, strings.Repeat("y marketing ", i%7))
	}
	for _, batch := range [][]string{texts[:3], texts} {
		vs, err := e.EmbedDocuments(ctx, batch)
		require.NoError(t, err)
		require.Len(t, vs, len(batch))
		for i, text := range batch {
			q, err := e.EmbedQuery(ctx, text)
			require.NoError(t, err)
			require.Equal(t, q, vs[i], "text %d", i)
		}
	}
	vs, err := e.EmbedDocuments(ctx, nil)
	require.NoError(t, err)
	require.Empty(t, vs)
}

func TestEmbedContextCancelled(t *testing.T) {
	t.Parallel()
	e := newTestEmbedder(t, EmbedderOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := e.EmbedQuery(ctx, "hola")
	require.ErrorIs(t, err, context.Canceled)
	_, err = e.EmbedDocuments(ctx, make([]string, 4*parallelMin))
	require.ErrorIs(t, err, context.Canceled)
	_, err = e.EmbedDocuments(ctx, []string{"hola"})
	require.ErrorIs(t, err, context.Canceled)
}

// benchChunks are chunk-sized texts (about 120 words, 800 bytes) drawn
// from a vocabulary of real words and 20,000 made-up ones with Zipf
// frequencies, as in real text, so that caches see a realistic hit rate.
func benchChunks(n int) []string {
	vocab := strings.Fields(`curso inteligencia artificial marketing automatización precio certificado
		inscripción reembolso soporte plataforma alumnos módulo lección proyecto práctica datos análisis
		course pricing refund certificate enrolment support platform students module lesson project
		documents generation template invoice contract campaign email audience segment conversion`)
	syllables := strings.Fields("ca pa ta ma lo ri sen tra mon ción es dor ble men cu ing er ly al pro")
	rng := rand.New(rand.NewPCG(1, 2))
	for len(vocab) < 20000 {
		var w strings.Builder
		for range 2 + rng.IntN(3) {
			w.WriteString(syllables[rng.IntN(len(syllables))])
		}
		vocab = append(vocab, w.String())
	}
	zipf := rand.NewZipf(rand.New(rand.NewPCG(3, 4)), 1.1, 2, uint64(len(vocab)-1))
	out := make([]string, n)
	var b strings.Builder
	for i := range out {
		b.Reset()
		for j := range 120 {
			b.WriteString(vocab[zipf.Uint64()])
			if j%15 == 14 {
				b.WriteString(". ")
			} else {
				b.WriteByte(' ')
			}
		}
		out[i] = b.String()
	}
	return out
}

func BenchmarkEmbedDocuments(b *testing.B) {
	for _, opts := range []EmbedderOptions{{}, {NoStems: true}} {
		e := newTestEmbedder(b, opts)
		texts := benchChunks(1024)
		var bytes int64
		for _, t := range texts {
			bytes += int64(len(t))
		}
		b.Run(e.Name(), func(b *testing.B) {
			b.SetBytes(bytes)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.EmbedDocuments(context.Background(), texts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(texts)*b.N)/b.Elapsed().Seconds(), "chunks/s")
		})
	}
}

func BenchmarkEmbedQuery(b *testing.B) {
	e := newTestEmbedder(b, EmbedderOptions{})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.EmbedQuery(context.Background(), "¿Cuánto cuesta el curso de IA para marketing y cuándo empieza?"); err != nil {
			b.Fatal(err)
		}
	}
}
