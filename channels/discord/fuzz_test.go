package discord

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
)

// FuzzParseEvent: no MESSAGE_CREATE or INTERACTION_CREATE data, decoded
// as discordgo decodes it, panics the parsers, and what they accept is
// a person's question to the bot: a sender who is not the bot, text
// without the bot's mention, a guild message only when it mentions the
// bot.
func FuzzParseEvent(f *testing.F) {
	f.Add([]byte(`{"id":"12","channel_id":"7","guild_id":"9","author":{"id":"42","username":"l"},"mentions":[{"id":"` + bot + `"}],"content":"<@` + bot + `> hola <@42> <#1> <:e:2> <t:1:R> </faro:3>"}`))
	f.Add([]byte(`{"id":"12","channel_id":"8","type":19,"author":{"id":"42"},"content":"¿y?"}`))
	f.Add([]byte(`{"id":"13","type":2,"token":"t","channel_id":"8","user":{"id":"42"},"data":{"name":"faro","type":1,"options":[{"name":"pregunta","type":3,"value":"hola"}]}}`))
	f.Add([]byte(`{"id":"13","type":2,"token":"t","channel_id":"8","member":{"user":{"id":"42"}},"data":{"name":"faro","type":1,"resolved":{"users":{"5":{"id":"5","username":"x"}}}}}`))
	f.Add([]byte(`{"id":"14","type":3,"token":"t","channel_id":"8","member":{"user":{"id":"42"}},"message":{"id":"9"},"data":{"custom_id":"faro_release:c1","component_type":2}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var m discordgo.MessageCreate
		if json.Unmarshal(body, &m) == nil {
			in, why := parseMessage(m.Message, bot)
			if in == nil && why == "" {
				t.Fatal("ignored without a reason")
			}
			if in != nil {
				check(t, in)
				if m.GuildID != "" && !mentions(m.Message, bot) {
					t.Fatal("a guild message without the bot's mention accepted")
				}
			}
		}
		var i discordgo.InteractionCreate
		if json.Unmarshal(body, &i) == nil {
			in, why := parseInteraction(i.Interaction, bot)
			if in == nil && why == "" {
				t.Fatal("ignored without a reason")
			}
			if in != nil && in.Text != "" {
				check(t, in)
			}
			if c, ok := releaseOf(i.Interaction); ok && c == "" {
				t.Fatal("a release without a conversation")
			}
		}
	})
}

func check(t *testing.T, in *incoming) {
	t.Helper()
	switch {
	case in.User == "" || in.User == bot:
		t.Fatalf("sender %q", in.User)
	case in.ID == "" || in.Channel == "":
		t.Fatalf("no id or channel: %+v", in)
	case strings.TrimSpace(in.Text) != in.Text || in.Text == "":
		t.Fatalf("text %q", in.Text)
	case strings.Contains(in.Text, "<@"+bot+">") || strings.Contains(in.Text, "<@!"+bot+">"):
		t.Fatalf("the bot's mention left in %q", in.Text)
	}
}
