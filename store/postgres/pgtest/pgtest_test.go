package pgtest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWithDatabase(t *testing.T) {
	got, err := withDatabase("postgres://u:p@db:5432/postgres?sslmode=disable", "faro_test_1")
	require.NoError(t, err)
	require.Equal(t, "postgres://u:p@db:5432/faro_test_1?sslmode=disable", got)
	got, err = withDatabase("host=db user=u dbname=postgres", "faro_test_1")
	require.NoError(t, err)
	require.Equal(t, "host=db user=u dbname=postgres dbname=faro_test_1", got)
}

// TestFindPGliteServerStopsAtModuleRoot checks the error that tells a
// developer without node_modules what to do.
func TestFindPGliteServerStopsAtModuleRoot(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module x\n"), 0o644))
	sub := filepath.Join(dir, "a", "b")
	require.NoError(t, os.MkdirAll(sub, 0o755))
	t.Chdir(sub)
	_, _, err := findPGliteServer()
	require.ErrorContains(t, err, "npm ci")
	require.ErrorContains(t, err, EnvURL)

	bin := filepath.Join(dir, "node_modules", ".bin")
	require.NoError(t, os.MkdirAll(bin, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(bin, "pglite-server"), nil, 0o755))
	root, found, err := findPGliteServer()
	require.NoError(t, err)
	require.Equal(t, dir, root)
	require.Equal(t, filepath.Join(bin, "pglite-server"), found)
}
