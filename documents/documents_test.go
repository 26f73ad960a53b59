package documents_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ledongthuc/pdf"
	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/documents"
)

var issued = time.Date(2027, 3, 1, 10, 0, 0, 0, time.UTC)

func catalog(t *testing.T) *documents.Catalog {
	t.Helper()
	c, err := documents.New()
	require.NoError(t, err)
	return c
}

// sample are variables that fill every template.
func sample(name string) map[string]any {
	switch name {
	case documents.Certificate:
		return map[string]any{"student_name": "Íñigo Muñoz Peña", "course_title": "Análisis de datos con IA",
			"completion_date": "2027-02-26", "certificate_number": "BD-2027-0042"}
	case documents.Proposal:
		return map[string]any{"cliente": "Begoña Sánchez", "empresa": "Añil & Cía", "items": "Taller de IA para el equipo 1500; 2x Mentoría 300",
			"validez": "30 días", "notes": "Pago 50 % por adelantado"}
	case documents.Invoice:
		return map[string]any{"invoice_number": "F-2027-7", "client_name": "Acme", "items": []any{map[string]any{"description": "Pulse Pro", "quantity": 3.0, "unit_price": 49.5}},
			"iva": "16", "due_date": "15/03/2027"}
	}
	return nil
}

func render(t *testing.T, c *documents.Catalog, name, lang string, f documents.Format, vars map[string]any) documents.Rendered {
	t.Helper()
	tm, err := c.Template(name)
	require.NoError(t, err)
	v, err := c.Check(tm, vars, issued)
	require.NoError(t, err)
	r, err := c.Render(tm, lang, f, v, issued)
	require.NoError(t, err)
	require.Equal(t, f.ContentType(), r.ContentType)
	require.True(t, strings.HasSuffix(r.Filename, "."+f.Ext()), r.Filename)
	return r
}

// pdfText reads the text of a PDF back with the reader the knowledge base
// uses.
func pdfText(t *testing.T, raw []byte) string {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(raw), int64(len(raw)))
	require.NoError(t, err)
	var b strings.Builder
	for i := 1; i <= r.NumPage(); i++ {
		p := r.Page(i)
		for _, row := range mustRows(t, p) {
			for _, w := range row.Content {
				b.WriteString(w.S)
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

func mustRows(t *testing.T, p pdf.Page) pdf.Rows {
	t.Helper()
	rows, err := p.GetTextByRow()
	require.NoError(t, err)
	return rows
}

func TestEveryTemplateRendersInEveryFormatAndLanguage(t *testing.T) {
	c := catalog(t)
	require.Equal(t, []string{"certificate", "proposal", "invoice"}, c.Names())
	for _, tm := range c.Templates() {
		for _, lang := range []string{"es", "en"} {
			for _, f := range documents.Formats() {
				r := render(t, c, tm.Name, lang, f, sample(tm.Name))
				require.NotEmpty(t, r.Content, "%s %s %s", tm.Name, lang, f)
				require.NotContains(t, string(r.Content), "<no value>", "%s %s %s", tm.Name, lang, f)
			}
		}
	}
}

func TestPDFKeepsSpanishText(t *testing.T) {
	c := catalog(t)
	r := render(t, c, documents.Certificate, "es", documents.FormatPDF, sample(documents.Certificate))
	require.True(t, bytes.HasPrefix(r.Content, []byte("%PDF-")))
	text := pdfText(t, r.Content)
	for _, want := range []string{"Certificado de finalización", "Íñigo Muñoz Peña", "«Análisis de datos con IA»",
		"26 de febrero de 2027", "BD-2027-0042", "Número de certificado"} {
		require.Contains(t, text, want)
	}

	r = render(t, c, documents.Proposal, "es", documents.FormatPDF, sample(documents.Proposal))
	text = pdfText(t, r.Content)
	for _, want := range []string{"Propuesta comercial", "Begoña Sánchez", "Añil & Cía", "Taller de IA para el equipo",
		"1.500,00", "Mentoría", "600,00", "2.100,00 USD", "31 de marzo de 2027", "Pago 50 % por adelantado"} {
		require.Contains(t, text, want)
	}

	// The same document renders to the same bytes.
	again := render(t, c, documents.Proposal, "es", documents.FormatPDF, sample(documents.Proposal))
	require.Equal(t, r.Content, again.Content)
}

func TestInvoiceTotals(t *testing.T) {
	c := catalog(t)
	r := render(t, c, documents.Invoice, "en", documents.FormatMarkdown, sample(documents.Invoice))
	md := string(r.Content)
	require.Contains(t, md, "# Invoice F-2027-7")
	require.Contains(t, md, "| Pulse Pro | 3 | 49.50 | 148.50 |")
	require.Contains(t, md, "**Subtotal:** 148.50 USD")
	require.Contains(t, md, "**Tax (16 %):** 23.76 USD")
	require.Contains(t, md, "**Total:** 172.26 USD")
	require.Contains(t, md, "**Due date:** March 15, 2027")
}

func TestVariablesAreEscaped(t *testing.T) {
	c := catalog(t)
	vars := sample(documents.Proposal)
	vars["client_name"] = `<script>alert("x")</script>`
	vars["company"] = "Evil | Corp ** <b>bold</b>"
	vars["notes"] = "line one\n# not a heading\n<img src=x onerror=alert(1)>"

	h := string(render(t, c, documents.Proposal, "en", documents.FormatHTML, vars).Content)
	require.NotContains(t, h, "<script>")
	require.NotContains(t, h, "<img")
	require.NotContains(t, h, "<b>")
	require.Contains(t, h, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;")
	require.Contains(t, h, "&lt;img src=x onerror=alert(1)&gt;")
	require.NotContains(t, h, "<h1># not a heading", "a value never becomes a block")
	require.Equal(t, 1, strings.Count(h, "<h1>"))

	md := string(render(t, c, documents.Proposal, "en", documents.FormatMarkdown, vars).Content)
	require.NotContains(t, md, "<script>")
	require.Contains(t, md, "&lt;script&gt;")
	require.NotContains(t, md, "\n# not a heading")

	text := pdfText(t, render(t, c, documents.Proposal, "en", documents.FormatPDF, vars).Content)
	require.Contains(t, text, `<script>alert("x")</script>`, "PDF draws the text as it is")
}

func TestCheckReportsEveryProblemInTheUsersLanguage(t *testing.T) {
	c := catalog(t)
	tm, err := c.Template("propuesta") // by alias
	require.NoError(t, err)
	require.Equal(t, documents.Proposal, tm.Name)

	_, err = c.Check(tm, map[string]any{"cliente": "Laura Gómez", "validez": "mañana"}, issued)
	var ve *documents.VarsError
	require.True(t, errors.As(err, &ve), "%v", err)
	require.Equal(t, []string{"company", "items"}, ve.Missing())
	es := ve.Message("es")
	require.Contains(t, es, "Para generar «Propuesta comercial» me falta: empresa (company), conceptos con precio (items).")
	require.Contains(t, es, "validez (valid_until): no es una fecha ni un número de días")
	en := ve.Message("en")
	require.Contains(t, en, "I still need: company (company), items with prices (items).")
	pt := ve.Message("pt")
	require.Contains(t, pt, "Para gerar “Proposta comercial” ainda preciso de: empresa (company), itens com preço (items).")
	require.Contains(t, pt, "Não posso usar: validade (valid_until): não é uma data nem um número de dias")

	_, err = c.Check(tm, map[string]any{"client_name": "A", "company": "B", "items": "consulting", "valid_until": "2027-02-30"}, issued)
	require.True(t, errors.As(err, &ve))
	require.Len(t, ve.Problems, 2)
	require.Contains(t, ve.Message("en"), "item 1 has no description and price")
	require.Contains(t, ve.Message("en"), "validity (valid_until): is neither a date nor a number of days")
	require.Contains(t, ve.Message("pt"), "o item 1 não tem descrição e preço")

	_, err = c.Template("contrato")
	var ue *documents.UnknownTemplateError
	require.True(t, errors.As(err, &ue))
	require.Contains(t, ue.Message("es"), "certificate (Certificado de finalización), proposal (Propuesta comercial), invoice (Factura)")
	require.Contains(t, ue.Message("pt"), "Não tenho nenhum modelo chamado “contrato”. Posso gerar: certificate (Certificado de conclusão), "+
		"proposal (Proposta comercial), invoice (Fatura).")
	require.Contains(t, ue.Error(), "certificate, proposal, invoice")
}

func TestCheckReadsValuesAsPeopleWriteThem(t *testing.T) {
	c := catalog(t)
	tm, err := c.Template(documents.Invoice)
	require.NoError(t, err)
	v, err := c.Check(tm, map[string]any{"numero": "7", "client_name": "  Ana \n López ", "items": "2 x Curso IA: USD 1.250,50 + Soporte 99.90",
		"tax_rate": "21%", "due_date": "31 de marzo de 2027", "unknown": "ignored"}, issued)
	require.NoError(t, err)
	require.Equal(t, "Ana López", v["client_name"])
	require.Equal(t, []documents.Item{{Description: "Curso IA", Quantity: 2, UnitPrice: 1250.5}, {Description: "Soporte", Quantity: 1, UnitPrice: 99.9}}, v["items"])
	require.Equal(t, 21.0, v["tax_rate"])
	require.Equal(t, time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC), v["due_date"])
	require.NotContains(t, v, "unknown")

	// Dates as Portuguese speakers write them.
	v, err = c.Check(tm, map[string]any{"invoice_number": "8", "client_name": "Ana", "items": "Curso 100", "due_date": "31 de março de 2027"}, issued)
	require.NoError(t, err)
	require.Equal(t, time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC), v["due_date"])
	v, err = c.Check(tm, map[string]any{"invoice_number": "9", "client_name": "Ana", "items": "Curso 100", "due_date": "5 fev 2027"}, issued)
	require.NoError(t, err)
	require.Equal(t, time.Date(2027, 2, 5, 0, 0, 0, 0, time.UTC), v["due_date"])
}

func TestTextIn(t *testing.T) {
	tx := documents.Text{ES: "empresa", EN: "company", PT: "companhia"}
	require.Equal(t, "empresa", tx.In("es"))
	require.Equal(t, "company", tx.In("en"))
	require.Equal(t, "companhia", tx.In("pt"))
	require.Equal(t, "company", tx.In("fr"))
	require.Equal(t, "empresa", documents.Text{ES: "empresa", EN: "company"}.In("pt"), "no Portuguese: Spanish, the nearer language")
}

func TestLinks(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	l, err := documents.NewLinks("https://faro.example/", secret, time.Hour)
	require.NoError(t, err)
	now := time.Unix(1_800_000_000, 0)
	u, exp := l.URL("doc1", now)
	require.Equal(t, now.Add(time.Hour).UTC(), exp)
	require.True(t, strings.HasPrefix(u, "https://faro.example/d/doc1?exp=1800003600&sig="), u)
	sig := u[strings.Index(u, "sig=")+4:]

	require.NoError(t, l.Verify("doc1", "1800003600", sig, now))
	require.ErrorIs(t, l.Verify("doc1", "1800003600", sig, exp), documents.ErrLinkExpired)
	require.ErrorIs(t, l.Verify("doc2", "1800003600", sig, now), documents.ErrLinkInvalid, "another document")
	require.ErrorIs(t, l.Verify("doc1", "1900003600", sig, now), documents.ErrLinkInvalid, "a later expiry")
	require.ErrorIs(t, l.Verify("doc1", "1800003600", sig[:len(sig)-2]+"AA", now), documents.ErrLinkInvalid)
	require.ErrorIs(t, l.Verify("doc1", "1800003600", "%%%", now), documents.ErrLinkInvalid)

	other, err := documents.NewLinks("https://faro.example", []byte("another-secret-another-secret!!"), time.Hour)
	require.NoError(t, err)
	require.ErrorIs(t, other.Verify("doc1", "1800003600", sig, now), documents.ErrLinkInvalid, "another server secret")

	_, err = documents.NewLinks("ftp://x", secret, 0)
	require.Error(t, err)
	_, err = documents.NewLinks("https://x", []byte("short"), 0)
	require.Error(t, err)
}

// TestLinkSignatureEdited: every other spelling of the signature fails,
// the last character above all (32 bytes leave its two low bits unused,
// which a lenient decoder ignores).
func TestLinkSignatureEdited(t *testing.T) {
	l, err := documents.NewLinks("https://faro.example/", []byte("0123456789abcdef0123456789abcdef"), time.Hour)
	require.NoError(t, err)
	now := time.Unix(1_800_000_000, 0)
	for _, id := range []string{"doc1", "doc2", "019a-x", "d"} {
		u, _ := l.URL(id, now)
		sig := u[strings.Index(u, "sig=")+4:]
		require.NoError(t, l.Verify(id, "1800003600", sig, now))
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		for i := range sig {
			for _, c := range alphabet {
				if byte(c) == sig[i] {
					continue
				}
				edited := sig[:i] + string(c) + sig[i+1:]
				require.ErrorIs(t, l.Verify(id, "1800003600", edited, now), documents.ErrLinkInvalid, "sig %s edited at %d", edited, i)
			}
		}
		require.ErrorIs(t, l.Verify(id, "1800003600", sig+"=", now), documents.ErrLinkInvalid, "padded")
		require.ErrorIs(t, l.Verify(id, "1800003600", sig+"A", now), documents.ErrLinkInvalid, "longer")
	}
}
