package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/faroai/faro/channels/mattermost"
	"github.com/faroai/faro/channels/mattermost/mmapi"
)

// MattermostConfig is the Mattermost bot's settings (FARO_MATTERMOST_*;
// in YAML under mattermost:). The channel is off while the server URL and
// the token are both empty; one without the other is an error.
type MattermostConfig struct {
	// URL is the Mattermost server's site URL, https://chat.example.com
	// (FARO_MATTERMOST_URL); a local server stands in for it in tests.
	URL string `yaml:"url"`
	// Token is the bot account's access token (FARO_MATTERMOST_TOKEN).
	Token string `yaml:"token"`
	// WebhookTokens are the tokens of the outgoing webhooks and slash
	// commands that post to /webhooks/mattermost
	// (FARO_MATTERMOST_WEBHOOK_TOKENS, comma-separated, or one in
	// FARO_MATTERMOST_WEBHOOK_TOKEN); none leaves that path unmounted.
	WebhookTokens []string `yaml:"webhook_tokens"`
	// Command is the slash command answered, /faro when empty
	// (FARO_MATTERMOST_COMMAND).
	Command string `yaml:"command"`
}

func mattermostSettings() []setting {
	tokens := func(c *Config, v string) error {
		c.Mattermost.WebhookTokens = nil
		for _, t := range strings.Split(v, ",") {
			if t = strings.TrimSpace(t); t != "" {
				c.Mattermost.WebhookTokens = append(c.Mattermost.WebhookTokens, t)
			}
		}
		return nil
	}
	return []setting{
		{"FARO_MATTERMOST_URL", func(c *Config, v string) error { c.Mattermost.URL = v; return nil }},
		{"FARO_MATTERMOST_TOKEN", func(c *Config, v string) error { c.Mattermost.Token = v; return nil }},
		{"FARO_MATTERMOST_WEBHOOK_TOKEN", tokens},
		{"FARO_MATTERMOST_WEBHOOK_TOKENS", tokens},
		{"FARO_MATTERMOST_COMMAND", func(c *Config, v string) error { c.Mattermost.Command = v; return nil }},
	}
}

// On reports whether the Mattermost channel is configured (or half
// configured, which validate refuses).
func (c MattermostConfig) On() bool { return c.URL != "" || c.Token != "" }

// CommandName is the slash command answered.
func (c MattermostConfig) CommandName() string {
	if c.Command == "" {
		return mattermost.DefaultCommand
	}
	return c.Command
}

// validate checks the settings of a configured channel.
func (c MattermostConfig) validate() error {
	switch {
	case c.URL == "":
		return &configError{"FARO_MATTERMOST_URL", errors.New("is required with FARO_MATTERMOST_TOKEN (the server's address, https://chat.example.com)")}
	case c.Token == "":
		return &configError{"FARO_MATTERMOST_TOKEN", errors.New("is required with FARO_MATTERMOST_URL (the bot account's access token)")}
	case strings.ContainsAny(c.Token, " \t\r\n"):
		return &configError{"FARO_MATTERMOST_TOKEN", errors.New("must not contain spaces")}
	}
	if u, err := url.Parse(c.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return &configError{"FARO_MATTERMOST_URL", fmt.Errorf("%q is not an http(s) URL like https://chat.example.com", redactURL(c.URL))}
	}
	for _, t := range c.WebhookTokens {
		if strings.ContainsAny(t, " \t\r\n") {
			return &configError{"FARO_MATTERMOST_WEBHOOK_TOKENS", errors.New("a token must not contain spaces (separate them with commas)")}
		}
	}
	if cmd := c.CommandName(); !strings.HasPrefix(cmd, "/") || len(cmd) < 2 || strings.ContainsAny(cmd, " \t\r\n") {
		return &configError{"FARO_MATTERMOST_COMMAND", fmt.Errorf("%q is not a slash command like /faro", c.Command)}
	}
	return nil
}

func mattermostChannel() messagingChannel {
	return messagingChannel{
		name:     mattermost.Channel,
		on:       func(c Config) bool { return c.Mattermost.On() },
		validate: func(c Config) error { return c.Mattermost.validate() },
		build:    buildMattermost,
	}
}

// buildMattermost makes the Mattermost adapter: users/me (Start) before
// the server takes requests, the websocket as the channel's receiver, and
// the webhook path when webhook tokens are set.
func buildMattermost(env channelEnv) (channelRun, error) {
	c := env.Config.Mattermost
	client, err := mmapi.New(c.URL, c.Token, nil)
	if err != nil {
		return channelRun{}, &configError{"FARO_MATTERMOST_URL", err}
	}
	opts := mattermost.Options{
		Client: client, Runtime: env.Runtime, WebhookTokens: c.WebhookTokens, Command: c.CommandName(), Logger: env.Log,
	}
	var staff *mattermostStaff
	if ch := env.Config.staffChannelOn(mattermost.Channel); ch != "" {
		// The staff channel's threads are read before the adapter answers.
		staff = &mattermostStaff{client: client, channel: ch}
		opts.OnPostFunc = staff.onPost
	}
	a, err := mattermost.New(opts)
	if err != nil {
		return channelRun{}, &configError{"FARO_MATTERMOST_COMMAND", err}
	}
	// build gets no context: Start bounds users/me itself (15 s).
	if err := a.Start(context.Background()); err != nil {
		return channelRun{}, fmt.Errorf("mattermost (FARO_MATTERMOST_URL, FARO_MATTERMOST_TOKEN): %w", err)
	}
	run := channelRun{Adapter: a, Run: a.Run, Mode: "websocket"}
	if staff != nil {
		run.Staff = staff
	}
	if len(c.WebhookTokens) > 0 {
		env.Handle("POST "+mattermost.WebhookPath, a)
		run.Paths = []string{mattermost.WebhookPath}
		run.Mode = "websocket, outgoing webhooks and " + c.CommandName()
	}
	return run, nil
}
