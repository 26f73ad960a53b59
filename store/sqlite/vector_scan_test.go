package sqlite

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
)

// randomSnapshot builds a snapshot of n unit vectors over a few documents
// and languages, without a database.
func randomSnapshot(rng *rand.Rand, n, dim int) *vectorSnapshot {
	s := &vectorSnapshot{
		dim:        dim,
		docSources: []string{"cursos/a.md", "cursos/b.md", "faq/c.md"},
		docTags:    [][]string{{"curso", "ia"}, {"curso"}, {"faq"}},
		languages:  []string{"es", "en"},
	}
	for i := range n {
		v := make([]float32, dim)
		for j := range v {
			v[j] = float32(rng.NormFloat64())
		}
		normalize(v)
		s.vecs = append(s.vecs, v...)
		s.pks = append(s.pks, int64(i+1))
		s.docs = append(s.docs, int32(rng.IntN(len(s.docSources))))
		s.langs = append(s.langs, int32(rng.IntN(len(s.languages))))
	}
	return s
}

// bruteForce is the obvious answer nearest must give.
func bruteForce(s *vectorSnapshot, q []float32, k int, rf rowFilter) []scored {
	var all []scored
	for i := range s.rows() {
		if rf.lang >= 0 && s.langs[i] != rf.lang || rf.docOK != nil && !rf.docOK[s.docs[i]] {
			continue
		}
		all = append(all, scored{score: dot(q, s.vecs[i*s.dim:(i+1)*s.dim]), row: int32(i)})
	}
	slices.SortFunc(all, func(a, b scored) int {
		if better(a, b) {
			return -1
		}
		return 1
	})
	return all[:min(k, len(all))]
}

func TestNearestIsExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	// Above minRowsPerWorker times two, so the parallel path runs.
	s := randomSnapshot(rng, 3*minRowsPerWorker+17, 24)
	filters := []store.SearchFilter{
		{},
		{Language: "en"},
		{SourcePrefix: "cursos/"},
		{Tags: []string{"curso", "ia"}},
		{Language: "es", Tags: []string{"faq"}},
	}
	for _, f := range filters {
		rf, ok := s.resolveFilter(f)
		require.True(t, ok, "filter %+v", f)
		for _, k := range []int{1, 7, 100} {
			q := s.vecs[:s.dim] // a stored vector: it must come first
			if f.Language != "" || f.SourcePrefix != "" || len(f.Tags) > 0 {
				q = make([]float32, s.dim)
				for j := range q {
					q[j] = float32(rng.NormFloat64())
				}
				normalize(q)
			}
			got := s.nearest(q, k, rf)
			require.Equal(t, bruteForce(s, q, k, rf), got, "filter %+v, k %d", f, k)
		}
	}
	_, ok := s.resolveFilter(store.SearchFilter{Language: "pt"})
	require.False(t, ok, "no chunk is in pt")
	_, ok = s.resolveFilter(store.SearchFilter{Tags: []string{"faq", "curso"}})
	require.False(t, ok, "no document has both tags")
}

func TestNearestTiesGoToEarlierRows(t *testing.T) {
	s := &vectorSnapshot{dim: 2, docSources: []string{"a"}, docTags: [][]string{nil}, languages: []string{""}}
	for i := range 10 {
		s.vecs = append(s.vecs, 1, 0)
		s.pks = append(s.pks, int64(i))
		s.docs = append(s.docs, 0)
		s.langs = append(s.langs, 0)
	}
	got := s.nearest([]float32{1, 0}, 3, rowFilter{lang: -1})
	require.Equal(t, []scored{{1, 0}, {1, 1}, {1, 2}}, got)
}

func TestScanAllocatesNothing(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	s := randomSnapshot(rng, 2000, 32)
	h := newTopK(10)
	q := s.vecs[:s.dim]
	allocs := testing.AllocsPerRun(10, func() {
		h.items = h.items[:0]
		s.scan(q, 0, s.rows(), rowFilter{lang: -1}, h)
	})
	require.Zero(t, allocs)
}
