package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/goccy/go-yaml"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/channels/web"
	"github.com/faroai/faro/knowledge"
	"github.com/faroai/faro/llm"
	"github.com/faroai/faro/llm/offline"
	"github.com/faroai/faro/server"
	"github.com/faroai/faro/store"
)

// Config is everything Faro reads at start-up. Values come from, in
// increasing order of precedence: the defaults, the YAML file named by
// FARO_CONFIG (or --config), and FARO_* environment variables. The YAML keys
// are the variable names without the FARO_ prefix, in lower case.
type Config struct {
	// Addr is where the HTTP server listens (FARO_ADDR).
	Addr string `yaml:"addr"`
	// DataDir holds the embedded database and other local state (FARO_DATA_DIR).
	DataDir string `yaml:"data_dir"`
	// DatabaseURL, when set, moves storage to PostgreSQL with pgvector
	// (FARO_DATABASE_URL).
	DatabaseURL string `yaml:"database_url"`
	// BusURL is the PostgreSQL whose LISTEN/NOTIFY and small tables carry
	// live delivery between servers (FARO_BUS_URL); default DatabaseURL.
	BusURL string `yaml:"bus_url"`
	// BusPoll is how often a server looks for messages of its sockets'
	// conversations stored by another, whatever the notifications do
	// (FARO_BUS_POLL, default 500ms).
	BusPoll time.Duration `yaml:"bus_poll"`
	// TurnLease is how long a chat waits for a server that died mid-turn
	// before another server answers it (FARO_TURN_LEASE, default 10s).
	TurnLease time.Duration `yaml:"turn_lease"`
	// LogLevel is debug, info, warn or error (FARO_LOG_LEVEL).
	LogLevel string `yaml:"log_level"`
	// LogFormat is text or json (FARO_LOG_FORMAT).
	LogFormat string `yaml:"log_format"`
	// DebugAddr, when set, serves Go's runtime profiles (net/http/pprof)
	// on a listener of its own, never on the public one: profiles show
	// memory contents and cost CPU (FARO_DEBUG_ADDR, e.g. 127.0.0.1:6060).
	DebugAddr string `yaml:"debug_addr"`
	// ShutdownTimeout bounds how long turns in flight may take to finish
	// after SIGTERM (FARO_SHUTDOWN_TIMEOUT, a Go duration such as 15s).
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// Embedder makes the knowledge base's vectors: offline (the default,
	// no network), openai (OpenAI or any compatible server) or ollama
	// (FARO_EMBEDDER). Switching it needs `faro ingest --reembed`.
	Embedder string `yaml:"embedder"`
	// EmbeddingModel is the provider's embedding model (FARO_EMBEDDING_MODEL).
	EmbeddingModel string `yaml:"embedding_model"`
	// EmbeddingDim is the offline embedder's vector length; 0 means 384
	// (FARO_EMBEDDING_DIM).
	EmbeddingDim int `yaml:"embedding_dim"`
	// OpenAIBaseURL and OpenAIAPIKey reach the openai embedder
	// (FARO_OPENAI_BASE_URL, FARO_OPENAI_API_KEY).
	OpenAIBaseURL string `yaml:"openai_base_url"`
	OpenAIAPIKey  string `yaml:"openai_api_key"`
	// OllamaURL reaches the ollama embedder (FARO_OLLAMA_URL).
	OllamaURL string `yaml:"ollama_url"`
	// LLM is the language model: offline (the default, no network), openai
	// (OpenAI or any compatible server), ollama or anthropic (FARO_LLM).
	// The offline engine answers whenever the provider fails.
	LLM string `yaml:"llm"`
	// LLMModel is the provider's model; empty is llm's default for the
	// provider (FARO_LLM_MODEL).
	LLMModel string `yaml:"llm_model"`
	// LLMBaseURL is the provider's address; empty means FARO_OPENAI_BASE_URL
	// for openai and FARO_OLLAMA_URL for ollama (shared with the embedder),
	// else the provider's public API (FARO_LLM_BASE_URL).
	LLMBaseURL string `yaml:"llm_base_url"`
	// LLMAPIKey is the provider's key; empty means FARO_OPENAI_API_KEY for
	// openai (FARO_LLM_API_KEY).
	LLMAPIKey string `yaml:"llm_api_key"`
	// LLMTimeout bounds each request to the provider, streaming included
	// (FARO_LLM_TIMEOUT, a Go duration such as 60s).
	LLMTimeout time.Duration `yaml:"llm_timeout"`
	// LLMMaxRetries is how many times a failed request is repeated before
	// the offline engine answers (FARO_LLM_MAX_RETRIES, 0 to 10).
	LLMMaxRetries int `yaml:"llm_max_retries"`

	// BurstWindow is how long a turn waits for more messages of the same
	// sender, to answer a request split over several short messages once
	// (FARO_BURST_WINDOW, a Go duration; 0 is the agent's default, 1.5s;
	// "off" answers every message at once).
	BurstWindow time.Duration `yaml:"burst_window"`

	// SearchCache is how many recent knowledge searches are remembered
	// (the same question in the same words is answered from memory), and
	// SearchCacheTTL for how long: a change made by another process is
	// seen after it (FARO_SEARCH_CACHE, 0 turns it off;
	// FARO_SEARCH_CACHE_TTL).
	SearchCache    int           `yaml:"search_cache"`
	SearchCacheTTL time.Duration `yaml:"search_cache_ttl"`
	// SearchVectorWeight is the vector side's share, from 0 to 1, in
	// hybrid knowledge search (FARO_SEARCH_VECTOR_WEIGHT); nil is the
	// embedder's own (see knowledge.Base.SetVectorWeight).
	SearchVectorWeight *float64 `yaml:"search_vector_weight"`

	// HistoryCacheMB bounds the memory, in MiB, kept of recently active
	// conversations' newest messages, so a turn reads from the database
	// only what was stored since its conversation's last turn
	// (FARO_HISTORY_CACHE, 0 turns it off).
	HistoryCacheMB int `yaml:"history_cache_mb"`

	// WidgetOrigins are the origins of the pages allowed to open the web
	// widget, comma-separated (https://example.com,https://www.example.com);
	// empty allows only this server's own origin (FARO_WIDGET_ORIGINS).
	WidgetOrigins []string `yaml:"widget_origins"`
	// WidgetSecret signs visitor tokens, at least 32 characters; empty means
	// one generated on first start and kept in the data directory. Servers
	// behind one load balancer need the same (FARO_WIDGET_SECRET).
	WidgetSecret string `yaml:"widget_secret"`
	// WidgetIdentitySecret, at least 32 characters, is shared with the
	// website's backend, which signs who its signed-in user is so the
	// widget serves them as themselves (a student, staff); empty refuses
	// identified sessions (FARO_WIDGET_IDENTITY_SECRET).
	WidgetIdentitySecret string `yaml:"widget_identity_secret"`
	// The widget's look: title, colours (#rrggbb), logo URL, greetings and
	// default language es or en (FARO_WIDGET_TITLE, FARO_WIDGET_COLOR,
	// FARO_WIDGET_TEXT_COLOR, FARO_WIDGET_LOGO_URL, FARO_WIDGET_GREETING_ES,
	// FARO_WIDGET_GREETING_EN, FARO_WIDGET_LANGUAGE).
	WidgetTitle      string `yaml:"widget_title"`
	WidgetColor      string `yaml:"widget_color"`
	WidgetTextColor  string `yaml:"widget_text_color"`
	WidgetLogoURL    string `yaml:"widget_logo_url"`
	WidgetGreetingES string `yaml:"widget_greeting_es"`
	WidgetGreetingEN string `yaml:"widget_greeting_en"`
	WidgetLanguage   string `yaml:"widget_language"`
	// WidgetMaxConnsPerIP caps the widget sockets one address holds
	// (FARO_WIDGET_MAX_CONNS_PER_IP, default 20; raise it behind a proxy
	// or for a load test).
	WidgetMaxConnsPerIP int `yaml:"widget_max_conns_per_ip"`
	// WidgetSessionsPerMinute caps the visitor tokens one address gets a
	// minute (FARO_WIDGET_SESSIONS_PER_MINUTE, default 30).
	WidgetSessionsPerMinute int `yaml:"widget_sessions_per_minute"`
	// APIKeys are the keys of the admin and OpenAI-compatible APIs, each
	// with a name and a role: admin, staff, student or prospect
	// (FARO_API_KEYS, "name:role:key,name:role:key"; in YAML a list of
	// {name, role, key}). The server keeps only their SHA-256 digests.
	APIKeys []server.KeySpec `yaml:"api_keys"`
	// Staff are the channel identities of staff members, who may use the
	// staff tools from a chat channel (FARO_STAFF, "channel:id,…").
	// A role is never taken from what a message says.
	Staff []string `yaml:"staff"`
	// StaffChannel is where staff take over conversations from their own
	// chat, "platform:channel id" (FARO_STAFF_CHANNEL, e.g. slack:C0123ABCD);
	// see staffchannel.go.
	StaffChannel string `yaml:"staff_channel"`
	// WebhookURLs receive the outbound events (lead.qualified,
	// conversation.handoff, enrollment.seat_offered) as signed JSON
	// POSTs, comma-separated (FARO_WEBHOOK_URLS); none means events wait
	// in the outbox.
	WebhookURLs []string `yaml:"webhook_urls"`
	// WebhookSecret signs them (HMAC-SHA256), at least 16 characters;
	// required with WebhookURLs (FARO_WEBHOOK_SECRET).
	WebhookSecret string `yaml:"webhook_secret"`
	// PublicURL is the address people reach this server at, for the
	// download links of generated documents sent in chats
	// (FARO_PUBLIC_URL, https://faro.example.com); empty means
	// http://localhost and the port of FARO_ADDR.
	PublicURL string `yaml:"public_url"`
	// TimeZone is where the KPIs' days, weeks and months begin: an IANA
	// name such as America/Mexico_City (FARO_TIMEZONE, default UTC).
	TimeZone string `yaml:"timezone"`

	// BusinessName, AssistantName and AssistantTone present the assistant
	// in every model's system prompt, and the offline engine's greeting
	// (FARO_BUSINESS_NAME, FARO_ASSISTANT_NAME, FARO_ASSISTANT_TONE).
	BusinessName  string `yaml:"business_name"`
	AssistantName string `yaml:"assistant_name"`
	AssistantTone string `yaml:"assistant_tone"`
	// Instructions are the operator's own instructions to the model.
	Instructions InstructionsConfig `yaml:"instructions"`

	// ChannelsConfig holds the messaging channels' settings (channels.go).
	ChannelsConfig `yaml:",inline"`
}

// InstructionsConfig holds the operator's instructions, appended to the
// system prompt in this order: All, the conversation's language's, the
// caller's role's. In YAML: instructions: {all: …, es: …, en: …, pt: …,
// roles: {staff: …}}, or one string for all.
type InstructionsConfig struct {
	// All go to every conversation (FARO_INSTRUCTIONS).
	All string `yaml:"all"`
	// ES, EN and PT go to conversations in that language
	// (FARO_INSTRUCTIONS_ES, FARO_INSTRUCTIONS_EN, FARO_INSTRUCTIONS_PT).
	ES string `yaml:"es"`
	EN string `yaml:"en"`
	PT string `yaml:"pt"`
	// Roles go to callers of a role, prospect, student or staff, in any
	// language (FARO_INSTRUCTIONS_PROSPECT, FARO_INSTRUCTIONS_STUDENT,
	// FARO_INSTRUCTIONS_STAFF).
	Roles map[string]string `yaml:"roles"`
}

// UnmarshalYAML reads instructions as the mapping, or as one string that
// goes to every conversation (instructions: "Never promise discounts.").
func (in *InstructionsConfig) UnmarshalYAML(unmarshal func(any) error) error {
	var s string
	if err := unmarshal(&s); err == nil {
		*in = InstructionsConfig{All: s}
		return nil
	}
	type plain InstructionsConfig // without this method
	return unmarshal((*plain)(in))
}

// Limits of the persona settings: names and tone are one line each;
// instructions go into every model call and cost tokens each time.
const (
	maxNameLen         = 80
	maxToneLen         = 200
	maxInstructionsLen = 4000
)

// personaRoles are the roles instructions may be given for.
var personaRoles = []store.Role{store.RoleProspect, store.RoleStudent, store.RoleStaff}

// Persona is the agent.Persona of these settings.
func (c Config) Persona() agent.Persona {
	p := agent.Persona{Business: c.BusinessName, Assistant: c.AssistantName, Tone: c.AssistantTone}
	for lang, v := range map[string]string{"es": c.Instructions.ES, "en": c.Instructions.EN, "pt": c.Instructions.PT} {
		if v = strings.TrimSpace(v); v != "" {
			if p.Instructions == nil {
				p.Instructions = map[string]string{}
			}
			p.Instructions[lang] = v
		}
	}
	for role, v := range c.Instructions.Roles {
		if v = strings.TrimSpace(v); v != "" {
			if p.RoleInstructions == nil {
				p.RoleInstructions = map[store.Role]string{}
			}
			p.RoleInstructions[store.Role(strings.ToLower(strings.TrimSpace(role)))] = v
		}
	}
	return p
}

// validatePersona checks the assistant's names, tone and instructions,
// naming the variable at fault.
func (c Config) validatePersona() error {
	line := func(name, v string, limit int, example string) error {
		switch {
		case !utf8.ValidString(v):
			return &configError{name, errors.New("is not valid UTF-8")}
		case strings.ContainsAny(v, "\r\n"):
			return &configError{name, fmt.Errorf("must be one line (example: %s)", example)}
		case utf8.RuneCountInString(v) > limit:
			return &configError{name, fmt.Errorf("is %d characters; at most %d", utf8.RuneCountInString(v), limit)}
		}
		return nil
	}
	if err := line("FARO_BUSINESS_NAME", c.BusinessName, maxNameLen, "Brújula Digital"); err != nil {
		return err
	}
	if err := line("FARO_ASSISTANT_NAME", c.AssistantName, maxNameLen, "Brújula"); err != nil {
		return err
	}
	if err := line("FARO_ASSISTANT_TONE", c.AssistantTone, maxToneLen, "cercano, claro y sin tecnicismos"); err != nil {
		return err
	}
	long := func(name, v string) error {
		if !utf8.ValidString(v) {
			return &configError{name, errors.New("is not valid UTF-8")}
		}
		if n := utf8.RuneCountInString(v); n > maxInstructionsLen {
			return &configError{name, fmt.Errorf("is %d characters; at most %d (they go into every model call)", n, maxInstructionsLen)}
		}
		return nil
	}
	for _, f := range []struct{ name, v string }{{"FARO_INSTRUCTIONS", c.Instructions.All},
		{"FARO_INSTRUCTIONS_ES", c.Instructions.ES}, {"FARO_INSTRUCTIONS_EN", c.Instructions.EN}, {"FARO_INSTRUCTIONS_PT", c.Instructions.PT}} {
		if err := long(f.name, f.v); err != nil {
			return err
		}
	}
	for role, v := range c.Instructions.Roles {
		r := store.Role(strings.ToLower(strings.TrimSpace(role)))
		if !slices.Contains(personaRoles, r) {
			return &configError{"instructions.roles", fmt.Errorf("%q is not prospect, student or staff", role)}
		}
		if err := long("FARO_INSTRUCTIONS_"+strings.ToUpper(string(r)), v); err != nil {
			return err
		}
	}
	return nil
}

// DefaultConfig is what `faro serve` runs with when nothing is configured: a
// working assistant on :8080 with an embedded database under ./data.
func DefaultConfig() Config {
	return Config{
		Addr:            ":8080",
		DataDir:         "data",
		LogLevel:        "info",
		LogFormat:       "text",
		TimeZone:        "UTC",
		ShutdownTimeout: 15 * time.Second,
		SearchCache:     knowledge.DefaultCacheEntries,
		SearchCacheTTL:  knowledge.DefaultCacheTTL,
		HistoryCacheMB:  agent.DefaultRecentBytes >> 20,
		Embedder:        llm.ProviderOffline,
		LLM:             llm.ProviderOffline,
		LLMTimeout:      llm.DefaultTimeout,
		LLMMaxRetries:   llm.DefaultMaxRetries,

		WidgetTitle:             web.DefaultTheme().Title,
		WidgetColor:             web.DefaultTheme().Color,
		WidgetTextColor:         web.DefaultTheme().TextColor,
		WidgetGreetingES:        web.DefaultTheme().GreetingES,
		WidgetGreetingEN:        web.DefaultTheme().GreetingEN,
		WidgetLanguage:          web.DefaultTheme().Language,
		WidgetMaxConnsPerIP:     20,
		WidgetSessionsPerMinute: 30,

		// The demo business's own assistant.
		BusinessName:  "Brújula Digital",
		AssistantName: "Brújula",
	}
}

// configError names the setting that is wrong, so start-up can stop with one
// clear line.
type configError struct {
	name string // the environment variable, or the YAML key with its file
	err  error
}

func (e *configError) Error() string { return e.name + ": " + e.err.Error() }
func (e *configError) Unwrap() error { return e.err }

// setting is one configuration value: its environment variable and how to
// parse it into the Config.
type setting struct {
	env   string
	parse func(c *Config, v string) error
}

// settings are every environment variable: the server's and the
// messaging channels'.
func settings() []setting { return slices.Concat(coreSettings(), channelSettings()) }

func coreSettings() []setting {
	return []setting{
		{"FARO_ADDR", func(c *Config, v string) error { c.Addr = v; return nil }},
		{"FARO_DATA_DIR", func(c *Config, v string) error { c.DataDir = v; return nil }},
		{"FARO_DATABASE_URL", func(c *Config, v string) error { c.DatabaseURL = v; return nil }},
		{"FARO_BUS_URL", func(c *Config, v string) error { c.BusURL = v; return nil }},
		{"FARO_TURN_LEASE", func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < time.Second || d > 10*time.Minute {
				return fmt.Errorf("%q is not a duration from 1s to 10m (examples: 10s, 30s)", v)
			}
			c.TurnLease = d
			return nil
		}},
		{"FARO_BUS_POLL", func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < 10*time.Millisecond || d > 10*time.Second {
				return fmt.Errorf("%q is not a duration from 10ms to 10s (examples: 500ms, 1s)", v)
			}
			c.BusPoll = d
			return nil
		}},
		{"FARO_LOG_LEVEL", func(c *Config, v string) error { c.LogLevel = v; return nil }},
		{"FARO_LOG_FORMAT", func(c *Config, v string) error { c.LogFormat = v; return nil }},
		{"FARO_DEBUG_ADDR", func(c *Config, v string) error { c.DebugAddr = v; return nil }},
		{"FARO_TIMEZONE", func(c *Config, v string) error { c.TimeZone = v; return nil }},
		{"FARO_SHUTDOWN_TIMEOUT", func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("%q is not a duration (examples: 15s, 1m)", v)
			}
			c.ShutdownTimeout = d
			return nil
		}},
		{"FARO_EMBEDDER", func(c *Config, v string) error { c.Embedder = v; return nil }},
		{"FARO_EMBEDDING_MODEL", func(c *Config, v string) error { c.EmbeddingModel = v; return nil }},
		{"FARO_EMBEDDING_DIM", func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("%q is not a whole number (example: 384)", v)
			}
			c.EmbeddingDim = n
			return nil
		}},
		{"FARO_OPENAI_BASE_URL", func(c *Config, v string) error { c.OpenAIBaseURL = v; return nil }},
		{"FARO_OPENAI_API_KEY", func(c *Config, v string) error { c.OpenAIAPIKey = v; return nil }},
		{"FARO_OLLAMA_URL", func(c *Config, v string) error { c.OllamaURL = v; return nil }},
		{"FARO_LLM", func(c *Config, v string) error { c.LLM = v; return nil }},
		{"FARO_LLM_MODEL", func(c *Config, v string) error { c.LLMModel = v; return nil }},
		{"FARO_LLM_BASE_URL", func(c *Config, v string) error { c.LLMBaseURL = v; return nil }},
		{"FARO_LLM_API_KEY", func(c *Config, v string) error { c.LLMAPIKey = v; return nil }},
		{"FARO_LLM_TIMEOUT", func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("%q is not a duration (examples: 30s, 2m)", v)
			}
			c.LLMTimeout = d
			return nil
		}},
		{"FARO_API_KEYS", func(c *Config, v string) error {
			keys, err := server.ParseKeySpecs(v)
			if err != nil {
				return fmt.Errorf("%w (format: name:role:key,name:role:key)", err)
			}
			c.APIKeys = keys
			return nil
		}},
		{"FARO_STAFF", func(c *Config, v string) error {
			c.Staff = nil
			for _, id := range strings.Split(v, ",") {
				if id = strings.TrimSpace(id); id != "" {
					c.Staff = append(c.Staff, id)
				}
			}
			return nil
		}},
		{"FARO_WEBHOOK_URLS", func(c *Config, v string) error {
			c.WebhookURLs = nil
			for _, u := range strings.Split(v, ",") {
				if u = strings.TrimSpace(u); u != "" {
					c.WebhookURLs = append(c.WebhookURLs, u)
				}
			}
			return nil
		}},
		{"FARO_WEBHOOK_SECRET", func(c *Config, v string) error { c.WebhookSecret = v; return nil }},
		{"FARO_PUBLIC_URL", func(c *Config, v string) error { c.PublicURL = v; return nil }},
		{"FARO_LLM_MAX_RETRIES", func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("%q is not a whole number (example: 2)", v)
			}
			c.LLMMaxRetries = n
			return nil
		}},
		{"FARO_BURST_WINDOW", func(c *Config, v string) error {
			if v == "off" {
				c.BurstWindow = -1
				return nil
			}
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return fmt.Errorf("%q is not off or a duration (examples: 1.5s, 500ms)", v)
			}
			c.BurstWindow = d
			return nil
		}},
		{"FARO_SEARCH_CACHE", func(c *Config, v string) (err error) {
			c.SearchCache, err = cacheSize(v, "a number of searches (example: 2048")
			return err
		}},
		{"FARO_SEARCH_VECTOR_WEIGHT", func(c *Config, v string) error {
			w, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return fmt.Errorf("%q is not a number from 0 to 1 (example: 0.2)", v)
			}
			c.SearchVectorWeight = &w
			return nil
		}},
		{"FARO_HISTORY_CACHE", func(c *Config, v string) (err error) {
			c.HistoryCacheMB, err = cacheSize(v, "a size in MiB (example: 64")
			return err
		}},
		{"FARO_SEARCH_CACHE_TTL", func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return fmt.Errorf("%q is not a positive duration (examples: 1m, 30s)", v)
			}
			c.SearchCacheTTL = d
			return nil
		}},
		{"FARO_WIDGET_ORIGINS", func(c *Config, v string) error {
			c.WidgetOrigins = nil
			for _, o := range strings.Split(v, ",") {
				if o = strings.TrimSpace(o); o != "" {
					c.WidgetOrigins = append(c.WidgetOrigins, o)
				}
			}
			return nil
		}},
		{"FARO_WIDGET_SECRET", func(c *Config, v string) error { c.WidgetSecret = v; return nil }},
		{"FARO_WIDGET_IDENTITY_SECRET", func(c *Config, v string) error { c.WidgetIdentitySecret = v; return nil }},
		{"FARO_WIDGET_TITLE", func(c *Config, v string) error { c.WidgetTitle = v; return nil }},
		{"FARO_WIDGET_COLOR", func(c *Config, v string) error { c.WidgetColor = v; return nil }},
		{"FARO_WIDGET_TEXT_COLOR", func(c *Config, v string) error { c.WidgetTextColor = v; return nil }},
		{"FARO_WIDGET_LOGO_URL", func(c *Config, v string) error { c.WidgetLogoURL = v; return nil }},
		{"FARO_WIDGET_GREETING_ES", func(c *Config, v string) error { c.WidgetGreetingES = v; return nil }},
		{"FARO_WIDGET_GREETING_EN", func(c *Config, v string) error { c.WidgetGreetingEN = v; return nil }},
		{"FARO_WIDGET_LANGUAGE", func(c *Config, v string) error { c.WidgetLanguage = v; return nil }},
		{"FARO_BUSINESS_NAME", func(c *Config, v string) error { c.BusinessName = v; return nil }},
		{"FARO_ASSISTANT_NAME", func(c *Config, v string) error { c.AssistantName = v; return nil }},
		{"FARO_ASSISTANT_TONE", func(c *Config, v string) error { c.AssistantTone = v; return nil }},
		{"FARO_INSTRUCTIONS", func(c *Config, v string) error { c.Instructions.All = v; return nil }},
		{"FARO_INSTRUCTIONS_ES", func(c *Config, v string) error { c.Instructions.ES = v; return nil }},
		{"FARO_INSTRUCTIONS_EN", func(c *Config, v string) error { c.Instructions.EN = v; return nil }},
		{"FARO_INSTRUCTIONS_PT", func(c *Config, v string) error { c.Instructions.PT = v; return nil }},
		{"FARO_INSTRUCTIONS_PROSPECT", roleInstructions(store.RoleProspect)},
		{"FARO_INSTRUCTIONS_STUDENT", roleInstructions(store.RoleStudent)},
		{"FARO_INSTRUCTIONS_STAFF", roleInstructions(store.RoleStaff)},
		{"FARO_WIDGET_MAX_CONNS_PER_IP", func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("%q is not a whole number (example: 20)", v)
			}
			c.WidgetMaxConnsPerIP = n
			return nil
		}},
		{"FARO_WIDGET_SESSIONS_PER_MINUTE", func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("%q is not a whole number (example: 30)", v)
			}
			c.WidgetSessionsPerMinute = n
			return nil
		}},
	}
}

// roleInstructions parses FARO_INSTRUCTIONS_<ROLE>: the role's
// instructions, replacing those of the YAML file.
func roleInstructions(r store.Role) func(c *Config, v string) error {
	return func(c *Config, v string) error {
		roles := make(map[string]string, len(c.Instructions.Roles)+1)
		for k, s := range c.Instructions.Roles {
			if store.Role(strings.ToLower(strings.TrimSpace(k))) != r {
				roles[k] = s
			}
		}
		roles[string(r)] = v
		c.Instructions.Roles = roles
		return nil
	}
}

// LoadConfig builds the Config from the defaults, the optional YAML file
// (path, or FARO_CONFIG when path is empty) and the environment, then checks
// it. getenv is os.Getenv outside tests.
func LoadConfig(path string, getenv func(string) string) (Config, error) {
	c := DefaultConfig()
	if path == "" {
		path = getenv("FARO_CONFIG")
	}
	if path != "" {
		raw, err := os.ReadFile(path)
		if err != nil {
			return c, &configError{"FARO_CONFIG", fmt.Errorf("cannot read %s: %w", path, err)}
		}
		if err := yaml.UnmarshalWithOptions(raw, &c, yaml.Strict()); err != nil {
			return c, &configError{path, errors.New(oneLine(yaml.FormatError(err, false, false)))}
		}
	}
	for _, s := range settings() {
		v, ok := lookup(getenv, s.env)
		if !ok {
			continue
		}
		if err := s.parse(&c, v); err != nil {
			return c, &configError{s.env, err}
		}
	}
	return c, c.validate()
}

func lookup(getenv func(string) string, name string) (string, bool) {
	v := strings.TrimSpace(getenv(name))
	return v, v != ""
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func (c Config) validate() error {
	if _, port, err := net.SplitHostPort(c.Addr); err != nil {
		return &configError{"FARO_ADDR", fmt.Errorf("%q is not host:port (example: :8080)", c.Addr)}
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return &configError{"FARO_ADDR", fmt.Errorf("port %q is not a number from 0 to 65535", port)}
	}
	if c.DebugAddr != "" {
		if _, _, err := net.SplitHostPort(c.DebugAddr); err != nil {
			return &configError{"FARO_DEBUG_ADDR", fmt.Errorf("%q is not host:port (example: 127.0.0.1:6060)", c.DebugAddr)}
		}
	}
	if c.DataDir == "" {
		return &configError{"FARO_DATA_DIR", errors.New("must not be empty")}
	}
	if c.DatabaseURL != "" {
		u, err := url.Parse(c.DatabaseURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
			return &configError{"FARO_DATABASE_URL", errors.New("must be a postgres:// URL (example: postgres://faro:secret@localhost:5432/faro)")}
		}
	}
	if c.BusURL != "" {
		u, err := url.Parse(c.BusURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
			return &configError{"FARO_BUS_URL", errors.New("must be a postgres:// URL (example: postgres://faro:secret@localhost:5432/faro)")}
		}
		if c.DatabaseURL == "" {
			return &configError{"FARO_BUS_URL", errors.New("needs FARO_DATABASE_URL: servers share a bus only when they share a database")}
		}
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		return &configError{"FARO_LOG_LEVEL", err}
	}
	if w := c.SearchVectorWeight; w != nil && !(*w >= 0 && *w <= 1) {
		return &configError{"FARO_SEARCH_VECTOR_WEIGHT", fmt.Errorf("%g is not a number from 0 to 1 (example: 0.2)", *w)}
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return &configError{"FARO_LOG_FORMAT", fmt.Errorf("%q is not text or json", c.LogFormat)}
	}
	if _, err := time.LoadLocation(c.TimeZone); err != nil || c.TimeZone == "" {
		return &configError{"FARO_TIMEZONE", fmt.Errorf("%q is not a time zone name (example: America/Mexico_City)", c.TimeZone)}
	}
	if c.ShutdownTimeout <= 0 {
		return &configError{"FARO_SHUTDOWN_TIMEOUT", errors.New("must be positive")}
	}
	if err := server.ValidateKeySpecs(c.APIKeys); err != nil {
		return &configError{"FARO_API_KEYS", err}
	}
	if _, err := c.staffIdentities(); err != nil {
		return &configError{"FARO_STAFF", err}
	}
	// The embedder first: it names FARO_OPENAI_BASE_URL and FARO_OLLAMA_URL
	// when they are wrong, which the model shares.
	if err := c.validateEmbedder(); err != nil {
		return err
	}
	if err := c.validateWidget(); err != nil {
		return err
	}
	if err := c.validatePersona(); err != nil {
		return err
	}
	if err := c.validateWebhooks(); err != nil {
		return err
	}
	if err := c.validateChannels(); err != nil {
		return err
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
			return &configError{"FARO_PUBLIC_URL", fmt.Errorf("%q is not an http(s) address like https://faro.example.com", c.PublicURL)}
		}
	}
	return c.validateLLM()
}

// PublicBase is where people reach this server: PublicURL, or
// http://localhost with the port of Addr.
func (c Config) PublicBase() string {
	if c.PublicURL != "" {
		return strings.TrimRight(c.PublicURL, "/")
	}
	_, port, err := net.SplitHostPort(c.Addr)
	if err != nil || port == "" {
		port = "8080"
	}
	return "http://localhost:" + port
}

// Location is the time zone of the KPIs (UTC when TimeZone is not valid,
// which validate refuses at start-up).
func (c Config) Location() *time.Location {
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// validateWebhooks checks the outbound webhooks' settings.
func (c Config) validateWebhooks() error {
	for _, raw := range c.WebhookURLs {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return &configError{"FARO_WEBHOOK_URLS", fmt.Errorf("%q is not an http(s) URL", redactURL(raw))}
		}
	}
	if len(c.WebhookURLs) > 0 && len(c.WebhookSecret) < 16 {
		return &configError{"FARO_WEBHOOK_SECRET", errors.New("must be at least 16 characters when FARO_WEBHOOK_URLS is set (example: the output of openssl rand -hex 32)")}
	}
	return nil
}

// validateWidget checks the web widget's settings, naming the variable at
// fault.
func (c Config) validateWidget() error {
	for _, o := range c.WidgetOrigins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return &configError{"FARO_WIDGET_ORIGINS", fmt.Errorf("%q is not an origin like https://example.com", o)}
		}
	}
	if c.WidgetSecret != "" && len(c.WidgetSecret) < 32 {
		return &configError{"FARO_WIDGET_SECRET", errors.New("must be at least 32 characters (example: the output of openssl rand -hex 32)")}
	}
	if c.WidgetIdentitySecret != "" && len(c.WidgetIdentitySecret) < 32 {
		return &configError{"FARO_WIDGET_IDENTITY_SECRET", errors.New("must be at least 32 characters (example: the output of openssl rand -hex 32)")}
	}
	t := c.WidgetTheme()
	for _, f := range []struct {
		name string
		ok   bool
		err  string
	}{
		{"FARO_WIDGET_COLOR", web.Theme{Color: t.Color, TextColor: "#000000", Language: "es"}.Validate() == nil, "is not a colour like #0b5cad"},
		{"FARO_WIDGET_TEXT_COLOR", web.Theme{Color: "#000000", TextColor: t.TextColor, Language: "es"}.Validate() == nil, "is not a colour like #ffffff"},
		{"FARO_WIDGET_LOGO_URL", web.Theme{Color: "#000000", TextColor: "#000000", Language: "es", LogoURL: t.LogoURL}.Validate() == nil, "is not an http(s) URL or a path starting with /"},
		{"FARO_WIDGET_LANGUAGE", t.Language == "es" || t.Language == "en", "is not es or en"},
		{"FARO_WIDGET_TITLE", t.Title != "" && len(t.Title) <= 80, "must be 1 to 80 characters"},
		{"FARO_WIDGET_MAX_CONNS_PER_IP", c.WidgetMaxConnsPerIP > 0, "must be positive"},
		{"FARO_WIDGET_SESSIONS_PER_MINUTE", c.WidgetSessionsPerMinute > 0, "must be positive"},
	} {
		if !f.ok {
			return &configError{f.name, fmt.Errorf("%s", f.err)}
		}
	}
	return nil
}

// WidgetTheme is the web.Theme of these settings.
func (c Config) WidgetTheme() web.Theme {
	return web.Theme{
		Title: c.WidgetTitle, Color: c.WidgetColor, TextColor: c.WidgetTextColor, LogoURL: c.WidgetLogoURL,
		GreetingES: c.WidgetGreetingES, GreetingEN: c.WidgetGreetingEN, Language: c.WidgetLanguage,
	}
}

// validateEmbedder checks the embedder settings, naming the variable at
// fault, then builds the embedder once (no network) so that whatever
// llm.NewEmbedder would refuse stops start-up here.
func (c Config) validateEmbedder() error {
	switch c.Embedder {
	case llm.ProviderOffline, llm.ProviderOpenAI, llm.ProviderOllama:
	default:
		return &configError{"FARO_EMBEDDER", fmt.Errorf("%q is not offline, openai or ollama", c.Embedder)}
	}
	if c.EmbeddingDim != 0 {
		if c.Embedder != llm.ProviderOffline {
			return &configError{"FARO_EMBEDDING_DIM", fmt.Errorf("applies to the offline embedder only; the %s model has its own", c.Embedder)}
		}
		if c.EmbeddingDim < offline.MinDimension || c.EmbeddingDim > offline.MaxDimension {
			return &configError{"FARO_EMBEDDING_DIM", fmt.Errorf("%d is not between %d and %d", c.EmbeddingDim, offline.MinDimension, offline.MaxDimension)}
		}
	}
	for _, u := range []struct{ name, value string }{{"FARO_OPENAI_BASE_URL", c.OpenAIBaseURL}, {"FARO_OLLAMA_URL", c.OllamaURL}} {
		if p, err := url.Parse(u.value); u.value != "" && (err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "") {
			return &configError{u.name, fmt.Errorf("%q is not an http:// or https:// URL", u.value)}
		}
	}
	if c.Embedder == llm.ProviderOpenAI && c.OpenAIAPIKey == "" && (c.OpenAIBaseURL == "" || strings.TrimRight(c.OpenAIBaseURL, "/") == llm.DefaultOpenAIBaseURL) {
		return &configError{"FARO_OPENAI_API_KEY", errors.New("the OpenAI API needs a key (or set FARO_OPENAI_BASE_URL to a compatible server that needs none)")}
	}
	if _, _, err := llm.NewEmbedder(c.EmbedderConfig()); err != nil {
		return &configError{"FARO_EMBEDDER", err}
	}
	return nil
}

// newKnowledgeBase is the knowledge base over st with the configured
// embedder and hybrid search weight.
func (c Config) newKnowledgeBase(st store.Knowledge, log *slog.Logger) (*knowledge.Base, error) {
	emb, name, err := llm.NewEmbedder(c.EmbedderConfig())
	if err != nil {
		return nil, fmt.Errorf("embedder (FARO_EMBEDDER): %w", err)
	}
	kb := knowledge.New(st, emb, name, log)
	if c.SearchVectorWeight != nil {
		if err := kb.SetVectorWeight(*c.SearchVectorWeight); err != nil {
			return nil, fmt.Errorf("FARO_SEARCH_VECTOR_WEIGHT: %w", err)
		}
	}
	return kb, nil
}

// EmbedderConfig is the llm.EmbedderConfig of these settings.
func (c Config) EmbedderConfig() llm.EmbedderConfig {
	return llm.EmbedderConfig{
		Provider:      c.Embedder,
		Model:         c.EmbeddingModel,
		Dimension:     c.EmbeddingDim,
		OpenAIBaseURL: c.OpenAIBaseURL,
		OpenAIAPIKey:  c.OpenAIAPIKey,
		OllamaURL:     c.OllamaURL,
	}
}

// validateLLM checks the language model settings, naming the variable at
// fault.
func (c Config) validateLLM() error {
	if c.LLMTimeout <= 0 {
		return &configError{"FARO_LLM_TIMEOUT", errors.New("must be positive")}
	}
	if c.LLMMaxRetries < 0 || c.LLMMaxRetries > 10 {
		return &configError{"FARO_LLM_MAX_RETRIES", fmt.Errorf("%d is not from 0 to 10", c.LLMMaxRetries)}
	}
	var se *llm.SettingError
	if err := c.LLMConfig().Validate(); errors.As(err, &se) {
		if se.Name == "FARO_LLM_API_KEY" && c.OpenAIAPIKey == "" && strings.EqualFold(c.LLM, llm.ProviderOpenAI) {
			return &configError{se.Name, fmt.Errorf("%w; FARO_OPENAI_API_KEY, shared with the embedder, serves too", se.Err)}
		}
		return &configError{se.Name, se.Err}
	} else if err != nil {
		return &configError{"FARO_LLM", err}
	}
	return nil
}

// LLMConfig is the llm.Config of these settings, with the openai and
// ollama addresses and key shared with the embedder filled in.
func (c Config) LLMConfig() llm.Config {
	cfg := llm.Config{
		Provider:   c.LLM,
		Model:      c.LLMModel,
		BaseURL:    c.LLMBaseURL,
		APIKey:     c.LLMAPIKey,
		Timeout:    c.LLMTimeout,
		MaxRetries: c.LLMMaxRetries,
	}
	switch strings.ToLower(c.LLM) {
	case llm.ProviderOpenAI:
		if cfg.BaseURL == "" {
			cfg.BaseURL = c.OpenAIBaseURL
		}
		if cfg.APIKey == "" {
			cfg.APIKey = c.OpenAIAPIKey
		}
	case llm.ProviderOllama:
		if cfg.BaseURL == "" {
			cfg.BaseURL = c.OllamaURL
		}
	}
	return cfg
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, fmt.Errorf("%q is not debug, info, warn or error", s)
	}
	return l, nil
}

// redactURL hides the password of a database URL for logs.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}

// staffIdentities parses Staff.
func (c Config) staffIdentities() ([]store.Identity, error) {
	ids := make([]store.Identity, 0, len(c.Staff))
	for _, s := range c.Staff {
		id, err := agent.ParseIdentity(s)
		if err != nil {
			return nil, err
		}
		if id.Channel == web.Channel && strings.Contains(id.ExternalID, "@") {
			// A signed-in widget user, web:<email>: emails are matched
			// in lower case, the form the widget binds them in.
			id.ExternalID = store.FoldEmail(id.ExternalID)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// cacheSize reads a cache's size: a number, 0 turning the cache off. what
// says what the number is, with an example, for the error.
func cacheSize(v, what string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not %s; 0 turns it off)", v, what)
	}
	return n, nil
}
