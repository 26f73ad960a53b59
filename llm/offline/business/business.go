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
	"sync"
	"time"

	"github.com/faroai/faro/llm/offline"
	"github.com/faroai/faro/llm/offline/toolcatalog"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/tools"
)

// CourseLister is the part of the store the vocabulary reads.
type CourseLister interface {
	ListCourses(ctx context.Context, f store.CourseFilter) ([]store.Course, error)
}

// DefaultMaxAge is how long a [Vocabulary] reuses a read of the
// catalogue by default: the calls of one turn share a read, and a
// catalogue change reaches every server sharing the store within it.
const DefaultMaxAge = time.Second

// VocabularyOptions configure a [Vocabulary]; the zero value works.
type VocabularyOptions struct {
	// MaxAge is how long a read of the store's courses is reused; 0 means
	// [DefaultMaxAge], negative means every call reads the store.
	MaxAge time.Duration
	// Clock measures MaxAge; nil means time.Now.
	Clock func() time.Time
}

// Vocabulary is an [offline.Vocabulary] over the store's courses: their
// slugs, their titles in every language and their topics as keywords. It
// reads the store again when its last read is older than MaxAge, so a
// course added, renamed or replaced through the store (on any server
// sharing it) is named by the turns that start after that; the engine
// keeps its index of the names while they do not change. Reading on every
// call would cost each model call a catalogue query (see
// BenchmarkGenerateContent). It is safe for concurrent use.
type Vocabulary struct {
	courses CourseLister
	maxAge  time.Duration
	clock   func() time.Time

	mu     sync.Mutex
	named  []offline.Named // the last read, shared read-only by its callers
	readAt time.Time
}

// Interface guard.
var _ offline.Vocabulary = (*Vocabulary)(nil)

// NewVocabulary returns the vocabulary of the courses st lists.
func NewVocabulary(st CourseLister, opts VocabularyOptions) *Vocabulary {
	v := &Vocabulary{courses: st, maxAge: opts.MaxAge, clock: opts.Clock}
	if v.maxAge == 0 {
		v.maxAge = DefaultMaxAge
	}
	if v.clock == nil {
		v.clock = time.Now
	}
	return v
}

// Courses implements [offline.Vocabulary]: every course of the store,
// whatever its status (a user may name a full or closed course and be
// told so), in the store's order. The result is shared by the calls
// until the next read: callers must not modify it. A failed read is not
// kept: the next call tries the store again.
func (v *Vocabulary) Courses(ctx context.Context) ([]offline.Named, error) {
	now := v.clock()
	v.mu.Lock()
	if v.named != nil && v.maxAge > 0 && now.Sub(v.readAt) < v.maxAge {
		named := v.named
		v.mu.Unlock()
		return named, nil
	}
	v.mu.Unlock()
	// Read without the lock: concurrent misses may read twice, which is
	// cheaper than making every caller wait on one query.
	cs, err := v.courses.ListCourses(ctx, store.CourseFilter{})
	if err != nil {
		return nil, fmt.Errorf("course vocabulary: %w", err)
	}
	named := make([]offline.Named, 0, len(cs))
	for _, c := range cs {
		named = append(named, Named(c))
	}
	v.mu.Lock()
	v.named, v.readAt = named, now
	v.mu.Unlock()
	return named, nil
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
	if c.Free() {
		// "quero me inscrever no gratuito": the free course, when it is
		// the only one (a keyword names a course no other shares).
		kw = append(kw, "free")
	}
	return offline.Named{Slug: c.Slug, Titles: titles, Keywords: kw}
}

// Options configure [NewModel]; the zero value works.
type Options struct {
	// Engine sets the engine's logger, date clock and embedder; its
	// Catalog and Vocabulary are replaced by the business's.
	Engine offline.Options
	// Vocabulary sets how the courses are read.
	Vocabulary VocabularyOptions
}

// NewModel returns the offline engine over the business: routing by the
// examples of the tools in reg and filling course names from the courses
// of st.
func NewModel(st CourseLister, reg *tools.Registry, opts Options) *offline.Model {
	eo := opts.Engine
	eo.Catalog = toolcatalog.New(reg)
	eo.Vocabulary = NewVocabulary(st, opts.Vocabulary)
	return offline.NewModel(eo)
}
