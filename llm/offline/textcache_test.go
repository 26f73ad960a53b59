package offline

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tmc/langchaingo/llms"

	"github.com/faroai/faro/llm/turnctx"
)

// The cache stays within its bounds (a full shard is emptied), answers what
// was put while it is kept, and is safe for concurrent use (run with -race).
func TestTextCache(t *testing.T) {
	t.Parallel()
	c := newTextCache[int](4*textCacheShards, 64*textCacheShards)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				k := fmt.Sprintf("key-%d", (i*7+g)%500)
				if v, ok := c.get(k); ok {
					require.Equal(t, len(k)*3, v)
				}
				c.put(k, len(k)*3)
			}
		})
	}
	wg.Wait()
	for i := range c.shards {
		s := &c.shards[i]
		require.LessOrEqual(t, len(s.m), 4)
		require.LessOrEqual(t, s.bytes, 64)
		n := 0
		for k := range s.m {
			n += len(k)
		}
		require.Equal(t, n, s.bytes)
	}
	// A key larger than a shard's bytes is not kept.
	big := strings.Repeat("x", 65)
	c.put(big, 1)
	_, ok := c.get(big)
	require.False(t, ok)
	// A kept key is answered.
	c.put("hola", 7)
	v, ok := c.get("hola")
	require.True(t, ok)
	require.Equal(t, 7, v)
}

// Cached stems are the stems: on the first sight of a word and after.
func TestAnalyzerStems(t *testing.T) {
	t.Parallel()
	an := newAnalyzer()
	words := folds("Quisiera inscribirme en el curso de inteligencia artificial; we'd like the courses, 2027 precios PRECIOS " + strings.Repeat("a", 50))
	for range 2 {
		for _, w := range words {
			es, en := an.stems(w)
			wantES, wantEN := stemsOf(w)
			require.Equal(t, wantES, es, w)
			require.Equal(t, wantEN, en, w)
		}
	}
	require.Equal(t, analyzerUncached(words), an.analyze(strings.Join(words, " ")))
}

func analyzerUncached(words []string) []word {
	var an *analyzer
	return an.analyze(strings.Join(words, " "))
}

// Long texts' counts come from the cache, and are what wordCount says.
func TestTextWords(t *testing.T) {
	t.Parallel()
	m := NewModel(Options{})
	long := strings.Repeat("¿Cuánto cuesta el curso?\u00a0 Son 249 USD.\n", 20)
	for _, s := range []string{"", "hola mundo", long, long + " x", long} {
		require.Equal(t, wordCount(s), m.textWords(s))
	}
	_, cached := m.counts.get(long)
	require.True(t, cached)
	_, cached = m.counts.get("hola mundo")
	require.False(t, cached, "short texts are counted, not cached")
}

// Turn contexts read through the cache are what turnctx.Read reads, the
// first time and after.
func TestReadTurnContextCached(t *testing.T) {
	t.Parallel()
	m := NewModel(Options{})
	ctxA := turnctx.Context{Role: "prospect", Language: "es", Name: "Ana", Passages: []turnctx.Passage{{Ref: "1", Source: "a.md", Text: "Cuesta 249 USD."}}}.Part()
	ctxB := turnctx.Context{Role: "student", Email: "b@x.com"}.Part()
	broken := llms.TextPart(strings.SplitN(ctxA.Text, "\n", 2)[0] + "\n{not json")
	sys := func(parts ...llms.ContentPart) llms.MessageContent {
		return llms.MessageContent{Role: llms.ChatMessageTypeSystem, Parts: parts}
	}
	for _, msgs := range [][]llms.MessageContent{
		nil,
		{llms.TextParts(llms.ChatMessageTypeSystem, "You are the assistant.")},
		{sys(llms.TextPart("You are the assistant.")), sys(ctxA), llms.TextParts(llms.ChatMessageTypeHuman, "hola")},
		{sys(ctxA), sys(ctxB)},
		{sys(ctxB, ctxA)},
		{sys(ctxA, broken)},
		{sys(ctxA), {Role: llms.ChatMessageTypeHuman, Parts: []llms.ContentPart{ctxB}}},
	} {
		want, wantOK := turnctx.Read(msgs)
		for range 2 {
			got, ok := m.readTurnContext(msgs)
			require.Equal(t, wantOK, ok)
			require.Equal(t, want, got)
		}
	}
}

// Stems from the cache against stemming, from about 300 goroutines (a
// loaded server's) on however many cores there are: the cache's locks must
// cost less than the stemming they save.
func BenchmarkStems(b *testing.B) {
	data, err := os.ReadFile("../../demo/eval/retrieval.jsonl")
	require.NoError(b, err)
	words := folds(string(data))
	for _, c := range []struct {
		name string
		an   *analyzer
	}{{"cached", newAnalyzer()}, {"uncached", nil}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetParallelism(max(1, 300/runtime.GOMAXPROCS(0)))
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					c.an.stems(words[i%len(words)])
					i++
				}
			})
		})
	}
}
