// Package mattermost is Faro's Mattermost channel: a bot account's
// websocket event stream (direct messages, and posts that mention the bot
// in a channel) and, for installations that prefer them, outgoing webhooks
// and a slash command over HTTP, in; replies in the thread of the post
// they answer, out; through the channel runtime (channels/relay). The
// REST and websocket calls are package mmapi's.
//
// Inbound from the websocket ([Adapter.Run]), a posted event is a person's
// message when it is not the bot's own post, another bot's, an incoming
// webhook's or a system post; it is answered when it is in a direct
// message with the bot or mentions it. The post id is the platform id, so
// an event seen twice (a resumed connection replaying it, an outgoing
// webhook for the same post) is answered once; an event the runtime could
// not store is received again (the connection resumes from it). When the
// server cannot resume a connection (it restarted), the posts made since
// the last one seen are fetched from the bot's channels and handled the
// same way.
//
// Inbound over HTTP ([Adapter.ServeHTTP], under WebhookPath), the request's
// token (the form's or JSON's token field, or Authorization: Token) must
// be one of the configured ones, compared in constant time; otherwise 401
// and nothing is stored. A verified request is stored as a job and
// answered at once: an outgoing webhook with an empty JSON object (the
// reply follows as the bot's post in the thread), a slash command with an
// ephemeral note to its author (the reply follows as the bot's post in
// the channel, quoting the command).
//
// Outbound, replies are Markdown as Mattermost renders it, with @-mentions
// neutralised so a model cannot notify @channel or a person, split at
// 16,383 characters, posted with POST /api/v4/posts and root_id; while the
// model works the bot shows as typing in the thread. A 429 waits what the
// server's limiter asked, a 5xx or a timeout is retried, another 4xx is
// recorded as failed.
package mattermost

import "time"

// Channel is the channel's name: agent.Message.Channel and the channel of
// staff identities in FARO_STAFF (mattermost:<user id>).
const Channel = "mattermost"

// WebhookPath is where Mattermost's outgoing webhooks and slash commands
// post.
const WebhookPath = "/webhooks/mattermost"

// DefaultCommand is the slash command answered by default.
const DefaultCommand = "/faro"

// MaxPart is the most characters one post of a reply holds: Mattermost's
// limit for a post's message (PostMessageMaxRunesV2).
const MaxPart = 16383

// MaxBody is the largest webhook request read: a post is at most 16,383
// characters, which with the other fields and escaping fits in 256 KiB.
const MaxBody = 256 << 10

// DefaultTypingEvery is how often the typing indicator is sent while the
// model works: Mattermost's clients show it for about five seconds.
const DefaultTypingEvery = 4 * time.Second
