// Package business hands the offline engine the business it serves as
// data: the tools of the registry (through [toolcatalog]) and the course
// catalogue of the store. Package offline imports neither, so that what
// works on the demo works on a business's own catalogue; this package is
// the one place where the engine is wired to them, used by the server and
// the scenario runner alike.
package business

import (
	"context"
	"fmt"
	"strings"

	"github.com/faroai/faro/llm/offline"
	"github.com/faroai/faro/llm/offline/toolcatalog"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/tools"
)

// CourseLister is the part of the store the vocabulary reads.
type CourseLister interface {
	ListCourses(ctx context.Context, f store.CourseFilter) ([]store.Course, error)
}

// Vocabulary is an [offline.Vocabulary] over the store's courses: their
// slugs, their titles in every language and their topics as keywords. It
// reads the store on every call, so a course added, renamed or replaced
// is named by the next turn, on every server sharing the store. The read
// is one query over a small table per model call, and the engine keeps
// its index of the names while they do not change.
type Vocabulary struct {
	courses CourseLister
}

// Interface guard.
var _ offline.Vocabulary = (*Vocabulary)(nil)

// NewVocabulary returns the vocabulary of the courses st lists.
func NewVocabulary(st CourseLister) *Vocabulary {
	return &Vocabulary{courses: st}
}

// Courses implements [offline.Vocabulary]: every course of the store,
// whatever its status (a user may name a full or closed course and be
// told so), in the store's order.
func (v *Vocabulary) Courses(ctx context.Context) ([]offline.Named, error) {
	cs, err := v.courses.ListCourses(ctx, store.CourseFilter{})
	if err != nil {
		return nil, fmt.Errorf("course vocabulary: %w", err)
	}
	out := make([]offline.Named, 0, len(cs))
	for _, c := range cs {
		out = append(out, Named(c))
	}
	return out, nil
}

// Named is the course as the engine names it. Topics are slugs
// ("prompt-engineering"); users write them as words.
func Named(c store.Course) offline.Named {
	titles := map[string]string{}
	if c.Title.ES != "" {
		titles["es"] = c.Title.ES
	}
	if c.Title.EN != "" {
		titles["en"] = c.Title.EN
	}
	kw := make([]string, 0, len(c.Topics))
	for _, t := range c.Topics {
		kw = append(kw, strings.ReplaceAll(t, "-", " "))
	}
	return offline.Named{Slug: c.Slug, Titles: titles, Keywords: kw}
}

// NewModel returns the offline engine over the business: routing by the
// examples of the tools in reg and filling course names from the courses
// of st. opts sets the rest (logger, clock, embedder); its Catalog and
// Vocabulary are replaced.
func NewModel(st CourseLister, reg *tools.Registry, opts offline.Options) *offline.Model {
	opts.Catalog = toolcatalog.New(reg)
	opts.Vocabulary = NewVocabulary(st)
	return offline.NewModel(opts)
}
