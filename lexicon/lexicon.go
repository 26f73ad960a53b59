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

//go:embed *.yaml
var files embed.FS

// Language is one language's data.
type Language struct {
	// Code is the language's ISO 639-1 code ("es").
	Code string `yaml:"language"`
	// Questions are questions for information, as people ask a business
	// (prices, dates, policies, how-tos): what a question for the
	// knowledge base looks like, as opposed to a request to act.
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

// Questions returns every language's questions for information.
func (lx *Lexicon) Questions() []string {
	var out []string
	for _, l := range lx.Languages {
		out = append(out, l.Questions...)
	}
	return out
}
