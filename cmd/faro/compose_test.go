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
