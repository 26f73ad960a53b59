package agent

import (
	"strings"
	"unicode"
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

// guardWords is the length of the word runs compared.
const guardWords = 8

// leaks reports whether reply quotes rules (the system prompt without the
// instructions) or a secret-looking token of instructions.
func leaks(reply, rules, instructions string) bool {
	r := " " + strings.Join(words(fold(reply)), " ") + " "
	for _, tok := range strings.FieldsFunc(instructions, func(c rune) bool {
		return !unicode.IsLetter(c) && !unicode.IsDigit(c) && c != '-' && c != '_'
	}) {
		if secretLike(tok) && strings.Contains(strings.ToLower(reply), strings.ToLower(tok)) {
			return true
		}
	}
	lines := strings.Split(rules, "\n")
	if len(lines) > 2 {
		lines = lines[2:]
	}
	for _, line := range lines {
		ws := words(fold(line))
		for i := 0; i+guardWords <= len(ws); i++ {
			if strings.Contains(r, " "+strings.Join(ws[i:i+guardWords], " ")+" ") {
				return true
			}
		}
	}
	return false
}

// secretLike reports whether tok looks like an identifier or secret rather
// than a word: long, with letters and digits.
func secretLike(tok string) bool {
	tok = strings.Trim(tok, "-_")
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
