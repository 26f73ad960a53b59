package discord

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/knowledge"
)

const bot = "1100000000000000001"

// event decodes a MESSAGE_CREATE's data as discordgo does.
func event(t testing.TB, raw string) *discordgo.Message {
	t.Helper()
	var m discordgo.MessageCreate
	require.NoError(t, json.Unmarshal([]byte(raw), &m))
	return m.Message
}

func TestParseMessage(t *testing.T) {
	t.Parallel()
	guild := `{"id":"1200000000000000001","channel_id":"7","guild_id":"9","type":0,"timestamp":"2026-12-06T10:00:00Z",
		"author":{"id":"42","username":"lucia","global_name":"Lucía"},"member":{"nick":"Lu"},
		"mentions":[{"id":"` + bot + `","username":"faro","bot":true},{"id":"43","username":"pablo"}],
		"content":"<@` + bot + `>  ¿qué opina <@43> del curso <#55>? <:faro:66> <t:1765000000:R>"}`
	m, why := parseMessage(event(t, guild), bot)
	require.NotNil(t, m, why)
	require.Equal(t, "¿qué opina @pablo del curso #channel? :faro: 2025-12-06 05:46 UTC", m.Text)
	require.Equal(t, "Lu", m.Name)
	require.Equal(t, "42", m.User)
	require.Equal(t, "9", m.Guild)
	require.Equal(t, time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC), m.At.UTC())

	// A DM needs no mention; without a timestamp the id's time is used.
	dm := `{"id":"1200000000000000002","channel_id":"8","type":0,"author":{"id":"42","username":"lucia"},"content":"hola"}`
	m, why = parseMessage(event(t, dm), bot)
	require.NotNil(t, m, why)
	require.Equal(t, "hola", m.Text)
	require.Equal(t, "lucia", m.Name)
	require.Equal(t, snowflakeTime("1200000000000000002"), m.At)
	require.Equal(t, 2024, m.At.Year())

	for name, raw := range map[string]string{
		"not mentioned": `{"id":"1","channel_id":"7","guild_id":"9","author":{"id":"42"},"content":"hola a todos"}`,
		"everyone":      `{"id":"1","channel_id":"7","guild_id":"9","author":{"id":"42"},"mention_everyone":true,"content":"@everyone hola"}`,
		"own message":   `{"id":"1","channel_id":"8","author":{"id":"` + bot + `","bot":true},"content":"hola"}`,
		"bot message":   `{"id":"1","channel_id":"8","author":{"id":"5","bot":true},"content":"hola"}`,
		"webhook":       `{"id":"1","channel_id":"8","webhook_id":"3","author":{"id":"5"},"content":"hola"}`,
		"type 7":        `{"id":"1","channel_id":"8","type":7,"author":{"id":"42"},"content":""}`,
		"no text":       `{"id":"1","channel_id":"7","guild_id":"9","author":{"id":"42"},"content":"<@` + bot + `>"}`,
		"no author":     `{"id":"1","channel_id":"8","content":"hola"}`,
		"no id":         `{"channel_id":"8","author":{"id":"42"},"content":"hola"}`,
	} {
		m, why := parseMessage(event(t, raw), bot)
		require.Nil(t, m, name)
		require.NotEmpty(t, why, name)
	}
	// A reply (type 19) mentioning the bot with <@!id> is a question.
	m, _ = parseMessage(event(t, `{"id":"1","channel_id":"7","guild_id":"9","type":19,"author":{"id":"42"},"content":"<@!`+bot+`> ¿y?"}`), bot)
	require.NotNil(t, m)
	require.Equal(t, "¿y?", m.Text)
}

func TestParseInteraction(t *testing.T) {
	t.Parallel()
	decode := func(raw string) *discordgo.Interaction {
		var i discordgo.InteractionCreate
		require.NoError(t, json.Unmarshal([]byte(raw), &i))
		return i.Interaction
	}
	in := decode(`{"id":"1200000000000000003","application_id":"` + bot + `","type":2,"token":"tok","channel_id":"7","guild_id":"9",
		"member":{"user":{"id":"42","username":"lucia"},"nick":"Lu"},
		"data":{"id":"5","name":"faro","type":1,"options":[{"name":"pregunta","type":3,"value":"  ¿cuál es el MRR? "}]}}`)
	m, why := parseInteraction(in, bot)
	require.NotNil(t, m, why)
	require.Equal(t, "¿cuál es el MRR?", m.Text)
	require.Equal(t, "42", m.User)
	require.Equal(t, "Lu", m.Name)

	m, _ = parseInteraction(decode(`{"id":"3","type":2,"token":"t","channel_id":"8","user":{"id":"42"},"data":{"name":"faro","type":1}}`), bot)
	require.NotNil(t, m, "a DM command without its option")
	require.Empty(t, m.Text)

	for name, raw := range map[string]string{
		"other command": `{"id":"3","type":2,"token":"t","channel_id":"8","user":{"id":"42"},"data":{"name":"otra","type":1}}`,
		"component":     `{"id":"3","type":3,"token":"t","channel_id":"8","user":{"id":"42"},"data":{"custom_id":"x","component_type":2}}`,
		"no token":      `{"id":"3","type":2,"channel_id":"8","user":{"id":"42"},"data":{"name":"faro","type":1}}`,
		"no user":       `{"id":"3","type":2,"token":"t","channel_id":"8","data":{"name":"faro","type":1}}`,
	} {
		m, why := parseInteraction(decode(raw), bot)
		require.Nil(t, m, name)
		require.NotEmpty(t, why, name)
	}
}

func TestRender(t *testing.T) {
	t.Parallel()
	got := render(agent.Reply{Language: "en",
		Text: "## Precios\n#### Detalle\n**Curso** de IA [1] para @here: [guía](https://x.example/a_b) y [mal](javascript:alert(1)).\n" +
			"```\n<@1> @everyone\n```\nEl `<@2>` queda.",
		Citations: []agent.Citation{{Ref: "1", Citation: knowledge.Citation{Title: "Guía *IA*", Link: "https://x.example/g"}},
			{Ref: "2", Citation: knowledge.Citation{Source: "precios.md", Heading: "2026"}}},
		Documents: []agent.Document{{Name: "cert_ia.pdf", URL: "https://x.example/c.pdf", Format: "pdf"}},
	})
	require.Equal(t, "## Precios\n**Detalle**\n**Curso** de IA [\\[1\\]](https://x.example/g) para @\u200bhere: [guía](https://x.example/a_b) y mal (javascript:alert\\(1)).\n"+
		"```\n<@1> @everyone\n```\nEl `<@2>` queda.\n\n*Sources*\n\\[1\\] [Guía \\*IA\\*](https://x.example/g)\n\\[2\\] precios.md › 2026"+
		"\n\n📄 [cert\\_ia.pdf \\(PDF\\)](https://x.example/c.pdf)", got)
	require.Equal(t, "> \\*hola\\* \\<\u200b@1\\>\n", quote("*hola* <@1>"))
	long := quote(strings.Repeat("a", 300))
	require.Equal(t, 2+200+1+1, utf8.RuneCountInString(long))
}

func TestAPIBase(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                           "https://discord.com/api/v9/",
		"https://discord.com/api":    "https://discord.com/api/v9/",
		"http://127.0.0.1:8/api/":    "http://127.0.0.1:8/api/v9/",
		"https://proxy.example/v10/": "https://proxy.example/v10/",
	} {
		got, err := APIBase(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, bad := range []string{"discord.com/api", "ftp://x/api", "https://x/api?a=1", "https://"} {
		_, err := APIBase(bad)
		require.Error(t, err, bad)
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	rest := func(status int) error {
		return &discordgo.RESTError{Response: &http.Response{StatusCode: status, Status: http.StatusText(status), Header: http.Header{}}}
	}
	rl := &discordgo.RateLimitError{RateLimit: &discordgo.RateLimit{TooManyRequests: &discordgo.TooManyRequests{RetryAfter: 1500 * time.Millisecond}, URL: "u"}}
	for _, c := range []struct {
		err       error
		permanent bool
	}{{rest(400), true}, {rest(403), true}, {rest(404), true}, {rest(500), false}, {rest(502), false}, {rest(408), false}, {errors.New("EOF"), false}} {
		got := classify("x", c.err)
		require.Equal(t, c.permanent, strings.HasPrefix(got.Error(), "permanent:"), "%v", c.err)
	}
	got := classify("x", rl)
	require.Contains(t, got.Error(), "retry after 1.5s")
	require.ErrorIs(t, got, rl)
	require.Nil(t, classify("x", nil))
	var _ relay.Adapter = (*Adapter)(nil)
}
