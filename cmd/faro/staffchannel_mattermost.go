package main

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/faroai/faro/channels/mattermost"
	"github.com/faroai/faro/channels/mattermost/mmapi"
	"github.com/faroai/faro/staffchat"
)

// mattermostStaff is the staff channel on Mattermost: a staffchat.Platform
// over the bot's REST client, fed with the adapter's posts
// (mattermost.Options.OnPostFunc). Mattermost threads are a root post and
// its replies (root_id); a summary is a root post. What the handler
// answers a person is posted in the thread, addressed to them: ephemeral
// posts need a system admin's permission that a bot does not have.
type mattermostStaff struct {
	client  *mmapi.Client
	channel string
	h       atomic.Pointer[staffchat.Handler]
}

var _ staffchat.Platform = (*mattermostStaff)(nil)

func (m *mattermostStaff) Name() string { return mattermost.Channel }

func (m *mattermostStaff) Route(h staffchat.Handler) { m.h.Store(&h) }

func (m *mattermostStaff) Open(ctx context.Context, channel string, s staffchat.Summary) (string, error) {
	p, err := m.client.CreatePost(ctx, mmapi.Post{ChannelID: channel, Message: mattermostSummary(s)})
	if err != nil {
		return "", fmt.Errorf("mattermost: summary: %w", err)
	}
	return p.ID, nil
}

func (m *mattermostStaff) Post(ctx context.Context, channel, thread, text string) error {
	if _, err := m.client.CreatePost(ctx, mmapi.Post{ChannelID: channel, RootID: thread, Message: quiet(text)}); err != nil {
		return fmt.Errorf("mattermost: post in thread %s: %w", thread, err)
	}
	return nil
}

// onPost takes the staff channel's thread posts and commands; every other
// post is the adapter's to answer.
func (m *mattermostStaff) onPost(ctx context.Context, p mattermost.Post) (bool, error) {
	hp := m.h.Load()
	if hp == nil || p.ChannelID != m.channel || (p.RootID == "" && !staffchat.IsCommand(p.Text, p.Mentioned)) {
		return false, nil
	}
	answer := (*hp).Handle(ctx, staffchat.Incoming{Channel: p.ChannelID, Thread: p.RootID, User: p.UserID, Text: p.Text,
		ID: p.ID, Command: p.Mentioned})
	if answer == "" {
		return true, nil
	}
	root := p.RootID
	if root == "" {
		root = p.ID
	}
	to := ""
	if p.UserName != "" {
		to = "@" + p.UserName + " "
	}
	// Shown or not, the step is done: a failure here must not make the
	// post come again.
	_, _ = m.client.CreatePost(ctx, mmapi.Post{ChannelID: p.ChannelID, RootID: root, Message: to + quiet(answer)})
	return true, nil
}

// mattermostSummary is the summary in Mattermost's Markdown; what people
// wrote notifies no one.
func mattermostSummary(s staffchat.Summary) string {
	var b strings.Builder
	who := s.Name
	if who == "" {
		who = "Someone"
	}
	fmt.Fprintf(&b, "**%s** on %s", quiet(who), s.Channel)
	if s.Language != "" {
		fmt.Fprintf(&b, " (%s)", s.Language)
	}
	if s.Why == "taken" {
		fmt.Fprintf(&b, " — taken by %s", quiet(s.By))
	} else {
		b.WriteString(" asks for a person")
	}
	if s.Reason != "" {
		fmt.Fprintf(&b, ": %s", quiet(s.Reason))
	}
	b.WriteString("\n")
	if s.Email != "" || s.Phone != "" {
		fmt.Fprintf(&b, "%s\n", quiet(strings.TrimSpace(s.Email+" "+s.Phone)))
	}
	if s.LeadScore != nil {
		fmt.Fprintf(&b, "Lead: %s, score %.0f\n", s.LeadStage, *s.LeadScore)
	}
	if len(s.Enrolments) > 0 {
		fmt.Fprintf(&b, "Courses: %s\n", strings.Join(s.Enrolments, ", "))
	}
	for _, l := range s.Last {
		text := []rune(l.Text)
		if len(text) > 300 {
			text = append(text[:300], '…')
		}
		fmt.Fprintf(&b, "> _%s_: %s\n", l.Author, quiet(strings.ReplaceAll(string(text), "\n", " ")))
	}
	fmt.Fprintf(&b, "\nConversation `%s`. Reply in this thread to answer; `@faro release` here hands it back to the bot.", s.ConversationID)
	return b.String()
}

// quiet keeps a text from notifying anyone (@channel, @all, @name): a
// zero-width space after each @.
func quiet(s string) string { return strings.ReplaceAll(s, "@", "@\u200b") }
