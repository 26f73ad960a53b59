package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/faroai/faro/demo"
	"github.com/faroai/faro/store"
)

// subscriptionStore is what loading the demo subscriptions needs.
type subscriptionStore interface {
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

// parseDemoSubscriptions reads demo/subscriptions.yaml.
func parseDemoSubscriptions(data []byte) ([]store.Subscription, error) {
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

// loadDemoSubscriptions adds the demo subscriptions the store does not
// have yet (all of them on first start), so the KPIs show an MRR out of
// the box. One billing changed is left alone. Failing is logged, not
// fatal: the assistant still answers.
func loadDemoSubscriptions(ctx context.Context, st any, log *slog.Logger) {
	ss, ok := st.(subscriptionStore)
	if !ok {
		log.Warn("demo subscriptions not loaded: the store keeps no subscriptions")
		return
	}
	n, err := addMissingSubscriptions(ctx, ss, demo.Subscriptions)
	if err != nil {
		log.Warn("demo subscriptions not fully loaded", "added", n, "err", err)
		return
	}
	if n > 0 {
		log.Info("demo subscriptions loaded (demo data, for the KPIs)", "subscriptions", n)
	}
}

func addMissingSubscriptions(ctx context.Context, ss subscriptionStore, data []byte) (int, error) {
	subs, err := parseDemoSubscriptions(data)
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
