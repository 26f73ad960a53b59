package relay

import (
	"context"
	"encoding/json"
	"time"

	"github.com/faroai/faro/agent"
)

// Inbound is one verified platform message. The adapter builds it after
// checking the platform's signature; everything after that is the
// runtime's.
type Inbound struct {
	// Message is what agent.Turn gets: Channel, PlatformID (update_id,
	// wamid, event_id…), ChatID, Sender, SenderName, Text, ReceivedAt.
	// Channel must be the Channel() of a registered Adapter.
	agent.Message
	// Address is what the adapter needs to answer: chat id, thread ts,
	// wa_id, the message to reply to… It is the adapter's own JSON; the
	// runtime stores it and hands it back in Outbound.Address and to
	// Typing and Preview.
	Address json.RawMessage `json:"address,omitempty"`
}

// Outbound is one part of a reply, as stored in a delivery job.
type Outbound struct {
	Channel        string `json:"channel"`
	ConversationID string `json:"conversation_id"`
	// MessageID is the stored reply (store.Message.ID) this part belongs to.
	MessageID string `json:"message_id"`
	// Address is the Inbound's Address.
	Address json.RawMessage `json:"address,omitempty"`
	// Part and Parts number the parts, 1-based: Part of Parts.
	Part  int `json:"part"`
	Parts int `json:"parts"`
	// Text is the part, rendered (Adapter.Render) and split (Split).
	Text string `json:"text"`
	// Language is the reply's language: es, en or pt.
	Language string `json:"language"`
	// LastInbound is when the person last wrote in this conversation
	// (WhatsApp's 24-hour customer-service window).
	LastInbound time.Time `json:"last_inbound"`
	// Attempt is 1 on the first try, 2 on the first retry…
	Attempt int `json:"-"`
	// Documents are the reply's generated documents; only the first part
	// carries them, to be sent as files or links where the platform can.
	Documents []agent.Document `json:"documents,omitempty"`
	// PreviewID is the platform's id of the preview a Previewer posted
	// while the reply streamed; only the first part carries it, and
	// should replace the preview with its text (edit it) rather than post
	// a new message. Empty when there was no preview.
	PreviewID string `json:"preview_id,omitempty"`
}

// Adapter is a platform's outbound side.
type Adapter interface {
	// Channel is the platform's name: "telegram", "whatsapp", "slack". It
	// is Inbound.Channel and store.Message.Channel.
	Channel() string
	// Limit is the platform's size limit for one message and how to count
	// it (runes, UTF-16 units, bytes); the runtime splits replies with it.
	Limit() (max int, count func(string) int)
	// Render converts the reply's text (Markdown as the agent writes it,
	// citations as [1]-style refs with Reply.Citations, documents in
	// Reply.Documents) into the platform's markup, escaped so that the
	// platform never rejects it.
	Render(r agent.Reply) string
	// Deliver sends one part and returns the platform's id of what it
	// sent. Errors: see RetryAfter and Permanent; any other error is
	// transient.
	Deliver(ctx context.Context, out Outbound) (platformMessageID string, err error)
}

// Typer is an Adapter whose platform shows that the bot is writing
// (Telegram sendChatAction, WhatsApp typing_indicator). The runtime calls
// Typing when the turn starts and every TypingEvery while it runs; errors
// are logged, never retried.
type Typer interface {
	Typing(ctx context.Context, in Inbound) error
	TypingEvery() time.Duration
}

// Previewer is an Adapter that shows the reply as it streams, in one
// message it edits (Slack chat.update, Telegram editMessageText).
type Previewer interface {
	// Preview posts the preview (id == "") or edits it (id is what the
	// first call returned), with text the reply so far, as the model
	// writes it (not rendered: the adapter escapes it); it returns the
	// preview's id. The final delivery's first part then replaces the
	// preview (Outbound.PreviewID).
	Preview(ctx context.Context, in Inbound, id, text string) (string, error)
	// PreviewEvery is the throttle: at most one call per interval.
	PreviewEvery() time.Duration
}

// Acceptor is what an adapter's inbound side needs of the runtime;
// *Runtime implements it. Adapters declare their own copy where they use
// it, or take this one.
type Acceptor interface {
	Accept(ctx context.Context, in Inbound) (accepted bool, err error)
}

// Interface guard.
var _ Acceptor = (*Runtime)(nil)
