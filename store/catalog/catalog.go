// Package catalog reads a course catalogue in the YAML of demo/catalog.yaml
// and stores it, so that the server can load the demo catalogue on first
// start and an operator can load their own:
//
//	# a list of courses
//	- slug: ia-marketing
//	  title: {es: IA para marketing, en: AI for Marketing}
//	  description: {es: …, en: …}
//	  language: es
//	  topics: [marketing, copywriting]
//	  level: beginner
//	  price: {amount: 249, currency: USD}
//	  seats: 60
//	  start: 2027-02-08
//	  duration_weeks: 6
//	  status: open
//	  source: es/cursos/ia-marketing.md
package catalog

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/faroai/faro/store"
)

// entry is one course as the YAML writes it.
type entry struct {
	Slug        string            `yaml:"slug"`
	Title       map[string]string `yaml:"title"`
	Description map[string]string `yaml:"description"`
	Language    string            `yaml:"language"`
	Topics      []string          `yaml:"topics"`
	Level       string            `yaml:"level"`
	Price       struct {
		Amount   float64 `yaml:"amount"`
		Currency string  `yaml:"currency"`
	} `yaml:"price"`
	Seats         int    `yaml:"seats"`
	Start         string `yaml:"start"`
	DurationWeeks int    `yaml:"duration_weeks"`
	Status        string `yaml:"status"`
	Source        string `yaml:"source"`
}

// Parse reads a catalogue. Unknown fields, a start that is not a date
// (YYYY-MM-DD), a title or description in a language other than es and
// en, a repeated slug, and anything the store would refuse
// ([store.NormalizeCourse]) are errors wrapping [store.ErrInvalid] that
// name the course: a catalogue is loaded whole or not at all.
func Parse(data []byte) ([]store.Course, error) {
	var entries []entry
	if err := yaml.UnmarshalWithOptions(data, &entries, yaml.DisallowUnknownField()); err != nil {
		return nil, fmt.Errorf("catalog: %w: %w", store.ErrInvalid, err)
	}
	out := make([]store.Course, 0, len(entries))
	seen := map[string]bool{}
	for i, e := range entries {
		c, err := e.course()
		if err == nil {
			c, err = store.NormalizeCourse(c)
		}
		if err == nil && seen[c.Slug] {
			err = fmt.Errorf("slug repeated: %w", store.ErrInvalid)
		}
		if err != nil {
			return nil, fmt.Errorf("catalog: course %d (%q): %w", i+1, e.Slug, err)
		}
		seen[c.Slug] = true
		out = append(out, c)
	}
	return out, nil
}

func (e entry) course() (store.Course, error) {
	for _, m := range []map[string]string{e.Title, e.Description} {
		for lang := range m {
			if lang != "es" && lang != "en" {
				return store.Course{}, fmt.Errorf("text in %q: only es and en: %w", lang, store.ErrInvalid)
			}
		}
	}
	c := store.Course{
		Slug:          e.Slug,
		Title:         store.Localized{ES: e.Title["es"], EN: e.Title["en"]},
		Description:   store.Localized{ES: strings.TrimSpace(e.Description["es"]), EN: strings.TrimSpace(e.Description["en"])},
		Language:      e.Language,
		Topics:        e.Topics,
		Level:         e.Level,
		Price:         store.Money{Amount: e.Price.Amount, Currency: e.Price.Currency},
		Seats:         e.Seats,
		DurationWeeks: e.DurationWeeks,
		Status:        store.CourseStatus(e.Status),
		Source:        e.Source,
	}
	if e.Start != "" {
		d, err := time.Parse(time.DateOnly, e.Start)
		if err != nil {
			return store.Course{}, fmt.Errorf("start %q is not a date (YYYY-MM-DD): %w", e.Start, store.ErrInvalid)
		}
		c.Start = d
	}
	return c, nil
}

// Store is what loading needs: [store.Store] satisfies it.
type Store interface {
	PutCourse(ctx context.Context, c store.Course) (store.Course, error)
	Course(ctx context.Context, slug string) (store.Course, error)
}

// Mode says what Load does with a course the store already has.
type Mode int

// The modes.
const (
	// Missing adds the courses the store does not have and leaves the
	// others as they are: safe on every start, since changes made by staff
	// (a cohort closed, seats added) survive a restart.
	Missing Mode = iota
	// Replace writes every course of the catalogue, overwriting the
	// stored ones: for an operator who edits the YAML as the source of
	// truth.
	Replace
)

// Load parses data and stores its courses by mode, returning how many
// were written. Nothing is written if data does not parse; a store error
// stops the load, leaving the courses before it written (running Load
// again finishes it).
func Load(ctx context.Context, st Store, data []byte, mode Mode) (int, error) {
	courses, err := Parse(data)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range courses {
		if mode == Missing {
			_, err := st.Course(ctx, c.Slug)
			if err == nil {
				continue
			}
			if !errors.Is(err, store.ErrNotFound) {
				return n, fmt.Errorf("catalog: course %q: %w", c.Slug, err)
			}
		}
		if _, err := st.PutCourse(ctx, c); err != nil {
			return n, fmt.Errorf("catalog: course %q: %w", c.Slug, err)
		}
		n++
	}
	return n, nil
}
