package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/channels/mattermost"
	"github.com/faroai/faro/channels/mattermost/mattermosttest"
	"github.com/faroai/faro/store"
)

func TestConfigMattermost(t *testing.T) {
	t.Parallel()
	c, err := LoadConfig("", envOf(nil))
	require.NoError(t, err)
	require.False(t, mattermostChannel().on(c), "off when not configured")

	c, err = LoadConfig("", envOf(map[string]string{
		"FARO_MATTERMOST_URL": "http://127.0.0.1:8065", "FARO_MATTERMOST_TOKEN": "abc123",
		"FARO_MATTERMOST_WEBHOOK_TOKENS": " t1, t2 ,",
	}))
	require.NoError(t, err)
	require.True(t, mattermostChannel().on(c))
	require.NoError(t, mattermostChannel().validate(c))
	require.Equal(t, []string{"t1", "t2"}, c.Mattermost.WebhookTokens)
	require.Equal(t, "/faro", c.Mattermost.CommandName())

	c, err = LoadConfig("", envOf(map[string]string{"FARO_MATTERMOST_URL": "https://chat.example.com",
		"FARO_MATTERMOST_TOKEN": "abc", "FARO_MATTERMOST_WEBHOOK_TOKEN": "only"}))
	require.NoError(t, err)
	require.Equal(t, []string{"only"}, c.Mattermost.WebhookTokens)

	// The YAML keys, under mattermost:.
	path := filepath.Join(t.TempDir(), "faro.yaml")
	require.NoError(t, os.WriteFile(path, []byte("mattermost:\n  url: https://chat.example.com\n  token: y\n  webhook_tokens: [a, b]\n  command: /brujula\n"), 0o600))
	c, err = LoadConfig(path, envOf(map[string]string{"FARO_MATTERMOST_TOKEN": "from-env"}))
	require.NoError(t, err)
	require.Equal(t, "https://chat.example.com", c.Mattermost.URL)
	require.Equal(t, "from-env", c.Mattermost.Token)
	require.Equal(t, []string{"a", "b"}, c.Mattermost.WebhookTokens)
	require.Equal(t, "/brujula", c.Mattermost.CommandName())

	// Half a configuration, or a wrong value, names the variable.
	for env, vars := range map[string]map[string]string{
		"FARO_MATTERMOST_TOKEN":          {"FARO_MATTERMOST_URL": "https://chat.example.com"},
		"FARO_MATTERMOST_URL":            {"FARO_MATTERMOST_TOKEN": "abc"},
		"FARO_MATTERMOST_WEBHOOK_TOKENS": {"FARO_MATTERMOST_URL": "https://c.example", "FARO_MATTERMOST_TOKEN": "abc", "FARO_MATTERMOST_WEBHOOK_TOKENS": "a b"},
		"FARO_MATTERMOST_COMMAND":        {"FARO_MATTERMOST_URL": "https://c.example", "FARO_MATTERMOST_TOKEN": "abc", "FARO_MATTERMOST_COMMAND": "faro"},
	} {
		_, err := LoadConfig("", envOf(vars))
		require.ErrorContains(t, err, env+":", "%v", vars)
	}
	_, err = LoadConfig("", envOf(map[string]string{"FARO_MATTERMOST_URL": "chat.example.com", "FARO_MATTERMOST_TOKEN": "abc"}))
	require.ErrorContains(t, err, "FARO_MATTERMOST_URL:")

	// The staff channel on Mattermost: needs Mattermost on and staff there.
	on := map[string]string{"FARO_MATTERMOST_URL": "https://c.example", "FARO_MATTERMOST_TOKEN": "abc",
		"FARO_STAFF": "mattermost:u1", "FARO_STAFF_CHANNEL": "mattermost:cstaff"}
	c, err = LoadConfig("", envOf(on))
	require.NoError(t, err)
	require.Equal(t, "cstaff", c.staffChannelOn("mattermost"))
	require.Empty(t, slackStaffChannel(c))
	on["FARO_STAFF"] = "slack:U1"
	_, err = LoadConfig("", envOf(on))
	require.ErrorContains(t, err, "FARO_STAFF_CHANNEL:")
}

// TestMattermostThroughServe: faro serve with FARO_MATTERMOST_* set signs
// in, logs the channel and its webhook path, answers a staff member's
// direct message with the KPI report over the websocket, and refuses a
// slash command with a wrong token.
func TestMattermostThroughServe(t *testing.T) {
	t.Parallel()
	mm := mattermosttest.NewServer("mm-serve-token")
	t.Cleanup(mm.Close)
	staff := mm.AddUser("marta")
	logs := &lockedWriter{w: &bytes.Buffer{}}
	cfg := testConfig(t)
	cfg.Mattermost = MattermostConfig{URL: mm.URL, Token: "mm-serve-token", WebhookTokens: []string{"cmd-token"}}
	cfg.Staff = []string{"mattermost:" + staff.ID}
	m := startMain(t, cfg, logs)
	require.Contains(t, logs.String(), "channel=mattermost")
	require.Contains(t, logs.String(), mattermost.WebhookPath)

	deadline := time.Now().Add(20 * time.Second)
	for !mm.Connected() {
		require.True(t, time.Now().Before(deadline), "no websocket; logs:\n%s", logs.String())
		time.Sleep(20 * time.Millisecond)
	}
	dm := mm.DirectChannel(staff)
	mm.UserPost(staff, dm, "", "¿cuál es el MRR de este mes?")
	for {
		got := mm.BotPosts(dm.ID, "")
		if len(got) == 1 && strings.Contains(got[0].Message, "MRR: ") {
			require.Contains(t, got[0].Message, "USD")
			break
		}
		require.True(t, time.Now().Before(deadline), "no KPI report: %+v; logs:\n%s", got, logs.String())
		time.Sleep(20 * time.Millisecond)
	}

	url := "http://" + m.Addr() + mattermost.WebhookPath
	resp, err := mattermosttest.PostCommand(t.Context(), url, mattermosttest.SlashCommand{Token: "guess", ChannelID: dm.ID,
		ChannelName: dm.Name, UserID: staff.ID, Command: "/faro", Text: "hola", TriggerID: "t1"})
	require.NoError(t, err)
	require.Equal(t, http.StatusUnauthorized, resp.Status)
	_, err = m.Store.MessageByPlatformID(t.Context(), mattermost.Channel, "cmd/t1")
	require.ErrorIs(t, err, store.ErrNotFound)
}

// A wrong bot token stops start-up with the server's reason.
func TestMattermostWrongTokenStopsStart(t *testing.T) {
	t.Parallel()
	mm := mattermosttest.NewServer("right")
	t.Cleanup(mm.Close)
	cfg := testConfig(t)
	cfg.Mattermost = MattermostConfig{URL: mm.URL, Token: "wrong"}
	m := NewMain(cfg, newLogger(cfg, &environment{stderr: io.Discard}))
	err := m.Run(context.Background())
	if err == nil {
		_ = m.Close()
	}
	require.ErrorContains(t, err, "api.context.session_expired.app_error")
}
