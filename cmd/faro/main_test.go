package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/internal/testlog"
)

// When FARO_TEST_RUN_MAIN is set the test binary is the faro binary: tests
// start it as a real process, the way a user runs it.
func TestMain(m *testing.M) {
	if os.Getenv("FARO_TEST_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// testConfig is the default configuration on a free port with a private
// data directory.
func testConfig(t *testing.T) Config {
	t.Helper()
	c := DefaultConfig()
	c.Addr = "127.0.0.1:0"
	c.DataDir = t.TempDir()
	c.ShutdownTimeout = 5 * time.Second
	return c
}

func getJSON(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	var body map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	return resp.StatusCode, body
}

func TestMainServesHealthAndReadinessOnEmbeddedDefaults(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	cfg := testConfig(t)
	m := NewMain(cfg, newLogger(cfg, &environment{stderr: &logs}))
	require.NoError(t, m.Run(context.Background()))
	base := "http://" + m.Addr()

	code, body := getJSON(t, base+"/healthz")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "ok", body["status"])
	code, body = getJSON(t, base+"/readyz")
	require.Equal(t, http.StatusOK, code, "ready: the store answers")
	require.Equal(t, "ready", body["status"])
	require.FileExists(t, filepath.Join(cfg.DataDir, "faro.db"))

	// With the database gone the server is alive but not ready.
	require.NoError(t, m.Store.Close())
	code, body = getJSON(t, base+"/readyz")
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.Equal(t, "unavailable", body["status"])
	code, _ = getJSON(t, base+"/healthz")
	require.Equal(t, http.StatusOK, code)

	m.Store = nil // already closed
	require.NoError(t, m.Close())
	_, err := http.Get(base + "/healthz")
	require.Error(t, err, "nothing listens after Close")
}

// The README's run command: the binary with no configuration at all serves
// /healthz within seconds, and SIGTERM stops it cleanly (exit status 0).
func TestBinaryStartsWithNoConfigurationAndStopsOnSIGTERM(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	port := freePort(t)
	cmd := exec.Command(os.Args[0], "serve")
	cmd.Dir = dir // ./data is created here, as on a fresh clone
	cmd.Env = append(cleanEnv(), "FARO_TEST_RUN_MAIN=1", "FARO_ADDR=127.0.0.1:"+port)
	// Read while the process still writes it: a plain bytes.Buffer races.
	stderr := &testlog.Buffer{}
	cmd.Stderr = stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	url := "http://127.0.0.1:" + port + "/healthz"
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode)
			break
		}
		require.True(t, time.Now().Before(deadline), "no /healthz answer; stderr:\n%s", stderr.String())
		time.Sleep(50 * time.Millisecond)
	}
	require.FileExists(t, filepath.Join(dir, "data", "faro.db"))

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		require.NoError(t, err, "exit after SIGTERM; stderr:\n%s", stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("still running 30s after SIGTERM; stderr:\n%s", stderr.String())
	}
	require.Contains(t, stderr.String(), "stopped")
}

func TestBinaryBadConfigurationStopsWithOneLine(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(os.Args[0], "serve")
	cmd.Dir = t.TempDir()
	cmd.Env = append(cleanEnv(), "FARO_TEST_RUN_MAIN=1", "FARO_SHUTDOWN_TIMEOUT=forever")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	require.Equal(t, 2, exit.ExitCode())
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	require.Len(t, lines, 1, "output: %s", out)
	require.True(t, strings.HasPrefix(lines[0], "faro: FARO_SHUTDOWN_TIMEOUT: "), lines[0])
}

func TestUnknownCommandIsAUsageError(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	err := run(context.Background(), &environment{stdout: io.Discard, stderr: &out, getenv: envOf(nil)}, []string{"servee"})
	require.ErrorContains(t, err, `unknown command "servee"`)
	require.Equal(t, 2, exitCode(err))
	require.Contains(t, out.String(), "serve")
}

// faro --help (or -h, help) lists the commands, not the flags of serve,
// the default command.
func TestHelpListsTheCommands(t *testing.T) {
	t.Parallel()
	for _, arg := range []string{"--help", "-help", "-h", "help"} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), &environment{stdout: &out, stderr: &errOut, getenv: envOf(nil)}, []string{arg})
		require.NoError(t, err, arg)
		for _, c := range commands() {
			require.Contains(t, out.String(), "  "+c.name+" ", arg)
		}
		require.NotContains(t, out.String()+errOut.String(), "Usage of faro serve", arg)
	}
}

func TestMigrateCommandOnEmbeddedStore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var out bytes.Buffer
	env := &environment{stdout: &out, stderr: io.Discard, getenv: envOf(map[string]string{"FARO_DATA_DIR": dir})}
	require.NoError(t, run(context.Background(), env, []string{"migrate"}))
	require.FileExists(t, filepath.Join(dir, "faro.db"))
	// A fresh database: the migrations it got are named.
	require.Contains(t, out.String(), "applied migrations: 00001_init.sql")
	require.NotContains(t, out.String(), "up to date")

	out.Reset()
	require.NoError(t, run(context.Background(), env, []string{"migrate"}))
	require.Equal(t, "schema is up to date\n", out.String())
}

// cleanEnv is the test's environment without FARO_ settings, so a developer's
// own configuration does not leak into the child process.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "FARO_") {
			env = append(env, kv)
		}
	}
	return env
}

func freePort(t testing.TB) string {
	t.Helper()
	l, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
}
