package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/faroai/faro/channels/slack"
)

// SlackConfig is the Slack app's settings (FARO_SLACK_*; in YAML under
// slack:). The channel is off while the bot token and the signing secret
// are both empty; one without the other is an error.
type SlackConfig struct {
	// BotToken is the app's Bot User OAuth Token, xoxb-…
	// (FARO_SLACK_BOT_TOKEN).
	BotToken string `yaml:"bot_token"`
	// SigningSecret proves a request comes from Slack: the app's Signing
	// Secret, under Basic Information (FARO_SLACK_SIGNING_SECRET).
	SigningSecret string `yaml:"signing_secret"`
	// APIURL is the Web API's base, https://slack.com/api/ when empty; a
	// local server stands in for Slack in tests and staging. A missing
	// trailing slash is added (FARO_SLACK_API_URL).
	APIURL string `yaml:"api_url"`
	// Command is the slash command answered, /faro when empty
	// (FARO_SLACK_COMMAND).
	Command string `yaml:"command"`
}

func slackSettings() []setting {
	return []setting{
		{"FARO_SLACK_BOT_TOKEN", func(c *Config, v string) error { c.Slack.BotToken = v; return nil }},
		{"FARO_SLACK_SIGNING_SECRET", func(c *Config, v string) error { c.Slack.SigningSecret = v; return nil }},
		{"FARO_SLACK_API_URL", func(c *Config, v string) error { c.Slack.APIURL = v; return nil }},
		{"FARO_SLACK_COMMAND", func(c *Config, v string) error { c.Slack.Command = v; return nil }},
	}
}

// On reports whether the Slack channel is configured (or half
// configured, which validate refuses).
func (c SlackConfig) On() bool { return c.BotToken != "" || c.SigningSecret != "" }

// APIBase is the Web API's base with the trailing slash slack-go needs
// (without it, calls go to …/apichat.postMessage).
func (c SlackConfig) APIBase() string {
	u := c.APIURL
	if u == "" {
		u = slack.DefaultAPIURL
	}
	if !strings.HasSuffix(u, "/") {
		u += "/"
	}
	return u
}

// CommandName is the slash command answered.
func (c SlackConfig) CommandName() string {
	if c.Command == "" {
		return slack.DefaultCommand
	}
	return c.Command
}

// validate checks the settings of a configured channel: both secrets, an
// http(s) API URL, a command like /faro.
func (c SlackConfig) validate() error {
	switch {
	case c.BotToken == "":
		return &configError{"FARO_SLACK_BOT_TOKEN", errors.New("is required with FARO_SLACK_SIGNING_SECRET (the app's Bot User OAuth Token, xoxb-…)")}
	case c.SigningSecret == "":
		return &configError{"FARO_SLACK_SIGNING_SECRET", errors.New("is required with FARO_SLACK_BOT_TOKEN (the app's Signing Secret, under Basic Information)")}
	case strings.ContainsAny(c.BotToken, " \t\r\n"):
		return &configError{"FARO_SLACK_BOT_TOKEN", errors.New("must not contain spaces")}
	}
	if u, err := url.Parse(c.APIBase()); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return &configError{"FARO_SLACK_API_URL", fmt.Errorf("%q is not an http(s) URL like https://slack.com/api/", c.APIURL)}
	}
	if cmd := c.CommandName(); !strings.HasPrefix(cmd, "/") || len(cmd) < 2 || strings.ContainsAny(cmd, " \t\r\n") {
		return &configError{"FARO_SLACK_COMMAND", fmt.Errorf("%q is not a slash command like /faro", c.Command)}
	}
	return nil
}

func slackChannel() messagingChannel {
	return messagingChannel{
		name:     slack.Channel,
		on:       func(c Config) bool { return c.Slack.On() },
		validate: func(c Config) error { return c.Slack.validate() },
		build:    buildSlack,
	}
}

// buildSlack makes the Slack adapter and mounts its webhooks; auth.test
// (Start) finds the bot's user id before the server takes requests.
func buildSlack(env channelEnv) (channelRun, error) {
	c := env.Config.Slack
	a, err := slack.New(slack.Options{
		BotToken: c.BotToken, SigningSecret: c.SigningSecret, APIURL: c.APIBase(), Command: c.CommandName(),
		Runtime: env.Runtime, Logger: env.Log, StaffChannel: slackStaffChannel(env.Config),
	})
	if err != nil {
		return channelRun{}, &configError{"FARO_SLACK_BOT_TOKEN", err}
	}
	// build gets no context: Start bounds auth.test itself (15 s).
	if err := a.Start(context.Background()); err != nil {
		return channelRun{}, fmt.Errorf("slack (FARO_SLACK_BOT_TOKEN, FARO_SLACK_API_URL): %w", err)
	}
	a.Mount(env.Handle)
	paths := []string{slack.EventsPath, slack.CommandPath}
	if slackStaffChannel(env.Config) != "" {
		paths = append(paths, slack.InteractivePath)
	}
	run := channelRun{Adapter: a, Paths: paths, Mode: "webhook"}
	if slackStaffChannel(env.Config) != "" {
		run.Staff = a
	}
	return run, nil
}

// slackStaffChannel is the staff channel's id when it is on Slack.
func slackStaffChannel(c Config) string { return c.staffChannelOn(slack.Channel) }
