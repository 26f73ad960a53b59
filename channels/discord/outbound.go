package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/channels/relay"
)

// address is what a reply needs to reach the person: Inbound.Address.
type address struct {
	// Channel is where the person wrote: a DM, a server's channel or a
	// thread.
	Channel string `json:"channel"`
	Guild   string `json:"guild,omitempty"`
	// Message is the person's message: what the first part replies to,
	// or starts the thread from.
	Message string `json:"message,omitempty"`
	User    string `json:"user"`
	// Thread is the thread the message was in, answered in.
	Thread string `json:"thread,omitempty"`
	// NewThread asks for the answer in a thread started from Message,
	// named ThreadName.
	NewThread  bool   `json:"new_thread,omitempty"`
	ThreadName string `json:"thread_name,omitempty"`
	// App, Token and Interaction are a /faro interaction's: its answer
	// edits the deferred response, then follows up. Question is what was
	// asked, quoted above the answer.
	App         string `json:"app,omitempty"`
	Token       string `json:"token,omitempty"`
	Interaction string `json:"interaction,omitempty"`
	Question    string `json:"question,omitempty"`
}

func decodeAddress(raw json.RawMessage) (address, error) {
	var a address
	if err := json.Unmarshal(raw, &a); err != nil {
		return a, relay.Permanent(fmt.Errorf("discord: address %s: %w", raw, err))
	}
	if a.Channel == "" {
		return a, relay.Permanent(fmt.Errorf("discord: address %s: no channel", raw))
	}
	return a, nil
}

// Channel implements relay.Adapter.
func (a *Adapter) Channel() string { return Channel }

// Limit implements relay.Adapter: MaxPart UTF-16 units.
func (a *Adapter) Limit() (int, func(string) int) { return MaxPart, relay.UTF16 }

// Render implements relay.Adapter: see render.
func (a *Adapter) Render(r agent.Reply) string { return render(r) }

// noMentions is allowed_mentions with nothing allowed: whatever a reply
// says, nobody is pinged.
func noMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

// Deliver implements relay.Adapter. A /faro answer's first part edits the
// deferred response and the next parts follow up (when the interaction's
// token has expired, after fifteen minutes, they are posted in the
// channel instead); a mention's parts go to its thread; a DM's to the DM,
// the first replying to the question.
func (a *Adapter) Deliver(ctx context.Context, out relay.Outbound) (string, error) {
	addr, err := decodeAddress(out.Address)
	if err != nil {
		return "", err
	}
	opt := discordgo.WithContext(ctx)
	if addr.Token != "" && addr.App != "" {
		text := out.Text
		if out.Part == 1 {
			text = quote(addr.Question) + text
		}
		var m *discordgo.Message
		if out.Part == 1 {
			m, err = a.s.WebhookMessageEdit(addr.App, addr.Token, "@original",
				&discordgo.WebhookEdit{Content: &text, AllowedMentions: noMentions()}, opt)
		} else {
			m, err = a.s.WebhookExecute(addr.App, addr.Token, true,
				&discordgo.WebhookParams{Content: text, AllowedMentions: noMentions(), Flags: discordgo.MessageFlagsSuppressEmbeds}, opt)
		}
		if err == nil {
			return idOf(m), nil
		}
		if !expired(err) {
			return "", classify("interaction webhook", err)
		}
		// The interaction is gone (token expired, never acknowledged):
		// post the part in the channel, where the bot can write.
		a.log.Info("discord: interaction expired; answering in the channel", "interaction", addr.Interaction, "err", err)
		return a.post(ctx, addr.Channel, text, nil)
	}
	channel := addr.Channel
	var ref *discordgo.MessageReference
	switch {
	case addr.Thread != "":
		channel = addr.Thread
	case addr.NewThread:
		channel, err = a.thread(ctx, addr)
		if err != nil {
			return "", err
		}
	}
	if out.Part == 1 && channel == addr.Channel && addr.Message != "" {
		no := false
		ref = &discordgo.MessageReference{MessageID: addr.Message, ChannelID: addr.Channel, GuildID: addr.Guild, FailIfNotExists: &no}
	}
	return a.post(ctx, channel, out.Text, ref)
}

func (a *Adapter) post(ctx context.Context, channel, text string, ref *discordgo.MessageReference) (string, error) {
	m, err := a.s.ChannelMessageSendComplex(channel, &discordgo.MessageSend{
		Content: text, AllowedMentions: noMentions(), Reference: ref, Flags: discordgo.MessageFlagsSuppressEmbeds,
	}, discordgo.WithContext(ctx))
	if err != nil {
		return "", classify("create message", err)
	}
	return idOf(m), nil
}

func idOf(m *discordgo.Message) string {
	if m == nil {
		return ""
	}
	return m.ID
}

// expired reports whether an interaction webhook call failed because the
// interaction can no longer be answered through it.
func expired(err error) bool {
	switch restCode(err) {
	case discordgo.ErrCodeUnknownWebhook, discordgo.ErrCodeInvalidWebhookTokenProvided, discordgo.ErrCodeUnknownInteraction,
		discordgo.ErrCodeUnknownMessage:
		return true
	}
	return false
}

// thread is the thread a mention is answered in: started from the message
// (a thread started from a message takes its id, so a retry that finds
// it made already uses it); where Discord refuses a thread (a channel
// type without them, no permission), the channel itself.
func (a *Adapter) thread(ctx context.Context, addr address) (string, error) {
	if id, ok := a.threads.Get(addr.Message); ok {
		return id, nil
	}
	c, err := a.s.MessageThreadStartComplex(addr.Channel, addr.Message, &discordgo.ThreadStart{
		Name: threadName(addr.ThreadName), AutoArchiveDuration: 1440,
	}, discordgo.WithContext(ctx))
	id := ""
	switch {
	case err == nil && c != nil && c.ID != "":
		id = c.ID
	case restCode(err) == discordgo.ErrCodeThreadAlreadyCreatedForThisMessage:
		id = addr.Message
	case restCode(err) == discordgo.ErrCodeCannotExecuteActionOnThisChannelType,
		restCode(err) == discordgo.ErrCodeMissingPermissions:
		// A channel without threads, or a bot without Create Public
		// Threads: the answer goes in the channel, replying to the
		// message.
		a.log.Info("discord: no thread for this message; answering in the channel", "channel", addr.Channel, "err", err)
		id = addr.Channel
	case err == nil:
		return "", fmt.Errorf("discord: start thread: no thread in the answer")
	default:
		return "", classify("start thread", err)
	}
	a.threads.Add(addr.Message, id)
	return id, nil
}

// Typing implements relay.Typer: "Faro is typing…" where the answer will
// be (a new thread is started for it now). A /faro interaction shows
// Discord's own "thinking…" instead.
func (a *Adapter) Typing(ctx context.Context, in relay.Inbound) error {
	addr, err := decodeAddress(in.Address)
	if err != nil || addr.Token != "" {
		return err
	}
	channel := addr.Channel
	switch {
	case addr.Thread != "":
		channel = addr.Thread
	case addr.NewThread:
		if channel, err = a.thread(ctx, addr); err != nil {
			return err
		}
	}
	if err := a.s.ChannelTyping(channel, discordgo.WithContext(ctx)); err != nil {
		return classify("typing", err)
	}
	return nil
}

// TypingEvery implements relay.Typer.
func (a *Adapter) TypingEvery() time.Duration { return TypingEvery }

// classify turns a discordgo error into what the runtime does with it: a
// 429 (per route or global) waits its retry_after (relay.RetryAfter); a
// 5xx, 408, a timeout or a dropped connection is transient; another 4xx
// is relay.Permanent.
func classify(what string, err error) error {
	if err == nil {
		return nil
	}
	err = fmt.Errorf("discord: %s: %w", what, err)
	var rl *discordgo.RateLimitError
	if errors.As(err, &rl) && rl.RateLimit != nil && rl.TooManyRequests != nil {
		return relay.RetryAfter(rl.RetryAfter, err)
	}
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Response != nil {
		code := re.Response.StatusCode
		switch {
		case code >= 500 || code == http.StatusRequestTimeout:
			return err
		case code >= 400:
			return relay.Permanent(err)
		}
	}
	return err
}
