package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/channels/telegram/telegramtest"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/postgres/pgtest"
)

// startMain runs a Main on cfg, logging to logs, with fastRetries, and
// closes it when t ends.
func startMain(t *testing.T, cfg Config, logs io.Writer) *Main {
	t.Helper()
	m := NewMain(cfg, newLogger(cfg, &environment{stderr: logs}))
	m.EditRelay = fastRetries
	require.NoError(t, m.Run(context.Background()))
	t.Cleanup(func() { require.NoError(t, m.Close()) })
	return m
}

// fastRetries shortens the runtime's backoff and polling, so that a test
// sees a retry or a queued job in milliseconds.
func fastRetries(o *relay.Options) {
	o.BackoffBase, o.BackoffMax, o.PollInterval = 20*time.Millisecond, 200*time.Millisecond, 20*time.Millisecond
}

// forEachStore runs f in two parallel subtests: on the embedded store
// (databaseURL "") and on a PostgreSQL of its own (PGlite from
// node_modules, or pgtest.EnvURL); what names the tests in the failure
// when none can be had.
func forEachStore(t *testing.T, what string, f func(t *testing.T, databaseURL string)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		f(t, "")
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		f(t, startPostgres(t, what))
	})
}

// startPostgres is the URL of a PostgreSQL that stops when t ends.
func startPostgres(t testing.TB, what string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	url, stop, err := pgtest.Start(ctx)
	require.NoError(t, err, "PostgreSQL for %s (PGlite from node_modules, or %s)", what, pgtest.EnvURL)
	t.Cleanup(stop)
	// PGlite's socket server takes eight connections and resets the
	// ninth ("connection reset by peer"): the store's, the live bus's and
	// the jobs' pools, two each, and the bus's listener stay under it.
	if !strings.Contains(url, "pool_max_conns") {
		sep := "?"
		if strings.Contains(url, "?") {
			sep = "&"
		}
		url += sep + "pool_max_conns=2"
	}
	return url
}

// telegramStudent is the student's side of a take-over test: a Main
// with the Telegram channel against the local Bot API.
type telegramStudent struct {
	m    *Main
	tg   *telegramtest.Server
	hook string // Telegram's webhook
}

// student writes to the bot on Telegram.
func (s *telegramStudent) student(t *testing.T, update, user int64, text string) {
	t.Helper()
	status, err := telegramtest.Post(s.hook, telegramSecret, telegramtest.Private(update, user, text, "es"))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status)
}

// toStudent is what the bot sent user on Telegram, in order.
func (s *telegramStudent) toStudent(user int64) []string {
	var out []string
	for _, m := range s.tg.Sent("sendMessage") {
		if m.ChatID == user {
			out = append(out, m.Text)
		}
	}
	return out
}

func (s *telegramStudent) status(t *testing.T, conversation string) store.ConversationStatus {
	t.Helper()
	c, err := s.m.Store.Conversation(t.Context(), conversation)
	require.NoError(t, err)
	return c.Status
}
