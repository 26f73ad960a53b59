package offline

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
)

// Named is a thing users name in their own words and tools take by a slug:
// a course. The engine matches what the user wrote against its titles
// (typos, missing accents and either language forgiven) and passes the
// slug to the tool.
type Named struct {
	// Slug is what a tool takes ("ia-marketing").
	Slug string
	// Titles by language ("es": "IA para marketing", "en": "AI for Marketing").
	Titles map[string]string
	// Keywords are weaker names: topics, aliases ("copywriting",
	// "whatsapp"). A keyword alone picks a course only when no other course
	// shares it.
	Keywords []string
}

// Title returns the title in lang, else in Spanish or English, else the slug.
func (n Named) Title(lang string) string {
	for _, l := range []string{lang, langES, langEN} {
		if t := n.Titles[l]; t != "" {
			return t
		}
	}
	for _, l := range slices.Sorted(maps.Keys(n.Titles)) {
		if t := n.Titles[l]; t != "" {
			return t
		}
	}
	return n.Slug
}

// Vocabulary is the set of named things the engine may fill tool
// arguments with. The store's courses back it in production (package
// llm/offline/business); [CatalogVocabulary] reads a catalogue file.
type Vocabulary interface {
	// Courses returns the courses a user may name, in a stable order. An
	// error is not fatal to a turn: the engine then asks the user for the
	// course and passes on what they write.
	Courses(ctx context.Context) ([]Named, error)
}

// CatalogVocabulary is a [Vocabulary] read from a course catalogue in the
// YAML format of demo/catalog.yaml. It is immutable and safe for
// concurrent use.
type CatalogVocabulary struct {
	courses []Named
}

// NewCatalogVocabulary parses a YAML course catalogue: a list of courses
// with slug, title (by language) and topics.
func NewCatalogVocabulary(data []byte) (*CatalogVocabulary, error) {
	var entries []struct {
		Slug   string            `yaml:"slug"`
		Title  map[string]string `yaml:"title"`
		Topics []string          `yaml:"topics"`
	}
	if err := yaml.Unmarshal(data, &entries); err != nil {
		return nil, fmt.Errorf("course catalogue: %w", err)
	}
	v := &CatalogVocabulary{}
	for i, e := range entries {
		if strings.TrimSpace(e.Slug) == "" {
			return nil, fmt.Errorf("course catalogue: entry %d has no slug", i+1)
		}
		kw := make([]string, 0, len(e.Topics))
		for _, t := range e.Topics {
			kw = append(kw, strings.ReplaceAll(t, "-", " "))
		}
		v.courses = append(v.courses, Named{Slug: e.Slug, Titles: e.Title, Keywords: kw})
	}
	return v, nil
}

// Courses implements [Vocabulary]. The result is a copy.
func (v *CatalogVocabulary) Courses(context.Context) ([]Named, error) {
	out := make([]Named, len(v.courses))
	for i, c := range v.courses {
		c.Keywords = slices.Clone(c.Keywords)
		c.Titles = maps.Clone(c.Titles)
		out[i] = c
	}
	return out, nil
}
