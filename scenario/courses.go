package scenario

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/faroai/faro/llm/offline"
)

// courseVocabulary is the demo catalogue with a scenario's course fixtures
// (a fixture replaces the demo course of the same slug). Until courses
// have a store, this is where fixtures go: the offline engine fills course
// names from it.
type courseVocabulary struct {
	courses []offline.Named
}

// vocabulary returns the vocabulary of the demo catalogue plus fixtures.
func vocabulary(fixtures []Course) (offline.Vocabulary, error) {
	demoVocab, err := offline.DemoVocabulary()
	if err != nil {
		return nil, err
	}
	if len(fixtures) == 0 {
		return demoVocab, nil
	}
	base, err := demoVocab.Courses(context.Background())
	if err != nil {
		return nil, fmt.Errorf("demo catalogue: %w", err)
	}
	v := &courseVocabulary{}
	for _, c := range base {
		if !slices.ContainsFunc(fixtures, func(f Course) bool { return f.Slug == c.Slug }) {
			v.courses = append(v.courses, c)
		}
	}
	for _, f := range fixtures {
		kw := make([]string, 0, len(f.Topics))
		for _, t := range f.Topics {
			kw = append(kw, strings.ReplaceAll(t, "-", " "))
		}
		v.courses = append(v.courses, offline.Named{Slug: f.Slug, Titles: maps.Clone(f.Title), Keywords: kw})
	}
	return v, nil
}

// Courses implements offline.Vocabulary; the result is a copy.
func (v *courseVocabulary) Courses(context.Context) ([]offline.Named, error) {
	out := make([]offline.Named, len(v.courses))
	for i, c := range v.courses {
		c.Titles = maps.Clone(c.Titles)
		c.Keywords = slices.Clone(c.Keywords)
		out[i] = c
	}
	return out, nil
}
