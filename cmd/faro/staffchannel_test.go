package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/channels/slack"
	"github.com/faroai/faro/channels/slack/slacktest"
	"github.com/faroai/faro/channels/telegram/telegramtest"
	"github.com/faroai/faro/server"
	"github.com/faroai/faro/store"
)

const (
	staffChannelID = "C0STAFF"
	staffMember    = "USTAFF01"
	notStaff       = "UOTHER01"
	takeoverKey    = "takeover-admin-key-0123456789"
)

// takeover is a Main with Telegram, Slack and the staff channel on Slack,
// against the local Bot API and the local Slack.
type takeover struct {
	telegramStudent
	slack  *slacktest.Server
	sender *slacktest.Sender
	logs   *lockedWriter
	ts     int64 // Slack's clock, for the ts of what people post
	mu     sync.Mutex
}

func startTakeover(t *testing.T, databaseURL string) *takeover {
	t.Helper()
	tg := telegramtest.New(t)
	api := slacktest.NewServer("xoxb-takeover")
	t.Cleanup(api.Close)
	logs := &lockedWriter{w: &bytes.Buffer{}}
	cfg := testConfig(t)
	cfg.DatabaseURL = databaseURL
	cfg.LogLevel = "debug"
	cfg.Telegram = TelegramConfig{Token: telegramtest.Token, WebhookSecret: telegramSecret, APIURL: tg.URL}
	cfg.Slack = SlackConfig{BotToken: "xoxb-takeover", SigningSecret: "takeover-signing-secret", APIURL: api.URL}
	cfg.Staff = []string{"slack:" + staffMember}
	cfg.StaffChannel = "slack:" + staffChannelID
	keys, err := server.ParseKeySpecs("ops:admin:" + takeoverKey)
	require.NoError(t, err)
	cfg.APIKeys = keys
	require.NoError(t, cfg.validateChannels())
	s := &takeover{telegramStudent: telegramStudent{tg: tg}, slack: api, logs: logs, ts: time.Now().Unix()}
	s.start(t, cfg)
	t.Cleanup(func() { require.NoError(t, s.m.Close()) })
	return s
}

// start runs a Main on cfg, the take-over's server from now on.
func (s *takeover) start(t *testing.T, cfg Config) {
	t.Helper()
	m := NewMain(cfg, newLogger(cfg, &environment{stderr: s.logs}))
	m.EditRelay = fastRetries
	require.NoError(t, m.Run(context.Background()))
	base := "http://" + m.Addr()
	s.m, s.hook = m, base+telegramWebhookPath
	s.sender = &slacktest.Sender{URL: base + slack.EventsPath, CommandURL: base + slack.CommandPath,
		InteractiveURL: base + slack.InteractivePath, Secret: "takeover-signing-secret"}
}

// restart stops the server and starts another on the same data.
func (s *takeover) restart(t *testing.T) {
	t.Helper()
	cfg := s.m.Config
	require.NoError(t, s.m.Close())
	cfg.Addr = "127.0.0.1:0"
	s.start(t, cfg)
}

// eventually waits for cond, failing with what() and the logs.
func (s *takeover) eventually(t *testing.T, what func() string, cond func() bool) {
	t.Helper()
	// A bound, not a timing: on a loaded machine (PGlite starting beside
	// a turn) a step can take many seconds.
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		require.True(t, time.Now().Before(deadline), "%s; logs:\n%s", what(), s.logs.String())
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *takeover) nextTS() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ts++
	return fmt.Sprintf("%d.000200", s.ts)
}

// inThread posts a person's message into a staff thread, as Slack sends
// it (message.channels), and returns its event payload for re-sending.
func (s *takeover) inThread(t *testing.T, user, thread, text string) []byte {
	t.Helper()
	ts := s.nextTS()
	ev := slacktest.ChannelMessage("Ev"+strings.ReplaceAll(ts, ".", ""), slacktest.Post{Team: "T0FARO", Channel: staffChannelID,
		User: user, Text: text, TS: ts, ThreadTS: thread})
	resp, err := s.sender.Event(t.Context(), ev)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.Status)
	return ev
}

// summary waits for the staff channel's summary of conversation and
// returns its thread.
func (s *takeover) summary(t *testing.T, conversation string) slacktest.Message {
	t.Helper()
	var found slacktest.Message
	s.eventually(t, func() string {
		return fmt.Sprintf("no summary of %s in the staff channel: %+v", conversation, s.slack.Thread(staffChannelID, ""))
	},
		func() bool {
			for _, m := range s.slack.Thread(staffChannelID, "") {
				if strings.Contains(m.Text, conversation) {
					found = m
					return true
				}
			}
			return false
		})
	return found
}

func (s *takeover) api(t *testing.T, method, path string, body any) (int, []byte) {
	t.Helper()
	var rd *bytes.Reader
	b, _ := json.Marshal(body)
	rd = bytes.NewReader(b)
	req, err := http.NewRequest(method, "http://"+s.m.Addr()+path, rd)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+takeoverKey)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	var out bytes.Buffer
	_, _ = out.ReadFrom(res.Body)
	return res.StatusCode, out.Bytes()
}

// TestStaffTakeOverFromSlack: on both stores, a student on Telegram asks
// for a person; the summary opens a thread in the Slack staff channel;
// staff answer there and the student gets each reply once, in order; the
// student's next message appears in the thread; a non-staff member can
// neither reply nor release; staff release and the bot answers again;
// /faro take and the button work; the same with a widget visitor; the
// REST API's reply and release go through the same desk.
func TestStaffTakeOverFromSlack(t *testing.T) {
	t.Parallel()
	forEachStore(t, "the take-over tests", func(t *testing.T, databaseURL string) {
		s := startTakeover(t, databaseURL)
		require.Contains(t, s.logs.String(), "staff channel on")
		t.Run("telegram", func(t *testing.T) { takeoverTelegram(t, s) })
		t.Run("widget", func(t *testing.T) { takeoverWidget(t, s) })
		t.Run("api", func(t *testing.T) { takeoverAPI(t, s) })
		t.Run("restart", func(t *testing.T) { takeoverRestart(t, s) })
	})
}

func takeoverTelegram(t *testing.T, s *takeover) {
	const user = 701
	ctx := t.Context()
	s.student(t, 70001, user, "quiero hablar con una persona, por favor")
	s.eventually(t, func() string { return "no hand-off reply" }, func() bool { return len(s.toStudent(user)) == 1 })
	conv, err := s.m.Store.ConversationByExternalID(ctx, "telegram", "701")
	require.NoError(t, err)
	require.Equal(t, store.ConversationHandedOff, s.status(t, conv.ID), "request_human handed it off: %v", s.toStudent(user))

	sum := s.summary(t, conv.ID)
	require.Contains(t, sum.Text, "Ana García")
	require.Contains(t, sum.Text, "telegram")
	require.Contains(t, sum.Text, "quiero hablar con una persona")
	require.Contains(t, sum.Blocks, "faro_release", "the release button")
	thread := sum.TS

	// The student writes again: no bot reply; the message shows in the thread.
	s.student(t, 70002, user, "¿hay alguien ahí?")
	s.eventually(t, func() string {
		return fmt.Sprintf("the student's message is not in the thread: %+v", s.slack.Thread(staffChannelID, thread))
	},
		func() bool {
			th := s.slack.Thread(staffChannelID, thread)
			return len(th) > 0 && strings.Contains(th[len(th)-1].Text, "Ana García: ¿hay alguien ahí?")
		})
	require.Len(t, s.toStudent(user), 1, "the bot stays quiet")

	// Staff answer in the thread; Slack sends the first one three more
	// times (its retries): the student gets each reply once, in order.
	first := s.inThread(t, staffMember, thread, "Hola Ana, soy Marta. Te ayudo con tu acceso.")
	for n := 1; n <= 3; n++ {
		resp, err := s.sender.Redeliver(ctx, first, n, "http_timeout")
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.Status)
	}
	s.inThread(t, staffMember, thread, "¿Puedes decirme tu email?")
	s.eventually(t, func() string { return fmt.Sprintf("staff replies not delivered: %q", s.toStudent(user)) },
		func() bool { return len(s.toStudent(user)) >= 3 })
	time.Sleep(300 * time.Millisecond) // nothing else comes
	got := s.toStudent(user)
	require.Equal(t, []string{"Hola Ana, soy Marta. Te ayudo con tu acceso.", "¿Puedes decirme tu email?"}, got[1:],
		"each reply once, in order")
	msgs, err := s.m.Store.Messages(ctx, conv.ID, store.MessageQuery{})
	require.NoError(t, err)
	staffMsgs := 0
	for _, m := range msgs {
		if m.Author == store.AuthorStaff {
			staffMsgs++
			require.JSONEq(t, `{"staff":"slack:USTAFF01"}`, string(m.Meta))
			ds, err := s.m.Store.Deliveries(ctx, m.ID)
			require.NoError(t, err)
			require.Len(t, ds, 1)
			require.Equal(t, store.DeliverySent, ds[0].Status, "recorded as sent")
		}
	}
	require.Equal(t, 2, staffMsgs, "a re-sent event stores nothing")

	// Someone not in FARO_STAFF: refused, nothing sent, nothing released.
	s.inThread(t, notStaff, thread, "yo también le contesto")
	resp, err := s.sender.Interaction(ctx, slacktest.Button{Team: "T0FARO", Channel: staffChannelID, User: notStaff,
		MessageTS: thread, ActionID: "faro_release", Value: conv.ID})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.Status)
	resp, err = s.sender.Command(ctx, slacktest.SlashCommand{Command: "/faro", Text: "release " + conv.ID, UserID: notStaff,
		ChannelID: staffChannelID, TeamID: "T0FARO", TriggerID: "trig-1"})
	require.NoError(t, err)
	require.Contains(t, string(resp.Body), "Only staff listed in FARO_STAFF")
	s.eventually(t, func() string { return fmt.Sprintf("refusals: %+v", s.slack.Ephemeral(notStaff)) },
		func() bool { return len(s.slack.Ephemeral(notStaff)) == 2 })
	for _, e := range s.slack.Ephemeral(notStaff) {
		require.Contains(t, e.Text, "Only staff listed in FARO_STAFF")
	}
	time.Sleep(300 * time.Millisecond)
	require.Len(t, s.toStudent(user), 3, "nothing reached the student")
	require.Equal(t, store.ConversationHandedOff, s.status(t, conv.ID), "still with staff")

	// Staff release from the thread; the bot answers the next message.
	s.inThread(t, staffMember, thread, "/faro release")
	s.eventually(t, func() string { return "not released" }, func() bool { return s.status(t, conv.ID) == store.ConversationOpen })
	s.eventually(t, func() string { return "no release note in the thread" }, func() bool {
		th := s.slack.Thread(staffChannelID, thread)
		return strings.Contains(th[len(th)-1].Text, "Handed back to the bot by slack:USTAFF01")
	})
	s.student(t, 70003, user, "¿qué cursos tienen?")
	s.eventually(t, func() string { return "the bot did not answer after the release" }, func() bool { return len(s.toStudent(user)) == 4 })
	require.Len(t, s.toStudent(user), 4)

	// /faro take from anywhere, then the button hands it back.
	resp, err = s.sender.Command(ctx, slacktest.SlashCommand{Command: "/faro", Text: "take " + conv.ID, UserID: staffMember,
		ChannelID: staffChannelID, TeamID: "T0FARO", TriggerID: "trig-2"})
	require.NoError(t, err)
	require.Contains(t, string(resp.Body), "is yours")
	require.Equal(t, store.ConversationHandedOff, s.status(t, conv.ID))
	s.eventually(t, func() string { return "no take note in the same thread" }, func() bool {
		th := s.slack.Thread(staffChannelID, thread)
		return strings.Contains(th[len(th)-1].Text, "Taken by slack:USTAFF01")
	})
	resp, err = s.sender.Interaction(ctx, slacktest.Button{Team: "T0FARO", Channel: staffChannelID, User: staffMember,
		MessageTS: thread, ActionID: "faro_release", Value: conv.ID})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.Status)
	require.Equal(t, store.ConversationOpen, s.status(t, conv.ID), "released by the button")

	events, err := s.m.Handoff.Events(ctx, conv.ID)
	require.NoError(t, err)
	var kinds []string
	for _, e := range events {
		kinds = append(kinds, string(e.Kind))
	}
	require.Equal(t, []string{"requested", "replied", "replied", "released", "taken", "released"}, kinds)
}

// widgetVisitor is a websocket client of the widget, as a browser is.
type widgetVisitor struct {
	ws     *websocket.Conn
	conv   string
	frames chan map[string]any
}

func connectWidget(t *testing.T, base string) *widgetVisitor {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/widget/session", strings.NewReader("{}"))
	req.Header.Set("Origin", base)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	var sess struct {
		Token     string `json:"token"`
		VisitorID string `json:"visitor_id"`
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&sess))
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/widget/ws", http.Header{"Origin": {base}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = ws.Close() })
	require.NoError(t, ws.WriteJSON(map[string]any{"type": "auth", "token": sess.Token}))
	require.NoError(t, ws.WriteJSON(map[string]any{"type": "hello", "visitor_id": sess.VisitorID, "language": "es"}))
	v := &widgetVisitor{ws: ws, frames: make(chan map[string]any, 64)}
	go func() {
		defer close(v.frames)
		for {
			var f map[string]any
			if err := ws.ReadJSON(&f); err != nil {
				return
			}
			v.frames <- f
		}
	}()
	for f := range v.frames {
		if f["type"] == "ready" {
			v.conv, _ = f["conversation_id"].(string)
			return v
		}
	}
	t.Fatal("the widget closed before ready")
	return nil
}

func (v *widgetVisitor) say(t *testing.T, id, text string) {
	t.Helper()
	require.NoError(t, v.ws.WriteJSON(map[string]any{"type": "message", "client_msg_id": id, "text": text}))
}

// replies waits for n reply frames (noting the conversation from the
// ack), then checks no other comes for a moment.
func (v *widgetVisitor) replies(t *testing.T, n int) []map[string]any {
	t.Helper()
	var out []map[string]any
	timeout := time.After(60 * time.Second)
	for len(out) < n {
		select {
		case f, ok := <-v.frames:
			require.True(t, ok, "the socket closed")
			if c, ok := f["conversation_id"].(string); ok && c != "" && f["type"] == "ack" {
				v.conv = c
			}
			if f["type"] == "reply" {
				out = append(out, f)
			}
		case <-timeout:
			t.Fatalf("%d of %d replies: %v", len(out), n, out)
		}
	}
	// Nothing more for a moment.
	select {
	case f := <-v.frames:
		if f["type"] == "reply" {
			t.Fatalf("an extra reply: %v", f)
		}
	case <-time.After(300 * time.Millisecond):
	}
	return out
}

func takeoverWidget(t *testing.T, s *takeover) {
	v := connectWidget(t, "http://"+s.m.Addr())
	v.say(t, "widget-msg-0001", "quiero hablar con una persona")
	r := v.replies(t, 1)
	require.Equal(t, true, r[0]["handoff"], "%v", r[0])
	require.Equal(t, store.ConversationHandedOff, s.status(t, v.conv))
	thread := s.summary(t, v.conv).TS

	v.say(t, "widget-msg-0002", "sigo aquí")
	ack := time.After(300 * time.Millisecond)
	for done := false; !done; {
		select {
		case f := <-v.frames:
			require.NotEqual(t, "reply", f["type"], "no bot reply while staff answer: %v", f)
		case <-ack:
			done = true
		}
	}
	s.eventually(t, func() string { return "the visitor's message is not in the thread" }, func() bool {
		th := s.slack.Thread(staffChannelID, thread)
		return len(th) > 0 && strings.HasSuffix(th[len(th)-1].Text, ": sigo aquí")
	})
	s.inThread(t, staffMember, thread, "Hola, soy Marta del equipo.")
	s.inThread(t, staffMember, thread, "¿En qué te ayudo?")
	r = v.replies(t, 2)
	require.Equal(t, "staff", r[0]["from"])
	require.Equal(t, "Hola, soy Marta del equipo.", r[0]["text"])
	require.Equal(t, "¿En qué te ayudo?", r[1]["text"], "in order")

	s.inThread(t, notStaff, thread, "/faro release")
	time.Sleep(300 * time.Millisecond)
	require.Equal(t, store.ConversationHandedOff, s.status(t, v.conv), "a non-staff release changes nothing")

	s.inThread(t, staffMember, thread, "/faro release")
	s.eventually(t, func() string { return "not released" }, func() bool { return s.status(t, v.conv) == store.ConversationOpen })
	v.say(t, "widget-msg-0003", "¿cuánto cuesta el curso de IA para marketing?")
	r = v.replies(t, 1)
	require.Equal(t, "assistant", r[0]["from"], "the bot answers again: %v", r[0])
}

// takeoverAPI: the REST API's reply and release are the desk's too: a
// reply to a Telegram student reaches them through the runtime, shows in
// the thread, and the release is recorded.
func takeoverAPI(t *testing.T, s *takeover) {
	const user = 702
	s.student(t, 70101, user, "necesito hablar con alguien de soporte")
	s.eventually(t, func() string { return "no hand-off reply" }, func() bool { return len(s.toStudent(user)) == 1 })
	conv, err := s.m.Store.ConversationByExternalID(t.Context(), "telegram", "702")
	require.NoError(t, err)
	thread := s.summary(t, conv.ID).TS

	status, body := s.api(t, http.MethodPost, "/api/v1/conversations/"+conv.ID+"/reply", map[string]string{"text": "Te escribo desde la consola"})
	require.Equal(t, http.StatusCreated, status, "%s", body)
	var reply server.StaffReply
	require.NoError(t, json.Unmarshal(body, &reply))
	require.True(t, reply.Delivered, "queued on Telegram")
	s.eventually(t, func() string { return "the API reply did not reach the student" }, func() bool { return len(s.toStudent(user)) == 2 })
	require.Equal(t, "Te escribo desde la consola", s.toStudent(user)[1])
	s.eventually(t, func() string { return "the API reply is not in the thread" }, func() bool {
		th := s.slack.Thread(staffChannelID, thread)
		return len(th) > 0 && strings.Contains(th[len(th)-1].Text, "(api:ops): Te escribo desde la consola")
	})
	status, body = s.api(t, http.MethodPost, "/api/v1/conversations/"+conv.ID+"/release", nil)
	require.Equal(t, http.StatusOK, status, "%s", body)
	status, _ = s.api(t, http.MethodPost, "/api/v1/conversations/"+conv.ID+"/reply", map[string]string{"text": "tarde"})
	require.Equal(t, http.StatusConflict, status, "the bot has it again")
}

// takeoverRestart: a thread opened before a restart still reaches its
// person after it (the thread is stored, not remembered).
func takeoverRestart(t *testing.T, s *takeover) {
	const user = 703
	s.student(t, 70201, user, "quiero hablar con un humano")
	s.eventually(t, func() string { return "no hand-off reply" }, func() bool { return len(s.toStudent(user)) == 1 })
	conv, err := s.m.Store.ConversationByExternalID(t.Context(), "telegram", "703")
	require.NoError(t, err)
	thread := s.summary(t, conv.ID).TS

	s.restart(t)
	s.inThread(t, staffMember, thread, "Seguimos aquí tras el reinicio.")
	s.eventually(t, func() string { return fmt.Sprintf("no reply after the restart: %q", s.toStudent(user)) },
		func() bool { return len(s.toStudent(user)) == 2 })
	require.Equal(t, "Seguimos aquí tras el reinicio.", s.toStudent(user)[1])
	s.student(t, 70202, user, "¡gracias!")
	s.eventually(t, func() string { return "the student's message is not in the old thread" }, func() bool {
		th := s.slack.Thread(staffChannelID, thread)
		return len(th) > 0 && strings.HasSuffix(th[len(th)-1].Text, ": ¡gracias!")
	})
}

// TestConfigStaffChannel: FARO_STAFF_CHANNEL names a platform that is on,
// a channel, and staff on that platform; anything else stops start-up
// naming the variable.
func TestConfigStaffChannel(t *testing.T) {
	t.Parallel()
	slackOn := map[string]string{"FARO_SLACK_BOT_TOKEN": "xoxb-1", "FARO_SLACK_SIGNING_SECRET": "s", "FARO_STAFF": "slack:U1"}
	with := func(extra map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range slackOn {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	c, err := LoadConfig("", envOf(with(map[string]string{"FARO_STAFF_CHANNEL": " slack:C0123ABCD "})))
	require.NoError(t, err)
	platform, channel := c.staffChannelParts()
	require.Equal(t, "slack", platform)
	require.Equal(t, "C0123ABCD", channel)
	require.Equal(t, "C0123ABCD", slackStaffChannel(c))

	path := filepath.Join(t.TempDir(), "faro.yaml")
	require.NoError(t, os.WriteFile(path, []byte("staff_channel: slack:C9\n"), 0o600))
	c, err = LoadConfig(path, envOf(slackOn))
	require.NoError(t, err)
	require.Equal(t, "slack:C9", c.StaffChannel)

	for name, vars := range map[string]map[string]string{
		"no channel":       with(map[string]string{"FARO_STAFF_CHANNEL": "slack:"}),
		"unknown platform": with(map[string]string{"FARO_STAFF_CHANNEL": "teams:C1"}),
		"no platform":      with(map[string]string{"FARO_STAFF_CHANNEL": "C0123"}),
		"platform off":     {"FARO_STAFF": "slack:U1", "FARO_STAFF_CHANNEL": "slack:C1"},
		"no staff there":   with(map[string]string{"FARO_STAFF": "telegram:1", "FARO_STAFF_CHANNEL": "slack:C1"}),
	} {
		_, err := LoadConfig("", envOf(vars))
		require.ErrorContains(t, err, "FARO_STAFF_CHANNEL:", name)
	}
}
