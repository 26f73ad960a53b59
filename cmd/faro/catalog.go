package main

import (
	"context"
	"log/slog"

	"github.com/faroai/faro/demo"
	"github.com/faroai/faro/store/catalog"
)

// loadDemoCatalog adds the demo courses the store does not have yet (all of
// them on first start), so enroll_course and list_courses see the courses
// the offline engine names and the demo knowledge base describes. Courses
// the business changed are left alone. Failing is logged, not fatal: the
// assistant still answers.
func loadDemoCatalog(ctx context.Context, st any, log *slog.Logger) {
	cs, ok := st.(catalog.Store)
	if !ok {
		log.Warn("demo course catalogue not loaded: the store keeps no courses")
		return
	}
	n, err := catalog.Load(ctx, cs, demo.Catalog, catalog.Missing)
	if err != nil {
		log.Warn("demo course catalogue not fully loaded", "added", n, "err", err)
		return
	}
	if n > 0 {
		log.Info("demo course catalogue loaded", "courses", n)
	}
}
