package scenario

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/faroai/faro/store"
)

// Scenario is one conversation test, as written in a file (see the
// format in docs/scenarios.md).
type Scenario struct {
	// File is where the scenario was read from; empty for one parsed from
	// bytes without a name.
	File string `yaml:"-"`
	// Split is the evaluation split the file belongs to, from the folder
	// it is in: "test" under a folder named test (held out: never tuned
	// on), "tune" under one named tune, empty otherwise.
	Split string `yaml:"-"`
	// Name is unique within a run and used in reports.
	Name string `yaml:"name"`
	// Role is who the person is: prospect, student or staff. It is forced
	// on every turn, as configuration would decide it.
	Role store.Role `yaml:"role"`
	// Channel is where the conversation happens; default web.
	Channel string `yaml:"channel"`
	// Contact is what is known about the person before the first turn.
	Contact Contact `yaml:"contact"`
	// Fixtures are added to the demo data for this scenario only.
	Fixtures Fixtures `yaml:"fixtures"`
	// Turns are the user's messages, in order, each with its expectations.
	Turns []Turn `yaml:"turns"`
}

// Contact is what is known about the person already.
type Contact struct {
	Name     string `yaml:"name"`
	Email    string `yaml:"email"`
	Phone    string `yaml:"phone"`
	Language string `yaml:"language"`
}

// Fixtures are data a scenario adds to the demo data.
type Fixtures struct {
	Knowledge []KnowledgeFixture `yaml:"knowledge"`
	Courses   []Course           `yaml:"courses"`
	// Enrollments are the person's own enrolments (contact.email is
	// required with them), made before the first turn.
	Enrollments []EnrollmentFixture `yaml:"enrollments"`
}

// EnrollmentFixture is one enrolment of the scenario's person.
type EnrollmentFixture struct {
	// Course is the slug, of the demo catalogue or of fixtures.courses.
	Course string `yaml:"course"`
	// Progress is the percent done; 100 completes the course. A paid
	// course is taken as paid.
	Progress int `yaml:"progress"`
}

// KnowledgeFixture is one document ingested into the scenario's knowledge
// base besides the demo documents.
type KnowledgeFixture struct {
	// Source is the document's source id; its extension picks the loader
	// (.md, .txt, .html, .csv). A demo document's source replaces it.
	Source string `yaml:"source"`
	// Language (es, en, pt) is the document's; empty lets the loader
	// detect it. It is given to Markdown and text documents through front
	// matter; other formats detect their language themselves.
	Language string `yaml:"language"`
	Text     string `yaml:"text"`
}

// Course is a catalogue entry, in the fields of demo/catalog.yaml.
type Course struct {
	Slug          string            `yaml:"slug"`
	Title         map[string]string `yaml:"title"`
	Description   map[string]string `yaml:"description"`
	Language      string            `yaml:"language"`
	Topics        []string          `yaml:"topics"`
	Level         string            `yaml:"level"`
	Price         Price             `yaml:"price"`
	Seats         int               `yaml:"seats"`
	Start         string            `yaml:"start"`
	DurationWeeks int               `yaml:"duration_weeks"`
	Status        string            `yaml:"status"`
	Source        string            `yaml:"source"`
}

// Price is an amount of money.
type Price struct {
	Amount   float64 `yaml:"amount"`
	Currency string  `yaml:"currency"`
}

// Turn is one message of the user and what must hold after the reply.
type Turn struct {
	User   string `yaml:"user"`
	Expect Expect `yaml:"expect"`
}

// Expect is a turn's expectations; every one given must hold. Pointers
// and nil slices tell "not given" from an empty or false value.
type Expect struct {
	// Tool was called in the turn.
	Tool string `yaml:"tool"`
	// Args are a subset of the arguments of a call of Tool.
	Args map[string]any `yaml:"args"`
	// ToolsCalled is exactly the set of tools called; an empty list means
	// none.
	ToolsCalled *[]string `yaml:"tools_called"`
	// ToolsNotCalled were not called.
	ToolsNotCalled []string `yaml:"tools_not_called"`
	// ToolRefused was requested and refused for the caller's role.
	ToolRefused string `yaml:"tool_refused"`
	// ReplyContains must all be in the reply.
	ReplyContains Strings `yaml:"reply_contains"`
	// ReplyContainsAny: at least one must be in the reply.
	ReplyContainsAny Strings `yaml:"reply_contains_any"`
	// ReplyNotContains must not be in the reply.
	ReplyNotContains Strings `yaml:"reply_not_contains"`
	// ReplyLanguage is the language the reply is written in.
	ReplyLanguage string `yaml:"reply_language"`
	// Cites: for each, the reply cites a source whose id contains it.
	Cites Strings `yaml:"cites"`
	// Handoff is whether the conversation is with a person after the turn.
	Handoff *bool `yaml:"handoff"`
}

// Strings is a list of strings written either as a list or as one scalar;
// numbers are taken as they are written ("249").
type Strings []string

// UnmarshalYAML accepts a scalar or a sequence of scalars.
func (s *Strings) UnmarshalYAML(n ast.Node) error {
	scalar := func(n ast.Node) (string, bool) {
		switch n := n.(type) {
		case *ast.StringNode:
			return n.Value, true
		case *ast.LiteralNode:
			return n.Value.Value, true
		case *ast.IntegerNode, *ast.FloatNode:
			return n.GetToken().Value, true
		}
		return "", false
	}
	if v, ok := scalar(n); ok {
		*s = Strings{v}
		return nil
	}
	switch n := n.(type) {
	case *ast.NullNode:
		*s = nil
		return nil
	case *ast.SequenceNode:
		out := make(Strings, 0, len(n.Values))
		for _, item := range n.Values {
			v, ok := scalar(item)
			if !ok {
				return &fieldError{path: item.GetPath(), line: line(item), msg: "want a string, got " + nodeKind(item)}
			}
			out = append(out, v)
		}
		*s = out
		return nil
	}
	return &fieldError{path: n.GetPath(), line: line(n), msg: "want a string or a list of strings, got " + nodeKind(n)}
}

// Languages are the languages replies are checked in.
var languages = []string{"es", "en", "pt"}

// channels are the channels a conversation can happen on.
var channels = []string{"web", "telegram", "whatsapp", "slack", "discord", "mattermost", "api"}

// ParseError is a scenario file that cannot be used: it names the file,
// the field (a YAML path such as turns[1].expect.handoff) and the problem.
type ParseError struct {
	File  string
	Field string // empty when the problem is the whole file
	Line  int    // 0 when unknown
	Msg   string
}

func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString(cmp.Or(e.File, "scenario"))
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Field != "" {
		b.WriteString(": ")
		b.WriteString(e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// fieldError is a problem found by our own unmarshalers and checks, with
// the YAML path of the field.
type fieldError struct {
	path string
	line int
	msg  string
}

func (e *fieldError) Error() string { return e.path + ": " + e.msg }

// Parse reads one scenario from data; file names it in errors. Unknown
// keys, values of the wrong type, an unknown role, channel or language, and
// a scenario without turns are errors (*ParseError).
func Parse(file string, data []byte) (Scenario, error) {
	var s Scenario
	if len(bytes.TrimSpace(data)) == 0 {
		return s, &ParseError{File: file, Msg: "empty file"}
	}
	if err := yaml.UnmarshalWithOptions(data, &s, yaml.Strict()); err != nil {
		return s, decodeError(file, data, err)
	}
	s.File = file
	s.Split = splitOf(file)
	if s.Channel == "" {
		s.Channel = "web"
	}
	if err := s.validate(); err != nil {
		var fe *fieldError
		if errors.As(err, &fe) {
			return s, &ParseError{File: file, Field: fe.path, Line: lineOf(data, fe.path), Msg: fe.msg}
		}
		return s, &ParseError{File: file, Msg: err.Error()}
	}
	return s, nil
}

// decodeError turns a YAML decoding error into a ParseError naming the
// field: goccy reports the token at fault, whose node in the file's tree
// knows its path.
func decodeError(file string, data []byte, err error) error {
	var fe *fieldError
	if errors.As(err, &fe) {
		return &ParseError{File: file, Field: trimPath(fe.path), Line: fe.line, Msg: fe.msg}
	}
	var ye yaml.Error
	if !errors.As(err, &ye) || ye.GetToken() == nil {
		return &ParseError{File: file, Msg: oneLine(err.Error())}
	}
	tk := ye.GetToken()
	pe := &ParseError{File: file, Line: tk.Position.Line, Msg: ye.GetMessage()}
	var te *yaml.TypeError
	if errors.As(err, &te) && te.DstType != nil {
		got := "a " + kindName(te.SrcType)
		if te.SrcType == nil {
			got = fmt.Sprintf("%q", tk.Value)
		}
		pe.Msg = fmt.Sprintf("want %s, got %s", kindName(te.DstType), got)
	}
	if f, perr := parser.ParseBytes(data, 0); perr == nil {
		for _, d := range f.Docs {
			ast.Walk(&pathFinder{line: tk.Position.Line, col: tk.Position.Column, path: &pe.Field}, d)
		}
		pe.Field = trimPath(pe.Field)
	}
	return pe
}

// pathFinder finds the path of the node at a position.
type pathFinder struct {
	line, col int
	path      *string
}

func (p *pathFinder) Visit(n ast.Node) ast.Visitor {
	if n == nil || *p.path != "" {
		return p
	}
	if tk := n.GetToken(); tk != nil && tk.Position.Line == p.line && tk.Position.Column == p.col {
		*p.path = n.GetPath()
	}
	return p
}

// trimPath turns goccy's "$.turns[0].expect" into "turns[0].expect".
func trimPath(p string) string {
	return strings.TrimPrefix(strings.TrimPrefix(p, "$"), ".")
}

// lineOf finds the line of the field at path in data, for messages; 0
// when it is not there (a missing field).
func lineOf(data []byte, path string) int {
	p, err := yaml.PathString("$." + path)
	if err != nil {
		return 0
	}
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return 0
	}
	n, err := p.FilterFile(f)
	if err != nil || n == nil {
		return 0
	}
	return line(n)
}

func line(n ast.Node) int {
	if tk := n.GetToken(); tk != nil {
		return tk.Position.Line
	}
	return 0
}

func nodeKind(n ast.Node) string {
	switch n.Type() {
	case ast.MappingType, ast.MappingValueType:
		return "a mapping"
	case ast.SequenceType:
		return "a list"
	case ast.BoolType:
		return "a boolean"
	case ast.NullType:
		return "nothing"
	}
	return strings.ToLower(n.Type().String())
}

func kindName(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping"
	}
	return t.String()
}

func (s *Scenario) validate() error {
	if strings.TrimSpace(s.Name) == "" {
		return &fieldError{path: "name", msg: "missing: every scenario needs a name, unique within a run"}
	}
	switch {
	case s.Role == "":
		return &fieldError{path: "role", msg: "missing: prospect, student or staff"}
	case !s.Role.Valid():
		return &fieldError{path: "role", msg: fmt.Sprintf("%q is not prospect, student or staff", s.Role)}
	}
	if !slices.Contains(channels, s.Channel) {
		return &fieldError{path: "channel", msg: fmt.Sprintf("%q is not one of %s", s.Channel, strings.Join(channels, ", "))}
	}
	if l := s.Contact.Language; l != "" && !slices.Contains(languages, l) {
		return &fieldError{path: "contact.language", msg: fmt.Sprintf("%q is not es, en or pt", l)}
	}
	seen := map[string]bool{}
	for i, k := range s.Fixtures.Knowledge {
		at := fmt.Sprintf("fixtures.knowledge[%d]", i)
		switch {
		case strings.TrimSpace(k.Source) == "":
			return &fieldError{path: at + ".source", msg: "missing: the document's source id, such as politicas/reembolso.md"}
		case seen[k.Source]:
			return &fieldError{path: at + ".source", msg: fmt.Sprintf("%q is given twice", k.Source)}
		case !supportedSource(k.Source):
			return &fieldError{path: at + ".source", msg: fmt.Sprintf("%q: the extension must be .md, .txt, .html or .csv", k.Source)}
		case strings.TrimSpace(k.Text) == "":
			return &fieldError{path: at + ".text", msg: "missing: the document's text"}
		case k.Language != "" && !slices.Contains(languages, k.Language):
			return &fieldError{path: at + ".language", msg: fmt.Sprintf("%q is not es, en or pt", k.Language)}
		}
		seen[k.Source] = true
	}
	slugs := map[string]bool{}
	for i, c := range s.Fixtures.Courses {
		at := fmt.Sprintf("fixtures.courses[%d]", i)
		switch {
		case strings.TrimSpace(c.Slug) == "":
			return &fieldError{path: at + ".slug", msg: "missing"}
		case slugs[c.Slug]:
			return &fieldError{path: at + ".slug", msg: fmt.Sprintf("%q is given twice", c.Slug)}
		}
		slugs[c.Slug] = true
	}
	for i, e := range s.Fixtures.Enrollments {
		at := fmt.Sprintf("fixtures.enrollments[%d]", i)
		switch {
		case strings.TrimSpace(e.Course) == "":
			return &fieldError{path: at + ".course", msg: "missing: the course slug"}
		case e.Progress < 0 || e.Progress > 100:
			return &fieldError{path: at + ".progress", msg: fmt.Sprintf("%d is not a percent (0 to 100)", e.Progress)}
		case strings.TrimSpace(s.Contact.Email) == "":
			return &fieldError{path: "contact.email", msg: "missing: enrolments are made with the person's email"}
		}
	}
	if len(s.Turns) == 0 {
		return &fieldError{path: "turns", msg: "missing: a scenario needs at least one turn"}
	}
	for i, t := range s.Turns {
		at := fmt.Sprintf("turns[%d]", i)
		if strings.TrimSpace(t.User) == "" {
			return &fieldError{path: at + ".user", msg: "missing: what the user writes"}
		}
		if err := t.Expect.validate(at + ".expect"); err != nil {
			return err
		}
	}
	return nil
}

func (e Expect) validate(at string) error {
	if len(e.Args) > 0 && e.Tool == "" {
		return &fieldError{path: at + ".args", msg: "args are the arguments of expect.tool, which is not given"}
	}
	if e.ReplyLanguage != "" && !slices.Contains(languages, e.ReplyLanguage) {
		return &fieldError{path: at + ".reply_language", msg: fmt.Sprintf("%q is not es, en or pt", e.ReplyLanguage)}
	}
	lists := []struct {
		name string
		list []string
	}{{"reply_contains", e.ReplyContains}, {"reply_contains_any", e.ReplyContainsAny}, {"reply_not_contains", e.ReplyNotContains},
		{"cites", e.Cites}, {"tools_not_called", e.ToolsNotCalled}}
	if e.ToolsCalled != nil {
		lists = append(lists, struct {
			name string
			list []string
		}{"tools_called", *e.ToolsCalled})
	}
	for _, l := range lists {
		for j, v := range l.list {
			if strings.TrimSpace(v) == "" {
				return &fieldError{path: fmt.Sprintf("%s.%s[%d]", at, l.name, j), msg: "empty: it would match anything"}
			}
		}
	}
	return nil
}

func supportedSource(src string) bool {
	switch strings.ToLower(filepath.Ext(src)) {
	case ".md", ".markdown", ".txt", ".html", ".htm", ".csv":
		return true
	}
	return false
}

// Load reads the scenarios at paths: files, and folders whose *.yaml and
// *.yml files, in subfolders too, are read in path order. The first file
// that cannot be read or parsed is the error; so is a name used twice.
func Load(paths ...string) ([]Scenario, error) {
	var files []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("scenarios: %w", err)
		}
		if !fi.IsDir() {
			files = append(files, p)
			continue
		}
		n := len(files)
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() && isYAML(path) {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("scenarios: %w", err)
		}
		if len(files) == n {
			return nil, fmt.Errorf("scenarios: %s has no *.yaml file", p)
		}
	}
	var out []Scenario
	byName := map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("scenarios: %w", err)
		}
		s, err := Parse(f, data)
		if err != nil {
			return nil, err
		}
		if prev, dup := byName[s.Name]; dup {
			return nil, &ParseError{File: f, Field: "name", Line: lineOf(data, "name"), Msg: fmt.Sprintf("%q is already the name of the scenario in %s", s.Name, prev)}
		}
		byName[s.Name] = f
		out = append(out, s)
	}
	return out, nil
}

func isYAML(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return ext == ".yaml" || ext == ".yml"
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// splitOf is the split a scenario file belongs to: the innermost folder of
// its path named "test" or "tune", else none.
func splitOf(file string) string {
	dirs := strings.Split(filepath.ToSlash(filepath.Dir(file)), "/")
	for i := len(dirs) - 1; i >= 0; i-- {
		if dirs[i] == SplitTest || dirs[i] == SplitTune {
			return dirs[i]
		}
	}
	return ""
}

// The splits scenarios are kept in: one to tune the engine on, one held
// out to test it, never used to write examples, word lists or thresholds.
const (
	SplitTune = "tune"
	SplitTest = "test"
)
