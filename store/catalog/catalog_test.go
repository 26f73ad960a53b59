package catalog_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/demo"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/catalog"
	"github.com/faroai/faro/store/sqlite"
)

func TestParseDemoCatalog(t *testing.T) {
	cs, err := catalog.Parse(demo.Catalog)
	require.NoError(t, err, "the demo catalogue parses")
	require.NotEmpty(t, cs)
	bySlug := map[string]store.Course{}
	for _, c := range cs {
		require.NotEmpty(t, c.Title.ES, "%s: Spanish title", c.Slug)
		require.NotEmpty(t, c.Title.EN, "%s: English title", c.Slug)
		require.NotEmpty(t, c.Source, "%s: source document", c.Slug)
		require.Positive(t, c.Seats, "%s: seats", c.Slug)
		require.False(t, c.Start.IsZero(), "%s: start", c.Slug)
		bySlug[c.Slug] = c
	}
	m := bySlug["ia-marketing"]
	require.Equal(t, store.Money{Amount: 249, Currency: "USD"}, m.Price)
	require.Equal(t, 60, m.Seats)
	require.Equal(t, time.Date(2027, 2, 8, 0, 0, 0, 0, time.UTC), m.Start)
	require.Equal(t, "es/cursos/ia-marketing.md", m.Source)
	require.True(t, bySlug["fundamentos-ia"].Free(), "the introduction is free")
	require.Equal(t, store.CourseFull, bySlug["agentes-automatizacion"].Status)
}

func TestParseRefuses(t *testing.T) {
	for name, doc := range map[string]string{
		"unknown field":  "- {slug: a, seats: 1, colour: red}",
		"bad start":      "- {slug: a, seats: 1, start: next monday}",
		"no seats":       "- {slug: a}",
		"other language": "- {slug: a, seats: 1, title: {fr: Cours}}",
		"repeated slug":  "- {slug: a, seats: 1}\n- {slug: a, seats: 2}",
		"not a list":     "slug: a",
	} {
		_, err := catalog.Parse([]byte(doc))
		require.ErrorIs(t, err, store.ErrInvalid, name)
	}
}

func TestLoad(t *testing.T) {
	ctx := t.Context()
	db, err := sqlite.Open(ctx, ":memory:")
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })

	n, err := catalog.Load(ctx, db, demo.Catalog, catalog.Missing)
	require.NoError(t, err)
	all, err := db.ListCourses(ctx, store.CourseFilter{})
	require.NoError(t, err)
	require.Len(t, all, n, "every course of the catalogue is stored")

	// Staff close a cohort; loading again on the next start keeps it.
	c, err := db.Course(ctx, "ia-marketing")
	require.NoError(t, err)
	c.Status = store.CourseClosed
	_, err = db.PutCourse(ctx, c)
	require.NoError(t, err)
	n2, err := catalog.Load(ctx, db, demo.Catalog, catalog.Missing)
	require.NoError(t, err)
	require.Zero(t, n2, "Missing writes only what is missing")
	c, err = db.Course(ctx, "ia-marketing")
	require.NoError(t, err)
	require.Equal(t, store.CourseClosed, c.Status, "a staff change survives a restart")

	n3, err := catalog.Load(ctx, db, demo.Catalog, catalog.Replace)
	require.NoError(t, err)
	require.Equal(t, n, n3)
	c, err = db.Course(ctx, "ia-marketing")
	require.NoError(t, err)
	require.Equal(t, store.CourseOpen, c.Status, "Replace makes the catalogue the truth")

	_, err = catalog.Load(ctx, db, []byte("- {slug: a}"), catalog.Replace)
	require.ErrorIs(t, err, store.ErrInvalid)
}
