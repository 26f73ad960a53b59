package server

import (
	"crypto/subtle"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAuthenticateComparesDigestsInConstantTime: every key's digest goes
// through the constant-time comparison, whichever matched (no early exit
// that would time which key matched), and that comparison alone decides.
func TestAuthenticateComparesDigestsInConstantTime(t *testing.T) {
	t.Parallel()
	k, err := NewKeys([]KeySpec{
		{Name: "a", Role: RoleAdmin, Key: "aaaaaaaaaaaaaaaaaaaa"},
		{Name: "b", Role: RoleStaff, Key: "bbbbbbbbbbbbbbbbbbbb"},
		{Name: "c", Role: RoleStudent, Key: "cccccccccccccccccccc"},
	})
	require.NoError(t, err)
	require.Equal(t, reflect.ValueOf(subtle.ConstantTimeCompare).Pointer(), reflect.ValueOf(k.compare).Pointer(),
		"keys are compared with crypto/subtle")

	calls := 0
	k.compare = func(a, b []byte) int {
		calls++
		require.Len(t, a, 32, "digests, not secrets, are compared")
		require.Len(t, b, 32)
		return subtle.ConstantTimeCompare(a, b)
	}
	p, ok := k.Authenticate("aaaaaaaaaaaaaaaaaaaa")
	require.True(t, ok)
	require.Equal(t, Principal{Name: "a", Role: RoleAdmin}, p)
	require.Equal(t, 3, calls, "every key compared although the first matched")

	calls = 0
	_, ok = k.Authenticate("nope")
	require.False(t, ok)
	require.Equal(t, 3, calls)

	k.compare = func(a, b []byte) int { return 0 }
	_, ok = k.Authenticate("aaaaaaaaaaaaaaaaaaaa")
	require.False(t, ok, "the comparison decides")
}

// TestKeysKeepNoSecret: what the server holds of a key is its name, role
// and digest.
func TestKeysKeepNoSecret(t *testing.T) {
	t.Parallel()
	typ := reflect.TypeFor[apiKey]()
	var fields []string
	for f := range typ.Fields() {
		fields = append(fields, f.Name)
	}
	require.ElementsMatch(t, []string{"Principal", "digest"}, fields)
}

func TestParseAndValidateKeySpecs(t *testing.T) {
	t.Parallel()
	specs, err := ParseKeySpecs(" ops:Admin:0123456789abcdef:with:colons , bot:prospect:fedcba9876543210 ,")
	require.NoError(t, err)
	require.Equal(t, []KeySpec{
		{Name: "ops", Role: RoleAdmin, Key: "0123456789abcdef:with:colons"},
		{Name: "bot", Role: RoleProspect, Key: "fedcba9876543210"},
	}, specs)
	require.NoError(t, ValidateKeySpecs(specs))

	_, err = ParseKeySpecs("ops:admin")
	require.ErrorContains(t, err, "entry 1 is not name:role:key")

	for _, tc := range []struct {
		specs []KeySpec
		want  string
	}{
		{[]KeySpec{{Name: "x", Role: "root", Key: "0123456789abcdef"}}, `role "root"`},
		{[]KeySpec{{Name: "x", Role: RoleAdmin, Key: "short"}}, "at least 16"},
		{[]KeySpec{{Name: "", Role: RoleAdmin, Key: "0123456789abcdef"}}, "name must be 1 to 128 visible"},
		{[]KeySpec{{Name: "a\x00b", Role: RoleAdmin, Key: "0123456789abcdef"}}, "name must be 1 to 128 visible"},
		{[]KeySpec{{Name: "a b", Role: RoleAdmin, Key: "0123456789abcdef"}}, "name must be 1 to 128 visible"},
		{[]KeySpec{{Name: "x", Role: RoleAdmin, Key: "0123456789abcdef"}, {Name: "x", Role: RoleStaff, Key: "0123456789abcdeg"}}, "used twice"},
		{[]KeySpec{{Name: "x", Role: RoleAdmin, Key: "0123456789abcdef"}, {Name: "y", Role: RoleStaff, Key: "0123456789abcdef"}}, "same as another"},
	} {
		err := ValidateKeySpecs(tc.specs)
		require.ErrorContains(t, err, tc.want)
		require.NotContains(t, err.Error(), "0123456789abcdef", "errors never show a secret")
	}
}
