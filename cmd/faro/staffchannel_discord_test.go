package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/channels/discord/discordtest"
	"github.com/faroai/faro/channels/telegram/telegramtest"
	"github.com/faroai/faro/internal/testlog"
	"github.com/faroai/faro/store"
)

// discordTakeover is a Main with Telegram, Discord and the staff channel
// on Discord, against the local Bot API and the local Discord.
type discordTakeover struct {
	telegramStudent
	bot          *discordtest.Bot
	staffChannel string
	staff, other discordtest.User
	logs         *testlog.Buffer
}

func startDiscordTakeover(t *testing.T, databaseURL string) *discordTakeover {
	t.Helper()
	srv := discordPlatform.Server()
	s := &discordTakeover{telegramStudent: telegramStudent{tg: telegramtest.New(t)}, bot: srv.NewBot(), staff: srv.Person("marta"), other: srv.Person("intruso"),
		logs: &testlog.Buffer{}}
	s.staffChannel = s.bot.AddChannel("faro-staff")
	cfg := testConfig(t)
	cfg.DatabaseURL = databaseURL
	cfg.BurstWindow = -1
	cfg.Telegram = TelegramConfig{Token: telegramtest.Token, WebhookSecret: telegramSecret, APIURL: s.tg.URL}
	cfg.Discord = DiscordConfig{Token: s.bot.Token, APIURL: srv.APIURL}
	cfg.Staff = []string{"discord:" + s.staff.ID}
	cfg.StaffChannel = "discord:" + s.staffChannel
	// River stopping on PGlite, on two cores shared with the other
	// tests, has taken more than the default five seconds.
	cfg.ShutdownTimeout = 20 * time.Second
	require.NoError(t, cfg.validate())
	s.m = startMain(t, cfg, s.logs)
	s.hook = "http://" + s.m.Addr() + telegramWebhookPath
	s.eventually(t, "the gateway", func() bool { _, _, _, c := s.bot.Gateway(); return c })
	return s
}

func (s *discordTakeover) eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		require.True(t, time.Now().Before(deadline), "%s; logs:\n%s", what, s.logs.String())
		time.Sleep(20 * time.Millisecond)
	}
}

// summary waits for the summary of conversation in the staff channel,
// and the thread started from it.
func (s *discordTakeover) summary(t *testing.T, conversation string) discordtest.Message {
	t.Helper()
	var found discordtest.Message
	s.eventually(t, "a summary of "+conversation+" in the staff channel", func() bool {
		for _, m := range s.bot.Messages(s.staffChannel) {
			if strings.Contains(m.Content, conversation) {
				found = m
				return s.bot.IsThread(m.ID)
			}
		}
		return false
	})
	return found
}

// last is the text of the bot's last message in the thread.
func (s *discordTakeover) last(thread string) string {
	ms := s.bot.Messages(thread)
	if len(ms) == 0 {
		return ""
	}
	return ms[len(ms)-1].Content
}

// response waits for the bot's answer to an interaction, ephemeral.
func (s *discordTakeover) response(t *testing.T, id string) string {
	t.Helper()
	var got string
	s.eventually(t, "the answer to interaction "+id, func() bool {
		for _, m := range s.bot.AllMessages() {
			if m.Interaction == id && m.Original && m.Content != "" {
				got = m.Content
				require.Equal(t, 64, m.Flags, "ephemeral")
				return true
			}
		}
		return false
	})
	return got
}

// TestStaffTakeOverFromDiscord: on both stores, with the staff channel
// on Discord: a student on Telegram asks for a person; the summary opens
// a thread in the staff channel, with a release button; staff answer in
// the thread and the student gets each reply once, in order, however
// often Discord sends the message; the student's next message appears in
// the thread; someone not in FARO_STAFF can neither reply nor release;
// /faro release hands it back and the bot answers again; /faro take and
// the button work; a Discord user's conversation is answered by staff in
// their DM.
func TestStaffTakeOverFromDiscord(t *testing.T) {
	t.Parallel()
	forEachStore(t, "the take-over tests", func(t *testing.T, databaseURL string) {
		discordTakeoverFlow(t, startDiscordTakeover(t, databaseURL))
	})
}

func discordTakeoverFlow(t *testing.T, s *discordTakeover) {
	const user = 801
	ctx := t.Context()
	bot := s.bot
	require.Contains(t, s.logs.String(), "staff channel on")
	s.student(t, 80001, user, "quiero hablar con una persona, por favor")
	s.eventually(t, "the hand-off reply", func() bool { return len(s.toStudent(user)) == 1 })
	conv, err := s.m.Store.ConversationByExternalID(ctx, "telegram", fmt.Sprint(user))
	require.NoError(t, err)
	require.Equal(t, store.ConversationHandedOff, s.status(t, conv.ID))

	sum := s.summary(t, conv.ID)
	require.Contains(t, sum.Content, "telegram")
	require.Contains(t, sum.Content, "quiero hablar con una persona")
	require.Contains(t, sum.Components, "faro_release:"+conv.ID, "the release button")
	require.JSONEq(t, `{"parse":[],"replied_user":false}`, sum.AllowedMentions)
	thread := sum.ID
	require.True(t, bot.IsThread(thread), "a thread started from the summary")

	s.student(t, 80002, user, "¿hay alguien ahí?")
	s.eventually(t, "the student's message in the thread", func() bool { return strings.Contains(s.last(thread), "¿hay alguien ahí?") })
	require.Len(t, s.toStudent(user), 1, "the bot stays quiet")

	// Staff answer in the thread; Discord sends the first twice more.
	first := bot.Post(s.staff, thread, "Hola, soy Marta. Te ayudo con tu acceso.")
	bot.Resend(first)
	bot.Resend(first)
	bot.Post(s.staff, thread, "¿Puedes decirme tu email?")
	s.eventually(t, "the staff replies delivered", func() bool { return len(s.toStudent(user)) >= 3 })
	time.Sleep(300 * time.Millisecond)
	require.Equal(t, []string{"Hola, soy Marta. Te ayudo con tu acceso.", "¿Puedes decirme tu email?"}, s.toStudent(user)[1:],
		"each reply once, in order")

	// Not staff: refused in the thread and on the button; nothing changes.
	bot.Post(s.other, thread, "yo también le contesto")
	s.eventually(t, "the refusal in the thread", func() bool { return strings.Contains(s.last(thread), "Only staff listed in FARO\\_STAFF") })
	click := bot.Click(s.other, s.staffChannel, thread, "faro_release:"+conv.ID)
	require.Contains(t, s.response(t, click), "Only staff listed in FARO\\_STAFF")
	time.Sleep(300 * time.Millisecond)
	require.Len(t, s.toStudent(user), 3, "nothing reached the student")
	require.Equal(t, store.ConversationHandedOff, s.status(t, conv.ID))

	// /faro release in the thread; the bot answers the next message.
	rel := bot.Command(s.staff, thread, "release")
	require.Contains(t, s.response(t, rel), "is back with the bot")
	kind, after := bot.Deferred(rel)
	require.Equal(t, 5, kind, "deferred, then edited")
	require.Less(t, after, 3*time.Second)
	require.Equal(t, store.ConversationOpen, s.status(t, conv.ID))
	s.eventually(t, "the release note", func() bool {
		return strings.Contains(s.last(thread), "Handed back to the bot by discord:"+s.staff.ID)
	})
	s.student(t, 80003, user, "¿qué cursos tienen?")
	s.eventually(t, "the bot's answer after the release", func() bool { return len(s.toStudent(user)) == 4 })

	// /faro take from another channel, then the button releases.
	take := bot.Command(s.staff, bot.Channel, "take "+conv.ID)
	require.Contains(t, s.response(t, take), "is yours")
	require.Equal(t, store.ConversationHandedOff, s.status(t, conv.ID))
	s.eventually(t, "the take note in the same thread", func() bool {
		return strings.Contains(s.last(thread), "Taken by discord:"+s.staff.ID)
	})
	click = bot.Click(s.staff, s.staffChannel, thread, "faro_release:"+conv.ID)
	require.Contains(t, s.response(t, click), "is back with the bot")
	require.Equal(t, store.ConversationOpen, s.status(t, conv.ID))

	// The bot's mention reads as a command: take at the channel's top
	// level, release in the thread; the answers are replies there.
	bot.Post(s.staff, s.staffChannel, bot.Mention()+" take "+conv.ID)
	s.eventually(t, "taken by a mention", func() bool { return s.status(t, conv.ID) == store.ConversationHandedOff })
	s.eventually(t, "the answer to the mention", func() bool { return strings.Contains(s.last(s.staffChannel), "is yours") })
	bot.Post(s.staff, thread, bot.Mention()+" release")
	s.eventually(t, "released by a mention", func() bool { return s.status(t, conv.ID) == store.ConversationOpen })
	// The desk records a release right after the status it changes (two
	// writes): the history is read once it holds the release.
	var kinds []string
	s.eventually(t, "the release recorded", func() bool {
		events, err := s.m.Handoff.Events(ctx, conv.ID)
		require.NoError(t, err)
		kinds = kinds[:0]
		for _, e := range events {
			kinds = append(kinds, string(e.Kind))
		}
		return len(kinds) >= 8
	})
	require.Equal(t, []string{"requested", "replied", "replied", "released", "taken", "released", "taken", "released"}, kinds)

	// A Discord user in a DM asks for a person; staff answer from the
	// thread, and the reply reaches the DM.
	lucia := discordPlatform.Server().Person("lucia")
	bot.DM(lucia, "quiero hablar con una persona, por favor")
	dm := bot.DMChannel(lucia)
	s.eventually(t, "the hand-off reply in the DM", func() bool { return len(bot.Messages(dm)) == 1 })
	dconv, err := s.m.Store.ConversationByExternalID(ctx, "discord", dm)
	require.NoError(t, err)
	dthread := s.summary(t, dconv.ID).ID
	bot.Post(s.staff, dthread, "Hola Lucía, dime.")
	s.eventually(t, "the staff reply in the DM", func() bool { return len(bot.Messages(dm)) == 2 })
	require.Equal(t, "Hola Lucía, dime.", bot.Messages(dm)[1].Content)
}
