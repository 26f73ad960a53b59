package offline_test

import (
	"testing"

	"github.com/faroai/faro/llm/turnctx"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/tools"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The email identifies a lead: it is recorded as soon as the email is
// known, the name is asked afterwards, and the answer records it on the
// same lead.
func TestLeadRecordedBeforeTheName(t *testing.T) {
	c := &calls{}
	reg := tools.NewRegistry()
	tools.Add(reg, tools.Spec{Name: "qualify_lead", Description: "Record a sales lead for a company interested in our products.",
		Roles: everyone, Mutating: true,
		Examples: []tools.Example{{Lang: "en", Text: "we'd like a quote to train our team on AI"}, {Lang: "es", Text: "quiero una demo de pulse para mi empresa"}}},
		record(c, "qualify_lead", func(in tools.QualifyLeadArgs) any {
			return map[string]any{"status": "recorded", "message": "Thanks! Sales will write to " + in.Email + "."}
		}))
	a := &agent{t: t, model: newModel(t, reg), reg: reg, role: store.RoleProspect, calls: c,
		tc: turnctx.Context{Role: string(store.RoleProspect), Language: "en"}}
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
	c := &calls{}
	reg := tools.NewRegistry()
	tools.Add(reg, tools.Spec{Name: "qualify_lead", Description: "Record a sales lead for a company interested in our products.",
		Roles: everyone, Mutating: true,
		Examples: []tools.Example{{Lang: "en", Text: "we'd like a quote to train our team on AI"}, {Lang: "es", Text: "quiero una demo de pulse para mi empresa"},
			{Lang: "en", Text: "can someone from sales contact me about a corporate plan"}}},
		record(c, "qualify_lead", func(in tools.QualifyLeadArgs) any {
			return map[string]any{"status": "recorded", "message": "Thanks! Sales will write to " + in.Email + "."}
		}))
	a := &agent{t: t, model: newModel(t, reg), reg: reg, role: store.RoleProspect, calls: c,
		tc: turnctx.Context{Role: string(store.RoleProspect), Language: "en"}}
	a.say("do you run AI training for companies? we are Harbour Paints, a paint maker")
	got := a.say("could a sales rep get in touch? mo@harbourpaints.example")
	require.Equal(t, []string{"qualify_lead"}, callNames(got.calls), got.reply)
	args := args(t, got.calls[0])
	assert.Equal(t, "courses", args["interest"])
	assert.Equal(t, "Harbour Paints", args["company"])
}
