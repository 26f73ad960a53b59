package scenario

import (
	"context"

	"github.com/tmc/langchaingo/llms"

	"github.com/faroai/faro/llm/offline/business"
)

// OfflineModel is the default [ModelFunc]: the offline engine as the
// server builds it, routing by the examples of the scenario's tools and
// filling course names from the courses of its store.
func OfflineModel(_ context.Context, env ModelEnv) (llms.Model, error) {
	return business.NewModel(env.Store, env.Tools, business.Options{}), nil
}
