package discord

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/staffchat"
	"github.com/faroai/faro/store"
)

// The staff channel (Options.StaffChannel): the adapter implements
// staffchat.Platform. A conversation handed to a person is posted there
// as a summary with a "Release to the bot" button, and a thread is
// started from it; what staff write in the thread, /faro take and /faro
// release (the slash command, or a message mentioning the bot), and the
// button go to the staffchat handler. Its answer is ephemeral for the
// command and the button (a deferred ephemeral response, then edited); a
// message in a thread gets it as a reply in the thread, since Discord has
// no ephemeral messages outside interactions.

// releaseButton starts the release button's custom_id; the conversation
// follows it.
const releaseButton = "faro_release:"

// staffTimeout bounds an interaction's first response: Discord wants it
// within three seconds.
const staffTimeout = 2500 * time.Millisecond

// Name implements staffchat.Platform.
func (a *Adapter) Name() string { return Channel }

// Route implements staffchat.Platform.
func (a *Adapter) Route(h staffchat.Handler) { a.staff.Store(&h) }

func (a *Adapter) staffHandler() staffchat.Handler {
	if h := a.staff.Load(); h != nil && a.staffChannel != "" {
		return *h
	}
	return nil
}

// Open implements staffchat.Platform: the summary, with the release
// button, in the staff channel, and a thread started from it (the
// thread's id is the summary's).
func (a *Adapter) Open(ctx context.Context, channel string, s staffchat.Summary) (string, error) {
	m, err := a.s.ChannelMessageSendComplex(channel, &discordgo.MessageSend{
		Content: summaryText(s), AllowedMentions: noMentions(),
		Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{Label: "Release to the bot", Style: discordgo.SecondaryButton, CustomID: releaseButton + s.ConversationID},
		}}},
	}, discordgo.WithContext(ctx))
	if err != nil {
		return "", classify("post the summary", err)
	}
	who := s.Name
	if who == "" {
		who = s.Channel
	}
	c, err := a.s.MessageThreadStartComplex(channel, m.ID, &discordgo.ThreadStart{
		Name: threadName(who + " · " + s.ConversationID[:min(8, len(s.ConversationID))]), AutoArchiveDuration: 10080,
	}, discordgo.WithContext(ctx))
	switch {
	case err == nil && c != nil && c.ID != "":
		return c.ID, nil
	case restCode(err) == discordgo.ErrCodeThreadAlreadyCreatedForThisMessage:
		return m.ID, nil
	case err == nil:
		return "", fmt.Errorf("discord: start the staff thread: no thread in the answer")
	}
	return "", classify("start the staff thread", err)
}

// Post implements staffchat.Platform: text, escaped, in the thread (a
// thread is a channel), split under the limit.
func (a *Adapter) Post(ctx context.Context, channel, thread, text string) error {
	to := thread
	if to == "" {
		to = channel
	}
	for _, part := range relay.Split(escape(text), MaxPart, relay.UTF16) {
		if _, err := a.post(ctx, to, part, nil); err != nil {
			return err
		}
	}
	return nil
}

// summaryText is the summary in Discord markdown, every value escaped,
// within one message.
func summaryText(s staffchat.Summary) string {
	return staffchat.SummaryText(s, staffchat.Markup{
		Bold:    func(t string) string { return "**" + t + "**" },
		Italic:  func(t string) string { return "*" + t + "*" },
		Escape:  escape,
		Release: "`/faro release`",
		Fits:    func(t string) bool { return relay.UTF16(t) <= MaxPart },
	})
}

// channelOf is a channel as the gateway's state knows it, else as the API
// says; nil when neither can tell.
func (a *Adapter) channelOf(ctx context.Context, s *discordgo.Session, id string) *discordgo.Channel {
	if s.State != nil {
		if c, err := s.State.Channel(id); err == nil {
			return c
		}
	}
	c, err := s.Channel(id, discordgo.WithContext(ctx))
	if err != nil {
		a.log.Warn("discord: channel unknown", "channel", id, "err", err)
		return nil
	}
	return c
}

// staffPlace is where something happened, as the staff channel sees it:
// (staff channel, thread) for a thread of the staff channel, (staff
// channel, "") for its top level; ok false elsewhere.
func (a *Adapter) staffPlace(ctx context.Context, s *discordgo.Session, channel string) (string, string, bool) {
	if channel == a.staffChannel {
		return channel, "", true
	}
	c := a.channelOf(ctx, s, channel)
	if c != nil && c.IsThread() && c.ParentID == a.staffChannel {
		return a.staffChannel, channel, true
	}
	return "", "", false
}

// staffMessage hands a person's message in the staff channel's threads
// (and a mention with take or release at its top level) to the staff
// handler, and reports whether it did.
func (a *Adapter) staffMessage(s *discordgo.Session, m *discordgo.Message) bool {
	h := a.staffHandler()
	bot := a.BotUser()
	if h == nil || m == nil || m.Author == nil || m.Author.ID == bot || m.Author.Bot || m.WebhookID != "" || m.GuildID == "" {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	channel, thread, ok := a.staffPlace(ctx, s, m.ChannelID)
	if !ok {
		return false
	}
	text := plainText(m.Content, m.Mentions, bot)
	mentioned := mentions(m, bot)
	if thread == "" && !(mentioned && staffchat.StartsWithCommand(text)) {
		return false // the team's talk, or a question for the assistant
	}
	answer := h.Handle(ctx, staffchat.Incoming{Channel: channel, Thread: thread, User: m.Author.ID, Text: text,
		ID: m.ID, Command: mentioned})
	if answer != "" {
		no := false
		ref := &discordgo.MessageReference{MessageID: m.ID, ChannelID: m.ChannelID, GuildID: m.GuildID, FailIfNotExists: &no}
		if _, err := a.post(ctx, m.ChannelID, escape(answer), ref); err != nil {
			a.log.Warn("discord: staff answer not shown", "user", m.Author.ID, "err", err)
		}
	}
	return true
}

// staffInteraction answers the release button and /faro take|release,
// ephemerally; it reports whether the interaction was one of them.
func (a *Adapter) staffInteraction(s *discordgo.Session, i *discordgo.Interaction) bool {
	h := a.staffHandler()
	if h == nil || i == nil {
		return false
	}
	in, ok := a.staffInput(s, i)
	if !ok {
		return false
	}
	// Acknowledged first, as only its author sees it: the desk's work
	// (the database) must not eat Discord's three seconds.
	rctx, rcancel := context.WithTimeout(context.Background(), staffTimeout)
	defer rcancel()
	a.respond(rctx, s, i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral}})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	answer := h.Handle(ctx, in)
	if answer == "" {
		answer = "Done."
	}
	text := escape(answer)
	if _, err := s.InteractionResponseEdit(i, &discordgo.WebhookEdit{Content: &text, AllowedMentions: noMentions()},
		discordgo.WithContext(ctx)); err != nil {
		a.log.Warn("discord: staff answer not shown", "interaction", i.ID, "err", err)
	}
	return true
}

// staffInput reads a staff interaction: the release button (on a
// summary, whose id is its thread's), or /faro take|release anywhere.
func (a *Adapter) staffInput(s *discordgo.Session, i *discordgo.Interaction) (staffchat.Incoming, bool) {
	user := ""
	if i.Member != nil && i.Member.User != nil {
		user = i.Member.User.ID
	} else if i.User != nil {
		user = i.User.ID
	}
	if cid, ok := releaseOf(i); ok {
		thread := ""
		if i.Message != nil {
			thread = i.Message.ID
		}
		return staffchat.Incoming{Channel: i.ChannelID, Thread: thread, User: user, Text: "release " + cid, ID: i.ID, Command: true}, true
	}
	m, _ := parseInteraction(i, a.BotUser())
	if m == nil || !staffchat.StartsWithCommand(m.Text) {
		return staffchat.Incoming{}, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	channel, thread, ok := a.staffPlace(ctx, s, i.ChannelID)
	if !ok {
		channel, thread = i.ChannelID, ""
	}
	return staffchat.Incoming{Channel: channel, Thread: thread, User: m.User, Text: m.Text, ID: i.ID, Command: true}, true
}

// releaseOf is the conversation of a release button's click.
func releaseOf(i *discordgo.Interaction) (string, bool) {
	if i.Type != discordgo.InteractionMessageComponent {
		return "", false
	}
	d, ok := i.Data.(discordgo.MessageComponentInteractionData)
	if !ok || !strings.HasPrefix(d.CustomID, releaseButton) {
		return "", false
	}
	c := strings.TrimPrefix(d.CustomID, releaseButton)
	return c, c != ""
}

// AddressOf implements relay.Addresser: a staff reply goes where the
// conversation is: its DM or its thread (the conversation's ExternalID is
// that channel), or the channel of a /faro conversation in a server
// ("<channel>/<user>"). A mention answered in its channel because
// threads were denied has no channel of its own: the reply fails there,
// and is recorded so.
func (a *Adapter) AddressOf(conv store.Conversation) (json.RawMessage, error) {
	channel, user, _ := strings.Cut(conv.ExternalID, "/")
	if channel == "" {
		return nil, fmt.Errorf("discord: conversation %s has no channel", conv.ID)
	}
	return json.Marshal(address{Channel: channel, User: user})
}
