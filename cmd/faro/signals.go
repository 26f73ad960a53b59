package main

import (
	"context"

	"github.com/faroai/faro/channels/web"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/tools"
)

// visitorSignals gives qualify_lead the engagement signals the widget
// measured for the caller: the caller's contact has a web identity whose
// id is the visitor's. They are read from the store, where the widget of
// every server writes them (store.WebSignalStore); a store without them
// leaves the widget's memory, this server's only.
type visitorSignals struct {
	contacts interface {
		Contact(ctx context.Context, id string) (store.Contact, error)
	}
	// widget is the visitor's latest report, by visitor id; set once the
	// widget is built, before the server serves.
	widget func(visitorID string) (web.Signals, bool)
	// stored, when set, is where the signals are.
	stored store.WebSignalStore
}

// CallerSignals implements tools.SignalSource.
func (v *visitorSignals) CallerSignals(ctx context.Context, c tools.Caller) (store.Signals, bool) {
	if (v.widget == nil && v.stored == nil) || c.ContactID == "" {
		return store.Signals{}, false
	}
	contact, err := v.contacts.Contact(ctx, c.ContactID)
	if err != nil {
		return store.Signals{}, false // the arguments still count
	}
	for _, id := range contact.Identities {
		if id.Channel != web.Channel {
			continue
		}
		if v.stored != nil {
			s, err := v.stored.WebSignals(ctx, id.ExternalID)
			if err == nil {
				return s.Signals, true
			}
			continue
		}
		if s, ok := v.widget(id.ExternalID); ok {
			return store.Signals{
				PagesViewed: s.PagesViewed, TimeOnSiteSeconds: s.TimeOnSiteSeconds,
				PricingVisits: s.PricingVisits, DemoRequested: s.DemoRequested,
			}, true
		}
	}
	return store.Signals{}, false
}
