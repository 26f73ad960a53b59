package mattermost

import (
	"context"
	"strings"
	"time"

	"github.com/faroai/faro/channels/mattermost/mmapi"
	"github.com/faroai/faro/staffchat"
)

// The staff channel (Options.StaffChannel): the adapter implements
// staffchat.Platform. A conversation handed to a person is posted there as
// a summary that opens a thread; what staff write in the thread, "@faro
// release" there, "@faro take <conversation>" in the channel and "/faro
// take|release <conversation>" anywhere go to the staffchat handler, whose
// answer the person who acted sees alone (an ephemeral post, or the slash
// command's ephemeral answer).
//
// Mattermost does not tell a slash command which thread it was typed in,
// so "/faro release" needs the conversation; in a thread, "@faro release"
// (or "faro release") does without.

// staffTimeout bounds the work of one staff action.
const staffTimeout = 10 * time.Second

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

// Open implements staffchat.Platform: the summary as a post in the staff
// channel; its id is the thread.
func (a *Adapter) Open(ctx context.Context, channel string, s staffchat.Summary) (string, error) {
	return a.PostMessage(ctx, channel, "", a.summaryText(s))
}

// Post implements staffchat.Platform: text in the thread, @-mentions
// neutralised. Its "/faro release" becomes "@faro release", the form a
// Mattermost thread understands.
func (a *Adapter) Post(ctx context.Context, channel, thread, text string) error {
	text = strings.ReplaceAll(neutralise(text), "`/faro release`", "`"+a.releaseHint()+"`")
	_, err := a.PostMessage(ctx, channel, thread, text)
	return err
}

// releaseHint is how staff hand a conversation back from its thread.
func (a *Adapter) releaseHint() string {
	name := a.Bot().Username
	if name == "" {
		name = "faro"
	}
	return "@" + name + " release"
}

// summaryText is the summary in Markdown, every value neutralised.
func (a *Adapter) summaryText(s staffchat.Summary) string {
	return staffchat.SummaryText(s, staffchat.Markup{
		Bold:    func(t string) string { return "**" + t + "**" },
		Italic:  func(t string) string { return "_" + t + "_" },
		Escape:  neutralise,
		Release: "`" + a.releaseHint() + "` here",
	})
}

// staffPost hands a person's post in the staff channel to the handler and
// reports whether it did: every post in a thread, and a mention at the
// channel's top level that is a take or release command. Anything else
// (a question to the bot at the top level) is answered as usual.
func (a *Adapter) staffPost(ctx context.Context, p Post) bool {
	h := a.staffHandler()
	if h == nil || p.ChannelID != a.staffChannel {
		return false
	}
	if p.RootID == "" && !staffchat.IsCommand(p.Text, p.Mentioned) {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, staffTimeout)
	defer cancel()
	answer := h.Handle(ctx, staffchat.Incoming{Channel: p.ChannelID, Thread: p.RootID, User: p.UserID, Text: p.Text,
		ID: p.ID, Command: p.Mentioned})
	a.whisper(ctx, p, answer)
	return true
}

// staffCommand answers "/faro take <conversation>" and "/faro release
// <conversation>" (in any channel, so staff can take from where they are);
// ok is false for anything else, which is a question for the assistant.
func (a *Adapter) staffCommand(ctx context.Context, req request, text string) (answer string, ok bool) {
	h := a.staffHandler()
	if h == nil || !staffchat.StartsWithCommand(text) {
		return "", false
	}
	if strings.EqualFold(strings.TrimSpace(text), "release") {
		// Typed in a thread, the command does not say which: ask for the
		// form that does.
		return "Mattermost does not tell Faro which thread a slash command was typed in: write `" + a.releaseHint() +
			"` in the conversation's thread, or `" + a.command + " release <conversation>`.", true
	}
	ctx, cancel := context.WithTimeout(ctx, staffTimeout)
	defer cancel()
	return h.Handle(ctx, staffchat.Incoming{Channel: req.ChannelID, User: req.UserID, Text: text, ID: "cmd/" + req.TriggerID,
		Command: true}), true
}

// whisper shows answer to the author of p alone (an ephemeral post in its
// thread); where the bot may not post those (Mattermost gives the
// permission to system admins by default), the answer is a reply in the
// thread addressed to them.
func (a *Adapter) whisper(ctx context.Context, p Post, answer string) {
	if answer == "" {
		return
	}
	ctx = context.WithoutCancel(ctx)
	post := mmapi.Post{ChannelID: p.ChannelID, RootID: p.RootID, Message: neutralise(answer)}
	_, err := a.api.CreateEphemeralPost(ctx, p.UserID, post)
	if err == nil {
		return
	}
	a.log.Info("mattermost: staff answer not shown as ephemeral: replying in the thread", "user", p.UserID, "err", err)
	if post.RootID == "" {
		post.RootID = p.ID
	}
	if p.UserName != "" {
		post.Message = "@" + p.UserName + " " + post.Message
	}
	if _, err := a.api.CreatePost(ctx, post); err != nil {
		a.log.Warn("mattermost: staff answer not shown", "user", p.UserID, "err", err)
	}
}
