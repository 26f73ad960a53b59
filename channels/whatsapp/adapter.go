package whatsapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/store"
)

// Channel is the channel's name in messages, identities and jobs.
const Channel = "whatsapp"

// Window is WhatsApp's customer-service window: free-form messages may be
// sent until this long after the person last wrote; after it, only an
// approved template.
const Window = 24 * time.Hour

// Defaults of [Options].
const (
	// DefaultThrottleBackoff is the first wait after a throttling code:
	// the pair limit allows about one message every 6 seconds to one
	// person.
	DefaultThrottleBackoff = 6 * time.Second
	// DefaultMaxThrottleBackoff caps the doubling waits.
	DefaultMaxThrottleBackoff = 5 * time.Minute
	// TypingEvery repeats the typing indicator: WhatsApp clears it after
	// 25 seconds.
	TypingEvery = 20 * time.Second
)

// Options configures an [Adapter].
type Options struct {
	// Client reaches the Graph API for the business number; required.
	Client *Client
	// Template, with TemplateLanguage (its code as approved: es, en_US,
	// pt_BR…), is the approved template sent instead of a reply when the
	// 24-hour window has closed; empty records such a reply as not sent.
	Template         string
	TemplateLanguage string
	// ThrottleBackoff is the wait after a throttling code, doubled with
	// each attempt up to MaxThrottleBackoff; zero means the defaults.
	ThrottleBackoff    time.Duration
	MaxThrottleBackoff time.Duration
	// NowFunc is the clock of the window; nil is time.Now.
	NowFunc func() time.Time
	Logger  *slog.Logger
}

// Adapter is WhatsApp's outbound side for the channel runtime: it renders
// replies in WhatsApp's markup and sends them through the Cloud API.
type Adapter struct {
	client                 *Client
	template, templateLang string
	backoff, maxBackoff    time.Duration
	now                    func() time.Time
	log                    *slog.Logger
}

// Interface guards.
var (
	_ relay.Adapter   = (*Adapter)(nil)
	_ relay.Typer     = (*Adapter)(nil)
	_ relay.Addresser = (*Adapter)(nil)
	_ Notifier        = (*Adapter)(nil)
	_ Reengager       = (*Adapter)(nil)
)

// New returns the adapter.
func New(o Options) (*Adapter, error) {
	if o.Client == nil {
		return nil, errors.New("whatsapp: no Graph API client")
	}
	if o.Template != "" && o.TemplateLanguage == "" {
		return nil, errors.New("whatsapp: a template needs its language")
	}
	a := &Adapter{
		client: o.Client, template: o.Template, templateLang: o.TemplateLanguage,
		backoff: o.ThrottleBackoff, maxBackoff: o.MaxThrottleBackoff, now: o.NowFunc, log: o.Logger,
	}
	if a.backoff <= 0 {
		a.backoff = DefaultThrottleBackoff
	}
	if a.maxBackoff <= 0 {
		a.maxBackoff = max(DefaultMaxThrottleBackoff, a.backoff)
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	return a, nil
}

// Channel is "whatsapp".
func (a *Adapter) Channel() string { return Channel }

// Limit is 4096 characters, counted in UTF-16 units (see [Length]).
func (a *Adapter) Limit() (int, func(string) int) { return MaxText, Length }

// Render converts the agent's reply to WhatsApp's markup (see [Render]).
func (a *Adapter) Render(r agent.Reply) string { return Render(r) }

// TypingEvery is how often the runtime repeats Typing while a turn runs.
func (a *Adapter) TypingEvery() time.Duration { return TypingEvery }

// Typing marks the person's message read and shows them a reply is being
// written.
func (a *Adapter) Typing(ctx context.Context, in relay.Inbound) error {
	if in.PlatformID == "" {
		return nil
	}
	return a.client.Typing(ctx, in.PlatformID)
}

// Deliver sends one part of a reply to the person. Inside the 24-hour
// window it is a text message. Outside it (known from LastInbound, or
// from WhatsApp's error 131047) the configured template goes instead, with
// the first part, and the other parts are recorded as not sent; with no
// template every part is. Throttling codes are a RetryAfter with a
// doubling backoff, 5xx and network failures transient, any other error
// permanent, with WhatsApp's message.
func (a *Adapter) Deliver(ctx context.Context, out relay.Outbound) (string, error) {
	var to address
	if err := json.Unmarshal(out.Address, &to); err != nil || !validWaID(to.WaID) {
		return "", relay.Permanent(fmt.Errorf("whatsapp: no wa_id to answer in the address %.100q", out.Address))
	}
	if strings.TrimSpace(out.Text) == "" {
		return "", relay.Permanent(errors.New("whatsapp: an empty part cannot be sent"))
	}
	if !out.LastInbound.IsZero() && a.now().Sub(out.LastInbound) >= Window {
		return a.outsideWindow(ctx, out, to.WaID, nil)
	}
	id, err := a.client.SendText(ctx, to.WaID, out.Text, strings.Contains(out.Text, "https://"))
	if e, ok := AsAPIError(err); ok && e.OutsideWindow() {
		return a.outsideWindow(ctx, out, to.WaID, e)
	}
	if err != nil {
		return "", a.classify(out, err)
	}
	return id, nil
}

// outsideWindow answers a part that may not be sent as text: cause is
// WhatsApp's error when it said so, nil when the clock did.
func (a *Adapter) outsideWindow(ctx context.Context, out relay.Outbound, to string, cause error) (string, error) {
	since := "more than 24 hours since the person last wrote"
	if cause != nil {
		since = cause.Error()
	}
	if a.template == "" {
		return "", relay.Permanent(fmt.Errorf("whatsapp: outside the 24-hour window and no template configured (FARO_WHATSAPP_TEMPLATE): %s", since))
	}
	if out.Part > 1 {
		return "", relay.Permanent(fmt.Errorf("whatsapp: outside the 24-hour window: template %q went with part 1 instead of the reply", a.template))
	}
	id, err := a.client.SendTemplate(ctx, to, a.template, a.templateLang)
	if err != nil {
		return "", a.classify(out, fmt.Errorf("whatsapp: outside the 24-hour window: template %q: %w", a.template, err))
	}
	a.log.Info("whatsapp: outside the 24-hour window: the template was sent instead of the reply",
		"conversation_id", out.ConversationID, "message_id", out.MessageID, "template", a.template)
	return id, nil
}

// classify turns a send's error into what the runtime does with it.
func (a *Adapter) classify(out relay.Outbound, err error) error {
	e, ok := AsAPIError(err)
	switch {
	case !ok:
		return err // the network, a timeout: transient
	case e.Throttled():
		return relay.RetryAfter(a.throttleWait(out.Attempt), err)
	case e.HTTPStatus >= 500:
		return err
	}
	return relay.Permanent(err)
}

// throttleWait is the backoff after the attempt-th throttled try.
func (a *Adapter) throttleWait(attempt int) time.Duration {
	d := a.backoff
	for i := 1; i < attempt && d < a.maxBackoff; i++ {
		d *= 2
	}
	return min(d, a.maxBackoff)
}

// Reengage sends the configured template to to, whose 24-hour window has
// closed; with none configured it sends nothing and reports sent false.
func (a *Adapter) Reengage(ctx context.Context, to string) (bool, error) {
	if a.template == "" || !validWaID(to) {
		return false, nil
	}
	if _, err := a.client.SendTemplate(ctx, to, a.template, a.templateLang); err != nil {
		return false, fmt.Errorf("whatsapp: template %q: %w", a.template, err)
	}
	return true, nil
}

// notes are the text-only notes, by language.
var notes = map[string]string{
	"es": "Por ahora solo puedo leer mensajes de texto. ¿Me lo escribes?",
	"en": "For now I can only read text messages. Could you write it to me?",
	"pt": "Por enquanto só consigo ler mensagens de texto. Pode me escrever?",
}

// NoteText is the text-only note in lang (Spanish when lang is none of
// es, en, pt).
func NoteText(lang string) string {
	if n, ok := notes[lang]; ok {
		return n
	}
	return notes["es"]
}

// Note tells the person, in lang, that Faro reads only text for now.
func (a *Adapter) Note(ctx context.Context, to, lang string) error {
	_, err := a.client.SendText(ctx, to, NoteText(lang), false)
	return err
}

// AddressOf implements relay.Addresser: a staff reply goes to the wa_id
// the conversation is with (its ExternalID).
func (a *Adapter) AddressOf(conv store.Conversation) (json.RawMessage, error) {
	if !validWaID(conv.ExternalID) {
		return nil, fmt.Errorf("whatsapp: conversation %s: %q is not a wa_id", conv.ID, conv.ExternalID)
	}
	return json.Marshal(address{WaID: conv.ExternalID})
}
