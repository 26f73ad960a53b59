package scenario

import (
	"context"
	"fmt"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/faroai/faro/demo"
	"github.com/faroai/faro/store"
)

// putCourses stores courses (in the fields of demo/catalog.yaml) in the
// scenario's store, so that enroll_course and list_courses see the
// catalogue the offline engine fills course names from. A course of the
// same slug is replaced.
func putCourses(ctx context.Context, st store.Courses, courses []Course, what string) error {
	for i, c := range courses {
		sc, err := c.storeCourse()
		if err != nil {
			return fmt.Errorf("%s[%d] (%s): %w", what, i, c.Slug, err)
		}
		if _, err := st.PutCourse(ctx, sc); err != nil {
			return fmt.Errorf("%s[%d] (%s): %w", what, i, c.Slug, err)
		}
	}
	return nil
}

// demoCourses is the demo catalogue.
func demoCourses() ([]Course, error) {
	var cs []Course
	if err := yaml.Unmarshal(demo.Catalog, &cs); err != nil {
		return nil, fmt.Errorf("demo catalogue: %w", err)
	}
	return cs, nil
}

// storeCourse is c as the store keeps it. A fixture without seats has
// plenty, and one without a status is open: a scenario states only what
// it is about.
func (c Course) storeCourse() (store.Course, error) {
	sc := store.Course{
		Slug:          c.Slug,
		Title:         store.Localized{ES: c.Title["es"], EN: c.Title["en"]},
		Description:   store.Localized{ES: c.Description["es"], EN: c.Description["en"]},
		Language:      c.Language,
		Topics:        c.Topics,
		Level:         c.Level,
		Price:         store.Money{Amount: c.Price.Amount, Currency: c.Price.Currency},
		Seats:         c.Seats,
		DurationWeeks: c.DurationWeeks,
		Status:        store.CourseStatus(c.Status),
		Source:        c.Source,
	}
	if sc.Seats <= 0 {
		sc.Seats = 100
	}
	if sc.Price.Currency == "" {
		sc.Price.Currency = "USD"
	}
	if c.Start != "" {
		start, err := time.Parse(time.DateOnly, c.Start)
		if err != nil {
			return store.Course{}, fmt.Errorf("start %q is not a date (YYYY-MM-DD)", c.Start)
		}
		sc.Start = start
	}
	return sc, nil
}
