package documents

import (
	"bytes"
	"time"

	"github.com/go-pdf/fpdf"
)

// A4 with 20 mm margins.
const (
	pageMargin = 20.0
	textWidth  = 210.0 - 2*pageMargin
)

// toPDF draws the blocks on A4 pages with the standard Helvetica font.
// Text goes through fpdf's cp1252 translator: the core fonts are encoded
// in Windows-1252, which has every letter of Spanish (á, é, ñ, ü, ¿, ¡)
// and the typographic quotes, so no font file needs to be embedded.
// Characters outside it (emoji, CJK) become "?". centered lays the page
// out as a certificate. The dates are issued, so the same document
// renders to the same bytes.
func toPDF(bs []block, title string, centered bool, issued time.Time) ([]byte, error) {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetMargins(pageMargin, pageMargin, pageMargin)
	pdf.SetAutoPageBreak(true, pageMargin)
	// Fonts and other resources in a fixed order: fpdf lists them from a
	// map otherwise, and the same document must give the same bytes (its
	// digest is stored, and a re-delivered request finds it).
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(issued.UTC())
	pdf.SetModificationDate(issued.UTC())
	pdf.SetTitle(title, true)
	pdf.SetAuthor("Brújula Digital", true)
	pdf.SetCreator("Faro", true)
	tr := pdf.UnicodeTranslatorFromDescriptor("") // cp1252
	pdf.AddPage()
	if centered {
		pdf.SetY(55)
	}
	align := "L"
	if centered {
		align = "C"
	}
	for i := 0; i < len(bs); i++ {
		bl := bs[i]
		switch bl.kind {
		case blockH1:
			pdf.SetFont("Helvetica", "B", 22)
			pdf.MultiCell(0, 11, tr(plain(bl.lines[0])), "", align, false)
			pdf.Ln(3)
		case blockH2:
			pdf.SetFont("Helvetica", "B", 16)
			pdf.MultiCell(0, 9, tr(plain(bl.lines[0])), "", align, false)
			pdf.Ln(2)
		case blockH3:
			pdf.SetFont("Helvetica", "B", 13)
			pdf.MultiCell(0, 7, tr(plain(bl.lines[0])), "", align, false)
			pdf.Ln(1)
		case blockRule:
			y := pdf.GetY() + 3
			pdf.SetDrawColor(180, 180, 180)
			pdf.Line(pageMargin, y, pageMargin+textWidth, y)
			pdf.SetY(y + 4)
		case blockBullet, blockPara:
			prefix := ""
			if bl.kind == blockBullet {
				prefix = "• "
			}
			for _, line := range bl.lines {
				if centered {
					pdf.SetFont("Helvetica", "", 12)
					pdf.MultiCell(0, 7, tr(prefix+plain(line)), "", "C", false)
					continue
				}
				pdf.SetFont("Helvetica", "", 11)
				if prefix != "" {
					pdf.Write(6, tr(prefix))
				}
				for _, sp := range spans(line) {
					style := ""
					if sp.bold {
						style = "B"
					}
					pdf.SetFont("Helvetica", style, 11)
					pdf.Write(6, tr(sp.text))
				}
				pdf.Ln(6)
			}
			pdf.Ln(3)
		case blockTable:
			drawTable(pdf, tr, bl)
			pdf.Ln(4)
		}
	}
	var out bytes.Buffer
	if err := pdf.Output(&out); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// drawTable draws a table: the first column takes what the others leave,
// the others (quantities, amounts) are right-aligned.
func drawTable(pdf *fpdf.Fpdf, tr func(string) string, bl block) {
	cols := 0
	for _, r := range bl.rows {
		cols = max(cols, len(r))
	}
	if cols == 0 {
		return
	}
	widths := make([]float64, cols)
	if cols == 1 {
		widths[0] = textWidth
	} else {
		other := 28.0
		widths[0] = textWidth - other*float64(cols-1)
		for i := 1; i < cols; i++ {
			widths[i] = other
		}
	}
	pdf.SetDrawColor(190, 190, 190)
	pdf.SetFillColor(240, 240, 240)
	for j, row := range bl.rows {
		head := j == 0 && bl.header
		style := ""
		if head {
			style = "B"
		}
		pdf.SetFont("Helvetica", style, 10)
		for k := range cols {
			text := ""
			if k < len(row) {
				text = tr(plain(row[k]))
			}
			align := "L"
			if k > 0 {
				align = "R"
			}
			pdf.CellFormat(widths[k], 7, fit(pdf, text, widths[k]-2), "1", 0, align, head, 0, "")
		}
		pdf.Ln(-1)
	}
}

// fit shortens text (already cp1252) to width, ending it with an ellipsis.
func fit(pdf *fpdf.Fpdf, text string, width float64) string {
	if pdf.GetStringWidth(text) <= width {
		return text
	}
	const ellipsis = "\x85" // … in cp1252
	b := []byte(text)
	for len(b) > 0 && pdf.GetStringWidth(string(b)+ellipsis) > width {
		b = b[:len(b)-1]
	}
	return string(b) + ellipsis
}
