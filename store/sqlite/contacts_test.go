package sqlite_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
)

// TestListContactsUncapped lists more contacts than one IN list of
// identities holds, so their identities are loaded in batches.
func TestListContactsUncapped(t *testing.T) {
	ctx := t.Context()
	db := openTest(t)
	const n = 1100
	for i := range n {
		_, err := db.CreateContact(ctx, store.Contact{
			Name:       fmt.Sprint(i),
			Identities: []store.Identity{{Channel: "web", ExternalID: fmt.Sprint(i)}},
		})
		require.NoError(t, err)
	}
	all, err := db.ListContacts(ctx, 0, 0)
	require.NoError(t, err)
	require.Len(t, all, n, "limit 0 is no cap")
	for i, c := range all {
		want := fmt.Sprint(n - 1 - i) // newest first
		require.Equal(t, want, c.Name)
		require.Equal(t, []store.Identity{{Channel: "web", ExternalID: want}}, c.Identities)
	}
}

func TestEmailFoldsCaseAndSpace(t *testing.T) {
	ctx := t.Context()
	db := openTest(t)
	a, err := db.CreateContact(ctx, store.Contact{Name: "Ana", Email: "Ana@Example.com"})
	require.NoError(t, err)
	_, err = db.CreateContact(ctx, store.Contact{Name: "Otra", Email: " ana@example.COM "})
	require.ErrorIs(t, err, store.ErrConflict)
	got, err := db.ContactByEmail(ctx, "ANA@example.com")
	require.NoError(t, err)
	require.Equal(t, a.ID, got.ID)
	require.Equal(t, "Ana@Example.com", got.Email, "the email is kept as written")
	_, err = db.ContactByEmail(ctx, "")
	require.ErrorIs(t, err, store.ErrNotFound, "the empty email belongs to nobody")
}
