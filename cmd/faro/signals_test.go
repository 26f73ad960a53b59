package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/channels/web"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/sqlite"
	"github.com/faroai/faro/tools"
)

func TestVisitorSignalsFollowTheWebIdentity(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "faro.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	visitor, err := db.CreateContact(ctx, store.Contact{Identities: []store.Identity{{Channel: web.Channel, ExternalID: "v-123"}}})
	require.NoError(t, err)
	telegram, err := db.CreateContact(ctx, store.Contact{Identities: []store.Identity{{Channel: "telegram", ExternalID: "v-123"}}})
	require.NoError(t, err)

	v := &visitorSignals{contacts: db}
	_, ok := v.CallerSignals(ctx, tools.Caller{ContactID: visitor.ID})
	require.False(t, ok, "no widget yet")

	reported := map[string]web.Signals{"v-123": {VisitorID: "v-123", PagesViewed: 4, PricingVisits: 2, DemoRequested: true}}
	v.widget = func(id string) (web.Signals, bool) { s, ok := reported[id]; return s, ok }
	got, ok := v.CallerSignals(ctx, tools.Caller{ContactID: visitor.ID})
	require.True(t, ok)
	require.Equal(t, store.Signals{PagesViewed: 4, PricingVisits: 2, DemoRequested: true}, got)

	_, ok = v.CallerSignals(ctx, tools.Caller{ContactID: telegram.ID})
	require.False(t, ok, "only the web identity is a visitor")
	_, ok = v.CallerSignals(ctx, tools.Caller{ContactID: "missing"})
	require.False(t, ok)

	// From the store, where every server's widget writes them: what this
	// server's memory holds does not count.
	v.stored = db
	_, ok = v.CallerSignals(ctx, tools.Caller{ContactID: visitor.ID})
	require.False(t, ok, "none stored")
	require.NoError(t, db.PutWebSignals(ctx, store.WebSignals{VisitorID: "v-123", Signals: store.Signals{PagesViewed: 9, TimeOnSiteSeconds: 300}}))
	got, ok = v.CallerSignals(ctx, tools.Caller{ContactID: visitor.ID})
	require.True(t, ok)
	require.Equal(t, store.Signals{PagesViewed: 9, TimeOnSiteSeconds: 300}, got)
}
