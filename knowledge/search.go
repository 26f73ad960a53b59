package knowledge

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/fulltext"
)

// ErrEmbedderMismatch is returned by Search when the stored vectors were
// made by another embedder (or with another dimension) than the Base's:
// such vectors cannot be compared. The operator runs `faro ingest --reembed`.
var ErrEmbedderMismatch = errors.New("knowledge index built by another embedder")

// Mode is how Search finds passages.
type Mode string

// The search modes. Hybrid is the default; the single methods exist so the
// evaluation can compare them.
const (
	ModeHybrid Mode = "hybrid" // vectors and full text, fused
	ModeVector Mode = "vector" // nearest neighbours of the query's embedding
	ModeText   Mode = "text"   // full-text search
)

// Modes lists the modes in the order reports show them.
func Modes() []Mode { return []Mode{ModeVector, ModeText, ModeHybrid} }

// Search defaults.
const (
	// DefaultK is how many results a Query without K asks for.
	DefaultK = 5
	// DefaultVectorWeight is the share of the vector side in hybrid
	// fusion for an embedder that does not declare its own (see
	// VectorWeigher): with both sides' scores normalised, an even split,
	// for the embedding models of providers, which rank about as well as
	// full text or better.
	DefaultVectorWeight = 0.5
	// minCandidates is the least number of passages taken from each
	// method before fusion: a passage ranked 30th by one method and 3rd by
	// the other must be seen by both to be fused well.
	minCandidates = 50
	// maxQuoteRunes is the longest Citation.Quote, in runes.
	maxQuoteRunes = 240
)

// Query is a knowledge search.
type Query struct {
	// Text is the question, as the user wrote it.
	Text string
	// Language of the question (es, en, pt) if known: full-text search then
	// stems its words in that language only. "" stems in every language
	// (or in Filter.Language, when that is set).
	Language string
	// K is the number of results; 0 means DefaultK.
	K int
	// Filter narrows the passages searched (language, source, tags).
	Filter store.SearchFilter
	// Mode is hybrid ("" too), vector or text.
	Mode Mode
	// Candidates is how many passages each method contributes before
	// fusion; 0 means the larger of 3×K and 50. It is at least K.
	Candidates int
}

// Result is one passage found.
type Result struct {
	Chunk store.Chunk `json:"chunk"`
	// Score is the fused score, w·vector + (1−w)·text, each side's score
	// divided by the best of its list (see Base.SetVectorWeight), from 0 to
	// 1; higher is better, comparable within one search.
	Score float64 `json:"score"`
	// VectorRank and TextRank are the passage's 1-based rank in each
	// method's list, 0 when that method did not return it.
	VectorRank int `json:"vector_rank,omitempty"`
	TextRank   int `json:"text_rank,omitempty"`
	// VectorScore is the cosine similarity; TextScore the full-text
	// relevance (only comparable within one search). 0 when not found.
	VectorScore float64  `json:"vector_score,omitempty"`
	TextScore   float64  `json:"text_score,omitempty"`
	Citation    Citation `json:"citation"`
}

// Citation says where a passage comes from, so a reader can open it.
type Citation struct {
	Source  string `json:"source"`            // the document's source id: relative path or URL
	Title   string `json:"title"`             // the document's title
	Heading string `json:"heading,omitempty"` // heading path within it, "Precios > Descuentos"
	// Link opens the passage: the chunk's link (file path + anchor, or
	// URL), else the document's URL.
	Link string `json:"link,omitempty"`
	// Quote is a short excerpt of the passage: the sentence that best
	// matches the question, cut at a word boundary.
	Quote string `json:"quote"`
}

// String formats the citation for a reply or a log: title, heading, link.
func (c Citation) String() string {
	var b strings.Builder
	b.WriteString(cmp.Or(c.Title, c.Source))
	if c.Heading != "" {
		b.WriteString(" › ")
		b.WriteString(c.Heading)
	}
	if l := cmp.Or(c.Link, c.Source); l != "" {
		b.WriteString(" (")
		b.WriteString(l)
		b.WriteString(")")
	}
	return b.String()
}

// Search finds the K passages that best answer q, best first. In hybrid
// mode the vector and full-text searches run concurrently and their lists
// are fused by a weighted sum of their normalised scores (see fuse). It returns ErrEmbedderMismatch
// (wrapped) when vectors are needed and the index was built by another
// embedder, and store.ErrInvalid for an empty question or an unknown mode.
// When the embedder fails (a provider that is down), a hybrid search logs a
// warning and answers from the full text alone. A knowledge base with
// nothing in it gives no results and no error.
func (b *Base) Search(ctx context.Context, q Query) ([]Result, error) {
	start := time.Now()
	if strings.TrimSpace(q.Text) == "" {
		return nil, fmt.Errorf("search: %w: empty question", store.ErrInvalid)
	}
	mode := cmp.Or(q.Mode, ModeHybrid)
	if mode != ModeHybrid && mode != ModeVector && mode != ModeText {
		return nil, fmt.Errorf("search: %w: mode %q is not hybrid, vector or text", store.ErrInvalid, q.Mode)
	}
	k := q.K
	if k <= 0 {
		k = DefaultK
	}
	n := q.Candidates
	if n <= 0 {
		n = max(3*k, minCandidates)
	}
	n = max(n, k)
	w := b.vectorWeight
	if mode == ModeHybrid {
		w, _ = b.HybridWeight(ctx)
	}
	var cacheKeyed string
	var gen uint64
	if b.cache != nil {
		cacheKeyed = cacheKey(q, mode, k, n, w)
		var hit bool
		var res []Result
		if res, gen, hit = b.cache.lookup(cacheKeyed); hit {
			return res, nil
		}
	}

	type listResult struct {
		hits []store.Hit
		err  error
	}
	var textHits []store.Hit
	var textDone chan listResult
	if mode != ModeVector {
		textDone = make(chan listResult, 1)
		go func() {
			hits, err := b.store.SearchText(ctx, store.TextQuery{
				Text:     q.Text,
				Language: cmp.Or(q.Language, q.Filter.Language),
				K:        n,
				Filter:   q.Filter,
			})
			textDone <- listResult{hits, err}
		}()
	}
	var vectorHits []store.Hit
	var vectorErr error
	if mode != ModeText {
		vectorHits, vectorErr = b.searchVector(ctx, q.Text, n, q.Filter)
	}
	if textDone != nil {
		r := <-textDone
		if r.err != nil {
			return nil, fmt.Errorf("search: full text: %w", r.err)
		}
		textHits = r.hits
	}
	if vectorErr != nil {
		var ee *embedError
		if mode == ModeVector || !errors.As(vectorErr, &ee) || ctx.Err() != nil {
			return nil, fmt.Errorf("search: %w", vectorErr)
		}
		// The embedding provider failed (down, rate-limited…): answer from
		// the full text alone rather than not at all (and not remembered:
		// the next search tries the provider again).
		b.log.WarnContext(ctx, "knowledge search without vectors", "err", vectorErr)
	}

	results := fuse(vectorHits, textHits, w)
	if len(results) > k {
		results = results[:k]
	}
	terms := fulltext.QueryTerms(q.Text, cmp.Or(q.Language, q.Filter.Language))
	for i := range results {
		results[i].Citation.Quote = pickQuote(results[i].Chunk.Text, terms, maxQuoteRunes)
	}
	if b.cache != nil && vectorErr == nil {
		b.cache.store(cacheKeyed, gen, results)
	}
	b.log.DebugContext(ctx, "knowledge search", "mode", string(mode), "k", k,
		"vector_hits", len(vectorHits), "text_hits", len(textHits), "results", len(results),
		"took", time.Since(start).Round(time.Microsecond).String())
	return results, nil
}

// searchVector embeds the question and finds its n nearest passages, after
// checking that the stored vectors were made by the same embedder. The
// index record and the embedding are independent; the record is read first
// because it is local and cheap while a provider's embedding is neither.
func (b *Base) searchVector(ctx context.Context, text string, n int, f store.SearchFilter) ([]store.Hit, error) {
	info, err := b.store.KnowledgeIndex(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the knowledge index: %w", err)
	}
	if info.Dimension == 0 {
		// Nothing was ever embedded: no vectors to search.
		return nil, nil
	}
	// An index without a name was filled by a writer that did not say which
	// embedder it used; only the dimension can be checked then.
	if info.Embedder != "" && info.Embedder != b.embedderName {
		return nil, errMismatch(info, b.embedderName, 0)
	}
	v, err := b.embedder.EmbedQuery(ctx, text)
	if err != nil {
		return nil, &embedError{b.embedderName, err}
	}
	if len(v) != info.Dimension {
		return nil, errMismatch(info, b.embedderName, len(v))
	}
	if !hasDirection(v) {
		// The store refuses a vector with no direction (ErrInvalid): an
		// embedder may give one for text it has no features for, and then
		// nothing is similar to the question; the text half still answers.
		return nil, nil
	}
	hits, err := b.store.SearchVector(ctx, store.VectorQuery{Embedding: v, K: n, Filter: f})
	if err != nil {
		return nil, fmt.Errorf("vector search: %w", err)
	}
	return hits, nil
}

// embedError is a failure of the embedder, as opposed to the store: a
// hybrid search survives it.
type embedError struct {
	name string
	err  error
}

func (e *embedError) Error() string {
	return "embed the question with " + e.name + ": " + e.err.Error()
}
func (e *embedError) Unwrap() error { return e.err }

func errMismatch(info store.IndexInfo, name string, dim int) error {
	have := fmt.Sprintf("%q", name)
	if dim != 0 {
		have = fmt.Sprintf("%q with dimension %d", name, dim)
	}
	return fmt.Errorf("%w: the stored vectors were made by %q with dimension %d, the configured embedder is %s; run `faro ingest --reembed` to re-embed the knowledge base with the configured embedder (or configure %q again)",
		ErrEmbedderMismatch, info.Embedder, info.Dimension, have, info.Embedder)
}

// fuse merges the two ranked lists by a convex combination of their
// normalised scores: a passage scores w·v + (1−w)·t, where v is its cosine
// similarity and t its BM25 score, each divided by the best of its list
// (both have 0 as their floor, so this maps each list onto [0, 1] without
// letting its worst candidate decide the scale). A passage missing from a
// list gets that list's lowest score, the most it can have had.
//
// Unlike reciprocal rank fusion, which gives both lists the same say
// whatever they are worth, the weight lets a weak side (the offline
// hashing embedder next to BM25) refine the order without overturning a
// clear full-text match, and a list whose scores are all alike moves the
// fused order little. An empty list (single-method searches, a failed
// embedder, a question with no searchable word) leaves the other's order
// unchanged. Ties go to the better single rank, then to the chunk id, so
// the order is deterministic.
func fuse(vector, text []store.Hit, w float64) []Result {
	switch {
	case len(vector) == 0:
		w = 0
	case len(text) == 0:
		w = 1
	}
	vNorm, tNorm := scoreNormaliser(vector), scoreNormaliser(text)
	byID := make(map[string]int, len(vector)+len(text))
	results := make([]Result, 0, len(vector)+len(text))
	add := func(h store.Hit) *Result {
		i, ok := byID[h.Chunk.ID]
		if !ok {
			i = len(results)
			byID[h.Chunk.ID] = i
			results = append(results, Result{
				Chunk: h.Chunk,
				Citation: Citation{
					Source:  h.Source,
					Title:   h.Title,
					Heading: h.Chunk.Heading,
					Link:    cmp.Or(h.Chunk.Link, h.URL),
				},
			})
		}
		return &results[i]
	}
	for i, h := range vector {
		r := add(h)
		r.VectorRank, r.VectorScore = i+1, h.Score
	}
	for i, h := range text {
		r := add(h)
		r.TextRank, r.TextScore = i+1, h.Score
	}
	for i := range results {
		r := &results[i]
		v, t := vNorm.floor, tNorm.floor
		if r.VectorRank > 0 {
			v = vNorm.of(r.VectorScore)
		}
		if r.TextRank > 0 {
			t = tNorm.of(r.TextScore)
		}
		r.Score = w*v + (1-w)*t
	}
	slices.SortStableFunc(results, func(a, b Result) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		if c := cmp.Compare(fusedBestRank(a), fusedBestRank(b)); c != 0 {
			return c
		}
		return strings.Compare(a.Chunk.ID, b.Chunk.ID)
	})
	return results
}

// normaliser maps one list's scores onto [0, 1] by dividing by its best.
type normaliser struct {
	best  float64
	floor float64 // the normalised lowest score of the list
}

func scoreNormaliser(hits []store.Hit) normaliser {
	var n normaliser
	if len(hits) == 0 {
		return n
	}
	lowest := hits[0].Score
	for _, h := range hits {
		n.best = max(n.best, h.Score)
		lowest = min(lowest, h.Score)
	}
	n.floor = n.of(lowest)
	return n
}

// of is score normalised; 0 when the list has no positive score.
func (n normaliser) of(score float64) float64 {
	if n.best <= 0 {
		return 0
	}
	return max(score, 0) / n.best
}

func fusedBestRank(r Result) int {
	switch {
	case r.VectorRank == 0:
		return r.TextRank
	case r.TextRank == 0:
		return r.VectorRank
	}
	return min(r.VectorRank, r.TextRank)
}

// pickQuote picks the sentence of text that contains the most query terms
// (the first sentence when none does) and cuts it to at most limit runes at
// a word boundary, marking cuts with "…". A word contains a term when it
// starts with it: terms are Snowball stems of folded words, which are
// prefixes of the words they come from, and stemming every word of every
// result again would cost more than the search itself.
func pickQuote(text string, terms []string, limit int) string {
	sentences := quoteSentences(text)
	if len(sentences) == 0 {
		return ""
	}
	best, bestScore := 0, 0
	if len(terms) > 0 {
		// Fold once for the whole passage: folding keeps the punctuation
		// and line breaks that split sentences, so the folded sentences
		// line up with the original ones.
		folded := quoteSentences(fulltext.Fold(text))
		if len(folded) != len(sentences) {
			folded = sentences // unexpected; score the unfolded text
		}
		for i, sent := range folded {
			score := 0
			for _, t := range terms {
				if containsWordPrefix(sent, t) {
					score++
				}
			}
			if score > bestScore {
				best, bestScore = i, score
			}
		}
	}
	// Take the best sentence and, while room is left, the ones after it:
	// a short sentence alone ("Sí.") rarely makes sense.
	q := sentences[best]
	for i := best + 1; i < len(sentences) && utf8.RuneCountInString(q)+1+utf8.RuneCountInString(sentences[i]) <= limit; i++ {
		q += " " + sentences[i]
	}
	prefix := ""
	if best > 0 {
		prefix = "…"
	}
	return prefix + cutQuote(q, limit)
}

// containsWordPrefix reports whether a word of s starts with prefix.
func containsWordPrefix(s, prefix string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], prefix)
		if j < 0 {
			return false
		}
		j += i
		if j == 0 {
			return true
		}
		if r, _ := utf8.DecodeLastRuneInString(s[:j]); !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return true
		}
		i = j + 1
	}
}

// quoteSentences splits text at sentence ends (., !, ?, …, followed by a
// space) and line breaks, collapsing white space; Markdown heading marks and
// list bullets at line starts are dropped.
func quoteSentences(text string) []string {
	var out []string
	for _, line := range fulltext.Lines(text) {
		line = strings.TrimLeft(line, "#>*-+ \t")
		line = strings.Join(strings.Fields(line), " ")
		for line != "" {
			end := quoteSentenceEnd(line)
			out = append(out, strings.TrimSpace(line[:end]))
			line = strings.TrimSpace(line[end:])
		}
	}
	return out
}

// quoteSentenceEnd returns the byte index just after the first sentence of s.
func quoteSentenceEnd(s string) int {
	for i, r := range s {
		switch r {
		case '.', '!', '?', '…':
			j := i + utf8.RuneLen(r)
			if j == len(s) || s[j] == ' ' {
				return j
			}
		}
	}
	return len(s)
}

// cutQuote shortens s to at most limit runes, at a word boundary, with "…".
func cutQuote(s string, limit int) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	runes := []rune(s)[:limit-1]
	i := len(runes)
	for i > limit/2 && !unicode.IsSpace(runes[i-1]) {
		i--
	}
	if i <= limit/2 {
		i = len(runes) // one long word: cut inside it
	}
	return strings.TrimRightFunc(string(runes[:i]), func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsPunct(r)
	}) + "…"
}
