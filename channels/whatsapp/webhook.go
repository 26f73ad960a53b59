package whatsapp

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/store"
)

// Runtime is what the webhook needs of the channel runtime: to make a
// verified message durable work, and to record what WhatsApp reports about
// the messages Faro sent. *relay.Runtime implements it.
type Runtime interface {
	Accept(ctx context.Context, in relay.Inbound) (accepted bool, err error)
	Status(ctx context.Context, channel, platformMessageID string, status store.DeliveryStatus, detail string) error
}

// Notifier sends the short note that answers a message Faro cannot read
// (an image, a voice note…); *Adapter implements it.
type Notifier interface {
	Note(ctx context.Context, to, lang string) error
}

// Reengager sends the approved template to a person whose 24-hour window
// has closed, reporting whether one is configured and went; *Adapter
// implements it.
type Reengager interface {
	Reengage(ctx context.Context, to string) (sent bool, err error)
}

// noteTimeout bounds a send in the acknowledgement path (the text-only
// note, a template after a late 131047).
const noteTimeout = 5 * time.Second

// MaxBody caps a webhook body. Meta's notifications are a few KiB, even
// batched; a larger body is refused before it is read whole (OWASP LLM10).
const MaxBody = 1 << 20

// address is what the adapter needs to answer a message: whom, and which
// message (for the typing indicator).
type address struct {
	WaID  string `json:"wa_id"`
	WamID string `json:"wamid,omitempty"`
}

// Webhook serves the callback URL registered in Meta's developer console:
// GET is the verification handshake, POST the signed notifications.
type Webhook struct {
	appSecret     []byte
	verifyToken   []byte
	phoneNumberID string
	runtime       Runtime
	notes         Notifier
	reengager     Reengager
	linker        *Linker
	languages     Languages
	messages      Messages
	log           *slog.Logger
	stats         *Stats
	// noted are the wamids answered with the note by this process: Meta
	// re-delivers what it thinks was not acknowledged.
	noted *lru.Cache[string, struct{}]
}

// Messages finds a stored message by its platform id; store.Store
// implements it.
type Messages interface {
	MessageByPlatformID(ctx context.Context, channel, platformID string) (store.Message, error)
}

// Languages finds the language of a person's conversation, for the note
// to a message Faro cannot read. store.Store implements it.
type Languages interface {
	ConversationByExternalID(ctx context.Context, channel, externalID string) (store.Conversation, error)
}

// WebhookOptions configures a [Webhook].
type WebhookOptions struct {
	// AppSecret signs every POST (X-Hub-Signature-256); VerifyToken is the
	// one registered with the callback URL. Both are required.
	AppSecret   string
	VerifyToken string
	// PhoneNumberID is the business number Faro answers for; messages to
	// another number of the same account are ignored. Empty answers all.
	PhoneNumberID string
	// Runtime accepts the messages; required.
	Runtime Runtime
	// Notes answers media with the text-only note; nil sends none.
	Notes Notifier
	// Reengage sends the template when WhatsApp reports, in a failed
	// status, that a reply fell outside the 24-hour window; nil sends none.
	Reengage Reengager
	// Linker links a WhatsApp sender to the contact with the same phone;
	// nil links nothing.
	Linker *Linker
	// Languages finds a conversation's language for the note; nil detects
	// it from the caption only.
	Languages Languages
	// Messages, when set, recognises a re-delivery of a message already
	// stored, however late: wamids are never reused, and Meta retries for
	// up to 7 days, longer than the runtime remembers accepted ids.
	Messages Messages
	Logger   *slog.Logger
	// Stats counts refused requests; nil keeps its own.
	Stats *Stats
}

// NewWebhook returns the webhook handler.
func NewWebhook(o WebhookOptions) (*Webhook, error) {
	switch {
	case o.AppSecret == "":
		return nil, errors.New("whatsapp: webhook: no app secret")
	case o.VerifyToken == "":
		return nil, errors.New("whatsapp: webhook: no verify token")
	case o.Runtime == nil:
		return nil, errors.New("whatsapp: webhook: no runtime")
	}
	w := &Webhook{
		appSecret: []byte(o.AppSecret), verifyToken: []byte(o.VerifyToken), phoneNumberID: o.PhoneNumberID,
		runtime: o.Runtime, notes: o.Notes, reengager: o.Reengage, linker: o.Linker, languages: o.Languages, messages: o.Messages, log: o.Logger, stats: o.Stats,
	}
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	if w.stats == nil {
		w.stats = &Stats{}
	}
	noted, err := lru.New[string, struct{}](4096)
	if err != nil {
		return nil, fmt.Errorf("whatsapp: webhook: %w", err)
	}
	w.noted = noted
	return w, nil
}

// Stats counts what the webhook refused or recognised, by reason.
type Stats struct {
	BadVerifyToken atomic.Int64 // GET handshakes refused
	Unsigned       atomic.Int64 // POSTs without X-Hub-Signature-256
	BadSignature   atomic.Int64 // POSTs whose signature is not the body's
	TooLarge       atomic.Int64 // POSTs above MaxBody
	Malformed      atomic.Int64 // signed POSTs that are no WhatsApp notification
	Redelivered    atomic.Int64 // messages already accepted
}

// Stats returns the webhook's counters.
func (w *Webhook) Stats() *Stats { return w.stats }

// ServeHTTP answers GET with the verification handshake and POST with
// the notification's handling; other methods are 405.
func (w *Webhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		w.verify(rw, r)
	case http.MethodPost:
		w.notify(rw, r)
	default:
		rw.Header().Set("Allow", "GET, POST")
		http.Error(rw, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// verify answers Meta's handshake: hub.mode=subscribe with the registered
// verify token gets hub.challenge back as it came; anything else 403.
func (w *Webhook) verify(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	token := []byte(q.Get("hub.verify_token"))
	if q.Get("hub.mode") != "subscribe" || subtle.ConstantTimeCompare(token, w.verifyToken) != 1 {
		w.stats.BadVerifyToken.Add(1)
		w.log.Warn("whatsapp: verification refused: wrong mode or verify token", "mode", q.Get("hub.mode"))
		http.Error(rw, "forbidden", http.StatusForbidden)
		return
	}
	rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
	rw.Header().Set("X-Content-Type-Options", "nosniff") // the challenge is Meta's text, echoed
	_, _ = io.WriteString(rw, q.Get("hub.challenge"))
}

// notify handles one signed notification: nothing is stored before the
// signature is checked; 200 once every message in it is accepted (or was
// already), 500 when the store fails so that Meta delivers it again.
func (w *Webhook) notify(rw http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			w.stats.TooLarge.Add(1)
			http.Error(rw, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(rw, "cannot read body", http.StatusBadRequest)
		return
	}
	sig := r.Header.Get(SignatureHeader)
	if !ValidSignature(w.appSecret, body, sig) {
		if sig == "" {
			w.stats.Unsigned.Add(1)
		} else {
			w.stats.BadSignature.Add(1)
		}
		w.log.Warn("whatsapp: webhook refused: missing or wrong signature", "signed", sig != "", "bytes", len(body))
		http.Error(rw, "invalid signature", http.StatusUnauthorized)
		return
	}
	batch, err := Parse(body)
	if err != nil {
		w.stats.Malformed.Add(1)
		w.log.Warn("whatsapp: signed webhook not understood", "err", err)
		http.Error(rw, "malformed notification", http.StatusBadRequest)
		return
	}
	if err := w.handle(r.Context(), batch); err != nil {
		w.log.Error("whatsapp: webhook not accepted; Meta will deliver it again", "err", err)
		http.Error(rw, "try again", http.StatusInternalServerError)
		return
	}
	rw.WriteHeader(http.StatusOK)
}

// handle accepts a verified batch: each message becomes durable work (or
// is recognised as a re-delivery), each status is recorded.
func (w *Webhook) handle(ctx context.Context, b Batch) error {
	var errs []error
	for _, m := range b.Messages {
		if w.phoneNumberID != "" && m.PhoneNumberID != "" && m.PhoneNumberID != w.phoneNumberID {
			w.log.Debug("whatsapp: message to another business number ignored", "phone_number_id", m.PhoneNumberID)
			continue
		}
		if err := w.message(ctx, m); err != nil {
			errs = append(errs, err)
		}
	}
	for _, s := range b.Statuses {
		status := store.DeliveryStatus(s.Status)
		if !status.Valid() || status == store.DeliveryPending {
			continue // "deleted", "warning"…: nothing a delivery records
		}
		err := w.runtime.Status(ctx, Channel, s.ID, status, s.Detail)
		if errors.Is(err, store.ErrNotFound) {
			// A status of a message this server did not send (another
			// tool on the same number, or one sent before Faro): nothing
			// to record, and asking again would not change that.
			w.log.Debug("whatsapp: status of an unknown message", "wamid", s.ID, "status", s.Status)
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("status %s of %s: %w", s.Status, s.ID, err))
			continue
		}
		if status == store.DeliveryFailed && s.Code == CodeOutsideWindow {
			w.reengage(ctx, s)
		}
	}
	return errors.Join(errs...)
}

// reengage answers WhatsApp's report that a reply failed because the
// 24-hour window had closed (the API may accept a message and say so only
// later) as Deliver answers the same error at once: with the template, if
// one is configured, once per failed message in this process. The failure
// is recorded already; a template that cannot be sent is logged.
func (w *Webhook) reengage(ctx context.Context, s Status) {
	if w.reengager == nil || s.RecipientID == "" {
		return
	}
	if ok, _ := w.noted.ContainsOrAdd("reengage:"+s.ID, struct{}{}); ok {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, noteTimeout)
	defer cancel()
	sent, err := w.reengager.Reengage(ctx, s.RecipientID)
	switch {
	case err != nil:
		w.noted.Remove("reengage:" + s.ID)
		w.log.Warn("whatsapp: outside the 24-hour window: the template could not be sent", "wamid", s.ID, "err", err)
	case sent:
		w.log.Info("whatsapp: outside the 24-hour window: the template was sent after the reply failed", "wamid", s.ID)
	}
}

func (w *Webhook) message(ctx context.Context, m Inbound) error {
	sender := store.Identity{Channel: Channel, ExternalID: m.From}
	switch m.Kind {
	case KindIgnored:
		return nil
	case KindUnsupported:
		return w.note(ctx, m)
	}
	if w.messages != nil {
		_, err := w.messages.MessageByPlatformID(ctx, Channel, m.ID)
		if err == nil {
			w.stats.Redelivered.Add(1)
			w.log.Info("whatsapp: re-delivered message ignored: it is stored", "wamid", m.ID)
			return nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("find %s: %w", m.ID, err)
		}
	}
	if w.linker != nil {
		if err := w.linker.Link(ctx, sender, m.From); err != nil {
			// Linking is a convenience: the message is answered anyway,
			// by a contact of its own.
			w.log.Warn("whatsapp: linking the sender to a contact failed", "err", err)
		}
	}
	addr, err := json.Marshal(address{WaID: m.From, WamID: m.ID})
	if err != nil {
		return fmt.Errorf("encode address: %w", err)
	}
	text := m.Text
	if r := []rune(text); len(r) > agent.MaxTextRunes {
		// WhatsApp allows 4096 characters, so this is not WhatsApp's.
		text = string(r[:agent.MaxTextRunes])
	}
	in := relay.Inbound{
		Message: agent.Message{
			Channel: Channel, PlatformID: m.ID, ChatID: m.From, Sender: sender,
			SenderName: m.Name, Text: text, ReceivedAt: m.At,
		},
		Address: addr,
	}
	accepted, err := w.runtime.Accept(ctx, in)
	if errors.Is(err, agent.ErrInvalidMessage) || errors.Is(err, relay.ErrUnknownChannel) {
		// Meta's retries cannot fix it: log it and acknowledge.
		w.log.Warn("whatsapp: message refused by the runtime", "wamid", m.ID, "err", err)
		return nil
	}
	if err != nil {
		return fmt.Errorf("accept %s: %w", m.ID, err)
	}
	if !accepted {
		w.stats.Redelivered.Add(1)
		w.log.Info("whatsapp: re-delivered message ignored", "wamid", m.ID)
	}
	return nil
}

// note answers a message Faro cannot read with the text-only note, once
// per message id in this process (see [Adapter.Note]).
func (w *Webhook) note(ctx context.Context, m Inbound) error {
	if w.notes == nil {
		return nil
	}
	lang := ""
	if w.languages != nil {
		if c, err := w.languages.ConversationByExternalID(ctx, Channel, m.From); err == nil {
			lang = c.Language
		}
	}
	if lang == "" {
		lang = agent.DetectLanguage(m.Caption)
	}
	if ok, _ := w.noted.ContainsOrAdd(m.ID, struct{}{}); ok {
		w.stats.Redelivered.Add(1)
		return nil
	}
	// The note is sent in the acknowledgement path (the runtime has no
	// job for a reply without a turn); bounded, so Meta's request does
	// not wait long, and a failure is a 500 that Meta retries.
	ctx, cancel := context.WithTimeout(ctx, noteTimeout)
	defer cancel()
	if err := w.notes.Note(ctx, m.From, lang); err != nil {
		w.noted.Remove(m.ID)
		return fmt.Errorf("text-only note for %s: %w", m.ID, err)
	}
	return nil
}
