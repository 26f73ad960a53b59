package tools

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/invopop/jsonschema"
	sjson "github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// argSchema is a tool's argument schema in the three forms the registry
// needs. All of it is read-only after [newArgSchema], so concurrent calls
// share it without locks.
type argSchema struct {
	raw      json.RawMessage // compact JSON, what Schema and Definitions hand out
	doc      map[string]any  // raw, parsed; walked by normalize
	compiled *sjson.Schema   // what arguments are validated against
	order    map[string]int  // top-level property → position, to sort errors
}

// newArgSchema generates the JSON schema of t (a struct type) and compiles
// it with a validator that asserts formats.
func newArgSchema(name string, t reflect.Type) (s *argSchema, err error) {
	if t.Kind() != reflect.Struct {
		// Providers require "type": "object" parameters, and only a struct
		// gives named, described arguments.
		return nil, fmt.Errorf("arguments type %s is not a struct", t)
	}
	if path := recursivePath(t, nil); path != "" {
		// Schemas are generated without $ref (providers handle inline
		// schemas best), so a recursive type would never end.
		return nil, fmt.Errorf("arguments type %s is recursive (%s)", t, path)
	}
	defer func() {
		// The reflector panics on types it cannot describe (channels,
		// functions); that is a start-up bug to report, not to crash on.
		if v := recover(); v != nil {
			s, err = nil, fmt.Errorf("generate schema for %s: %v", t, v)
		}
	}()
	r := &jsonschema.Reflector{
		Anonymous:      true, // no $id: the schema is embedded in requests
		DoNotReference: true, // inline everything: no $defs/$ref for models to follow
		ExpandedStruct: true,
		// Required only when tagged `jsonschema:"required"`: an optional
		// argument is the common case, and forgetting a tag should make a
		// field optional (visible in the golden file), not silently required.
		RequiredFromJSONSchemaTags: true,
	}
	gen := r.ReflectFromType(t)
	gen.Version = "" // no $schema: some providers reject it; the validator assumes 2020-12
	gen.Definitions = nil

	raw, err := json.Marshal(gen)
	if err != nil {
		return nil, fmt.Errorf("marshal schema for %s: %w", t, err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("parse generated schema for %s: %w", t, err)
	}
	if doc["type"] != "object" {
		return nil, fmt.Errorf("schema for %s has type %v, want object", t, doc["type"])
	}

	// The validator gets its own copy, decoded with json.Number as it
	// expects for numeric keywords.
	vdoc, err := sjson.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("parse generated schema for %s: %w", t, err)
	}
	c := sjson.NewCompiler()
	c.DefaultDraft(sjson.Draft2020)
	c.AssertFormat() // email, date, date-time are checked, not just annotations
	url := "faro-tool:///" + name + ".json"
	if err := c.AddResource(url, vdoc); err != nil {
		return nil, fmt.Errorf("add schema for %s: %w", t, err)
	}
	compiled, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("compile schema for %s: %w", t, err)
	}

	order := map[string]int{}
	if gen.Properties != nil {
		for k := range gen.Properties.KeysFromOldest() {
			order[k] = len(order)
		}
	}
	return &argSchema{raw: raw, doc: doc, compiled: compiled, order: order}, nil
}

// recursivePath returns a description of a cycle in t's fields ("A.B → A"),
// or "" when there is none.
func recursivePath(t reflect.Type, stack []reflect.Type) string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return ""
	}
	if slices.Contains(stack, t) {
		var names []string
		for _, s := range stack {
			names = append(names, s.String())
		}
		return strings.Join(append(names, t.String()), " → ")
	}
	stack = append(stack, t)
	for i := range t.NumField() {
		if p := recursivePath(t.Field(i).Type, stack); p != "" {
			return p
		}
	}
	return ""
}

// parseArgs turns a model's argument string into a JSON value with numbers
// as json.Number. "" and "null" mean no arguments. A JSON string holding a
// JSON object (some models encode the arguments twice) is unwrapped once.
func parseArgs(s string) (any, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "null" {
		return map[string]any{}, nil
	}
	v, err := sjson.UnmarshalJSON(strings.NewReader(s))
	if err != nil {
		return nil, err
	}
	if inner, ok := v.(string); ok {
		if iv, err := sjson.UnmarshalJSON(strings.NewReader(inner)); err == nil {
			if _, isObj := iv.(map[string]any); isObj {
				return iv, nil
			}
		}
	}
	return v, nil
}

// normalize rewrites v in place where the schema sch allows it without
// guessing, so that what models commonly send means what they meant:
//   - a declared property that is null or an empty (blank) string is
//     removed: "not given", so a required one is reported missing rather
//     than "not a valid email";
//   - a whole number written as a decimal (50.0, 5e1) where an integer is
//     expected becomes an integer, because Go cannot decode 50.0 into an int.
//
// Everything else (unknown fields, wrong types, strings for numbers) is left
// for the validator to reject. Free-form values (maps, any) are untouched.
func normalize(v any, sch map[string]any) any {
	switch val := v.(type) {
	case map[string]any:
		props, _ := sch["properties"].(map[string]any)
		for k, pv := range val {
			ps, declared := props[k].(map[string]any)
			if !declared {
				continue
			}
			if pv == nil {
				delete(val, k)
				continue
			}
			if s, ok := pv.(string); ok && strings.TrimSpace(s) == "" {
				delete(val, k)
				continue
			}
			val[k] = normalize(pv, ps)
		}
	case []any:
		if items, ok := sch["items"].(map[string]any); ok {
			for i := range val {
				val[i] = normalize(val[i], items)
			}
		}
	case json.Number:
		if sch["type"] == "integer" {
			if r, ok := new(big.Rat).SetString(string(val)); ok && r.IsInt() {
				return json.Number(r.Num().String())
			}
		}
	}
	return v
}

// validate checks v against the schema and returns every problem found, in
// schema order; nil when v is valid.
func (s *argSchema) validate(v any) []FieldError {
	err := s.compiled.Validate(v)
	if err == nil {
		return nil
	}
	var ve *sjson.ValidationError
	if !errors.As(err, &ve) {
		return []FieldError{{Problem: err.Error()}}
	}
	var out []FieldError
	collectFieldErrors(ve, &out)
	if len(out) == 0 {
		out = []FieldError{{Problem: "arguments do not match the schema"}}
	}
	s.sortFields(out)
	return slices.Compact(out)
}

// sortFields orders field errors by the position of their top-level
// property in the schema; errors about the whole arguments come first.
// Sorting is stable, so the validator's order (the schema's required order
// for missing fields) is kept within one property.
func (s *argSchema) sortFields(fs []FieldError) {
	pos := func(f FieldError) int {
		if f.Field == "" {
			return -1
		}
		top, _, _ := strings.Cut(f.Field, ".")
		if i, ok := s.order[top]; ok {
			return i
		}
		return len(s.order) // unknown fields last
	}
	slices.SortStableFunc(fs, func(a, b FieldError) int {
		if d := pos(a) - pos(b); d != 0 {
			return d
		}
		return strings.Compare(a.Field, b.Field)
	})
}

// collectFieldErrors flattens the validator's error tree into one
// FieldError per leaf.
func collectFieldErrors(e *sjson.ValidationError, out *[]FieldError) {
	if len(e.Causes) > 0 {
		for _, c := range e.Causes {
			collectFieldErrors(c, out)
		}
		return
	}
	path := strings.Join(e.InstanceLocation, ".")
	join := func(name string) string {
		if path == "" {
			return name
		}
		return path + "." + name
	}
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		for _, m := range k.Missing {
			*out = append(*out, FieldError{Field: join(m), Problem: ProblemMissing})
		}
	case *kind.AdditionalProperties:
		for _, p := range k.Properties {
			*out = append(*out, FieldError{Field: join(p), Problem: ProblemUnknown})
		}
	case *kind.Type:
		if slices.Equal(k.Want, []string{"null"}) {
			return // the "or null" branch of a nullable field: the other branch says what is wrong
		}
		*out = append(*out, FieldError{Field: path, Problem: typeProblem(path, k)})
	case *kind.Enum:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = fmt.Sprint(w)
		}
		*out = append(*out, FieldError{Field: path, Problem: "must be one of: " + strings.Join(want, ", ")})
	case *kind.Format:
		*out = append(*out, FieldError{Field: path, Problem: formatProblem(k.Want)})
	case *kind.Minimum:
		*out = append(*out, FieldError{Field: path, Problem: "must be at least " + ratString(k.Want)})
	case *kind.Maximum:
		*out = append(*out, FieldError{Field: path, Problem: "must be at most " + ratString(k.Want)})
	case *kind.ExclusiveMinimum:
		*out = append(*out, FieldError{Field: path, Problem: "must be more than " + ratString(k.Want)})
	case *kind.ExclusiveMaximum:
		*out = append(*out, FieldError{Field: path, Problem: "must be less than " + ratString(k.Want)})
	case *kind.MinLength:
		*out = append(*out, FieldError{Field: path, Problem: fmt.Sprintf("must be at least %d characters long", k.Want)})
	case *kind.MaxLength:
		*out = append(*out, FieldError{Field: path, Problem: fmt.Sprintf("must be at most %d characters long", k.Want)})
	case *kind.MinItems:
		*out = append(*out, FieldError{Field: path, Problem: fmt.Sprintf("must have at least %d items", k.Want)})
	case *kind.MaxItems:
		*out = append(*out, FieldError{Field: path, Problem: fmt.Sprintf("must have at most %d items", k.Want)})
	default:
		// A message.Printer per call: cheap, and no shared mutable state.
		p := message.NewPrinter(language.English)
		*out = append(*out, FieldError{Field: path, Problem: e.ErrorKind.LocalizedString(p)})
	}
}

func typeProblem(path string, k *kind.Type) string {
	if path == "" && slices.Equal(k.Want, []string{"object"}) {
		return "arguments must be a JSON object, not " + article(k.Got)
	}
	want := make([]string, len(k.Want))
	for i, w := range k.Want {
		want[i] = article(w)
	}
	return "must be " + strings.Join(want, " or ") + ", not " + article(k.Got)
}

func article(typ string) string {
	switch typ {
	case "integer", "object", "array":
		return "an " + typ
	case "null":
		return "null"
	case "boolean":
		return "true or false"
	default:
		return "a " + typ
	}
}

func formatProblem(format string) string {
	switch format {
	case "email":
		return "must be a valid email address"
	case "date":
		return "must be a date as YYYY-MM-DD"
	case "date-time":
		return "must be a date and time as RFC 3339 (2025-01-31T09:00:00Z)"
	case "time":
		return "must be a time as RFC 3339 (09:00:00Z)"
	case "uri":
		return "must be an absolute URL"
	default:
		return "must be a valid " + format
	}
}

func ratString(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'f', -1, 64)
}
