// Package knowledge is Faro's retrieval-augmented memory: it loads course
// material and business documents, splits them into passages, embeds them,
// and finds the passages that answer a question — by meaning (vectors) and by
// words (full text), fused — each with a citation a reader can open.
package knowledge

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"

	"github.com/faroai/faro/store"
)

// Embedder turns text into vectors. langchaingo's embeddings.Embedder
// satisfies it, and so does the offline hashing embedder in llm/offline.
type Embedder interface {
	EmbedDocuments(ctx context.Context, texts []string) ([][]float32, error)
	EmbedQuery(ctx context.Context, text string) ([]float32, error)
}

// Base is a knowledge base: a store of documents and chunks and the embedder
// that indexes them.
type Base struct {
	store    store.Knowledge
	embedder Embedder
	// embedderName identifies the embedder and its settings in the index
	// (store.IndexInfo.Embedder), so a switch of embedder is detected.
	embedderName string
	log          *slog.Logger
	// cache remembers recent searches; nil when off (see CacheSearches).
	cache *searchCache
	// vectorWeight is the vector side's share in hybrid fusion, in [0, 1]
	// (see SetVectorWeight).
	vectorWeight float64
	// weightSet says vectorWeight was set (SetVectorWeight): it is used as
	// it is, not scaled by the measured agreement (see VectorAgreement).
	weightSet bool
	// agree is the last measurement of the vectors against full text, and
	// generation counts the knowledge's changes that void it.
	agree      agreeState
	generation atomic.Uint64
	// onChange is told of every write (see OnChange); nil when unset.
	onChange func()
}

// VectorWeigher is an embedder that says how much its similarities are
// worth next to full text: the weight, in [0, 1], that hybrid search gives
// the vector side by default (see Base.SetVectorWeight). An embedder that
// does not implement it gets DefaultVectorWeight.
type VectorWeigher interface {
	VectorWeight() float64
}

// New returns a Base over st that embeds with e; name identifies e and its
// settings (for example "offline-hash-384" or "openai:text-embedding-3-small").
func New(st store.Knowledge, e Embedder, name string, log *slog.Logger) *Base {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	w := DefaultVectorWeight
	if vw, ok := e.(VectorWeigher); ok {
		if x := vw.VectorWeight(); x >= 0 && x <= 1 {
			w = x
		}
	}
	return &Base{store: st, embedder: e, embedderName: name, log: log, vectorWeight: w}
}

// SetVectorWeight sets the vector side's share w in hybrid search: a
// passage scores w·v + (1−w)·t, v and t its vector and full-text scores
// each divided by the best of its list. 0 ranks by full text (passages
// only the vectors found follow, at the text list's lowest score), 1 by
// vectors. The default is the embedder's own (VectorWeigher), else
// DefaultVectorWeight; measure another with `faro eval retrieval
// --vector-weight`. A w outside [0, 1] is an error. Call it before b is
// shared.
func (b *Base) SetVectorWeight(w float64) error {
	if !(w >= 0 && w <= 1) {
		return fmt.Errorf("vector weight %g is not between 0 and 1", w)
	}
	b.vectorWeight, b.weightSet = w, true
	return nil
}

// VectorWeight is the vector side's share in hybrid search.
func (b *Base) VectorWeight() float64 { return b.vectorWeight }
