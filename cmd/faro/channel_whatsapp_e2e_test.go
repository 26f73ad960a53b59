package main

import (
	"context"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/channels/whatsapp/graphtest"
	"github.com/faroai/faro/internal/testlog"
	"github.com/faroai/faro/store"
)

// TestWhatsAppStudentEnrols: faro serve with the WhatsApp channel pointed
// at the local Graph API; a student whose phone the business knows writes
// on WhatsApp, is recognised as that contact (the same phone), enrols in a
// course, and gets exactly one reply per message.
func TestWhatsAppStudentEnrols(t *testing.T) {
	t.Parallel()
	forEachStore(t, "the tests", func(t *testing.T, databaseURL string) {
		whatsappEnrol(t, databaseURL)
	})
}

func whatsappEnrol(t *testing.T, databaseURL string) {
	g := graphtest.New(t)
	cfg := testConfig(t)
	cfg.DatabaseURL = databaseURL
	cfg.BurstWindow = -1
	cfg.WhatsApp = WhatsAppConfig{
		Token: g.Token, AppSecret: "meta-app-secret", VerifyToken: "verify-me", PhoneNumberID: g.PhoneNumberID,
		APIURL: g.URL, APIVersion: g.Version,
	}
	require.NoError(t, cfg.validate())
	logs := &testlog.Buffer{}
	m := NewMain(cfg, newLogger(cfg, &environment{stderr: logs}))
	require.NoError(t, m.Run(context.Background()))
	t.Cleanup(func() { require.NoError(t, m.Close()) })
	ctx := t.Context()
	require.Contains(t, logs.String(), "/webhooks/whatsapp", "serve logs the channel and its webhook path")

	ana, err := m.Store.CreateContact(ctx, store.Contact{Name: "Ana Pérez", Phone: "+52 1 55 1234 5678", Role: store.RoleStudent})
	require.NoError(t, err)
	const waID = "5215512345678"
	send := g.Sender("http://"+m.Addr()+WhatsAppPath, cfg.WhatsApp.AppSecret)

	// The handshake Meta makes when the callback URL is registered.
	res, err := http.Get("http://" + m.Addr() + WhatsAppPath + "?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=8472")
	require.NoError(t, err)
	_ = res.Body.Close()
	require.Equal(t, 200, res.StatusCode)

	turns := []string{
		"Hola, quiero inscribirme en el curso de prompt engineering",
		"Mi correo es ana.perez@example.com",
	}
	for i, text := range turns {
		_, code, err := send.Say(waID, "Ana", text)
		require.NoError(t, err)
		require.Equal(t, 200, code)
		require.Eventually(t, func() bool { return len(g.SentTo(waID)) >= i+1 }, 30*time.Second, 20*time.Millisecond,
			"a reply to %q; logs:\n%s", text, logs.String())
		time.Sleep(200 * time.Millisecond)
		require.Len(t, g.SentTo(waID), i+1, "exactly one reply per message")
		t.Logf("%s → %s", text, g.SentTo(waID)[i].Text)
	}
	got, err := m.Store.ContactByIdentity(ctx, store.Identity{Channel: "whatsapp", ExternalID: waID})
	require.NoError(t, err)
	require.Equal(t, ana.ID, got.ID, "the WhatsApp sender is the contact with that phone")
	ens, err := m.Store.EnrollmentsByContact(ctx, ana.ID)
	require.NoError(t, err)
	require.Len(t, ens, 1, "enrolled; replies: %v", g.SentTo(waID))
	require.Equal(t, "prompt-engineering", ens[0].CourseSlug)
	last := g.SentTo(waID)[len(turns)-1].Text
	require.True(t, strings.Contains(last, "ana.perez@example.com") || strings.Contains(strings.ToLower(last), "inscri"), last)
}

// TestWhatsAppAnsweredOnceAcrossKill: the server is killed (SIGKILL)
// after it acknowledged a message and before it replied; restarted on the
// same data directory, it answers exactly once, with no re-delivery from
// Meta (which does not re-send what was acknowledged with 200).
func TestWhatsAppAnsweredOnceAcrossKill(t *testing.T) {
	t.Parallel()
	g := graphtest.New(t)
	dir := t.TempDir()
	port := freePort(t)
	const secret = "meta-app-secret"
	env := append(cleanEnv(), "FARO_TEST_RUN_MAIN=1", "FARO_ADDR=127.0.0.1:"+port,
		"FARO_DATA_DIR="+filepath.Join(dir, "data"),
		"FARO_WHATSAPP_TOKEN="+g.Token, "FARO_WHATSAPP_APP_SECRET="+secret, "FARO_WHATSAPP_VERIFY_TOKEN=verify-me",
		"FARO_WHATSAPP_PHONE_NUMBER_ID="+g.PhoneNumberID, "FARO_WHATSAPP_API_URL="+g.URL,
		// The turn waits this long for more messages before it runs: the
		// kill lands after the acknowledgement and before any reply.
		"FARO_BURST_WINDOW=3s")
	start := func() (*exec.Cmd, *testlog.Buffer) { return startServe(t, dir, port, env) }
	first, logs := start()
	send := g.Sender("http://127.0.0.1:"+port+WhatsAppPath, secret)
	const waID = "5215540000001"
	_, code, err := send.Say(waID, "Ana", "¿qué cursos tienen?")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code, "acknowledged")
	time.Sleep(500 * time.Millisecond)
	require.NoError(t, first.Process.Kill())
	_ = first.Wait()
	require.Empty(t, g.SentTo(waID), "killed before the reply; logs:\n%s", logs.String())

	_, logs = start()
	require.Eventually(t, func() bool { return len(g.SentTo(waID)) >= 1 }, 30*time.Second, 20*time.Millisecond,
		"a reply after the restart; logs:\n%s", logs.String())
	time.Sleep(time.Second) // a second reply would come by now
	require.Len(t, g.SentTo(waID), 1, "answered exactly once; logs:\n%s", logs.String())
}
