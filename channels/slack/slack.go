package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/staffchat"
	"github.com/faroai/faro/store"
)

// Acceptor is the runtime's inbound side: *relay.Runtime.
type Acceptor interface {
	Accept(ctx context.Context, in relay.Inbound) (accepted bool, err error)
}

// Options configure an Adapter.
type Options struct {
	// BotToken is the bot's OAuth token (xoxb-…); SigningSecret the app's
	// signing secret. Both are required.
	BotToken, SigningSecret string
	// APIURL is the Web API's base; empty is DefaultAPIURL. A missing
	// trailing slash is added: slack-go appends the method name to it.
	APIURL string
	// Command is the slash command answered (DefaultCommand when empty);
	// others posted to CommandPath are refused.
	Command string
	// Runtime accepts verified messages.
	Runtime Acceptor
	// HTTPClient calls the Web API; nil is a client with a 15 s timeout.
	HTTPClient *http.Client
	// PreviewEvery throttles the streamed preview; 0 is
	// DefaultPreviewEvery.
	PreviewEvery time.Duration
	// NoPreview posts replies only when whole: no message edited while
	// the model writes.
	NoPreview bool
	// StaffChannel is the channel id (C…) where staff follow handed-off
	// conversations (see staff.go); empty: none.
	StaffChannel string
	// ResponseURLPrefix is what a slash command's response_url must
	// start with to be used (https://hooks.slack.com/ when empty): the
	// request is signed, and the server still posts nowhere else.
	ResponseURLPrefix string
	// MaxBody caps a request's body; 0 is MaxBody.
	MaxBody int64
	Logger  *slog.Logger
}

// Adapter is the Slack channel: its webhooks verify and parse Slack's
// requests into relay.Inbound, and it implements relay.Adapter and
// relay.Previewer for the replies.
type Adapter struct {
	api          *slack.Client
	secret       string
	command      string
	runtime      Acceptor
	log          *slog.Logger
	maxBody      int64
	previewEvery time.Duration
	noPreview    bool
	http         *http.Client
	hooks        string
	staffChannel string
	staff        atomic.Pointer[staffchat.Handler]
	// botUser is the bot's user id, from auth.test (Start): its own
	// messages are dropped and its mention removed from the text.
	botUser atomic.Pointer[string]
}

// Interface guards.
var (
	_ relay.Adapter      = (*Adapter)(nil)
	_ relay.Previewer    = (*Adapter)(nil)
	_ relay.Addresser    = (*Adapter)(nil)
	_ staffchat.Platform = (*Adapter)(nil)
)

// New checks opts and returns an adapter; Start finds the bot's user id.
func New(opts Options) (*Adapter, error) {
	switch {
	case opts.BotToken == "":
		return nil, errors.New("slack: the bot token is required")
	case opts.SigningSecret == "":
		return nil, errors.New("slack: the signing secret is required")
	case opts.Runtime == nil:
		return nil, errors.New("slack: a runtime is required")
	}
	api := opts.APIURL
	if api == "" {
		api = DefaultAPIURL
	}
	if !strings.HasSuffix(api, "/") {
		api += "/"
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 15 * time.Second}
	}
	cmd := opts.Command
	if cmd == "" {
		cmd = DefaultCommand
	}
	if !strings.HasPrefix(cmd, "/") || strings.ContainsAny(cmd, " \t\n") {
		return nil, fmt.Errorf("slack: command %q is not like /faro", cmd)
	}
	a := &Adapter{
		api:          slack.New(opts.BotToken, slack.OptionAPIURL(api), slack.OptionHTTPClient(hc)),
		secret:       opts.SigningSecret,
		command:      cmd,
		runtime:      opts.Runtime,
		log:          opts.Logger,
		maxBody:      opts.MaxBody,
		previewEvery: opts.PreviewEvery,
		noPreview:    opts.NoPreview,
		http:         hc,
		hooks:        opts.ResponseURLPrefix,
		staffChannel: opts.StaffChannel,
	}
	if a.hooks == "" {
		a.hooks = DefaultResponseURLPrefix
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.maxBody <= 0 {
		a.maxBody = MaxBody
	}
	if a.previewEvery <= 0 {
		a.previewEvery = DefaultPreviewEvery
	}
	empty := ""
	a.botUser.Store(&empty)
	return a, nil
}

// Start asks Slack who the bot is (auth.test): a wrong token or API URL
// stops start-up here, with Slack's reason, rather than at the first
// reply.
func (a *Adapter) Start(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	r, err := a.api.AuthTestContext(ctx)
	if err != nil {
		return fmt.Errorf("slack: auth.test: %w", err)
	}
	if r.UserID == "" {
		return errors.New("slack: auth.test named no bot user")
	}
	id := r.UserID
	a.botUser.Store(&id)
	a.log.Info("slack: signed in", "bot_user", r.UserID, "team", r.Team, "team_id", r.TeamID)
	return nil
}

// BotUser is the bot's user id, known after Start.
func (a *Adapter) BotUser() string { return *a.botUser.Load() }

// Mount registers the webhooks with handle (a ServeMux's Handle).
func (a *Adapter) Mount(handle func(pattern string, h http.Handler)) {
	handle("POST "+EventsPath, http.HandlerFunc(a.serveEvents))
	handle("POST "+CommandPath, http.HandlerFunc(a.serveCommand))
	handle("POST "+InteractivePath, http.HandlerFunc(a.serveInteractive))
}

// refuse answers a request that did not prove it came from Slack: 401,
// with X-Slack-No-Retry so Slack does not send it again.
func (a *Adapter) refuse(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusUnauthorized
	if errors.Is(err, errTooLarge) {
		status = http.StatusRequestEntityTooLarge
	}
	a.log.Warn("slack: request refused", "path", r.URL.Path, "status", status, "err", err,
		"remote", r.RemoteAddr)
	w.Header().Set("X-Slack-No-Retry", "1")
	http.Error(w, http.StatusText(status), status)
}

// serveEvents is the Events API request URL: verify, parse, accept, 200.
// The turn runs after the answer (relay.Accept stores it as a job), well
// within Slack's three seconds.
func (a *Adapter) serveEvents(w http.ResponseWriter, r *http.Request) {
	body, err := readVerified(r, a.secret, a.maxBody)
	if err != nil {
		a.refuse(w, r, err)
		return
	}
	p, err := parseEvent(body, a.BotUser())
	if err != nil {
		// Signed by Slack yet unreadable: retrying cannot fix it.
		a.log.Warn("slack: unreadable event", "err", err)
		w.Header().Set("X-Slack-No-Retry", "1")
		http.Error(w, "unreadable event", http.StatusBadRequest)
		return
	}
	switch {
	case p.Challenge != "":
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"challenge": p.Challenge})
		return
	case a.staffEvent(w, r, p):
		return
	case p.Message == nil:
		a.log.Debug("slack: event ignored", "why", p.Ignored)
		w.WriteHeader(http.StatusOK)
		return
	}
	m := p.Message
	addr := address{Channel: m.Channel, User: m.User, EventID: m.EventID, ThreadTS: m.ThreadTS}
	chat := m.Channel
	if !m.IM {
		// In a channel every mention is answered in its thread, and each
		// thread is a conversation of its own.
		if addr.ThreadTS == "" {
			addr.ThreadTS = m.TS
		}
		chat = m.Channel + "/" + addr.ThreadTS
	}
	// The message key (channel, ts) is the platform id, not event_id:
	// app_mention and message.im of one post carry different event_ids,
	// while Slack's retries of one event carry the same key as well.
	if err := a.accept(r, m, chat, m.Channel+"/"+m.TS, addr); err != nil {
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// accept hands a verified message to the runtime. An error means it was
// not stored and the platform should send it again (answer 5xx); a
// message retrying cannot fix (no text…) is logged and nil.
func (a *Adapter) accept(r *http.Request, m *incoming, chat, platformID string, addr address) error {
	raw, err := json.Marshal(addr)
	if err != nil {
		return fmt.Errorf("slack: address: %w", err)
	}
	in := relay.Inbound{
		Message: agent.Message{
			Channel: Channel, PlatformID: platformID, ChatID: chat,
			Sender:     store.Identity{Channel: Channel, ExternalID: m.User},
			Text:       m.Text,
			ReceivedAt: m.At,
		},
		Address: raw,
	}
	accepted, err := a.runtime.Accept(r.Context(), in)
	log := a.log.With("event_id", m.EventID, "platform_id", platformID, "kind", m.Kind,
		"retry", r.Header.Get("X-Slack-Retry-Num"), "retry_reason", r.Header.Get("X-Slack-Retry-Reason"))
	switch {
	case errors.Is(err, agent.ErrInvalidMessage) || errors.Is(err, relay.ErrUnknownChannel):
		log.Warn("slack: message not accepted", "err", err)
	case err != nil:
		log.Error("slack: accept", "err", err)
		return err
	case !accepted:
		log.Info("slack: re-delivery ignored")
	default:
		log.Debug("slack: accepted")
	}
	return nil
}
