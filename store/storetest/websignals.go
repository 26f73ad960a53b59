package storetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
)

// exerciseWebSignals: the latest report replaces the one before; forgetting
// deletes; bad input is ErrInvalid and writes nothing.
func exerciseWebSignals(t *testing.T, open func(t *testing.T) store.Store) {
	b := setup(t, open)
	ctx := b.ctx
	s, ok := b.store.(store.WebSignalStore)
	require.True(t, ok, "%T keeps no web signals", b.store)

	_, err := s.WebSignals(ctx, "v-none")
	require.ErrorIs(t, err, store.ErrNotFound)
	require.NoError(t, s.ForgetWebSignals(ctx, "v-none"), "forgetting nothing is fine")

	first := store.WebSignals{VisitorID: "v1", Signals: store.Signals{PagesViewed: 3, TimeOnSiteSeconds: 40}}
	require.NoError(t, s.PutWebSignals(ctx, first))
	later := store.WebSignals{VisitorID: "v1", ConversationID: "conv-1",
		Signals: store.Signals{PagesViewed: 5, TimeOnSiteSeconds: 90, PricingVisits: 2, DemoRequested: true}}
	require.NoError(t, s.PutWebSignals(ctx, later))
	got, err := s.WebSignals(ctx, "v1")
	require.NoError(t, err)
	require.False(t, got.UpdatedAt.IsZero())
	got.UpdatedAt = later.UpdatedAt
	require.Equal(t, later, got, "the latest replaces")

	for name, bad := range map[string]store.WebSignals{
		"no visitor":     {},
		"negative count": {VisitorID: "v2", Signals: store.Signals{PagesViewed: -1}},
		"NUL":            {VisitorID: "v\x00"},
	} {
		require.ErrorIs(t, s.PutWebSignals(ctx, bad), store.ErrInvalid, name)
	}
	_, err = s.WebSignals(ctx, "v2")
	require.ErrorIs(t, err, store.ErrNotFound, "nothing written")

	require.NoError(t, s.ForgetWebSignals(ctx, "v1"))
	_, err = s.WebSignals(ctx, "v1")
	require.ErrorIs(t, err, store.ErrNotFound)
}
