package knowledge

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ChunkOptions sizes the passages documents are cut into. Sizes count
// characters (Unicode code points), not bytes or tokens: about 4 characters
// a token for the languages Faro speaks.
type ChunkOptions struct {
	// Size is the most characters a chunk's text may have (default 800).
	// Chunks are filled with whole paragraphs, then whole sentences, up to
	// it; only a sentence longer than Size is cut, between words.
	Size int
	// Overlap is how many characters of the end of a chunk are repeated at
	// the start of the next chunk of the same section (default 120), so
	// that a passage cut in two is found whole in one of them. Only whole
	// sentences are repeated: none when the last sentence is longer.
	Overlap int
}

// Default chunk sizes: a passage of 800 characters is a few paragraphs,
// small enough to quote in a chat answer and to embed precisely.
const (
	DefaultChunkSize    = 800
	DefaultChunkOverlap = 120
)

func (o ChunkOptions) withDefaults() (ChunkOptions, error) {
	if o.Size == 0 {
		o.Size = DefaultChunkSize
	}
	if o.Overlap == 0 {
		o.Overlap = DefaultChunkOverlap
	}
	if o.Size < 50 {
		return o, fmt.Errorf("chunk size %d is too small (at least 50 characters)", o.Size)
	}
	if o.Overlap < 0 || o.Overlap > o.Size/2 {
		return o, fmt.Errorf("chunk overlap %d must be between 0 and half the chunk size (%d)", o.Overlap, o.Size/2)
	}
	return o, nil
}

// piece is one chunk of a document before it is stored.
type piece struct {
	heading  string // "Title > Section > Subsection"
	anchor   string
	text     string
	language string
}

// chunkSections cuts every section into chunks of at most opts.Size
// characters. Sections are never merged: each chunk's heading path and link
// say exactly where it comes from. opts must have been through withDefaults.
func chunkSections(title string, sections []section, opts ChunkOptions) []piece {
	var out []piece
	for _, s := range sections {
		heading := headingPath(title, s.headings)
		for _, text := range splitSection(s.paras, opts) {
			out = append(out, piece{heading: heading, anchor: s.anchor, text: text, language: s.language})
		}
	}
	return out
}

// headingPath joins the document title and the section's headings with
// " > ", without repeating the title when the first heading is the title.
func headingPath(title string, headings []string) string {
	parts := make([]string, 0, len(headings)+1)
	if title != "" && (len(headings) == 0 || headings[0] != title) {
		parts = append(parts, title)
	}
	parts = append(parts, headings...)
	return strings.Join(parts, " > ")
}

// unit is a piece of a section that is never cut: a paragraph that fits in a
// chunk, else a sentence of it, else (a sentence longer than a chunk) a run
// of words.
type unit struct {
	text  string // trimmed
	sep   string // what joins it to the unit before: "\n\n" between paragraphs, else the line break or space of the source
	runes int
}

// splitSection packs a section's paragraphs into chunks.
func splitSection(paras []string, opts ChunkOptions) []string {
	var units []unit
	for _, p := range paras {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if n := utf8.RuneCountInString(p); n <= opts.Size {
			units = append(units, unit{text: p, sep: "\n\n", runes: n})
			continue
		}
		prevEnd := -1
		for _, sp := range sentenceSpans(p) {
			sep := "\n\n"
			if prevEnd >= 0 {
				sep = " "
				if strings.Contains(p[prevEnd:sp.start], "\n") {
					sep = "\n"
				}
			}
			prevEnd = sp.end
			for _, w := range cutLong(p[sp.start:sp.end], opts.Size) {
				units = append(units, unit{text: w, sep: sep, runes: utf8.RuneCountInString(w)})
				sep = " "
			}
		}
	}

	var chunks []string
	var cur strings.Builder
	curRunes := 0
	for _, u := range units {
		sep := u.sep
		if curRunes > 0 && curRunes+len(sep)+u.runes <= opts.Size {
			cur.WriteString(sep)
			cur.WriteString(u.text)
			curRunes += len(sep) + u.runes
			continue
		}
		if curRunes > 0 {
			done := cur.String()
			chunks = append(chunks, done)
			cur.Reset()
			curRunes = 0
			// The overlap gets what room the next unit leaves.
			room := min(opts.Overlap, opts.Size-len(sep)-u.runes)
			if tail := overlapTail(done, room); tail != "" {
				cur.WriteString(tail)
				cur.WriteString(sep)
				curRunes = utf8.RuneCountInString(tail) + len(sep)
			}
		}
		cur.WriteString(u.text)
		curRunes += u.runes
	}
	if curRunes > 0 {
		chunks = append(chunks, cur.String())
	}
	return chunks
}

// overlapTail is the end of a chunk to repeat at the start of the next one:
// its last whole sentences that fit in n characters. When even the last
// sentence is longer there is no overlap: starting the next chunk in the
// middle of a sentence would cut it, and the chunk already ends at a
// sentence's end.
func overlapTail(chunk string, n int) string {
	if n <= 0 {
		return ""
	}
	// Look only at the end of the chunk: a paragraph break ends the tail too.
	if i := strings.LastIndex(chunk, "\n\n"); i >= 0 {
		chunk = chunk[i+2:]
	}
	tail := ""
	spans := sentenceSpans(chunk)
	for i := len(spans) - 1; i >= 0; i-- {
		t := strings.TrimSpace(chunk[spans[i].start:])
		if utf8.RuneCountInString(t) > n {
			break
		}
		tail = t
	}
	return tail
}

// cutLong cuts a sentence longer than size between words (and a word longer
// than size anywhere), into pieces of at most size characters.
func cutLong(s string, size int) []string {
	if utf8.RuneCountInString(s) <= size {
		return []string{s}
	}
	var out []string
	var cur strings.Builder
	curRunes := 0
	for _, w := range strings.Fields(s) {
		k := utf8.RuneCountInString(w)
		for k > size { // a "word" longer than a chunk: a URL, a hash, a table row
			if curRunes > 0 {
				out = append(out, cur.String())
				cur.Reset()
				curRunes = 0
			}
			r := []rune(w)
			out = append(out, string(r[:size]))
			w = string(r[size:])
			k -= size
		}
		if k == 0 {
			continue
		}
		if curRunes > 0 && curRunes+1+k > size {
			out = append(out, cur.String())
			cur.Reset()
			curRunes = 0
		}
		if curRunes > 0 {
			cur.WriteByte(' ')
			curRunes++
		}
		cur.WriteString(w)
		curRunes += k
	}
	if curRunes > 0 {
		out = append(out, cur.String())
	}
	return out
}

// abbreviations end with a period that does not end a sentence (folded to
// lower case, without the period).
var abbreviations = wordSet(`sr sra srta dr dra lic ing prof etc p ej e g i vs mr mrs ms st
	nº núm num tel pág pag aprox av dto ud uds art cap vol fig approx inc ltd co jr`)

// span is a sentence's place in its text, trailing spaces excluded.
type span struct{ start, end int }

// sentences splits text into sentences, each trimmed.
func sentences(text string) []string {
	spans := sentenceSpans(text)
	out := make([]string, len(spans))
	for i, sp := range spans {
		out[i] = text[sp.start:sp.end]
	}
	return out
}

// sentenceSpans finds the sentences of text: a sentence ends after ., ! or ?
// (and closing quotes or brackets) followed by a space and a capital
// letter, digit or opening mark, unless the word is an abbreviation or an
// initial; and at every line break, since lines in Markdown lists and
// tables stand alone.
func sentenceSpans(text string) []span {
	var out []span
	start := 0
	emit := func(end int) {
		s, e := start, end
		for s < e && isSpace(text[s]) {
			s++
		}
		for e > s && isSpace(text[e-1]) {
			e--
		}
		if s < e {
			out = append(out, span{s, e})
		}
		start = end
	}
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		next := i + size
		switch r {
		case '\n':
			emit(next)
		case '.', '!', '?', '…':
			j := next
			for j < len(text) && strings.ContainsRune(closers, firstRune(text[j:])) {
				_, s := utf8.DecodeRuneInString(text[j:])
				j += s
			}
			if j >= len(text) || (text[j] != ' ' && text[j] != '\t') {
				break
			}
			k := j
			for k < len(text) && (text[k] == ' ' || text[k] == '\t') {
				k++
			}
			if k >= len(text) {
				break
			}
			nr := firstRune(text[k:])
			if !unicode.IsUpper(nr) && !unicode.IsDigit(nr) && !strings.ContainsRune(openers, nr) {
				break
			}
			if r == '.' && isAbbreviation(text[start:i]) {
				break
			}
			emit(j)
		}
		i = next
	}
	emit(len(text))
	return out
}

const (
	closers = `"')]»”’*_`
	openers = `¿¡"'(«“[*_-`
)

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

// isAbbreviation reports whether the word at the end of before (just before
// a period) is an abbreviation or a one-letter initial.
func isAbbreviation(before string) bool {
	w := before
	if i := strings.LastIndexFunc(before, func(r rune) bool { return !unicode.IsLetter(r) && r != 'º' }); i >= 0 {
		_, size := utf8.DecodeRuneInString(before[i:])
		w = before[i+size:]
	}
	if utf8.RuneCountInString(w) == 1 {
		return true
	}
	return abbreviations[strings.ToLower(w)]
}

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}
