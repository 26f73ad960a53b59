package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
)

// requireSameContact compares two contacts field by field: timestamps as
// instants, identities as a set.
func requireSameContact(t *testing.T, want, got store.Contact, what string) {
	t.Helper()
	requireSameTime(t, want.CreatedAt, got.CreatedAt, what+": CreatedAt")
	requireSameTime(t, want.UpdatedAt, got.UpdatedAt, what+": UpdatedAt")
	want.CreatedAt, want.UpdatedAt, got.CreatedAt, got.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	want.Identities, got.Identities = sortedIdentities(want.Identities), sortedIdentities(got.Identities)
	require.Equal(t, want, got, what)
}

// createContact stores a contact with only a name and fails the test if
// that is not possible.
func (b *testBundle) createContact(t *testing.T, name string, ids ...store.Identity) store.Contact {
	t.Helper()
	c, err := b.store.CreateContact(b.ctx, store.Contact{Name: name, Role: store.RoleProspect, Identities: ids})
	require.NoError(t, err, "CreateContact %q", name)
	return c
}

func exerciseContacts(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("RoundTrip", func(t *testing.T) {
		b := setup(t, open)
		in := store.Contact{
			Name:     "Ana Pérez",
			Email:    "ana.perez@example.com",
			Phone:    "+34 600 000 001",
			Language: "es",
			Role:     store.RoleStudent,
			Identities: []store.Identity{
				{Channel: "telegram", ExternalID: "1001"},
				{Channel: "whatsapp", ExternalID: "34600000001"},
			},
		}
		before := time.Now()
		created, err := b.store.CreateContact(b.ctx, in)
		after := time.Now()
		require.NoError(t, err, "CreateContact")
		require.NotEmpty(t, created.ID, "CreateContact must give the contact an ID")
		requireStoreTime(t, created.CreatedAt, before, after, "CreateContact: CreatedAt")
		requireStoreTime(t, created.UpdatedAt, before, after, "CreateContact: UpdatedAt")

		want := in
		want.ID, want.CreatedAt, want.UpdatedAt = created.ID, created.CreatedAt, created.UpdatedAt
		requireSameContact(t, want, created, "CreateContact returns what it stored")

		got, err := b.store.Contact(b.ctx, created.ID)
		require.NoError(t, err, "Contact by id")
		requireSameContact(t, created, got, "Contact(id) returns what CreateContact returned")
		again, err := b.store.Contact(b.ctx, created.ID)
		require.NoError(t, err, "Contact by id, second read")
		requireSameContact(t, got, again, "two reads of one contact")

		for _, id := range in.Identities {
			got, err := b.store.ContactByIdentity(b.ctx, id)
			require.NoError(t, err, "ContactByIdentity %+v", id)
			requireSameContact(t, created, got, fmt.Sprintf("ContactByIdentity %+v", id))
		}

		for _, email := range []string{"ana.perez@example.com", "ANA.Perez@Example.COM"} {
			got, err := b.store.ContactByEmail(b.ctx, email)
			require.NoError(t, err, "ContactByEmail %q must match case-insensitively", email)
			requireSameContact(t, created, got, "ContactByEmail "+email)
		}

		// A second contact with no email and no identities: empty fields
		// come back empty, not as someone else's.
		bare, err := b.store.CreateContact(b.ctx, store.Contact{Name: "Sin Datos", Role: store.RoleProspect})
		require.NoError(t, err, "CreateContact with only a name")
		require.NotEqual(t, created.ID, bare.ID, "two contacts must get two IDs")
		got, err = b.store.Contact(b.ctx, bare.ID)
		require.NoError(t, err, "Contact by id of the bare contact")
		requireSameContact(t, bare, got, "bare contact round trip")
		require.Empty(t, got.Identities, "a contact created without identities has none")

		_, err = b.store.Contact(b.ctx, "no-such-contact")
		requireErrorIs(t, err, store.ErrNotFound, "Contact of a missing id")
		_, err = b.store.ContactByIdentity(b.ctx, store.Identity{Channel: "telegram", ExternalID: "9999"})
		requireErrorIs(t, err, store.ErrNotFound, "ContactByIdentity of an unknown identity")
		_, err = b.store.ContactByIdentity(b.ctx, store.Identity{Channel: "slack", ExternalID: "1001"})
		requireErrorIs(t, err, store.ErrNotFound, "ContactByIdentity: a known external id on another channel is another identity")
		_, err = b.store.ContactByEmail(b.ctx, "nadie@example.com")
		requireErrorIs(t, err, store.ErrNotFound, "ContactByEmail of an unknown email")
	})

	t.Run("Update", func(t *testing.T) {
		b := setup(t, open)
		tg := store.Identity{Channel: "telegram", ExternalID: "2002"}
		created := b.createContact(t, "Luis", tg)
		other, err := b.store.CreateContact(b.ctx, store.Contact{Name: "Otra", Email: "otra@example.com", Role: store.RoleProspect})
		require.NoError(t, err, "CreateContact other")

		// Timestamps are compared below; make sure the clock has moved.
		time.Sleep(5 * time.Millisecond)
		change := created
		change.Name = "Luis García"
		change.Email = "luis@example.com"
		change.Phone = "+52 55 0000 0000"
		change.Language = "en"
		change.Role = store.RoleStaff
		// UpdateContact does not touch identities: only LinkIdentity does.
		change.Identities = []store.Identity{{Channel: "discord", ExternalID: "x"}}
		before := time.Now()
		updated, err := b.store.UpdateContact(b.ctx, change)
		after := time.Now()
		require.NoError(t, err, "UpdateContact")

		want := change
		want.Identities = []store.Identity{tg}
		want.UpdatedAt = updated.UpdatedAt
		requireSameContact(t, want, updated, "UpdateContact saves name, email, phone, language and role, keeps identities and CreatedAt")
		requireStoreTime(t, updated.UpdatedAt, before, after, "UpdateContact: UpdatedAt")
		require.True(t, updated.UpdatedAt.After(created.UpdatedAt), "UpdateContact must move UpdatedAt forward (was %v, now %v)", created.UpdatedAt, updated.UpdatedAt)

		got, err := b.store.Contact(b.ctx, created.ID)
		require.NoError(t, err, "Contact after update")
		requireSameContact(t, updated, got, "Contact(id) after UpdateContact")
		_, err = b.store.ContactByIdentity(b.ctx, store.Identity{Channel: "discord", ExternalID: "x"})
		requireErrorIs(t, err, store.ErrNotFound, "an identity passed to UpdateContact must not be linked")
		byEmail, err := b.store.ContactByEmail(b.ctx, "LUIS@example.com")
		require.NoError(t, err, "ContactByEmail finds the new email")
		require.Equal(t, created.ID, byEmail.ID, "ContactByEmail after the email changed")

		conflict := got
		conflict.Email = "OTRA@example.com"
		_, err = b.store.UpdateContact(b.ctx, conflict)
		requireErrorIs(t, err, store.ErrConflict, "UpdateContact to another contact's email (other case)")
		got, err = b.store.Contact(b.ctx, created.ID)
		require.NoError(t, err, "Contact after a refused update")
		requireSameContact(t, updated, got, "a refused UpdateContact changes nothing")
		_, err = b.store.Contact(b.ctx, other.ID)
		require.NoError(t, err, "the other contact is still there")

		// Saving one's own email again, in another case, is not a conflict
		// with oneself.
		self := got
		self.Email = "Luis@Example.com"
		_, err = b.store.UpdateContact(b.ctx, self)
		require.NoError(t, err, "UpdateContact keeping its own email (other case) is not a conflict")

		missing := got
		missing.ID = "no-such-contact"
		_, err = b.store.UpdateContact(b.ctx, missing)
		requireErrorIs(t, err, store.ErrNotFound, "UpdateContact of a missing id")
	})

	t.Run("Identities", func(t *testing.T) {
		b := setup(t, open)
		tg := store.Identity{Channel: "telegram", ExternalID: "3003"}
		wa := store.Identity{Channel: "whatsapp", ExternalID: "5215500000000"}
		ana := b.createContact(t, "Ana", tg)
		beto := b.createContact(t, "Beto")

		require.NoError(t, b.store.LinkIdentity(b.ctx, ana.ID, wa), "LinkIdentity of a new identity")
		require.NoError(t, b.store.LinkIdentity(b.ctx, ana.ID, wa), "LinkIdentity again, same contact: must do nothing, not fail")
		require.NoError(t, b.store.LinkIdentity(b.ctx, ana.ID, tg), "LinkIdentity of an identity given at creation: must do nothing")
		got, err := b.store.Contact(b.ctx, ana.ID)
		require.NoError(t, err, "Contact after LinkIdentity")
		require.Equal(t, sortedIdentities([]store.Identity{tg, wa}), sortedIdentities(got.Identities),
			"identities after linking one twice: each must be stored once")
		byWA, err := b.store.ContactByIdentity(b.ctx, wa)
		require.NoError(t, err, "ContactByIdentity of a linked identity")
		require.Equal(t, ana.ID, byWA.ID, "ContactByIdentity of a linked identity")

		err = b.store.LinkIdentity(b.ctx, beto.ID, wa)
		requireErrorIs(t, err, store.ErrConflict, "LinkIdentity of an identity linked to another contact")
		got, err = b.store.Contact(b.ctx, beto.ID)
		require.NoError(t, err, "Contact after a refused LinkIdentity")
		require.Empty(t, got.Identities, "a refused LinkIdentity must not link")
		byWA, err = b.store.ContactByIdentity(b.ctx, wa)
		require.NoError(t, err, "ContactByIdentity after a refused LinkIdentity")
		require.Equal(t, ana.ID, byWA.ID, "a refused LinkIdentity must not move the identity")

		_, err = b.store.CreateContact(b.ctx, store.Contact{Name: "Copia", Role: store.RoleProspect, Identities: []store.Identity{{Channel: "slack", ExternalID: "U1"}, tg}})
		requireErrorIs(t, err, store.ErrConflict, "CreateContact with an identity of another contact")
		_, err = b.store.ContactByIdentity(b.ctx, store.Identity{Channel: "slack", ExternalID: "U1"})
		requireErrorIs(t, err, store.ErrNotFound, "a refused CreateContact must store none of its identities")
		all, err := b.store.ListContacts(b.ctx, 0, 10)
		require.NoError(t, err, "ListContacts")
		require.Len(t, all, 2, "a refused CreateContact must not store the contact")

		// The same external id on another channel is another identity.
		require.NoError(t, b.store.LinkIdentity(b.ctx, beto.ID, store.Identity{Channel: "discord", ExternalID: tg.ExternalID}),
			"LinkIdentity of an external id taken on another channel")

		err = b.store.LinkIdentity(b.ctx, "no-such-contact", store.Identity{Channel: "web", ExternalID: "w1"})
		requireErrorIs(t, err, store.ErrNotFound, "LinkIdentity to a missing contact")
	})

	t.Run("ByPhone", func(t *testing.T) {
		b := setup(t, open)
		ana, err := b.store.CreateContact(b.ctx, store.Contact{Name: "Ana", Phone: "+52 (55) 1234-5678"})
		require.NoError(t, err)
		got, err := b.store.ContactByPhone(b.ctx, "525512345678")
		require.NoError(t, err, "the digits of a phone written with marks")
		requireSameContact(t, ana, got, "ContactByPhone")
		got, err = b.store.ContactByPhone(b.ctx, "+52 55 1234 5678")
		require.NoError(t, err, "marks in the query too")
		require.Equal(t, ana.ID, got.ID)
		for _, miss := range []string{"5512345678", "", "1234", "52551234567x", "525512345679"} {
			_, err = b.store.ContactByPhone(b.ctx, miss)
			require.ErrorIs(t, err, store.ErrNotFound, "ContactByPhone(%q)", miss)
		}
		_, err = b.store.CreateContact(b.ctx, store.Contact{Name: "Ana again", Phone: "52.55.1234.5678"})
		require.NoError(t, err)
		_, err = b.store.ContactByPhone(b.ctx, "525512345678")
		require.ErrorIs(t, err, store.ErrConflict, "two contacts with one phone: which one is meant is unknown")
	})

	t.Run("EmailUnique", func(t *testing.T) {
		b := setup(t, open)
		_, err := b.store.CreateContact(b.ctx, store.Contact{Name: "Ana", Email: "Ana@Example.com", Role: store.RoleProspect})
		require.NoError(t, err, "CreateContact with an email")
		_, err = b.store.CreateContact(b.ctx, store.Contact{Name: "Ana bis", Email: "ana@example.COM", Role: store.RoleProspect})
		requireErrorIs(t, err, store.ErrConflict, "CreateContact with an email taken in another case")

		// Surrounding space is no part of an address: compared trimmed
		// and lower-cased, in uniqueness and look-ups alike. The email
		// itself is stored as given.
		_, err = b.store.CreateContact(b.ctx, store.Contact{Name: "Ana ter", Email: " ana@example.com\t", Role: store.RoleProspect})
		requireErrorIs(t, err, store.ErrConflict, "CreateContact with an email taken, with surrounding space")
		beto, err := b.store.CreateContact(b.ctx, store.Contact{Name: "Beto", Email: "  Beto@Example.com ", Role: store.RoleProspect})
		require.NoError(t, err, "CreateContact with an email with surrounding space")
		require.Equal(t, "  Beto@Example.com ", beto.Email, "the email is stored as given")
		for _, q := range []string{"beto@example.com", " BETO@example.com\n", "Beto@Example.com"} {
			got, err := b.store.ContactByEmail(b.ctx, q)
			require.NoError(t, err, "ContactByEmail %q", q)
			require.Equal(t, beto.ID, got.ID, "ContactByEmail %q: compared trimmed and lower-cased", q)
		}
		_, err = b.store.ContactByEmail(b.ctx, "   ")
		requireErrorIs(t, err, store.ErrNotFound, "ContactByEmail of a blank email")

		// Empty email is "no email", and many contacts have none.
		for i := range 3 {
			_, err := b.store.CreateContact(b.ctx, store.Contact{Name: fmt.Sprintf("anon %d", i), Role: store.RoleProspect})
			require.NoError(t, err, "CreateContact #%d without email: empty emails are not unique", i)
		}
		list, err := b.store.ListContacts(b.ctx, 0, 100)
		require.NoError(t, err, "ListContacts")
		require.Len(t, list, 5, "the refused contacts must not be stored")

		anon := list[0]
		anon.Email = "BETO@example.com  "
		_, err = b.store.UpdateContact(b.ctx, anon)
		requireErrorIs(t, err, store.ErrConflict, "UpdateContact to another contact's email, in another case and with space")
	})

	t.Run("InvalidAndDefaults", func(t *testing.T) {
		b := setup(t, open)
		// No role is a prospect: the least a person may do.
		c, err := b.store.CreateContact(b.ctx, store.Contact{Name: "Sin rol"})
		require.NoError(t, err, "CreateContact without a role")
		require.Equal(t, store.RoleProspect, c.Role, "CreateContact without a role stores a prospect")
		got, err := b.store.Contact(b.ctx, c.ID)
		require.NoError(t, err, "Contact")
		require.Equal(t, store.RoleProspect, got.Role, "a contact created without a role reads back a prospect")

		_, err = b.store.CreateContact(b.ctx, store.Contact{Name: "Admin", Role: "admin"})
		requireErrorIs(t, err, store.ErrInvalid, "CreateContact with an unknown role")
		for _, id := range []store.Identity{{Channel: "", ExternalID: "1"}, {Channel: "telegram", ExternalID: ""}} {
			_, err = b.store.CreateContact(b.ctx, store.Contact{Name: "x", Identities: []store.Identity{id}})
			requireErrorIs(t, err, store.ErrInvalid, fmt.Sprintf("CreateContact with identity %+v", id))
			err = b.store.LinkIdentity(b.ctx, c.ID, id)
			requireErrorIs(t, err, store.ErrInvalid, fmt.Sprintf("LinkIdentity %+v", id))
		}
		bad := got
		bad.Role = "root"
		_, err = b.store.UpdateContact(b.ctx, bad)
		requireErrorIs(t, err, store.ErrInvalid, "UpdateContact to an unknown role")

		list, err := b.store.ListContacts(b.ctx, 0, 10)
		require.NoError(t, err, "ListContacts")
		require.Len(t, list, 1, "refused contacts must not be stored")
		got, err = b.store.Contact(b.ctx, c.ID)
		require.NoError(t, err, "Contact")
		requireSameContact(t, c, got, "refused updates and links must change nothing")
	})

	t.Run("List", func(t *testing.T) {
		b := setup(t, open)
		list, err := b.store.ListContacts(b.ctx, 0, 10)
		require.NoError(t, err, "ListContacts on an empty store")
		require.Empty(t, list, "ListContacts on an empty store")

		const n = 7
		var created []store.Contact
		for i := range n {
			created = append(created, b.createContact(t, fmt.Sprintf("contact %d", i), store.Identity{Channel: "web", ExternalID: fmt.Sprintf("w%d", i)}))
			// "Newest first" needs distinct creation times; a few
			// milliseconds is more than any backend's resolution.
			time.Sleep(3 * time.Millisecond)
		}
		newestFirst := slices.Clone(created)
		slices.Reverse(newestFirst)

		all, err := b.store.ListContacts(b.ctx, 0, 100)
		require.NoError(t, err, "ListContacts")
		require.Len(t, all, n, "ListContacts with a limit above the count returns every contact")
		for i := range all {
			require.Equal(t, newestFirst[i].ID, all[i].ID, "ListContacts[%d]: want newest first", i)
			requireSameContact(t, newestFirst[i], all[i], fmt.Sprintf("ListContacts[%d]", i))
		}

		var paged []string
		for offset := 0; offset < n+3; offset += 3 {
			page, err := b.store.ListContacts(b.ctx, offset, 3)
			require.NoError(t, err, "ListContacts offset %d", offset)
			require.LessOrEqual(t, len(page), 3, "ListContacts offset %d limit 3 returned %d", offset, len(page))
			for _, c := range page {
				paged = append(paged, c.ID)
			}
		}
		var wantIDs []string
		for _, c := range newestFirst {
			wantIDs = append(wantIDs, c.ID)
		}
		require.Equal(t, wantIDs, paged, "pages of 3 put together must be the whole list, in order, once each")

		page, err := b.store.ListContacts(b.ctx, n, 10)
		require.NoError(t, err, "ListContacts past the end")
		require.Empty(t, page, "ListContacts past the end")

		// Limit 0 caps nothing, as in MessageQuery.
		page, err = b.store.ListContacts(b.ctx, 2, 0)
		require.NoError(t, err, "ListContacts limit 0")
		require.Len(t, page, n-2, "ListContacts offset 2 limit 0: limit 0 means no cap")

		// Negative is a caller's bug, not "from the start" or "no cap".
		for _, p := range [][2]int{{-1, 3}, {0, -1}, {-2, -2}} {
			_, err = b.store.ListContacts(b.ctx, p[0], p[1])
			requireErrorIs(t, err, store.ErrInvalid, fmt.Sprintf("ListContacts offset %d limit %d", p[0], p[1]))
		}
	})
}
