package main

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestStaffCommand: faro staff add, list and password on the embedded
// store, and what it refuses, with the reason.
func TestStaffCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	env := func(pw string) *environment {
		out.Reset()
		errOut.Reset()
		return &environment{stdout: &out, stderr: &errOut, getenv: envOf(map[string]string{"FARO_DATA_DIR": dir, "FARO_STAFF_PASSWORD": pw})}
	}
	ctx := context.Background()
	require.NoError(t, run(ctx, env("first admin password"), []string{"staff", "add", "--email", "Ana@Example.com", "--role", "admin", "--name", "Ana"}))
	require.Equal(t, "admin account ana@example.com created: sign in at /console\n", out.String())
	require.NoError(t, run(ctx, env("a staff password"), []string{"staff", "add", "--email", "leo@example.com"}))
	require.NoError(t, run(ctx, env(""), []string{"staff", "list"}))
	require.Equal(t, "ana@example.com\tadmin\tAna\nleo@example.com\tstaff\t\n", out.String())

	for _, c := range []struct {
		pw   string
		args []string
		want string
	}{
		{"another password", []string{"staff", "add", "--email", "ana@example.com"}, "exists: use faro staff password"},
		{"short", []string{"staff", "add", "--email", "new@example.com"}, "at least 10 characters"},
		{"another password", []string{"staff", "add", "--email", "not-an-email"}, "not an address"},
		{"another password", []string{"staff", "add", "--email", "new@example.com", "--role", "owner"}, "not admin or staff"},
		{"another password", []string{"staff", "add"}, "--email is needed"},
		{"another password", []string{"staff", "remove"}, "unknown staff command"},
		{"another password", []string{"staff"}, "add, password or list"},
	} {
		err := run(ctx, env(c.pw), c.args)
		require.ErrorContains(t, err, c.want, "%v", c.args)
		require.Equal(t, 2, exitCode(err), "%v: a usage error", c.args)
	}
	require.NoError(t, run(ctx, env("a new long password"), []string{"staff", "password", "--email", "LEO@example.com"}))
	require.Equal(t, "password of leo@example.com changed\n", out.String())
	err := run(ctx, &environment{stdout: io.Discard, stderr: io.Discard, getenv: envOf(map[string]string{"FARO_DATA_DIR": dir, "FARO_STAFF_PASSWORD": "a new long password"})},
		[]string{"staff", "password", "--email", "nobody@example.com"})
	require.ErrorContains(t, err, "no account nobody@example.com")
}
