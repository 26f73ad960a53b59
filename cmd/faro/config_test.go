package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/sqlite"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestConfigDefaultsServeWithNothingSet(t *testing.T) {
	t.Parallel()
	c, err := LoadConfig("", envOf(nil))
	require.NoError(t, err)
	require.Equal(t, DefaultConfig(), c)
	require.Equal(t, ":8080", c.Addr)
	require.Empty(t, c.DatabaseURL, "the default store is the embedded one")
}

func TestConfigEnvironmentOverridesFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "faro.yaml")
	require.NoError(t, os.WriteFile(path, []byte("addr: \":9000\"\nlog_level: debug\nshutdown_timeout: 3s\n"), 0o600))
	c, err := LoadConfig("", envOf(map[string]string{
		"FARO_CONFIG":       path,
		"FARO_ADDR":         "127.0.0.1:9100",
		"FARO_DATABASE_URL": "postgres://faro:secret@db:5432/faro?sslmode=disable",
	}))
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:9100", c.Addr, "the environment wins over the file")
	require.Equal(t, "debug", c.LogLevel, "the file wins over the default")
	require.Equal(t, 3*time.Second, c.ShutdownTimeout)
	require.Equal(t, "postgres://faro:secret@db:5432/faro?sslmode=disable", c.DatabaseURL)
}

func TestConfigHistoryCache(t *testing.T) {
	t.Parallel()
	c, err := LoadConfig("", envOf(nil))
	require.NoError(t, err)
	require.Equal(t, int64(64<<20), recentBytes(c.HistoryCacheMB))
	c, err = LoadConfig("", envOf(map[string]string{"FARO_HISTORY_CACHE": "0"}))
	require.NoError(t, err)
	require.Negative(t, recentBytes(c.HistoryCacheMB), "0 MiB keeps none, not the agent's default")
}

func TestConfigTimeZone(t *testing.T) {
	t.Parallel()
	c, err := LoadConfig("", envOf(nil))
	require.NoError(t, err)
	require.Equal(t, time.UTC, c.Location(), "KPIs count UTC days by default")
	c, err = LoadConfig("", envOf(map[string]string{"FARO_TIMEZONE": "America/Mexico_City"}))
	require.NoError(t, err)
	require.Equal(t, "America/Mexico_City", c.Location().String())
}

func TestConfigSearchVectorWeight(t *testing.T) {
	t.Parallel()
	weight := func(c Config) float64 {
		t.Helper()
		db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "faro.db"))
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		kb, err := c.newKnowledgeBase(db, nil)
		require.NoError(t, err)
		return kb.VectorWeight()
	}
	c, err := LoadConfig("", envOf(nil))
	require.NoError(t, err)
	require.Nil(t, c.SearchVectorWeight)
	require.InDelta(t, 0.2, weight(c), 0, "the offline embedder's own")

	c, err = LoadConfig("", envOf(map[string]string{"FARO_SEARCH_VECTOR_WEIGHT": "0.35"}))
	require.NoError(t, err)
	require.InDelta(t, 0.35, weight(c), 0)

	path := filepath.Join(t.TempDir(), "faro.yaml")
	require.NoError(t, os.WriteFile(path, []byte("search_vector_weight: 0\n"), 0o600))
	c, err = LoadConfig(path, envOf(nil))
	require.NoError(t, err)
	require.InDelta(t, 0.0, weight(c), 0, "0 is a weight, not unset")

	for _, v := range []string{"1.5", "-0.1", "NaN"} {
		_, err = LoadConfig("", envOf(map[string]string{"FARO_SEARCH_VECTOR_WEIGHT": v}))
		require.ErrorContains(t, err, "FARO_SEARCH_VECTOR_WEIGHT: ", v)
		require.ErrorContains(t, err, "from 0 to 1", v)
	}
}

// Every bad value stops start-up with one line that names the variable.
func TestConfigBadValueNamesTheVariable(t *testing.T) {
	t.Parallel()
	cases := map[string]map[string]string{
		"FARO_ADDR":                 {"FARO_ADDR": "8080"},
		"FARO_SHUTDOWN_TIMEOUT":     {"FARO_SHUTDOWN_TIMEOUT": "soon"},
		"FARO_LOG_LEVEL":            {"FARO_LOG_LEVEL": "loud"},
		"FARO_LOG_FORMAT":           {"FARO_LOG_FORMAT": "xml"},
		"FARO_DATABASE_URL":         {"FARO_DATABASE_URL": "mysql://x"},
		"FARO_CONFIG":               {"FARO_CONFIG": "/nonexistent/faro.yaml"},
		"FARO_STAFF":                {"FARO_STAFF": "slack:U1,U2"},
		"FARO_PUBLIC_URL":           {"FARO_PUBLIC_URL": "faro.example.com"},
		"FARO_TIMEZONE":             {"FARO_TIMEZONE": "Mars/Olympus_Mons"},
		"FARO_HISTORY_CACHE":        {"FARO_HISTORY_CACHE": "-1"},
		"FARO_SEARCH_CACHE":         {"FARO_SEARCH_CACHE": "many"},
		"FARO_SEARCH_VECTOR_WEIGHT": {"FARO_SEARCH_VECTOR_WEIGHT": "heavy"},
		"FARO_BUS_URL":              {"FARO_BUS_URL": "postgres://db/faro"}, // without FARO_DATABASE_URL
		"FARO_BUS_POLL":             {"FARO_BUS_POLL": "1h"},
		"FARO_TURN_LEASE":           {"FARO_TURN_LEASE": "10ms"},
	}
	for name, env := range cases {
		_, err := LoadConfig("", envOf(env))
		require.Error(t, err, name)
		var ce *configError
		require.True(t, errors.As(err, &ce), "%s: %v", name, err)
		require.True(t, strings.HasPrefix(err.Error(), name+": "), "error %q should start with %s", err, name)
		require.NotContains(t, err.Error(), "\n", "one line")
	}
}

func TestConfigUnknownYAMLKeyIsAnError(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "faro.yaml")
	require.NoError(t, os.WriteFile(path, []byte("adress: \":9000\"\n"), 0o600))
	_, err := LoadConfig(path, envOf(nil))
	require.ErrorContains(t, err, path)
	require.ErrorContains(t, err, "adress")
	require.NotContains(t, err.Error(), "\n")
}

func TestRedactURLHidesPassword(t *testing.T) {
	t.Parallel()
	got := redactURL("postgres://faro:s3cret@db:5432/faro")
	require.NotContains(t, got, "s3cret")
	require.Contains(t, got, "db:5432")
}

func TestConfigStaffIdentities(t *testing.T) {
	t.Parallel()
	c, err := LoadConfig("", envOf(map[string]string{"FARO_STAFF": "slack:U123, Telegram:42 ,"}))
	require.NoError(t, err)
	ids, err := c.staffIdentities()
	require.NoError(t, err)
	require.Equal(t, []store.Identity{{Channel: "slack", ExternalID: "U123"}, {Channel: "telegram", ExternalID: "42"}}, ids)
}
