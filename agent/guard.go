package agent

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/faroai/faro/store"
)

// The output guard (OWASP LLM07) withholds a reply that quotes the system
// prompt. The prompt holds no secret, but a model that recites its rules
// has been talked into ignoring them, and the operator's instructions may
// hold internal references. It catches:
//
//   - any run of guardWords consecutive words of the prompt's rules (the
//     lines after the first two, which only describe the business and the
//     language) and of its role line;
//   - any token of the operator's Instructions that looks like an
//     identifier or a secret (at least 8 characters, mixing letters and
//     digits), such as a canary.
//
// Facts in the Instructions a reply may repeat (opening hours, an address)
// are not guarded: they are there to be said.
//
// Streamed deltas pass through the guard too: the stream stops at the
// first delta that completes a quote, and the last bytes of the text, as
// long as the longest guarded token, are held back, so a token split over
// deltas never reaches the caller whole or in part.

// guardWords is the length of the word runs compared.
const guardWords = 8

// guard checks text against one system prompt.
type guard struct {
	secrets  []string        // lower-cased secret-like tokens of the instructions
	shingles map[string]bool // runs of guardWords folded words of the rules
	holdback int             // bytes of streamed text held back
}

// newGuard prepares the guard of a prompt whose rules (the system prompt
// without the instructions) and instructions are given.
func newGuard(rules, instructions string) *guard {
	g := &guard{shingles: map[string]bool{}}
	for _, tok := range strings.FieldsFunc(instructions, func(c rune) bool {
		return !unicode.IsLetter(c) && !unicode.IsDigit(c) && c != '-' && c != '_'
	}) {
		if tok = strings.Trim(tok, "-_"); secretLike(tok) {
			g.secrets = append(g.secrets, strings.ToLower(tok))
			g.holdback = max(g.holdback, len(tok))
		}
	}
	lines := strings.Split(rules, "\n")
	if len(lines) > 2 {
		lines = lines[2:]
	}
	for _, line := range lines {
		ws := words(fold(line))
		for i := 0; i+guardWords <= len(ws); i++ {
			g.shingles[strings.Join(ws[i:i+guardWords], " ")] = true
		}
	}
	return g
}

// leaks reports whether text quotes the rules or holds a secret token.
func (g *guard) leaks(text string) bool {
	lower := strings.ToLower(text)
	for _, s := range g.secrets {
		if strings.Contains(lower, s) {
			return true
		}
	}
	ws := words(fold(text))
	for i := 0; i+guardWords <= len(ws); i++ {
		if g.shingles[strings.Join(ws[i:i+guardWords], " ")] {
			return true
		}
	}
	return false
}

// resume returns where to check text again when its first checked bytes
// were checked: far enough back that a secret or a run of guardWords words
// that ends after checked starts at or after it. Whitespace separates words
// before and after folding, so the text after a space splits into words as
// it does within the whole; going back guardWords spaces covers at least
// guardWords words (punctuation splits more).
func (g *guard) resume(text string, checked int) int {
	if checked <= 0 {
		return 0
	}
	lo := max(0, checked-g.holdback)
	i, spaces := checked, 0
	for i > 0 && spaces <= guardWords {
		r, size := utf8.DecodeLastRuneInString(text[:i])
		if unicode.IsSpace(r) {
			// A run of spaces counts once.
			if j := i - size; j == 0 || !isSpaceBefore(text, j) {
				spaces++
			}
		}
		i -= size
	}
	lo = min(lo, i)
	for lo > 0 && !utf8.RuneStart(text[lo]) {
		lo--
	}
	return lo
}

func isSpaceBefore(text string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return unicode.IsSpace(r)
}

// secretLike reports whether tok looks like an identifier or secret rather
// than a word: long, with letters and digits.
func secretLike(tok string) bool {
	if len(tok) < 8 {
		return false
	}
	var letter, digit bool
	for _, c := range tok {
		letter = letter || unicode.IsLetter(c)
		digit = digit || unicode.IsDigit(c)
	}
	return letter && digit
}

// guards keeps the guard of each system prompt: a handful (a language and
// a role each), read-only once built, and every turn needs one.
type guards struct {
	mu sync.Mutex
	by map[string]*guard
}

func (gs *guards) get(lang string, role store.Role, p Persona, instructions string) *guard {
	key := lang + "\x00" + string(role)
	gs.mu.Lock()
	defer gs.mu.Unlock()
	if g, ok := gs.by[key]; ok {
		return g
	}
	g := newGuard(systemPrompt(lang, role, p, ""), instructions)
	if gs.by == nil {
		gs.by = map[string]*guard{}
	}
	gs.by[key] = g
	return g
}

// guardedStream passes one model call's deltas to a caller through the
// guard.
type guardedStream struct {
	g       *guard
	sink    *streamSink
	text    strings.Builder
	sent    int // bytes of text forwarded
	checked int // bytes of text the guard has seen
	blocked bool
}

func (s *guardedStream) write(delta string) {
	if s.blocked {
		return
	}
	s.text.WriteString(delta)
	text := s.text.String()
	// Only what a quote ending in the new delta could span is checked
	// again: the whole text on every delta made a reply's checks grow with
	// the square of its length.
	if s.g.leaks(text[s.g.resume(text, s.checked):]) {
		s.blocked = true
		return
	}
	s.checked = len(text)
	upto := len(text) - s.g.holdback
	for upto > s.sent && upto < len(text) && !utf8.RuneStart(text[upto]) {
		upto--
	}
	if upto > s.sent {
		s.sink.send(text[s.sent:upto])
		s.sent = upto
	}
}
