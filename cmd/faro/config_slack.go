package main

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/faroai/faro/channels/slack"
)

// SlackConfig is the Slack channel's settings, part of Config (the YAML
// keys are at the top level, like every other setting's). The channel is
// off while the bot token and the signing secret are both empty.
type SlackConfig struct {
	// SlackBotToken is the app's Bot User OAuth Token, xoxb-…
	// (FARO_SLACK_BOT_TOKEN).
	SlackBotToken string `yaml:"slack_bot_token"`
	// SlackSigningSecret verifies that requests come from Slack: the
	// app's Signing Secret (FARO_SLACK_SIGNING_SECRET).
	SlackSigningSecret string `yaml:"slack_signing_secret"`
	// SlackAPIURL is the Web API's base, https://slack.com/api/ when
	// empty; a local server stands in for Slack in tests and staging
	// (FARO_SLACK_API_URL).
	SlackAPIURL string `yaml:"slack_api_url"`
	// SlackCommand is the slash command answered, /faro when empty
	// (FARO_SLACK_COMMAND).
	SlackCommand string `yaml:"slack_command"`
}

// slackSettings are the Slack channel's environment variables.
func slackSettings() []setting {
	return []setting{
		{"FARO_SLACK_BOT_TOKEN", func(c *Config, v string) error { c.SlackBotToken = v; return nil }},
		{"FARO_SLACK_SIGNING_SECRET", func(c *Config, v string) error { c.SlackSigningSecret = v; return nil }},
		{"FARO_SLACK_API_URL", func(c *Config, v string) error { c.SlackAPIURL = v; return nil }},
		{"FARO_SLACK_COMMAND", func(c *Config, v string) error { c.SlackCommand = v; return nil }},
	}
}

// SlackOn reports whether the Slack channel is configured.
func (c SlackConfig) SlackOn() bool { return c.SlackBotToken != "" || c.SlackSigningSecret != "" }

// SlackAPIBase is the Web API's base with the trailing slash slack-go
// needs (without it, calls go to …/apichat.postMessage).
func (c SlackConfig) SlackAPIBase() string {
	u := c.SlackAPIURL
	if u == "" {
		u = slack.DefaultAPIURL
	}
	if !strings.HasSuffix(u, "/") {
		u += "/"
	}
	return u
}

// SlackCommandName is the slash command answered.
func (c SlackConfig) SlackCommandName() string {
	if c.SlackCommand == "" {
		return slack.DefaultCommand
	}
	return c.SlackCommand
}

// validateSlack checks the Slack settings: both secrets or neither, an
// http(s) API URL, a command like /faro.
func (c SlackConfig) validateSlack() error {
	if !c.SlackOn() {
		return nil
	}
	switch {
	case c.SlackBotToken == "":
		return &configError{"FARO_SLACK_BOT_TOKEN", errors.New("is required with FARO_SLACK_SIGNING_SECRET (the app's Bot User OAuth Token, xoxb-…)")}
	case c.SlackSigningSecret == "":
		return &configError{"FARO_SLACK_SIGNING_SECRET", errors.New("is required with FARO_SLACK_BOT_TOKEN (the app's Signing Secret, under Basic Information)")}
	case strings.ContainsAny(c.SlackBotToken, " \t\r\n"):
		return &configError{"FARO_SLACK_BOT_TOKEN", errors.New("must not contain spaces")}
	}
	if u, err := url.Parse(c.SlackAPIBase()); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return &configError{"FARO_SLACK_API_URL", fmt.Errorf("%q is not an http(s) URL like https://slack.com/api/", c.SlackAPIURL)}
	}
	if cmd := c.SlackCommandName(); !strings.HasPrefix(cmd, "/") || len(cmd) < 2 || strings.ContainsAny(cmd, " \t\r\n") {
		return &configError{"FARO_SLACK_COMMAND", fmt.Errorf("%q is not a slash command like /faro", c.SlackCommand)}
	}
	return nil
}
