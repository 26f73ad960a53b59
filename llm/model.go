package llm

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tmc/langchaingo/llms"
	"github.com/tmc/langchaingo/llms/anthropic"
	"github.com/tmc/langchaingo/llms/openai"
)

// The providers Config.Provider may name.
const (
	ProviderOffline   = "offline"
	ProviderOpenAI    = "openai"
	ProviderOllama    = "ollama"
	ProviderAnthropic = "anthropic"
)

// Defaults applied by [NewModel] to settings left empty.
const (
	DefaultTimeout        = 60 * time.Second
	DefaultMaxRetries     = 2
	DefaultRetryBaseDelay = 500 * time.Millisecond
	DefaultRetryMaxDelay  = 10 * time.Second

	DefaultOpenAIModel    = "gpt-4o-mini"
	DefaultOllamaModel    = "llama3.2"
	DefaultAnthropicModel = "claude-haiku-4-5"

	// DefaultOpenAIBaseURL and DefaultOllamaURL, shared with the
	// embedder, are declared in embedder.go.
	DefaultAnthropicBaseURL = "https://api.anthropic.com/v1"
)

// ErrOffline is what [NewModel] returns for the offline provider: the offline
// engine needs the catalogue and the tools, so the composition root builds it
// with llm/offline and uses it directly (and as every provider's fallback).
var ErrOffline = errors.New("llm: the offline engine is built by llm/offline, not NewModel")

// Config chooses and tunes the model. cmd/faro fills it from FARO_LLM* settings;
// the names of those variables are given with each field.
type Config struct {
	// Provider is offline (the default when empty), openai, ollama or
	// anthropic (FARO_LLM).
	Provider string
	// Model is the provider's model name; empty means the provider's default
	// above, except for an OpenAI-compatible server at a custom BaseURL, which
	// must be told (FARO_LLM_MODEL).
	Model string
	// BaseURL points openai at any OpenAI-compatible server (vLLM, llama.cpp,
	// LM Studio, Groq…), ollama at its server, anthropic at a proxy. A URL
	// with no path gets /v1, the path all of these serve (FARO_LLM_BASE_URL).
	BaseURL string
	// APIKey is required by openai at its default URL and by anthropic; an
	// OpenAI-compatible server at a custom BaseURL may need none
	// (FARO_LLM_API_KEY).
	APIKey string
	// Timeout bounds each attempt, streaming included; 0 means
	// DefaultTimeout (FARO_LLM_TIMEOUT).
	Timeout time.Duration
	// MaxRetries is how many times a failed attempt may be repeated; 0 means
	// none (FARO_LLM_MAX_RETRIES, whose default is DefaultMaxRetries).
	MaxRetries int
	// RetryBaseDelay and RetryMaxDelay shape the backoff: before retry n the
	// wait is random in [0, min(RetryMaxDelay, RetryBaseDelay·2ⁿ⁻¹)), and a
	// Retry-After longer than RetryMaxDelay ends the retries at once (the
	// fallback answers sooner than the provider would). 0 means the defaults.
	RetryBaseDelay, RetryMaxDelay time.Duration
	// RandFunc returns a number in [0, 1) for the jitter; nil means
	// math/rand/v2's Float64. Tests inject a fixed one.
	RandFunc func() float64
	// RetryFunc, when set, is told about every retry before its wait, for
	// logs and metrics.
	RetryFunc func(RetryEvent)
}

// RetryEvent describes one retry for Config.RetryFunc.
type RetryEvent struct {
	Provider string
	// Attempt is the attempt that failed, from 1.
	Attempt int
	// Status is the HTTP status of its answer; 0 when none arrived.
	Status int
	// Delay is how long the next attempt waits.
	Delay time.Duration
	Err   error
}

// SettingError names the setting that makes a Config unusable, by its
// FARO_ environment variable, so start-up can report it in one line.
type SettingError struct {
	Name string
	Err  error
}

func (e *SettingError) Error() string { return e.Name + ": " + e.Err.Error() }
func (e *SettingError) Unwrap() error { return e.Err }

func settingErr(name, format string, args ...any) error {
	return &SettingError{Name: name, Err: fmt.Errorf(format, args...)}
}

// Remote reports whether the Config names a provider reached over the
// network, that is one [NewModel] builds.
func (c Config) Remote() bool {
	p := strings.ToLower(strings.TrimSpace(c.Provider))
	return p != "" && p != ProviderOffline
}

// Validate reports the first setting that keeps the Config from working, as
// a [*SettingError].
func (c Config) Validate() error {
	_, err := c.resolve()
	return err
}

// resolve checks c and fills in the defaults.
func (c Config) resolve() (Config, error) {
	c.Provider = strings.ToLower(strings.TrimSpace(c.Provider))
	if c.Provider == "" {
		c.Provider = ProviderOffline
	}
	if c.Timeout < 0 {
		return c, settingErr("FARO_LLM_TIMEOUT", "must be positive")
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxRetries < 0 {
		return c, settingErr("FARO_LLM_MAX_RETRIES", "must be 0 or more")
	}
	if c.RetryBaseDelay <= 0 {
		c.RetryBaseDelay = DefaultRetryBaseDelay
	}
	if c.RetryMaxDelay <= 0 {
		c.RetryMaxDelay = DefaultRetryMaxDelay
	}
	if c.RetryMaxDelay < c.RetryBaseDelay {
		c.RetryMaxDelay = c.RetryBaseDelay
	}
	customURL := c.BaseURL != ""
	if customURL {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return c, settingErr("FARO_LLM_BASE_URL", "%q is not an http:// or https:// URL", c.BaseURL)
		}
	}
	switch c.Provider {
	case ProviderOffline:
		return c, nil
	case ProviderOpenAI:
		official := !customURL || strings.TrimRight(c.BaseURL, "/") == DefaultOpenAIBaseURL
		if official && c.APIKey == "" {
			return c, settingErr("FARO_LLM_API_KEY", "is required for FARO_LLM=openai (or set FARO_LLM_BASE_URL to an OpenAI-compatible server that needs none)")
		}
		if !official && c.Model == "" {
			return c, settingErr("FARO_LLM_MODEL", "is required for FARO_LLM=openai with a custom base URL: the name of a model that server serves")
		}
		c.BaseURL = withV1(orDefault(c.BaseURL, DefaultOpenAIBaseURL))
		c.Model = orDefault(c.Model, DefaultOpenAIModel)
	case ProviderOllama:
		c.BaseURL = withV1(orDefault(c.BaseURL, DefaultOllamaURL))
		c.Model = orDefault(c.Model, DefaultOllamaModel)
	case ProviderAnthropic:
		if c.APIKey == "" {
			return c, settingErr("FARO_LLM_API_KEY", "is required for FARO_LLM=anthropic")
		}
		c.BaseURL = withV1(orDefault(c.BaseURL, DefaultAnthropicBaseURL))
		c.Model = orDefault(c.Model, DefaultAnthropicModel)
	default:
		return c, settingErr("FARO_LLM", "%q is not offline, openai, ollama or anthropic", c.Provider)
	}
	return c, nil
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// withV1 appends /v1 to a URL with no path: people paste the server's address
// (http://localhost:8000, http://ollama:11434), and every server here serves
// its API under /v1. A URL with a path (Groq's …/openai/v1) is kept as given.
func withV1(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw // resolve checked custom URLs; defaults parse
	}
	if p := strings.TrimRight(u.Path, "/"); p == "" {
		u.Path = "/v1"
	} else {
		u.Path = p
	}
	return u.String()
}

// NewModel builds the provider's langchaingo client with the settings of cfg,
// made resilient as the package documentation describes. client is
// copied, not changed; nil means a plain http.Client. The provider
// openai/ollama/anthropic must be set: for offline, NewModel returns
// [ErrOffline]. A bad setting is reported as a [*SettingError].
func NewModel(cfg Config, client *http.Client) (llms.Model, error) {
	cfg, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	hc := observingClient(client)
	// Every option is passed explicitly: when one is missing, the langchaingo
	// clients read OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_MODEL or
	// ANTHROPIC_API_KEY from the process environment behind the config's back.
	var provider llms.Model
	switch cfg.Provider {
	case ProviderOffline:
		return nil, ErrOffline
	case ProviderOpenAI, ProviderOllama:
		token := cfg.APIKey
		if token == "" {
			// The client refuses to start without a token; servers that need
			// none ignore the Authorization header.
			token = "none"
		}
		c, err := openai.New(
			openai.WithToken(token),
			openai.WithModel(cfg.Model),
			openai.WithBaseURL(cfg.BaseURL),
			openai.WithHTTPClient(hc),
		)
		if err != nil {
			return nil, fmt.Errorf("llm: build %s client: %w", cfg.Provider, err)
		}
		provider = dropToolCallChunks{c}
	case ProviderAnthropic:
		c, err := anthropic.New(
			anthropic.WithToken(cfg.APIKey),
			anthropic.WithModel(cfg.Model),
			anthropic.WithBaseURL(cfg.BaseURL),
			anthropic.WithHTTPClient(hc),
		)
		if err != nil {
			return nil, fmt.Errorf("llm: build anthropic client: %w", err)
		}
		provider = c
	}
	return newResilient(provider, cfg), nil
}
