package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/faroai/faro/channels/discord"
)

// DiscordConfig is the Discord bot's settings (FARO_DISCORD_*; in YAML
// under discord:). An empty Token leaves Discord off. The application id
// needs no setting: the gateway's READY names it.
type DiscordConfig struct {
	// Token is the bot's token, Developer Portal › Bot › Reset Token
	// (FARO_DISCORD_TOKEN).
	Token string `yaml:"token"`
	// APIURL is the REST API's base, https://discord.com/api when empty
	// (the API version is added); a local server stands in for Discord
	// in tests and staging (FARO_DISCORD_API_URL).
	APIURL string `yaml:"api_url"`
	// GatewayURL, when set, is the gateway to connect to (ws:// or
	// wss://) instead of the one the API names (FARO_DISCORD_GATEWAY_URL).
	GatewayURL string `yaml:"gateway_url"`
}

func discordSettings() []setting {
	return []setting{
		{"FARO_DISCORD_TOKEN", func(c *Config, v string) error { c.Discord.Token = v; return nil }},
		{"FARO_DISCORD_API_URL", func(c *Config, v string) error { c.Discord.APIURL = v; return nil }},
		{"FARO_DISCORD_GATEWAY_URL", func(c *Config, v string) error { c.Discord.GatewayURL = v; return nil }},
	}
}

// validate checks the settings of a configured channel.
func (c DiscordConfig) validate() error {
	tok := strings.TrimPrefix(strings.TrimSpace(c.Token), "Bot ")
	if strings.ContainsAny(tok, " \t\r\n") || tok == "" {
		return &configError{"FARO_DISCORD_TOKEN", errors.New("is not a bot token (Developer Portal › Bot › Reset Token)")}
	}
	if _, err := discord.APIBase(c.APIURL); err != nil {
		return &configError{"FARO_DISCORD_API_URL", fmt.Errorf("%q is not an http(s) URL like %s", redactURL(c.APIURL), discord.DefaultAPIURL)}
	}
	if c.GatewayURL != "" {
		if u, err := url.Parse(c.GatewayURL); err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
			return &configError{"FARO_DISCORD_GATEWAY_URL", fmt.Errorf("%q is not a ws(s) URL like wss://gateway.discord.gg", redactURL(c.GatewayURL))}
		}
	}
	return nil
}

func discordChannel() messagingChannel {
	return messagingChannel{
		name:     discord.Channel,
		on:       func(c Config) bool { return c.Discord.Token != "" },
		validate: func(c Config) error { return c.Discord.validate() },
		build:    buildDiscord,
	}
}

// buildDiscord makes the Discord adapter: GET /users/@me (Start) checks
// the token before the server takes requests; the gateway session runs
// once the runtime is started.
func buildDiscord(env channelEnv) (channelRun, error) {
	c := env.Config.Discord
	a, err := discord.New(discord.Options{Token: c.Token, APIURL: c.APIURL, GatewayURL: c.GatewayURL,
		StaffChannel: discordStaffChannel(env.Config), Runtime: env.Runtime, Logger: env.Log})
	if err != nil {
		return channelRun{}, &configError{"FARO_DISCORD_TOKEN", err}
	}
	// build gets no context: Start bounds its call itself (15 s).
	if err := a.Start(context.Background()); err != nil {
		return channelRun{}, fmt.Errorf("discord (FARO_DISCORD_TOKEN, FARO_DISCORD_API_URL): %w", err)
	}
	run := channelRun{Adapter: a, Run: a.Run, Mode: "gateway"}
	if discordStaffChannel(env.Config) != "" {
		run.Staff = a
	}
	return run, nil
}

// discordStaffChannel is the staff channel's id when it is on Discord
// (FARO_STAFF_CHANNEL=discord:<channel id>).
func discordStaffChannel(c Config) string { return c.staffChannelOn(discord.Channel) }
