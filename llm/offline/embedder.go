// Package offline holds Faro's models that need no network and no set-up:
// the hashing embedder ([Embedder]), the default embedder of the knowledge
// base, and the offline language model (a deterministic engine that detects
// language and intent and answers extractively), which lives in this package
// too and is what the server falls back to when no provider is configured or
// the provider fails.
//
// Everything here is deterministic: the same input gives the same output on
// every machine and every run, so an index built on one machine can be
// searched on another and tests can compare exact results.
package offline

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/faroai/faro/store/fulltext"
)

// DefaultDimension is the size of the vectors [NewEmbedder] makes when no
// dimension is given: the size of the common small sentence-embedding models,
// so the same database columns and indexes fit either.
const DefaultDimension = 384

// Limits of EmbedderOptions.Dimension. Below 64 buckets, collisions drown
// the signal; above 4096 the vectors cost more than they help (and pgvector's
// HNSW index stops at 2000 dimensions for vector columns anyway).
const (
	MinDimension = 64
	MaxDimension = 4096
)

// EmbedderOptions configure an [Embedder]. The zero value is the default.
type EmbedderOptions struct {
	// Dimension is the length of the vectors; 0 means DefaultDimension.
	Dimension int
	// NoStems leaves Snowball stems out of the features: a little faster,
	// a little worse at matching inflections ("inscripción"/"inscribirme").
	NoStems bool
}

// Embedder turns text into fixed-size vectors by feature hashing: every
// word, word stem, pair of neighbouring words and character n-gram of the
// accent-folded text is hashed to one of Dimension buckets with a sign, its
// count is damped (1 + ln tf) and the vector is scaled to unit length.
// Texts that share words, stems or pieces of words ("certificado",
// "certificados", "certification") get close vectors; it knows no synonyms.
//
// It needs no network, model file or training, and is safe for concurrent
// use. It satisfies knowledge.Embedder and langchaingo's
// embeddings.Embedder.
//
// The features are part of the index: vectors of a changed feature set do
// not compare with old ones, so any change here must change [Embedder.Name].
type Embedder struct {
	dim   int
	stems bool
	stop  map[string]struct{} // read-only after NewEmbedder
	// scratch recycles the per-text buffers (feature list, n-gram buffer)
	// so embedding allocates only the result and the folded words.
	scratch sync.Pool
	// stemCache backs the scratches' own stem caches, which the pool
	// drops at every collection: a busy server collects several times a
	// second, and each fresh scratch stemmed its words again.
	stemCache *textCache[[2]string]
}

// NewEmbedder returns an Embedder with the given options.
func NewEmbedder(opts EmbedderOptions) (*Embedder, error) {
	dim := opts.Dimension
	if dim == 0 {
		dim = DefaultDimension
	}
	if dim < MinDimension || dim > MaxDimension {
		return nil, fmt.Errorf("offline embedder: dimension %d is not between %d and %d", dim, MinDimension, MaxDimension)
	}
	e := &Embedder{dim: dim, stems: !opts.NoStems, stop: map[string]struct{}{}, stemCache: newTextCache[[2]string](maxCachedStems, 0)}
	for _, w := range strings.Fields(stopWords) {
		e.stop[w] = struct{}{}
	}
	e.scratch.New = func() any { return new(scratch) }
	return e, nil
}

// Name identifies the embedder and the settings that shape its vectors, for
// the index record ("offline-hash-384"; "offline-hash-nostem-384" without
// stems).
func (e *Embedder) Name() string {
	if !e.stems {
		return fmt.Sprintf("offline-hash-nostem-%d", e.dim)
	}
	return fmt.Sprintf("offline-hash-%d", e.dim)
}

// VectorWeight is the share hybrid knowledge search gives these vectors
// next to BM25 full text (knowledge.VectorWeigher). Hashed n-grams are a
// noisier copy of the words full text matches, useful mostly for typos,
// inflections and related languages, so they get a small say: 0.2, chosen
// on half of SciFact's training claims (nDCG@10 0.721 against full text's
// 0.727 there, 0.661 against 0.661 on the other half) and raising the demo
// evaluation's hybrid nDCG@10 from full text's 0.781 to 0.799.
func (e *Embedder) VectorWeight() float64 { return 0.2 }

// Dimension is the length of the vectors.
func (e *Embedder) Dimension() int { return e.dim }

// parallelMin is the batch size from which EmbedDocuments spreads the work
// over the processors; below it, starting goroutines costs more than it saves.
const parallelMin = 32

// EmbedDocuments returns one unit vector per text, in order. Large batches
// are embedded on all processors. It fails only when ctx ends.
func (e *Embedder) EmbedDocuments(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	// One backing array for the whole batch: one allocation instead of one
	// per text.
	backing := make([]float32, len(texts)*e.dim)
	for i := range out {
		out[i] = backing[i*e.dim : (i+1)*e.dim : (i+1)*e.dim]
	}
	workers := min(runtime.GOMAXPROCS(0), (len(texts)+parallelMin-1)/parallelMin)
	if workers <= 1 {
		s := e.scratch.Get().(*scratch)
		defer e.scratch.Put(s)
		for i, t := range texts {
			if i%64 == 0 && ctx.Err() != nil {
				return nil, fmt.Errorf("offline embedder: %w", ctx.Err())
			}
			e.embed(s, t, out[i])
		}
		return out, nil
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			s := e.scratch.Get().(*scratch)
			defer e.scratch.Put(s)
			// Interleaved, so long and short texts spread evenly.
			for i := w; i < len(texts); i += workers {
				if ctx.Err() != nil {
					return
				}
				e.embed(s, texts[i], out[i])
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("offline embedder: %w", err)
	}
	return out, nil
}

// EmbedQuery returns the unit vector of one text. Queries and documents are
// embedded alike, so a query may be compared with documents directly.
func (e *Embedder) EmbedQuery(ctx context.Context, text string) ([]float32, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("offline embedder: %w", err)
	}
	v := make([]float32, e.dim)
	s := e.scratch.Get().(*scratch)
	e.embed(s, text, v)
	e.scratch.Put(s)
	return v, nil
}

// scratch holds the buffers of one embedding at a time.
type scratch struct {
	feats []uint64 // hashed features, kind in the top bits
	gram  []byte   // "<word>" for character n-grams
	marks []int    // byte offsets of the runes of gram, plus its end
	// stems remembers the Spanish and English stems of recent words:
	// Snowball is most of the cost of embedding and allocates, while the
	// words of a corpus repeat (Zipf), so most lookups hit.
	stems map[string][2]string
	// An open-addressing hash table counting the distinct features (faster
	// than sorting them): keys and counts by slot, and the slots in use in
	// order of first occurrence, which fixes the order of the sums.
	keys   []uint64
	counts []uint32
	used   []int32
}

// count fills the table with the features. Counts must be zero on entry
// (embed zeroes the used slots as it reads them).
func (s *scratch) count() {
	size := 1024
	for size < 2*len(s.feats) {
		size *= 2
	}
	if len(s.keys) < size {
		s.keys = make([]uint64, size)
		s.counts = make([]uint32, size)
	}
	mask := uint64(len(s.keys) - 1)
	s.used = s.used[:0]
	for _, h := range s.feats {
		i := h & mask
		for s.counts[i] != 0 && s.keys[i] != h {
			i = (i + 1) & mask
		}
		if s.counts[i] == 0 {
			s.keys[i] = h
			s.used = append(s.used, int32(i))
		}
		s.counts[i]++
	}
}

// stemCacheMax bounds the stem cache of one scratch (a few hundred KB).
const stemCacheMax = 8192

func (s *scratch) stem(shared *textCache[[2]string], w string) [2]string {
	if st, ok := s.stems[w]; ok {
		return st
	}
	if s.stems == nil || len(s.stems) >= stemCacheMax {
		// Start over rather than track recency: cheap, and the frequent
		// words come back at once.
		s.stems = make(map[string][2]string, stemCacheMax/4)
	}
	st, ok := shared.get(w)
	if !ok {
		st = [2]string{fulltext.Stem(w, "es"), fulltext.Stem(w, "en")}
		if len(w) <= maxStemmedLen {
			// Copies: the stems may be slices of w (see analyzer.stems).
			shared.put(w, [2]string{strings.Clone(st[0]), strings.Clone(st[1])})
		}
	}
	s.stems[w] = st
	return st
}

// Feature kinds, stored in the top kindBits bits of a feature's hash so
// that counting (which sorts the hashes) keeps the kinds apart and the
// weight can be read back from the hash.
const (
	kindWord = iota
	kindStem
	kindBigram
	kindChar
	kindEmpty

	kindBits  = 3
	kindShift = 64 - kindBits
	// signBit chooses the sign of a feature, from a hash bit that is neither
	// a kind bit nor used for the bucket (the bucket uses the low bits
	// through the modulo, which mixes all bits below kindShift).
	signBit = kindShift - 1
)

// kindWeight is how much one occurrence of each kind of feature counts.
// Whole words and stems carry the meaning; bigrams reward the same phrase;
// character n-grams are many per word (about 3 per letter) and only hint at
// a shared root or a typo, so each weighs less.
var kindWeight = [1 << kindBits]float32{
	kindWord:   1.0,
	kindStem:   1.0,
	kindBigram: 0.7,
	kindChar:   0.3,
	kindEmpty:  1.0,
}

// Character n-gram lengths, in runes, counting the boundary markers.
const (
	minGram = 3
	maxGram = 5
)

// embed writes the unit vector of text into v (len(v) == e.dim).
func (e *Embedder) embed(s *scratch, text string, v []float32) {
	clear(v)
	s.feats = s.feats[:0]
	prev := ""
	for _, w := range fulltext.Words(text) {
		if e.isStop(w) {
			// A stop word between two words does not break their bigram:
			// "curso de IA" and "curso IA" share "curso ia".
			continue
		}
		s.feats = append(s.feats, feature(kindWord, w, ""))
		if prev != "" {
			s.feats = append(s.feats, feature(kindBigram, prev, w))
		}
		prev = w
		if isNumber(w) {
			// Pieces of numbers ("202" of "2024" and "2025") match wrongly.
			continue
		}
		if e.stems {
			st := s.stem(e.stemCache, w)
			s.feats = append(s.feats, feature(kindStem, st[0], ""))
			if st[1] != st[0] {
				s.feats = append(s.feats, feature(kindStem, st[1], ""))
			}
		}
		s.appendGrams(w)
	}
	if len(s.feats) == 0 {
		// A text with no words still gets a unit vector: a zero vector has
		// no cosine similarity (pgvector answers NaN for it).
		s.feats = append(s.feats, feature(kindEmpty, "", ""))
	}
	s.count()
	for _, slot := range s.used {
		h := s.keys[slot]
		w := kindWeight[h>>kindShift] * (1 + float32(math.Log(float64(s.counts[slot]))))
		if h&(1<<signBit) != 0 {
			w = -w
		}
		v[(h&(1<<kindShift-1))%uint64(len(v))] += w
		s.counts[slot] = 0
	}
	normalize(v)
}

// appendGrams adds the character n-grams of "<w>" to the features.
func (s *scratch) appendGrams(w string) {
	s.gram = append(append(append(s.gram[:0], '<'), w...), '>')
	s.marks = s.marks[:0]
	for i := range string(s.gram) {
		s.marks = append(s.marks, i)
	}
	s.marks = append(s.marks, len(s.gram))
	runes := len(s.marks) - 1
	for n := minGram; n <= maxGram && n <= runes; n++ {
		for i := 0; i+n <= runes; i++ {
			s.feats = append(s.feats, featureBytes(kindChar, s.gram[s.marks[i]:s.marks[i+n]]))
		}
	}
}

// FNV-1a, 64 bits.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// feature hashes a word (or, with b, a pair of words) of kind k.
func feature(k uint64, a, b string) uint64 {
	h := uint64(fnvOffset)
	h ^= k
	h *= fnvPrime
	for i := 0; i < len(a); i++ {
		h ^= uint64(a[i])
		h *= fnvPrime
	}
	if b != "" {
		h ^= ' '
		h *= fnvPrime
		for i := 0; i < len(b); i++ {
			h ^= uint64(b[i])
			h *= fnvPrime
		}
	}
	return withKind(k, h)
}

func featureBytes(k uint64, p []byte) uint64 {
	h := uint64(fnvOffset)
	h ^= k
	h *= fnvPrime
	for _, c := range p {
		h ^= uint64(c)
		h *= fnvPrime
	}
	return withKind(k, h)
}

// withKind finishes the hash with MurmurHash3's 64-bit mixer, because
// FNV-1a leaves short inputs poorly spread over the bits that pick the
// bucket and the sign, then stores the kind in the top bits.
func withKind(k, h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h&(1<<kindShift-1) | k<<kindShift
}

func normalize(v []float32) {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	if sum == 0 {
		// Every feature cancelled out (possible, though unlikely, with
		// signed hashing); leave the zero vector rather than divide by 0.
		return
	}
	inv := float32(1 / math.Sqrt(sum))
	for i := range v {
		v[i] *= inv
	}
}

func isNumber(w string) bool {
	for _, r := range w {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// isStop reports whether w carries no meaning for matching: one letter, or a
// function word.
func (e *Embedder) isStop(w string) bool {
	if utf8.RuneCountInString(w) < 2 && !isNumber(w) {
		return true
	}
	_, ok := e.stop[w]
	return ok
}

// stopWords are folded function words of Spanish, English and Portuguese.
// The embedder keeps its own list rather than sharing the full-text one:
// the list shapes the vectors, so it may only change together with Name.
const stopWords = `
	a al algo algun alguna algunas alguno algunos ante antes aqui asi aun cada como con contra cual cuales cuando de del desde donde dos el ella ellas ello ellos en entre era eran es esa esas ese eso esos esta estan estas este esto estos fue fueron ha habia han hasta hay la las le les lo los mas me mi mis mucho muy nada ni no nos nosotros o os otra otro para pero poco por porque que quien se sea ser si sin sobre son su sus tambien te tiene tienen tu tus un una uno unos unas usted ustedes y ya yo quiero puedo hola gracias
	about an and are as at be been but by can could did do does for from had has have how i if in into is it its me my of on or our so than that the their them then there these they this to was we were what when where which who why will with would you your hello hi please thanks want
	ao aos as com da das do dos ela ele eles em essa esse esta este eu isso mais mas na nas nao no nos num numa os ou pela pelo por pra qual quando se sem seu sua tem um uma voce voces obrigado ola
`
