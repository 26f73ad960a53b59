package fulltext

import (
	"slices"
	"testing"
)

func TestQueryTermsMatchDocumentTerms(t *testing.T) {
	t.Parallel()
	cases := []struct {
		doc, docLang, query, queryLang string
	}{
		{"Abiertas las inscripciones de marzo", "es", "inscripcion", ""},
		{"Abiertas las inscripciones de marzo", "es", "inscripción", "es"},
		{"This course covers prompt design", "en", "courses", ""},
		{"Información sobre la facturación", "es", "informacion facturacion", "es"},
		{"Certificados al terminar", "es", "certificado", ""},
	}
	for _, c := range cases {
		doc := DocumentTerms(c.doc, c.docLang)
		hit := false
		for _, q := range QueryTerms(c.query, c.queryLang) {
			if slices.Contains(doc, q) {
				hit = true
			}
		}
		if !hit {
			t.Errorf("query %q (%s) terms %v do not meet document %q terms %v", c.query, c.queryLang, QueryTerms(c.query, c.queryLang), c.doc, doc)
		}
	}
}

func TestStopWordsAndFolding(t *testing.T) {
	t.Parallel()
	got := DocumentTerms("¿Cuánto CUESTA el curso de IA?", "es")
	want := []string{"cuant", "cuest", "curs", "ia"}
	if !slices.Equal(got, want) {
		t.Fatalf("DocumentTerms = %v, want %v", got, want)
	}
	if got := Fold("Ñandú Ação"); got != "nandu acao" {
		t.Fatalf("Fold = %q", got)
	}
}

func TestFoldMatchesFullDecomposition(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Inscripción":       "inscripcion",
		"ÁÉÍÓÚ ÜÑ ç":        "aeiou un c",
		"Ação São João":     "acao sao joao",
		"plain ASCII Text":  "plain ascii text",
		"precio: 149 US$ —": "precio: 149 us$ —",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func BenchmarkDocumentTerms(b *testing.B) {
	text := "Las inscripciones para el curso de Inteligencia Artificial aplicada al marketing abren el 8 de febrero; el precio es de 249 USD con descuentos."
	for b.Loop() {
		DocumentTerms(text, "es")
	}
}
