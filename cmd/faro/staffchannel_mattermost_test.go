package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/channels/mattermost"
	"github.com/faroai/faro/channels/mattermost/mattermosttest"
	"github.com/faroai/faro/channels/telegram/telegramtest"
	"github.com/faroai/faro/store"
)

// mmTakeover is a Main with Telegram, Mattermost and the staff channel on
// Mattermost, against the local Bot API and the local Mattermost.
type mmTakeover struct {
	telegramStudent
	mm    *mattermosttest.Server
	logs  *lockedWriter
	mmURL string // Mattermost's slash command and webhook URL
	// staffChannel, and marta (staff) and pablo (not) in it.
	staffChannel mattermosttest.Channel
	marta, pablo mattermosttest.User
}

const mmCommandToken = "mm-takeover-command-token"

func startMMTakeover(t *testing.T, databaseURL string) *mmTakeover {
	t.Helper()
	s := &mmTakeover{telegramStudent: telegramStudent{tg: telegramtest.New(t)}, mm: mattermosttest.NewServer("mm-takeover-token"), logs: &lockedWriter{w: &bytes.Buffer{}}}
	t.Cleanup(s.mm.Close)
	s.marta, s.pablo = s.mm.AddUser("marta"), s.mm.AddUser("pablo")
	s.staffChannel = s.mm.AddChannel("P", "faro-staff")
	cfg := testConfig(t)
	cfg.DatabaseURL = databaseURL
	cfg.LogLevel = "debug"
	cfg.Telegram = TelegramConfig{Token: telegramtest.Token, WebhookSecret: telegramSecret, APIURL: s.tg.URL}
	cfg.Mattermost = MattermostConfig{URL: s.mm.URL, Token: "mm-takeover-token", WebhookTokens: []string{mmCommandToken}}
	cfg.Staff = []string{"mattermost:" + s.marta.ID}
	cfg.StaffChannel = "mattermost:" + s.staffChannel.ID
	require.NoError(t, cfg.validateChannels())
	m := startMain(t, cfg, s.logs)
	s.m = m
	s.hook = "http://" + m.Addr() + telegramWebhookPath
	s.mmURL = "http://" + m.Addr() + mattermost.WebhookPath
	s.eventually(t, func() string { return "no websocket" }, s.mm.Connected)
	return s
}

func (s *mmTakeover) eventually(t *testing.T, what func() string, cond func() bool) {
	t.Helper()
	// A bound, not a timing: on a loaded machine (PGlite starting beside
	// a turn) a step can take many seconds.
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		require.True(t, time.Now().Before(deadline), "%s; logs:\n%s", what(), s.logs.String())
		time.Sleep(20 * time.Millisecond)
	}
}

// thread is the bot's posts in the staff channel's thread root.
func (s *mmTakeover) thread(root string) []mattermosttest.Post {
	return s.mm.BotPosts(s.staffChannel.ID, root)
}

func (s *mmTakeover) lastInThread(root string) string {
	th := s.thread(root)
	if len(th) == 0 {
		return ""
	}
	return th[len(th)-1].Message
}

// TestStaffTakeOverFromMattermost: on both stores, a student on Telegram
// asks for a person; the summary opens a thread in the Mattermost staff
// channel; the student's next message shows there; staff answer in the
// thread and the student gets each reply once, in order, even when
// Mattermost sends a post again; someone not in FARO_STAFF can neither
// reply nor release (told so alone); "@faro release" in the thread hands
// it back and the bot answers again; "/faro take <conversation>" takes it
// over again.
func TestStaffTakeOverFromMattermost(t *testing.T) {
	t.Parallel()
	forEachStore(t, "the take-over tests", func(t *testing.T, databaseURL string) {
		s := startMMTakeover(t, databaseURL)
		require.Contains(t, s.logs.String(), "staff channel on")
		mmTakeoverTelegram(t, s)
	})
}

func mmTakeoverTelegram(t *testing.T, s *mmTakeover) {
	const user = 801
	ctx := t.Context()
	s.student(t, 80001, user, "quiero hablar con una persona, por favor")
	s.eventually(t, func() string { return "no hand-off reply" }, func() bool { return len(s.toStudent(user)) == 1 })
	conv, err := s.m.Store.ConversationByExternalID(ctx, "telegram", "801")
	require.NoError(t, err)
	require.Equal(t, store.ConversationHandedOff, s.status(t, conv.ID))

	var sum mattermosttest.Post
	s.eventually(t, func() string { return fmt.Sprintf("no summary: %+v", s.thread("")) }, func() bool {
		for _, p := range s.thread("") {
			if strings.Contains(p.Message, conv.ID) {
				sum = p
				return true
			}
		}
		return false
	})
	require.Contains(t, sum.Message, "Ana García")
	require.Contains(t, sum.Message, "telegram")
	require.Contains(t, sum.Message, "quiero hablar con una persona")
	require.Contains(t, sum.Message, "`@faro release`")
	root := sum.ID

	// The student writes again: no bot reply; the message shows in the thread.
	s.student(t, 80002, user, "¿hay alguien ahí? @channel")
	s.eventually(t, func() string { return fmt.Sprintf("not in the thread: %+v", s.thread(root)) }, func() bool {
		return strings.Contains(s.lastInThread(root), "Ana García: ¿hay alguien ahí? @\u200bchannel")
	})
	require.Len(t, s.toStudent(user), 1, "the bot stays quiet")

	// Staff answer in the thread; Mattermost sends the first post again:
	// the student gets each reply once, in order.
	first := s.mm.UserPost(s.marta, s.staffChannel, root, "Hola Ana, soy Marta. Te ayudo con tu acceso.")
	s.mm.Republish(first.ID)
	s.mm.UserPost(s.marta, s.staffChannel, root, "¿Puedes decirme tu email?")
	s.eventually(t, func() string { return fmt.Sprintf("staff replies not delivered: %q", s.toStudent(user)) },
		func() bool { return len(s.toStudent(user)) >= 3 })
	time.Sleep(300 * time.Millisecond)
	require.Equal(t, []string{"Hola Ana, soy Marta. Te ayudo con tu acceso.", "¿Puedes decirme tu email?"}, s.toStudent(user)[1:],
		"each reply once, in order")
	msgs, err := s.m.Store.Messages(ctx, conv.ID, store.MessageQuery{})
	require.NoError(t, err)
	staffMsgs := 0
	for _, m := range msgs {
		if m.Author == store.AuthorStaff {
			staffMsgs++
		}
	}
	require.Equal(t, 2, staffMsgs, "a re-sent post stores nothing")

	// Someone not in FARO_STAFF: refused, told alone, nothing sent or released.
	s.mm.UserPost(s.pablo, s.staffChannel, root, "yo también le contesto")
	s.mm.UserPost(s.pablo, s.staffChannel, root, "@faro release")
	resp, err := mattermosttest.PostCommand(ctx, s.mmURL, mattermosttest.SlashCommand{Token: mmCommandToken, ChannelID: s.staffChannel.ID,
		ChannelName: s.staffChannel.Name, UserID: s.pablo.ID, Command: "/faro", Text: "release " + conv.ID, TriggerID: "mmtrig-1"})
	require.NoError(t, err)
	require.Contains(t, string(resp.Body), "Only staff listed in FARO_STAFF")
	s.eventually(t, func() string { return fmt.Sprintf("refusals: %+v", s.mm.Ephemerals(s.pablo.ID)) },
		func() bool { return len(s.mm.Ephemerals(s.pablo.ID)) == 2 })
	for _, e := range s.mm.Ephemerals(s.pablo.ID) {
		require.Contains(t, e.Message, "Only staff listed in FARO_STAFF")
		require.Equal(t, root, e.RootID, "in the thread")
	}
	time.Sleep(300 * time.Millisecond)
	require.Len(t, s.toStudent(user), 3, "nothing reached the student")
	require.Equal(t, store.ConversationHandedOff, s.status(t, conv.ID), "still with staff")

	// "/faro release" alone cannot know the thread: told how instead.
	resp, err = mattermosttest.PostCommand(ctx, s.mmURL, mattermosttest.SlashCommand{Token: mmCommandToken, ChannelID: s.staffChannel.ID,
		ChannelName: s.staffChannel.Name, UserID: s.marta.ID, Command: "/faro", Text: "release", TriggerID: "mmtrig-2"})
	require.NoError(t, err)
	require.Contains(t, string(resp.Body), "@faro release")
	require.Equal(t, store.ConversationHandedOff, s.status(t, conv.ID))

	// Staff release from the thread; the bot answers the next message.
	s.mm.UserPost(s.marta, s.staffChannel, root, "@faro release")
	s.eventually(t, func() string { return "not released" }, func() bool { return s.status(t, conv.ID) == store.ConversationOpen })
	s.eventually(t, func() string { return "no release note in the thread" }, func() bool {
		return strings.Contains(s.lastInThread(root), "Handed back to the bot by mattermost:"+s.marta.ID)
	})
	s.student(t, 80003, user, "¿qué cursos tienen?")
	s.eventually(t, func() string { return "the bot did not answer after the release" }, func() bool { return len(s.toStudent(user)) == 4 })

	// /faro take from anywhere: the same thread goes on.
	resp, err = mattermosttest.PostCommand(ctx, s.mmURL, mattermosttest.SlashCommand{Token: mmCommandToken, ChannelID: s.staffChannel.ID,
		ChannelName: s.staffChannel.Name, UserID: s.marta.ID, Command: "/faro", Text: "take " + conv.ID, TriggerID: "mmtrig-3"})
	require.NoError(t, err)
	require.Contains(t, string(resp.Body), "is yours")
	require.Equal(t, store.ConversationHandedOff, s.status(t, conv.ID))
	s.eventually(t, func() string { return "no take note in the same thread" }, func() bool {
		return strings.Contains(s.lastInThread(root), "Taken by mattermost:"+s.marta.ID)
	})

	events, err := s.m.Handoff.Events(ctx, conv.ID)
	require.NoError(t, err)
	var kinds []string
	for _, e := range events {
		kinds = append(kinds, string(e.Kind))
	}
	require.Equal(t, []string{"requested", "replied", "replied", "released", "taken"}, kinds)
}
