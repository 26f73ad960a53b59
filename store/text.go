package store

import "strings"

// isControl reports whether r is a C0 control character or DEL, other than
// tab, newline and carriage return: characters no person types on purpose.
func isControl(r rune) bool {
	return (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f
}

// HasControl reports whether s holds a control character other than tab,
// newline and carriage return. Names, ids, emails, titles and other
// fields are refused with it: such a character is never part of them, and
// NUL cannot be stored at all.
func HasControl(s string) bool {
	return strings.IndexFunc(s, isControl) >= 0
}

// CleanText removes the control characters [HasControl] finds from free
// text a person wrote (a chat message, a document's content): they carry
// no meaning there, and refusing a whole message over an invisible
// character would lose it.
func CleanText(s string) string {
	if !HasControl(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isControl(r) {
			return -1
		}
		return r
	}, s)
}
