package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
)

func exerciseStaff(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("Accounts", func(t *testing.T) {
		b := setup(t, open)
		ctx, s := b.ctx, b.store
		before := time.Now()
		a, err := s.CreateStaff(ctx, store.StaffAccount{Email: "  Ana@Example.com ", Name: "Ana", Role: store.StaffAdmin, PasswordHash: "h1"})
		after := time.Now()
		require.NoError(t, err)
		require.NotEmpty(t, a.ID)
		require.Equal(t, "ana@example.com", a.Email, "stored trimmed and lower-cased")
		requireStoreTime(t, a.CreatedAt, before, after, "CreateStaff: CreatedAt")

		_, err = s.CreateStaff(ctx, store.StaffAccount{Email: "ANA@example.com", Role: store.StaffMember, PasswordHash: "h2"})
		requireErrorIs(t, err, store.ErrConflict, "CreateStaff with a taken email")
		for name, bad := range map[string]store.StaffAccount{
			"not an address": {Email: "ana", Role: store.StaffMember, PasswordHash: "h"},
			"unknown role":   {Email: "b@example.com", Role: "owner", PasswordHash: "h"},
			"no password":    {Email: "b@example.com", Role: store.StaffMember},
			"NUL":            {Email: "b@example.com", Name: "a\x00b", Role: store.StaffMember, PasswordHash: "h"},
		} {
			_, err = s.CreateStaff(ctx, bad)
			requireErrorIs(t, err, store.ErrInvalid, "CreateStaff with "+name)
		}

		got, err := s.StaffByEmail(ctx, "ANA@EXAMPLE.COM ")
		require.NoError(t, err)
		require.Equal(t, a, got, "read back as created")
		got, err = s.StaffAccount(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, "h1", got.PasswordHash)
		_, err = s.StaffByEmail(ctx, "nobody@example.com")
		requireErrorIs(t, err, store.ErrNotFound, "StaffByEmail of no one")
		_, err = s.StaffAccount(ctx, "missing")
		requireErrorIs(t, err, store.ErrNotFound, "StaffAccount of no one")
		_, err = s.StaffByEmail(ctx, "a\x00b")
		requireErrorIs(t, err, store.ErrInvalid, "StaffByEmail with a NUL")

		bo, err := s.CreateStaff(ctx, store.StaffAccount{Email: "bo@example.com", Role: store.StaffMember, PasswordHash: "h3"})
		require.NoError(t, err)
		list, err := s.ListStaff(ctx, 0, 0)
		require.NoError(t, err)
		require.Len(t, list, 2)
		require.Equal(t, []string{"ana@example.com", "bo@example.com"}, []string{list[0].Email, list[1].Email}, "by email")
		list, err = s.ListStaff(ctx, 1, 1)
		require.NoError(t, err)
		require.Len(t, list, 1)
		require.Equal(t, bo.ID, list[0].ID)
		_, err = s.ListStaff(ctx, -1, 0)
		requireErrorIs(t, err, store.ErrInvalid, "ListStaff with a negative offset")

		// An empty hash keeps the password; a new one replaces it.
		up, err := s.UpdateStaff(ctx, store.StaffAccount{ID: bo.ID, Email: bo.Email, Name: "Bo", Role: store.StaffAdmin})
		require.NoError(t, err)
		require.Equal(t, "Bo", up.Name)
		require.Equal(t, store.StaffAdmin, up.Role)
		require.Equal(t, "h3", up.PasswordHash)
		up, err = s.UpdateStaff(ctx, store.StaffAccount{ID: bo.ID, Email: bo.Email, Role: store.StaffMember, PasswordHash: "h4"})
		require.NoError(t, err)
		require.Equal(t, "h4", up.PasswordHash)
		_, err = s.UpdateStaff(ctx, store.StaffAccount{ID: "missing", Email: "x@example.com", Role: store.StaffMember})
		requireErrorIs(t, err, store.ErrNotFound, "UpdateStaff of no one")
	})

	t.Run("SignInThrottleCount", func(t *testing.T) {
		b := setup(t, open)
		ctx, s := b.ctx, b.store
		a, err := s.CreateStaff(ctx, store.StaffAccount{Email: "ana@example.com", Role: store.StaffMember, PasswordHash: "h"})
		require.NoError(t, err)
		at := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
		require.NoError(t, s.RecordSignIn(ctx, a.ID, false, at))
		require.NoError(t, s.RecordSignIn(ctx, a.ID, false, at.Add(time.Second)))
		got, err := s.StaffAccount(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, 2, got.FailedSignIns)
		require.True(t, got.LastFailedAt.Equal(at.Add(time.Second)), "LastFailedAt %v", got.LastFailedAt)
		require.NoError(t, s.RecordSignIn(ctx, a.ID, true, at.Add(2*time.Second)))
		got, err = s.StaffAccount(ctx, a.ID)
		require.NoError(t, err)
		require.Zero(t, got.FailedSignIns, "a success clears the count")
		requireErrorIs(t, s.RecordSignIn(ctx, "missing", false, at), store.ErrNotFound, "RecordSignIn of no one")
	})

	t.Run("Sessions", func(t *testing.T) {
		b := setup(t, open)
		ctx, s := b.ctx, b.store
		a, err := s.CreateStaff(ctx, store.StaffAccount{Email: "ana@example.com", Role: store.StaffAdmin, PasswordHash: "h"})
		require.NoError(t, err)
		now := time.Now().UTC()
		sess, err := s.CreateStaffSession(ctx, store.StaffSession{TokenHash: "t1", StaffID: a.ID, CSRF: "c1", ExpiresAt: now.Add(time.Hour)})
		require.NoError(t, err)
		_, err = s.CreateStaffSession(ctx, store.StaffSession{TokenHash: "t1", StaffID: a.ID, CSRF: "c2", ExpiresAt: now.Add(time.Hour)})
		requireErrorIs(t, err, store.ErrConflict, "CreateStaffSession with a taken token")
		_, err = s.CreateStaffSession(ctx, store.StaffSession{TokenHash: "t2", StaffID: "missing", CSRF: "c", ExpiresAt: now.Add(time.Hour)})
		requireErrorIs(t, err, store.ErrNotFound, "CreateStaffSession of no account")
		_, err = s.CreateStaffSession(ctx, store.StaffSession{TokenHash: "t2", StaffID: a.ID, ExpiresAt: now.Add(time.Hour)})
		requireErrorIs(t, err, store.ErrInvalid, "CreateStaffSession without CSRF")

		got, acct, err := s.StaffSession(ctx, "t1", now)
		require.NoError(t, err)
		require.Equal(t, "c1", got.CSRF)
		require.Equal(t, a.ID, acct.ID)
		require.True(t, got.ExpiresAt.Equal(sess.ExpiresAt))
		_, _, err = s.StaffSession(ctx, "t1", now.Add(2*time.Hour))
		requireErrorIs(t, err, store.ErrNotFound, "StaffSession after it expired")
		_, _, err = s.StaffSession(ctx, "t1", now)
		requireErrorIs(t, err, store.ErrNotFound, "an expired session is gone")

		_, err = s.CreateStaffSession(ctx, store.StaffSession{TokenHash: "t3", StaffID: a.ID, CSRF: "c3", ExpiresAt: now.Add(time.Hour)})
		require.NoError(t, err)
		require.NoError(t, s.DeleteStaffSession(ctx, "t3"))
		_, _, err = s.StaffSession(ctx, "t3", now)
		requireErrorIs(t, err, store.ErrNotFound, "StaffSession after sign-out")
		require.NoError(t, s.DeleteStaffSession(ctx, "t3"), "signing out twice")
		_, _, err = s.StaffSession(ctx, "a\x00b", now)
		requireErrorIs(t, err, store.ErrInvalid, "StaffSession with a NUL")
	})
}
