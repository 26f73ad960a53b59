package discordtest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sync/atomic"
	"time"
)

// Bot is one bot's Discord: its user, application, one guild with one
// text channel, the people who write to it, and everything it did.
type Bot struct {
	s *Server
	// Token is the bot token (without "Bot "); User the bot's user;
	// AppID its application's id.
	Token string
	User  User
	AppID string
	// Guild is the bot's server and Channel its text channel.
	Guild, Channel string
	// NoContentIntent makes IDENTIFY with the message content intent
	// fail with close 4014, as when the intent is not enabled in the
	// Developer Portal.
	NoContentIntent bool

	// Guarded by s.mu.
	channels  map[string]*channel
	dms       map[string]*channel // by user id
	messages  []*Message
	byID      map[string]*Message
	calls     []Call
	commands  map[string]json.RawMessage // by guild
	sess      *session
	sessions  int
	resumes   int
	limited   []limit
	events    map[string]json.RawMessage // dispatched person's events, by id
	heartbeat atomic.Int64
	// gateway, when set, is the URL GET /gateway answers the bot.
	gateway string
	// noThreads: starting a thread is 403 Missing Permissions.
	noThreads bool
}

// DenyThreads makes starting a thread fail with 403 Missing Permissions,
// as for a bot without Create Public Threads.
func (b *Bot) DenyThreads() {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	b.noThreads = true
}

// AnnounceGateway makes GET /gateway answer the bot url instead of the
// server's own gateway ("" restores it): to check that a configured
// gateway URL wins over the API's answer.
func (b *Bot) AnnounceGateway(url string) {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	b.gateway = url
}

type limit struct {
	retryAfter float64
	global     bool
}

// NewBot adds a bot with fresh ids: a guild "Faro test" with a text
// channel "general".
func (s *Server) NewBot() *Bot {
	b := &Bot{s: s, channels: map[string]*channel{}, dms: map[string]*channel{}, byID: map[string]*Message{},
		commands: map[string]json.RawMessage{}, events: map[string]json.RawMessage{}}
	b.User = User{ID: s.id(), Username: "faro", Bot: true}
	b.AppID = b.User.ID // Discord gives a bot its application's id
	b.Token = fmt.Sprintf("MTE%s.G%s.test-token", b.User.ID, s.id())
	b.Guild, b.Channel = s.id(), s.id()
	b.channels[b.Channel] = &channel{ID: b.Channel, Guild: b.Guild, Name: "general", Type: TypeText}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bots[b.Token] = b
	s.apps[b.AppID] = b
	return b
}

// AddChannel makes another text channel in the bot's guild (announced
// with CHANNEL_CREATE) and returns its id.
func (b *Bot) AddChannel(name string) string {
	s := b.s
	id := s.id()
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &channel{ID: id, Guild: b.Guild, Name: name, Type: TypeText}
	b.channels[id] = c
	b.dispatchLocked("CHANNEL_CREATE", c.shape())
	return id
}

// Threads are the threads started from messages in channelID, by id.
func (b *Bot) Threads(channelID string) []string {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	var out []string
	for _, c := range b.channels {
		if c.Type == TypePublicThread && c.Parent == channelID {
			out = append(out, c.ID)
		}
	}
	return out
}

// Click makes person click the button customID on the bot's message
// messageID in channelID, and returns the interaction's id.
func (b *Bot) Click(person User, channelID, messageID, customID string) string {
	s := b.s
	s.mu.Lock()
	defer s.mu.Unlock()
	c := b.channels[channelID]
	m := b.byID[messageID]
	if c == nil || m == nil {
		panic("discordtest: no message " + messageID + " in " + channelID)
	}
	id := s.id()
	it := &interaction{bot: b, ID: id, Token: "aW50ZXJhY3Rpb246" + id, Channel: c.ID, Created: time.Now()}
	s.interactions[id] = it
	ev := map[string]any{"id": id, "application_id": b.AppID, "type": 3, "token": it.Token, "version": 1,
		"channel_id": c.ID, "guild_id": c.Guild, "locale": "es-ES", "app_permissions": "0", "channel": c.shape(),
		"message": b.shapeMessage(m, c),
		"member": map[string]any{"user": person.shape(), "roles": []any{}, "permissions": "0",
			"joined_at": time.Now().UTC().Format(time.RFC3339)},
		"data": map[string]any{"custom_id": customID, "component_type": 2}}
	b.events[id] = mustJSON(ev)
	b.dispatchLocked("INTERACTION_CREATE", ev)
	return id
}

// Person is someone writing to the bot.
func (s *Server) Person(name string) User { return User{ID: s.id(), Username: name} }

// Mention is how a message mentions the bot.
func (b *Bot) Mention() string { return "<@" + b.User.ID + ">" }

// AddThread makes a public thread in the bot's channel (announced with
// THREAD_CREATE) and returns its id.
func (b *Bot) AddThread(name string) string {
	s := b.s
	id := s.id()
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &channel{ID: id, Guild: b.Guild, Parent: b.Channel, Name: name, Type: TypePublicThread}
	b.channels[id] = c
	ev := c.shape()
	ev["newly_created"] = true
	b.dispatchLocked("THREAD_CREATE", ev)
	return id
}

// Post makes person write content in the channel (a guild's channel or
// thread) and dispatches its MESSAGE_CREATE; it returns the message id.
func (b *Bot) Post(person User, channelID, content string) string {
	s := b.s
	s.mu.Lock()
	defer s.mu.Unlock()
	c := b.channels[channelID]
	if c == nil {
		panic("discordtest: no channel " + channelID)
	}
	return b.postLocked(person, c, content)
}

// DM makes person write content to the bot in their DM and returns the
// message id; the DM channel is made on first use.
func (b *Bot) DM(person User, content string) string {
	s := b.s
	s.mu.Lock()
	defer s.mu.Unlock()
	return b.postLocked(person, b.dmLocked(person), content)
}

// DMChannel is person's DM channel with the bot.
func (b *Bot) DMChannel(person User) string {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	return b.dmLocked(person).ID
}

func (b *Bot) dmLocked(person User) *channel {
	c := b.dms[person.ID]
	if c == nil {
		c = &channel{ID: b.s.id(), Type: TypeDM, Recipient: person}
		b.dms[person.ID] = c
		b.channels[c.ID] = c
	}
	return c
}

var userMention = regexp.MustCompile(`<@!?([0-9]+)>`)

func (b *Bot) postLocked(person User, c *channel, content string) string {
	id := b.s.id()
	ev := b.messageShape(id, c, person, content)
	b.events[id] = mustJSON(ev)
	b.dispatchLocked("MESSAGE_CREATE", ev)
	return id
}

func (b *Bot) messageShape(id string, c *channel, author User, content string) map[string]any {
	mentions := []any{}
	for _, m := range userMention.FindAllStringSubmatch(content, -1) {
		if m[1] == b.User.ID {
			mentions = append(mentions, b.User.shape())
		}
	}
	ev := map[string]any{"id": id, "channel_id": c.ID, "type": 0, "content": content, "author": author.shape(),
		"timestamp": time.Now().UTC().Format(time.RFC3339Nano), "tts": false, "mention_everyone": false,
		"mentions": mentions, "mention_roles": []any{}, "attachments": []any{}, "embeds": []any{}, "pinned": false, "flags": 0}
	if c.Guild != "" {
		ev["guild_id"] = c.Guild
		ev["member"] = map[string]any{"roles": []any{}, "joined_at": time.Now().UTC().Format(time.RFC3339)}
	}
	return ev
}

// Resend dispatches a person's message again, as a new event (a new
// sequence number) with the same message: Discord's at-least-once.
func (b *Bot) Resend(messageID string) {
	s := b.s
	s.mu.Lock()
	defer s.mu.Unlock()
	ev, ok := b.events[messageID]
	if !ok {
		panic("discordtest: no event " + messageID)
	}
	var m map[string]any
	_ = json.Unmarshal(ev, &m)
	t := "MESSAGE_CREATE"
	if _, ok := m["token"]; ok {
		t = "INTERACTION_CREATE"
	}
	b.dispatchLocked(t, m)
}

// Command makes person use /faro with question in channelID (a guild
// channel or their DM) and returns the interaction's id.
func (b *Bot) Command(person User, channelID, question string) string {
	s := b.s
	s.mu.Lock()
	defer s.mu.Unlock()
	c := b.channels[channelID]
	if c == nil {
		panic("discordtest: no channel " + channelID)
	}
	id := s.id()
	it := &interaction{bot: b, ID: id, Token: "aW50ZXJhY3Rpb246" + id, Channel: c.ID, Created: time.Now()}
	s.interactions[id] = it
	ev := map[string]any{"id": id, "application_id": b.AppID, "type": 2, "token": it.Token, "version": 1,
		"channel_id": c.ID, "locale": "es-ES", "app_permissions": "0",
		"channel": c.shape(),
		"data": map[string]any{"id": b.commandID(), "name": "faro", "type": 1,
			"options": []any{map[string]any{"name": "pregunta", "type": 3, "value": question}}}}
	if c.Guild != "" {
		ev["guild_id"] = c.Guild
		ev["guild_locale"] = "es-ES"
		ev["member"] = map[string]any{"user": person.shape(), "roles": []any{}, "permissions": "0",
			"joined_at": time.Now().UTC().Format(time.RFC3339)}
	} else {
		ev["user"] = person.shape()
	}
	b.events[id] = mustJSON(ev)
	b.dispatchLocked("INTERACTION_CREATE", ev)
	return id
}

func (b *Bot) commandID() string { return b.AppID + "1" }

// Deferred reports whether the interaction got its initial response, of
// which type, and how long after it was created.
func (b *Bot) Deferred(interactionID string) (kind int, after time.Duration) {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	it := b.s.interactions[interactionID]
	if it == nil || it.Acked == 0 {
		return 0, 0
	}
	return it.Acked, it.AckedAt.Sub(it.Created)
}

// ExpireInteraction makes the interaction's token invalid, as after
// fifteen minutes.
func (b *Bot) ExpireInteraction(interactionID string) {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	if it := b.s.interactions[interactionID]; it != nil {
		it.expired = true
	}
}

// RateLimit makes the next n message-sending calls (messages, interaction
// webhooks, threads) answer 429 with retry_after seconds, per route or,
// when global, for the whole bot.
func (b *Bot) RateLimit(n int, retryAfter float64, global bool) {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	for range n {
		b.limited = append(b.limited, limit{retryAfter: retryAfter, global: global})
	}
}

// Messages are the bot's messages in channelID (a thread, a DM, a
// channel; interaction responses included), in order, as they stand.
func (b *Bot) Messages(channelID string) []Message {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	var out []Message
	for _, m := range b.messages {
		if m.ChannelID == channelID {
			c := *m
			c.Versions = append([]string(nil), m.Versions...)
			out = append(out, c)
		}
	}
	return out
}

// AllMessages are all the bot's messages, in order.
func (b *Bot) AllMessages() []Message {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	out := make([]Message, len(b.messages))
	for i, m := range b.messages {
		out[i] = *m
		out[i].Versions = append([]string(nil), m.Versions...)
	}
	return out
}

// IsThread reports whether id is a thread of the bot's guild.
func (b *Bot) IsThread(id string) bool {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	c := b.channels[id]
	return c != nil && c.Type == TypePublicThread
}

// Calls are the REST requests the bot made, in order.
func (b *Bot) Calls() []Call {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	return append([]Call(nil), b.calls...)
}

// Commands is the command set registered in guild, as JSON ("" when
// none).
func (b *Bot) Commands(guild string) string {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	return string(b.commands[guild])
}

// Gateway says how the bot's gateway went: connections identified (new
// sessions), resumed, heartbeats received, and whether it is connected.
func (b *Bot) Gateway() (identified, resumed int, heartbeats int64, connected bool) {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	return b.sessions, b.resumes, b.heartbeat.Load(), b.sess != nil && b.sess.conn != nil
}

func mustJSON(v any) json.RawMessage {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return raw
}
