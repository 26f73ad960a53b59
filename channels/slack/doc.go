// Package slack is Faro's Slack channel: the Events API (mentions of the
// bot in channels, direct messages) and a slash command in, replies in
// the thread they came from out, through the channel runtime
// (channels/relay).
//
// Inbound, every request is verified with the app's signing secret (v0
// HMAC-SHA256 over the timestamp and the raw body, five-minute window,
// constant time) before anything is read; a request that fails gets 401
// and nothing is stored. A verified message is handed to the runtime
// (relay.Runtime.Accept), which stores it as a job, and acknowledged:
// the model never runs before Slack has its 200, well within its three
// seconds. Re-deliveries (X-Slack-Retry-Num) and the app_mention and
// message.im of one post are recognised by the message key, (channel,
// ts), and answered once.
//
// Outbound, replies are rendered in mrkdwn with & < > escaped (a model
// cannot ping @channel), split at MaxPart characters, and posted with
// chat.postMessage; while the model writes, one preview message is
// edited with chat.update, since Slack has no typing indicator for bots.
// A 429 waits its Retry-After, a 5xx is retried, an error Slack will
// repeat (invalid_auth, channel_not_found…) is recorded as failed.
package slack

import "time"

// Channel is the channel's name: agent.Message.Channel and the channel of
// staff identities in FARO_STAFF (slack:U123).
const Channel = "slack"

// The webhook paths: the Events API request URL and the slash command's.
const (
	EventsPath  = "/webhooks/slack/events"
	CommandPath = "/webhooks/slack/command"
)

// DefaultAPIURL is Slack's Web API.
const DefaultAPIURL = "https://slack.com/api/"

// DefaultCommand is the slash command answered by default.
const DefaultCommand = "/faro"

// DefaultPreviewEvery is how often the streamed preview is edited (see
// Adapter.PreviewEvery).
const DefaultPreviewEvery = 2 * time.Second

// DefaultResponseURLPrefix is where Slack's slash command response_urls
// point.
const DefaultResponseURLPrefix = "https://hooks.slack.com/"
