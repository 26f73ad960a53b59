package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/staffchat"
)

// Acceptor is the runtime's inbound side: *relay.Runtime.
type Acceptor interface {
	Accept(ctx context.Context, in relay.Inbound) (accepted bool, err error)
}

// Options configure an Adapter.
type Options struct {
	// Token is the bot's token (Developer Portal › Bot › Reset Token);
	// required. A "Bot " prefix is added when missing.
	Token string
	// APIURL is the REST API's base, DefaultAPIURL when empty; see
	// APIBase. It is process-wide (discordgo's endpoints).
	APIURL string
	// GatewayURL, when set (ws:// or wss://), is the gateway to connect
	// to instead of the one GET /gateway names.
	GatewayURL string
	// Runtime accepts the people's messages.
	Runtime Acceptor
	// StaffChannel is the id of the text channel where staff follow
	// handed-off conversations (see staff.go); empty: none.
	StaffChannel string
	// HTTPClient calls the REST API; nil is a client with a 15 s timeout.
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// Adapter is the Discord channel: a gateway session whose events become
// relay.Inbound; relay.Adapter, relay.Typer and relay.Addresser for the
// replies (the bot's, and staff's after a hand-off); and
// staffchat.Platform when it hosts the staff channel.
type Adapter struct {
	s       *discordgo.Session
	runtime Acceptor
	log     *slog.Logger

	// bot is the bot's user id (Start, READY): its own messages are
	// dropped and its mention removed from the text.
	bot atomic.Pointer[string]
	// threads remembers the thread started from a message (message id →
	// thread id), so a reply's parts and the typing indicator find it.
	threads *lru.Cache[string, string]

	staffChannel string
	staff        atomic.Pointer[staffchat.Handler]
	// work orders the handling of each channel's events (see lanes).
	work lanes

	mu sync.Mutex
	// registered are the guilds the command was registered in by this
	// process (GUILD_CREATE comes again after every new session).
	registered map[string]bool
}

// Interface guards.
var (
	_ relay.Adapter      = (*Adapter)(nil)
	_ relay.Typer        = (*Adapter)(nil)
	_ relay.Addresser    = (*Adapter)(nil)
	_ staffchat.Platform = (*Adapter)(nil)
)

// New checks opts, points discordgo at the API (once per process) and
// returns an adapter; Start checks the token, Run connects to the gateway.
func New(opts Options) (*Adapter, error) {
	token := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(opts.Token), "Bot "))
	switch {
	case token == "":
		return nil, errors.New("discord: the bot token is required")
	case strings.ContainsAny(token, " \t\r\n"):
		return nil, errors.New("discord: the bot token must not contain spaces")
	case opts.Runtime == nil:
		return nil, errors.New("discord: a runtime is required")
	}
	base, err := APIBase(opts.APIURL)
	if err != nil {
		return nil, err
	}
	if opts.GatewayURL != "" {
		if u, err := url.Parse(opts.GatewayURL); err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
			return nil, fmt.Errorf("discord: gateway URL %q is not a ws(s) URL like wss://gateway.discord.gg", opts.GatewayURL)
		}
	}
	if err := useAPI(base); err != nil {
		return nil, err
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 15 * time.Second}
	}
	if opts.GatewayURL != "" {
		c := *hc
		next := c.Transport
		if next == nil {
			next = http.DefaultTransport
		}
		c.Transport = gatewayOverride{next: next, url: opts.GatewayURL, paths: []string{
			pathOf(discordgo.EndpointGateway), pathOf(discordgo.EndpointGatewayBot)}}
		hc = &c
	}
	s, err := discordgo.New("Bot " + token)
	if err != nil {
		return nil, fmt.Errorf("discord: session: %w", err)
	}
	s.Client = hc
	s.Dialer = &websocket.Dialer{Proxy: http.ProxyFromEnvironment, HandshakeTimeout: 15 * time.Second}
	s.Identify.Intents = Intents
	s.Identify.Compress = false
	s.Compress = false
	// A 429 comes back as *discordgo.RateLimitError: the delivery job
	// waits it out (relay.RetryAfter) instead of a worker sleeping.
	s.ShouldRetryOnRateLimit = false
	s.ShouldReconnectOnError = true
	s.ShouldReconnectVoiceOnSessionError = false
	// Handlers are called in the gateway's order and only queue the
	// work, on the channel's lane (lanes).
	s.SyncEvents = true
	// discordgo logs with the standard log package; the adapter logs the
	// session's events itself (connect, disconnect, ready, resumed).
	s.LogLevel = -1
	threads, err := lru.New[string, string](4096)
	if err != nil {
		return nil, fmt.Errorf("discord: %w", err)
	}
	a := &Adapter{s: s, runtime: opts.Runtime, log: opts.Logger, threads: threads, registered: map[string]bool{},
		staffChannel: strings.TrimSpace(opts.StaffChannel)}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	empty := ""
	a.bot.Store(&empty)
	s.AddHandler(a.onReady)
	s.AddHandler(a.onResumed)
	s.AddHandler(a.onConnect)
	s.AddHandler(a.onDisconnect)
	s.AddHandler(a.onGuildCreate)
	s.AddHandler(a.onMessage)
	s.AddHandler(a.onInteraction)
	return a, nil
}

func pathOf(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	return p.Path
}

// gatewayOverride answers discordgo's GET /gateway (and /gateway/bot)
// with the configured gateway URL, the only way to choose the gateway:
// discordgo keeps it in an unexported field filled from that call.
type gatewayOverride struct {
	next  http.RoundTripper
	url   string
	paths []string
}

func (g gatewayOverride) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodGet {
		for _, p := range g.paths {
			if r.URL.Path == p {
				body, _ := json.Marshal(map[string]any{"url": g.url, "shards": 1})
				return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
					Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(bytes.NewReader(body)),
					ContentLength: int64(len(body)), Request: r}, nil
			}
		}
	}
	return g.next.RoundTrip(r)
}

// Start asks Discord who the bot is (GET /users/@me): a wrong token or
// API URL stops start-up here, with Discord's reason.
func (a *Adapter) Start(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	u, err := a.s.User("@me", discordgo.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("discord: GET /users/@me: %w", err)
	}
	if u == nil || u.ID == "" {
		return errors.New("discord: GET /users/@me named no user")
	}
	if !u.Bot {
		return errors.New("discord: the token is not a bot's (Developer Portal › Bot)")
	}
	id := u.ID
	a.bot.Store(&id)
	a.log.Info("discord: signed in", "bot_user", u.ID, "username", u.Username)
	return nil
}

// BotUser is the bot's user id, known after Start.
func (a *Adapter) BotUser() string { return *a.bot.Load() }

// Run connects to the gateway and stays connected until ctx ends
// (discordgo heartbeats, and reconnects and resumes after a drop); a
// failed first connection is tried again with a growing pause.
func (a *Adapter) Run(ctx context.Context) error {
	wait := time.Second
	for {
		err := a.s.Open()
		if err == nil {
			break
		}
		a.log.Warn("discord: gateway connection failed; trying again", "in", wait.String(), "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Minute)
	}
	<-ctx.Done()
	err := a.s.Close()
	a.work.wait()
	if err != nil {
		return fmt.Errorf("discord: close the gateway: %w", err)
	}
	return nil
}

func (a *Adapter) onConnect(_ *discordgo.Session, _ *discordgo.Connect) {
	a.log.Debug("discord: gateway connected")
}

func (a *Adapter) onDisconnect(_ *discordgo.Session, _ *discordgo.Disconnect) {
	a.log.Info("discord: gateway disconnected; discordgo reconnects and resumes")
}

func (a *Adapter) onResumed(_ *discordgo.Session, _ *discordgo.Resumed) {
	a.log.Info("discord: gateway session resumed")
}

func (a *Adapter) onReady(s *discordgo.Session, r *discordgo.Ready) {
	bot, app, guilds := readyOf(s, r)
	if bot != "" {
		a.bot.Store(&bot)
	}
	a.log.Info("discord: gateway ready", "guilds", len(guilds), "application", app)
	for _, g := range guilds {
		a.work.run("guild/"+g, func() { a.register(app, g) })
	}
}

// readyOf reads READY's bot user, application and guild ids. Its guilds
// are the state's, which GUILD_CREATE fills in while handlers run: they
// are read under the state's lock.
func readyOf(s *discordgo.Session, r *discordgo.Ready) (bot, app string, guilds []string) {
	if s.State != nil {
		s.State.RLock()
		defer s.State.RUnlock()
	}
	if r.User != nil {
		bot = r.User.ID
	}
	if r.Application != nil {
		app = r.Application.ID
	}
	for _, g := range r.Guilds {
		if g != nil && g.ID != "" {
			guilds = append(guilds, g.ID)
		}
	}
	return bot, app, guilds
}

func (a *Adapter) onGuildCreate(s *discordgo.Session, g *discordgo.GuildCreate) {
	if g.Guild == nil || g.ID == "" || g.Unavailable {
		return
	}
	// The state took READY (and its application) before any handler ran.
	app := ""
	if s.State != nil {
		s.State.RLock()
		if s.State.Application != nil {
			app = s.State.Application.ID
		}
		s.State.RUnlock()
	}
	a.work.run("guild/"+g.ID, func() { a.register(app, g.ID) })
}
