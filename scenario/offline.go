package scenario

import (
	"context"
	"errors"

	"github.com/tmc/langchaingo/llms"

	"github.com/faroai/faro/llm/offline"
)

// OfflineModel is the default [ModelFunc]: the offline engine, filling
// course names from the scenario's vocabulary.
func OfflineModel(_ context.Context, _ Scenario, courses offline.Vocabulary) (llms.Model, error) {
	_ = courses
	return nil, errors.New("the offline engine is not available yet")
}
