// Package lexicon holds what each language is, as data: one file per
// language (es.yaml, en.yaml, pt.yaml) with the words and phrases the
// engine learns from. Adding a language is adding a file; the code that
// reads it never names a language.
package lexicon

import (
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
)

//go:embed *.yaml concepts.txt *-*.txt
var files embed.FS

// Language is one language's data.
type Language struct {
	// Code is the language's ISO 639-1 code ("es").
	Code string `yaml:"language"`
	// Anchors are a few canonical questions for information ("how much
	// does the course cost"), which a message is compared with word by
	// word; keep them few, as every message meets each of them.
	Anchors []string `yaml:"anchors"`
	// Questions are more questions for information, as people ask a
	// business (prices, dates, policies, how-tos): with the anchors, what
	// a question for the knowledge base looks like, as opposed to a
	// request to act, for a classifier.
	Questions []string `yaml:"questions"`
}

// Lexicon is every language's data, in the order of their codes.
type Lexicon struct {
	Languages []Language
}

// Builtin parses the languages shipped in the binary. It fails only if a
// shipped file is malformed, which the package's tests rule out.
func Builtin() (*Lexicon, error) {
	names, err := fs.Glob(files, "*.yaml")
	if err != nil {
		return nil, fmt.Errorf("lexicon: %w", err)
	}
	lx := &Lexicon{}
	for _, name := range names {
		data, err := files.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("lexicon: %w", err)
		}
		var l Language
		if err := yaml.UnmarshalWithOptions(data, &l, yaml.Strict()); err != nil {
			return nil, fmt.Errorf("lexicon: %s: %w", name, err)
		}
		if want := strings.TrimSuffix(name, ".yaml"); l.Code != want {
			return nil, fmt.Errorf("lexicon: %s: language is %q, want %q", name, l.Code, want)
		}
		lx.Languages = append(lx.Languages, l)
	}
	slices.SortFunc(lx.Languages, func(a, b Language) int { return strings.Compare(a.Code, b.Code) })
	return lx, nil
}

// Anchors returns every language's anchor questions.
func (lx *Lexicon) Anchors() []string {
	var out []string
	for _, l := range lx.Languages {
		out = append(out, l.Anchors...)
	}
	return out
}

// Questions returns every language's questions for information, anchors
// included.
func (lx *Lexicon) Questions() []string {
	out := lx.Anchors()
	for _, l := range lx.Languages {
		out = append(out, l.Questions...)
	}
	return out
}

// Concept is a set of words of every language that mean the same thing.
type Concept struct {
	// Name names it ("price").
	Name string
	// Words are folded (no accents, lower case), in the table's order; an
	// underscore joins a two-word phrase ("how_much").
	Words []string
}

// Concepts returns the concept table (concepts.txt), in its order: a word
// belongs to the first concept that lists it.
func Concepts() []Concept {
	data, err := files.ReadFile("concepts.txt")
	if err != nil {
		// The file is embedded with the package; its absence is a build bug.
		panic(fmt.Sprintf("lexicon: %v", err))
	}
	var out []Concept
	for line := range strings.Lines(string(data)) {
		name, words, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || strings.HasPrefix(name, "#") {
			continue
		}
		out = append(out, Concept{Name: name, Words: strings.Fields(words)})
	}
	return out
}

// Synonyms finds the words that mean the same as a word, in every
// language of the concept table. It is read-only once built.
type Synonyms struct {
	concept map[string]string   // folded word → concept
	members map[string][]string // concept → its words
}

// NewSynonyms indexes the concept table.
func NewSynonyms() *Synonyms {
	s := &Synonyms{concept: map[string]string{}, members: map[string][]string{}}
	for _, c := range Concepts() {
		for _, w := range c.Words {
			w = strings.ReplaceAll(w, "_", " ")
			s.members[c.Name] = append(s.members[c.Name], w)
			if _, dup := s.concept[w]; !dup {
				s.concept[w] = c.Name
			}
		}
	}
	return s
}

// Concept returns the concept of a folded word ("cuesta" → "price"), or
// "" when it is in none.
func (s *Synonyms) Concept(word string) string {
	return s.concept[word]
}

// Of returns the words that mean what the folded word means (itself
// included), or nil when it is in no concept.
func (s *Synonyms) Of(word string) []string {
	return s.members[s.concept[word]]
}
