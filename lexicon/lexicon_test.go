package lexicon

import (
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"
)

func TestBuiltin(t *testing.T) {
	t.Parallel()
	lx, err := Builtin()
	require.NoError(t, err)
	var codes []string
	for _, l := range lx.Languages {
		codes = append(codes, l.Code)
		require.GreaterOrEqual(t, len(l.Anchors)+len(l.Questions), 20, "%s has too few questions to learn from", l.Code)
		require.NotEmpty(t, l.Anchors, l.Code)
	}
	require.Equal(t, []string{"en", "es", "pt"}, codes)
	n := 0
	for _, l := range lx.Languages {
		n += len(l.Anchors) + len(l.Questions)
	}
	require.Len(t, lx.Questions(), n)
}

func TestConcepts(t *testing.T) {
	t.Parallel()
	cs := Concepts()
	require.NotEmpty(t, cs)
	names := map[string]bool{}
	for _, c := range cs {
		require.False(t, names[c.Name], "concept %q listed twice", c.Name)
		names[c.Name] = true
		require.NotEmpty(t, c.Words, c.Name)
		require.NotContains(t, c.Name, "#", "comment lines are no concepts")
	}
	syn := NewSynonyms()
	require.Equal(t, "access", syn.Concept("senha"))
	require.Contains(t, syn.Of("senha"), "contrasena")
	require.Contains(t, syn.Of("precio"), "price")
	require.Nil(t, syn.Of("zzz"), "a word of no concept has no synonyms")
	require.Equal(t, "price", syn.Concept("how much"), "a two-word phrase is one member")
}

// TestEveryLanguageComplete: every shipped language has every word list,
// cue list, phrase, label and ability any language has, so a language
// never speaks another's words by accident. A list may be empty on
// purpose; a phrase may not.
func TestEveryLanguageComplete(t *testing.T) {
	t.Parallel()
	lx, err := Builtin()
	require.NoError(t, err)
	sections := map[string]func(Language) []string{
		"words":     func(l Language) []string { return keys(l.Words) },
		"cues":      func(l Language) []string { return keys(l.Cues) },
		"phrases":   func(l Language) []string { return keys(l.Phrases) },
		"labels":    func(l Language) []string { return keys(l.Labels) },
		"abilities": func(l Language) []string { return keys(l.Abilities) },
	}
	for section, names := range sections {
		all := map[string]bool{}
		for _, l := range lx.Languages {
			for _, n := range names(l) {
				all[n] = true
			}
		}
		for _, l := range lx.Languages {
			have := map[string]bool{}
			for _, n := range names(l) {
				have[n] = true
			}
			for n := range all {
				require.True(t, have[n], "%s.yaml has no %s %q", l.Code, section, n)
			}
		}
	}
	for _, l := range lx.Languages {
		for name, s := range l.Phrases {
			require.NotEmpty(t, s, "%s.yaml: phrase %q is empty", l.Code, name)
			require.Equal(t, verbs(lx.Phrase(name, "en")), verbs(s), "%s.yaml: phrase %q has other format verbs than in English", l.Code, name)
		}
		for name, s := range l.Words {
			require.Equal(t, strings.ToLower(s), s, "%s.yaml: word list %q is folded", l.Code, name)
		}
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// verbs are a format string's verbs, in order.
func verbs(s string) []string {
	return regexp.MustCompile(`%[a-z%]`).FindAllString(s, -1)
}

// twoLanguages is a lexicon whose Portuguese lacks a phrase and a label.
var twoLanguages = fstest.MapFS{
	"en.yaml": {Data: []byte(`language: en
words:
  yes: yes yeah ok
cues:
  openers: ["can you", please]
phrases:
  hello: Hi%s!
  bye: Bye!
labels:
  email: email
  name: name
abilities:
  enroll_course: enrol in a course
`)},
	"pt.yaml": {Data: []byte(`language: pt
words:
  # "ok" is Portuguese too: both files list it, the union has it once.
  yes: sim ok
cues:
  openers: [pode, por favor, please]
phrases:
  hello: Olá%s!
labels:
  name: nome
abilities: {}
`)},
}

func TestLookups(t *testing.T) {
	t.Parallel()
	lx, err := Load(twoLanguages)
	require.NoError(t, err)
	require.Equal(t, []string{"en", "pt"}, lx.Codes())

	set, err := lx.WordSet("yes")
	require.NoError(t, err)
	require.Equal(t, map[string]bool{"yes": true, "yeah": true, "ok": true, "sim": true}, set, "the union over languages")
	own, err := lx.Words("pt", "yes")
	require.NoError(t, err)
	require.Equal(t, []string{"sim", "ok"}, own, "one language's list, in its order")
	_, err = lx.Words("fr", "yes")
	require.ErrorContains(t, err, `"fr"`)
	_, err = lx.Words("pt", "no")
	require.ErrorContains(t, err, `"no"`)
	_, err = lx.WordSet("no")
	require.ErrorContains(t, err, `"no"`, "a list no language has is an error, not an empty set")

	cues, err := lx.Cues("openers")
	require.NoError(t, err)
	require.Equal(t, [][]string{{"can", "you"}, {"please"}, {"pode"}, {"por", "favor"}}, cues, "languages in order, each split into words, a shared one once")
	_, err = lx.Cues("closers")
	require.Error(t, err)

	require.Equal(t, "Olá%s!", lx.Phrase("hello", "pt"))
	require.Equal(t, "Bye!", lx.Phrase("bye", "pt"), "a phrase missing in a language is said in English")
	require.Equal(t, "Bye!", lx.Phrase("bye", "fr"), "so is one in a language not shipped")
	require.Empty(t, lx.Phrase("nope", "en"))
	bye, err := lx.Phrases("bye")
	require.NoError(t, err)
	require.Equal(t, map[string]string{"en": "Bye!", "pt": "Bye!"}, bye)
	_, err = lx.Phrases("nope")
	require.ErrorContains(t, err, `"nope"`)

	require.Equal(t, map[string]map[string]string{
		"email": {"en": "email", "pt": "email"},
		"name":  {"en": "name", "pt": "nome"},
	}, lx.Labels())
	require.Equal(t, map[string]map[string]string{"enroll_course": {"en": "enrol in a course", "pt": "enrol in a course"}}, lx.Abilities())
}

func TestMonthsAndNumbers(t *testing.T) {
	t.Parallel()
	lx, err := Builtin()
	require.NoError(t, err)
	months, err := lx.Months()
	require.NoError(t, err)
	require.Equal(t, 1, months["enero"])
	require.Equal(t, 3, months["mar"], "an abbreviation two languages share")
	require.Equal(t, 12, months["dezembro"])
	numbers, err := lx.Numbers()
	require.NoError(t, err)
	require.InDelta(t, 3.0, numbers["tres"], 0, "Spanish and Portuguese write three alike")
	require.InDelta(t, 12.0, numbers["twelve"], 0)

	clash, err := Load(fstest.MapFS{
		"en.yaml": {Data: []byte("language: en\nnumbers: {dez: 10}\n")},
		"pt.yaml": {Data: []byte("language: pt\nnumbers: {dez: 12}\n")},
	})
	require.NoError(t, err)
	_, err = clash.Numbers()
	require.ErrorContains(t, err, `"dez"`, "one word, two values")
	_, err = clash.Months()
	require.ErrorContains(t, err, "want 12", "a language without its months")
}

func TestLoadRejects(t *testing.T) {
	t.Parallel()
	_, err := Load(fstest.MapFS{"es.yaml": {Data: []byte("language: pt\n")}})
	require.ErrorContains(t, err, `want "es"`, "a file names its own language")
	_, err = Load(fstest.MapFS{"es.yaml": {Data: []byte("language: es\nwordz: {}\n")}})
	require.Error(t, err, "an unknown section is a typo, not ignored")
}
