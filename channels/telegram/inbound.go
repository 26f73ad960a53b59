package telegram

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/go-telegram/bot/models"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/store"
)

// SecretHeader carries the webhook's secret_token on every update.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// maxBody bounds an update's body; Telegram's are a few kilobytes.
const maxBody = 1 << 20

// CheckSecret reports whether the header's value is the secret, in time
// that does not depend on where they differ. An empty secret matches
// nothing.
func CheckSecret(header, secret string) bool {
	if secret == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(header), []byte(secret)) == 1
}

// ServeHTTP is the webhook: a wrong or missing secret is 401 and nothing is
// read or stored; an update that is not JSON is 400; an update the bot
// does not answer (an edit, a group message not addressed to it, a
// sticker) is 200 and dropped; a message is accepted by the runtime, and
// only then acknowledged (200), so Telegram re-sends it if the server
// cannot store it (500).
func (a *Adapter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	if !CheckSecret(r.Header.Get(SecretHeader), a.opts.WebhookSecret) {
		a.log.Warn("telegram webhook: wrong or missing secret token", "remote", r.RemoteAddr)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		http.Error(w, "cannot read the body", http.StatusBadRequest)
		return
	}
	if len(body) > maxBody {
		http.Error(w, "update too large", http.StatusRequestEntityTooLarge)
		return
	}
	upd, err := ParseUpdate(body)
	if err != nil {
		a.log.Warn("telegram webhook: not an update", "err", err)
		http.Error(w, "not an update", http.StatusBadRequest)
		return
	}
	if err := a.handle(r.Context(), upd); err != nil {
		a.log.Error("telegram webhook: update not stored: Telegram will re-send it", "update_id", upd.ID, "err", err)
		http.Error(w, "not stored, retry", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// handle accepts the update's message, if the bot answers it. An error
// means the update was not stored and should be received again.
func (a *Adapter) handle(ctx context.Context, upd models.Update) error {
	in, ok := Inbound(upd, a.botID, func() string {
		name, err := a.me(ctx)
		if err != nil {
			a.log.Warn("telegram: the bot's username is unknown: mentions in groups are missed", "err", err)
		}
		return name
	})
	if !ok {
		return nil
	}
	_, err := a.opts.Acceptor.Accept(ctx, in)
	if errors.Is(err, agent.ErrInvalidMessage) || errors.Is(err, relay.ErrUnknownChannel) {
		// Re-sending cannot fix it.
		a.log.Warn("telegram: message not answered", "update_id", upd.ID, "err", err)
		return nil
	}
	return err
}

// ParseUpdate decodes one update as Telegram sends it.
func ParseUpdate(body []byte) (models.Update, error) {
	var u models.Update
	if err := json.Unmarshal(body, &u); err != nil {
		return u, fmt.Errorf("telegram: update: %w", err)
	}
	if u.ID == 0 {
		return u, errors.New("telegram: update without update_id")
	}
	return u, nil
}

// Inbound is the message of upd the bot answers, and whether there is
// one: a text (or a caption) from a person, in a private chat, or in a
// group when it mentions the bot or replies to it. username gives the
// bot's @name, asked only for a group message that does not reply to the
// bot. "/start" becomes a greeting in the sender's language.
func Inbound(upd models.Update, botID int64, username func() string) (relay.Inbound, bool) {
	m := upd.Message
	if m == nil || m.From == nil || m.From.IsBot {
		return relay.Inbound{}, false
	}
	text := m.Text
	entities := m.Entities
	if text == "" {
		text, entities = m.Caption, m.CaptionEntities
	}
	if strings.TrimSpace(text) == "" {
		return relay.Inbound{}, false
	}
	to := address{ChatID: m.Chat.ID}
	if m.IsTopicMessage {
		to.ThreadID = m.MessageThreadID
	}
	if m.Chat.Type != models.ChatTypePrivate {
		repliedTo := m.ReplyToMessage != nil && m.ReplyToMessage.From != nil && m.ReplyToMessage.From.ID == botID
		name := ""
		if !repliedTo || strings.Contains(text, "@") {
			name = username()
		}
		mentioned := mentions(text, entities, botID, name)
		if !repliedTo && !mentioned {
			return relay.Inbound{}, false
		}
		if name != "" {
			text = strings.TrimSpace(strings.ReplaceAll(text, "@"+name, ""))
		}
		to.ReplyTo = m.ID
	}
	if cmd, _, _ := strings.Cut(strings.TrimSpace(text), " "); cmd == "/start" {
		text = greeting(m.From.LanguageCode)
	}
	if strings.TrimSpace(text) == "" {
		return relay.Inbound{}, false
	}
	addr, _ := json.Marshal(to) // plain struct: never fails
	name := strings.TrimSpace(m.From.FirstName + " " + m.From.LastName)
	return relay.Inbound{
		Message: agent.Message{
			Channel: Channel, PlatformID: strconv.FormatInt(upd.ID, 10), ChatID: strconv.FormatInt(m.Chat.ID, 10),
			Sender:     store.Identity{Channel: Channel, ExternalID: strconv.FormatInt(m.From.ID, 10)},
			SenderName: name, Text: text, ReceivedAt: time.Unix(int64(m.Date), 0).UTC(),
		},
		Address: addr,
	}, true
}

// mentions reports whether text mentions the bot: an @username entity
// naming it, or a text_mention of its id.
func mentions(text string, entities []models.MessageEntity, botID int64, username string) bool {
	units := utf16.Encode([]rune(text)) // entity offsets count UTF-16 units
	for _, e := range entities {
		switch e.Type {
		case models.MessageEntityTypeTextMention:
			if e.User != nil && e.User.ID == botID {
				return true
			}
		case models.MessageEntityTypeMention, models.MessageEntityTypeBotCommand:
			if e.Offset < 0 || e.Length < 0 || e.Offset+e.Length > len(units) || username == "" {
				continue
			}
			s := string(utf16.Decode(units[e.Offset : e.Offset+e.Length]))
			if strings.EqualFold(s, "@"+username) || strings.HasSuffix(strings.ToLower(s), "@"+strings.ToLower(username)) {
				return true
			}
		}
	}
	return false
}

// greeting is what /start says for the person, in their language, so the
// assistant greets them in it.
func greeting(languageCode string) string {
	switch lang, _, _ := strings.Cut(strings.ToLower(languageCode), "-"); lang {
	case "es":
		return "Hola"
	case "pt":
		return "Olá"
	}
	return "Hello"
}
