package scenario

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
)

const validScenario = `
name: enrol-es-asks-for-email          # unique, used in reports
role: student
channel: telegram
contact: {name: Ana, email: ""}
fixtures:
  knowledge:
    - source: politicas/reembolso.md
      language: es
      text: |
        # Política de reembolso
        Reembolsamos el 100% durante los primeros 14 días.
  courses:
    - slug: datos-101
      title: {es: "Análisis de datos con IA", en: "AI data analysis"}
      language: es
      price: {amount: 149, currency: USD}
      seats: 1
      start: 2027-02-01
turns:
  - user: "Hola, quiero inscribirme en Análisis de datos con IA"
    expect:
      tools_called: []
      reply_language: es
      reply_contains_any: ["correo", "email"]
  - user: "ana@example.com"
    expect:
      tool: enroll_course
      args: {course: datos-101, email: ana@example.com, seats: 2}
      reply_contains: 249
      reply_not_contains: ["error"]
      tools_not_called: [report_kpis]
      tool_refused: report_kpis
      cites: reembolso
      handoff: false
`

func TestParseValid(t *testing.T) {
	t.Parallel()
	s, err := Parse("x.yaml", []byte(validScenario))
	require.NoError(t, err)
	require.Equal(t, "enrol-es-asks-for-email", s.Name)
	require.Equal(t, store.RoleStudent, s.Role)
	require.Equal(t, "telegram", s.Channel)
	require.Equal(t, Contact{Name: "Ana"}, s.Contact)
	require.Len(t, s.Fixtures.Knowledge, 1)
	require.Equal(t, "es", s.Fixtures.Knowledge[0].Language)
	require.Equal(t, Course{Slug: "datos-101", Title: map[string]string{"es": "Análisis de datos con IA", "en": "AI data analysis"},
		Language: "es", Price: Price{Amount: 149, Currency: "USD"}, Seats: 1, Start: "2027-02-01"}, s.Fixtures.Courses[0])
	require.Len(t, s.Turns, 2)

	e0 := s.Turns[0].Expect
	require.NotNil(t, e0.ToolsCalled)
	require.Empty(t, *e0.ToolsCalled)
	require.Equal(t, Strings{"correo", "email"}, e0.ReplyContainsAny)
	require.Nil(t, e0.Handoff)

	e1 := s.Turns[1].Expect
	require.Nil(t, e1.ToolsCalled, "not given is not the empty set")
	require.Equal(t, "enroll_course", e1.Tool)
	require.Equal(t, "datos-101", e1.Args["course"])
	require.Equal(t, Strings{"249"}, e1.ReplyContains, "a number is taken as written")
	require.Equal(t, Strings{"reembolso"}, e1.Cites)
	require.NotNil(t, e1.Handoff)
	require.False(t, *e1.Handoff)
}

func TestParseDefaults(t *testing.T) {
	t.Parallel()
	s, err := Parse("x.yaml", []byte("name: a\nrole: prospect\nturns:\n  - user: hola\n"))
	require.NoError(t, err)
	require.Equal(t, "web", s.Channel)
	require.Equal(t, "x.yaml", s.File)
}

// Every invalid scenario is an error naming the file and the field.
func TestParseErrorsNameFileAndField(t *testing.T) {
	t.Parallel()
	base := "name: a\nrole: prospect\n"
	tests := []struct {
		name, src, field, msg string
	}{
		{"unknown top-level key", base + "turn:\n  - user: hi\n", "turn", "unknown field"},
		{"unknown expect key", base + "turns:\n  - user: hi\n    expect:\n      tool_called: [x]\n", "turns[0].expect.tool_called", "unknown field"},
		{"misspelt key in a later turn", base + "turns:\n  - user: hi\n  - user: ok\n    expect: {reply_contain: x}\n", "turns[1].expect.reply_contain", "unknown field"},
		{"wrong type bool", base + "turns:\n  - user: hi\n    expect:\n      handoff: yes please\n", "turns[0].expect.handoff", "want true or false"},
		{"wrong type list", base + "turns:\n  - user: hi\n    expect:\n      tools_called: search_knowledge\n", "turns[0].expect.tools_called", ""},
		{"wrong type user", base + "turns:\n  - user: [hi]\n", "turns[0].user", "want a string"},
		{"mapping for strings", base + "turns:\n  - user: hi\n    expect:\n      reply_contains: {a: 1}\n", "turns[0].expect.reply_contains", "want a string or a list of strings"},
		{"mapping in strings", base + "turns:\n  - user: hi\n    expect:\n      reply_not_contains: [a, {b: 1}]\n", "turns[0].expect.reply_not_contains[1]", "want a string"},
		{"unknown role", "name: a\nrole: admin\nturns:\n  - user: hi\n", "role", `"admin" is not prospect, student or staff`},
		{"missing role", "name: a\nturns:\n  - user: hi\n", "role", "missing"},
		{"missing name", "role: staff\nturns:\n  - user: hi\n", "name", "missing"},
		{"missing turns", base, "turns", "at least one turn"},
		{"empty turns", base + "turns: []\n", "turns", "at least one turn"},
		{"empty user", base + "turns:\n  - user: \"\"\n", "turns[0].user", "missing"},
		{"unknown channel", base + "channel: fax\nturns:\n  - user: hi\n", "channel", `"fax"`},
		{"unknown language", base + "turns:\n  - user: hi\n    expect: {reply_language: fr}\n", "turns[0].expect.reply_language", `"fr" is not es, en or pt`},
		{"args without tool", base + "turns:\n  - user: hi\n    expect: {args: {a: 1}}\n", "turns[0].expect.args", "expect.tool"},
		{"empty substring", base + "turns:\n  - user: hi\n    expect: {reply_contains_any: [a, \"\"]}\n", "turns[0].expect.reply_contains_any[1]", "empty"},
		{"fixture without text", base + "fixtures:\n  knowledge:\n    - source: a.md\nturns:\n  - user: hi\n", "fixtures.knowledge[0].text", "missing"},
		{"fixture format", base + "fixtures:\n  knowledge:\n    - {source: a.docx, text: x}\nturns:\n  - user: hi\n", "fixtures.knowledge[0].source", "extension"},
		{"unknown course key", base + "fixtures:\n  courses:\n    - {slug: a, prize: 3}\nturns:\n  - user: hi\n", "fixtures.courses[0].prize", "unknown field"},
		{"enrollment without course", base + "contact: {email: a@b.co}\nfixtures:\n  enrollments:\n    - {progress: 100}\nturns:\n  - user: hi\n", "fixtures.enrollments[0].course", "missing"},
		{"enrollment progress", base + "contact: {email: a@b.co}\nfixtures:\n  enrollments:\n    - {course: ia-101, progress: 120}\nturns:\n  - user: hi\n", "fixtures.enrollments[0].progress", "percent"},
		{"enrollment without email", base + "fixtures:\n  enrollments:\n    - {course: ia-101}\nturns:\n  - user: hi\n", "contact.email", "missing"},
		{"duplicate key", base + "name: b\nturns:\n  - user: hi\n", "", "already defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse("scenarios/bad.yaml", []byte(tt.src))
			require.Error(t, err)
			var pe *ParseError
			require.True(t, errors.As(err, &pe), "%T: %v", err, err)
			require.Equal(t, "scenarios/bad.yaml", pe.File)
			if tt.field != "" {
				require.Equal(t, tt.field, pe.Field, "%v", err)
			}
			require.Contains(t, err.Error(), "scenarios/bad.yaml")
			require.Contains(t, err.Error(), tt.field)
			require.Contains(t, err.Error(), tt.msg)
		})
	}
}

func TestParseErrorLine(t *testing.T) {
	t.Parallel()
	_, err := Parse("f.yaml", []byte("name: a\nrole: prospect\nturns:\n  - user: hi\n    expect:\n      handoff: maybe\n"))
	require.ErrorContains(t, err, "f.yaml:6: turns[0].expect.handoff:")
	_, err = Parse("f.yaml", []byte("name: a\nrole: visitor\nturns:\n  - user: hi\n"))
	require.ErrorContains(t, err, "f.yaml:2: role:")
}

func TestLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(src), 0o644))
		return p
	}
	write("b.yaml", "name: b\nrole: prospect\nturns:\n  - user: hi\n")
	write("a.yml", "name: a\nrole: staff\nturns:\n  - user: hi\n")
	write("notes.txt", "not a scenario")
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	write("sub/c.yaml", "name: c\nrole: student\nturns:\n  - user: hi\n")
	got, err := Load(dir)
	require.NoError(t, err)
	require.Len(t, got, 3)
	require.Equal(t, "a", got[0].Name)
	require.Equal(t, "c", got[2].Name, "subfolders are read too")
	require.Equal(t, filepath.Join(dir, "a.yml"), got[0].File)

	dup := write("dup.yaml.txt", "name: a\nrole: staff\nturns:\n  - user: hi\n")
	_, err = Load(dir, dup)
	require.ErrorContains(t, err, `"a" is already the name of the scenario in`)

	_, err = Load(filepath.Join(dir, "missing.yaml"))
	require.ErrorContains(t, err, "missing.yaml")

	empty := t.TempDir()
	_, err = Load(empty)
	require.ErrorContains(t, err, "no *.yaml file")

	bad := write("bad.yaml", "name: c\nrole: prospect\nturns:\n  - usr: hi\n")
	_, err = Load(bad)
	require.ErrorContains(t, err, "bad.yaml:4: turns[0].usr: unknown field")
}

func TestLoadShippedScenarios(t *testing.T) {
	t.Parallel()
	got, err := Load(shippedDir)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(got), 20)
	for _, s := range got {
		require.False(t, strings.HasSuffix(s.Name, ".yaml"), s.Name)
	}
}

func TestLoadSplits(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, name := range []string{"tune/a.yaml", "tune/tools/b.yaml", "test/es/c.yaml", "d.yaml"} {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		base := strings.TrimSuffix(filepath.Base(name), ".yaml")
		require.NoError(t, os.WriteFile(p, []byte("name: "+base+"\nrole: prospect\nturns:\n  - user: hi\n"), 0o644))
	}
	got, err := Load(dir)
	require.NoError(t, err)
	splits := map[string]string{}
	for _, s := range got {
		splits[s.Name] = s.Split
	}
	require.Equal(t, map[string]string{"a": SplitTune, "b": SplitTune, "c": SplitTest, "d": ""}, splits)

	rep := Report{Scenarios: []Result{
		{Name: "a", Split: SplitTune, Language: "es", Passed: true},
		{Name: "c", Split: SplitTest, Language: "en", Passed: false, Turns: []TurnResult{{Tools: []string{"enroll_course"}, Unmet: []Unmet{{}}}}},
		{Name: "d", Language: "en", Passed: true},
	}}
	rep.summarize()
	require.Equal(t, Rate{Passed: 2, Total: 3, Rate: 2.0 / 3}, rep.Overall)
	require.Equal(t, Rate{Passed: 1, Total: 1, Rate: 1}, rep.BySplit[SplitTune].Overall)
	require.Equal(t, Rate{Passed: 0, Total: 1}, rep.BySplit[SplitTest].ByTool["enroll_course"])
	require.Equal(t, Rate{Passed: 1, Total: 1, Rate: 1}, rep.BySplit["other"].ByLanguage["en"])
	var b strings.Builder
	require.NoError(t, rep.WriteText(&b))
	require.Contains(t, b.String(), "split test: overall (scenarios)")
	require.Contains(t, b.String(), "split tune: overall (scenarios)")
}
