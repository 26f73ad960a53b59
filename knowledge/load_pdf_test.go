package knowledge

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/charmap"
)

// makePDF writes a minimal valid PDF: one page per element of pages, each
// line of a page placed with a text move (Td) as word processors do, and an
// empty line leaving a paragraph gap. Text is Helvetica in WinAnsi, so
// Spanish accents are real single-byte glyphs as in ordinary PDFs.
func makePDF(t testing.TB, pages [][]string) []byte {
	t.Helper()
	var objs []string
	add := func(s string) int { objs = append(objs, s); return len(objs) }
	catalog := add("") // filled once the page tree's number is known
	pagesObj := add("")
	widths := strings.TrimSpace(strings.Repeat("556 ", 224))
	font := add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding /FirstChar 32 /LastChar 255 /Widths [" + widths + "] >>")
	var kids []string
	for _, lines := range pages {
		var content bytes.Buffer
		content.WriteString("BT /F1 12 Tf 72 740 Td\n")
		first := true
		for _, line := range lines {
			if line == "" {
				content.WriteString("0 -14 Td\n") // the gap: a skipped line
				continue
			}
			if !first {
				content.WriteString("0 -14 Td\n")
			}
			first = false
			enc, err := charmap.Windows1252.NewEncoder().String(line)
			require.NoError(t, err)
			esc := strings.NewReplacer(`\`, `\\`, `(`, `\(`, `)`, `\)`).Replace(enc)
			fmt.Fprintf(&content, "(%s) Tj\n", esc)
		}
		content.WriteString("ET")
		c := add(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", content.Len(), content.String()))
		p := add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>", pagesObj, font, c))
		kids = append(kids, fmt.Sprintf("%d 0 R", p))
	}
	objs[catalog-1] = fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pagesObj)
	objs[pagesObj-1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids))

	var out bytes.Buffer
	out.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = out.Len()
		fmt.Fprintf(&out, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&out, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&out, "trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, catalog, xref)
	return out.Bytes()
}

var pdfPages = [][]string{
	{
		"Política de reembolso de Brújula Academy.",
		"Devolvemos el 100% del precio durante los primeros",
		"14 días del curso.",
		"",
		"Para pedirlo, escribe a soporte con tu número de pedido.",
	},
	{
		"Certificates are issued within five working days.",
	},
}

func TestParsePDF(t *testing.T) {
	p, err := parsePDF(makePDF(t, pdfPages))
	require.NoError(t, err)
	require.Len(t, p.sections, 2)

	first := p.sections[0]
	require.Equal(t, "page=1", first.anchor)
	require.Len(t, first.paras, 2, "the vertical gap separates paragraphs: %q", first.paras)
	require.Equal(t, "Política de reembolso de Brújula Academy.\nDevolvemos el 100% del precio durante los primeros\n14 días del curso.", first.paras[0],
		"lines stay apart (text moves are line breaks), accents survive")
	require.Equal(t, "Para pedirlo, escribe a soporte con tu número de pedido.", first.paras[1])
	require.Equal(t, "page=2", p.sections[1].anchor)
	require.Equal(t, []string{"Certificates are issued within five working days."}, p.sections[1].paras)
}

func TestParsePDFBroken(t *testing.T) {
	good := makePDF(t, pdfPages)
	for name, raw := range map[string][]byte{
		"not a PDF": []byte("hello, I am a text file named .pdf"),
		"truncated": good[:len(good)/2],
		"empty":     nil,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := parsePDF(raw)
			require.Error(t, err)
			require.Contains(t, err.Error(), "PDF")
		})
	}
}

func TestBuildPDFWithoutText(t *testing.T) {
	it := item{source: "scan.pdf", rel: "scan.pdf", name: "scan.pdf", format: formatPDF}
	_, err := build(it, makePDF(t, [][]string{{}}), formatPDF, mustChunkOptions(t, ChunkOptions{}))
	require.ErrorContains(t, err, "OCR")
}
