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
	require.False(t, slackChannel().on(c), "off when not configured")

	c, err = LoadConfig("", envOf(map[string]string{
		"FARO_SLACK_BOT_TOKEN": "xoxb-1-2-abc", "FARO_SLACK_SIGNING_SECRET": "s3cr3t",
		"FARO_SLACK_API_URL": "http://127.0.0.1:9999/api",
	}))
	require.NoError(t, err)
	require.True(t, slackChannel().on(c))
	require.NoError(t, slackChannel().validate(c))
	require.Equal(t, "http://127.0.0.1:9999/api/", c.Slack.APIBase(), "slack-go needs the trailing slash")
	require.Equal(t, "/faro", c.Slack.CommandName())

	c, err = LoadConfig("", envOf(map[string]string{"FARO_SLACK_BOT_TOKEN": "xoxb-1", "FARO_SLACK_SIGNING_SECRET": "s"}))
	require.NoError(t, err)
	require.Equal(t, "https://slack.com/api/", c.Slack.APIBase())

	// The YAML keys, under slack:.
	path := filepath.Join(t.TempDir(), "faro.yaml")
	require.NoError(t, os.WriteFile(path, []byte("slack:\n  bot_token: xoxb-y\n  signing_secret: sy\n  command: /brujula\n"), 0o600))
	c, err = LoadConfig(path, envOf(map[string]string{"FARO_SLACK_SIGNING_SECRET": "from-env"}))
	require.NoError(t, err)
	require.Equal(t, "xoxb-y", c.Slack.BotToken)
	require.Equal(t, "from-env", c.Slack.SigningSecret)
	require.Equal(t, "/brujula", c.Slack.CommandName())

	// Half a configuration, or a wrong value, names the variable.
	for env, vars := range map[string]map[string]string{
		"FARO_SLACK_SIGNING_SECRET": {"FARO_SLACK_BOT_TOKEN": "xoxb-1"},
		"FARO_SLACK_BOT_TOKEN":      {"FARO_SLACK_SIGNING_SECRET": "s"},
		"FARO_SLACK_API_URL":        {"FARO_SLACK_BOT_TOKEN": "xoxb-1", "FARO_SLACK_SIGNING_SECRET": "s", "FARO_SLACK_API_URL": "slack.com/api"},
		"FARO_SLACK_COMMAND":        {"FARO_SLACK_BOT_TOKEN": "xoxb-1", "FARO_SLACK_SIGNING_SECRET": "s", "FARO_SLACK_COMMAND": "faro"},
	} {
		_, err := LoadConfig("", envOf(vars))
		require.ErrorContains(t, err, env+":", "%v", vars)
	}
}
