package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestConfigSlack(t *testing.T) {
	t.Parallel()
	c, err := LoadConfig("", envOf(nil))
	require.NoError(t, err)
	require.False(t, c.SlackOn(), "off when not configured")

	c, err = LoadConfig("", envOf(map[string]string{
		"FARO_SLACK_BOT_TOKEN": "xoxb-1-2-abc", "FARO_SLACK_SIGNING_SECRET": "s3cr3t",
		"FARO_SLACK_API_URL": "http://127.0.0.1:9999/api",
	}))
	require.NoError(t, err)
	require.True(t, c.SlackOn())
	require.Equal(t, "http://127.0.0.1:9999/api/", c.SlackAPIBase(), "slack-go needs the trailing slash")
	require.Equal(t, "/faro", c.SlackCommandName())

	c, err = LoadConfig("", envOf(map[string]string{"FARO_SLACK_BOT_TOKEN": "xoxb-1", "FARO_SLACK_SIGNING_SECRET": "s"}))
	require.NoError(t, err)
	require.Equal(t, "https://slack.com/api/", c.SlackAPIBase())

	// The YAML keys are the variables' names.
	path := filepath.Join(t.TempDir(), "faro.yaml")
	require.NoError(t, os.WriteFile(path, []byte("slack_bot_token: xoxb-y\nslack_signing_secret: sy\nslack_command: /brujula\n"), 0o600))
	c, err = LoadConfig(path, envOf(map[string]string{"FARO_SLACK_SIGNING_SECRET": "from-env"}))
	require.NoError(t, err)
	require.Equal(t, "xoxb-y", c.SlackBotToken)
	require.Equal(t, "from-env", c.SlackSigningSecret)
	require.Equal(t, "/brujula", c.SlackCommandName())

	for env, want := range map[string]map[string]string{
		"FARO_SLACK_SIGNING_SECRET": {"FARO_SLACK_BOT_TOKEN": "xoxb-1"},
		"FARO_SLACK_BOT_TOKEN":      {"FARO_SLACK_SIGNING_SECRET": "s"},
		"FARO_SLACK_API_URL":        {"FARO_SLACK_BOT_TOKEN": "xoxb-1", "FARO_SLACK_SIGNING_SECRET": "s", "FARO_SLACK_API_URL": "slack.com/api"},
		"FARO_SLACK_COMMAND":        {"FARO_SLACK_BOT_TOKEN": "xoxb-1", "FARO_SLACK_SIGNING_SECRET": "s", "FARO_SLACK_COMMAND": "faro"},
	} {
		_, err := LoadConfig("", envOf(want))
		require.ErrorContains(t, err, env+":", "partial or wrong configuration names %s", env)
	}
}
