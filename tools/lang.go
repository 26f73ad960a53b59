package tools

import (
	"fmt"
	"time"
)

// The tools speak Spanish, English and Portuguese: each tool keeps its
// texts for the user in one table keyed by language ("es", "en", "pt"),
// read with inLang. Texts for the model (Failure messages, FieldError
// problems) stay in English.

// inLang returns table's entry for lang, or the Spanish one for a language
// the tools do not speak (Spanish is the server's default language).
func inLang[T any](table map[string]T, lang string) T {
	if t, ok := table[lang]; ok {
		return t
	}
	return table["es"]
}

// monthNames are the months in each language, January first.
var monthNames = map[string][12]string{
	"es": {"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
	"en": {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	"pt": {"janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro", "novembro", "dezembro"},
}

// longDate writes a date (YYYY-MM-DD, or RFC 3339) as people of lang read
// it: "8 de febrero de 2027", "February 8, 2027", "8 de fevereiro de
// 2027". A text that is not a date is returned as it is.
func longDate(date, lang string) string {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		if t, err = time.Parse(time.RFC3339, date); err != nil {
			return date
		}
	}
	return longDateOf(t, lang)
}

// longDateOf is longDate of t's calendar day.
func longDateOf(t time.Time, lang string) string {
	month := inLang(monthNames, lang)[t.Month()-1]
	if lang == "en" {
		return fmt.Sprintf("%s %d, %d", month, t.Day(), t.Year())
	}
	return fmt.Sprintf("%d de %s de %d", t.Day(), month, t.Year())
}
