package main

import (
	"context"
	"log/slog"
	"net/http"
	"slices"

	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/store"
)

// The messaging channels (Telegram, WhatsApp, Slack…) run on one channel
// runtime (channels/relay). Each lives in a file of its own here
// (channel_telegram.go, channel_whatsapp.go, channel_slack.go) with its
// configuration type, its FARO_* settings and how it is wired; adding one
// is a line in each of the three lists below. A channel with no
// configuration is off.

// ChannelsConfig holds the messaging channels' settings, at the top level
// of the YAML file (telegram:, whatsapp:, slack:).
type ChannelsConfig struct {
	Telegram TelegramConfig `yaml:"telegram"`
	Slack    SlackConfig    `yaml:"slack"`
}

// channelSettings are the channels' environment variables.
func channelSettings() []setting {
	return slices.Concat(telegramSettings(), slackSettings())
}

// messagingChannels are the channels faro serve can run, in the order
// they are logged.
func messagingChannels() []messagingChannel {
	return []messagingChannel{telegramChannel(), slackChannel()}
}

// messagingChannel is one channel as faro serve wires it.
type messagingChannel struct {
	// name is the channel's name, as agent.Message.Channel.
	name string
	// on reports whether the configuration turns the channel on.
	on func(c Config) bool
	// validate checks the channel's settings when it is on, naming the
	// setting that is wrong (a *configError).
	validate func(c Config) error
	// build makes the adapter: its outbound side is registered with the
	// runtime, its webhooks mounted with env.Handle.
	build func(env channelEnv) (channelRun, error)
}

// channelEnv is what a channel's build gets.
type channelEnv struct {
	Config Config
	// Runtime accepts verified inbound messages (relay.Acceptor) and
	// records status callbacks (Runtime.Status).
	Runtime *relay.Runtime
	Store   store.Store
	// Handle mounts a webhook on the server, outside the API's key check:
	// the adapter verifies the platform's signature itself.
	Handle func(pattern string, h http.Handler)
	Log    *slog.Logger
}

// channelRun is a built channel.
type channelRun struct {
	// Adapter is the outbound side, registered with the runtime.
	Adapter relay.Adapter
	// Paths are the webhook paths mounted, for the start-up log ("" for a
	// channel that polls).
	Paths []string
	// Run, when set, runs until ctx ends (a long-polling receiver); it is
	// started once the runtime is.
	Run func(ctx context.Context) error
}
