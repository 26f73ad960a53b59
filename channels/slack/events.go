package slack

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The Events API's outer types this adapter acts on.
const (
	typeURLVerification = "url_verification"
	typeEventCallback   = "event_callback"
)

// The inner event types it answers: a mention of the bot in a channel, and
// a message in the bot's direct messages (message.im).
const (
	eventAppMention = "app_mention"
	eventMessage    = "message"
	channelTypeIM   = "im"
)

// envelope is the outer Events API payload, with the fields the adapter
// reads. It is decoded here rather than with slackevents.ParseEvent,
// whose inner types decode every block kind Slack has: a block type newer
// than the library would fail a message this adapter only needs the text
// of.
type envelope struct {
	Type      string      `json:"type"`
	Challenge string      `json:"challenge"`
	TeamID    string      `json:"team_id"`
	EventID   string      `json:"event_id"`
	EventTime int64       `json:"event_time"`
	Event     *innerEvent `json:"event"`
}

// innerEvent is an app_mention or message event.
type innerEvent struct {
	Type        string          `json:"type"`
	Subtype     string          `json:"subtype"`
	User        string          `json:"user"`
	BotID       string          `json:"bot_id"`
	Text        string          `json:"text"`
	TS          string          `json:"ts"`
	ThreadTS    string          `json:"thread_ts"`
	Channel     string          `json:"channel"`
	ChannelType string          `json:"channel_type"`
	Edited      json.RawMessage `json:"edited"`
}

// incoming is one person's message to the bot, from an event or a slash
// command, before it becomes a relay.Inbound.
type incoming struct {
	// EventID is the Events API's event_id; for a slash command, its
	// trigger_id.
	EventID string
	// Kind is app_mention, message or command.
	Kind    string
	Team    string
	Channel string
	// IM is a direct message with the bot.
	IM   bool
	User string
	// Text is what the person wrote, the bot's mention removed and
	// Slack's markup read back to plain text.
	Text string
	// TS is the message's ts (empty for a slash command) and ThreadTS the
	// thread it was posted in, if any.
	TS, ThreadTS string
	// At is when Slack received it.
	At time.Time
}

// parsed is what one Events API request asks of the adapter: to echo a
// challenge, to answer a message, or nothing (Ignored says why, for the
// log).
type parsed struct {
	Challenge string
	Message   *incoming
	Ignored   string
	// InChannel is a person's message in a channel (message.channels),
	// which the bot does not answer: the staff channel's threads read
	// them (see staff.go). Ignored says why it is not a Message.
	InChannel *incoming
	// Mentioned: the text began with the bot's mention.
	Mentioned bool
}

// personSubtypes are the message subtypes that are still a person's new
// message: with a file attached (its text is answered), or a thread
// reply also sent to the channel.
var personSubtypes = map[string]bool{"file_share": true, "thread_broadcast": true}

// errBadEvent is a body that is not an Events API payload.
var errBadEvent = errors.New("slack: not an Events API payload")

// parseEvent reads a verified Events API body. botUser is the bot's own
// user id (auth.test), whose messages and mentions are not a person's.
// Events that are not a person's new message to the bot (edits, joins,
// deletions, other bots, channel messages that do not mention it) are
// ignored, not errors: Slack must get its 200 for them too.
func parseEvent(body []byte, botUser string) (parsed, error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return parsed{}, fmt.Errorf("%w: %w", errBadEvent, err)
	}
	switch env.Type {
	case typeURLVerification:
		if env.Challenge == "" {
			return parsed{}, fmt.Errorf("%w: url_verification without a challenge", errBadEvent)
		}
		return parsed{Challenge: env.Challenge}, nil
	case typeEventCallback:
	case "":
		return parsed{}, fmt.Errorf("%w: no type", errBadEvent)
	default:
		// app_rate_limited and outer types added later.
		return parsed{Ignored: "outer type " + env.Type}, nil
	}
	e := env.Event
	if e == nil {
		return parsed{}, fmt.Errorf("%w: event_callback without an event", errBadEvent)
	}
	if env.EventID == "" {
		return parsed{}, fmt.Errorf("%w: event_callback without an event_id", errBadEvent)
	}
	inChannel := false
	switch {
	case e.Type != eventAppMention && e.Type != eventMessage:
		return parsed{Ignored: "event " + e.Type}, nil
	case e.Type == eventMessage && e.ChannelType != channelTypeIM:
		// Channel messages that mention the bot arrive as app_mention;
		// the others only matter in the staff channel.
		inChannel = true
	}
	switch {
	case e.Subtype != "" && !personSubtypes[e.Subtype]:
		// message_changed, message_deleted, channel_join, bot_message…:
		// nothing new a person asked.
		return parsed{Ignored: "subtype " + e.Subtype}, nil
	case len(e.Edited) > 0 && string(e.Edited) != "null":
		return parsed{Ignored: "edited"}, nil
	case e.BotID != "":
		return parsed{Ignored: "bot message"}, nil
	case e.User == "" || (botUser != "" && e.User == botUser):
		return parsed{Ignored: "own message"}, nil
	case e.Channel == "" || e.TS == "":
		return parsed{}, fmt.Errorf("%w: %s without channel or ts", errBadEvent, e.Type)
	}
	text := plainText(e.Text, botUser)
	if text == "" {
		return parsed{Ignored: "no text"}, nil
	}
	at := tsTime(e.TS)
	if at.IsZero() && env.EventTime > 0 {
		at = time.Unix(env.EventTime, 0)
	}
	m := &incoming{
		EventID: env.EventID, Kind: e.Type, Team: env.TeamID,
		Channel: e.Channel, IM: e.ChannelType == channelTypeIM || strings.HasPrefix(e.Channel, "D"),
		User: e.User, Text: text, TS: e.TS, ThreadTS: e.ThreadTS, At: at,
	}
	mentioned := botUser != "" && strings.HasPrefix(strings.TrimSpace(e.Text), "<@"+botUser)
	if inChannel {
		return parsed{Ignored: "message outside a direct message", InChannel: m, Mentioned: mentioned}, nil
	}
	return parsed{Message: m, Mentioned: mentioned}, nil
}

// tsTime reads a Slack ts ("1700000000.000100"): seconds and
// microseconds. Zero when it is not one.
func tsTime(ts string) time.Time {
	sec, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil || s <= 0 {
		return time.Time{}
	}
	var us int64
	if frac != "" {
		if len(frac) > 6 {
			frac = frac[:6]
		}
		u, err := strconv.ParseInt(frac+strings.Repeat("0", 6-len(frac)), 10, 64)
		if err == nil {
			us = u
		}
	}
	return time.Unix(s, us*1000).UTC()
}

// plainText reads a message's text as the person meant it: the bot's
// mention removed, Slack's <…> markup turned into what it displays (a
// user as @U123, a channel as #name, a link as its label and address),
// and the three entities Slack escapes (&amp; &lt; &gt;) unescaped.
func plainText(s, botUser string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(s)
			break
		}
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		b.WriteString(readMarkup(s[i+1:i+j], botUser))
		s = s[i+j+1:]
	}
	out := strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(b.String())
	return strings.Join(strings.Fields(out), " ")
}

// readMarkup is what one <…> of Slack markup displays; the bot's own
// mention displays as nothing.
func readMarkup(m, botUser string) string {
	target, label, hasLabel := strings.Cut(m, "|")
	switch {
	case strings.HasPrefix(target, "@"):
		if botUser != "" && target[1:] == botUser {
			return ""
		}
		if hasLabel && label != "" {
			return "@" + label
		}
		return target
	case strings.HasPrefix(target, "#"):
		if hasLabel && label != "" {
			return "#" + label
		}
		return target
	case strings.HasPrefix(target, "!"):
		// <!here>, <!channel>, <!subteam^ID|@team>, <!date^…|fallback>.
		if hasLabel && label != "" {
			return label
		}
		return "@" + strings.TrimPrefix(target, "!")
	case hasLabel && label != "" && label != target && strings.TrimPrefix(target, "mailto:") != label:
		return label + " (" + target + ")"
	case hasLabel && label != "":
		return label
	}
	return target
}
