package main

import (
	"context"
	"log/slog"

	"github.com/faroai/faro/demo"
)

// loadDemoSubscriptions adds the demo subscriptions the store does not
// have yet (all of them on first start), so the KPIs show an MRR out of
// the box. One billing changed is left alone. Failing is logged, not
// fatal: the assistant still answers.
func loadDemoSubscriptions(ctx context.Context, st any, log *slog.Logger) {
	ss, ok := st.(demo.SubscriptionStore)
	if !ok {
		log.Warn("demo subscriptions not loaded: the store keeps no subscriptions")
		return
	}
	n, err := demo.AddMissingSubscriptions(ctx, ss, demo.Subscriptions)
	if err != nil {
		log.Warn("demo subscriptions not fully loaded", "added", n, "err", err)
		return
	}
	if n > 0 {
		log.Info("demo subscriptions loaded (demo data, for the KPIs)", "subscriptions", n)
	}
}
