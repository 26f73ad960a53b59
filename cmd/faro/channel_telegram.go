package main

import "errors"

// errNotBuilt: the Telegram adapter is not wired yet.
var errNotBuilt = errors.New("telegram: not built yet")

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
		name:     "telegram",
		on:       func(c Config) bool { return c.Telegram.Token != "" },
		validate: func(Config) error { return nil },
		build:    func(channelEnv) (channelRun, error) { return channelRun{}, errNotBuilt },
	}
}
