package offline

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// field is one top-level argument of a tool, as its JSON schema declares it.
type field struct {
	name        string
	typ         string // string, integer, number, boolean, array, object ("" when unknown)
	enum        []string
	format      string
	description string
	required    bool
	itemType    string   // for arrays
	itemEnum    []string // for arrays of enum values
	kind        fieldKind
	// enumWords and itemEnumWords are the words of each value's phrases
	// (see enumPhrases), analysed once with the schema.
	enumWords, itemEnumWords [][][]word
	// objVars are, for an object, the keys its description lists for each
	// value of the enum field objOf ("certificate: student_name, …").
	objVars map[string][]subVar
	objOf   string
	// onlyFor is, for a field whose description says it is "for a
	// certificate", that value of the enum field onlyOf: the field means
	// nothing with another value.
	onlyFor, onlyOf string
}

// fieldKind is what the engine takes a field to hold, from its type,
// format, name and description: it chooses the extractor and the question.
type fieldKind int

const (
	kindOther      fieldKind = iota
	kindEmail                // an email address
	kindPhone                // a phone number
	kindDate                 // a date (YYYY-MM-DD)
	kindEnum                 // one of a list of values
	kindEnumList             // several of a list of values
	kindInteger              // a whole number (company size, ticket number)
	kindNumber               // an amount (budget)
	kindBool                 // yes or no
	kindCourse               // a course, by slug
	kindPersonName           // a person's name
	kindCompany              // a company's name
	kindCountry              // a country
	kindIndustry             // a business sector
	kindTimeline             // when something should happen, in words
	kindText                 // free text from the message: subject, description, reason, query
	kindTopic                // a short filter word: topic, keyword
	kindObject               // a free-form object (key: value pairs)
	kindRef                  // an identifier written as text: a ticket number, an order code
)

// schema is a tool's arguments in declaration order.
type schema struct {
	fields []field
}

// parseSchema reads a JSON schema of an object. Properties keep the order
// they are written in, which is the order of the tool's Go struct: the
// engine asks for missing arguments in that order, as the tool reports them.
func parseSchema(an *analyzer, raw []byte) (schema, error) {
	var top struct {
		Properties orderedProps `json:"properties"`
		Required   []string     `json:"required"`
	}
	if err := json.Unmarshal(raw, &top); err != nil {
		return schema{}, fmt.Errorf("parse tool schema: %w", err)
	}
	var s schema
	for _, p := range top.Properties {
		f := field{name: p.name, required: slices.Contains(top.Required, p.name)}
		var prop struct {
			Type        json.RawMessage `json:"type"`
			Enum        []any           `json:"enum"`
			Format      string          `json:"format"`
			Description string          `json:"description"`
			Items       *struct {
				Type json.RawMessage `json:"type"`
				Enum []any           `json:"enum"`
			} `json:"items"`
			AnyOf []struct {
				Type json.RawMessage `json:"type"`
			} `json:"anyOf"`
		}
		if err := json.Unmarshal(p.raw, &prop); err != nil {
			return schema{}, fmt.Errorf("parse tool schema: property %q: %w", p.name, err)
		}
		f.typ = schemaType(prop.Type)
		for _, a := range prop.AnyOf {
			if f.typ == "" {
				f.typ = schemaType(a.Type)
			}
		}
		f.enum = enumStrings(prop.Enum)
		f.enumWords = enumPhraseWords(an, f.enum, prop.Description)
		f.format = prop.Format
		f.description = prop.Description
		if prop.Items != nil {
			f.itemType = schemaType(prop.Items.Type)
			f.itemEnum = enumStrings(prop.Items.Enum)
			f.itemEnumWords = enumPhraseWords(an, f.itemEnum, prop.Description)
		}
		f.kind = classify(f)
		s.fields = append(s.fields, f)
	}
	for i, f := range s.fields {
		if f.kind != kindObject {
			continue
		}
		for _, e := range s.fields {
			if vars := objectVarsOf(f.description, e.enum); e.kind == kindEnum && len(vars) > 0 {
				s.fields[i].objVars, s.fields[i].objOf = vars, e.name
				break
			}
		}
	}
	for i, f := range s.fields {
		if f.required || f.kind == kindObject || f.kind == kindEnum {
			continue
		}
		for _, e := range s.fields {
			if v := onlyForValue(f.description, e.enum); e.kind == kindEnum && v != "" {
				s.fields[i].onlyFor, s.fields[i].onlyOf = v, e.name
				break
			}
		}
	}
	// Required names missing from properties (a hand-written schema) are
	// still asked for.
	for _, r := range top.Required {
		if !slices.ContainsFunc(s.fields, func(f field) bool { return f.name == r }) {
			f := field{name: r, typ: "string", required: true}
			f.kind = classify(f)
			s.fields = append(s.fields, f)
		}
	}
	return s, nil
}

// schemaFromParameters reads the Parameters of an llms.FunctionDefinition,
// which the agent builds from a map (so key order is lost: properties come
// required first, in "required" order, then by name).
func schemaFromParameters(an *analyzer, params any) (schema, error) {
	if params == nil {
		return schema{}, nil
	}
	var raw []byte
	switch p := params.(type) {
	case json.RawMessage:
		raw = p
	case []byte:
		raw = p
	case string:
		raw = []byte(p)
	default:
		b, err := json.Marshal(p)
		if err != nil {
			return schema{}, fmt.Errorf("encode tool parameters: %w", err)
		}
		raw = b
	}
	s, err := parseSchema(an, raw)
	if err != nil {
		return schema{}, err
	}
	if _, isMap := params.(map[string]any); isMap {
		var top struct {
			Required []string `json:"required"`
		}
		_ = json.Unmarshal(raw, &top) // parsed once already
		slices.SortStableFunc(s.fields, func(a, b field) int {
			ia, ib := slices.Index(top.Required, a.name), slices.Index(top.Required, b.name)
			switch {
			case ia >= 0 && ib >= 0:
				return ia - ib
			case ia >= 0:
				return -1
			case ib >= 0:
				return 1
			}
			return strings.Compare(a.name, b.name)
		})
	}
	return s, nil
}

func schemaType(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return one
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil {
		for _, t := range many {
			if t != "null" {
				return t
			}
		}
	}
	return ""
}

func enumStrings(vals []any) []string {
	var out []string
	for _, v := range vals {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// orderedProps is a JSON object's members in the order written.
type orderedProps []struct {
	name string
	raw  json.RawMessage
}

// UnmarshalJSON implements json.Unmarshaler.
func (o *orderedProps) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("properties is not an object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		*o = append(*o, struct {
			name string
			raw  json.RawMessage
		}{name, raw})
	}
	return nil
}

// nameHas reports whether a field name (snake_case or camelCase) contains
// one of the words.
func nameHas(name string, words ...string) bool {
	n := strings.ToLower(name)
	parts := strings.FieldsFunc(n, func(r rune) bool { return r == '_' || r == '-' || r == '.' })
	for _, w := range words {
		if slices.Contains(parts, w) || n == w {
			return true
		}
	}
	return false
}

// classify decides a field's kind. The name counts most, because tools are
// written by us with plain names (email, company_size, course); the
// description and format settle the rest.
func classify(f field) fieldKind {
	desc := fold(f.description)
	switch {
	case f.typ == "array" && len(f.itemEnum) > 0:
		return kindEnumList
	case f.typ == "object":
		return kindObject
	case f.typ == "boolean":
		return kindBool
	case len(f.enum) == 0 && f.typ == "integer" && !nameHas(f.name, "phone", "telephone", "tel", "mobile", "whatsapp", "telefono", "celular"):
		// A count is a count whatever its name says ("email_opens").
		return kindInteger
	case len(f.enum) == 0 && f.typ == "number":
		return kindNumber
	case f.format == "email" || nameHas(f.name, "email", "mail", "correo"):
		return kindEmail
	case nameHas(f.name, "phone", "telephone", "tel", "mobile", "whatsapp", "telefono", "celular"):
		return kindPhone
	case f.format == "date" || f.format == "date-time" ||
		(f.typ == "string" && len(f.enum) == 0 && nameHas(f.name, "date", "from", "to", "since", "until", "start", "end", "deadline", "fecha", "desde", "hasta")):
		return kindDate
	case len(f.enum) > 0:
		return kindEnum
	case f.typ == "integer":
		return kindInteger
	case f.typ == "number":
		return kindNumber
	case nameHas(f.name, "course", "curso", "slug") || strings.Contains(desc, "course slug") || strings.Contains(desc, "slug del curso"):
		return kindCourse
	case nameHas(f.name, "company", "empresa", "organization", "organisation", "business", "org"):
		return kindCompany
	case nameHas(f.name, "name", "nombre", "fullname") && !strings.Contains(desc, "template") && !strings.Contains(desc, "plantilla"):
		return kindPersonName
	case nameHas(f.name, "country", "pais"):
		return kindCountry
	case nameHas(f.name, "industry", "sector", "vertical"):
		return kindIndustry
	case nameHas(f.name, "timeline", "timeframe", "when", "plazo"):
		return kindTimeline
	case nameHas(f.name, "subject", "description", "details", "detail", "reason", "query", "question", "message",
		"problem", "comment", "comments", "notes", "note", "summary", "text", "body", "motivo", "asunto", "descripcion"):
		return kindText
	case nameHas(f.name, "topic", "keyword", "keywords", "tema", "filter", "search", "category"):
		return kindTopic
	case nameHas(f.name, "number", "id", "code", "ref", "reference", "numero", "codigo"):
		return kindRef
	}
	return kindOther
}

// firstOfKind is the name of the first field of kind k, "" when none is.
func (s schema) firstOfKind(k fieldKind) string {
	for _, f := range s.fields {
		if f.kind == k {
			return f.name
		}
	}
	return ""
}

// field returns the named field.
func (s schema) field(name string) (field, bool) {
	for _, f := range s.fields {
		if f.name == name {
			return f, true
		}
	}
	return field{}, false
}

// onlyForValue is the enum value a field's description opens by naming as
// the only case it serves ("For a certificate: the course…", "Staff only,
// for a certificate: …"), or "".
func onlyForValue(desc string, enum []string) string {
	d := strings.ToLower(desc)
	if i := strings.Index(d, ":"); i >= 0 {
		d = d[:i]
	} else {
		return ""
	}
	for _, v := range enum {
		for _, p := range []string{"for a " + v, "for an " + v, "for " + v + "s", "only for " + v} {
			if containsWord(d, p) {
				return v
			}
		}
	}
	return ""
}
