package discord_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/channels/discord/discordtest"
	"github.com/faroai/faro/store"
)

// interactionMessages are the bot's messages answering the interaction,
// in order (the edited deferred response first).
func interactionMessages(bot *discordtest.Bot, id string) []discordtest.Message {
	var out []discordtest.Message
	for _, m := range bot.AllMessages() {
		if m.Interaction == id {
			out = append(out, m)
		}
	}
	return out
}

// TestSlashCommand: /faro from the staff member gets a deferred response
// within Discord's three seconds, then the answer in its place, quoting
// the question; the same interaction sent again is not answered again;
// in a DM it works the same; an interaction whose token expired is
// answered in its channel instead.
func TestSlashCommand(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, open func(t testing.TB) store.Store) {
		e := setupE2E(t, open, e2eOptions{})
		bot := e.bot
		cmds := bot.Commands(bot.Guild)
		require.Contains(t, cmds, `"name":"faro"`, "registered in the guild")
		require.Contains(t, cmds, `"name":"pregunta"`)
		require.Contains(t, cmds, `"en-US":"question"`)

		id := bot.Command(e.staff, bot.Channel, "¿cuál es el MRR de este mes?")
		waitFor(t, "the deferred response", func() bool { kind, _ := bot.Deferred(id); return kind != 0 })
		kind, after := bot.Deferred(id)
		require.Equal(t, 5, kind, "a deferred response (type 5)")
		require.Less(t, after, 3*time.Second)
		var answer discordtest.Message
		waitFor(t, "the answer", func() bool {
			ms := interactionMessages(bot, id)
			if len(ms) == 1 && len(ms[0].Versions) == 2 {
				answer = ms[0]
				return true
			}
			return false
		})
		require.True(t, answer.Original, "the answer edits the deferred response")
		require.True(t, strings.HasPrefix(answer.Content, "> ¿cuál es el MRR de este mes?\n"), answer.Content)
		require.Contains(t, answer.Content, "MRR: 0.00 USD")
		require.JSONEq(t, `{"parse":[],"replied_user":false}`, answer.AllowedMentions)

		// Sent again (a replayed INTERACTION_CREATE): Discord refuses the
		// second callback, and nothing more is said.
		turns := e.turns.Load()
		bot.Resend(id)
		settle()
		require.Len(t, interactionMessages(bot, id), 1)
		require.Len(t, interactionMessages(bot, id)[0].Versions, 2)
		require.Equal(t, turns, e.turns.Load())

		// In the DM with the bot.
		student := platform.Server().Person("marta")
		dm := bot.DMChannel(student)
		id = bot.Command(student, dm, "¿qué cursos tenéis?")
		waitFor(t, "the DM answer", func() bool {
			ms := interactionMessages(bot, id)
			return len(ms) == 1 && len(ms[0].Versions) == 2
		})
		require.Equal(t, dm, interactionMessages(bot, id)[0].ChannelID)

		// The token expired before the answer: it goes to the channel.
		id = bot.Command(student, dm, "¿y en inglés?")
		bot.ExpireInteraction(id)
		waitFor(t, "the answer in the channel", func() bool {
			for _, m := range e.delivered(t, dm) {
				if m.Interaction == "" && strings.HasPrefix(m.Content, "> ¿y en inglés?\n") {
					return true
				}
			}
			return false
		})
	})
}
