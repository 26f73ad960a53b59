package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/channels/slack"
	"github.com/faroai/faro/channels/slack/slacktest"
	"github.com/faroai/faro/store"
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

// TestSlackThroughServe: faro serve with FARO_SLACK_* set logs the
// channel and its request URLs, and answers a staff member's signed
// mention with the KPI report in its thread, through the local Slack.
func TestSlackThroughServe(t *testing.T) {
	t.Parallel()
	api := slacktest.NewServer("xoxb-serve-test")
	t.Cleanup(api.Close)
	logs := &lockedWriter{w: &bytes.Buffer{}}
	cfg := testConfig(t)
	cfg.Slack = SlackConfig{BotToken: "xoxb-serve-test", SigningSecret: "serve-signing-secret", APIURL: strings.TrimSuffix(api.URL, "/")}
	cfg.Staff = []string{"slack:USTAFF01"}
	m := startMain(t, cfg, logs)
	require.Contains(t, logs.String(), "channel=slack")
	require.Contains(t, logs.String(), slack.EventsPath)
	require.Contains(t, logs.String(), slack.CommandPath)

	sender := &slacktest.Sender{URL: "http://" + m.Addr() + slack.EventsPath, Secret: "serve-signing-secret"}
	ts := fmt.Sprintf("%d.000100", time.Now().Unix())
	resp, err := sender.Event(t.Context(), slacktest.AppMention("Ev0SERVE", slacktest.Post{Team: "T0FARO", Channel: "C0SERVE",
		User: "USTAFF01", Text: "<@" + api.BotUserID + "> ¿cuál es el MRR de este mes?", TS: ts}))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.Status)
	deadline := time.Now().Add(20 * time.Second)
	for {
		th := api.Thread("C0SERVE", ts)
		if len(th) == 1 && strings.Contains(th[0].Text, "MRR: ") {
			require.Contains(t, th[0].Text, "USD")
			break
		}
		require.True(t, time.Now().Before(deadline), "no KPI report in the thread: %+v; logs:\n%s", th, logs.String())
		time.Sleep(20 * time.Millisecond)
	}

	// Forged: 401, nothing stored.
	forged := &slacktest.Sender{URL: sender.URL, Secret: "guess"}
	resp, err = forged.Event(t.Context(), slacktest.AppMention("Ev1SERVE", slacktest.Post{Team: "T0FARO", Channel: "C0SERVE",
		User: "USTAFF01", Text: "hola", TS: ts + "1"}))
	require.NoError(t, err)
	require.Equal(t, http.StatusUnauthorized, resp.Status)
	_, err = m.Store.MessageByPlatformID(t.Context(), slack.Channel, "C0SERVE/"+ts+"1")
	require.ErrorIs(t, err, store.ErrNotFound)
}

// A wrong bot token stops start-up with Slack's reason.
func TestSlackWrongTokenStopsStart(t *testing.T) {
	t.Parallel()
	api := slacktest.NewServer("xoxb-right")
	t.Cleanup(api.Close)
	cfg := testConfig(t)
	cfg.Slack = SlackConfig{BotToken: "xoxb-wrong", SigningSecret: "s", APIURL: api.URL}
	m := NewMain(cfg, newLogger(cfg, &environment{stderr: io.Discard}))
	err := m.Run(context.Background())
	if err == nil {
		_ = m.Close()
	}
	require.ErrorContains(t, err, "invalid_auth")
}
