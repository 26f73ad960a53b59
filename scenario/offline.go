package scenario

import (
	"context"

	"github.com/tmc/langchaingo/llms"

	"github.com/faroai/faro/llm/offline"
	"github.com/faroai/faro/llm/offline/toolcatalog"
)

// OfflineModel is the default [ModelFunc]: the offline engine, routing by
// the examples of the scenario's tools and filling course names from its
// courses.
func OfflineModel(_ context.Context, env ModelEnv) (llms.Model, error) {
	return offline.NewModel(offline.Options{Catalog: toolcatalog.New(env.Tools), Vocabulary: env.Courses}), nil
}
