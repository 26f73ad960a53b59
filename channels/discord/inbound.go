package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/store"
)

// incoming is one person's message to the bot, from MESSAGE_CREATE or a
// /faro interaction, before it becomes a relay.Inbound.
type incoming struct {
	// ID is the message's id (the interaction's for a command).
	ID      string
	Channel string
	// Guild is empty in a direct message.
	Guild string
	User  string
	Name  string
	// Text is what the person wrote, the bot's mention removed and
	// Discord's <…> markup read back to what it shows.
	Text string
	At   time.Time
}

// parseMessage reads a MESSAGE_CREATE. bot is the bot's own user id.
// Messages that are not a person's new question to the bot (the bot's
// own, other bots', webhooks', system messages, channel messages that do
// not mention it, no text) give nil and why, for the log.
func parseMessage(m *discordgo.Message, bot string) (*incoming, string) {
	switch {
	case m == nil || m.ID == "" || m.ChannelID == "":
		return nil, "no id or channel"
	case m.Author == nil || m.Author.ID == "":
		return nil, "no author"
	case m.Author.ID == bot:
		return nil, "own message"
	case m.Author.Bot || m.Author.System:
		return nil, "bot message"
	case m.WebhookID != "":
		return nil, "webhook message"
	case m.Type != discordgo.MessageTypeDefault && m.Type != discordgo.MessageTypeReply:
		// Joins, pins, thread created, boosts…: nothing a person asked.
		return nil, "type " + strconv.Itoa(int(m.Type))
	case m.GuildID != "" && !mentions(m, bot):
		return nil, "not mentioned"
	}
	text := plainText(m.Content, m.Mentions, bot)
	if text == "" {
		return nil, "no text"
	}
	at := m.Timestamp
	if at.IsZero() {
		at = snowflakeTime(m.ID)
	}
	return &incoming{ID: m.ID, Channel: m.ChannelID, Guild: m.GuildID, User: m.Author.ID,
		Name: displayName(m.Author, m.Member), Text: text, At: at}, ""
}

// mentions reports whether m mentions the bot (by user, not @everyone).
func mentions(m *discordgo.Message, bot string) bool {
	if bot == "" {
		return false
	}
	for _, u := range m.Mentions {
		if u != nil && u.ID == bot {
			return true
		}
	}
	return strings.Contains(m.Content, "<@"+bot+">") || strings.Contains(m.Content, "<@!"+bot+">")
}

func displayName(u *discordgo.User, m *discordgo.Member) string {
	switch {
	case m != nil && m.Nick != "":
		return m.Nick
	case u == nil:
		return ""
	case u.GlobalName != "":
		return u.GlobalName
	}
	return u.Username
}

// markup is Discord's <…> markup in a message: users <@id> <@!id>, roles
// <@&id>, channels <#id>, custom emoji <:name:id> <a:name:id>, timestamps
// <t:unix:style>, commands </name:id>.
var markup = regexp.MustCompile(`<(@!?|@&|#|a?:[A-Za-z0-9_~-]{1,32}:|t:|/[^:<>]{1,100}:)(-?[0-9]{1,20})(:[tTdDfFR])?>`)

// plainText reads a message's text as the person meant it: the bot's
// mention removed, other mentions as @name, #channel, @role, custom emoji
// as :name:, timestamps as dates, whitespace collapsed.
func plainText(s string, users []*discordgo.User, bot string) string {
	names := map[string]string{}
	for _, u := range users {
		if u != nil && u.ID != "" {
			names[u.ID] = displayName(u, nil)
		}
	}
	out := markup.ReplaceAllStringFunc(s, func(m string) string {
		g := markup.FindStringSubmatch(m)
		kind, id := g[1], g[2]
		switch {
		case kind == "@" || kind == "@!":
			if id == bot {
				return ""
			}
			if n := names[id]; n != "" {
				return "@" + n
			}
			return "@" + id
		case kind == "@&":
			return "@role"
		case kind == "#":
			return "#channel"
		case kind == "t:":
			sec, err := strconv.ParseInt(id, 10, 64)
			if err != nil {
				return m
			}
			return time.Unix(sec, 0).UTC().Format("2006-01-02 15:04 UTC")
		case strings.HasPrefix(kind, "/"):
			return kind
		}
		// :name: of a custom emoji.
		return strings.TrimPrefix(kind, "a")
	})
	return strings.Join(strings.Fields(out), " ")
}

// discordEpoch is when Discord's snowflake ids start, in Unix ms.
const discordEpoch = 1420070400000

// snowflakeTime is when a Discord id was made; zero if s is not one.
func snowflakeTime(s string) time.Time {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n == 0 {
		return time.Time{}
	}
	return time.UnixMilli(int64(n>>22) + discordEpoch).UTC()
}

// onMessage answers a person's message: a DM in the DM, a mention in a
// server in a thread (the one it was in, or one started from it).
func (a *Adapter) onMessage(s *discordgo.Session, e *discordgo.MessageCreate) {
	if e.Message == nil {
		return
	}
	a.work.run(e.ChannelID, func() { a.message(s, e) })
}

// message handles one MESSAGE_CREATE, on its channel's lane.
func (a *Adapter) message(s *discordgo.Session, e *discordgo.MessageCreate) {
	if a.staffMessage(s, e.Message) {
		return
	}
	m, why := parseMessage(e.Message, a.BotUser())
	if m == nil {
		if e.Message != nil && e.Author != nil && e.Author.ID != a.BotUser() {
			a.log.Debug("discord: message ignored", "why", why, "message_id", e.ID)
		}
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	addr := address{Channel: m.Channel, Guild: m.Guild, Message: m.ID, User: m.User}
	chat := m.Channel
	if m.Guild != "" {
		// Each thread is a conversation of its own. A thread started from
		// a message takes the message's id, so a mention in a channel is
		// already the conversation of the thread its answer opens.
		if a.isThread(ctx, s, m.Channel) {
			addr.Thread = m.Channel
		} else {
			addr.NewThread = true
			addr.ThreadName = threadName(m.Text)
			chat = m.ID
		}
	}
	a.accept(ctx, m, chat, m.ID, addr)
}

// isThread reports whether channel is a thread: from the gateway's state
// (GUILD_CREATE, THREAD_CREATE), else asked of the API; a channel it
// cannot tell is taken for a channel (the reply then starts a thread,
// or answers in place if Discord refuses one).
func (a *Adapter) isThread(ctx context.Context, s *discordgo.Session, channel string) bool {
	if s.State != nil {
		if c, err := s.State.Channel(channel); err == nil {
			return c.IsThread()
		}
	}
	c, err := s.Channel(channel, discordgo.WithContext(ctx))
	if err != nil {
		a.log.Warn("discord: channel type unknown; answering as in a channel", "channel", channel, "err", err)
		return false
	}
	return c.IsThread()
}

// threadName names a thread after the question: Discord takes 1 to 100
// characters.
func threadName(q string) string {
	q = strings.TrimSpace(q)
	if utf8.RuneCountInString(q) > 80 {
		q = strings.TrimSpace(string([]rune(q)[:79])) + "…"
	}
	if q == "" {
		q = "Faro"
	}
	return q
}

// accept hands a message to the runtime. It reports whether the message
// is stored (or was already): false means it is lost unless Discord sends
// it again, which is logged as an error.
func (a *Adapter) accept(ctx context.Context, m *incoming, chat, platformID string, addr address) bool {
	raw, err := json.Marshal(addr)
	if err != nil {
		a.log.Error("discord: address", "err", err)
		return false
	}
	in := relay.Inbound{
		Message: agent.Message{
			Channel: Channel, PlatformID: platformID, ChatID: chat,
			Sender:     store.Identity{Channel: Channel, ExternalID: m.User},
			SenderName: m.Name, Text: m.Text, ReceivedAt: m.At,
		},
		Address: raw,
	}
	accepted, err := a.runtime.Accept(ctx, in)
	log := a.log.With("platform_id", platformID, "channel_id", m.Channel)
	switch {
	case errors.Is(err, agent.ErrInvalidMessage) || errors.Is(err, relay.ErrUnknownChannel):
		log.Warn("discord: message not accepted", "err", err)
		return false
	case err != nil:
		log.Error("discord: message not stored", "err", err)
		return false
	case !accepted:
		log.Info("discord: re-sent event ignored")
	default:
		log.Debug("discord: accepted")
	}
	return true
}

// register makes /faro the guild's command set (a bulk overwrite, which
// is idempotent), once per guild and process.
func (a *Adapter) register(app, guild string) {
	if app == "" {
		a.log.Warn("discord: no application id yet; /faro not registered", "guild", guild)
		return
	}
	a.mu.Lock()
	done := a.registered[guild]
	a.registered[guild] = true
	a.mu.Unlock()
	if done {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := a.s.ApplicationCommandBulkOverwrite(app, guild, []*discordgo.ApplicationCommand{command()}, discordgo.WithContext(ctx)); err != nil {
		a.mu.Lock()
		delete(a.registered, guild)
		a.mu.Unlock()
		a.log.Error("discord: /faro not registered", "guild", guild, "err", err)
		return
	}
	a.log.Info("discord: /faro registered", "guild", guild)
}

// command is /faro <pregunta>, described in Spanish and English.
func command() *discordgo.ApplicationCommand {
	return &discordgo.ApplicationCommand{
		Name:        Command,
		Type:        discordgo.ChatApplicationCommand,
		Description: "Pregunta a Faro",
		DescriptionLocalizations: &map[discordgo.Locale]string{
			discordgo.EnglishUS: "Ask Faro", discordgo.EnglishGB: "Ask Faro", discordgo.PortugueseBR: "Pergunte ao Faro",
		},
		Options: []*discordgo.ApplicationCommandOption{{
			Type: discordgo.ApplicationCommandOptionString, Name: CommandOption, Required: true, MaxLength: agent.MaxTextRunes,
			Description: "Tu pregunta",
			NameLocalizations: map[discordgo.Locale]string{
				discordgo.EnglishUS: "question", discordgo.EnglishGB: "question", discordgo.PortugueseBR: "pergunta",
			},
			DescriptionLocalizations: map[discordgo.Locale]string{
				discordgo.EnglishUS: "Your question", discordgo.EnglishGB: "Your question", discordgo.PortugueseBR: "Sua pergunta",
			},
		}},
	}
}

// parseInteraction reads an INTERACTION_CREATE: a /faro command gives the
// question; anything else nil and why. A /faro without a question gives
// an incoming with no text.
func parseInteraction(i *discordgo.Interaction, bot string) (*incoming, string) {
	switch {
	case i == nil || i.ID == "" || i.Token == "":
		return nil, "no id or token"
	case i.Type != discordgo.InteractionApplicationCommand:
		return nil, "interaction type " + strconv.Itoa(int(i.Type))
	case i.ChannelID == "":
		return nil, "no channel"
	}
	d, ok := i.Data.(discordgo.ApplicationCommandInteractionData)
	if !ok || d.Name != Command {
		return nil, "another command"
	}
	u := i.User
	var member *discordgo.Member
	if i.Member != nil {
		member = i.Member
		if u == nil {
			u = i.Member.User
		}
	}
	if u == nil || u.ID == "" {
		return nil, "no user"
	}
	if u.Bot || u.ID == bot {
		return nil, "bot user"
	}
	q := ""
	for _, o := range d.Options {
		if o != nil && o.Name == CommandOption && o.Type == discordgo.ApplicationCommandOptionString {
			if s, ok := o.Value.(string); ok {
				q = s
			}
		}
	}
	var users []*discordgo.User
	if d.Resolved != nil {
		for _, ru := range d.Resolved.Users {
			users = append(users, ru)
		}
	}
	return &incoming{ID: i.ID, Channel: i.ChannelID, Guild: i.GuildID, User: u.ID, Name: displayName(u, member),
		Text: plainText(q, users, bot), At: snowflakeTime(i.ID)}, ""
}

// onInteraction answers /faro: the deferred response first (Discord
// allows three seconds, and a turn may take longer), then the question
// is accepted like a message; its answer edits the deferred response.
func (a *Adapter) onInteraction(s *discordgo.Session, e *discordgo.InteractionCreate) {
	if e.Interaction == nil {
		return
	}
	// Each interaction at once: its three seconds wait for nothing else.
	a.work.run("interaction/"+e.ID, func() { a.interaction(s, e) })
}

// interaction handles one INTERACTION_CREATE.
func (a *Adapter) interaction(s *discordgo.Session, e *discordgo.InteractionCreate) {
	if a.staffInteraction(s, e.Interaction) {
		return
	}
	m, why := parseInteraction(e.Interaction, a.BotUser())
	if m == nil {
		a.log.Debug("discord: interaction ignored", "why", why)
		return
	}
	i := e.Interaction
	rctx, cancel := context.WithTimeout(context.Background(), 2500*time.Millisecond)
	defer cancel()
	if m.Text == "" {
		a.respond(rctx, s, i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{Content: "/" + Command + " <" + CommandOption + " | question>",
				Flags: discordgo.MessageFlagsEphemeral, AllowedMentions: noMentions()}})
		return
	}
	if !a.respond(rctx, s, i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}) {
		// Already acknowledged: a re-sent event, which Accept recognises.
		a.log.Debug("discord: interaction already acknowledged", "interaction", i.ID)
	}
	addr := address{Channel: m.Channel, Guild: m.Guild, User: m.User, App: i.AppID, Token: i.Token,
		Interaction: i.ID, Question: m.Text}
	chat := m.Channel + "/" + m.User
	if m.Guild == "" {
		chat = m.Channel
	}
	ctx, cancel2 := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel2()
	if a.accept(ctx, m, chat, "cmd/"+i.ID, addr) {
		return
	}
	// Not stored: say so in place of "thinking…".
	note := "⚠️ No pude recibir tu pregunta; inténtalo de nuevo en un momento. / I could not take your question; please try again in a moment."
	if _, err := s.InteractionResponseEdit(i, &discordgo.WebhookEdit{Content: &note, AllowedMentions: noMentions()},
		discordgo.WithContext(ctx)); err != nil {
		a.log.Warn("discord: interaction not answered", "interaction", i.ID, "err", err)
	}
}

// respond sends an interaction's initial response; false when Discord
// says it was acknowledged already. Other failures are logged: the
// answer then falls back to a message in the channel (Deliver).
func (a *Adapter) respond(ctx context.Context, s *discordgo.Session, i *discordgo.Interaction, r *discordgo.InteractionResponse) bool {
	err := s.InteractionRespond(i, r, discordgo.WithContext(ctx))
	if err == nil {
		return true
	}
	if restCode(err) == discordgo.ErrCodeInteractionHasAlreadyBeenAcknowledged {
		return false
	}
	a.log.Warn("discord: interaction response failed", "interaction", i.ID, "err", fmt.Errorf("discord: interaction callback: %w", err))
	return true
}

// restCode is the Discord error code of a REST error, or 0.
func restCode(err error) int {
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Message != nil {
		return re.Message.Code
	}
	return 0
}
