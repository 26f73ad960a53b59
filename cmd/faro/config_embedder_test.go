package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/llm"
)

func TestConfigEmbedderSettings(t *testing.T) {
	t.Parallel()
	c, err := LoadConfig("", envOf(nil))
	require.NoError(t, err)
	require.Equal(t, llm.EmbedderConfig{Provider: "offline"}, c.EmbedderConfig())

	c, err = LoadConfig("", envOf(map[string]string{
		"FARO_EMBEDDER":        "openai",
		"FARO_EMBEDDING_MODEL": "bge-m3",
		"FARO_OPENAI_BASE_URL": "http://localhost:8000/v1",
	}))
	require.NoError(t, err, "a compatible server may need no key")
	require.Equal(t, llm.EmbedderConfig{Provider: "openai", Model: "bge-m3", OpenAIBaseURL: "http://localhost:8000/v1"}, c.EmbedderConfig())

	path := filepath.Join(t.TempDir(), "faro.yaml")
	require.NoError(t, os.WriteFile(path, []byte("embedder: ollama\nollama_url: http://gpu:11434\nembedding_model: mxbai-embed-large\n"), 0o600))
	c, err = LoadConfig(path, envOf(nil))
	require.NoError(t, err)
	require.Equal(t, llm.EmbedderConfig{Provider: "ollama", Model: "mxbai-embed-large", OllamaURL: "http://gpu:11434"}, c.EmbedderConfig())

	c, err = LoadConfig("", envOf(map[string]string{"FARO_EMBEDDING_DIM": "512"}))
	require.NoError(t, err)
	require.Equal(t, 512, c.EmbedderConfig().Dimension)
}

func TestConfigBadEmbedderSettingNamesTheVariable(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		env  map[string]string
	}{
		{"FARO_EMBEDDER", map[string]string{"FARO_EMBEDDER": "cohere"}},
		{"FARO_EMBEDDING_DIM", map[string]string{"FARO_EMBEDDING_DIM": "big"}},
		{"FARO_EMBEDDING_DIM", map[string]string{"FARO_EMBEDDING_DIM": "8"}},
		{"FARO_EMBEDDING_DIM", map[string]string{"FARO_EMBEDDER": "ollama", "FARO_EMBEDDING_DIM": "384"}},
		{"FARO_OPENAI_API_KEY", map[string]string{"FARO_EMBEDDER": "openai"}},
		{"FARO_OPENAI_BASE_URL", map[string]string{"FARO_EMBEDDER": "openai", "FARO_OPENAI_BASE_URL": "localhost:8000"}},
		{"FARO_OLLAMA_URL", map[string]string{"FARO_EMBEDDER": "ollama", "FARO_OLLAMA_URL": "gpu:11434"}},
	}
	for _, c := range cases {
		_, err := LoadConfig("", envOf(c.env))
		var ce *configError
		require.True(t, errors.As(err, &ce), "%v: %v", c.env, err)
		require.True(t, strings.HasPrefix(err.Error(), c.name+": "), "error %q should start with %s", err, c.name)
		require.NotContains(t, err.Error(), "\n")
	}
}
