// Package knowledge is Faro's retrieval-augmented memory: it loads course
// material and business documents, splits them into passages, embeds them,
// and finds the passages that answer a question — by meaning (vectors) and by
// words (full text), fused — each with a citation a reader can open.
package knowledge

import (
	"context"
	"log/slog"

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
}

// New returns a Base over st that embeds with e; name identifies e and its
// settings (for example "offline-hash-384" or "openai:text-embedding-3-small").
func New(st store.Knowledge, e Embedder, name string, log *slog.Logger) *Base {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Base{store: st, embedder: e, embedderName: name, log: log}
}
