package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// DeliveryStatus is how far one part of a reply got on its platform.
type DeliveryStatus string

// The delivery statuses. Pending and Sent are the runtime's; Delivered and
// Read come from platforms that report them (WhatsApp); Failed is final.
const (
	DeliveryPending   DeliveryStatus = "pending"   // stored, not sent yet (or being retried)
	DeliverySent      DeliveryStatus = "sent"      // the platform accepted it
	DeliveryDelivered DeliveryStatus = "delivered" // the platform reached the person's device
	DeliveryRead      DeliveryStatus = "read"      // the person read it
	DeliveryFailed    DeliveryStatus = "failed"    // given up: Detail says why
)

// Valid reports whether s is one of the known statuses.
func (s DeliveryStatus) Valid() bool {
	switch s {
	case DeliveryPending, DeliverySent, DeliveryDelivered, DeliveryRead, DeliveryFailed:
		return true
	}
	return false
}

// Rank orders statuses by progress, so a late report never moves a
// delivery backwards (read before delivered, as platforms may send them):
// pending < sent < delivered < read; failed ranks above them all.
func (s DeliveryStatus) Rank() int {
	switch s {
	case DeliverySent:
		return 1
	case DeliveryDelivered:
		return 2
	case DeliveryRead:
		return 3
	case DeliveryFailed:
		return 4
	}
	return 0
}

// Delivery is one part of a stored reply as sent, or tried, on a platform:
// what a channel records on the message it answered with.
type Delivery struct {
	// MessageID is the stored reply; Part numbers its parts from 1.
	// (MessageID, Part) is unique.
	MessageID string `json:"message_id"`
	Part      int    `json:"part"`
	// Channel is the platform (telegram, whatsapp, slack…).
	Channel string `json:"channel"`
	// PlatformMessageID is the platform's id of what was sent, once sent;
	// with Channel it finds the delivery a status callback is about, and
	// is unique when not empty.
	PlatformMessageID string         `json:"platform_message_id,omitempty"`
	Status            DeliveryStatus `json:"status"`
	// Detail is why it failed, or the platform's last error.
	Detail string `json:"detail,omitempty"`
	// Attempts is how many times it was tried.
	Attempts  int       `json:"attempts"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Deliveries records how the parts of replies fared on their platforms.
type Deliveries interface {
	// RecordDelivery creates or replaces the delivery (d.MessageID,
	// d.Part) and returns it as stored; an empty Status is pending.
	// ErrInvalid for an empty MessageID or Channel, a Part below 1, an
	// unknown Status or negative Attempts; ErrNotFound if the message does
	// not exist; ErrConflict if another delivery of the channel holds the
	// PlatformMessageID.
	RecordDelivery(ctx context.Context, d Delivery) (Delivery, error)
	// DeliveryByPlatformID finds the delivery of what the platform calls
	// platformMessageID; ErrNotFound if none, and always for an empty id.
	DeliveryByPlatformID(ctx context.Context, channel, platformMessageID string) (Delivery, error)
	// Deliveries lists a message's deliveries by Part; none is an empty
	// list.
	Deliveries(ctx context.Context, messageID string) ([]Delivery, error)
}

// CheckDelivery validates d for RecordDelivery and fills its defaults.
func CheckDelivery(d Delivery) (Delivery, error) {
	d.Channel = strings.TrimSpace(d.Channel)
	if d.Status == "" {
		d.Status = DeliveryPending
	}
	switch {
	case d.MessageID == "":
		return d, fmt.Errorf("delivery without a message id: %w", ErrInvalid)
	case d.Channel == "":
		return d, fmt.Errorf("delivery without a channel: %w", ErrInvalid)
	case d.Part < 1:
		return d, fmt.Errorf("delivery part %d: parts count from 1: %w", d.Part, ErrInvalid)
	case !d.Status.Valid():
		return d, fmt.Errorf("delivery status %q: %w", d.Status, ErrInvalid)
	case d.Attempts < 0:
		return d, fmt.Errorf("delivery attempts %d: %w", d.Attempts, ErrInvalid)
	case strings.ContainsRune(d.MessageID+d.Channel+d.PlatformMessageID+d.Detail, 0):
		return d, fmt.Errorf("delivery text holds a NUL: %w", ErrInvalid)
	}
	return d, nil
}
