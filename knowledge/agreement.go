package knowledge

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/faroai/faro/store"
)

// How hybrid search weighs the vectors by what they are worth on the
// knowledge base at hand. An embedder is good on one collection and noise
// on another: the offline hashing embedder helps on a business's FAQ,
// where people mistype and the documents are short, and only disorders
// full text's ranking of five thousand scientific abstracts. Whether its
// neighbourhoods mean anything there shows without any labelled question:
// a passage's own words, searched both ways, find other passages, and an
// embedder whose neighbours full text hardly ever finds too ranks by
// something other than what the passages say. So, for a sample of
// passages, a query made of the middle of one of its sentences is
// searched both ways, and the share of full text's other candidates the
// vectors also find (the agreement) scales the vector side's share: none
// below agreeLow, all of it from agreeHigh.
//
// The two bounds were set on the development collections, the first half
// of the SciFact train queries (agreement about 0.2, where every vector
// share tried ranked below full text alone) and the demo knowledge base
// (about 0.43, where a share of 0.2 ranks above both sides).
const (
	agreeLow  = 0.3
	agreeHigh = 0.45
	// agreeSamples is how many passages the agreement is measured on,
	// agreeDepth how many candidates of each side it compares.
	agreeSamples = 100
	agreeDepth   = 10
	// pseudoQueryWords bounds a sample's query: about a question's length,
	// and full text's cost grows with its words.
	pseudoQueryWords = 8
	// agreeMinChunks is the smallest knowledge base measured. Smaller ones
	// keep the embedder's own weight, which is what it was set on (the
	// offline embedder's 0.2 on the demo's 380 passages), and where a
	// search costs so little that measuring would cost more than the
	// searches it refines: a hundred searches each way, about 30 ms on the
	// embedded store, after every change.
	agreeMinChunks = 1000
	// agreeTTL bounds how long a measurement stands when the knowledge
	// changes elsewhere (`faro ingest` from another process) unseen.
	agreeTTL = 10 * time.Minute
	// agreeRetry is how long after a failed measurement (the embedding
	// provider down) searches go on unscaled before it is tried again:
	// not once a search.
	agreeRetry = time.Minute
)

// errAgreeLater is a measurement not tried again yet after a failure.
var errAgreeLater = errors.New("the last measurement failed less than a minute ago")

// Agreement is a measurement of the vectors against full text on the
// knowledge base.
type Agreement struct {
	// Share is the agreement, from 0 to 1; Samples how many passages it
	// was measured on (0: the knowledge base is too small to measure).
	Share   float64 `json:"share"`
	Samples int     `json:"samples"`
	// Scale is what the vector side's share is multiplied by.
	Scale float64 `json:"scale"`
}

// agreeState holds the last measurement and when it was made, or when
// the last one failed.
type agreeState struct {
	mu       sync.Mutex
	gen      uint64
	at       time.Time
	a        Agreement
	ok       bool
	failedAt time.Time
}

// VectorAgreement measures (or recalls, while the knowledge is unchanged)
// how far the vectors agree with full text on this knowledge base, and the
// scale it gives the vector side's share in hybrid search. A weight set
// with SetVectorWeight is used as it is, unscaled.
func (b *Base) VectorAgreement(ctx context.Context) (Agreement, error) {
	s := &b.agree
	s.mu.Lock()
	defer s.mu.Unlock()
	gen := b.generation.Load()
	if s.ok && s.gen == gen && time.Since(s.at) < agreeTTL {
		return s.a, nil
	}
	if time.Since(s.failedAt) < agreeRetry {
		return Agreement{}, errAgreeLater
	}
	a, err := b.measureAgreement(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.failedAt = time.Now()
		}
		return Agreement{}, err
	}
	if b.generation.Load() == gen {
		s.a, s.gen, s.at, s.ok = a, gen, time.Now(), true
	}
	return a, nil
}

// HybridWeight is the vector side's share in a hybrid search now: the
// weight set with SetVectorWeight as it is, else the embedder's scaled by
// its measured agreement with full text, which it returns too (nil when
// the weight was set). A failed measurement leaves the weight unscaled: it
// refines the search, it is no condition of it.
func (b *Base) HybridWeight(ctx context.Context) (float64, *Agreement) {
	if b.weightSet || b.vectorWeight == 0 {
		return b.vectorWeight, nil
	}
	a, err := b.VectorAgreement(ctx)
	if err != nil {
		if !errors.Is(err, errAgreeLater) {
			b.log.WarnContext(ctx, "measure the vectors' agreement with full text", "err", err)
		}
		return b.vectorWeight, nil
	}
	return b.vectorWeight * a.Scale, &a
}

func (b *Base) measureAgreement(ctx context.Context) (Agreement, error) {
	unscaled := Agreement{Scale: 1}
	info, err := b.store.KnowledgeIndex(ctx)
	if err != nil {
		return unscaled, fmt.Errorf("read the knowledge index: %w", err)
	}
	if info.Dimension == 0 || info.Embedder != "" && info.Embedder != b.embedderName {
		// Nothing embedded, or by another embedder: the search itself
		// says so (errMismatch).
		return unscaled, nil
	}
	var docs []store.Document
	total := 0
	const page = 1000
	for offset := 0; ; offset += page {
		batch, err := b.store.ListDocuments(ctx, offset, page)
		if err != nil {
			return unscaled, fmt.Errorf("list documents: %w", err)
		}
		for _, d := range batch {
			total += d.Chunks
		}
		docs = append(docs, batch...)
		if len(batch) < page {
			break
		}
	}
	if total < agreeMinChunks {
		return unscaled, nil
	}
	// Every step-th passage of the collection, in the order of the
	// documents' sources: the same sample for the same knowledge.
	step := total / agreeSamples
	var samples []store.Chunk
	var queries []string
	next, seen := 0, 0
	for _, d := range docs {
		if len(samples) == agreeSamples {
			break
		}
		if seen+d.Chunks <= next {
			seen += d.Chunks
			continue
		}
		chunks, err := b.store.Chunks(ctx, d.ID)
		if err != nil {
			return unscaled, fmt.Errorf("chunks of %s: %w", d.Source, err)
		}
		for ; next < seen+len(chunks) && len(samples) < agreeSamples; next += step {
			if q := pseudoQuery(chunks[next-seen].Text); q != "" {
				samples, queries = append(samples, chunks[next-seen]), append(queries, q)
			}
		}
		seen += len(chunks)
	}
	if len(samples) == 0 {
		return unscaled, nil
	}
	// One call for all the queries: a provider's embedder answers a batch
	// as fast as one text.
	vs, err := b.embedder.EmbedDocuments(ctx, queries)
	if err != nil {
		return unscaled, &embedError{b.embedderName, err}
	}
	if len(vs) != len(queries) {
		return unscaled, fmt.Errorf("embed the measurement's queries: %d vectors for %d texts", len(vs), len(queries))
	}
	var sum float64
	var got int
	for i, c := range samples {
		share, ok, err := b.agreeOn(ctx, c, queries[i], vs[i], info.Dimension)
		if err != nil {
			return unscaled, err
		}
		if ok {
			sum += share
			got++
		}
	}
	if got == 0 {
		return unscaled, nil
	}
	a := Agreement{Share: sum / float64(got), Samples: got}
	a.Scale = min(1, max(0, (a.Share-agreeLow)/(agreeHigh-agreeLow)))
	return a, nil
}

// agreeOn searches query q, made of passage c's words and embedded as v,
// both ways and returns the share of full text's other candidates the
// vectors find too; false when v cannot be searched or full text finds
// nothing else.
func (b *Base) agreeOn(ctx context.Context, c store.Chunk, q string, v []float32, dim int) (float64, bool, error) {
	if len(v) != dim || !hasDirection(v) {
		return 0, false, nil
	}
	vh, err := b.store.SearchVector(ctx, store.VectorQuery{Embedding: v, K: agreeDepth + 1})
	if err != nil {
		return 0, false, fmt.Errorf("vector search: %w", err)
	}
	th, err := b.store.SearchText(ctx, store.TextQuery{Text: q, Language: c.Language, K: agreeDepth + 1})
	if err != nil {
		return 0, false, fmt.Errorf("full text: %w", err)
	}
	others := func(hs []store.Hit) []string {
		var ids []string
		for _, h := range hs {
			if h.Chunk.ID != c.ID && len(ids) < agreeDepth {
				ids = append(ids, h.Chunk.ID)
			}
		}
		return ids
	}
	vids, t := others(vh), others(th)
	if len(t) == 0 {
		return 0, false, nil
	}
	both := 0
	for _, id := range t {
		if slices.Contains(vids, id) {
			both++
		}
	}
	return float64(both) / float64(len(t)), true, nil
}

// pseudoQuery is the middle half of the longest sentence of text, at most
// pseudoQueryWords of it, as a question a reader of the passage might ask
// in its words; "" when no sentence has eight words.
func pseudoQuery(text string) string {
	var best []string
	for _, s := range strings.FieldsFunc(text, func(r rune) bool { return r == '.' || r == '\n' || r == '?' || r == '!' }) {
		if ws := strings.Fields(s); len(ws) > len(best) {
			best = ws
		}
	}
	if len(best) < 8 {
		return ""
	}
	n := min(len(best)/2, pseudoQueryWords)
	from := (len(best) - n) / 2
	return strings.Join(best[from:from+n], " ")
}
