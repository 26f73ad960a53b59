package main

import (
	"context"
	"database/sql"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/channels/discord"
	"github.com/faroai/faro/channels/discord/discordtest"
	"github.com/faroai/faro/internal/testlog"
)

// discordPlatform is this test process's local Discord: one, because
// discordgo's endpoints are process-wide (each test makes its own bot).
// It lives until the process ends (main_test.go's TestMain is everyone's).
var discordPlatform discordtest.Shared

func TestConfigDiscord(t *testing.T) {
	t.Parallel()
	c, err := LoadConfig("", envOf(nil))
	require.NoError(t, err)
	require.False(t, discordChannel().on(c), "off when not configured")

	c, err = LoadConfig("", envOf(map[string]string{
		"FARO_DISCORD_TOKEN": "MTE.x.y", "FARO_DISCORD_API_URL": "http://127.0.0.1:9/api",
		"FARO_DISCORD_GATEWAY_URL": "ws://127.0.0.1:9/gateway",
	}))
	require.NoError(t, err)
	require.True(t, discordChannel().on(c))
	require.NoError(t, discordChannel().validate(c))
	require.Equal(t, DiscordConfig{Token: "MTE.x.y", APIURL: "http://127.0.0.1:9/api", GatewayURL: "ws://127.0.0.1:9/gateway"}, c.Discord)

	path := filepath.Join(t.TempDir(), "faro.yaml")
	require.NoError(t, os.WriteFile(path, []byte("discord:\n  token: Bot MTE.a.b\n  gateway_url: wss://gateway.example\n"), 0o600))
	c, err = LoadConfig(path, envOf(map[string]string{"FARO_DISCORD_API_URL": "https://proxy.example/api"}))
	require.NoError(t, err)
	require.Equal(t, "Bot MTE.a.b", c.Discord.Token)
	require.Equal(t, "wss://gateway.example", c.Discord.GatewayURL)
	require.Equal(t, "https://proxy.example/api", c.Discord.APIURL)

	for env, vars := range map[string]map[string]string{
		"FARO_DISCORD_TOKEN":       {"FARO_DISCORD_TOKEN": "two words"},
		"FARO_DISCORD_API_URL":     {"FARO_DISCORD_TOKEN": "MTE.x.y", "FARO_DISCORD_API_URL": "discord.com/api"},
		"FARO_DISCORD_GATEWAY_URL": {"FARO_DISCORD_TOKEN": "MTE.x.y", "FARO_DISCORD_GATEWAY_URL": "https://gateway.discord.gg"},
	} {
		_, err := LoadConfig("", envOf(vars))
		require.ErrorContains(t, err, env+":", "%v", vars)
	}
}

// TestDiscordThroughServe: faro serve with FARO_DISCORD_* set connects
// its bot to the gateway, registers /faro, and answers, on both stores: a
// staff member's mention with the KPI report in a thread, the same from
// someone else refused by the role gate, and a DM, each once across a
// dropped connection and its RESUME with events replayed.
func TestDiscordThroughServe(t *testing.T) {
	t.Parallel()
	forEachStore(t, "the Discord tests", func(t *testing.T, databaseURL string) {
		discordServe(t, databaseURL)
	})
}

func discordServe(t *testing.T, databaseURL string) {
	srv := discordPlatform.Server()
	bot := srv.NewBot()
	staff, outsider := srv.Person("ana"), srv.Person("curioso")
	logs := &testlog.Buffer{}
	cfg := testConfig(t)
	cfg.DatabaseURL = databaseURL
	cfg.BurstWindow = -1
	cfg.Discord = DiscordConfig{Token: bot.Token, APIURL: srv.APIURL}
	cfg.Staff = []string{"discord:" + staff.ID}
	// River stopping on PGlite, on two cores shared with the other
	// tests, has taken more than the default five seconds.
	cfg.ShutdownTimeout = 20 * time.Second
	require.NoError(t, cfg.validate())
	m := startMain(t, cfg, logs)
	require.Contains(t, logs.String(), "channel=discord")
	require.Contains(t, logs.String(), "mode=gateway")
	wait := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !cond() {
			require.True(t, time.Now().Before(deadline), "waited 30 s for %s; logs:\n%s", what, logs.String())
			time.Sleep(20 * time.Millisecond)
		}
	}
	wait("the gateway and /faro", func() bool {
		_, _, _, connected := bot.Gateway()
		return connected && strings.Contains(bot.Commands(bot.Guild), `"name":"faro"`)
	})
	answers := func(channel string) []discordtest.Message { return bot.Messages(channel) }

	kpi := bot.Post(staff, bot.Channel, bot.Mention()+" ¿cuál es el MRR de este mes?")
	wait("the KPI report", func() bool { return len(answers(kpi)) == 1 })
	require.Contains(t, answers(kpi)[0].Content, "MRR: ")
	require.Contains(t, answers(kpi)[0].Content, "USD")
	require.True(t, bot.IsThread(kpi), "in a thread started from the mention")
	refused := bot.Post(outsider, bot.Channel, bot.Mention()+" ¿cuál es el MRR de este mes?")
	wait("the outsider's answer", func() bool { return len(answers(refused)) == 1 })
	require.NotContains(t, answers(refused)[0].Content, "USD", "refused by the role gate")

	// The connection drops; a mention and a DM wait for the RESUME, which
	// also replays events the bot had.
	bot.Drop()
	student := srv.Person("marta")
	mention := bot.Post(student, bot.Channel, bot.Mention()+" ¿qué cursos tenéis?")
	dm := bot.DM(student, "hola, ¿cómo me inscribo?")
	bot.ResendOnResume(8)
	dmChannel := bot.DMChannel(student)
	wait("the answers after the resume", func() bool { return len(answers(mention)) == 1 && len(answers(dmChannel)) == 1 })
	bot.Resend(dm)
	bot.Resend(kpi)
	time.Sleep(time.Second)
	_, resumed, _, _ := bot.Gateway()
	require.GreaterOrEqual(t, resumed, 1)
	require.Len(t, answers(kpi), 1, "answered once")
	require.Len(t, answers(mention), 1, "answered once")
	require.Len(t, answers(dmChannel), 1, "answered once")
	for _, id := range []string{kpi, refused, mention, dm} {
		_, err := m.Store.MessageByPlatformID(t.Context(), discord.Channel, id)
		require.NoError(t, err, "stored with its message id as platform id")
	}
}

// A wrong bot token stops start-up with Discord's 401.
func TestDiscordWrongTokenStopsStart(t *testing.T) {
	t.Parallel()
	srv := discordPlatform.Server()
	cfg := testConfig(t)
	cfg.Discord = DiscordConfig{Token: "MTE.wrong.token", APIURL: srv.APIURL}
	m := NewMain(cfg, newLogger(cfg, &environment{stderr: io.Discard}))
	err := m.Run(context.Background())
	if err == nil {
		_ = m.Close()
	}
	require.ErrorContains(t, err, "401")
}

// TestDiscordAnsweredOnceAcrossKill: the server is killed (SIGKILL)
// after it took a DM from the gateway and before it answered; restarted
// on the same data directory, it identifies again and the stored message
// is answered exactly once, by the resumed turn job.
func TestDiscordAnsweredOnceAcrossKill(t *testing.T) {
	t.Parallel()
	srv := discordPlatform.Server()
	bot := srv.NewBot()
	dir := t.TempDir()
	port := freePort(t)
	env := append(cleanEnv(), "FARO_TEST_RUN_MAIN=1", "FARO_ADDR=127.0.0.1:"+port,
		"FARO_DATA_DIR="+filepath.Join(dir, "data"),
		"FARO_DISCORD_TOKEN="+bot.Token, "FARO_DISCORD_API_URL="+srv.APIURL,
		// The turn waits this long for more messages before it runs: the
		// kill lands after the message is stored and before any reply.
		"FARO_BURST_WINDOW=5s")
	first, logs := startServe(t, dir, port, env)
	connected := func() bool { _, _, _, c := bot.Gateway(); return c }
	deadline := time.Now().Add(30 * time.Second)
	for !connected() {
		require.True(t, time.Now().Before(deadline), "no gateway session; logs:\n%s", logs.String())
		time.Sleep(20 * time.Millisecond)
	}
	person := srv.Person("lucia")
	id := bot.DM(person, "¿qué cursos tienen?")
	waitDiscordStored(t, filepath.Join(dir, "data", "faro.db"), id)
	require.NoError(t, first.Process.Kill())
	_ = first.Wait()
	dm := bot.DMChannel(person)
	require.Empty(t, bot.Messages(dm), "killed before the reply; logs:\n%s", logs.String())

	_, logs = startServe(t, dir, port, env)
	deadline = time.Now().Add(30 * time.Second)
	for len(bot.Messages(dm)) == 0 {
		require.True(t, time.Now().Before(deadline), "no answer after the restart; logs:\n%s", logs.String())
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(time.Second) // a second answer would come by now
	require.Len(t, bot.Messages(dm), 1, "answered exactly once; logs:\n%s", logs.String())
	identified, _, _, _ := bot.Gateway()
	require.Equal(t, 2, identified, "the restarted server identified anew")
	require.Contains(t, logs.String(), "never answered: answering it now", "the stored message was answered by the resumed turn job")
}

// waitDiscordStored waits until the database at path, written by another
// process, holds the Discord message.
func waitDiscordStored(t *testing.T, path, platformID string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)")
	require.NoError(t, err)
	defer db.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		err := db.QueryRow(`SELECT count(*) FROM messages WHERE channel = 'discord' AND platform_id = ?`, platformID).Scan(&n)
		if err == nil && n == 1 {
			return
		}
		require.True(t, time.Now().Before(deadline), "message %s not stored: %v", platformID, err)
		time.Sleep(20 * time.Millisecond)
	}
}
