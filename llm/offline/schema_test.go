package offline

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Properties keep their written order from a raw schema; from a map (the
// definitions the agent passes) required ones come first, in "required"
// order.
func TestSchemaOrder(t *testing.T) {
	t.Parallel()
	raw := `{"type":"object","properties":{"subject":{"type":"string"},"description":{"type":"string"},"category":{"type":"string","enum":["billing","other"]},"email":{"type":"string","format":"email"}},"required":["subject","description","category"]}`
	s, err := parseSchema(newAnalyzer(), []byte(raw))
	require.NoError(t, err)
	var names []string
	for _, f := range s.fields {
		names = append(names, f.name)
	}
	require.Equal(t, []string{"subject", "description", "category", "email"}, names)

	m, err := schemaFromParameters(newAnalyzer(), map[string]any{
		"type":       "object",
		"properties": map[string]any{"z": map[string]any{"type": "string"}, "course": map[string]any{"type": "string"}, "email": map[string]any{"type": "string"}},
		"required":   []any{"course", "email"},
	})
	require.NoError(t, err)
	names = nil
	for _, f := range m.fields {
		names = append(names, f.name)
	}
	require.Equal(t, []string{"course", "email", "z"}, names)
}

// A field's kind comes from its type first, then its format and name.
func TestClassify(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		f    field
		want fieldKind
	}{
		{field{name: "email", typ: "string"}, kindEmail},
		{field{name: "contact", typ: "string", format: "email"}, kindEmail},
		{field{name: "email_opens", typ: "integer"}, kindInteger},
		{field{name: "phone", typ: "string"}, kindPhone},
		{field{name: "budget", typ: "number"}, kindNumber},
		{field{name: "company_size", typ: "integer"}, kindInteger},
		{field{name: "company", typ: "string"}, kindCompany},
		{field{name: "course", typ: "string"}, kindCourse},
		{field{name: "name", typ: "string"}, kindPersonName},
		{field{name: "template", typ: "string", description: "Template name"}, kindOther},
		{field{name: "from", typ: "string", format: "date"}, kindDate},
		{field{name: "period", typ: "string", enum: []string{"today"}}, kindEnum},
		{field{name: "metrics", typ: "array", itemEnum: []string{"mrr"}}, kindEnumList},
		{field{name: "description", typ: "string"}, kindText},
		{field{name: "topic", typ: "string"}, kindTopic},
		{field{name: "number", typ: "string"}, kindRef},
		{field{name: "demo_requested", typ: "boolean"}, kindBool},
		{field{name: "variables", typ: "object"}, kindObject},
	} {
		require.Equal(t, c.want, classify(c.f), c.f.name)
	}
}

// A boolean field is set to true when the message asks for what it names,
// and never set to false.
func TestFlagAsked(t *testing.T) {
	t.Parallel()
	f := field{name: "demo_requested", typ: "boolean", kind: kindBool}
	an := newAnalyzer()
	require.True(t, flagAsked(an, f, an.analyze("quiero una demo de pulse")))
	require.True(t, flagAsked(an, f, an.analyze("we'd like a demo please")))
	require.False(t, flagAsked(an, f, an.analyze("la demo que vi fue buena")))
	require.False(t, flagAsked(an, f, an.analyze("quiero una propuesta")))
}

// Values are found in text as written: amounts with their separators and
// multipliers, signs kept, phones normalised, dates in every usual form.
func TestMentions(t *testing.T) {
	t.Parallel()
	now := time.Date(2027, 1, 20, 0, 0, 0, 0, time.UTC)
	nums := func(s string) []float64 {
		var out []float64
		for _, n := range findMentions(newAnalyzer(), s, now).numbers {
			out = append(out, n.value)
		}
		return out
	}
	require.Equal(t, []float64{5000}, nums("presupuesto 5.000 USD"))
	require.Equal(t, []float64{3000}, nums("around $3,000"))
	require.Equal(t, []float64{5000}, nums("unos 5k"))
	require.Equal(t, []float64{1500}, nums("1,5k"))
	require.Equal(t, []float64{2500.5}, nums("2.500,50 €"))
	require.Equal(t, []float64{-2000}, nums("el presupuesto es de -2000 dolares"))
	require.Equal(t, []float64{3, 9}, nums("de 3-9 personas"))
	require.Equal(t, []float64{12}, nums("somos doce personas"))
	require.Empty(t, nums("b2b y mp3"))

	m := findMentions(newAnalyzer(), "mi cel es +52 55 1234 5678 o 55-8765-4321, mail ana.lopez@acme.com.", now)
	require.Equal(t, "+525512345678", m.phones[0].value)
	require.Equal(t, "5587654321", m.phones[1].value)
	require.Equal(t, "ana.lopez@acme.com", m.emails[0].value)
	require.Empty(t, m.numbers, "digits of phones are no amounts")

	dates := func(s string) []string {
		var out []string
		for _, d := range findMentions(newAnalyzer(), s, now).dates {
			out = append(out, d.date.Format("2006-01-02"))
		}
		return out
	}
	require.Equal(t, []string{"2027-03-03"}, dates("el 3 de marzo"))
	require.Equal(t, []string{"2027-03-03"}, dates("March 3rd"))
	require.Equal(t, []string{"2028-03-03"}, dates("March 3, 2028"))
	require.Equal(t, []string{"2027-02-15"}, dates("el 15/02/2027"))
	require.Equal(t, []string{"2027-01-05"}, dates("from 2027-01-05"))
	require.Equal(t, []string{"2027-03-01", "2027-03-15"}, dates("del 1 al 15 de marzo"))
	require.Equal(t, []string{"2027-01-21"}, dates("mañana a las 10"))
	require.Empty(t, dates("por la mañana"))
	require.Equal(t, []string{"2027-03-10"}, dates("10 de março de 2027"))
}

// Language detection from function words and spelling; short messages are
// never confident.
func TestDetectLang(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		text      string
		lang      string
		confident bool
	}{
		{"hola, quisiera saber cuanto cuesta el curso de marketing", langES, true},
		{"q necesito para q me den el certificado? no lo entregue todavia", langES, true},
		{"hi, how long is the course and when does it start?", langEN, true},
		{"oi, quanto custa o curso? e da certificado?", langPT, true},
		{"não consigo acessar a plataforma, vocês podem me ajudar?", langPT, true},
		{"me quiero anotar en ia para marketing", langES, true},
		{"gracias", langES, false},
		{"thanks", langEN, false},
		{"ok", "", false},
		{"ana@perez.com", "", false},
	} {
		g := detectLang(c.text)
		require.Equal(t, c.lang, g.lang, c.text)
		require.Equal(t, c.confident, g.confidence >= confidentLang, "%s: %.2f", c.text, g.confidence)
	}
}

// A request to switch language is told from a mention of one.
func TestExplicitSwitch(t *testing.T) {
	t.Parallel()
	for text, want := range map[string]string{
		"in English please":          langEN,
		"english pls":                langEN,
		"can you answer in english?": langEN,
		"en español por favor":       langES,
		"podemos seguir en español?": langES,
		"pode falar em português?":   langPT,
		"em português":               langPT,
		"can we switch to english please? my spanish is not great. how much is it": langEN,
		"tienen cursos en ingles?":        "",
		"the course is taught in Spanish": "",
		"hablo ingles y español":          "",
	} {
		require.Equal(t, want, explicitSwitch(text), text)
	}
	require.Equal(t, "my spanish is not great. how much is it", withoutSwitch("can we switch to english please? my spanish is not great. how much is it"))
	require.Equal(t, "cuanto cuesta?", withoutSwitch("cuanto cuesta?"))
}
