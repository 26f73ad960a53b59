package whatsapp_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/channels/relay"
	"github.com/faroai/faro/channels/whatsapp"
	"github.com/faroai/faro/channels/whatsapp/graphtest"
	"github.com/faroai/faro/internal/channeltest"
	"github.com/faroai/faro/store"
)

const (
	appSecret   = "meta-app-secret-0123456789abcdef"
	verifyToken = "faro-verify-token"
)

// acceptor records what the webhook hands the runtime, deduping as the
// runtime does, for the webhook's own tests (the end-to-end tests use the
// real runtime).
type acceptor struct {
	mu       sync.Mutex
	accepted []relay.Inbound
	seen     map[string]bool
	statuses []string
	fail     error
}

func (a *acceptor) Accept(_ context.Context, in relay.Inbound) (bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fail != nil {
		return false, a.fail
	}
	if a.seen == nil {
		a.seen = map[string]bool{}
	}
	if a.seen[in.PlatformID] {
		return false, nil
	}
	a.seen[in.PlatformID] = true
	a.accepted = append(a.accepted, in)
	return true, nil
}

func (a *acceptor) Status(_ context.Context, channel, id string, status store.DeliveryStatus, detail string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if id == "wamid.unknown" {
		return store.ErrNotFound
	}
	a.statuses = append(a.statuses, channel+" "+id+" "+string(status)+" "+detail)
	return nil
}

func (a *acceptor) texts() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for _, in := range a.accepted {
		out = append(out, in.Text)
	}
	return out
}

type hookEnv struct {
	graph  *graphtest.Server
	sender *graphtest.Sender
	url    string
	rt     *acceptor
	hook   *whatsapp.Webhook
	store  store.Store
}

func newHook(t *testing.T) *hookEnv { return newHookWith(t, "") }

// newHookWith is newHook with the adapter's template.
func newHookWith(t *testing.T, template string) *hookEnv {
	t.Helper()
	st := channeltest.OpenSQLite(t)
	g := graphtest.New(t)
	o := whatsapp.Options{Client: newClient(g)}
	if template != "" {
		o.Template, o.TemplateLanguage = template, "es"
	}
	a, err := whatsapp.New(o)
	require.NoError(t, err)
	rt := &acceptor{}
	h, err := whatsapp.NewWebhook(whatsapp.WebhookOptions{
		AppSecret: appSecret, VerifyToken: verifyToken, PhoneNumberID: g.PhoneNumberID,
		Runtime: rt, Notes: a, Reengage: a, Linker: whatsapp.NewLinker(st), Languages: st,
	})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &hookEnv{graph: g, sender: g.Sender(srv.URL, appSecret), url: srv.URL, rt: rt, hook: h, store: st}
}

func TestVerificationHandshake(t *testing.T) {
	t.Parallel()
	e := newHook(t)
	get := func(q url.Values) (int, string) {
		res, err := http.Get(e.url + "?" + q.Encode())
		require.NoError(t, err)
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return res.StatusCode, string(b)
	}
	code, body := get(url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {verifyToken}, "hub.challenge": {"1158201444"}})
	require.Equal(t, 200, code)
	require.Equal(t, "1158201444", body)
	for _, q := range []url.Values{
		{"hub.mode": {"subscribe"}, "hub.verify_token": {"wrong"}, "hub.challenge": {"1"}},
		{"hub.mode": {"unsubscribe"}, "hub.verify_token": {verifyToken}, "hub.challenge": {"1"}},
		{"hub.challenge": {"1"}},
	} {
		code, body = get(q)
		require.Equal(t, 403, code, q.Encode())
		require.NotEqual(t, "1", body, "the challenge is echoed only to the right token")
	}
	require.EqualValues(t, 3, e.hook.Stats().BadVerifyToken.Load())
}

func TestWebhookRefusesWhatIsNotMetas(t *testing.T) {
	t.Parallel()
	e := newHook(t)
	m := &graphtest.Message{From: "5215512345678", Name: "Ana", Text: "hola"}
	body := e.sender.Notification([]*graphtest.Message{m}, nil)

	forger := e.graph.Sender(e.url, "not-the-app-secret")
	code, err := forger.Post(body)
	require.NoError(t, err)
	require.Equal(t, 401, code, "forged")
	code, err = e.sender.PostSigned(body, "")
	require.NoError(t, err)
	require.Equal(t, 401, code, "unsigned")
	changed := []byte(strings.Replace(string(body), "hola", "holb", 1))
	code, err = e.sender.PostSigned(changed, e.sender.Sign(body))
	require.NoError(t, err)
	require.Equal(t, 401, code, "one byte changed")
	code, err = e.sender.PostSigned(body, "sha256="+strings.Repeat("0", 64))
	require.NoError(t, err)
	require.Equal(t, 401, code, "a signature of zeros")
	huge := []byte(`{"object":"whatsapp_business_account","entry":[],"x":"` + strings.Repeat("a", whatsapp.MaxBody) + `"}`)
	code, err = e.sender.Post(huge)
	require.NoError(t, err)
	require.Equal(t, 413, code, "too large, even signed")
	require.Empty(t, e.rt.texts(), "nothing refused reaches the runtime")

	// The genuine one, then Meta's replays of it: accepted once.
	for range 3 {
		code, err = e.sender.Post(body)
		require.NoError(t, err)
		require.Equal(t, 200, code)
	}
	require.Equal(t, []string{"hola"}, e.rt.texts())
	s := e.hook.Stats()
	require.EqualValues(t, 1, s.Unsigned.Load())
	require.EqualValues(t, 3, s.BadSignature.Load())
	require.EqualValues(t, 1, s.TooLarge.Load())
	require.EqualValues(t, 2, s.Redelivered.Load())
	t.Logf("refused: forged+changed+zeros %d, unsigned %d, too large %d; replays deduped %d",
		s.BadSignature.Load(), s.Unsigned.Load(), s.TooLarge.Load(), s.Redelivered.Load())
}

func TestWebhookBatch(t *testing.T) {
	t.Parallel()
	e := newHook(t)
	ana := &graphtest.Message{From: "5215512345678", Name: "Ana", Text: "Hola"}
	anaBtn := &graphtest.Message{From: "5215512345678", Name: "Ana", Type: "interactive", Text: "IA 101"}
	bob := &graphtest.Message{From: "447700900123", Name: "Bob", Text: "Hi there"}
	body := graphtest.Batch(
		e.sender.Notification([]*graphtest.Message{ana, anaBtn}, []graphtest.Status{{ID: "wamid.OUT1", Status: "delivered", RecipientID: ana.From}}),
		e.sender.Notification([]*graphtest.Message{bob}, []graphtest.Status{
			{ID: "wamid.OUT2", Status: "failed", RecipientID: bob.From, ErrorCode: 131047, ErrorTitle: "Re-engagement message"},
			{ID: "wamid.unknown", Status: "read"},
		}),
	)
	code, err := e.sender.Post(body)
	require.NoError(t, err)
	require.Equal(t, 200, code)
	require.Equal(t, []string{"Hola", "IA 101", "Hi there"}, e.rt.texts())
	in := e.rt.accepted[0]
	require.Equal(t, "whatsapp", in.Channel)
	require.Equal(t, ana.ID, in.PlatformID)
	require.Equal(t, ana.From, in.ChatID)
	require.Equal(t, store.Identity{Channel: "whatsapp", ExternalID: ana.From}, in.Sender)
	require.Equal(t, "Ana", in.SenderName)
	require.JSONEq(t, `{"wa_id":"5215512345678","wamid":"`+ana.ID+`"}`, string(in.Address))
	require.Equal(t, []string{
		"whatsapp wamid.OUT1 delivered ",
		"whatsapp wamid.OUT2 failed 131047: Re-engagement message",
	}, e.rt.statuses)

	// Another number of the same business account: not Faro's to answer.
	other := e.sender.Notification([]*graphtest.Message{{From: ana.From, Text: "para otro número"}}, nil)
	other = []byte(strings.Replace(string(other), e.graph.PhoneNumberID, "999999999999", 1))
	code, err = e.sender.Post(other)
	require.NoError(t, err)
	require.Equal(t, 200, code)
	require.Len(t, e.rt.texts(), 3)

	// The store failing: 500, so that Meta delivers it again.
	e.rt.fail = errors.New("database is down")
	code, err = e.sender.Post(e.sender.Notification([]*graphtest.Message{{From: ana.From, Text: "otra"}}, nil))
	require.NoError(t, err)
	require.Equal(t, 500, code)
}

func TestMediaGetsTheNote(t *testing.T) {
	t.Parallel()
	e := newHook(t)
	ctx := t.Context()
	// Bob's conversation is in English already.
	bob, err := e.store.CreateContact(ctx, store.Contact{Name: "Bob", Identities: []store.Identity{{Channel: "whatsapp", ExternalID: "447700900123"}}})
	require.NoError(t, err)
	_, err = e.store.CreateConversation(ctx, store.Conversation{ContactID: bob.ID, Channel: "whatsapp", ExternalID: "447700900123", Language: "en"})
	require.NoError(t, err)

	photo := &graphtest.Message{From: "447700900123", Name: "Bob", Type: "image"}
	voice := &graphtest.Message{From: "5511987654321", Name: "Rui", Type: "audio"}
	captioned := &graphtest.Message{From: "5511987654322", Name: "Ana", Type: "image", Caption: "olá, quanto custa o curso? obrigado"}
	like := &graphtest.Message{From: "447700900123", Name: "Bob", Type: "reaction"}
	body := e.sender.Notification([]*graphtest.Message{photo, voice, captioned, like}, nil)
	for range 2 { // and a re-delivery: one note each
		code, err := e.sender.Post(body)
		require.NoError(t, err)
		require.Equal(t, 200, code)
	}
	sent := e.graph.Sent()
	require.Len(t, sent, 3)
	require.Equal(t, whatsapp.NoteText("en"), sent[0].Text)
	require.Equal(t, whatsapp.NoteText("es"), sent[1].Text, "no language known: the default")
	require.Equal(t, whatsapp.NoteText("pt"), sent[2].Text, "the caption's language")
	require.Empty(t, e.rt.texts(), "no turn runs for what cannot be read")
}

func TestSamePhoneLinksTheContact(t *testing.T) {
	t.Parallel()
	e := newHook(t)
	ctx := t.Context()
	ana, err := e.store.CreateContact(ctx, store.Contact{Name: "Ana Pérez", Email: "ana@example.com", Phone: "+52 1 55 1234 5678", Role: store.RoleStudent})
	require.NoError(t, err)
	_, code, err := e.sender.Say("5215512345678", "Ana", "hola")
	require.NoError(t, err)
	require.Equal(t, 200, code)
	got, err := e.store.ContactByIdentity(ctx, store.Identity{Channel: "whatsapp", ExternalID: "5215512345678"})
	require.NoError(t, err, "the verified number is the contact's phone: linked")
	require.Equal(t, ana.ID, got.ID)

	// Someone else claiming Ana's email links nothing: the webhook never
	// reads emails, and the agent's tools refuse another's email.
	_, code, err = e.sender.Say("5215599999999", "Eve", "mi correo es ana@example.com")
	require.NoError(t, err)
	require.Equal(t, 200, code)
	_, err = e.store.ContactByIdentity(ctx, store.Identity{Channel: "whatsapp", ExternalID: "5215599999999"})
	require.ErrorIs(t, err, store.ErrNotFound)
	got, err = e.store.Contact(ctx, ana.ID)
	require.NoError(t, err)
	require.Len(t, got.Identities, 1)
}

// TestLateWindowErrorSendsTheTemplate: the API may accept a reply and
// report 131047 later, in a failed status; the failure is recorded and
// the template goes, once however often Meta reports it.
func TestLateWindowErrorSendsTheTemplate(t *testing.T) {
	t.Parallel()
	e := newHookWith(t, "reply_ready")
	st := graphtest.Status{ID: "wamid.OUT9", Status: "failed", RecipientID: "447700900123", ErrorCode: 131047, ErrorTitle: "Re-engagement message"}
	body := e.sender.Notification(nil, []graphtest.Status{st})
	for range 2 {
		code, err := e.sender.Post(body)
		require.NoError(t, err)
		require.Equal(t, 200, code)
	}
	sent := e.graph.Sent()
	require.Len(t, sent, 1)
	require.Equal(t, "reply_ready", sent[0].Template)
	require.Equal(t, "447700900123", sent[0].To)
	require.Equal(t, []string{
		"whatsapp wamid.OUT9 failed 131047: Re-engagement message",
		"whatsapp wamid.OUT9 failed 131047: Re-engagement message",
	}, e.rt.statuses, "recorded each time (the runtime keeps it once)")

	// Without a template, nothing is sent.
	e = newHook(t)
	code, err := e.sender.Post(body)
	require.NoError(t, err)
	require.Equal(t, 200, code)
	require.Empty(t, e.graph.Sent())
}
