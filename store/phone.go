package store

import "strings"

// MinPhoneDigits is the fewest digits [PhoneDigits] takes for a phone
// number with its country code; fewer would match numbers by chance.
const MinPhoneDigits = 8

// PhoneDigits is a phone number as [Contacts.ContactByPhone] compares it:
// its digits, once spaces, dashes, dots, parentheses and plus signs are
// removed ("+52 (55) 1234-5678" → "525512345678"). It is "" for anything
// else in it (letters, an extension) and for fewer than MinPhoneDigits
// digits or more than 20.
func PhoneDigits(phone string) string {
	var b strings.Builder
	for _, r := range phone {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case strings.ContainsRune(" -.()+", r):
		default:
			return ""
		}
	}
	if b.Len() < MinPhoneDigits || b.Len() > 20 {
		return ""
	}
	return b.String()
}
