package main

import (
	"errors"
	"fmt"

	"github.com/faroai/faro/channels/telegram"
)

// TelegramConfig is the Telegram bot's settings (FARO_TELEGRAM_*); an empty
// Token leaves Telegram off.
type TelegramConfig struct {
	// Token is the bot's token from BotFather (FARO_TELEGRAM_TOKEN).
	Token string `yaml:"token"`
	// WebhookSecret is the secret_token given to setWebhook, echoed by
	// Telegram in X-Telegram-Bot-Api-Secret-Token: 1 to 256 of A-Z a-z 0-9
	// _ - (FARO_TELEGRAM_WEBHOOK_SECRET). Required in webhook mode.
	WebhookSecret string `yaml:"webhook_secret"`
	// APIURL is the Bot API's base URL, https://api.telegram.org by
	// default: a local Bot API server, or a test double
	// (FARO_TELEGRAM_API_URL).
	APIURL string `yaml:"api_url"`
	// Mode is webhook (default) or poll: getUpdates, for a bot without a
	// public URL (FARO_TELEGRAM_MODE).
	Mode string `yaml:"mode"`
}

// telegramWebhookPath is where Telegram posts updates (setWebhook's url is
// FARO_PUBLIC_URL + this path).
const telegramWebhookPath = "/webhooks/telegram"

func telegramSettings() []setting {
	return []setting{
		{"FARO_TELEGRAM_TOKEN", func(c *Config, v string) error { c.Telegram.Token = v; return nil }},
		{"FARO_TELEGRAM_WEBHOOK_SECRET", func(c *Config, v string) error { c.Telegram.WebhookSecret = v; return nil }},
		{"FARO_TELEGRAM_API_URL", func(c *Config, v string) error { c.Telegram.APIURL = v; return nil }},
		{"FARO_TELEGRAM_MODE", func(c *Config, v string) error { c.Telegram.Mode = v; return nil }},
	}
}

func telegramChannel() messagingChannel {
	return messagingChannel{
		name: telegram.Channel,
		on:   func(c Config) bool { return c.Telegram.Token != "" },
		validate: func(c Config) error {
			t := c.Telegram
			if !telegram.ValidToken(t.Token) {
				return &configError{"FARO_TELEGRAM_TOKEN", errors.New("not a bot token (123456789:AA…, from BotFather)")}
			}
			switch t.Mode {
			case "", "webhook":
				if !telegram.ValidSecret(t.WebhookSecret) {
					return &configError{"FARO_TELEGRAM_WEBHOOK_SECRET", errors.New("required in webhook mode: 1 to 256 of A-Z a-z 0-9 _ - (the secret_token given to setWebhook)")}
				}
			case "poll":
			default:
				return &configError{"FARO_TELEGRAM_MODE", fmt.Errorf("%q is not webhook or poll", t.Mode)}
			}
			if t.APIURL != "" && !httpURL(t.APIURL) {
				return &configError{"FARO_TELEGRAM_API_URL", fmt.Errorf("%q is not an http(s) URL", redactURL(t.APIURL))}
			}
			return nil
		},
		build: func(env channelEnv) (channelRun, error) {
			t := env.Config.Telegram
			a, err := telegram.New(telegram.Options{
				Token: t.Token, WebhookSecret: t.WebhookSecret, APIURL: t.APIURL, Acceptor: env.Runtime, Logger: env.Log,
			})
			if err != nil {
				return channelRun{}, &configError{"FARO_TELEGRAM_TOKEN", err}
			}
			if t.Mode == "poll" {
				return channelRun{Adapter: a, Run: a.Poll, Mode: "poll (getUpdates)"}, nil
			}
			env.Handle("POST "+telegramWebhookPath, a)
			return channelRun{Adapter: a, Paths: []string{telegramWebhookPath}, Mode: "webhook"}, nil
		},
	}
}
