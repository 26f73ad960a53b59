package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// HandoffKind is what happened to a conversation's hand-off.
type HandoffKind string

// The hand-off events.
const (
	// HandoffRequested: the person asked for a human (request_human).
	HandoffRequested HandoffKind = "requested"
	// HandoffTaken: staff took the conversation over from the bot.
	HandoffTaken HandoffKind = "taken"
	// HandoffReplied: staff wrote to the person (MessageID is the reply).
	HandoffReplied HandoffKind = "replied"
	// HandoffReleased: staff handed the conversation back to the bot.
	HandoffReleased HandoffKind = "released"
)

// Valid reports whether k is one of the known kinds.
func (k HandoffKind) Valid() bool {
	switch k {
	case HandoffRequested, HandoffTaken, HandoffReplied, HandoffReleased:
		return true
	}
	return false
}

// HandoffEvent is one step of a conversation's hand-off, stored so that
// who took, answered and released a conversation, and when, is known
// afterwards (the console's history, the KPIs).
type HandoffEvent struct {
	// ID is the event's key: the same ID is stored once, so a step
	// retried after a crash is not recorded twice. Empty: a new one.
	ID             string      `json:"id"`
	ConversationID string      `json:"conversation_id"`
	Kind           HandoffKind `json:"kind"`
	// Actor is who did it: a staff identity ("slack:U0123", "web:ana@…",
	// "api:<key name>"); empty for the person or the bot.
	Actor string `json:"actor,omitempty"`
	// MessageID is the staff message of a reply.
	MessageID string `json:"message_id,omitempty"`
	// Detail is the reason given, if any.
	Detail    string    `json:"detail,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// StaffThread ties a conversation to the thread in the staff channel
// where staff follow it: the platform (slack, mattermost, discord), the
// staff channel there and the thread's id.
type StaffThread struct {
	ConversationID string    `json:"conversation_id"`
	Platform       string    `json:"platform"`
	Channel        string    `json:"channel"`
	Thread         string    `json:"thread"`
	CreatedAt      time.Time `json:"created_at"`
}

// Handoffs stores the hand-off history and the staff threads.
type Handoffs interface {
	// AddHandoffEvent stores e with a new ID if it has none, and returns
	// it as stored and true. An e.ID stored already returns the stored
	// event and false, changing nothing. ErrInvalid for an unknown Kind,
	// no ConversationID, or a NUL; ErrNotFound if the conversation does
	// not exist.
	AddHandoffEvent(ctx context.Context, e HandoffEvent) (HandoffEvent, bool, error)
	// HandoffEvents lists a conversation's events, oldest first; none is
	// an empty list.
	HandoffEvents(ctx context.Context, conversationID string) ([]HandoffEvent, error)

	// SaveStaffThread stores the conversation's thread and returns it and
	// true; when the conversation has one already, that one is returned
	// with false and nothing changes. ErrInvalid for an empty field or a
	// NUL; ErrNotFound if the conversation does not exist; ErrConflict if
	// the thread belongs to another conversation.
	SaveStaffThread(ctx context.Context, th StaffThread) (StaffThread, bool, error)
	// StaffThread returns the conversation's thread; ErrNotFound if none.
	StaffThread(ctx context.Context, conversationID string) (StaffThread, error)
	// StaffThreadByThread finds the conversation of a staff thread;
	// ErrNotFound if none.
	StaffThreadByThread(ctx context.Context, platform, channel, thread string) (StaffThread, error)
}

// CheckHandoffEvent validates e for AddHandoffEvent.
func CheckHandoffEvent(e HandoffEvent) error {
	switch {
	case e.ConversationID == "":
		return fmt.Errorf("hand-off event without a conversation: %w", ErrInvalid)
	case !e.Kind.Valid():
		return fmt.Errorf("hand-off event kind %q: %w", e.Kind, ErrInvalid)
	case strings.ContainsRune(e.ID+e.ConversationID+e.Actor+e.MessageID+e.Detail, 0):
		return fmt.Errorf("hand-off event text holds a NUL: %w", ErrInvalid)
	}
	return nil
}

// CheckStaffThread validates th for SaveStaffThread.
func CheckStaffThread(th StaffThread) error {
	switch {
	case th.ConversationID == "" || th.Platform == "" || th.Channel == "" || th.Thread == "":
		return fmt.Errorf("staff thread needs a conversation, platform, channel and thread: %w", ErrInvalid)
	case strings.ContainsRune(th.ConversationID+th.Platform+th.Channel+th.Thread, 0):
		return fmt.Errorf("staff thread holds a NUL: %w", ErrInvalid)
	}
	return nil
}
