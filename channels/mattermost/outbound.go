package mattermost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/channels/mattermost/mmapi"
	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/store"
)

// address is what a reply needs to reach the person: Inbound.Address.
type address struct {
	Channel string `json:"channel"`
	// Root is the thread to answer in; empty answers at the top level (a
	// direct message outside a thread, a slash command).
	Root string `json:"root_id,omitempty"`
	User string `json:"user"`
	// PostID is the post answered, for the logs.
	PostID string `json:"post_id,omitempty"`
	// ResolveRoot asks the delivery to find Root's thread root first (an
	// outgoing webhook does not say whether its post is a reply, and
	// Mattermost takes only a thread's first post as root_id).
	ResolveRoot bool `json:"resolve_root,omitempty"`
	// Command is the slash command as typed ("/faro ¿cuál es el MRR?"):
	// Mattermost does not show it to the channel, so the answer quotes
	// it.
	Command string `json:"command,omitempty"`
}

func decodeAddress(raw json.RawMessage) (address, error) {
	var a address
	if err := json.Unmarshal(raw, &a); err != nil {
		return a, relay.Permanent(fmt.Errorf("mattermost: address %s: %w", raw, err))
	}
	if a.Channel == "" {
		return a, relay.Permanent(fmt.Errorf("mattermost: address %s: no channel", raw))
	}
	return a, nil
}

// commandChat marks the conversations of slash commands: their ChatID is
// "<channel>/cmd:<user>", where a thread's is "<channel>/<root post>" and
// a direct message's "<channel>".
const commandChat = "cmd:"

// AddressOf implements relay.Addresser: where a message written outside a
// turn (a staff reply) reaches the person of a conversation of this
// channel, from its ExternalID (the ChatID it was stored with): the direct
// message, the thread, or the channel of a slash command.
func (a *Adapter) AddressOf(conv store.Conversation) (json.RawMessage, error) {
	channel, rest, _ := strings.Cut(conv.ExternalID, "/")
	if channel == "" {
		return nil, fmt.Errorf("mattermost: conversation %s has no channel", conv.ID)
	}
	addr := address{Channel: channel, Root: rest}
	if user, ok := strings.CutPrefix(rest, commandChat); ok {
		addr.Root, addr.User = "", user
	}
	return json.Marshal(addr)
}

// Channel implements relay.Adapter.
func (a *Adapter) Channel() string { return Channel }

// Limit implements relay.Adapter: MaxPart characters (runes: Mattermost
// counts a message's runes).
func (a *Adapter) Limit() (int, func(string) int) { return MaxPart, utf8.RuneCountInString }

// Render implements relay.Adapter: the reply is Markdown already, which
// Mattermost renders as written (links as [text](url)); @-mentions are
// neutralised, citations listed under it as links where they have an
// address, documents as links.
func (a *Adapter) Render(r agent.Reply) string {
	var b strings.Builder
	b.WriteString(neutralise(strings.TrimSpace(r.Text)))
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
			b.WriteString("\n[" + neutralise(c.Ref) + "] " + link(title, c.Link))
		}
	}
	for _, d := range r.Documents {
		name := d.Name
		if d.Format != "" {
			name += " (" + strings.ToUpper(d.Format) + ")"
		}
		b.WriteString("\n\n📄 " + link(name, d.URL))
	}
	return b.String()
}

// link is a Markdown link to u labelled label, or the label alone when u
// is not an http(s) address.
func link(label, u string) string {
	label = strings.NewReplacer("[", "\\[", "]", "\\]").Replace(neutralise(label))
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return label
	}
	// Spaces and parentheses would end the link early.
	safe := strings.NewReplacer(" ", "%20", "(", "%28", ")", "%29", "<", "%3C", ">", "%3E").Replace(p.String())
	return "[" + label + "](" + safe + ")"
}

// neutralise keeps a text from notifying anyone: an @ that would start a
// mention (@channel, @all, @here, @ana) gets a zero-width space after it,
// so Mattermost shows it as written but reads no mention. Addresses
// (ana@example.com) are left alone.
func neutralise(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteByte(s[i])
		if s[i] == '@' && mentionStart(s, i) && i+1 < len(s) {
			if r, _ := utf8.DecodeRuneInString(s[i+1:]); usernameRune(r) {
				b.WriteString("\u200b")
			}
		}
	}
	return b.String()
}

// Deliver implements relay.Adapter: POST /api/v4/posts in the address's
// channel and thread. A slash command's answer starts by quoting it.
func (a *Adapter) Deliver(ctx context.Context, out relay.Outbound) (string, error) {
	addr, err := decodeAddress(out.Address)
	if err != nil {
		return "", err
	}
	if addr.ResolveRoot && addr.Root != "" {
		addr.Root, err = a.threadRoot(ctx, addr.Root)
		if err != nil {
			return "", err
		}
	}
	text := out.Text
	if out.Part == 1 && addr.Command != "" {
		text = commandQuote(addr) + "\n" + text
	}
	p, err := a.api.CreatePost(ctx, mmapi.Post{ChannelID: addr.Channel, RootID: addr.Root, Message: text})
	if err != nil {
		return "", classify(err)
	}
	return p.ID, nil
}

// threadRoot is the root of the thread post id is in: its root_id, or
// itself. A post the server no longer has is answered as a thread of its
// own (id); Mattermost then refuses, and the failure is recorded.
func (a *Adapter) threadRoot(ctx context.Context, id string) (string, error) {
	p, err := a.api.GetPost(ctx, id)
	var e *mmapi.Error
	switch {
	case errors.As(err, &e) && e.Status == http.StatusNotFound:
		return id, nil
	case err != nil:
		return "", classify(err)
	case p.RootID != "":
		return p.RootID, nil
	}
	return id, nil
}

// commandQuote is the first line of a slash command's answer: who asked
// what, since Mattermost shows the command to no one but its author.
func commandQuote(addr address) string {
	q := addr.Command
	if utf8.RuneCountInString(q) > 200 {
		q = string([]rune(q)[:200]) + "…"
	}
	return "> " + neutralise(q)
}

// Typing implements relay.Typer: the bot shows as typing in the thread
// (POST /api/v4/users/{bot}/typing).
func (a *Adapter) Typing(ctx context.Context, in relay.Inbound) error {
	addr, err := decodeAddress(in.Address)
	if err != nil {
		return err
	}
	bot := a.Bot()
	if bot.ID == "" {
		return errors.New("mattermost: typing: the bot is not known yet (Start)")
	}
	root := addr.Root
	if addr.ResolveRoot {
		root = "" // unknown until the delivery resolves it: the channel
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return a.api.Typing(ctx, bot.ID, addr.Channel, root)
}

// TypingEvery implements relay.Typer.
func (a *Adapter) TypingEvery() time.Duration { return a.typing }

// classify turns a client error into what the runtime does with it: a
// 429 waits what the limiter asked (relay.RetryAfter); a 5xx, a 408, a
// timeout or a dropped connection is transient; another 4xx (a channel
// the bot cannot post in, a bad root, a revoked token) is relay.Permanent.
func classify(err error) error {
	var e *mmapi.Error
	if !errors.As(err, &e) {
		return err
	}
	switch {
	case e.Status == http.StatusTooManyRequests:
		return relay.RetryAfter(e.RetryAfter, err)
	case e.Status >= 500 || e.Status == http.StatusRequestTimeout:
		return err
	case e.Status >= 400:
		return relay.Permanent(err)
	}
	return err
}

// phrases are the few words the adapter writes itself, per language.
type phrases struct {
	sources string
}

// words are the phrases of lang (es, en, pt; es when unknown, the demo
// business's language).
func words(lang string) phrases {
	switch lang {
	case "en":
		return phrases{sources: "Sources"}
	case "pt":
		return phrases{sources: "Fontes"}
	}
	return phrases{sources: "Fuentes"}
}
