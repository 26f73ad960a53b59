package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
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
	// LogLevel is debug, info, warn or error (FARO_LOG_LEVEL).
	LogLevel string `yaml:"log_level"`
	// LogFormat is text or json (FARO_LOG_FORMAT).
	LogFormat string `yaml:"log_format"`
	// ShutdownTimeout bounds how long turns in flight may take to finish
	// after SIGTERM (FARO_SHUTDOWN_TIMEOUT, a Go duration such as 15s).
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
}

// DefaultConfig is what `faro serve` runs with when nothing is configured: a
// working assistant on :8080 with an embedded database under ./data.
func DefaultConfig() Config {
	return Config{
		Addr:            ":8080",
		DataDir:         "data",
		LogLevel:        "info",
		LogFormat:       "text",
		ShutdownTimeout: 15 * time.Second,
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

func settings() []setting {
	return []setting{
		{"FARO_ADDR", func(c *Config, v string) error { c.Addr = v; return nil }},
		{"FARO_DATA_DIR", func(c *Config, v string) error { c.DataDir = v; return nil }},
		{"FARO_DATABASE_URL", func(c *Config, v string) error { c.DatabaseURL = v; return nil }},
		{"FARO_LOG_LEVEL", func(c *Config, v string) error { c.LogLevel = v; return nil }},
		{"FARO_LOG_FORMAT", func(c *Config, v string) error { c.LogFormat = v; return nil }},
		{"FARO_SHUTDOWN_TIMEOUT", func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("%q is not a duration (examples: 15s, 1m)", v)
			}
			c.ShutdownTimeout = d
			return nil
		}},
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
	if c.DataDir == "" {
		return &configError{"FARO_DATA_DIR", errors.New("must not be empty")}
	}
	if c.DatabaseURL != "" {
		u, err := url.Parse(c.DatabaseURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
			return &configError{"FARO_DATABASE_URL", errors.New("must be a postgres:// URL (example: postgres://faro:secret@localhost:5432/faro)")}
		}
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		return &configError{"FARO_LOG_LEVEL", err}
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return &configError{"FARO_LOG_FORMAT", fmt.Errorf("%q is not text or json", c.LogFormat)}
	}
	if c.ShutdownTimeout <= 0 {
		return &configError{"FARO_SHUTDOWN_TIMEOUT", errors.New("must be positive")}
	}
	return nil
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
