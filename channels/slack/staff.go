package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/faroai/faro/staffchat"
)

// The staff channel (Options.StaffChannel): the adapter implements
// staffchat.Platform. A conversation handed to a person is posted there as
// a summary with a "Release to the bot" button, opening a thread; what
// staff write in the thread (message.channels events), /faro take and
// /faro release, and the button go to the staffchat handler, which
// answers the person who acted with an ephemeral message.

// InteractivePath is the Interactivity request URL (the button).
const InteractivePath = "/webhooks/slack/interactive"

// actionRelease is the button's action_id; its value is the conversation.
const actionRelease = "faro_release"

// staffTimeout bounds the work of one staff request: Slack wants its 200
// within three seconds, and sends the event again otherwise (a reply is
// stored once per message, so a retry adds nothing).
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

// Open implements staffchat.Platform: the summary as a message in the
// staff channel, with the release button; its ts is the thread.
func (a *Adapter) Open(ctx context.Context, channel string, s staffchat.Summary) (string, error) {
	text := summaryText(s)
	blocks := slack.MsgOptionBlocks(
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil),
		slack.NewActionBlock("faro_actions", slack.NewButtonBlockElement(actionRelease, s.ConversationID,
			slack.NewTextBlockObject(slack.PlainTextType, "Release to the bot", false, false))),
	)
	_, ts, err := a.api.PostMessageContext(ctx, channel, slack.MsgOptionText(text, false), blocks)
	if err != nil {
		return "", classify("chat.postMessage", err)
	}
	return ts, nil
}

// Post implements staffchat.Platform.
func (a *Adapter) Post(ctx context.Context, channel, thread, text string) error {
	_, _, err := a.api.PostMessageContext(ctx, channel, slack.MsgOptionText(escapeText(text), false), slack.MsgOptionTS(thread))
	if err != nil {
		return classify("chat.postMessage", err)
	}
	return nil
}

// summaryText is the summary in Slack's markup, every value escaped.
func summaryText(s staffchat.Summary) string {
	return staffchat.SummaryText(s, staffchat.Markup{
		Bold:    func(t string) string { return "*" + t + "*" },
		Italic:  func(t string) string { return "_" + t + "_" },
		Escape:  escapeText,
		Release: "`/faro release`",
	})
}

// staffEvent routes a message in the staff channel to the handler, and
// reports whether it did (then it has answered Slack).
func (a *Adapter) staffEvent(w http.ResponseWriter, r *http.Request, p parsed) bool {
	h := a.staffHandler()
	if h == nil {
		return false
	}
	m := p.InChannel
	if m == nil {
		if p.Message != nil && p.Message.Channel == a.staffChannel &&
			(p.Message.ThreadTS != "" || staffchat.IsCommand(p.Message.Text, true)) {
			// A mention in the staff channel's threads, or a take or
			// release command, arrives twice (app_mention and message):
			// the message event is the one acted on, and the assistant
			// does not answer it as a question.
			w.WriteHeader(http.StatusOK)
			return true
		}
		return false
	}
	if m.Channel != a.staffChannel {
		return false
	}
	ctx, cancel := context.WithTimeout(r.Context(), staffTimeout)
	defer cancel()
	answer := h.Handle(ctx, staffchat.Incoming{Channel: m.Channel, Thread: m.ThreadTS, User: m.User, Text: m.Text,
		ID: m.TS, Command: p.Mentioned})
	a.whisper(ctx, m.Channel, m.ThreadTS, m.User, answer)
	w.WriteHeader(http.StatusOK)
	return true
}

// whisper shows answer to user alone (chat.postEphemeral).
func (a *Adapter) whisper(ctx context.Context, channel, thread, user, answer string) {
	if answer == "" {
		return
	}
	opts := []slack.MsgOption{slack.MsgOptionText(escapeText(answer), false)}
	if thread != "" {
		opts = append(opts, slack.MsgOptionTS(thread))
	}
	if _, err := a.api.PostEphemeralContext(context.WithoutCancel(ctx), channel, user, opts...); err != nil {
		a.log.Warn("slack: staff answer not shown", "user", user, "err", err)
	}
}

// staffCommand answers /faro take and /faro release (in any channel, so
// staff can take from where they are); ok is false for anything else,
// which is a question for the assistant.
func (a *Adapter) staffCommand(r *http.Request, channel, user, text, triggerID string) (string, bool) {
	h := a.staffHandler()
	if h == nil || !staffchat.StartsWithCommand(text) {
		return "", false
	}
	ctx, cancel := context.WithTimeout(r.Context(), staffTimeout)
	defer cancel()
	return h.Handle(ctx, staffchat.Incoming{Channel: channel, User: user, Text: text, ID: triggerID, Command: true}), true
}

// blockActions is the part of an interaction payload the button needs.
type blockActions struct {
	Type string `json:"type"`
	User struct {
		ID string `json:"id"`
	} `json:"user"`
	Channel struct {
		ID string `json:"id"`
	} `json:"channel"`
	Container struct {
		MessageTS string `json:"message_ts"`
		ThreadTS  string `json:"thread_ts"`
	} `json:"container"`
	Actions []struct {
		ActionID string `json:"action_id"`
		Value    string `json:"value"`
		ActionTS string `json:"action_ts"`
	} `json:"actions"`
}

// serveInteractive is the Interactivity request URL: the release button.
// Verified like every request; anything but the button gets its 200 and
// nothing else.
func (a *Adapter) serveInteractive(w http.ResponseWriter, r *http.Request) {
	body, err := readVerified(r, a.secret, a.maxBody)
	if err != nil {
		a.refuse(w, r, err)
		return
	}
	in, ok, err := parseInteraction(body)
	if err != nil {
		a.log.Warn("slack: unreadable interaction", "err", err)
		http.Error(w, "unreadable interaction", http.StatusBadRequest)
		return
	}
	h := a.staffHandler()
	if h == nil || !ok {
		w.WriteHeader(http.StatusOK)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), staffTimeout)
	defer cancel()
	a.whisper(ctx, in.Channel, in.Thread, in.User, h.Handle(ctx, in))
	w.WriteHeader(http.StatusOK)
}

// parseInteraction reads a verified interaction request: ok is true for a
// click on the release button, which becomes the command "release <id>".
func parseInteraction(body []byte) (staffchat.Incoming, bool, error) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return staffchat.Incoming{}, false, fmt.Errorf("slack: interaction: %w", err)
	}
	var p blockActions
	if err := json.Unmarshal([]byte(form.Get("payload")), &p); err != nil {
		return staffchat.Incoming{}, false, fmt.Errorf("slack: interaction payload: %w", err)
	}
	if p.Type != "block_actions" || len(p.Actions) == 0 || p.Actions[0].ActionID != actionRelease {
		return staffchat.Incoming{}, false, nil
	}
	act := p.Actions[0]
	value := strings.TrimSpace(act.Value)
	if value == "" || strings.ContainsAny(value, " \t\r\n") || p.User.ID == "" || p.Channel.ID == "" {
		return staffchat.Incoming{}, false, fmt.Errorf("slack: interaction: a release without a conversation, user or channel")
	}
	thread := p.Container.ThreadTS
	if thread == "" {
		thread = p.Container.MessageTS
	}
	return staffchat.Incoming{Channel: p.Channel.ID, Thread: thread, User: p.User.ID,
		Text: "release " + value, ID: act.ActionTS, Command: true}, true, nil
}
