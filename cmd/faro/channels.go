package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/staffchat"
	"github.com/faroai/faro/store"
)

// The messaging channels (Telegram, WhatsApp, Slack, Discord…) run on one
// channel runtime (channels/relay). Each lives in a file of its own here
// (channel_telegram.go, channel_whatsapp.go, channel_slack.go…) with its
// configuration type, its FARO_* settings and how it is wired; adding one
// is a line in each of the three lists below. A channel with no
// configuration is off. Webhooks are mounted under /webhooks/<channel>.

// ChannelsConfig holds the messaging channels' settings, at the top level
// of the YAML file (telegram:, whatsapp:, slack:, discord:).
type ChannelsConfig struct {
	Telegram TelegramConfig `yaml:"telegram"`
	WhatsApp WhatsAppConfig `yaml:"whatsapp"`
	Slack    SlackConfig    `yaml:"slack"`
	// Mattermost is under mattermost: in YAML.
	Mattermost MattermostConfig `yaml:"mattermost"`
	Discord    DiscordConfig    `yaml:"discord"`
}

// channelSettings are the channels' environment variables.
func channelSettings() []setting {
	return slices.Concat(telegramSettings(), whatsappSettings(), slackSettings(), mattermostSettings(), discordSettings(),
		staffChannelSettings())
}

// messagingChannels are the channels faro serve can run, in the order
// they are logged.
func messagingChannels() []messagingChannel {
	return []messagingChannel{telegramChannel(), whatsappChannel(), slackChannel(), mattermostChannel(), discordChannel()}
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
	// Paths are the webhook paths mounted, for the start-up log.
	Paths []string
	// Mode says how it receives, for the log: "webhook", "poll…".
	Mode string
	// Run, when set, runs until ctx ends (a long-polling receiver); it is
	// started once the runtime is.
	Run func(ctx context.Context) error
	// Staff is the staff channel's platform when FARO_STAFF_CHANNEL is on
	// this channel (staffchannel.go); nil otherwise.
	Staff staffchat.Platform
}

// channelsOn reports whether any messaging channel is configured.
func channelsOn(c Config) bool {
	return slices.ContainsFunc(messagingChannels(), func(ch messagingChannel) bool { return ch.on(c) })
}

// validateChannels checks the settings of the channels that are on.
func (c Config) validateChannels() error {
	for _, ch := range messagingChannels() {
		if ch.on(c) {
			if err := ch.validate(c); err != nil {
				return err
			}
		}
	}
	return c.validateStaffChannel()
}

func httpURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// startChannels builds the channels that are on over one runtime, mounts
// their webhooks and starts the runtime's workers (resuming the jobs a
// previous process left) and the pollers. With no channel on, nothing
// runs and no job table is made.
func (m *Main) startChannels(ctx context.Context) error {
	var on []messagingChannel
	var off []string
	for _, ch := range messagingChannels() {
		if ch.on(m.Config) {
			on = append(on, ch)
		} else {
			off = append(off, ch.name)
		}
	}
	if len(on) == 0 {
		m.Log.Info("messaging channels: none configured", "off", off)
		return nil
	}
	jobs, closeJobs, err := m.openJobs(ctx)
	if err != nil {
		return err
	}
	opts := relay.Options{
		Agent: m.Handoff.Watch(m.turns()), Store: m.Store, Jobs: jobs, Logger: m.Log,
		OnDeliveryFunc: m.Metrics.ObserveDelivery,
	}
	if m.EditRelay != nil {
		m.EditRelay(&opts)
	}
	rt, err := relay.New(opts)
	if err != nil {
		closeJobs()
		return err
	}
	var runs []func(context.Context) error
	for _, ch := range on {
		run, err := ch.build(channelEnv{Config: m.Config, Runtime: rt, Store: m.Store, Handle: m.server.Handle, Log: m.Log})
		if err == nil {
			err = rt.Register(run.Adapter)
		}
		if err != nil {
			closeJobs()
			return fmt.Errorf("channel %s: %w", ch.name, err)
		}
		if run.Run != nil {
			runs = append(runs, run.Run)
		}
		if sc, ok, err := m.staffChannel(ch.name, run.Staff); ok || err != nil {
			if err != nil {
				closeJobs()
				return err
			}
			runs = append(runs, sc.Run)
		}
		if _, ok := run.Adapter.(relay.Addresser); ok {
			// Staff replies reach the person through the runtime's jobs.
			m.Handoff.Register(ch.name, rt)
		}
		m.Log.Info("channel on", "channel", ch.name, "mode", run.Mode, "webhook", pathsOf(m.Config, run.Paths))
	}
	if len(off) > 0 {
		m.Log.Info("channels off (not configured)", "channels", off)
	}
	if err := rt.Start(ctx); err != nil {
		closeJobs()
		return err
	}
	m.Relay = rt
	pctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, run := range runs {
		wg.Go(func() {
			if err := run(pctx); err != nil {
				m.Log.Error("channel receiver stopped", "err", err)
			}
		})
	}
	m.stopChannels = func(ctx context.Context) error {
		cancel()
		wg.Wait()
		err := rt.Stop(ctx)
		closeJobs()
		return err
	}
	return nil
}

// pathsOf is a channel's webhook URLs, for the log.
func pathsOf(c Config, paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = c.PublicBase() + p
	}
	return out
}

// openJobs opens the runtime's job database: a jobs.db beside the
// embedded store, or the PostgreSQL database.
func (m *Main) openJobs(ctx context.Context) (relay.Jobs, func(), error) {
	if m.Config.DatabaseURL != "" {
		cfg, err := pgxpool.ParseConfig(m.Config.DatabaseURL)
		if err != nil {
			return relay.Jobs{}, nil, &configError{"FARO_DATABASE_URL", err}
		}
		if !strings.Contains(m.Config.DatabaseURL, "pool_max_conns") {
			cfg.MaxConns = 4 // the jobs' own queries are few and short
		}
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			return relay.Jobs{}, nil, fmt.Errorf("channel jobs on PostgreSQL (FARO_DATABASE_URL): %w", err)
		}
		return relay.PostgresJobs(pool), pool.Close, nil
	}
	db, err := relay.OpenSQLite(filepath.Join(m.Config.DataDir, "jobs.db"))
	if err != nil {
		return relay.Jobs{}, nil, fmt.Errorf("channel jobs (FARO_DATA_DIR): %w", err)
	}
	return relay.SQLiteJobs(db), func() {
		if err := db.Close(); err != nil {
			m.Log.Warn("close the jobs database", "err", errors.Unwrap(err))
		}
	}, nil
}
