package store

import (
	"context"
	"fmt"
	"time"
)

// ---------------------------------------------------------------- stats

// The aggregates the KPIs are computed from. Every method counts in the
// database (COUNT/SUM over a time range), never by loading rows, and takes
// a half-open range [from, to): from ≤ t < to. A range with to before from
// is ErrInvalid; an empty one (from == to) counts nothing.

// LeadStats are the leads created in a range.
type LeadStats struct {
	Created int `json:"created"`
	// ByStage splits Created by each lead's stage now; every stage is
	// present, 0 when none.
	ByStage map[LeadStage]int `json:"by_stage"`
	// Converted counts those of Created that became customers by now: an
	// active or completed enrolment under the lead's email, or a
	// subscription (cancelled or not) under its email or contact.
	Converted int `json:"converted"`
}

// EnrollmentStats are the enrolments made in a range.
type EnrollmentStats struct {
	Confirmed int `json:"confirmed"` // active or completed now
	Pending   int `json:"pending"`   // pending_payment now
	Cancelled int `json:"cancelled"`
	// Waitlisted counts those still on a waiting list now: they hold no
	// seat, so they are neither pending nor confirmed.
	Waitlisted int `json:"waitlisted"`
	// Revenue sums the course price of the confirmed ones, by currency
	// (free courses add nothing).
	Revenue map[string]float64 `json:"revenue"`
}

// TicketStats are the tickets opened in a range, by where they stand now.
type TicketStats struct {
	Opened    int `json:"opened"`
	StillOpen int `json:"still_open"` // open or pending now
	Resolved  int `json:"resolved"`   // resolved or closed now
	// SLABreached counts those still open whose due time has passed at
	// the now given (the store keeps no resolution time, so a ticket
	// resolved late is not counted).
	SLABreached int `json:"sla_breached"`
}

// ConversationStats are the conversations with a message in a range.
type ConversationStats struct {
	Active int `json:"active"`
	// HandedOff counts those of Active ever handed to a person: status
	// handed_off now, a message by staff, or a conversation.handoff event
	// in the outbox (id "conversation.handoff:<conversation id>:…", as
	// request_human enqueues it), which stays after staff release it, or
	// any hand-off event (staff took it over, even if they released it
	// before writing).
	HandedOff int `json:"handed_off"`
}

// SubscriptionStats are the subscriptions around a range. "Active at t"
// is [Subscription.ActiveAt].
type SubscriptionStats struct {
	// MRRCents sums the monthly amounts of the subscriptions active at
	// the end of the range, by currency.
	MRRCents map[string]int64 `json:"mrr_cents"`
	// ActiveAtStart and ActiveAtEnd count subscriptions active at from
	// and at to.
	ActiveAtStart int `json:"active_at_start"`
	ActiveAtEnd   int `json:"active_at_end"`
	// ActiveCustomers counts the distinct customers with a subscription
	// active at to.
	ActiveCustomers int `json:"active_customers"`
	// Cancelled counts the subscriptions cancelled in the range (also
	// those that started in it).
	Cancelled int `json:"cancelled"`
	// NewCustomers counts the customers (folded email; a subscription
	// without one, its contact) whose first subscription or first active
	// or completed enrolment started in the range.
	NewCustomers int `json:"new_customers"`
}

// Stats computes the aggregates of the KPIs.
type Stats interface {
	LeadStats(ctx context.Context, from, to time.Time) (LeadStats, error)
	EnrollmentStats(ctx context.Context, from, to time.Time) (EnrollmentStats, error)
	// TicketStats takes now for the SLA: due before now and still open is
	// breached.
	TicketStats(ctx context.Context, from, to, now time.Time) (TicketStats, error)
	ConversationStats(ctx context.Context, from, to time.Time) (ConversationStats, error)
	SubscriptionStats(ctx context.Context, from, to time.Time) (SubscriptionStats, error)
}

// CheckRange returns ErrInvalid when to is before from or either is zero.
func CheckRange(from, to time.Time) error {
	if from.IsZero() || to.IsZero() {
		return fmt.Errorf("range %v – %v: both ends are needed: %w", from, to, ErrInvalid)
	}
	if to.Before(from) {
		return fmt.Errorf("range %v – %v: ends before it starts: %w", from, to, ErrInvalid)
	}
	return nil
}

// HandoffEventPrefix is how the id of a conversation.handoff event of the
// conversation starts; [ConversationStats] finds past hand-offs by it.
func HandoffEventPrefix(conversationID string) string {
	return "conversation.handoff:" + conversationID + ":"
}

// AddEnrollmentGroup adds n enrolments of one status whose courses' prices,
// in currency, sum to amount: the one place both backends decide what
// confirmed means (active or completed) and what counts as revenue.
func AddEnrollmentGroup(s *EnrollmentStats, status EnrollmentStatus, currency string, n int, amount float64) {
	switch status {
	case EnrollmentActive, EnrollmentCompleted:
		s.Confirmed += n
		if amount > 0 {
			if s.Revenue == nil {
				s.Revenue = map[string]float64{}
			}
			s.Revenue[currency] += amount
		}
	case EnrollmentPendingPayment:
		s.Pending += n
	case EnrollmentCancelled:
		s.Cancelled += n
	case EnrollmentWaitlisted:
		s.Waitlisted += n
	}
}
