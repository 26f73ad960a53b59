package documents

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"text/template"
)

// Text is a text in Spanish and English, and in Portuguese where it is
// said to a person (labels, problems): the templates themselves are
// written in Spanish and English only.
type Text struct {
	ES string `json:"es"`
	EN string `json:"en"`
	PT string `json:"pt,omitempty"`
}

// In returns the text in lang: Spanish for "es", Portuguese for "pt"
// (Spanish when it has none), English otherwise.
func (t Text) In(lang string) string {
	switch {
	case lang == "es":
		return t.ES
	case lang == "pt" && t.PT != "":
		return t.PT
	case lang == "pt":
		return t.ES
	}
	return t.EN
}

// VarType is the type of a template variable.
type VarType string

// The variable types.
const (
	TypeString VarType = "string" // one line of text
	TypeDate   VarType = "date"   // YYYY-MM-DD, DD/MM/YYYY or "15 de marzo de 2027"
	TypeNumber VarType = "number" // 1500, 1.500,50, 1,500.50, "USD 1500"
	// TypeItems is a list of lines with a price: a JSON array of
	// {description, quantity, unit_price}, or text with one line per
	// item ("Taller de IA 1500; 2x Mentoría 300").
	TypeItems VarType = "items"
	// TypeValidity is a date, or a number of days from the day of issue
	// ("30 días", "30 days").
	TypeValidity VarType = "validity"
)

// Var is one variable a template declares.
type Var struct {
	Name        string  `json:"name"`
	Type        VarType `json:"type"`
	Required    bool    `json:"required"`
	Description Text    `json:"description"`
	// Label names it for people in each language.
	Label Text `json:"label"`
	// Aliases are other names accepted for it, as people write them
	// ("cliente", "empresa"): compared folded, spaces as underscores.
	Aliases []string `json:"aliases,omitempty"`
	// Serial makes the variable a reference the system assigns when the
	// caller leaves it out, as an invoicing system numbers its invoices:
	// Serial, the day of issue and six characters drawn from the other
	// values and the request ("INV-20270102-3F9A2C"). People asking for
	// an invoice rarely know its number, and should not be asked for it.
	Serial string `json:"serial,omitempty"`
	// Default is the value used when the caller leaves it out ("30
	// days" for a proposal's validity), read as a given value would be.
	Default any `json:"default,omitempty"`
}

// Template is one document template.
type Template struct {
	Name        string `json:"name"`
	Title       Text   `json:"title"`
	Description Text   `json:"description"`
	Vars        []Var  `json:"variables"`
	// Aliases are other names the template is asked for by ("propuesta",
	// "factura").
	Aliases []string `json:"aliases,omitempty"`
}

// Var returns the declared variable named name.
func (t Template) Var(name string) (Var, bool) {
	i := slices.IndexFunc(t.Vars, func(v Var) bool { return v.Name == name })
	if i < 0 {
		return Var{}, false
	}
	return t.Vars[i], true
}

//go:embed templates/*.md
var sources embed.FS

// Catalog holds the templates, parsed once. Safe for concurrent use.
type Catalog struct {
	list   []Template
	byName map[string]int
	// sources[name][lang] is the parsed source.
	sources map[string]map[string]*template.Template
}

// Languages are the languages every template is written in.
var languages = []string{"es", "en"}

// New parses the embedded templates. An error is a build mistake (a
// template declared without its sources, a source that does not parse),
// which the package's tests catch.
func New() (*Catalog, error) {
	c := &Catalog{byName: map[string]int{}, sources: map[string]map[string]*template.Template{}}
	for i, t := range builtin() {
		if _, dup := c.byName[t.Name]; dup {
			return nil, fmt.Errorf("documents: template %q declared twice", t.Name)
		}
		c.byName[t.Name] = i
		c.list = append(c.list, t)
		c.sources[t.Name] = map[string]*template.Template{}
		for _, lang := range languages {
			file := "templates/" + t.Name + "." + lang + ".md"
			raw, err := fs.ReadFile(sources, file)
			if err != nil {
				return nil, fmt.Errorf("documents: template %q: %w", t.Name, err)
			}
			tm, err := template.New(file).Funcs(funcs(lang)).Parse(string(raw))
			if err != nil {
				return nil, fmt.Errorf("documents: parse %s: %w", file, err)
			}
			c.sources[t.Name][lang] = tm
		}
	}
	return c, nil
}

// Templates lists the templates in their declared order.
func (c *Catalog) Templates() []Template { return slices.Clone(c.list) }

// Names lists the template names in their declared order.
func (c *Catalog) Names() []string {
	out := make([]string, len(c.list))
	for i, t := range c.list {
		out[i] = t.Name
	}
	return out
}

// Template finds a template by name or alias (case and accents ignored);
// an *[UnknownTemplateError] lists the templates when none matches.
func (c *Catalog) Template(name string) (Template, error) {
	key := foldKey(name)
	for _, t := range c.list {
		if foldKey(t.Name) == key || slices.ContainsFunc(t.Aliases, func(a string) bool { return foldKey(a) == key }) {
			return t, nil
		}
	}
	return Template{}, &UnknownTemplateError{Name: name, Known: c.list}
}

// UnknownTemplateError: no template has the name asked for.
type UnknownTemplateError struct {
	Name  string
	Known []Template
}

// Error implements error.
func (e *UnknownTemplateError) Error() string {
	return fmt.Sprintf("no document template is called %q; the templates are: %s", e.Name, strings.Join(e.names(), ", "))
}

func (e *UnknownTemplateError) names() []string {
	out := make([]string, len(e.Known))
	for i, t := range e.Known {
		out[i] = t.Name
	}
	return out
}

// unknownTemplateMessages take the name asked for and the templates.
var unknownTemplateMessages = map[string]string{
	"es": "No tengo ninguna plantilla llamada «%s». Puedo generar: %s.",
	"en": "I have no template called “%s”. I can generate: %s.",
	"pt": "Não tenho nenhum modelo chamado “%s”. Posso gerar: %s.",
}

// inLang is table's entry for lang, or the English one.
func inLang[T any](table map[string]T, lang string) T {
	if t, ok := table[lang]; ok {
		return t
	}
	return table["en"]
}

// Message says it in lang, listing the templates with their titles.
func (e *UnknownTemplateError) Message(lang string) string {
	list := make([]string, len(e.Known))
	for i, t := range e.Known {
		list[i] = fmt.Sprintf("%s (%s)", t.Name, t.Title.In(lang))
	}
	return fmt.Sprintf(inLang(unknownTemplateMessages, lang), e.Name, strings.Join(list, ", "))
}

// Problem is one variable that is missing or cannot be read.
type Problem struct {
	Var     string `json:"variable"`
	Missing bool   `json:"missing"`
	// Why says what is wrong with a value given (empty when missing).
	Why Text `json:"why,omitzero"`
}

// VarsError lists every variable of a template that is missing or cannot
// be read. Get it with errors.As.
type VarsError struct {
	Template Template
	Problems []Problem
}

// Error implements error, in English.
func (e *VarsError) Error() string {
	var parts []string
	for _, p := range e.Problems {
		if p.Missing {
			parts = append(parts, p.Var+": missing")
		} else {
			parts = append(parts, p.Var+": "+p.Why.EN)
		}
	}
	return fmt.Sprintf("template %s: %s", e.Template.Name, strings.Join(parts, "; "))
}

// Missing lists the names of the missing variables.
func (e *VarsError) Missing() []string {
	var out []string
	for _, p := range e.Problems {
		if p.Missing {
			out = append(out, p.Var)
		}
	}
	return out
}

// Message says what is missing and what is wrong, in lang, naming each
// variable by its label and its name (which an API client or the model
// passes).
func (e *VarsError) Message(lang string) string {
	var missing, wrong []string
	for _, p := range e.Problems {
		v, _ := e.Template.Var(p.Var)
		name := fmt.Sprintf("%s (%s)", v.Label.In(lang), p.Var)
		if p.Missing {
			missing = append(missing, name)
		} else {
			wrong = append(wrong, name+": "+p.Why.In(lang))
		}
	}
	tx := inLang(varsMessages, lang)
	var b strings.Builder
	b.WriteString(tx.intro(e.Template.Title.In(lang)))
	if len(missing) > 0 {
		fmt.Fprintf(&b, tx.missing, strings.Join(missing, ", "))
	} else {
		b.WriteString(tx.fix)
	}
	if len(wrong) > 0 {
		fmt.Fprintf(&b, tx.wrong, strings.Join(wrong, "; "))
	}
	return b.String()
}

// varsTexts are the frames of a [VarsError] message in one language: the
// intro names the template, then what is missing (or that something must
// be fixed), then what is wrong.
type varsTexts struct {
	intro               func(title string) string
	missing, fix, wrong string
}

var varsMessages = map[string]varsTexts{
	"es": {
		intro:   func(title string) string { return "Para generar «" + title + "»" },
		missing: " me falta: %s.", fix: " hay que corregir algunos datos.", wrong: " No puedo usar: %s.",
	},
	"en": {
		// "To generate the commercial proposal": the title in lower case.
		intro:   func(title string) string { return "To generate the " + strings.ToLower(title[:1]) + title[1:] },
		missing: " I still need: %s.", fix: " some details need fixing.", wrong: " I can't use: %s.",
	},
	"pt": {
		intro:   func(title string) string { return "Para gerar “" + title + "”" },
		missing: " ainda preciso de: %s.", fix: " é preciso corrigir alguns dados.", wrong: " Não posso usar: %s.",
	},
}

// ErrRender is a template that failed to execute with checked values: a
// bug of the template, not of the caller.
var ErrRender = errors.New("documents: render failed")
