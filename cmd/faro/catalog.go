package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/faroai/faro/demo"
	"github.com/faroai/faro/store"
)

// catalogCourse is one course of demo/catalog.yaml.
type catalogCourse struct {
	Slug          string            `yaml:"slug"`
	Title         map[string]string `yaml:"title"`
	Description   map[string]string `yaml:"description"`
	Language      string            `yaml:"language"`
	Topics        []string          `yaml:"topics"`
	Level         string            `yaml:"level"`
	Price         store.Money       `yaml:"price"`
	Seats         int               `yaml:"seats"`
	Start         string            `yaml:"start"`
	DurationWeeks int               `yaml:"duration_weeks"`
	Status        string            `yaml:"status"`
	Source        string            `yaml:"source"`
}

// demoCatalog is the demo course catalogue as the store keeps it.
func demoCatalog() ([]store.Course, error) {
	var cs []catalogCourse
	if err := yaml.Unmarshal(demo.Catalog, &cs); err != nil {
		return nil, fmt.Errorf("demo catalogue: %w", err)
	}
	out := make([]store.Course, 0, len(cs))
	for _, c := range cs {
		sc := store.Course{
			Slug: c.Slug, Title: store.Localized{ES: c.Title["es"], EN: c.Title["en"]},
			Description: store.Localized{ES: c.Description["es"], EN: c.Description["en"]},
			Language:    c.Language, Topics: c.Topics, Level: c.Level, Price: c.Price, Seats: c.Seats,
			DurationWeeks: c.DurationWeeks, Status: store.CourseStatus(c.Status), Source: c.Source,
		}
		if c.Start != "" {
			start, err := time.Parse(time.DateOnly, c.Start)
			if err != nil {
				return nil, fmt.Errorf("demo catalogue: %s: start %q is not a date", c.Slug, c.Start)
			}
			sc.Start = start
		}
		out = append(out, sc)
	}
	return out, nil
}

// courseStore is what loading the catalogue needs of the store.
type courseStore interface {
	ListCourses(ctx context.Context, f store.CourseFilter) ([]store.Course, error)
	PutCourse(ctx context.Context, c store.Course) (store.Course, error)
}

// loadDemoCatalog puts the demo course catalogue in the store when it has
// no course yet (first start), so enroll_course and list_courses see the
// courses the offline engine names and the demo knowledge base describes.
// A catalogue the business changed is left alone. Failing is logged, not
// fatal: the assistant still answers.
func loadDemoCatalog(ctx context.Context, st any, log *slog.Logger) {
	cs, ok := st.(courseStore)
	if !ok {
		log.Warn("demo course catalogue not loaded: the store keeps no courses")
		return
	}
	have, err := cs.ListCourses(ctx, store.CourseFilter{})
	if err != nil {
		log.Warn("demo course catalogue not loaded", "err", err)
		return
	}
	if len(have) > 0 {
		return
	}
	courses, err := demoCatalog()
	if err != nil {
		log.Warn("demo course catalogue not loaded", "err", err)
		return
	}
	for _, c := range courses {
		if _, err := cs.PutCourse(ctx, c); err != nil {
			log.Warn("demo course not loaded", "course", c.Slug, "err", err)
		}
	}
	log.Info("demo course catalogue loaded", "courses", len(courses))
}
