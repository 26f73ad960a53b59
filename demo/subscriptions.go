package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/faroai/faro/store"
)

// SubscriptionStore is what loading the demo subscriptions needs.
type SubscriptionStore interface {
	Subscription(ctx context.Context, externalID string) (store.Subscription, error)
	PutSubscription(ctx context.Context, s store.Subscription) (store.Subscription, bool, error)
}

// demoSubscription is one entry of demo/subscriptions.yaml.
type demoSubscription struct {
	ExternalID         string    `yaml:"external_id"`
	Email              string    `yaml:"email"`
	Plan               string    `yaml:"plan"`
	MonthlyAmountCents int64     `yaml:"monthly_amount_cents"`
	Currency           string    `yaml:"currency"`
	StartedAt          time.Time `yaml:"started_at"`
	CancelledAt        time.Time `yaml:"cancelled_at"`
}

// ParseSubscriptions reads a list in the format of subscriptions.yaml.
func ParseSubscriptions(data []byte) ([]store.Subscription, error) {
	var entries []demoSubscription
	if err := yaml.UnmarshalWithOptions(data, &entries, yaml.DisallowUnknownField()); err != nil {
		return nil, fmt.Errorf("demo subscriptions: %w", err)
	}
	out := make([]store.Subscription, 0, len(entries))
	for _, e := range entries {
		s := store.Subscription{
			ExternalID: e.ExternalID, Email: e.Email, Plan: e.Plan, MonthlyAmountCents: e.MonthlyAmountCents,
			Currency: e.Currency, StartedAt: e.StartedAt, CancelledAt: e.CancelledAt,
		}
		if _, _, err := store.NormalizeSubscription(s); err != nil {
			return nil, fmt.Errorf("demo subscriptions: %w", err)
		}
		out = append(out, s)
	}
	return out, nil
}

// AddMissingSubscriptions adds the subscriptions of data (in the format of
// subscriptions.yaml) that the store does not have yet, and returns how
// many it added. A subscription already there, perhaps changed by
// billing since, is left alone. `faro serve` loads [Subscriptions] so on
// first start, and the scenario runner into every scenario's store.
func AddMissingSubscriptions(ctx context.Context, ss SubscriptionStore, data []byte) (int, error) {
	subs, err := ParseSubscriptions(data)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, s := range subs {
		_, err := ss.Subscription(ctx, s.ExternalID)
		switch {
		case err == nil:
			continue
		case !errors.Is(err, store.ErrNotFound):
			return n, fmt.Errorf("demo subscription %s: %w", s.ExternalID, err)
		}
		if _, _, err := ss.PutSubscription(ctx, s); err != nil {
			return n, fmt.Errorf("demo subscription %s: %w", s.ExternalID, err)
		}
		n++
	}
	return n, nil
}
