package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// FARO_DEBUG_ADDR serves runtime profiles on a listener of its own; the
// public address never does.
func TestDebugAddrServesProfilesApart(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.DebugAddr = "127.0.0.1:0"
	m := NewMain(cfg, newLogger(cfg, &environment{stderr: io.Discard}))
	require.NoError(t, m.Run(context.Background()))
	t.Cleanup(func() { _ = m.Close() })

	resp, err := http.Get("http://" + m.debug.Addr() + "/debug/pprof/goroutine?debug=1")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(body), "goroutine profile")

	resp, err = http.Get("http://" + m.Addr() + "/debug/pprof/goroutine?debug=1")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNotFound, resp.StatusCode, "not on the public address")

	debugAddr := m.debug.Addr()
	require.NoError(t, m.Close())
	_, err = http.Get("http://" + debugAddr + "/debug/pprof/")
	require.Error(t, err, "closed with the server")
}

func TestDebugAddrMustBeHostPort(t *testing.T) {
	t.Parallel()
	_, err := LoadConfig("", envOf(map[string]string{"FARO_DEBUG_ADDR": "6060"}))
	var ce *configError
	require.True(t, errors.As(err, &ce), "%v", err)
	require.Equal(t, "FARO_DEBUG_ADDR", ce.name)
}
