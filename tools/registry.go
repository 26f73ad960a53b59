package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/faroai/faro/store"
	"github.com/tmc/langchaingo/llms"
)

// DefaultTimeout bounds a tool call whose [Spec] sets no Timeout.
const DefaultTimeout = 10 * time.Second

// Caller is who is calling, established by the server from configuration
// and channel identity — never from message text. Tools act for the Caller:
// "my enrollments" are the Caller's, whatever name or email the model
// passes in the arguments.
type Caller struct {
	ContactID      string
	ConversationID string
	Channel        string // web, telegram, whatsapp, slack, discord, mattermost, api
	Language       string // es, en, pt or "" — the conversation's language
	Email          string // what is known of the person; may be empty
	Name           string
	Role           store.Role
}

// Example is a request a user might write that a tool serves, in a language
// (es, en or pt). The offline engine routes messages to tools by these, so
// write them as users write, not as keywords.
type Example struct {
	Lang string
	Text string
}

// Spec describes a tool.
type Spec struct {
	// Name is the public contract: scenarios, API and MCP clients and
	// prompts call the tool by it. Never renamed. Lowercase snake_case.
	Name string
	// Description tells the model what the tool does and when to use it.
	Description string
	// Roles may call the tool; a call from any other role is refused
	// before its arguments are even decoded.
	Roles []store.Role
	// Examples are requests the tool serves: at least one in Spanish and
	// one in English.
	Examples []Example
	// Mutating says the tool changes data. A call to a tool that does
	// not is stored with the turn's reply rather than before it runs (see
	// the agent's runCalls); a timeout of a mutating tool tells the model
	// the change may still have happened.
	Mutating bool
	// Timeout bounds one call; zero means [DefaultTimeout].
	Timeout time.Duration
}

// Allows reports whether role may call the tool.
func (s Spec) Allows(role store.Role) bool {
	return role.Valid() && slices.Contains(s.Roles, role)
}

// clone returns a copy of s that shares no slices with it.
func (s Spec) clone() Spec {
	s.Roles = slices.Clone(s.Roles)
	s.Examples = slices.Clone(s.Examples)
	return s
}

// Validator may be implemented by an In type (on the value or the pointer)
// for checks beyond what the schema can say: budget >= 0, "to" after
// "from". It runs after the schema check. Return a [FieldError] (or several
// joined with errors.Join) to name the fields; any other error's message
// goes back to the model as it is, so keep it free of internal detail.
type Validator interface {
	Validate() error
}

// tool is one registered tool with its types erased.
type tool struct {
	spec   Spec
	schema *argSchema
	// decode turns validated, normalized arguments into an In, strictly.
	decode func(args []byte) (any, error)
	// run calls the typed function with a decoded In.
	run func(ctx context.Context, c Caller, in any) (any, error)
}

// Registry holds the tools. Add tools at start-up; after that a Registry is
// safe for concurrent use (Add too is safe, just not expected later).
type Registry struct {
	log *slog.Logger

	mu    sync.RWMutex
	tools map[string]*tool
	// defs are Definitions' answers by role, built on first use and
	// dropped when a tool is added: every model call of every turn asks.
	defs map[store.Role][]llms.Tool
}

// Option configures a [Registry].
type Option func(*Registry)

// WithLogger sets where contained panics are logged, with their stack.
// By default, [slog.Default].
func WithLogger(l *slog.Logger) Option {
	return func(r *Registry) {
		if l != nil {
			r.log = l
		}
	}
}

// NewRegistry returns an empty registry.
func NewRegistry(opts ...Option) *Registry {
	r := &Registry{log: slog.Default(), tools: map[string]*tool{}}
	for _, o := range opts {
		o(r)
	}
	return r
}

// Add registers a typed tool: fn is called with arguments decoded into In,
// and its Out is sent back to the model as JSON. The JSON schema of the
// arguments is generated from In, a struct, with its `json` and
// `jsonschema:"…"` tags (description=…, required, enum=…, format=email…).
// Add panics on misconfiguration — a duplicate name, no roles, a bad
// schema — because that is a start-up bug; [AddSafely] returns the error.
func Add[In, Out any](r *Registry, spec Spec, fn func(ctx context.Context, c Caller, in In) (Out, error)) {
	if err := AddSafely(r, spec, fn); err != nil {
		panic(err)
	}
}

// AddSafely is [Add] returning the misconfiguration as an error.
func AddSafely[In, Out any](r *Registry, spec Spec, fn func(ctx context.Context, c Caller, in In) (Out, error)) error {
	if fn == nil {
		return fmt.Errorf("add tool %q: nil function", spec.Name)
	}
	spec = spec.clone()
	if spec.Timeout == 0 {
		spec.Timeout = DefaultTimeout
	}
	if err := checkSpec(spec); err != nil {
		return fmt.Errorf("add tool %q: %w", spec.Name, err)
	}
	if err := checkOut(reflect.TypeFor[Out]()); err != nil {
		return fmt.Errorf("add tool %q: %w", spec.Name, err)
	}
	sch, err := newArgSchema(spec.Name, reflect.TypeFor[In]())
	if err != nil {
		return fmt.Errorf("add tool %q: %w", spec.Name, err)
	}
	t := &tool{
		spec:   spec,
		schema: sch,
		decode: func(args []byte) (any, error) {
			var in In
			dec := json.NewDecoder(bytes.NewReader(args))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&in); err != nil {
				return nil, err
			}
			return in, nil
		},
		run: func(ctx context.Context, c Caller, in any) (any, error) {
			return fn(ctx, c, in.(In))
		},
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.tools[spec.Name]; dup {
		return fmt.Errorf("add tool %q: already registered", spec.Name)
	}
	r.tools[spec.Name] = t
	r.defs = nil
	return nil
}

// toolName is what every provider accepts (OpenAI: ^[a-zA-Z0-9_-]{1,64}$),
// narrowed to the house style.
var toolName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

func checkSpec(s Spec) error {
	if !toolName.MatchString(s.Name) {
		return errors.New("name must be lowercase snake_case, at most 64 characters")
	}
	if strings.TrimSpace(s.Description) == "" {
		return errors.New("no description")
	}
	if len(s.Roles) == 0 {
		return errors.New("no roles: nobody could call it")
	}
	for _, role := range s.Roles {
		if !role.Valid() {
			return fmt.Errorf("unknown role %q", role)
		}
	}
	langs := map[string]bool{}
	for _, e := range s.Examples {
		switch e.Lang {
		case "es", "en", "pt":
		default:
			return fmt.Errorf("example %q: language %q is not es, en or pt", e.Text, e.Lang)
		}
		if strings.TrimSpace(e.Text) == "" {
			return fmt.Errorf("example in %s: no text", e.Lang)
		}
		langs[e.Lang] = true
	}
	if !langs["es"] || !langs["en"] {
		// The offline engine routes by examples; a tool without them in
		// both languages is unreachable in one of them.
		return errors.New("examples must include at least one in Spanish (es) and one in English (en)")
	}
	if s.Timeout < 0 {
		return fmt.Errorf("negative timeout %s", s.Timeout)
	}
	return nil
}

// checkOut rejects an Out struct with a top-level "error" member: the
// model and [ReadError] would take a success for a failure.
func checkOut(t reflect.Type) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" && f.IsExported() {
			name = f.Name
		}
		if strings.EqualFold(name, "error") {
			return fmt.Errorf("result type %s has a field %q: tool results with an \"error\" member read as failures", t, name)
		}
	}
	return nil
}

// Specs returns the specs of every tool, sorted by name. The slices in them
// are copies.
func (r *Registry) Specs() []Spec {
	r.mu.RLock()
	defer r.mu.RUnlock()
	specs := make([]Spec, 0, len(r.tools))
	for _, t := range r.tools {
		specs = append(specs, t.spec.clone())
	}
	slices.SortFunc(specs, func(a, b Spec) int { return strings.Compare(a.Name, b.Name) })
	return specs
}

// Spec returns the spec of the named tool and whether it exists.
func (r *Registry) Spec(name string) (Spec, bool) {
	t := r.lookup(name)
	if t == nil {
		return Spec{}, false
	}
	return t.spec.clone(), true
}

// Mutating reports whether the named tool changes data; false for a name
// no tool has (a call to it runs nothing).
func (r *Registry) Mutating(name string) bool {
	t := r.lookup(name)
	return t != nil && t.spec.Mutating
}

// Schema returns the JSON schema generated for the named tool's arguments
// (compact JSON; a copy) and whether the tool exists.
func (r *Registry) Schema(name string) (json.RawMessage, bool) {
	t := r.lookup(name)
	if t == nil {
		return nil, false
	}
	return slices.Clone(t.schema.raw), true
}

// Allowed reports whether role may call the named tool; false for a tool
// that does not exist.
func (r *Registry) Allowed(name string, role store.Role) bool {
	t := r.lookup(name)
	return t != nil && t.spec.Allows(role)
}

// Definitions returns the tools role may use, sorted by name, as
// langchaingo tool definitions for llms.WithTools. Each call returns fresh
// values the caller may change.
func (r *Registry) Definitions(role store.Role) []llms.Tool {
	r.mu.RLock()
	defs, ok := r.defs[role]
	r.mu.RUnlock()
	if ok {
		return copyDefinitions(defs)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, t := range r.tools {
		if !t.spec.Allows(role) {
			continue
		}
		var params map[string]any
		// Unmarshalling our own marshalled schema cannot fail.
		_ = json.Unmarshal(t.schema.raw, &params)
		defs = append(defs, llms.Tool{
			Type: "function",
			Function: &llms.FunctionDefinition{
				Name:        t.spec.Name,
				Description: t.spec.Description,
				Parameters:  params,
			},
		})
	}
	slices.SortFunc(defs, func(a, b llms.Tool) int { return strings.Compare(a.Function.Name, b.Function.Name) })
	if r.defs == nil {
		r.defs = map[store.Role][]llms.Tool{}
	}
	r.defs[role] = defs
	return copyDefinitions(defs)
}

// copyDefinitions copies defs deeply; copying the parsed schemas costs a
// fraction of parsing them again.
func copyDefinitions(defs []llms.Tool) []llms.Tool {
	out := make([]llms.Tool, len(defs))
	for i, d := range defs {
		f := *d.Function
		f.Parameters = copyJSON(f.Parameters)
		out[i] = llms.Tool{Type: d.Type, Function: &f}
	}
	return out
}

// copyJSON copies a value decoded by encoding/json into any.
func copyJSON(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = copyJSON(e)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, e := range v {
			s[i] = copyJSON(e)
		}
		return s
	default:
		return v // string, float64, bool, nil: values
	}
}

// names returns the names of the tools role may use, sorted.
func (r *Registry) names(role store.Role) []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var names []string
	for name, t := range r.tools {
		if t.spec.Allows(role) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

func (r *Registry) lookup(name string) *tool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.tools[name]
}
