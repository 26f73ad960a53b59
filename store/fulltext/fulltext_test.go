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
