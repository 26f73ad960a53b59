package relay

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Split cuts text into parts of at most max (as count measures), on
// paragraph, then line, then sentence, then word boundaries, never inside
// a markup tag (<…>) or entity (&…;), in order; only a word longer than max
// is cut inside (between characters). Parts are trimmed of the whitespace
// they were cut at. A text within max is one part; an empty (or blank)
// text none.
func Split(text string, max int, count func(string) int) []string {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil
	}
	if max < 1 {
		return []string{text}
	}
	var parts []string
	for count(text) > max {
		fit := fitting(text, max, count)
		cut := cutPoint(text[:fit], text)
		part := strings.TrimRightFunc(text[:cut], unicode.IsSpace)
		if part == "" {
			// Only whitespace fits before the cut: cut the word itself.
			cut = fit
			part = text[:cut]
		}
		parts = append(parts, part)
		text = strings.TrimLeftFunc(text[cut:], unicode.IsSpace)
	}
	if text != "" {
		parts = append(parts, text)
	}
	return parts
}

// fitting is the longest prefix of text, in bytes on a rune boundary, that
// count measures within max; at least one rune.
func fitting(text string, max int, count func(string) int) int {
	// Binary search over rune boundaries: count is monotonic in the prefix.
	bounds := make([]int, 0, len(text))
	for i := range text {
		if i > 0 {
			bounds = append(bounds, i)
		}
	}
	bounds = append(bounds, len(text))
	lo, hi := 0, len(bounds)-1 // bounds[lo] may not fit; find the last that does
	best := -1
	for lo <= hi {
		mid := (lo + hi) / 2
		if count(text[:bounds[mid]]) <= max {
			best = mid
			lo = mid + 1
		} else {
			hi = mid - 1
		}
	}
	if best < 0 {
		_, size := utf8.DecodeRuneInString(text)
		return size
	}
	return bounds[best]
}

// cutPoint is where to end the part within prefix (a prefix of text): the
// last paragraph break, else line break, else sentence end, else space,
// that is not inside markup and leaves the part a reasonable size; else
// the end of prefix, moved before any tag or entity it would cut.
func cutPoint(prefix, text string) int {
	fit := len(prefix)
	// A boundary right after what fits counts: "a b|c" cut at the space.
	window := text[:min(len(text), fit+4)]
	// A boundary of a higher kind is preferred unless it leaves a part
	// shorter than a third of what fits.
	floor := fit / 3
	for _, sep := range [][]string{{"\n\n"}, {"\n"}, {". ", "! ", "? ", "; ", "。", "… "}, {" ", "\t"}} {
		best := -1
		for _, s := range sep {
			for i := strings.LastIndex(window, s); i > 0; i = strings.LastIndex(window[:i], s) {
				end := i // whitespace is trimmed: cut before it
				if s[0] != ' ' && s[0] != '\n' && s[0] != '\t' {
					end = i + len(strings.TrimRight(s, " "))
				}
				if end <= fit && !insideMarkup(text, end) {
					best = max(best, end)
					break
				}
			}
		}
		if best > floor {
			return best
		}
	}
	end := fit
	if insideMarkup(text, end) {
		if i := max(strings.LastIndexByte(prefix, '<'), strings.LastIndexByte(prefix, '&')); i > 0 {
			end = i
		}
	}
	return end
}

// insideMarkup reports whether byte position p of text is inside a tag
// (after a '<' not yet closed by '>') or an entity (after an '&' followed
// only by letters, digits or '#', and a ';' after them).
func insideMarkup(text string, p int) bool {
	before := text[:p]
	if lt := strings.LastIndexByte(before, '<'); lt >= 0 && lt > strings.LastIndexByte(before, '>') &&
		strings.IndexByte(text[p:], '>') >= 0 {
		return true
	}
	amp := strings.LastIndexByte(before, '&')
	if amp < 0 {
		return false
	}
	for _, r := range before[amp+1:] {
		if !(r == '#' || r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r))) {
			return false
		}
	}
	rest := text[p:]
	for i, r := range rest {
		if r == ';' {
			return i > 0 || p > amp+1
		}
		if !(r == '#' || r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r))) {
			return false
		}
	}
	return false
}

// Runes counts Unicode code points: a count for Split.
func Runes(s string) int { return utf8.RuneCountInString(s) }

// UTF16 counts UTF-16 code units, as Telegram counts its 4096: a count for
// Split.
func UTF16(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// Bytes counts bytes: a count for Split.
func Bytes(s string) int { return len(s) }
