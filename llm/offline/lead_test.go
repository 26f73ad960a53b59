package offline_test

import (
	"testing"

	"github.com/faroai/faro/llm/turnctx"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/tools"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// leadAgent is a prospect's conversation with a qualify_lead that records
// the lead and says so.
func leadAgent(t *testing.T, lang string, examples ...tools.Example) *agent {
	t.Helper()
	c := &calls{}
	reg := tools.NewRegistry()
	examples = append([]tools.Example{{Lang: "en", Text: "we'd like a quote to train our team on AI"}, {Lang: "es", Text: "quiero una demo de pulse para mi empresa"}}, examples...)
	tools.Add(reg, tools.Spec{Name: "qualify_lead", Description: "Record a sales lead for a company interested in our products.",
		Roles: everyone, Mutating: true, Examples: examples},
		record(c, "qualify_lead", func(in tools.QualifyLeadArgs) any {
			return map[string]any{"status": "recorded", "message": "Thanks! Sales will write to " + in.Email + "."}
		}))
	return &agent{t: t, model: newModel(t, reg), reg: reg, role: store.RoleProspect, calls: c,
		tc: turnctx.Context{Role: string(store.RoleProspect), Language: lang}}
}

// The email identifies a lead: it is recorded as soon as the email is
// known, the name is asked afterwards, and the answer records it on the
// same lead.
func TestLeadRecordedBeforeTheName(t *testing.T) {
	a := leadAgent(t, "en")
	first := a.say("we'd like a demo of Pulse for our shop, write to lia@shopnorth.example")
	require.Equal(t, []string{"qualify_lead"}, callNames(first.calls), first.reply)
	assert.Equal(t, "lia@shopnorth.example", args(t, first.calls[0])["email"])
	assert.Contains(t, folded(first.reply), "name")
	second := a.say("Lia Moreno")
	require.Equal(t, []string{"qualify_lead"}, callNames(second.calls), second.reply)
	got := args(t, second.calls[0])
	assert.Equal(t, "Lia Moreno", got["name"])
	assert.Equal(t, "lia@shopnorth.example", got["email"])
}

// A company introduced as who "we are", and a name that introduces itself
// ("… here"), are read as the lead's.
func TestLeadIntroductions(t *testing.T) {
	for _, c := range []struct {
		text          string
		name, company string
	}{
		{"Hi, Priya Raman here, we're Oakline Foods, 60 people, want AI training; priya@oakline.example", "Priya Raman", "Oakline Foods"},
		{"hola, somos Textiles Río Claro y queremos capacitar al equipo, soy Julia Paz, julia@rioclaro.example", "Julia Paz", "Textiles Río Claro"},
		{"somos 8 personas en la tienda, escribime a caro@tienda.example", "", ""},
		// Lowercase words inside a name, between capitalised ones.
		{"registra este lead: Hernán Cabello, hernan@vdv.example, empresa Vinos del Valle, unos 60 empleados", "Hernán Cabello", "Vinos del Valle"},
		{"we're Lumen and Co, 14 people, write to sam@lumen.example", "", "Lumen and Co"},
		{"somos Acme y queremos capacitar a 20 personas, ana@acme.example", "", "Acme"},
		// One capitalised word after "at" is where someone works.
		{"Hey, Jo Baker, I head marketing at Brightloom (retail, 45 staff), jo@brightloom.example", "Jo Baker", "Brightloom"},
		// Staff logging someone else's lead: the name, then its company.
		{"apunta este lead porfa: Marta Gil de Conservas Norte, 12 empleados, marta@conservas.example", "Marta Gil", "Conservas Norte"},
		// Of two names standing alone, the email's is the person's; the
		// company is the one its domain is made of.
		{"quick q, can sales ring me? Tomás Ibarra, Molinos Sur, 30 staff, tibarra@molinossur.example", "Tomás Ibarra", "Molinos Sur"},
		{"Soy Rita Lobo, jefa de compras en Ferretería Alba (20 empleados). rita@ferreteriaalba.example", "Rita Lobo", "Ferretería Alba"},
		// A company noun, then what it is called; a labelled company; on
		// someone's behalf.
		{"the agency is Blue Heron, we're 9, reach me at kim@gmail.example", "", "Blue Heron"},
		{"Organizacion: no. Empresa: Quesos Altos. Correo: leo@gmail.example", "", "Quesos Altos"},
		{"escribo de parte de Hoteles Brisa, nos interesa pulse, eva@gmail.example", "", "Hoteles Brisa"},
		// The name the email is made of, after a verb; a name the
		// domain is made of is the company's, never the person's.
		{"Buen día, les saluda Irene Castro, de compras. irene.castro@gmail.example", "Irene Castro", ""},
		{"our 6-person studio, Lumen Works, wants Pulse. write to zed@lumenworks.example", "", "Lumen Works"},
	} {
		args, _ := fillOne(t, turnctx.Context{}, "qualify_lead", human(c.text))
		if c.name != "" {
			assert.Equal(t, c.name, args["name"], c.text)
		}
		if c.company == "" {
			assert.Nil(t, args["company"], c.text)
		} else {
			assert.Equal(t, c.company, args["company"], c.text)
		}
	}
}

// What the caller said before the request counts: the choice it leaves
// open (the interest) and the company named in an earlier message, and a
// question that leaves an email asks to be contacted.
func TestLeadFromEarlierMessages(t *testing.T) {
	a := leadAgent(t, "en", tools.Example{Lang: "en", Text: "can someone from sales contact me about a corporate plan"})
	a.say("do you run AI training for companies? we are Harbour Paints, a paint maker")
	got := a.say("could a sales rep get in touch? mo@harbourpaints.example")
	require.Equal(t, []string{"qualify_lead"}, callNames(got.calls), got.reply)
	args := args(t, got.calls[0])
	assert.Equal(t, "courses", args["interest"])
	assert.Equal(t, "Harbour Paints", args["company"])
}

// What a prospect wants, when no word of theirs names the product, is what
// the knowledge base found for the message: the pages its words lead to
// are the product's. Pages of no one product, or none, leave it to be
// asked.
func TestLeadInterestFromWhatTheKnowledgeFound(t *testing.T) {
	docs := []turnctx.Passage{
		{Ref: "1", Source: "es/docs/generacion.md", Title: "Brújula Docs: generación de documentos", Text: "Contratos y propuestas a partir de tus datos."},
		{Ref: "2", Source: "es/docs/generacion.md", Title: "Brújula Docs: generación de documentos", Heading: "Plantillas", Text: "Plantillas propias."},
	}
	mixed := []turnctx.Passage{
		{Ref: "1", Source: "es/docs/generacion.md", Title: "Brújula Docs: generación de documentos", Text: "Contratos."},
		{Ref: "2", Source: "es/pulse/planes.md", Title: "Brújula Pulse: planes y precios", Text: "Planes."},
	}
	text := "mi jefe me pidió averiguar lo de armar propuestas en automático, somos una inmobiliaria de 120 personas, escriban a jorge@casanorte.example"
	got, missing := fillOne(t, turnctx.Context{Passages: docs}, "qualify_lead", human(text))
	assert.Equal(t, "documents", got["interest"])
	assert.NotContains(t, missing, "interest")
	for _, ps := range [][]turnctx.Passage{nil, mixed} {
		got, missing = fillOne(t, turnctx.Context{Passages: ps}, "qualify_lead", human(text))
		assert.Nil(t, got["interest"], ps)
		assert.Contains(t, missing, "interest", ps)
	}
}

// A company's size said in words ("60 funcionários") is its size, not the
// count before it that only might be of people ("3 clínicas"); so is a
// number the speakers count themselves with ("somos unos 15", "we're
// around 40", "un equipo de 9"), with or without a noun after it.
func TestLeadSizeSaidInWordsWins(t *testing.T) {
	for text, want := range map[string]float64{
		"somos unos 15 en la oficina, queremos pulse, ines@gmail.example":                                       15,
		"we're around 40 and want AI training, write to bo@gmail.example":                                       40,
		"we are about 12, looking at Pulse for campaigns, al@gmail.example":                                     12,
		"la idea es formar a un equipo de 9 comerciales, ro@gmail.example":                                      9,
		"sou dono de uma rede de 3 clínicas em Curitiba, 60 funcionários no total, email paulo@sorriso.example": 60,
		"we run 4 bakeries with 35 employees overall, email ana@bakes.example":                                  35,
		"somos 25 vendedores, escribime a caro@tienda.example":                                                  25,
	} {
		got, _ := fillOne(t, turnctx.Context{}, "qualify_lead", human(text))
		assert.EqualValues(t, want, got["company_size"], text)
	}
}

// What a prospect wants, said by what the product does (its description's
// glosses): contracts are documents, WhatsApp campaigns the platform.
func TestLeadInterestFromWhatTheyDo(t *testing.T) {
	for text, want := range map[string]string{
		"we're a 12-person law firm looking to automate our contracts, budget around 2k, li@lawco.example":     "documents",
		"buenas! tenemos una clínica con 15 personas y queremos automatizar el whatsapp, sofi@clinica.example": "marketing_saas",
	} {
		got, _ := fillOne(t, turnctx.Context{}, "qualify_lead", human(text))
		assert.Equal(t, want, got["interest"], text)
	}
}

// A question that leaves the asker's email with more about them ("a team
// of 9… how much would it be? my email is …") asks to be contacted: the
// lead is recorded, what they want read from their words ("learn",
// "NDAs"), and the company named in an earlier message found by the
// email's domain.
func TestLeadLeftWithAQuestion(t *testing.T) {
	for _, c := range []struct {
		msgs     []string
		interest string
		company  string
	}{
		{[]string{"buenas, mi equipo de 9 comerciales tiene que aprender a usar IA, que precio tendria? escribime a ro@gmail.example"}, "courses", ""},
		{[]string{"We're a small notary office, 5 people. Any chance to draft NDAs automatically with you? lu@gmail.example"}, "documents", ""},
		{[]string{"hola, me interesa pulse para la tienda", "la tienda se llama Casa del Mate, somos 4", "ana@casadelmate.example"}, "marketing_saas", "Casa del Mate"},
	} {
		a := leadAgent(t, "es")
		var last turnResult
		for _, m := range c.msgs {
			last = a.say(m)
		}
		require.Equal(t, []string{"qualify_lead"}, callNames(last.calls), last.reply)
		got := args(t, last.calls[0])
		assert.Equal(t, c.interest, got["interest"], c.msgs)
		if c.company != "" {
			assert.Equal(t, c.company, got["company"], c.msgs)
		}
	}
}
