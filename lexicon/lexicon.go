// Package lexicon holds what each language is, as data: one file per
// language (es.yaml, en.yaml, pt.yaml), named by its ISO 639-1 code, with
// the words and phrases the offline engine reads and speaks. Adding a
// language is adding a file; the code that reads it never names a
// language.
//
// A language file has these sections (all but language optional to the
// parser; the package's tests require every shipped file to have every
// name any file has):
//
//	language: pt            # the file's code, as its name
//	anchors: [...]          # canonical questions for information
//	questions: [...]        # more of them, for the router's classifier
//	words:                  # named lists of folded words, space-separated
//	  greeting: ola oi bom boa
//	  some_list: ""         # empty on purpose: a comment says why
//	cues:                   # named lists of folded word sequences
//	  request_openers: [pode, voce pode, por favor]
//	months: [janeiro jan, ...]  # twelve entries, January first
//	numbers: {dois: 2, ...}     # small numbers written out
//	phrases:                # what the engine says, by name
//	  greeting: "Olá%s! Como posso ajudar?"
//	labels: {email: e-mail} # tools' fields and enum values
//	abilities: {open_ticket: abrir um chamado de suporte}
//
// Words are folded (lower case, no accents) because the engine compares
// folded tokens. The engine recognises a word whatever the message's
// language, so WordSet and Cues return the union over languages: a word
// two languages share is listed in both files. Phrases keep their format
// verbs (%s, %d) in English's order; a phrase, label or ability a
// language lacks is said in English. concepts.txt (synonyms across
// languages) and the *-*.txt transfer tables are separate files.
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
	// Words are named lists of folded words (no accents, lower case),
	// each written as one string of words separated by spaces: the small
	// talk, question words, negations and fillers the offline engine
	// recognises. Every language lists every name; "" leaves a list empty
	// on purpose (the file says why in a comment).
	Words map[string]string `yaml:"words"`
	// Cues are named lists of folded word sequences ("can you", "do you
	// have"), each a string of words separated by spaces.
	Cues map[string][]string `yaml:"cues"`
	// Months are the twelve months, January first, each the folded names
	// and abbreviations of one month separated by spaces.
	Months []string `yaml:"months"`
	// Numbers are small numbers written out, folded word → value.
	Numbers map[string]float64 `yaml:"numbers"`
	// Phrases are what the engine says, by name. Format strings keep
	// their verbs (%s, %d), in the order the code passes them.
	Phrases map[string]string `yaml:"phrases"`
	// Labels name tools' fields and enum values ("company_size",
	// "this_month") in the language, for questions and rendered results.
	Labels map[string]string `yaml:"labels"`
	// Abilities say what a tool lets a user do ("enroll_course": "enrol
	// in a course"), for the line that says what the assistant can do.
	Abilities map[string]string `yaml:"abilities"`
}

// fallback is the language a phrase, label or ability missing from a
// language is said in.
const fallback = "en"

// Lexicon is every language's data, in the order of their codes.
type Lexicon struct {
	Languages []Language
}

// Builtin parses the languages shipped in the binary. It fails only if a
// shipped file is malformed, which the package's tests rule out.
func Builtin() (*Lexicon, error) {
	return Load(files)
}

// Load parses every *.yaml file at the root of fsys, one per language,
// named by its code ("es.yaml").
func Load(fsys fs.FS) (*Lexicon, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, fmt.Errorf("lexicon: %w", err)
	}
	lx := &Lexicon{}
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
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

// Codes returns the languages' codes, in order.
func (lx *Lexicon) Codes() []string {
	out := make([]string, 0, len(lx.Languages))
	for _, l := range lx.Languages {
		out = append(out, l.Code)
	}
	return out
}

// WordSet returns the union over languages of the named word list, for
// recognising a word whatever the language of the message. It fails when
// no language has the list: a name the files do not know is a bug of the
// caller.
func (lx *Lexicon) WordSet(name string) (map[string]bool, error) {
	set, found := map[string]bool{}, false
	for _, l := range lx.Languages {
		words, ok := l.Words[name]
		found = found || ok
		for _, w := range strings.Fields(words) {
			set[w] = true
		}
	}
	if !found {
		return nil, fmt.Errorf("lexicon: no language has the word list %q", name)
	}
	return set, nil
}

// Words returns one language's named word list, for what tells languages
// apart rather than what they share. It fails when the language or its
// list is missing.
func (lx *Lexicon) Words(code, name string) ([]string, error) {
	l := lx.language(code)
	if l == nil {
		return nil, fmt.Errorf("lexicon: no language %q", code)
	}
	words, ok := l.Words[name]
	if !ok {
		return nil, fmt.Errorf("lexicon: %s has no word list %q", code, name)
	}
	return strings.Fields(words), nil
}

// Cues returns the union over languages of the named list of word
// sequences: every language's in the order of their codes, a sequence two
// languages share once, where it is first listed.
func (lx *Lexicon) Cues(name string) ([][]string, error) {
	var out [][]string
	seen, found := map[string]bool{}, false
	for _, l := range lx.Languages {
		seqs, ok := l.Cues[name]
		found = found || ok
		for _, s := range seqs {
			words := strings.Fields(s)
			if key := strings.Join(words, " "); !seen[key] {
				seen[key] = true
				out = append(out, words)
			}
		}
	}
	if !found {
		return nil, fmt.Errorf("lexicon: no language has the cue list %q", name)
	}
	return out, nil
}

// Months returns every language's month words, folded word → month
// (1 for January). It fails when a language does not list twelve months
// or two languages give one word different months.
func (lx *Lexicon) Months() (map[string]int, error) {
	out := map[string]int{}
	for _, l := range lx.Languages {
		if len(l.Months) != 12 {
			return nil, fmt.Errorf("lexicon: %s lists %d months, want 12", l.Code, len(l.Months))
		}
		for i, names := range l.Months {
			for _, w := range strings.Fields(names) {
				if m, dup := out[w]; dup && m != i+1 {
					return nil, fmt.Errorf("lexicon: %s: %q is month %d, and %d in another language", l.Code, w, i+1, m)
				}
				out[w] = i + 1
			}
		}
	}
	return out, nil
}

// Numbers returns every language's numbers written out, folded word →
// value. It fails when two languages give one word different values.
func (lx *Lexicon) Numbers() (map[string]float64, error) {
	out := map[string]float64{}
	for _, l := range lx.Languages {
		for w, v := range l.Numbers {
			if n, dup := out[w]; dup && n != v {
				return nil, fmt.Errorf("lexicon: %s: %q is %v, and %v in another language", l.Code, w, v, n)
			}
			out[w] = v
		}
	}
	return out, nil
}

// Phrase returns the named phrase in lang, in English when lang does not
// have it, and "" when English does not either.
func (lx *Lexicon) Phrase(name, lang string) string {
	return lx.said(func(l *Language) map[string]string { return l.Phrases }, name, lang)
}

// Phrases returns the named phrase in every language (English where a
// language does not have it), by code. It fails when English does not
// have it.
func (lx *Lexicon) Phrases(name string) (map[string]string, error) {
	return lx.everywhere(func(l *Language) map[string]string { return l.Phrases }, "phrase", name)
}

// Labels returns every label, key → code → text (English where a
// language does not have it).
func (lx *Lexicon) Labels() map[string]map[string]string {
	return lx.all(func(l *Language) map[string]string { return l.Labels })
}

// Abilities returns what each tool lets a user do, tool → code → text
// (English where a language does not say it).
func (lx *Lexicon) Abilities() map[string]map[string]string {
	return lx.all(func(l *Language) map[string]string { return l.Abilities })
}

func (lx *Lexicon) language(code string) *Language {
	for i := range lx.Languages {
		if lx.Languages[i].Code == code {
			return &lx.Languages[i]
		}
	}
	return nil
}

// said looks a name up in lang's section, then in the fallback's.
func (lx *Lexicon) said(section func(*Language) map[string]string, name, lang string) string {
	for _, code := range []string{lang, fallback} {
		if l := lx.language(code); l != nil {
			if s := section(l)[name]; s != "" {
				return s
			}
		}
	}
	return ""
}

func (lx *Lexicon) everywhere(section func(*Language) map[string]string, kind, name string) (map[string]string, error) {
	if lx.said(section, name, fallback) == "" {
		return nil, fmt.Errorf("lexicon: no %s %q in %s", kind, name, fallback)
	}
	out := make(map[string]string, len(lx.Languages))
	for _, l := range lx.Languages {
		out[l.Code] = lx.said(section, name, l.Code)
	}
	return out, nil
}

func (lx *Lexicon) all(section func(*Language) map[string]string) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, l := range lx.Languages {
		for key := range section(&l) {
			if out[key] == nil {
				out[key] = make(map[string]string, len(lx.Languages))
				for _, each := range lx.Languages {
					out[key][each.Code] = lx.said(section, key, each.Code)
				}
			}
		}
	}
	return out
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
