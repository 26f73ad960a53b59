// Package discord is Faro's Discord channel: a bot on Discord's gateway
// (a websocket, through github.com/bwmarrin/discordgo) that answers direct
// messages, and mentions in a server's channels in a thread started from
// the message, plus a /faro slash command registered in every server the
// bot is in; replies go out through the channel runtime (channels/relay).
//
// Inbound, the gateway session identifies with the intents the bot needs
// (guilds, guild messages, direct messages and the privileged message
// content), heartbeats, and resumes after a dropped connection; Discord
// then replays the events the bot missed. Every person's message is handed
// to the runtime (relay.Runtime.Accept) with its message id as the
// platform id, so a replayed or re-sent MESSAGE_CREATE is answered once.
// A /faro interaction is acknowledged at once with a deferred response
// (Discord allows three seconds), then accepted like a message; its answer
// replaces the deferred response and, when long, continues as follow-ups.
// Interactions arrive on the gateway only: the adapter serves no HTTP
// interactions endpoint, so it has no Ed25519 check to make.
//
// Outbound, replies are Discord markdown with mentions neutralised (and
// allowed_mentions empty, so nobody is pinged whatever the text says),
// split under 2,000 characters, posted in the thread, DM or interaction
// they belong to; the typing indicator shows while the model works. A 429
// waits its retry_after (per route or global), a 5xx or a dropped
// connection is retried, any other 4xx is recorded as failed.
//
// With Options.StaffChannel the adapter also hosts the staff channel
// (package staffchat): hand-off summaries with a release button, a
// thread each, staff replies from the thread, /faro take and release
// (see staff.go). The gateway's events of one channel are handled in
// order, channels in parallel (lanes).
//
// discordgo reads Discord's URLs from package variables; [New] sets them
// from Options.APIURL, once per process (see useAPI).
package discord

import "time"

// Channel is the channel's name: agent.Message.Channel and the channel of
// staff identities in FARO_STAFF (discord:<user id>).
const Channel = "discord"

// DefaultAPIURL is Discord's REST API, without the version (discordgo's
// APIVersion is appended).
const DefaultAPIURL = "https://discord.com/api"

// Command is the slash command registered in every server: /faro.
const Command = "faro"

// CommandOption is the command's one option, the question.
const CommandOption = "pregunta"

// MaxPart is the most characters one message holds: Discord's 2,000,
// counted in UTF-16 units, which is never fewer than Discord's own count.
const MaxPart = 2000

// TypingEvery is how often the typing indicator is renewed: Discord shows
// it for ten seconds.
const TypingEvery = 8 * time.Second

// Intents are the gateway intents the bot identifies with: guild metadata
// (GUILD_CREATE, to register the command, and the channels and threads),
// guild and direct messages, and message content, a privileged intent to
// enable in the Developer Portal (Bot › Privileged Gateway Intents).
const Intents = 1<<0 | 1<<9 | 1<<12 | 1<<15
