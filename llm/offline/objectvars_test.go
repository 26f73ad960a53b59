package offline_test

import (
	"strings"
	"testing"

	"github.com/faroai/faro/llm/turnctx"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/tools"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A document's values written in a sentence reach the tool under the keys
// its description lists for the template named, read by what each key
// is: a person after "for"/"contacto", a company after "at"/"de", priced
// lines, a number of days, a code with digits, a date.
func TestDocumentValuesFromASentence(t *testing.T) {
	staff := turnctx.Context{Role: string(store.RoleStaff)}
	for _, c := range []struct {
		text string
		want map[string]any
	}{
		{"prepare a proposal for Irene Vance at Northwind Tiles: two AI workshops at 800 USD each plus a follow-up call 150 USD, valid for 45 days",
			map[string]any{"client_name": "Irene Vance", "company": "Northwind Tiles", "items": "2x AI workshops 800; follow-up call 150", "valid_until": "45 days", "currency": "USD"}},
		{"necesito la factura FAC-0931 a nombre de Talleres Ruiz SL por 4 licencias de Pulse Starter a 29 usd cada una",
			map[string]any{"invoice_number": "FAC-0931", "client_name": "Talleres Ruiz SL", "company": "Talleres Ruiz SL", "items": "4x licencias de Pulse Starter 29"}},
		{"invoice #553 to Bright Labs LLC — 5 Pulse Starter seats at $29/month each, due in 30 days",
			map[string]any{"invoice_number": "553", "client_name": "Bright Labs LLC", "items": "5x Pulse Starter seats 29", "due_date": "30 days"}},
		{"proposta para a Maria Souza da Clínica Vida: 1 workshop de IA por 2.000 USD e 3 mentorias de 250 USD, válida por 10 dias",
			map[string]any{"client_name": "Maria Souza", "company": "Clínica Vida", "items": "workshop de IA 2.000; 3x mentorias 250", "valid_until": "10 days"}},
		{"genera el certificado de Lucia Mendez por terminar Prompt engineering en la práctica el 3 de abril de 2027, número CERT-2291",
			map[string]any{"student_name": "Lucia Mendez", "completion_date": "2027-04-03", "certificate_number": "CERT-2291"}},
		{"quote for Halden Labs, contact Ines Roy: 9 seats of the AI for Marketing course, valid for 20 days",
			map[string]any{"client_name": "Ines Roy", "company": "Halden Labs", "items": "9x AI for Marketing", "valid_until": "20 days"}},
		{"faz um certificado para o aluno Caio Menezes, terminou em 02/05/2027, código CRT-88QZ",
			map[string]any{"student_name": "Caio Menezes", "completion_date": "2027-05-02", "certificate_number": "CRT-88QZ"}},
		// Seats counted in the middle of the request, a discount that is
		// not a price, the price after it, and the contact person.
		{"could you draft a proposal for Ridgeline Foods, 8 seats in the AI for Marketing course with our 15% discount, so 211.65 each. contact is Omar Haddad",
			map[string]any{"client_name": "Omar Haddad", "company": "Ridgeline Foods", "items": "8x AI for Marketing 211.65"}},
		// The company as the sentence's subject, "from us:" no key, and a
		// count, a course and a price each in parts of their own.
		{"Halvorsen Inc wants a proposal from us: 6 seats, Prompt Engineering in Practice, 185 each. the contact is Mia Torres",
			map[string]any{"client_name": "Mia Torres", "company": "Halvorsen Inc", "items": "6x Prompt Engineering in Practice 185", "from_us": nil}},
		// "pa", as Spanish speakers write "para".
		{"hazme una propuesta pa Panadería La Espiga: 2 talleres de IA a 700 USD cada uno",
			map[string]any{"company": "Panadería La Espiga", "items": "2x talleres de IA 700"}},
	} {
		args, _ := fillOne(t, staff, "generate_document", human(c.text))
		vars, _ := args["variables"].(map[string]any)
		for k, v := range c.want {
			assert.Equal(t, v, vars[k], "%s: %s", c.text, k)
		}
	}
}

// A person named with a company after "da"/"de" is two values, not one
// name running into the company's.
func TestDocumentClientAndCompanyApart(t *testing.T) {
	args, _ := fillOne(t, turnctx.Context{Role: string(store.RoleStaff)}, "generate_document",
		human("monta uma proposta para a cliente Helena Prado da Vidraçaria Sol"))
	vars, _ := args["variables"].(map[string]any)
	assert.Equal(t, "Helena Prado", vars["client_name"])
	assert.Equal(t, "Vidraçaria Sol", vars["company"])
}

// A result that reports missing values leaves the request open: the next
// message gives them, and the call is made again with both messages'
// values.
func TestDocumentMissingValuesGivenNext(t *testing.T) {
	c := &calls{}
	reg := tools.NewRegistry()
	tools.Add(reg, tools.Spec{Name: "generate_document", Description: "Generate a document.", Roles: everyone,
		Examples: []tools.Example{{Lang: "en", Text: "make a proposal document"}, {Lang: "es", Text: "haz una propuesta"}}},
		record(c, "generate_document", func(in tools.GenerateDocumentArgs) any {
			var missing []string
			for _, k := range []string{"client_name", "company", "items", "valid_until"} {
				if in.Variables[k] == nil {
					missing = append(missing, k)
				}
			}
			if len(missing) > 0 {
				return map[string]any{"status": "incomplete", "template": in.Template, "missing": missing, "message": "Missing: " + strings.Join(missing, ", ")}
			}
			return map[string]any{"status": "generated", "url": "http://localhost/d/x", "message": "Here it is: http://localhost/d/x"}
		}))
	a := &agent{t: t, model: newModel(t, reg), reg: reg, role: store.RoleStaff, calls: c,
		tc: turnctx.Context{Role: string(store.RoleStaff), Language: "en"}}
	// Staff asking for a proposal without its items are asked for them
	// before any call: a call would only come back incomplete.
	first := a.say("I need a proposal for Omar Haddad at Cedar Print")
	require.Empty(t, first.calls, first.reply)
	require.Contains(t, first.reply, "items with their prices")
	second := a.say("lines: brand workshop 700 USD; two coaching hours 120 USD each. good for 10 days")
	require.Equal(t, []string{"generate_document"}, callNames(second.calls), second.reply)
	vars, _ := args(t, second.calls[0])["variables"].(map[string]any)
	assert.Equal(t, "Omar Haddad", vars["client_name"])
	assert.Equal(t, "Cedar Print", vars["company"])
	assert.Equal(t, "10 days", vars["valid_until"])
	assert.Contains(t, second.reply, "/d/")
}

// A request for what a tool makes, named by its kind, goes to the tool;
// the one course a previous result was about is the course it is for.
func TestCertificateForTheCourseJustListed(t *testing.T) {
	c := &calls{}
	reg := tools.NewRegistry()
	tools.Add(reg, tools.Spec{Name: "my_enrollments", Description: "The caller's enrolments.", Roles: everyone,
		Examples: []tools.Example{{Lang: "en", Text: "which courses am I enrolled in"}, {Lang: "es", Text: "mis inscripciones"}}},
		record(c, "my_enrollments", func(struct{}) any {
			return map[string]any{"enrollments": []any{map[string]any{"course": "datos-ia", "title": "AI-Powered Data Analysis", "progress": 100}},
				"message": "Your courses:\n- AI-Powered Data Analysis — completed"}
		}))
	tools.Add(reg, tools.Spec{Name: "generate_document", Description: "Generate a document: a certificate, a proposal or an invoice.", Roles: everyone,
		Examples: []tools.Example{{Lang: "en", Text: "make a proposal document"}, {Lang: "es", Text: "haz una propuesta"},
			{Lang: "en", Text: "send me my course certificate please"}, {Lang: "es", Text: "genera la factura del cliente"}}},
		record(c, "generate_document", func(in tools.GenerateDocumentArgs) any {
			return map[string]any{"status": "generated", "url": "http://localhost/d/x", "message": "Here it is: http://localhost/d/x"}
		}))
	a := &agent{t: t, model: newModel(t, reg), reg: reg, role: store.RoleStudent, calls: c,
		tc: turnctx.Context{Role: string(store.RoleStudent), Language: "en"}}
	first := a.say("which courses am I enrolled in at the moment?")
	require.Equal(t, []string{"my_enrollments"}, callNames(first.calls), first.reply)
	second := a.say("nice, so now I want the certificate for it")
	// The enrolments are checked before a student's certificate is made.
	require.Equal(t, []string{"my_enrollments", "generate_document"}, callNames(second.calls), second.reply)
	got := args(t, second.calls[1])
	assert.Equal(t, "certificate", got["template"])
	assert.Equal(t, "datos-ia", got["course"])
}

// A student's certificate for a course still in progress is explained,
// not attempted.
func TestCertificateOfAnUnfinishedCourse(t *testing.T) {
	c := &calls{}
	reg := tools.NewRegistry()
	tools.Add(reg, tools.Spec{Name: "my_enrollments", Description: "The caller's enrolments.", Roles: everyone,
		Examples: []tools.Example{{Lang: "en", Text: "which courses am I enrolled in"}, {Lang: "es", Text: "mis inscripciones"}}},
		record(c, "my_enrollments", func(struct{}) any {
			return map[string]any{"enrollments": []any{map[string]any{"course": "datos-ia", "title": "Análisis de datos con IA", "status": "active", "progress": 40}}}
		}))
	tools.Add(reg, tools.Spec{Name: "generate_document", Description: "Generate a document: a certificate, a proposal or an invoice.", Roles: everyone,
		Examples: []tools.Example{{Lang: "en", Text: "send me my course certificate please"}, {Lang: "es", Text: "genera la factura del cliente"}}},
		record(c, "generate_document", func(in tools.GenerateDocumentArgs) any {
			return map[string]any{"status": "generated", "url": "http://localhost/d/x", "message": "Here it is: http://localhost/d/x"}
		}))
	a := &agent{t: t, model: newModel(t, reg), reg: reg, role: store.RoleStudent, calls: c,
		tc: turnctx.Context{Role: string(store.RoleStudent), Language: "es"}}
	res := a.say("necesito el certificado de análisis de datos con IA")
	require.Equal(t, []string{"my_enrollments"}, callNames(res.calls), res.reply)
	assert.Contains(t, res.reply, "40%")
	assert.NotContains(t, res.reply, "/d/")
}

// A document waiting for a value does not take the next request as that
// value: a KPI question while a proposal waits for its validity is a KPI
// question, and the proposal is still waiting after it.
func TestDocumentWaitingDoesNotSwallowOtherRequests(t *testing.T) {
	c := &calls{}
	reg := newRegistry(t, c, nil)
	tools.Add(reg, tools.Spec{Name: "generate_document", Description: "Generate a document: a certificate, a proposal or an invoice.", Roles: everyone,
		Examples: []tools.Example{{Lang: "en", Text: "make a proposal document"}, {Lang: "es", Text: "haz una propuesta"}}},
		record(c, "generate_document", func(in tools.GenerateDocumentArgs) any {
			if in.Variables["valid_until"] == nil {
				return map[string]any{"status": "incomplete", "template": in.Template, "missing": []string{"valid_until"}, "message": "Missing: valid_until"}
			}
			return map[string]any{"status": "generated", "url": "http://localhost/d/x", "message": "Here it is: http://localhost/d/x"}
		}))
	a := &agent{t: t, model: newModel(t, reg), reg: reg, role: store.RoleStaff, calls: c,
		tc: turnctx.Context{Role: string(store.RoleStaff), Language: "en"}}
	first := a.say("a proposal for Rosa Vidal at Lumen Print: 2 AI workshops at 900 USD")
	require.Equal(t, []string{"generate_document"}, callNames(first.calls), first.reply)
	kpi := a.say("what's our MRR this month?")
	require.Equal(t, []string{"report_kpis"}, callNames(kpi.calls), kpi.reply)
}

// An argument for one kind of document only ("For a certificate: the
// course") is left out of another: an invoice that names a course carries
// no course, and its variables are the invoice's, not a certificate's.
func TestInvoiceCarriesNoCertificateArguments(t *testing.T) {
	c := &calls{}
	reg := tools.NewRegistry()
	tools.Add(reg, tools.Spec{Name: "generate_document", Description: "Generate a document.", Roles: everyone,
		Examples: []tools.Example{{Lang: "en", Text: "make an invoice"}, {Lang: "es", Text: "haz una factura"}}},
		record(c, "generate_document", func(in tools.GenerateDocumentArgs) any {
			return map[string]any{"status": "generated", "url": "http://localhost/d/x", "message": "Here it is: http://localhost/d/x"}
		}))
	a := &agent{t: t, model: newModel(t, reg), reg: reg, role: store.RoleStaff, calls: c,
		tc: turnctx.Context{Role: string(store.RoleStaff), Language: "en"}}
	res := a.say("make an invoice for Omar Haddad at Cedar Print: 3x AI for Marketing seats 249 USD each")
	require.Equal(t, []string{"generate_document"}, callNames(res.calls), res.reply)
	got := args(t, res.calls[0])
	assert.Equal(t, "invoice", got["template"])
	assert.NotContains(t, got, "course")
	vars, _ := got["variables"].(map[string]any)
	assert.NotContains(t, vars, "student_name")
	assert.NotContains(t, vars, "course_title")
	assert.NotContains(t, vars, "cedar_print") // a name before a colon is no key
	assert.Equal(t, "Omar Haddad", vars["client_name"])
	assert.Equal(t, "Cedar Print", vars["company"])
}

// "paid for the AI data analysis course": one capitalised word the
// lexicon knows as a thing ("AI", "Pulse") is no one a document is for;
// an unknown one ("ACME") is.
func TestDocumentForNoKnownThing(t *testing.T) {
	t.Parallel()
	staff := turnctx.Context{Role: string(store.RoleStaff)}
	args, _ := fillOne(t, staff, "generate_document", human("invoice for the AI data analysis course, paid 10 days ago"))
	vars, _ := args["variables"].(map[string]any)
	assert.Nil(t, vars["client_name"])
	args, _ = fillOne(t, staff, "generate_document", human("invoice for ACME, 3 seats of AI for Marketing"))
	vars, _ = args["variables"].(map[string]any)
	assert.Equal(t, "ACME", vars["client_name"])
}

// A kind of business opens a company's name, articles and all: the
// document is for that company.
func TestDocumentForABusinessNamedByItsKind(t *testing.T) {
	t.Parallel()
	staff := turnctx.Context{Role: string(store.RoleStaff)}
	for text, want := range map[string]string{
		"necesito una propuesta para Clínica Veterinaria Patitas: 5 plazas de IA para marketing": "Clínica Veterinaria Patitas",
		"propuesta para Panadería La Espiga, 4 plazas del curso de prompts, en pdf":              "Panadería La Espiga",
	} {
		args, _ := fillOne(t, staff, "generate_document", human(text))
		vars, _ := args["variables"].(map[string]any)
		assert.Equal(t, want, vars["company"], text)
	}
}

// An ampersand inside a company's name stays in it: "Ocampo & Hijos" on an
// invoice, "Lumen & Co" on a lead.
func TestNameKeepsItsAmpersand(t *testing.T) {
	t.Parallel()
	args, _ := fillOne(t, turnctx.Context{Role: string(store.RoleStaff)}, "generate_document", human("generate the invoice INV-2291 for Ocampo & Hijos, 3 workshops at 800 USD"))
	vars, _ := args["variables"].(map[string]any)
	assert.Equal(t, "Ocampo & Hijos", vars["client_name"])
	args, _ = fillOne(t, turnctx.Context{}, "qualify_lead", human("we're Lumen & Co, 14 people, we want a demo of Pulse. sam@lumen.co"))
	assert.Equal(t, "Lumen & Co", args["company"])
}
