package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/channels/web"
	"github.com/faroai/faro/store"
)

const identitySecret = "site-backend-shared-secret-0123456789"

// signedUser is what the site's backend puts in the page for email.
func signedUser(secret, email, name string, expires time.Time) web.User {
	return web.User{Email: email, Name: name, Expires: expires.Unix(),
		Signature: web.UserSignature([]byte(secret), email, name, expires.Unix())}
}

type identifiedSession struct {
	Token      string `json:"token"`
	VisitorID  string `json:"visitor_id"`
	Identified bool   `json:"identified"`
}

// sessionAs asks for a session naming user (and visitor, when not empty),
// returning the status and the body.
func (e *env) sessionAs(user any, visitor string) (int, string) {
	e.t.Helper()
	body := map[string]any{"user": user}
	if visitor != "" {
		body["visitor_id"] = visitor
	}
	b, err := json.Marshal(body)
	require.NoError(e.t, err)
	req, _ := http.NewRequest("POST", e.srv.URL+"/widget/session", strings.NewReader(string(b)))
	req.Header.Set("Origin", e.srv.URL)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(out)
}

func withIdentity(o *web.Options) { o.IdentitySecret = []byte(identitySecret) }

// TestIdentityRefused: a wrong, expired, malformed or unconfigured
// identity gets 401 (403 when the server has no identity secret) with
// an error that says what is wrong, and nothing is stored.
func TestIdentityRefused(t *testing.T) {
	e := start(t, nil, nil, withIdentity)
	off := start(t, e.store, nil, nil)
	soon := time.Now().Add(time.Hour)
	good := signedUser(identitySecret, "marta@example.com", "Marta Gil", soon)
	tampered := good
	tampered.Email = "jefa@example.com"
	for name, c := range map[string]struct {
		e      *env
		user   any
		status int
		says   string
	}{
		"another secret":   {e, signedUser("another-secret-of-another-site-0123456789", "marta@example.com", "Marta Gil", soon), 401, "signature does not match"},
		"another email":    {e, tampered, 401, "signature does not match"},
		"expired":          {e, signedUser(identitySecret, "marta@example.com", "Marta Gil", time.Now().Add(-time.Second)), 401, "expired"},
		"too far ahead":    {e, signedUser(identitySecret, "marta@example.com", "Marta Gil", time.Now().Add(30*24*time.Hour)), 401, "7 days"},
		"no signature":     {e, map[string]any{"email": "marta@example.com", "name": "Marta Gil", "expires": soon.Unix()}, 401, "required"},
		"not an email":     {e, signedUser(identitySecret, "marta", "Marta Gil", soon), 401, "address"},
		"two-line name":    {e, signedUser(identitySecret, "marta@example.com", "Marta\nGil", soon), 401, "one line"},
		"no secret set":    {off, good, 403, "FARO_WIDGET_IDENTITY_SECRET"},
		"upper-case hex":   {e, web.User{Email: good.Email, Name: good.Name, Expires: good.Expires, Signature: strings.ToUpper(good.Signature) + "0"}, 401, "required"},
		"signature of 0s":  {e, web.User{Email: good.Email, Name: good.Name, Expires: good.Expires, Signature: strings.Repeat("0", 64)}, 401, "signature does not match"},
		"expires missing":  {e, map[string]any{"email": "marta@example.com", "name": "Marta Gil", "signature": good.Signature}, 401, "required"},
		"name not covered": {e, web.User{Email: good.Email, Name: "Marta Gil Admin", Expires: good.Expires, Signature: good.Signature}, 401, "signature does not match"},
	} {
		t.Run(name, func(t *testing.T) {
			status, body := c.e.sessionAs(c.user, "")
			require.Equal(t, c.status, status, body)
			require.Contains(t, body, c.says)
		})
	}
	for _, email := range []string{"marta@example.com", "jefa@example.com", "marta"} {
		_, err := e.store.ContactByEmail(t.Context(), email)
		require.ErrorIs(t, err, store.ErrNotFound, "nothing is stored for a refused identity (%s)", email)
	}
	// Anonymous sessions go on as before.
	require.Regexp(t, `^[0-9a-f]{32}$`, e.session("").VisitorID)
	require.Regexp(t, `^[0-9a-f]{32}$`, off.session("").VisitorID)
}

// TestIdentifiedVisitorIsTheEmailsContact: a signed-in user's session is
// bound to their email: the turns come from web:<email>, whose contact is
// the one holding the email (a student, with an enrolment), on every
// device the same conversation; nobody gets that conversation without
// the signature.
func TestIdentifiedVisitorIsTheEmailsContact(t *testing.T) {
	st := openStore(t)
	// Known to the business: enrolled by staff, contact made elsewhere.
	known, err := st.CreateContact(t.Context(), store.Contact{Name: "Lucía Romero", Email: "Lucia.Romero@example.com"})
	require.NoError(t, err)
	_, _, err = st.Enroll(t.Context(), store.EnrollRequest{CourseSlug: firstOpenCourse(t, st), ContactID: known.ID, Email: "lucia.romero@example.com", Name: "Lucía Romero"})
	require.NoError(t, err)
	e := start(t, st, nil, withIdentity)

	// The site signs the email as it knows it (any case).
	user := signedUser(identitySecret, "LUCIA.romero@example.com", "Lucía Romero", time.Now().Add(10*time.Minute))
	status, body := e.sessionAs(user, "")
	require.Equal(t, 200, status, body)
	var s identifiedSession
	require.NoError(t, json.Unmarshal([]byte(body), &s))
	require.True(t, s.Identified)
	require.Regexp(t, `^u-[0-9a-f]{32}$`, s.VisitorID)

	got, err := st.ContactByIdentity(t.Context(), store.Identity{Channel: web.Channel, ExternalID: "lucia.romero@example.com"})
	require.NoError(t, err, "the email's contact has the identity web:<email>")
	require.Equal(t, known.ID, got.ID)
	require.Equal(t, store.RoleStudent, got.Role, "an enrolment makes a student")

	// Another device: the same visitor, so the same conversation.
	status, body = e.sessionAs(user, "0123456789abcdef0123456789abcdef")
	require.Equal(t, 200, status, body)
	var again identifiedSession
	require.NoError(t, json.Unmarshal([]byte(body), &again))
	require.Equal(t, s.VisitorID, again.VisitorID)

	c := e.connect(session{Token: s.Token, VisitorID: s.VisitorID})
	c.send(map[string]any{"type": "hello", "visitor_id": s.VisitorID, "language": "es"})
	c.until("ready")
	c.send(map[string]any{"type": "message", "client_msg_id": "m-00000001", "text": "¿En qué cursos estoy inscrita?"})
	fs := c.until("reply")
	var convID string
	for _, f := range fs {
		if f.Type == "ack" {
			convID = f.ConversationID
		}
	}
	conv, err := st.Conversation(t.Context(), convID)
	require.NoError(t, err)
	require.Equal(t, known.ID, conv.ContactID, "the conversation is the email's contact's")
	msgs, err := st.Messages(t.Context(), convID, store.MessageQuery{})
	require.NoError(t, err)
	var meta agent.ReplyMeta
	require.NoError(t, json.Unmarshal(msgs[len(msgs)-1].Meta, &meta))
	require.Equal(t, store.RoleStudent, meta.Role, "answered as a student")

	// Without the signature, the user's visitor id is not given out: an
	// anonymous session asking for it gets a new one.
	anon := e.session(s.VisitorID)
	require.NotEqual(t, s.VisitorID, anon.VisitorID)
	require.False(t, strings.HasPrefix(anon.VisitorID, "u-"))
}

// TestIdentifiedNewcomer: a signed-in user the store does not know gets a
// contact with their email and name, a prospect until they enrol.
func TestIdentifiedNewcomer(t *testing.T) {
	e := start(t, nil, nil, withIdentity)
	status, body := e.sessionAs(signedUser(identitySecret, "nuevo@example.com", "Nico Nuevo", time.Now().Add(time.Minute)), "")
	require.Equal(t, 200, status, body)
	c, err := e.store.ContactByEmail(t.Context(), "nuevo@example.com")
	require.NoError(t, err)
	require.Equal(t, "Nico Nuevo", c.Name)
	require.Equal(t, []store.Identity{{Channel: web.Channel, ExternalID: "nuevo@example.com"}}, c.Identities)
	require.NotEqual(t, store.RoleStudent, c.Role)
}

func firstOpenCourse(t *testing.T, st store.Store) string {
	t.Helper()
	cs, err := st.ListCourses(t.Context(), store.CourseFilter{})
	require.NoError(t, err)
	for _, c := range cs {
		if c.Status == store.CourseOpen {
			return c.Slug
		}
	}
	course := store.Course{Slug: "ia-101", Title: store.Localized{ES: "IA 101"}, Language: "es", Status: store.CourseOpen, Seats: 10}
	_, err = st.PutCourse(t.Context(), course)
	require.NoError(t, err)
	return course.Slug
}
