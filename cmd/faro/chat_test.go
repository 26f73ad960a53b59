package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/internal/testlog"
	"github.com/faroai/faro/knowledge"
	"github.com/faroai/faro/llm/offline"
	"github.com/faroai/faro/scenario"
	"github.com/faroai/faro/store/sqlite"
)

// runChatWith drives `faro chat` through its input and output, as a terminal
// would, on an embedded store in dataDir.
func runChatWith(t *testing.T, dataDir, input string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := &environment{stdout: &out, stderr: &errOut, getenv: envOf(map[string]string{
		"FARO_LOG_LEVEL": "warn",
		"FARO_DATA_DIR":  dataDir,
	})}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err := chat(ctx, env, strings.NewReader(input), args)
	return out.String(), err
}

func TestChatAnswersWithCitationsAndHandsOff(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	out, err := runChatWith(t, data, strings.Join([]string{
		"hola, cuanto cuesta el curso de ia para marketing?",
		"how much is the prompt engineering course?",
		"/reset",
		"quiero hablar con una persona",
		"sigues ahi?",
		"/quit",
		"this line is never read",
	}, "\n")+"\n", "--role", "student", "--name", "Ana Pérez", "--email", "ana@example.com", "--channel", "telegram")
	require.NoError(t, err)

	require.Contains(t, out, "Faro chat as student Ana Pérez <ana@example.com> on telegram; model offline.")
	turns := strings.Split(out, "\nyou> ")
	require.GreaterOrEqual(t, len(turns), 6, out)

	es := turns[1]
	require.Contains(t, es, "faro> ")
	require.Contains(t, es, "249", "the Spanish answer comes from the demo knowledge base")
	require.Regexp(t, `\n  \[\w+\] .+ — es/`, es, "and cites it")

	en := turns[2]
	require.Contains(t, en, "199")
	require.Regexp(t, `\n  \[\w+\] .+ — (en|es)/`, en)

	require.Contains(t, turns[3], "(new conversation)")
	handoff := turns[4]
	require.Contains(t, handoff, "  tool request_human")
	require.Contains(t, handoff, "→ ok")
	require.Contains(t, handoff, "(handed to a person)")
	require.Contains(t, turns[5], "(a person from the team has this conversation now")
	require.NotContains(t, out, "never read")

	// The same flags are the same person next time, in the same store.
	db, err := sqlite.Open(context.Background(), filepath.Join(data, "faro.db"))
	require.NoError(t, err)
	defer db.Close()
	contacts, err := db.ListContacts(context.Background(), 0, 10)
	require.NoError(t, err)
	require.Len(t, contacts, 1)
	convs, err := db.ListConversations(context.Background(), contacts[0].ID, 0, 10)
	require.NoError(t, err)
	require.Len(t, convs, 2, "/reset started a second conversation")
}

// The end of the input ends the chat without an error, and a second run
// on the same store finds the demo knowledge base already there.
func TestChatEndsAtEOF(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	out, err := runChatWith(t, data, "hi there", "--name", "Bob")
	require.NoError(t, err)
	require.Contains(t, out, "Faro chat as prospect Bob on web")
	require.Contains(t, out, "faro> ", "a last line without a newline is still a message")

	out, err = runChatWith(t, data, "")
	require.NoError(t, err)
	require.Contains(t, out, "Faro chat as prospect on web")
}

func TestChatFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--role", "admin"}, {"--channel", "fax"}, {"stray"}} {
		_, err := runChatWith(t, t.TempDir(), "", args...)
		var ue *usageError
		require.True(t, errors.As(err, &ue), "%v: %v", args, err)
	}
}

// An interrupt while the chat waits for a line ends it at once.
func TestChatStopsOnInterrupt(t *testing.T) {
	t.Parallel()
	pr, pw := io.Pipe()
	defer pw.Close()
	out := &testlog.Buffer{}
	env := &environment{stdout: out, stderr: io.Discard, getenv: envOf(map[string]string{"FARO_LOG_LEVEL": "warn", "FARO_DATA_DIR": t.TempDir()})}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- chat(ctx, env, pr, nil) }()
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "you> ") }, 30*time.Second, 10*time.Millisecond)
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("chat did not stop on interrupt")
	}
}

// The scenario tests run with the tools the binary registers.
func TestScenarioToolsMatchTheBinary(t *testing.T) {
	t.Parallel()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "t.db"))
	require.NoError(t, err)
	defer st.Close()
	e, err := offline.NewEmbedder(offline.EmbedderOptions{})
	require.NoError(t, err)
	kb := knowledge.New(st, e, e.Name(), nil)
	log := slog.New(slog.DiscardHandler)
	ours, err := agentTools(st, kb, log)
	require.NoError(t, err)
	theirs, err := scenario.DefaultTools(st, kb, log)
	require.NoError(t, err)
	var a, b []string
	for _, s := range ours.Specs() {
		a = append(a, s.Name)
	}
	for _, s := range theirs.Specs() {
		b = append(b, s.Name)
	}
	require.Equal(t, a, b)
}

// Two anonymous chats are two people; the same --email is one.
func TestChatAnonymousSessionsAreDifferentPeople(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	for range 2 {
		_, err := runChatWith(t, data, "hola\n")
		require.NoError(t, err)
	}
	for range 2 {
		_, err := runChatWith(t, data, "hola\n", "--email", "ana@example.com")
		require.NoError(t, err)
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(data, "faro.db"))
	require.NoError(t, err)
	defer db.Close()
	contacts, err := db.ListContacts(context.Background(), 0, 10)
	require.NoError(t, err)
	require.Len(t, contacts, 3, "two anonymous people and Ana")
}

// A document link printed by `faro chat` opens on `faro serve` over the
// same data directory: both sign with the server's secret.
func TestChatDocumentLinksOpenOnTheServer(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	out, err := runChatWith(t, data, "genera una propuesta en pdf, cliente: Laura Gómez, empresa: Acme, conceptos: Taller de IA 1500, validez: 30 dias\n", "--role", "staff")
	require.NoError(t, err)
	link := regexp.MustCompile(`https?://[^\s)]+/d/[^\s)]+`).FindString(out)
	require.NotEmpty(t, link, "chat output: %s", out)
	u, err := url.Parse(link)
	require.NoError(t, err)

	cfg := testConfig(t)
	cfg.DataDir = data
	m := NewMain(cfg, newLogger(cfg, &environment{stderr: io.Discard}))
	require.NoError(t, m.Run(context.Background()))
	t.Cleanup(func() { require.NoError(t, m.Close()) })
	resp, err := http.Get("http://" + m.Addr() + u.Path + "?" + u.RawQuery)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", raw)
	require.True(t, bytes.HasPrefix(raw, []byte("%PDF-")))
}
