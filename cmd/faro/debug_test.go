package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/server"
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

// TestMetricsPrivate: /metrics on the public address needs an admin or
// staff key; FARO_DEBUG_ADDR's listener serves them without one.
func TestMetricsPrivate(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.DebugAddr = "127.0.0.1:0"
	cfg.APIKeys = []server.KeySpec{
		{Name: "ops", Role: server.RoleAdmin, Key: testAdminKey},
		{Name: "lms", Role: server.RoleStudent, Key: testStudentKey},
	}
	m := NewMain(cfg, newLogger(cfg, &environment{stderr: io.Discard}))
	require.NoError(t, m.Run(context.Background()))
	t.Cleanup(func() { _ = m.Close() })

	get := func(url, key string) (int, string) {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		require.NoError(t, err)
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	public := "http://" + m.Addr() + "/metrics"
	status, body := get(public, "")
	require.Equal(t, http.StatusUnauthorized, status)
	require.NotContains(t, body, "go_goroutines")
	status, _ = get(public, testStudentKey)
	require.Equal(t, http.StatusForbidden, status, "a student key may not read them")
	status, body = get(public, testAdminKey)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "go_goroutines")
	status, body = get("http://"+m.debug.Addr()+"/metrics", "")
	require.Equal(t, http.StatusOK, status, "the private listener needs no key")
	require.Contains(t, body, "go_goroutines")
}

func TestDebugAddrMustBeHostPort(t *testing.T) {
	t.Parallel()
	_, err := LoadConfig("", envOf(map[string]string{"FARO_DEBUG_ADDR": "6060"}))
	var ce *configError
	require.True(t, errors.As(err, &ce), "%v", err)
	require.Equal(t, "FARO_DEBUG_ADDR", ce.name)
}
