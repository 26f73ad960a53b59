package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLoadQuestions(t *testing.T) {
	t.Parallel()
	qs, err := loadQuestions("")
	require.NoError(t, err)
	require.Len(t, qs, 108, "the demo's evaluation questions")
	require.Equal(t, "cuanto cuesta el curso de ia para marketing", qs[0])

	path := filepath.Join(t.TempDir(), "qs.txt")
	require.NoError(t, os.WriteFile(path, []byte("¿Cuánto cuesta?\n\n  How do refunds work?  \n"), 0o600))
	qs, err = loadQuestions(path)
	require.NoError(t, err)
	require.Equal(t, []string{"¿Cuánto cuesta?", "How do refunds work?"}, qs)

	require.NoError(t, os.WriteFile(path, []byte("\n \n"), 0o600))
	_, err = loadQuestions(path)
	require.ErrorContains(t, err, "has no question")
	_, err = loadQuestions(filepath.Join(t.TempDir(), "missing.txt"))
	require.ErrorContains(t, err, "--questions")
}

// The load command against the real server on its defaults: every
// visitor connects, every message is answered once, and the report says
// so.
func TestLoadtestAgainstTheServer(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.BurstWindow = -1
	cfg.WidgetMaxConnsPerIP = 1000
	cfg.WidgetSessionsPerMinute = 1000
	m := NewMain(cfg, newLogger(cfg, &environment{stderr: io.Discard}))
	require.NoError(t, m.Run(context.Background()))
	t.Cleanup(func() { _ = m.Close() })

	var out bytes.Buffer
	env := &environment{stdout: &out, stderr: io.Discard, getenv: envOf(nil)}
	err := runLoadtest(t.Context(), env, []string{"--url", "http://" + m.Addr(), "--visitors", "20", "--messages", "3", "--ramp", "200ms"})
	require.NoError(t, err, out.String())
	report := out.String()
	require.Contains(t, report, "connected: 20 of 20")
	require.Regexp(t, regexp.MustCompile(`messages: 60 sent, 60 replied`), report)
	require.Contains(t, report, "lost replies: 0, duplicated replies: 0")
	require.Contains(t, report, "steady (every visitor talking")
}
