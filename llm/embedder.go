// Package llm builds the models Faro talks to from configuration: the
// language model (a langchaingo llms.Model) and the embedder (a langchaingo
// embeddings.Embedder), from a provider (OpenAI or any OpenAI-compatible
// server, Ollama) or from [github.com/faroai/faro/llm/offline], which needs
// no network. Configuration is read by the caller and passed in; nothing
// here reads the environment.
package llm

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/faroai/faro/llm/offline"
	"github.com/tmc/langchaingo/embeddings"
	"github.com/tmc/langchaingo/llms/ollama"
	"github.com/tmc/langchaingo/llms/openai"
)

// Defaults of EmbedderConfig.
const (
	DefaultOpenAIBaseURL        = "https://api.openai.com/v1"
	DefaultOpenAIEmbeddingModel = "text-embedding-3-small"
	DefaultOllamaURL            = "http://localhost:11434"
	DefaultOllamaEmbeddingModel = "nomic-embed-text"
	// DefaultEmbeddingTimeout bounds one request to a provider, whatever
	// the caller's context says, so a stalled server cannot hold an ingest
	// or a turn forever.
	DefaultEmbeddingTimeout = 60 * time.Second
)

// EmbedderConfig selects and configures the embedder. The zero value is the
// offline embedder with its default dimension.
type EmbedderConfig struct {
	// Provider is "offline" (or ""), "openai" or "ollama".
	Provider string
	// Model is the provider's embedding model; "" is the provider's default
	// (DefaultOpenAIEmbeddingModel, DefaultOllamaEmbeddingModel). Unused
	// by the offline embedder.
	Model string
	// Dimension is the length of the offline embedder's vectors; 0 is
	// offline.DefaultDimension. Providers' models have their own.
	Dimension int
	// OpenAIBaseURL is the OpenAI API or any server that speaks it
	// (vLLM, llama.cpp, LM Studio, LiteLLM…), up to and including "/v1"
	// (a URL without a path gets "/v1"); "" is DefaultOpenAIBaseURL.
	OpenAIBaseURL string
	// OpenAIAPIKey is required by the OpenAI API; compatible servers often
	// need none.
	OpenAIAPIKey string
	// OllamaURL is the Ollama server; "" is DefaultOllamaURL.
	OllamaURL string
	// Timeout bounds each request to a provider; 0 is
	// DefaultEmbeddingTimeout.
	Timeout time.Duration
	// HTTPClient, if set, makes the provider requests (Timeout is then
	// the client's business).
	HTTPClient *http.Client
}

// NewEmbedder builds the configured embedder and returns it with the name
// that identifies it and its settings in the knowledge index
// ("offline-hash-384", "openai:text-embedding-3-small",
// "ollama:nomic-embed-text"): vectors are only comparable between equal
// names. It makes no network call.
func NewEmbedder(cfg EmbedderConfig) (embeddings.Embedder, string, error) {
	switch cfg.Provider {
	case "", ProviderOffline:
		e, err := offline.NewEmbedder(offline.EmbedderOptions{Dimension: cfg.Dimension})
		if err != nil {
			return nil, "", err
		}
		return e, e.Name(), nil
	case ProviderOpenAI:
		return newOpenAIEmbedder(cfg)
	case ProviderOllama:
		return newOllamaEmbedder(cfg)
	}
	return nil, "", fmt.Errorf("embedder %q is not offline, openai or ollama", cfg.Provider)
}

func newOpenAIEmbedder(cfg EmbedderConfig) (embeddings.Embedder, string, error) {
	if cfg.Dimension != 0 {
		return nil, "", errors.New("openai embedder: the dimension is the model's; it is set for the offline embedder only")
	}
	base := strings.TrimRight(cfg.OpenAIBaseURL, "/")
	if base == "" {
		base = DefaultOpenAIBaseURL
	}
	if err := checkHTTPURL(base); err != nil {
		return nil, "", fmt.Errorf("openai embedder: base URL: %w", err)
	}
	if u, _ := url.Parse(base); u.Path == "" {
		// Every OpenAI-compatible server serves the API under /v1; an
		// operator who gives the server's address means that.
		base += "/v1"
	}
	key := cfg.OpenAIAPIKey
	if key == "" {
		if base == DefaultOpenAIBaseURL {
			return nil, "", errors.New("openai embedder: the OpenAI API needs an API key")
		}
		// langchaingo refuses an empty key, but local OpenAI-compatible
		// servers usually want none and ignore whatever is sent.
		key = "unused"
	}
	model := cmp.Or(cfg.Model, DefaultOpenAIEmbeddingModel)
	client, err := openai.New(
		// Every option that langchaingo would otherwise take from OPENAI_*
		// environment variables is given, so only Faro's configuration
		// counts.
		openai.WithToken(key),
		openai.WithBaseURL(base),
		openai.WithOrganization(""),
		openai.WithEmbeddingModel(model),
		openai.WithHTTPClient(httpClient(cfg)),
	)
	if err != nil {
		return nil, "", fmt.Errorf("openai embedder: %w", err)
	}
	e, err := newLangchainEmbedder(client)
	if err != nil {
		return nil, "", fmt.Errorf("openai embedder: %w", err)
	}
	return e, ProviderOpenAI + ":" + model, nil
}

func newOllamaEmbedder(cfg EmbedderConfig) (embeddings.Embedder, string, error) {
	if cfg.Dimension != 0 {
		return nil, "", errors.New("ollama embedder: the dimension is the model's; it is set for the offline embedder only")
	}
	base := strings.TrimRight(cmp.Or(cfg.OllamaURL, DefaultOllamaURL), "/")
	// Checked here because langchaingo's WithServerURL ends the process
	// (log.Fatal) on a URL it cannot parse.
	if err := checkHTTPURL(base); err != nil {
		return nil, "", fmt.Errorf("ollama embedder: URL: %w", err)
	}
	model := cmp.Or(cfg.Model, DefaultOllamaEmbeddingModel)
	client, err := ollama.New(
		ollama.WithServerURL(base),
		ollama.WithModel(model),
		ollama.WithHTTPClient(httpClient(cfg)),
	)
	if err != nil {
		return nil, "", fmt.Errorf("ollama embedder: %w", err)
	}
	e, err := newLangchainEmbedder(client)
	if err != nil {
		return nil, "", fmt.Errorf("ollama embedder: %w", err)
	}
	return e, ProviderOllama + ":" + model, nil
}

// newLangchainEmbedder wraps a provider client in langchaingo's batching
// embedder. Newline stripping is off: langchaingo strips them in place, in
// the caller's slice, and today's embedding models read newlines fine.
func newLangchainEmbedder(c embeddings.EmbedderClient) (*embeddings.EmbedderImpl, error) {
	return embeddings.NewEmbedder(c, embeddings.WithStripNewLines(false), embeddings.WithBatchSize(128))
}

func httpClient(cfg EmbedderConfig) *http.Client {
	if cfg.HTTPClient != nil {
		return cfg.HTTPClient
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultEmbeddingTimeout
	}
	return &http.Client{Timeout: timeout}
}

// checkHTTPURL accepts absolute http and https URLs.
func checkHTTPURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http:// or https:// URL", raw)
	}
	return nil
}
