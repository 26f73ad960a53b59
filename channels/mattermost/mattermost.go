package mattermost

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/channels/mattermost/mmapi"
	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/store"
)

// Acceptor is the runtime's inbound side: *relay.Runtime.
type Acceptor interface {
	Accept(ctx context.Context, in relay.Inbound) (accepted bool, err error)
}

// Post is a person's post the adapter saw, on the websocket or through an
// outgoing webhook, before it decides whether to answer it: what a staff
// take-over needs to follow a staff channel's threads.
type Post struct {
	ID        string
	ChannelID string
	// ChannelType is O, P, D or G ("" when unknown: an outgoing webhook).
	ChannelType string
	// RootID is the thread's root; empty for a post that is not a reply.
	RootID string
	UserID string
	// UserName is the author's username, without the @.
	UserName string
	// Text is the message, the bot's mention removed.
	Text string
	// Mentioned reports that the post mentions the bot (or is in a direct
	// message with it).
	Mentioned bool
	At        time.Time
}

// Options configure an Adapter.
type Options struct {
	// Client talks to the Mattermost server as the bot. Required.
	Client *mmapi.Client
	// Runtime accepts verified messages. Required.
	Runtime Acceptor
	// WebhookTokens are the tokens of the outgoing webhooks and slash
	// commands whose requests ServeHTTP accepts; none refuses every
	// request.
	WebhookTokens []string
	// Command is the slash command answered (DefaultCommand when empty).
	Command string
	// TypingEvery is how often the typing indicator is sent; 0 is
	// DefaultTypingEvery.
	TypingEvery time.Duration
	// Listen shapes the websocket's reconnections (mmapi.ListenOptions).
	Listen mmapi.ListenOptions
	// OnPostFunc, when set, sees every person's post first (not the bot's,
	// another bot's or a system post), wherever it is: a staff channel's
	// threads, say. When it reports handled, the adapter does not answer
	// the post. An error leaves the post not handled: on the websocket it
	// is received again. A post may be seen more than once (a resumed
	// connection, a catch-up, an outgoing webhook beside the websocket):
	// recognise it by its ID.
	OnPostFunc func(ctx context.Context, p Post) (handled bool, err error)
	Logger     *slog.Logger
}

// Adapter is the Mattermost channel: relay.Adapter and relay.Typer for the
// replies, Run for the websocket and ServeHTTP for webhooks and slash
// commands.
type Adapter struct {
	api     *mmapi.Client
	runtime Acceptor
	tokens  [][]byte
	command string
	typing  time.Duration
	listen  mmapi.ListenOptions
	onPost  func(context.Context, Post) (bool, error)
	log     *slog.Logger
	// bot is the bot's user, from users/me (Start).
	bot atomic.Pointer[mmapi.User]
	// seen is the server's time (ms) of the newest post seen on the
	// websocket: where a catch-up after a lost connection starts.
	seen atomic.Int64
}

// Interface guards.
var (
	_ relay.Adapter   = (*Adapter)(nil)
	_ relay.Typer     = (*Adapter)(nil)
	_ relay.Addresser = (*Adapter)(nil)
	_ http.Handler    = (*Adapter)(nil)
)

// New checks opts and returns an adapter; Start finds who the bot is.
func New(opts Options) (*Adapter, error) {
	switch {
	case opts.Client == nil:
		return nil, errors.New("mattermost: a client is required")
	case opts.Runtime == nil:
		return nil, errors.New("mattermost: a runtime is required")
	}
	cmd := opts.Command
	if cmd == "" {
		cmd = DefaultCommand
	}
	if !strings.HasPrefix(cmd, "/") || len(cmd) < 2 || strings.ContainsAny(cmd, " \t\r\n") {
		return nil, fmt.Errorf("mattermost: command %q is not like /faro", cmd)
	}
	a := &Adapter{api: opts.Client, runtime: opts.Runtime, command: cmd, typing: opts.TypingEvery,
		listen: opts.Listen, onPost: opts.OnPostFunc, log: opts.Logger}
	for _, t := range opts.WebhookTokens {
		if t = strings.TrimSpace(t); t != "" {
			a.tokens = append(a.tokens, []byte(t))
		}
	}
	if a.typing <= 0 {
		a.typing = DefaultTypingEvery
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	a.bot.Store(&mmapi.User{})
	return a, nil
}

// Start asks the server who the bot is (GET /api/v4/users/me): a wrong
// token or URL stops start-up here, with the server's reason.
func (a *Adapter) Start(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	me, err := a.api.Me(ctx)
	if err != nil {
		return fmt.Errorf("mattermost: who is the bot: %w", err)
	}
	a.bot.Store(&me)
	a.log.Info("mattermost: signed in", "bot_user", me.ID, "username", me.Username, "server", a.api.URL())
	return nil
}

// Bot is the bot's user, known after Start.
func (a *Adapter) Bot() mmapi.User { return *a.bot.Load() }

// Run listens to the websocket until ctx ends, handing every person's
// message to the runtime; it reconnects by itself and returns nil when ctx
// ends. When the server could not resume a dropped connection (it
// restarted, or the drop outlasted its queue), the posts made meanwhile
// are fetched and handled like the websocket's (catchUp): each is
// answered once, whichever way it came.
func (a *Adapter) Run(ctx context.Context) error {
	o := a.listen
	first := true
	var wg sync.WaitGroup
	defer wg.Wait()
	o.OnConnectFunc = func(h mmapi.Hello, resumed bool) {
		switch {
		case first:
			a.log.Info("mattermost: websocket connected", "connection_id", h.ConnectionID, "server_version", h.ServerVersion)
			// Posts are dated by the server's clock; a minute back covers
			// a modest skew for the first catch-up.
			a.seenAt(time.Now().Add(-time.Minute).UnixMilli())
		case !resumed:
			since := time.UnixMilli(a.seen.Load())
			a.log.Warn("mattermost: websocket reconnected as a new connection: fetching the posts made since",
				"connection_id", h.ConnectionID, "since", since)
			wg.Go(func() { a.catchUp(ctx, since) })
		}
		first = false
	}
	o.OnErrorFunc = func(err error, retryIn time.Duration) {
		a.log.Warn("mattermost: websocket dropped: reconnecting", "err", err, "retry_in", retryIn.String())
	}
	return a.api.Listen(ctx, o, a.handleEvent)
}

// seenAt moves seen forward to ms.
func (a *Adapter) seenAt(ms int64) {
	for {
		cur := a.seen.Load()
		if ms <= cur || a.seen.CompareAndSwap(cur, ms) {
			return
		}
	}
}

// Catch-up bounds: channels looked at, and how far back.
const (
	maxCatchUpChannels = 500
	maxCatchUp         = 24 * time.Hour
	catchUpOverlap     = 30 * time.Second
)

// catchUp handles the posts made since in the bot's channels, as if they
// had come on the websocket (without its mention list: a mention is the
// bot's @username in the text). Failures are logged: the posts they hide
// are not answered.
func (a *Adapter) catchUp(ctx context.Context, since time.Time) {
	// Events of several channels may come slightly out of their posts'
	// order: look a little further back (what was answered is
	// recognised).
	since = since.Add(-catchUpOverlap)
	if oldest := time.Now().Add(-maxCatchUp); since.Before(oldest) {
		since = oldest
	}
	bot := a.Bot()
	cctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	chans, err := a.api.UserChannels(cctx, bot.ID)
	if err != nil {
		a.log.Error("mattermost: catch-up: the bot's channels", "err", err)
		return
	}
	if len(chans) > maxCatchUpChannels {
		a.log.Warn("mattermost: catch-up: too many channels, looking at the first", "channels", len(chans), "max", maxCatchUpChannels)
		chans = chans[:maxCatchUpChannels]
	}
	handled := 0
	for _, ch := range chans {
		posts, err := a.api.PostsSince(cctx, ch.ID, since)
		if err != nil {
			a.log.Error("mattermost: catch-up: posts", "channel_id", ch.ID, "err", err)
			continue
		}
		for _, p := range posts {
			if p.CreateAt < since.UnixMilli() {
				continue // changed since, made before: seen then
			}
			post, _ := personPost(p, ch.Type, "", bot.ID, bot.Username)
			if post == nil {
				continue
			}
			if err := a.take(cctx, *post, "catch-up", nil); err != nil {
				a.log.Error("mattermost: catch-up: post not stored", "post_id", p.ID, "err", err)
				continue
			}
			handled++
		}
	}
	a.log.Info("mattermost: caught up", "channels", len(chans), "posts_looked_at", handled, "since", since)
}

// PostMessage posts text in channelID (in rootID's thread when not empty)
// as the bot and returns the post's id, at once, outside the runtime's
// jobs: for a staff take-over's summaries. Text is sent as it is.
func (a *Adapter) PostMessage(ctx context.Context, channelID, rootID, text string) (string, error) {
	p, err := a.api.CreatePost(ctx, mmapi.Post{ChannelID: channelID, RootID: rootID, Message: text})
	if err != nil {
		return "", classify(err)
	}
	return p.ID, nil
}

// handleEvent is Listen's handler: posted events become messages.
func (a *Adapter) handleEvent(ctx context.Context, ev mmapi.Event) error {
	if ev.Event != mmapi.EventPosted {
		return nil
	}
	a.seenAt(postCreateAt(ev.Data))
	bot := a.Bot()
	p, ignored, err := parsePosted(ev.Data, bot.ID, bot.Username)
	if err != nil {
		a.log.Warn("mattermost: unreadable posted event", "seq", ev.Seq, "err", err)
		return nil // retrying cannot fix it
	}
	if p == nil {
		a.log.Debug("mattermost: post ignored", "why", ignored)
		return nil
	}
	return a.take(ctx, *p, "websocket", nil)
}

// take decides about a person's post: the take-over's first, then
// answered in a direct message or when it mentions the bot. An error
// means it was not stored.
func (a *Adapter) take(ctx context.Context, p Post, via string, addr *address) error {
	if a.onPost != nil {
		handled, err := a.onPost(ctx, p)
		if err != nil {
			return fmt.Errorf("mattermost: post %s: %w", p.ID, err)
		}
		if handled {
			return nil
		}
	}
	if !p.Mentioned && addr == nil {
		a.log.Debug("mattermost: post ignored", "why", "neither a direct message nor a mention", "post_id", p.ID)
		return nil
	}
	if strings.TrimSpace(p.Text) == "" {
		a.log.Debug("mattermost: post ignored", "why", "no text", "post_id", p.ID)
		return nil
	}
	root := p.RootID
	if root == "" {
		root = p.ID
	}
	chat := p.ChannelID + "/" + root
	if addr == nil {
		addr = &address{Channel: p.ChannelID, Root: root, User: p.UserID, PostID: p.ID}
		if p.ChannelType == mmapi.ChannelDirect {
			// A direct message is one conversation, answered where it was
			// written: at the top level, or in its thread.
			chat = p.ChannelID
			addr.Root = p.RootID
		}
	}
	return a.accept(ctx, p, chat, p.ID, *addr, via)
}

// accept hands a message to the runtime. An error means it was not
// stored; a message retrying cannot fix (no text…) is logged and nil.
func (a *Adapter) accept(ctx context.Context, p Post, chat, platformID string, addr address, via string) error {
	raw, err := json.Marshal(addr)
	if err != nil {
		return fmt.Errorf("mattermost: address: %w", err)
	}
	in := relay.Inbound{
		Message: agent.Message{
			Channel: Channel, PlatformID: platformID, ChatID: chat,
			Sender:     store.Identity{Channel: Channel, ExternalID: p.UserID},
			SenderName: p.UserName,
			Text:       p.Text,
			ReceivedAt: p.At,
		},
		Address: raw,
	}
	accepted, err := a.runtime.Accept(ctx, in)
	log := a.log.With("platform_id", platformID, "via", via, "channel_id", p.ChannelID)
	switch {
	case errors.Is(err, agent.ErrInvalidMessage) || errors.Is(err, relay.ErrUnknownChannel):
		log.Warn("mattermost: message not accepted", "err", err)
	case err != nil:
		log.Error("mattermost: accept", "err", err)
		return err
	case !accepted:
		log.Info("mattermost: re-delivery ignored")
	default:
		log.Debug("mattermost: accepted")
	}
	return nil
}

// tokenOK reports whether got is one of the configured tokens, comparing
// with every one in constant time.
func (a *Adapter) tokenOK(got string) bool {
	if got == "" {
		return false
	}
	ok := 0
	for _, t := range a.tokens {
		ok |= subtle.ConstantTimeCompare([]byte(got), t)
	}
	return ok == 1
}
