package knowledge

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/ledongthuc/pdf"
)

// parsePDF extracts the text of each page with github.com/ledongthuc/pdf
// (the library langchaingo's PDF loader wraps), one section per page, whose
// anchor "page=N" opens that page in browsers' PDF viewers.
//
// Lines and paragraphs are rebuilt from glyph positions (Page.Content)
// rather than taken from Page.GetPlainText, which langchaingo uses: that one
// ignores text moves (Td, Tm), gluing the last word of a line to the first
// of the next, which breaks words and sentences for search. GetPlainText
// stays the fallback for a page whose layout cannot be read.
//
// The library panics on some malformed files; a panic becomes this file's
// error so that one broken PDF never stops an ingest.
func parsePDF(raw []byte) (p parsed, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = parsed{}, fmt.Errorf("PDF: unreadable (%v)", r)
		}
	}()
	r, err := pdf.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		return parsed{}, fmt.Errorf("PDF: %w", err)
	}
	for i := 1; i <= r.NumPage(); i++ {
		pg := r.Page(i)
		if pg.V.IsNull() {
			continue
		}
		text := pageText(pg)
		p.sections = append(p.sections, section{anchor: "page=" + strconv.Itoa(i), paras: paragraphs(text)})
	}
	return p, nil
}

// pageText is the text of one page, lines separated by "\n" and paragraphs
// (a vertical gap wider than a line's) by a blank line.
func pageText(pg pdf.Page) (text string) {
	defer func() {
		if r := recover(); r != nil {
			fonts := map[string]*pdf.Font{}
			for _, name := range pg.Fonts() {
				f := pg.Font(name)
				fonts[name] = &f
			}
			text, _ = pg.GetPlainText(fonts)
		}
	}()
	var b strings.Builder
	var prev *pdf.Text
	glyphs := pg.Content().Text
	for i := range glyphs {
		t := &glyphs[i]
		if t.S == "" || strings.IndexFunc(t.S, func(r rune) bool { return !unicode.IsControl(r) }) < 0 {
			continue // the library marks the end of a TJ array with "\n"
		}
		if prev != nil {
			size := math.Max(math.Abs(prev.FontSize), math.Abs(t.FontSize))
			if size == 0 {
				size = 10
			}
			dy := prev.Y - t.Y
			switch {
			case math.Abs(dy) > size*0.5: // a new line
				if dy > size*1.5 || dy < 0 {
					b.WriteString("\n\n")
				} else {
					b.WriteString("\n")
				}
			default:
				gap := t.X - (prev.X + prev.W)
				if gap > size*0.15 && !strings.HasSuffix(prev.S, " ") && !strings.HasPrefix(t.S, " ") {
					b.WriteByte(' ')
				}
			}
		}
		b.WriteString(t.S)
		prev = t
	}
	return b.String()
}
