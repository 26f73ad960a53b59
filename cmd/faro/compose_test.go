package main

import (
	"net"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/stretchr/testify/require"
)

// No Docker engine runs where tests run, so docker-compose.yml and the
// Dockerfile are checked by reading them: the configuration they give Faro
// must load, point at the compose database, and listen where the ports and
// EXPOSE say.
func TestComposeConfigurationLoads(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../docker-compose.yml")
	require.NoError(t, err)
	var compose struct {
		Services map[string]struct {
			Image       string            `yaml:"image"`
			Build       any               `yaml:"build"`
			Environment map[string]string `yaml:"environment"`
			Ports       []string          `yaml:"ports"`
			DependsOn   map[string]struct {
				Condition string `yaml:"condition"`
			} `yaml:"depends_on"`
			Healthcheck map[string]any `yaml:"healthcheck"`
		} `yaml:"services"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &compose))
	faro, ok := compose.Services["faro"]
	require.True(t, ok, "a faro service")
	require.NotNil(t, faro.Build, "faro is built from the Dockerfile")

	cfg, err := LoadConfig("", envOf(faro.Environment))
	require.NoError(t, err, "the compose environment is a valid configuration")

	u, err := url.Parse(cfg.DatabaseURL)
	require.NoError(t, err)
	db, ok := compose.Services[u.Hostname()]
	require.True(t, ok, "FARO_DATABASE_URL names the compose service %q", u.Hostname())
	require.True(t, strings.HasPrefix(db.Image, "pgvector/pgvector:"), "the database image has pgvector: %s", db.Image)
	require.Equal(t, "service_healthy", faro.DependsOn[u.Hostname()].Condition, "faro waits for a healthy database")
	require.NotEmpty(t, db.Healthcheck)

	_, port, err := net.SplitHostPort(cfg.Addr)
	require.NoError(t, err)
	require.Contains(t, faro.Ports, "8080:"+port)

	dockerfile, err := os.ReadFile("../../Dockerfile")
	require.NoError(t, err)
	require.Regexp(t, regexp.MustCompile(`(?m)^EXPOSE `+port+`$`), string(dockerfile))
	require.Contains(t, string(dockerfile), "CGO_ENABLED=0", "a static binary")
}

// TestComposeScaleConfiguration: docker-compose.scale.yml gives two Faro
// servers one database with pgvector and one widget secret, and its
// proxy passes websocket upgrades to both.
func TestComposeScaleConfiguration(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../docker-compose.scale.yml")
	require.NoError(t, err)
	var compose struct {
		Services map[string]struct {
			Image       string            `yaml:"image"`
			Build       any               `yaml:"build"`
			Environment map[string]string `yaml:"environment"`
			Ports       []string          `yaml:"ports"`
			Volumes     []string          `yaml:"volumes"`
		} `yaml:"services"`
		Configs map[string]struct {
			Content string `yaml:"content"`
		} `yaml:"configs"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &compose), "anchors and merges resolve")
	conf := compose.Configs["nginx"].Content
	var dbURL string
	for _, name := range []string{"faro-1", "faro-2"} {
		s, ok := compose.Services[name]
		require.True(t, ok, name)
		require.NotNil(t, s.Build, "%s is built from the Dockerfile", name)
		env := map[string]string{}
		for k, v := range s.Environment {
			env[k] = v
		}
		require.Contains(t, env["FARO_WIDGET_SECRET"], "${FARO_WIDGET_SECRET:?", "%s: one secret, given by the operator", name)
		env["FARO_WIDGET_SECRET"] = "an operator's secret of 32 bytes or more, shared"
		cfg, err := LoadConfig("", envOf(env))
		require.NoError(t, err, "%s: a valid configuration", name)
		require.True(t, dbURL == "" || dbURL == cfg.DatabaseURL, "one database")
		dbURL = cfg.DatabaseURL
		require.Contains(t, conf, "server "+name+":8080", "the proxy sends to %s", name)
	}
	u, err := url.Parse(dbURL)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(compose.Services[u.Hostname()].Image, "pgvector/pgvector:"))
	for _, want := range []string{"proxy_set_header Upgrade $$http_upgrade", "proxy_set_header Connection $$connection_upgrade", "proxy_http_version 1.1", "http_503"} {
		require.Contains(t, conf, want)
	}
	require.Contains(t, compose.Services["lb"].Ports, "8080:80")
}
