package knowledge

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

var testWords = strings.Fields(`curso precio inscripción certificado alumnos semana clase
	descuento empresa equipo datos modelo correo soporte plazo pago tarjeta reembolso
	course price certificate students week class discount company team data model`)

// genSentence makes a sentence of n words that the splitter must keep whole:
// capitalised, ending in a period, with an abbreviation and a decimal
// inside now and then.
func genSentence(r *rand.Rand, n int) string {
	words := make([]string, n)
	for i := range words {
		words[i] = testWords[r.IntN(len(testWords))]
	}
	words[0] = strings.ToUpper(words[0][:1]) + words[0][1:]
	if n > 4 && r.IntN(3) == 0 {
		words[2] = "p. ej."
	}
	if n > 6 && r.IntN(3) == 0 {
		words[4] = "3.5"
	}
	end := []string{".", "?", "!"}[r.IntN(3)]
	return strings.Join(words, " ") + end
}

// genParas makes paragraphs of sentences, remembering every sentence.
func genParas(r *rand.Rand, maxWords int) (paras []string, sents []string) {
	for range 1 + r.IntN(6) {
		var p []string
		for range 1 + r.IntN(8) {
			s := genSentence(r, 2+r.IntN(maxWords))
			p = append(p, s)
			sents = append(sents, s)
		}
		paras = append(paras, strings.Join(p, " "))
	}
	return paras, sents
}

func TestSentences(t *testing.T) {
	got := sentences("El curso cuesta 3.5 millones, p. ej. en Perú. ¿Hay becas? Sí, para el Sr. Pérez y la Dra. Ruiz! \"Genial.\" Fin...\n- uno\n- dos")
	require.Equal(t, []string{
		"El curso cuesta 3.5 millones, p. ej. en Perú.",
		"¿Hay becas?",
		"Sí, para el Sr. Pérez y la Dra. Ruiz!",
		"\"Genial.\"",
		"Fin...",
		"- uno",
		"- dos",
	}, got)
	require.Equal(t, []string{"Visit example.com today.", "Then J. R. Smith calls."}, sentences("Visit example.com today. Then J. R. Smith calls."))
}

func TestChunkProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	overlaps := 0
	for trial := range 300 {
		opts := mustChunkOptions(t, ChunkOptions{Size: 400 + r.IntN(900), Overlap: r.IntN(200)})
		paras, sents := genParas(r, 30)
		chunks := splitSection(paras, opts)
		require.NotEmpty(t, chunks)

		known := map[string]bool{}
		for _, s := range sents {
			known[s] = true
		}
		next := 0 // the next original sentence not yet seen, in order
		for i, c := range chunks {
			require.LessOrEqual(t, utf8.RuneCountInString(c), opts.Size, "trial %d chunk %d over the size", trial, i)
			require.Equal(t, strings.TrimSpace(c), c)
			cs := sentences(c)
			for _, s := range cs {
				// Sentences here are all shorter than the chunk size, so
				// none is ever cut.
				require.True(t, known[s], "trial %d: chunk %d has a cut sentence %q", trial, i, s)
			}
			// Everything comes in order, each sentence once apart from the
			// overlap at the start of a chunk.
			for _, s := range cs {
				if next < len(sents) && s == sents[next] {
					next++
				}
			}
			if i > 0 {
				// The next chunk starts with the last sentences of the one
				// before, whenever the last one fits in the overlap and in
				// the room the chunk's first paragraph leaves.
				prev := sentences(chunks[i-1])
				last := prev[len(prev)-1]
				firstPara, _, _ := strings.Cut(c, "\n\n")
				room := min(opts.Overlap, opts.Size-2-utf8.RuneCountInString(firstPara))
				if utf8.RuneCountInString(last) <= room {
					require.True(t, startsWithTail(cs, prev), "trial %d: chunk %d does not start with the end of chunk %d:\n%q\n%q", trial, i, i-1, chunks[i-1], c)
					overlaps++
				}
			}
		}
		require.Equal(t, len(sents), next, "trial %d: every sentence is in a chunk, in order", trial)
	}
	require.Greater(t, overlaps, 100, "the overlap property was exercised")
}

func TestChunkLongSentences(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	long := genSentence(r, 400) // about 3000 characters, one sentence
	url := "https://example.com/" + strings.Repeat("a", 500)
	opts := mustChunkOptions(t, ChunkOptions{Size: 200, Overlap: 40})
	chunks := splitSection([]string{long, url}, opts)
	var words []string
	for _, c := range chunks {
		require.LessOrEqual(t, utf8.RuneCountInString(c), 200)
		words = append(words, strings.Fields(c)...)
	}
	// Cut between words: every word of the sentence is whole somewhere.
	have := map[string]bool{}
	for _, w := range words {
		have[w] = true
	}
	for _, w := range strings.Fields(long) {
		require.True(t, have[w], "word %q cut", w)
	}
}

func TestChunkOverlapExample(t *testing.T) {
	p := "Primera frase del texto. Segunda frase del texto. Tercera frase del texto. Cuarta frase."
	chunks := splitSection([]string{p}, ChunkOptions{Size: 55, Overlap: 30})
	require.Equal(t, []string{
		"Primera frase del texto. Segunda frase del texto.",
		"Segunda frase del texto. Tercera frase del texto.",
		"Tercera frase del texto. Cuarta frase.",
	}, chunks)
	// A list keeps its line breaks when it is split.
	list := "- uno dos tres cuatro\n- cinco seis siete ocho\n- nueve diez once doce"
	chunks = splitSection([]string{list}, ChunkOptions{Size: 50, Overlap: 0})
	require.Equal(t, []string{"- uno dos tres cuatro\n- cinco seis siete ocho", "- nueve diez once doce"}, chunks)
}

func TestChunkSections(t *testing.T) {
	sections := []section{
		{paras: []string{"Intro."}},
		{headings: []string{"Guía"}, anchor: "guia", paras: []string{"Texto."}},
		{headings: []string{"Guía", "Pagos"}, anchor: "pagos", paras: []string{"Con tarjeta."}},
		{headings: []string{"Otro"}, paras: []string{"Más."}, language: "en"},
	}
	got := chunkSections("Guía", sections, mustChunkOptions(t, ChunkOptions{}))
	require.Equal(t, []piece{
		{heading: "Guía", text: "Intro."},
		{heading: "Guía", anchor: "guia", text: "Texto."},
		{heading: "Guía > Pagos", anchor: "pagos", text: "Con tarjeta."},
		{heading: "Guía > Otro", text: "Más.", language: "en"},
	}, got, "sections never merge; the title leads every path once")
}

func TestChunkOptions(t *testing.T) {
	o, err := ChunkOptions{}.withDefaults()
	require.NoError(t, err)
	require.Equal(t, ChunkOptions{Size: DefaultChunkSize, Overlap: DefaultChunkOverlap}, o)
	_, err = ChunkOptions{Size: 100, Overlap: 80}.withDefaults()
	require.Error(t, err)
	_, err = ChunkOptions{Size: 10}.withDefaults()
	require.Error(t, err)
}

// startsWithTail reports whether the sentences cs begin with the last
// sentences of prev.
func startsWithTail(cs, prev []string) bool {
	for k := range prev {
		tail := prev[k:]
		if len(tail) <= len(cs) && slices.Equal(cs[:len(tail)], tail) {
			return true
		}
	}
	return false
}
