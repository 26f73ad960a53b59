package sqlite

import (
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/faroai/faro/store"
)

// minRowsPerWorker keeps small indexes on one goroutine, where starting
// more would cost more than it saves.
const minRowsPerWorker = 4096

// rowFilter is a SearchFilter resolved against one snapshot, cheap to test
// per row.
type rowFilter struct {
	lang  int32  // the only language index allowed, or -1 for any
	docOK []bool // per document index, or nil for any
}

// resolveFilter returns the rowFilter for f, or ok=false when no row can
// pass.
func (s *vectorSnapshot) resolveFilter(f store.SearchFilter) (rf rowFilter, ok bool) {
	rf.lang = -1
	if f.Language != "" {
		i := slices.Index(s.languages, f.Language)
		if i < 0 {
			return rf, false
		}
		rf.lang = int32(i)
	}
	if f.SourcePrefix == "" && len(f.Tags) == 0 {
		return rf, true
	}
	rf.docOK = make([]bool, len(s.docSources))
	passing := false
	for i, src := range s.docSources {
		ok := strings.HasPrefix(src, f.SourcePrefix)
		for _, t := range f.Tags {
			ok = ok && slices.Contains(s.docTags[i], t)
		}
		rf.docOK[i] = ok
		passing = passing || ok
	}
	return rf, passing
}

// scored is one candidate: its similarity and its row in the snapshot.
type scored struct {
	score float32
	row   int32
}

// better orders candidates best first; equal scores go to the earlier row,
// so results are deterministic.
func better(a, b scored) bool {
	return a.score > b.score || (a.score == b.score && a.row < b.row)
}

// topK keeps the k best candidates seen in a min-heap whose root is the
// worst kept, in an array allocated once.
type topK struct {
	items []scored
	k     int
}

func newTopK(k int) *topK { return &topK{items: make([]scored, 0, k), k: k} }

// offer considers c, keeping it if it is among the k best so far.
func (h *topK) offer(c scored) {
	if len(h.items) < h.k {
		h.items = append(h.items, c)
		h.up(len(h.items) - 1)
		return
	}
	if !better(c, h.items[0]) {
		return
	}
	h.items[0] = c
	h.down(0)
}

func (h *topK) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !better(h.items[p], h.items[i]) {
			break
		}
		h.items[p], h.items[i] = h.items[i], h.items[p]
		i = p
	}
}

func (h *topK) down(i int) {
	n := len(h.items)
	for {
		worst := i
		l, r := 2*i+1, 2*i+2
		if l < n && better(h.items[worst], h.items[l]) {
			worst = l
		}
		if r < n && better(h.items[worst], h.items[r]) {
			worst = r
		}
		if worst == i {
			return
		}
		h.items[i], h.items[worst] = h.items[worst], h.items[i]
		i = worst
	}
}

// nearest returns the k rows most similar to q (unit length, s.dim values)
// that pass rf, best first. It scans every row: the result is exact.
func (s *vectorSnapshot) nearest(q []float32, k int, rf rowFilter) []scored {
	n := s.rows()
	k = min(k, n)
	if k == 0 {
		return nil
	}
	workers := max(1, min(runtime.GOMAXPROCS(0), n/minRowsPerWorker))
	heaps := make([]*topK, workers)
	var wg sync.WaitGroup
	for w := range workers {
		heaps[w] = newTopK(k)
		lo, hi := w*n/workers, (w+1)*n/workers
		wg.Go(func() { s.scan(q, lo, hi, rf, heaps[w]) })
	}
	wg.Wait()
	all := make([]scored, 0, workers*k)
	for _, h := range heaps {
		all = append(all, h.items...)
	}
	// Rows are distinct, so better is a strict total order.
	slices.SortFunc(all, func(a, b scored) int {
		if better(a, b) {
			return -1
		}
		return 1
	})
	return all[:min(k, len(all))]
}

// scan offers rows [lo, hi) that pass rf to h. It allocates nothing.
func (s *vectorSnapshot) scan(q []float32, lo, hi int, rf rowFilter, h *topK) {
	dim := s.dim
	for i := lo; i < hi; i++ {
		if rf.lang >= 0 && s.langs[i] != rf.lang {
			continue
		}
		if rf.docOK != nil && !rf.docOK[s.docs[i]] {
			continue
		}
		score := dot(q, s.vecs[i*dim:(i+1)*dim])
		// Most rows lose to the current worst; skip the call for them.
		if len(h.items) == h.k && score < h.items[0].score {
			continue
		}
		h.offer(scored{score: score, row: int32(i)})
	}
}
