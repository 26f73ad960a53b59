package telegram

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/store"
)

// Channel is the channel's name in messages, identities and metrics.
const Channel = "telegram"

// Limit is Telegram's size of one message, in UTF-16 units.
const Limit = 4096

// DefaultAPIURL is the Bot API's address.
const DefaultAPIURL = "https://api.telegram.org"

// Options configure an [Adapter]. Token and Acceptor are required, and
// WebhookSecret to serve the webhook.
type Options struct {
	// Token is the bot's token from BotFather.
	Token string
	// WebhookSecret is the secret_token given to setWebhook.
	WebhookSecret string
	// APIURL is the Bot API's base URL; DefaultAPIURL when empty.
	APIURL string
	// Acceptor takes verified messages: the runtime.
	Acceptor relay.Acceptor
	// HTTPClient calls the Bot API; one with a 60 s timeout when nil.
	HTTPClient *http.Client
	// PollTimeout is getUpdates' long-poll wait. Default 25 s.
	PollTimeout time.Duration
	Logger      *slog.Logger
}

// Adapter is the Telegram channel: [relay.Adapter] and [relay.Typer]
// outbound, an http.Handler (the webhook) and a poller inbound.
type Adapter struct {
	opts  Options
	bot   *bot.Bot
	log   *slog.Logger
	botID int64

	mu       sync.Mutex
	username string // the bot's @name, from getMe, for mentions in groups
}

// Interface guards.
var (
	_ relay.Adapter   = (*Adapter)(nil)
	_ relay.Typer     = (*Adapter)(nil)
	_ relay.Addresser = (*Adapter)(nil)
	_ http.Handler    = (*Adapter)(nil)
)

// tokenPattern is the shape of a bot token: the bot's user id, a colon, a
// secret.
var tokenPattern = regexp.MustCompile(`^([0-9]{1,20}):[A-Za-z0-9_-]{10,}$`)

// secretPattern is what setWebhook accepts as secret_token.
var secretPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// ValidToken reports whether token has the shape of a bot token.
func ValidToken(token string) bool { return tokenPattern.MatchString(token) }

// ValidSecret reports whether secret is one setWebhook accepts: 1 to 256
// of A-Z a-z 0-9 _ -.
func ValidSecret(secret string) bool { return secretPattern.MatchString(secret) }

// New returns the adapter; it calls nothing on the network.
func New(o Options) (*Adapter, error) {
	m := tokenPattern.FindStringSubmatch(o.Token)
	if m == nil {
		return nil, errors.New("telegram: the token is not a bot token (123456789:AA…, from BotFather)")
	}
	if o.WebhookSecret != "" && !ValidSecret(o.WebhookSecret) {
		return nil, errors.New("telegram: the webhook secret must be 1 to 256 of A-Z a-z 0-9 _ -")
	}
	if o.Acceptor == nil {
		return nil, errors.New("telegram: no acceptor")
	}
	o.APIURL = strings.TrimRight(cmp.Or(o.APIURL, DefaultAPIURL), "/")
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 60 * time.Second}
	}
	if o.PollTimeout <= 0 {
		o.PollTimeout = 25 * time.Second
	}
	o.Logger = cmp.Or(o.Logger, slog.New(slog.DiscardHandler))
	id, _ := strconv.ParseInt(m[1], 10, 64)
	b, err := bot.New(o.Token, bot.WithServerURL(o.APIURL), bot.WithSkipGetMe(),
		bot.WithHTTPClient(o.PollTimeout, o.HTTPClient),
		bot.WithErrorsHandler(func(err error) { o.Logger.Debug("telegram client", "err", err) }))
	if err != nil {
		return nil, fmt.Errorf("telegram: %w", err)
	}
	return &Adapter{opts: o, bot: b, log: o.Logger, botID: id}, nil
}

// Channel is "telegram".
func (a *Adapter) Channel() string { return Channel }

// Limit is 4096 UTF-16 units.
func (a *Adapter) Limit() (int, func(string) int) { return Limit, relay.UTF16 }

// address is what a reply needs: the chat, the topic, the message to
// answer in a group.
type address struct {
	ChatID   int64 `json:"chat_id"`
	ThreadID int   `json:"thread_id,omitempty"`
	// ReplyTo is the message answered, in groups, so the reply shows
	// whom it answers.
	ReplyTo int `json:"reply_to,omitempty"`
}

// Deliver sends one part with sendMessage, and the reply's documents after
// the first part.
func (a *Adapter) Deliver(ctx context.Context, out relay.Outbound) (string, error) {
	var to address
	if err := json.Unmarshal(out.Address, &to); err != nil || to.ChatID == 0 {
		return "", relay.Permanent(fmt.Errorf("telegram: the reply's address %q is not a chat", out.Address))
	}
	p := &bot.SendMessageParams{
		ChatID: to.ChatID, MessageThreadID: to.ThreadID, Text: out.Text, ParseMode: models.ParseModeHTML,
		LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: bot.True()},
	}
	if to.ReplyTo != 0 && out.Part == 1 {
		p.ReplyParameters = &models.ReplyParameters{MessageID: to.ReplyTo, AllowSendingWithoutReply: true}
	}
	m, err := a.bot.SendMessage(ctx, p)
	if err != nil && errors.Is(err, bot.ErrorBadRequest) && strings.Contains(err.Error(), "can't parse entities") {
		// Markup Telegram cannot parse (a tag cut by a split, say): the
		// words matter more than the formatting.
		a.log.Warn("telegram refused the markup: sending plain text", "err", err)
		p.Text, p.ParseMode = plain(out.Text), ""
		m, err = a.bot.SendMessage(ctx, p)
	}
	if err != nil {
		return "", classify("sendMessage", err)
	}
	if out.Part == 1 {
		a.sendDocuments(ctx, to, out)
	}
	return strconv.Itoa(m.ID), nil
}

// sendDocuments sends each document as a file Telegram fetches from its
// link, or, when it cannot (a server Telegram cannot reach), the link.
// The text is sent already: a document that fails is logged, never
// retried, so that the text is not sent twice.
func (a *Adapter) sendDocuments(ctx context.Context, to address, out relay.Outbound) {
	for _, d := range out.Documents {
		_, err := a.bot.SendDocument(ctx, &bot.SendDocumentParams{
			ChatID: to.ChatID, MessageThreadID: to.ThreadID, Document: &models.InputFileString{Data: d.URL},
			Caption: html.EscapeString(d.Name), ParseMode: models.ParseModeHTML,
		})
		if err == nil {
			continue
		}
		a.log.Info("telegram could not send the document as a file: sending its link", "name", d.Name, "err", err)
		_, err = a.bot.SendMessage(ctx, &bot.SendMessageParams{
			ChatID: to.ChatID, MessageThreadID: to.ThreadID, ParseMode: models.ParseModeHTML,
			Text: "📄 " + link(d.URL, cmp.Or(d.Name, d.URL)),
		})
		if err != nil {
			a.log.Error("document link not sent", "conversation_id", out.ConversationID, "name", d.Name, "err", err)
		}
	}
}

// Typing shows "typing…" in the chat; Telegram clears it after 5 s.
func (a *Adapter) Typing(ctx context.Context, in relay.Inbound) error {
	var to address
	if err := json.Unmarshal(in.Address, &to); err != nil {
		return fmt.Errorf("telegram: typing: %w", err)
	}
	_, err := a.bot.SendChatAction(ctx, &bot.SendChatActionParams{
		ChatID: to.ChatID, MessageThreadID: to.ThreadID, Action: models.ChatActionTyping,
	})
	if err != nil {
		return classify("sendChatAction", err)
	}
	return nil
}

// TypingEvery is 4 s: the indicator lasts at most 5.
func (a *Adapter) TypingEvery() time.Duration { return 4 * time.Second }

// classify maps the Bot API's errors to the runtime's: 429 waits its
// retry_after; 400, 403 and 404 never succeed when repeated; anything
// else (5xx, a timeout, a body that is not the API's) is transient.
func classify(method string, err error) error {
	err = fmt.Errorf("telegram: %s: %w", method, err)
	var tooMany *bot.TooManyRequestsError
	var migrate *bot.MigrateError
	switch {
	case errors.As(err, &tooMany):
		return relay.RetryAfter(time.Duration(max(tooMany.RetryAfter, 1))*time.Second, err)
	case errors.As(err, &migrate),
		errors.Is(err, bot.ErrorBadRequest), errors.Is(err, bot.ErrorForbidden), errors.Is(err, bot.ErrorNotFound):
		return relay.Permanent(err)
	}
	return err
}

// me is the bot's @username, asked of getMe once.
func (a *Adapter) me(ctx context.Context) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.username != "" {
		return a.username, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	u, err := a.bot.GetMe(ctx)
	if err != nil {
		return "", fmt.Errorf("telegram: getMe: %w", err)
	}
	a.username = u.Username
	return a.username, nil
}

// Render converts the agent's reply to Telegram HTML.
func (a *Adapter) Render(r agent.Reply) string { return Render(r) }

// AddressOf implements relay.Addresser: a staff reply goes to the chat of
// the conversation (its ExternalID). In a forum group it reaches the
// general topic, since the conversation does not keep the topic.
func (a *Adapter) AddressOf(conv store.Conversation) (json.RawMessage, error) {
	id, err := strconv.ParseInt(conv.ExternalID, 10, 64)
	if err != nil || id == 0 {
		return nil, fmt.Errorf("telegram: conversation %s: %q is not a chat id", conv.ID, conv.ExternalID)
	}
	return json.Marshal(address{ChatID: id})
}
