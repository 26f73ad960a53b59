package main

import (
	"bytes"
	"database/sql"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/channels/telegram/telegramtest"
	"github.com/faroai/faro/internal/testlog"
)

// TestTelegramAnsweredOnceAcrossKill: the server is killed (SIGKILL) after
// it acknowledged an update and before it replied; restarted on the same
// data directory, it answers the update exactly once, with no re-delivery
// from Telegram (which does not re-send what was acknowledged).
func TestTelegramAnsweredOnceAcrossKill(t *testing.T) {
	t.Parallel()
	api := telegramtest.New(t)
	dir := t.TempDir()
	port := freePort(t)
	env := append(cleanEnv(), "FARO_TEST_RUN_MAIN=1", "FARO_ADDR=127.0.0.1:"+port,
		"FARO_DATA_DIR="+filepath.Join(dir, "data"),
		"FARO_TELEGRAM_TOKEN="+telegramtest.Token, "FARO_TELEGRAM_WEBHOOK_SECRET="+telegramSecret,
		"FARO_TELEGRAM_API_URL="+api.URL,
		// The turn waits this long for more messages before it runs: the
		// kill lands after the acknowledgement and before any reply.
		"FARO_BURST_WINDOW=5s")
	start := func() (*exec.Cmd, *testlog.Buffer) { return startServe(t, dir, port, env) }
	first, logs := start()
	webhook := "http://127.0.0.1:" + port + telegramWebhookPath
	status, err := telegramtest.Post(webhook, telegramSecret, telegramtest.Private(9001, 901, "¿qué cursos tienen?", "es"))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, "acknowledged")
	// Kill once the turn job has stored the message; it then waits out
	// the burst window.
	waitStored(t, filepath.Join(dir, "data", "faro.db"), "9001")
	require.NoError(t, first.Process.Kill())
	_ = first.Wait()
	require.Empty(t, api.Sent("sendMessage"), "killed before the reply; logs:\n%s", logs.String())

	_, logs = start()
	replies := api.WaitSent("sendMessage", 1, 30*time.Second)
	time.Sleep(time.Second) // a second reply would come by now
	require.Len(t, api.Sent("sendMessage"), 1, "answered exactly once; logs:\n%s", logs.String())
	require.Equal(t, int64(901), replies[0].ChatID)
	require.Contains(t, logs.String(), "never answered: answering it now", "the stored message was answered by the resumed turn job")
}

// waitStored waits until the database at path, written by another
// process, holds the Telegram message with the platform id.
func waitStored(t *testing.T, path, platformID string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)")
	require.NoError(t, err)
	defer db.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		err := db.QueryRow(`SELECT count(*) FROM messages WHERE channel = 'telegram' AND platform_id = ?`, platformID).Scan(&n)
		if err == nil && n == 1 {
			return
		}
		require.True(t, time.Now().Before(deadline), "message %s not stored: %v", platformID, err)
		time.Sleep(20 * time.Millisecond)
	}
}

// TestMigrateMakesTheChannelJobTables: with a channel on, faro migrate
// makes River's tables in jobs.db too, and a second run has nothing to do.
func TestMigrateMakesTheChannelJobTables(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	run := func() string {
		var out bytes.Buffer
		env := &environment{stdout: &out, stderr: &out, getenv: envOf(map[string]string{
			"FARO_DATA_DIR": dir, "FARO_TELEGRAM_TOKEN": telegramtest.Token, "FARO_TELEGRAM_MODE": "poll"})}
		require.NoError(t, runMigrate(t.Context(), env, nil), out.String())
		return out.String()
	}
	first := run()
	require.Contains(t, first, "river 001")
	require.FileExists(t, filepath.Join(dir, "jobs.db"))
	require.Equal(t, "schema is up to date\n", run())
}

// startServe runs this test binary as `faro serve` in dir with env (which
// must hold FARO_TEST_RUN_MAIN=1 and FARO_ADDR on port), and returns once
// it answers /healthz. The process is killed when the test ends; a test
// may kill it sooner, to restart it.
func startServe(t testing.TB, dir, port string, env []string) (*exec.Cmd, *testlog.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "serve")
	cmd.Dir = dir
	cmd.Env = env
	stderr := &testlog.Buffer{}
	cmd.Stderr = stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://127.0.0.1:" + port + "/healthz")
		if err == nil {
			resp.Body.Close()
			return cmd, stderr
		}
		require.True(t, time.Now().Before(deadline), "no /healthz; stderr:\n%s", stderr.String())
		time.Sleep(50 * time.Millisecond)
	}
}
