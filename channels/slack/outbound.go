package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/store"
)

// MaxPart is the most characters one message of a reply holds. Slack takes
// up to 40,000 in a message's text but recommends at most 4,000 "for best
// results": clients collapse longer messages behind "Show more", and 3,000
// is a section block's limit. 3,900 keeps each part one message read
// whole, with room for the slash command's quoted question.
const MaxPart = 3900

// address is what a reply needs to reach the person: Inbound.Address.
type address struct {
	Channel string `json:"channel"`
	// ThreadTS is the thread to answer in; empty answers at the top
	// level (a direct message outside a thread, a slash command).
	ThreadTS string `json:"thread_ts,omitempty"`
	User     string `json:"user"`
	// Command is the slash command as typed ("/faro ¿cuál es el MRR?"):
	// Slack does not show it to the channel, so the answer quotes it.
	Command string `json:"command,omitempty"`
	// EventID is the Events API's event_id (the trigger_id of a
	// command), for the logs.
	EventID string `json:"event_id,omitempty"`
	// ResponseURL is a slash command's response_url: where its answer
	// goes when the bot may not post in the channel (not a member, a DM
	// between two people). Slack honours it for 30 minutes, five times.
	ResponseURL string `json:"response_url,omitempty"`
}

func decodeAddress(raw json.RawMessage) (address, error) {
	var a address
	if err := json.Unmarshal(raw, &a); err != nil {
		return a, relay.Permanent(fmt.Errorf("slack: address %s: %w", raw, err))
	}
	if a.Channel == "" {
		return a, relay.Permanent(fmt.Errorf("slack: address %s: no channel", raw))
	}
	return a, nil
}

// Channel implements relay.Adapter.
func (a *Adapter) Channel() string { return Channel }

// Limit implements relay.Adapter: MaxPart characters (runes; Slack counts
// characters, not bytes).
func (a *Adapter) Limit() (int, func(string) int) { return MaxPart, utf8.RuneCountInString }

// Render implements relay.Adapter: the reply in mrkdwn (see toMrkdwn), its
// citations' markers linked where they have an address and listed under
// it, its documents as links.
func (a *Adapter) Render(r agent.Reply) string {
	cites := map[string]string{}
	for _, c := range r.Citations {
		if _, ok := safeURL(c.Link); ok {
			cites[c.Ref] = c.Link
		}
	}
	var b strings.Builder
	b.WriteString(toMrkdwn(strings.TrimSpace(r.Text), cites))
	if len(r.Citations) > 0 {
		b.WriteString("\n\n_" + words(r.Language).sources + "_")
		for _, c := range r.Citations {
			title := c.Title
			if title == "" {
				title = c.Source
			}
			if c.Heading != "" {
				title += " › " + c.Heading
			}
			b.WriteString("\n[" + escapeText(c.Ref) + "] ")
			if u, ok := cites[c.Ref]; ok {
				b.WriteString(link(u, escapeText(title)))
			} else {
				b.WriteString(escapeText(title))
			}
		}
	}
	for _, d := range r.Documents {
		name := d.Name
		if d.Format != "" {
			name += " (" + strings.ToUpper(d.Format) + ")"
		}
		b.WriteString("\n\n:page_facing_up: " + link(d.URL, escapeText(name)))
	}
	return b.String()
}

// Deliver implements relay.Adapter: chat.postMessage in the conversation's
// thread, or, for a reply's first part that streamed a preview, a
// chat.update of the preview. Documents are links in the text (Render),
// so nothing else is sent.
func (a *Adapter) Deliver(ctx context.Context, out relay.Outbound) (string, error) {
	addr, err := decodeAddress(out.Address)
	if err != nil {
		return "", err
	}
	text := out.Text
	if out.Part == 1 && addr.Command != "" {
		text = commandQuote(addr) + "\n" + text
	}
	if out.Part == 1 && out.PreviewID != "" {
		err := a.update(ctx, addr.Channel, out.PreviewID, text)
		if err == nil {
			return out.PreviewID, nil
		}
		var se slack.SlackErrorResponse
		if !errors.As(err, &se) || (se.Err != "message_not_found" && se.Err != "cant_update_message" && se.Err != "edit_window_closed") {
			return "", classify("chat.update", err)
		}
		// The preview is gone (deleted by someone): post the reply anew.
	}
	ts, err := a.post(ctx, addr, text)
	var se slack.SlackErrorResponse
	if err != nil && addr.ResponseURL != "" && errors.As(err, &se) && (se.Err == "channel_not_found" || se.Err == "not_in_channel") {
		// A command where the bot may not post: its response_url can.
		if rerr := a.respond(ctx, addr.ResponseURL, text); rerr != nil {
			return "", classify("response_url", fmt.Errorf("%w (after chat.postMessage: %w)", rerr, err))
		}
		return "", nil
	}
	if err != nil {
		return "", classify("chat.postMessage", err)
	}
	return ts, nil
}

// respond posts text to a slash command's response_url, visible to the
// channel. Slack gives no id for it.
func (a *Adapter) respond(ctx context.Context, responseURL, text string) error {
	f := false
	err := slack.PostWebhookCustomHTTPContext(ctx, responseURL, a.http, &slack.WebhookMessage{
		Text: text, ResponseType: "in_channel", UnfurlLinks: &f,
	})
	var sc slack.StatusCodeError
	if errors.As(err, &sc) && (sc.Code == http.StatusNotFound || sc.Code == http.StatusGone) {
		// expired_url, used_url: never again.
		return relay.Permanent(err)
	}
	return err
}

// commandQuote is the first line of a slash command's answer: who asked
// what, since Slack shows the command to no one but its author.
func commandQuote(addr address) string {
	q := addr.Command
	if utf8.RuneCountInString(q) > 200 {
		q = string([]rune(q)[:200]) + "…"
	}
	return "<@" + addr.User + "> › " + escapeText(q)
}

// Preview implements relay.Previewer: Slack has no typing indicator for
// bots, so the reply is shown as it streams, in one message posted in the
// thread and then edited (chat.update), at most once per PreviewEvery.
func (a *Adapter) Preview(ctx context.Context, in relay.Inbound, id, text string) (string, error) {
	if a.noPreview {
		return "", nil
	}
	addr, err := decodeAddress(in.Address)
	if err != nil {
		return "", err
	}
	text = toMrkdwn(strings.TrimSpace(text), nil)
	if utf8.RuneCountInString(text) > MaxPart {
		// Cut on a space so no entity or link is cut in half; the final
		// reply replaces it whole.
		r := []rune(text)[:MaxPart-2]
		if i := strings.LastIndexAny(string(r), " \n"); i > 0 {
			r = []rune(string(r)[:i])
		}
		text = string(r) + " …"
	}
	if text == "" {
		text = "…"
	}
	if addr.Command != "" {
		text = commandQuote(addr) + "\n" + text
	}
	// The runtime cancels ctx when the turn ends, possibly while this
	// call is in flight: a post Slack makes but whose ts is lost would
	// stay in the thread beside the reply. Once started, a call finishes.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), previewTimeout)
	defer cancel()
	if id != "" {
		if err := a.update(ctx, addr.Channel, id, text); err != nil {
			return id, classify("chat.update", err)
		}
		return id, nil
	}
	ts, err := a.post(ctx, addr, text)
	if err != nil {
		return "", classify("chat.postMessage", err)
	}
	return ts, nil
}

// previewTimeout bounds one preview call.
const previewTimeout = 10 * time.Second

// PreviewEvery implements relay.Previewer. chat.update is Slack's Tier 3
// (about 50 calls a minute per workspace) and chat.postMessage about one
// message a second per channel: one edit every two seconds keeps a
// handful of conversations streaming at once within both.
func (a *Adapter) PreviewEvery() time.Duration { return a.previewEvery }

func (a *Adapter) post(ctx context.Context, addr address, text string) (string, error) {
	opts := []slack.MsgOption{slack.MsgOptionText(text, false), slack.MsgOptionDisableLinkUnfurl()}
	if addr.ThreadTS != "" {
		opts = append(opts, slack.MsgOptionTS(addr.ThreadTS))
	}
	_, ts, err := a.api.PostMessageContext(ctx, addr.Channel, opts...)
	return ts, err
}

func (a *Adapter) update(ctx context.Context, channel, ts, text string) error {
	_, _, _, err := a.api.UpdateMessageContext(ctx, channel, ts, slack.MsgOptionText(text, false))
	return err
}

// permanentCodes are Slack's error codes that repeating the call cannot
// fix: the token, the app's scopes or membership, the channel, the
// message itself. Any other ok:false code is retried (bounded by the
// runtime), so a code Slack adds later loses nothing on first sight.
var permanentCodes = map[string]bool{
	"not_authed": true, "invalid_auth": true, "account_inactive": true, "token_revoked": true,
	"token_expired": true, "no_permission": true, "missing_scope": true, "not_allowed_token_type": true,
	"ekm_access_denied": true, "team_access_not_granted": true, "org_login_required": true,
	"channel_not_found": true, "not_in_channel": true, "is_archived": true, "restricted_action": true,
	"restricted_action_read_only_channel": true, "restricted_action_thread_only_channel": true,
	"restricted_action_non_threadable_channel": true, "cannot_reply_to_message": true,
	"msg_too_long": true, "no_text": true, "too_many_attachments": true, "invalid_blocks": true,
	"invalid_arguments": true, "invalid_form_data": true, "invalid_arg_name": true, "invalid_charset": true,
	"message_not_found": true, "cant_update_message": true, "edit_window_closed": true,
	"duplicate_channel_not_found": true, "method_deprecated": true, "deprecated_endpoint": true,
	"two_factor_setup_required": true, "invalid_post_type": true, "user_not_found": true,
}

// classify turns a slack-go error into what the runtime does with it: a
// 429 waits its Retry-After (relay.RetryAfter); a 5xx, a timeout, a
// dropped connection or an unknown code is transient; a code in
// permanentCodes or another 4xx is relay.Permanent.
func classify(method string, err error) error {
	if err == nil {
		return nil
	}
	err = fmt.Errorf("slack: %s: %w", method, err)
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return relay.RetryAfter(rl.RetryAfter, err)
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) {
		if sc.Code == http.StatusTooManyRequests || sc.Code >= 500 || sc.Code == http.StatusRequestTimeout {
			return err
		}
		return relay.Permanent(err)
	}
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		if permanentCodes[se.Err] {
			return relay.Permanent(err)
		}
		return err
	}
	// A timeout, a dropped connection: transient.
	return err
}

// AddressOf implements relay.Addresser: a staff reply goes where the
// conversation is, a direct message (ExternalID "D…") or a thread
// ("C…/<thread ts>").
func (a *Adapter) AddressOf(conv store.Conversation) (json.RawMessage, error) {
	channel, thread, _ := strings.Cut(conv.ExternalID, "/")
	if channel == "" {
		return nil, fmt.Errorf("slack: conversation %s has no channel", conv.ID)
	}
	return json.Marshal(address{Channel: channel, ThreadTS: thread})
}
