package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/channels/mattermost/mattermosttest"
	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/channels/telegram/telegramtest"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/store/postgres/pgtest"
)

// TestStaffTakeOverFromMattermost: on both stores, a Telegram student's
// hand-off opens a thread in a Mattermost staff channel; staff answer in
// it and the student gets each reply once, even when Mattermost sends a
// post twice; the student's next message shows in the thread; a person
// not in FARO_STAFF is refused; `@faro release` hands it back and the bot
// answers again.
func TestStaffTakeOverFromMattermost(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			dbURL := ""
			if backend == "postgres" {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				url, stop, err := pgtest.Start(ctx)
				cancel()
				require.NoError(t, err, "PostgreSQL for the take-over tests (PGlite from node_modules, or %s)", pgtest.EnvURL)
				t.Cleanup(stop)
				dbURL = url
			}
			takeoverMattermost(t, dbURL)
		})
	}
}

func takeoverMattermost(t *testing.T, dbURL string) {
	ctx := t.Context()
	tg := telegramtest.New(t)
	mm := mattermosttest.NewServer("mm-takeover")
	t.Cleanup(mm.Close)
	marta, intruder := mm.AddUser("marta"), mm.AddUser("intruso")
	staffCh := mm.AddChannel("O", "soporte")
	logs := &lockedWriter{w: &bytes.Buffer{}}
	cfg := testConfig(t)
	cfg.DatabaseURL = dbURL
	cfg.LogLevel = "debug"
	cfg.Telegram = TelegramConfig{Token: telegramtest.Token, WebhookSecret: telegramSecret, APIURL: tg.URL}
	cfg.Mattermost = MattermostConfig{URL: mm.URL, Token: "mm-takeover"}
	cfg.Staff = []string{"mattermost:" + marta.ID}
	cfg.StaffChannel = "mattermost:" + staffCh.ID
	require.NoError(t, cfg.validateChannels())
	m := NewMain(cfg, newLogger(cfg, &environment{stderr: logs}))
	m.EditRelay = func(o *relay.Options) {
		o.BackoffBase, o.BackoffMax, o.PollInterval = 20*time.Millisecond, 200*time.Millisecond, 20*time.Millisecond
	}
	require.NoError(t, m.Run(context.Background()))
	t.Cleanup(func() { require.NoError(t, m.Close()) })
	s := &takeover{m: m, tg: tg, logs: logs, hook: "http://" + m.Addr() + telegramWebhookPath}
	s.eventually(t, func() string { return "no websocket" }, mm.Connected)

	const user = 801
	s.student(t, 80001, user, "quiero hablar con una persona")
	s.eventually(t, func() string { return "no hand-off reply" }, func() bool { return len(s.toStudent(user)) == 1 })
	conv, err := m.Store.ConversationByExternalID(ctx, "telegram", "801")
	require.NoError(t, err)
	var thread string
	s.eventually(t, func() string { return fmt.Sprintf("no summary: %+v", mm.BotPosts(staffCh.ID, "")) }, func() bool {
		for _, p := range mm.BotPosts(staffCh.ID, "") {
			if strings.Contains(p.Message, conv.ID) {
				require.Contains(t, p.Message, "Ana García")
				thread = p.ID
				return true
			}
		}
		return false
	})
	lastInThread := func() string {
		ps := mm.BotPosts(staffCh.ID, thread)
		if len(ps) == 0 {
			return ""
		}
		return ps[len(ps)-1].Message
	}

	s.student(t, 80002, user, "¿hola?")
	s.eventually(t, func() string { return "the student's message is not in the thread: " + lastInThread() },
		func() bool { return strings.HasSuffix(lastInThread(), ": ¿hola?") })

	first := mm.UserPost(marta, staffCh, thread, "Hola Ana, soy Marta.")
	mm.Republish(first.ID) // Mattermost sends it again
	mm.UserPost(marta, staffCh, thread, "¿En qué te ayudo?")
	s.eventually(t, func() string { return fmt.Sprintf("replies: %q", s.toStudent(user)) }, func() bool { return len(s.toStudent(user)) >= 3 })
	time.Sleep(300 * time.Millisecond)
	require.Equal(t, []string{"Hola Ana, soy Marta.", "¿En qué te ayudo?"}, s.toStudent(user)[1:], "each once, in order")

	mm.UserPost(intruder, staffCh, thread, "yo también contesto")
	mm.UserPost(intruder, staffCh, thread, "@faro release")
	s.eventually(t, func() string { return "no refusal: " + lastInThread() }, func() bool {
		n := 0
		for _, p := range mm.BotPosts(staffCh.ID, thread) {
			if strings.Contains(p.Message, "Only staff listed in FARO_STAFF") && strings.HasPrefix(p.Message, "@intruso ") {
				n++
			}
		}
		return n == 2
	})
	require.Len(t, s.toStudent(user), 3, "nothing reached the student")
	require.Equal(t, store.ConversationHandedOff, s.status(t, conv.ID))

	mm.UserPost(marta, staffCh, thread, "@faro release")
	s.eventually(t, func() string { return "not released" }, func() bool { return s.status(t, conv.ID) == store.ConversationOpen })
	s.student(t, 80003, user, "¿qué cursos tienen?")
	s.eventually(t, func() string { return "the bot did not answer after the release" }, func() bool { return len(s.toStudent(user)) == 4 })

	// @faro take <conversation> at the channel's top level takes it again.
	mm.UserPost(marta, staffCh, "", "@faro take "+conv.ID)
	s.eventually(t, func() string { return "not taken" }, func() bool { return s.status(t, conv.ID) == store.ConversationHandedOff })
}
