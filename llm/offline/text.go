package offline

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/faroai/faro/store/fulltext"
)

// token is one word of a text: letters and digits, with its position, so
// extractors can take values (names, companies) from the original spelling
// and find what stands next to a number.
type token struct {
	raw        string // as written
	fold       string // lowercased, accents stripped
	start, end int    // byte offsets in the text
}

// tokenize splits s into words. Unlike fulltext.Words it keeps positions
// and the original spelling. Apostrophes inside a word stay in it
// ("i'm", "don't"), because they carry meaning for English.
func tokenize(s string) []token {
	// About one word in six bytes: room for most texts' words at once.
	out := make([]token, 0, 1+len(s)/6)
	start := -1
	for i, r := range s {
		inWord := unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
		if (r == '\'' || r == '’') && start >= 0 {
			// Keep an apostrophe only between letters.
			next, _ := utf8.DecodeRuneInString(s[i+utf8.RuneLen(r):])
			inWord = unicode.IsLetter(next)
		}
		switch {
		case inWord && start < 0:
			start = i
		case !inWord && start >= 0:
			out = append(out, newToken(s, start, i))
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, newToken(s, start, len(s)))
	}
	return out
}

func newToken(s string, start, end int) token {
	raw := s[start:end]
	f := fold(raw)
	f = strings.ReplaceAll(f, "’", "'")
	return token{raw: raw, fold: f, start: start, end: end}
}

// fold lowercases and strips accents, cheaply for plain ASCII (most words).
func fold(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return fulltext.Fold(s)
		}
	}
	return strings.ToLower(s)
}

// folds returns the folded words of s.
func folds(s string) []string {
	toks := tokenize(s)
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.fold
	}
	return out
}

func isDigits(w string) bool {
	if w == "" {
		return false
	}
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return false
		}
	}
	return true
}

// stemsOf returns the Spanish and English stems of a folded word.
// Portuguese uses the Spanish rules, as the full-text index does. The
// engine stems through an [analyzer], which caches this.
func stemsOf(w string) (es, en string) {
	if isDigits(w) {
		return w, w
	}
	return fulltext.Stem(w, "es"), fulltext.Stem(w, "en")
}

// editWithin reports whether a and b are at most k edits apart
// (Levenshtein over runes), stopping early once the distance exceeds k.
func editWithin(a, b string, k int) bool {
	if d := len(a) - len(b); (d > 3*k || -d > 3*k) && k < 4 {
		return false // even in multi-byte runes they are too far apart
	}
	if ascii(a) && ascii(b) && len(b) < 64 {
		return editWithinASCII(a, b, k)
	}
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > k || -d > k {
		return false
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			best = min(best, cur[j])
		}
		if best > k {
			return false
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)] <= k
}

// editWithinASCII is editWithin for ASCII words shorter than 64 bytes
// (folded words nearly always are), without allocating.
func editWithinASCII(a, b string, k int) bool {
	if d := len(a) - len(b); d > k || -d > k {
		return false
	}
	var rows [2][65]int
	prev, cur := &rows[0], &rows[1]
	for j := 0; j <= len(b); j++ {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			best = min(best, cur[j])
		}
		if best > k {
			return false
		}
		prev, cur = cur, prev
	}
	return prev[len(b)] <= k
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// typoTolerance is how many edits two words of this length may differ by and
// still be taken as the same word: none for short words, where one letter
// changes the word ("mes"/"mas"), more for long ones.
func typoTolerance(w string) int {
	if len(w) < 5 {
		return 0 // fewer bytes, fewer runes: most words, without counting
	}
	n := utf8.RuneCountInString(w)
	switch {
	case n >= 8:
		return 2
	case n >= 5:
		return 1
	}
	return 0
}

// titleCase capitalises each word of a name written in lower case
// ("ana lopez" → "Ana Lopez"); a name with capitals is left as written.
func titleCase(s string) string {
	if strings.ToLower(s) != s {
		return s
	}
	words := strings.Fields(s)
	for i, w := range words {
		r, n := utf8.DecodeRuneInString(w)
		words[i] = string(unicode.ToUpper(r)) + w[n:]
	}
	return strings.Join(words, " ")
}

// wordCount counts whitespace-separated words: the engine's token estimate.
func wordCount(s string) int {
	// len(strings.Fields(s)) without building the slice: every call counts
	// the whole prompt, passages and tool results included. A word starts
	// at a letter after a space (or at the start); counting those from a
	// table, without a branch on each byte's class, keeps the loop clear
	// of the mispredictions that a word boundary every few bytes costs.
	n, prevSpace := 0, uint8(1)
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			space := asciiSpace[c]
			n += int(prevSpace &^ space)
			prevSpace = space
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		space := uint8(0)
		if unicode.IsSpace(r) {
			space = 1
		}
		n += int(prevSpace &^ space)
		prevSpace = space
		i += size
	}
	return n
}

// asciiSpace is 1 for the ASCII bytes unicode.IsSpace (and so
// strings.Fields) takes for space: \t \n \v \f \r and ' '.
var asciiSpace = [utf8.RuneSelf]uint8{'\t': 1, '\n': 1, '\v': 1, '\f': 1, '\r': 1, ' ': 1}

// sqNorm is the squared norm of v, summed in order (as the cosine summed
// it when it computed the norms itself, so cosines are the same to the
// bit).
func sqNorm(v []float32) float64 {
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	return n
}

// cosineNormed is the cosine of two vectors of the same length, given
// their squared norms na and nb (computed once for a vector compared many
// times); for unit vectors, the dot product.
func cosineNormed(a, b []float32, na, nb float64) float64 {
	if len(a) == 0 || len(a) != len(b) {
		return 0
	}
	b = b[:len(a)]
	var dot float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	if na > 0.999 && na < 1.001 && nb > 0.999 && nb < 1.001 {
		return dot
	}
	return dot / (math.Sqrt(na) * math.Sqrt(nb))
}

// clip shortens s to at most n runes, at a word boundary, with an ellipsis.
func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n]
	cut := string(r)
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:-") + "…"
}

// phraseAt reports whether the folded words of a phrase stand in toks from
// i on ("me llamo", "a nombre de").
func phraseAt(toks []token, i int, words []string) bool {
	if i+len(words) > len(toks) {
		return false
	}
	for j, w := range words {
		if toks[i+j].fold != w {
			return false
		}
	}
	return true
}
