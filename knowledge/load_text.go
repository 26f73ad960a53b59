package knowledge

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/faroai/faro/store/fulltext"
	"golang.org/x/text/encoding/charmap"
)

// decodeText turns raw bytes into text: UTF-8 (a byte order mark dropped),
// else Windows-1252, which is what spreadsheets and old editors in Spanish
// and Portuguese save.
func decodeText(raw []byte) string {
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	if utf8.Valid(raw) {
		return strings.ReplaceAll(string(raw), "\r\n", "\n")
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(raw)
	if err != nil {
		return strings.ToValidUTF8(string(raw), "\uFFFD")
	}
	return strings.ReplaceAll(string(out), "\r\n", "\n")
}

// parseText splits plain text into paragraphs at blank lines; it has no
// headings, so it is one section.
func parseText(raw []byte) parsed {
	return parsed{sections: []section{{paras: paragraphs(decodeText(raw))}}}
}

// paragraphs splits text at blank lines, trimming each paragraph.
func paragraphs(text string) []string {
	var out []string
	var cur []string
	flush := func() {
		if t := strings.TrimSpace(strings.Join(cur, "\n")); t != "" {
			out = append(out, t)
		}
		cur = cur[:0]
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		cur = append(cur, strings.TrimRight(line, " \t\r"))
	}
	flush()
	return out
}

// faqColumns are header names of the question, answer and language columns,
// folded (lower case, no accents).
var (
	questionHeaders = []string{"question", "questions", "pregunta", "preguntas", "pergunta", "perguntas", "q"}
	answerHeaders   = []string{"answer", "answers", "respuesta", "respuestas", "resposta", "respostas", "a"}
	languageHeaders = []string{"language", "lang", "idioma", "lengua"}
)

// parseCSV reads a question-answer list: one section per row, headed by its
// question. A header row naming the columns (question/answer,
// pregunta/respuesta, pergunta/resposta, and optionally language/idioma) is
// detected; without one the first column is the question and the second the
// answer. Semicolon-separated files (spreadsheets in Spanish locales) work
// too.
func parseCSV(raw []byte) (parsed, error) {
	text := decodeText(raw)
	firstLine, _, _ := strings.Cut(text, "\n")
	r := csv.NewReader(strings.NewReader(text))
	if strings.Count(firstLine, ";") > strings.Count(firstLine, ",") {
		r.Comma = ';'
	} else if strings.Count(firstLine, "\t") > strings.Count(firstLine, ",") {
		r.Comma = '\t'
	}
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.TrimLeadingSpace = true

	qCol, aCol, langCol := 0, 1, -1
	var p parsed
	for row := 0; ; row++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return parsed{}, fmt.Errorf("CSV: %w", err)
		}
		if row == 0 {
			if q, a, l, ok := faqHeader(rec); ok {
				qCol, aCol, langCol = q, a, l
				continue
			}
			if len(rec) < 2 {
				return parsed{}, fmt.Errorf("CSV: a question-answer list needs two columns (question, answer); the first row has %d", len(rec))
			}
		}
		if qCol >= len(rec) || aCol >= len(rec) {
			continue
		}
		q, a := strings.TrimSpace(rec[qCol]), strings.TrimSpace(rec[aCol])
		if q == "" || a == "" {
			continue
		}
		s := section{headings: []string{q}, paras: []string{q + "\n" + a}}
		if langCol >= 0 && langCol < len(rec) {
			s.language = rec[langCol]
		}
		p.sections = append(p.sections, s)
	}
	return p, nil
}

// faqHeader finds the question, answer and language columns in a header
// row; ok is false when the row is not a header.
func faqHeader(rec []string) (q, a, lang int, ok bool) {
	q, a, lang = -1, -1, -1
	for i, cell := range rec {
		h := fulltext.Fold(strings.TrimSpace(cell))
		switch {
		case q < 0 && slices.Contains(questionHeaders, h):
			q = i
		case a < 0 && slices.Contains(answerHeaders, h):
			a = i
		case lang < 0 && slices.Contains(languageHeaders, h):
			lang = i
		}
	}
	return q, a, lang, q >= 0 && a >= 0
}
