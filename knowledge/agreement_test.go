package knowledge

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
)

// topicWords are the vocabularies of the agreement tests' documents: a
// document speaks of one topic, so its neighbours by words are the other
// documents of that topic.
var topicWords = [][]string{
	{"invoice", "payment", "card", "refund", "billing", "receipt", "charge", "bank"},
	{"password", "login", "account", "reset", "email", "link", "browser", "session"},
	{"course", "lesson", "teacher", "homework", "exam", "certificate", "module", "cohort"},
	{"campaign", "contacts", "newsletter", "audience", "segment", "automation", "template", "sender"},
	{"garden", "tomato", "soil", "water", "seed", "harvest", "compost", "sunlight"},
	{"engine", "brake", "tyre", "mechanic", "oil", "gearbox", "battery", "exhaust"},
}

// fillTopics stores docs documents of topic words, one passage each,
// embedded by e.
func fillTopics(t *testing.T, st store.Knowledge, e Embedder, name string, dim, docs int) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, st.SetKnowledgeIndex(ctx, store.IndexInfo{Embedder: name, Dimension: dim}))
	rng := rand.New(rand.NewPCG(7, 11))
	for i := range docs {
		words := topicWords[i%len(topicWords)]
		var sentences []string
		for range 3 {
			var s []string
			for range 10 {
				s = append(s, words[rng.IntN(len(words))])
			}
			sentences = append(sentences, strings.Join(s, " "))
		}
		text := strings.Join(sentences, ". ") + "."
		vs, err := e.EmbedDocuments(ctx, []string{text})
		require.NoError(t, err)
		_, err = st.PutDocument(ctx, store.Document{Source: fmt.Sprintf("doc-%03d.md", i), Title: fmt.Sprintf("Doc %d", i), Language: "en", ContentHash: fmt.Sprint(i)},
			[]store.Chunk{{Text: text, Embedding: vs[0]}})
		require.NoError(t, err)
	}
}

// noiseEmbedder gives every text a direction drawn from its hash: an
// embedder whose neighbours have nothing to do with what texts say.
type noiseEmbedder struct{ dim int }

func (n noiseEmbedder) EmbedDocuments(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i], _ = n.EmbedQuery(ctx, t)
	}
	return out, nil
}

func (n noiseEmbedder) EmbedQuery(_ context.Context, text string) ([]float32, error) {
	h := fnv.New64a()
	_, _ = h.Write([]byte(text))
	rng := rand.New(rand.NewPCG(h.Sum64(), 1))
	v := make([]float32, n.dim)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return v, nil
}

// Hybrid search gives the vectors the share they earn on the knowledge
// base at hand: an embedder whose neighbours full text also finds keeps
// its weight; one whose neighbours are noise there gets none, and hybrid
// ranks as full text does; a weight set by hand is used as it is.
func TestHybridWeightFollowsAgreement(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("an embedder that agrees keeps its weight", func(t *testing.T) {
		t.Parallel()
		e := newOffline(t, 0)
		st := openSQLite(t)
		fillTopics(t, st, e, e.Name(), e.Dimension(), agreeMinChunks)
		b := New(st, e, e.Name(), nil)
		w, a := b.HybridWeight(ctx)
		require.NotNil(t, a)
		require.Equal(t, agreeSamples, a.Samples)
		require.GreaterOrEqual(t, a.Share, agreeHigh, "documents of one topic are neighbours both ways")
		require.InDelta(t, 0.2, w, 1e-9, "the offline embedder's own weight, whole")
	})

	t.Run("an embedder that is noise gets none", func(t *testing.T) {
		t.Parallel()
		b := noiseBase(t, openSQLite(t), agreeMinChunks)
		w, a := b.HybridWeight(ctx)
		require.NotNil(t, a)
		require.Less(t, a.Share, agreeLow)
		require.InDelta(t, 0.0, w, 0, "%+v", a)
		q := Query{Text: "refund of a card payment", K: 10}
		q.Mode = ModeText
		text, err := b.Search(ctx, q)
		require.NoError(t, err)
		q.Mode = ModeHybrid
		hybrid, err := b.Search(ctx, q)
		require.NoError(t, err)
		require.Equal(t, fusedIDs(text), fusedIDs(hybrid), "hybrid ranks as full text")

		require.NoError(t, b.SetVectorWeight(0.3))
		w, a = b.HybridWeight(ctx)
		require.Nil(t, a, "a weight set by hand is not measured")
		require.InDelta(t, 0.3, w, 0)
	})

	t.Run("too small a knowledge base to measure keeps the weight", func(t *testing.T) {
		t.Parallel()
		b := noiseBase(t, openSQLite(t), agreeMinChunks-1)
		w, a := b.HybridWeight(ctx)
		require.NotNil(t, a)
		require.Zero(t, a.Samples)
		require.InDelta(t, DefaultVectorWeight, w, 0)
	})

	t.Run("a change of the knowledge is measured again", func(t *testing.T) {
		t.Parallel()
		b := noiseBase(t, openSQLite(t), agreeMinChunks-1)
		_, a := b.HybridWeight(ctx)
		require.Zero(t, a.Samples)
		_, err := b.IngestData(ctx, "more.md", []byte("# More\n\nThe garden needs water, compost and sunlight before the harvest of tomato seed."), IngestOptions{})
		require.NoError(t, err)
		_, a = b.HybridWeight(ctx)
		require.Equal(t, agreeSamples, a.Samples, "the knowledge grew past the smallest measured")
	})
}

// TestHybridWeightPostgres measures the agreement on PostgreSQL too
// (pgvector and its full text): the noise embedder gets no share there
// either. It needs FARO_TEST_DATABASE_URL or PGlite, as TestSearchPostgres.
func TestHybridWeightPostgres(t *testing.T) {
	b := noiseBase(t, openPostgres(t), agreeMinChunks)
	w, a := b.HybridWeight(context.Background())
	require.NotNil(t, a)
	require.Equal(t, agreeSamples, a.Samples)
	require.Less(t, a.Share, agreeLow)
	require.InDelta(t, 0.0, w, 0)
}

// noiseBase is a Base over st holding docs topic documents, embedded by
// the noise embedder.
func noiseBase(t *testing.T, st store.Knowledge, docs int) *Base {
	t.Helper()
	e := noiseEmbedder{dim: 64}
	fillTopics(t, st, e, "noise-64", 64, docs)
	return New(st, e, "noise-64", nil)
}

// downEmbedder stands for an embedding provider that cannot be reached,
// counting the batches it was asked for.
type downEmbedder struct{ batches *atomic.Int32 }

func (d downEmbedder) EmbedDocuments(context.Context, []string) ([][]float32, error) {
	d.batches.Add(1)
	return nil, errors.New("provider unreachable")
}

func (downEmbedder) EmbedQuery(context.Context, string) ([]float32, error) {
	return nil, errors.New("provider unreachable")
}

// A measurement that fails (the provider is down) leaves the weight as it
// is and the searches answering from full text, and is not tried again on
// every search.
func TestHybridWeightWhenTheEmbedderIsDown(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := openSQLite(t)
	fillTopics(t, st, noiseEmbedder{dim: 64}, "provider-64", 64, agreeMinChunks)
	var batches atomic.Int32
	b := New(st, downEmbedder{&batches}, "provider-64", nil)
	for range 3 {
		w, a := b.HybridWeight(ctx)
		require.Nil(t, a)
		require.InDelta(t, DefaultVectorWeight, w, 0)
		res, err := b.Search(ctx, Query{Text: "garden soil and compost", K: 3})
		require.NoError(t, err, "full text answers without the vectors")
		require.NotEmpty(t, res)
	}
	require.Equal(t, int32(1), batches.Load(), "one attempt, not one a search")
}
