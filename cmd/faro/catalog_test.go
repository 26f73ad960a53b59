package main

import (
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/demo"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/catalog"
	"github.com/faroai/faro/store/sqlite"
)

func TestLoadDemoCatalogOnFirstStart(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "faro.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	log := slog.New(slog.DiscardHandler)

	loadDemoCatalog(ctx, db, log)
	courses, err := db.ListCourses(ctx, store.CourseFilter{})
	require.NoError(t, err)
	want, err := catalog.Parse(demo.Catalog)
	require.NoError(t, err)
	require.Len(t, courses, len(want))
	c, err := db.Course(ctx, "ia-marketing")
	require.NoError(t, err)
	require.Equal(t, "AI for Marketing", c.Title.EN)
	require.Equal(t, 249.0, c.Price.Amount)
	require.Equal(t, "2027-02-08", c.Start.Format("2006-01-02"))

	// A catalogue the business changed is left alone on the next start.
	c.Seats = 7
	_, err = db.PutCourse(ctx, c)
	require.NoError(t, err)
	loadDemoCatalog(ctx, db, log)
	c, err = db.Course(ctx, "ia-marketing")
	require.NoError(t, err)
	require.Equal(t, 7, c.Seats)
}
