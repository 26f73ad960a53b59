package llm_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tmc/langchaingo/llms"

	"github.com/faroai/faro/llm"
)

// TestConfigNamesTheSetting: every unusable Config is refused before any
// request, naming the FARO_ variable to fix.
func TestConfigNamesTheSetting(t *testing.T) {
	t.Parallel()
	cases := []struct {
		cfg  llm.Config
		want string
	}{
		{llm.Config{Provider: "gpt"}, "FARO_LLM"},
		{llm.Config{Provider: "openai"}, "FARO_LLM_API_KEY"},
		{llm.Config{Provider: "openai", BaseURL: "https://api.openai.com/v1/"}, "FARO_LLM_API_KEY"},
		{llm.Config{Provider: "openai", BaseURL: "http://localhost:8000"}, "FARO_LLM_MODEL"},
		{llm.Config{Provider: "anthropic"}, "FARO_LLM_API_KEY"},
		{llm.Config{Provider: "ollama", BaseURL: "localhost:11434"}, "FARO_LLM_BASE_URL"},
		{llm.Config{Provider: "ollama", Timeout: -time.Second}, "FARO_LLM_TIMEOUT"},
		{llm.Config{Provider: "ollama", MaxRetries: -1}, "FARO_LLM_MAX_RETRIES"},
	}
	for _, c := range cases {
		err := c.cfg.Validate()
		var se *llm.SettingError
		require.True(t, errors.As(err, &se), "%+v: %v", c.cfg, err)
		require.Equal(t, c.want, se.Name, "%+v: %v", c.cfg, err)
		_, err = llm.NewModel(c.cfg, nil)
		require.ErrorAs(t, err, &se)
	}
}

func TestConfigUsable(t *testing.T) {
	t.Parallel()
	for _, cfg := range []llm.Config{
		{Provider: "OpenAI", APIKey: "sk-x"},
		{Provider: "openai", BaseURL: "http://localhost:8080", Model: "qwen2.5"}, // llama.cpp, no key
		{Provider: "ollama"},
		{Provider: "anthropic", APIKey: "k", Model: "claude-x", BaseURL: "https://proxy.example/anthropic/v1"},
	} {
		require.NoError(t, cfg.Validate(), "%+v", cfg)
		require.True(t, cfg.Remote())
		m, err := llm.NewModel(cfg, nil)
		require.NoError(t, err)
		require.NotNil(t, m)
	}
	for _, cfg := range []llm.Config{{}, {Provider: "offline"}} {
		require.NoError(t, cfg.Validate())
		require.False(t, cfg.Remote())
		_, err := llm.NewModel(cfg, nil)
		require.ErrorIs(t, err, llm.ErrOffline)
	}
}

func TestUsage(t *testing.T) {
	t.Parallel()
	choice := func(info map[string]any) *llms.ContentChoice { return &llms.ContentChoice{GenerationInfo: info} }
	cases := []struct {
		name             string
		resp             *llms.ContentResponse
		prompt, complete int
	}{
		{"nil", nil, 0, 0},
		{"offline", &llms.ContentResponse{Choices: []*llms.ContentChoice{{Content: "hola"}}}, 0, 0},
		{"openai", &llms.ContentResponse{Choices: []*llms.ContentChoice{choice(map[string]any{"PromptTokens": 10, "CompletionTokens": 3, "TotalTokens": 13})}}, 10, 3},
		{"anthropic blocks are not summed", &llms.ContentResponse{Choices: []*llms.ContentChoice{
			choice(map[string]any{"InputTokens": 20, "OutputTokens": 5}),
			choice(map[string]any{"InputTokens": 20, "OutputTokens": 5}),
		}}, 20, 5},
		{"first choice without usage", &llms.ContentResponse{Choices: []*llms.ContentChoice{
			choice(nil), choice(map[string]any{"PromptTokens": 7, "CompletionTokens": 2}),
		}}, 7, 2},
	}
	for _, c := range cases {
		p, q := llm.Usage(c.resp)
		require.Equal(t, c.prompt, p, c.name)
		require.Equal(t, c.complete, q, c.name)
	}
}
