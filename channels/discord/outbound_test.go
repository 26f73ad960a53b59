package discord_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/channels/discord"
	"github.com/faroai/faro/channels/discord/discordtest"
	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/internal/channeltest"
	"github.com/faroai/faro/llm/llmtest"
	"github.com/faroai/faro/store"
)

// TestLongReplySplitAndNeutralised: a model's long answer with mentions
// in it arrives as several messages under 2,000 characters, in order, in
// the thread, with the mentions shown but inert and links kept.
func TestLongReplySplitAndNeutralised(t *testing.T) {
	t.Parallel()
	long := channeltest.LongReply("**Resumen** para @everyone y <@123456789012345678>: ver [la guía](https://brujula.example/guia?a=1&b=2).\n\n", 40, 2)
	forEachBackend(t, func(t *testing.T, open func(t testing.TB) store.Store) {
		model := channeltest.OpenAIModel(t, llmtest.Reply{Text: long, Times: 2})
		e := setupE2E(t, open, e2eOptions{model: model})
		bot := e.bot
		m := bot.Post(e.staff, bot.Channel, bot.Mention()+" resume el curso")
		var parts []string
		waitFor(t, "every part", func() bool {
			parts = parts[:0]
			for _, p := range e.delivered(t, m) {
				parts = append(parts, p.Content)
			}
			return len(parts) >= 5 && strings.Contains(parts[len(parts)-1], "Párrafo 40")
		})
		settle()
		require.Len(t, bot.Messages(m), len(parts), "nothing else in the thread")
		last := 0
		for i, p := range parts {
			require.LessOrEqual(t, relay.UTF16(p), discord.MaxPart, "part %d", i+1)
			require.LessOrEqual(t, utf8.RuneCountInString(p), discord.MaxPart)
			for _, n := range channeltest.ParagraphNumbers(p, 2) {
				require.Equal(t, last+1, n, "in order")
				last = n
			}
		}
		require.Equal(t, 40, last)
		require.True(t, strings.HasPrefix(parts[0], "**Resumen** para @\u200beveryone y <\u200b@123456789012345678>: ver [la guía](https://brujula.example/guia?a=1&b=2)."), parts[0])
		for _, msg := range bot.Messages(m) {
			require.JSONEq(t, `{"parse":[],"replied_user":false}`, msg.AllowedMentions)
		}

		// The same through /faro: the first part edits the deferred
		// response, the others follow up, in order.
		id := bot.Command(e.staff, bot.Channel, "resume el curso")
		var answer []discordtest.Message
		waitFor(t, "every part of the command's answer", func() bool {
			answer = interactionMessages(bot, id)
			n := len(answer)
			return n >= 5 && strings.Contains(answer[n-1].Content, "Párrafo 40")
		})
		require.True(t, answer[0].Original)
		require.True(t, strings.HasPrefix(answer[0].Content, "> resume el curso\n**Resumen**"), answer[0].Content)
		last = 0
		for i, p := range answer {
			require.Equal(t, i == 0, p.Original)
			require.LessOrEqual(t, utf8.RuneCountInString(p.Content), discordtest.MaxContent)
			for _, n := range channeltest.ParagraphNumbers(p.Content, 2) {
				require.Equal(t, last+1, n, "in order")
				last = n
			}
		}
		require.Equal(t, 40, last)
	})
}

// TestRateLimited: a 429 on the route, and a global one, are waited out
// for their retry_after before the part is sent again, once.
func TestRateLimited(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, open func(t testing.TB) store.Store) {
		e := setupE2E(t, open, e2eOptions{})
		bot := e.bot
		for _, c := range []struct {
			global bool
			after  float64
		}{{false, 1.2}, {true, 0.6}} {
			who := platform.Server().Person(fmt.Sprint("alumno-", c.global))
			dm := bot.DMChannel(who)
			bot.RateLimit(1, c.after, c.global)
			bot.DM(who, "hola, ¿qué cursos tenéis?")
			e.waitDelivered(t, dm, 1)
			route := "channels/" + dm + "/messages"
			var limited, sent time.Time
			for _, call := range bot.Calls() {
				if call.Route != route {
					continue
				}
				switch {
				case call.Status == http.StatusTooManyRequests && limited.IsZero():
					limited = call.At
				case call.Status == http.StatusOK && !limited.IsZero() && sent.IsZero():
					sent = call.At
				}
			}
			require.False(t, limited.IsZero(), "Discord said 429 (global %v)", c.global)
			require.False(t, sent.IsZero())
			wait := time.Duration(c.after * float64(time.Second))
			require.GreaterOrEqual(t, sent.Sub(limited), wait-10*time.Millisecond, "retried after retry_after (global %v)", c.global)
			settle()
			require.Len(t, bot.Messages(dm), 1, "sent once")
		}
	})
}
