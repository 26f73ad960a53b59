package console_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/console"
	"github.com/faroai/faro/store/sqlite"
)

func openSQLite(t *testing.T) *bundle {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "faro.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	return setup(t, st)
}

// TestSignInThrottle: five wrong passwords in a row lock the account for
// ThrottleWindow, even against the right password; a success clears the
// count. An unknown email gets the same answer as a wrong password.
func TestSignInThrottle(t *testing.T) {
	t.Parallel()
	b := openSQLite(t)
	c := b.anonymous(t)
	signIn := func(email, pw string) (int, string) {
		status, body, _ := c.form("/console/signin", url.Values{"email": {email}, "password": {pw}}, false)
		return status, body
	}
	status, unknown := signIn("nobody@example.com", password)
	require.Equal(t, http.StatusUnauthorized, status)
	status, wrong := signIn(staffEmail, "wrong password!")
	require.Equal(t, http.StatusUnauthorized, status)
	require.Contains(t, wrong, "do not match")
	require.Equal(t, unknown, wrong, "an unknown email reads as a wrong password")
	for range console.MaxFailedSignIns - 1 {
		status, _ = signIn(staffEmail, "wrong password!")
		require.Equal(t, http.StatusUnauthorized, status)
	}
	status, body := signIn(staffEmail, password)
	require.Equal(t, http.StatusTooManyRequests, status, "locked, even with the right password")
	require.Contains(t, body, "try again in 15 minutes")
	status, _ = signIn(adminEmail, password)
	require.Equal(t, http.StatusSeeOther, status, "other accounts are not locked")

	*b.clock = b.clock.Add(console.ThrottleWindow + time.Second)
	status, _ = signIn(staffEmail, password)
	require.Equal(t, http.StatusSeeOther, status, "after the window")
	acct, err := b.st.StaffByEmail(t.Context(), staffEmail)
	require.NoError(t, err)
	require.Zero(t, acct.FailedSignIns, "a success clears the count")
	require.Contains(t, b.logs.String(), "console: sign-in throttled")
}

// TestSession checks the cookie's attributes, that next never leaves the
// console, and that an expired session is sent back to sign in.
func TestSession(t *testing.T) {
	t.Parallel()
	b := openSQLite(t)
	c := b.anonymous(t)
	req, err := http.NewRequest("POST", b.http.URL+"/console/signin", strings.NewReader(url.Values{
		"email": {adminEmail}, "password": {password}, "next": {"//evil.example/x"}}.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.http.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, "/console/", resp.Header.Get("Location"), "next outside the console is ignored")
	var ck *http.Cookie
	for _, k := range resp.Cookies() {
		if k.Name == "faro_console" {
			ck = k
		}
	}
	require.NotNil(t, ck)

	// Another site's form cannot sign a browser in.
	req, err = http.NewRequest("POST", b.http.URL+"/console/signin", strings.NewReader(url.Values{
		"email": {adminEmail}, "password": {password}}.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	status, _, _ := b.anonymous(t).do(req)
	require.Equal(t, http.StatusForbidden, status, "a foreign Origin")
	require.True(t, ck.HttpOnly)
	require.Equal(t, http.SameSiteLaxMode, ck.SameSite)
	require.False(t, ck.Secure, "plain HTTP in this test")
	require.Equal(t, "/", ck.Path, "the API under /api/v1 gets it too")

	status, _, _ = c.get("/console/")
	require.Equal(t, http.StatusOK, status)
	*b.clock = b.clock.Add(13 * time.Hour)
	status, _, loc := c.get("/console/")
	require.Equal(t, http.StatusSeeOther, status, "the session lasted 12 hours")
	require.Contains(t, loc, "/console/signin")
}

// TestLanguages: the browser's language picks the interface's, a switch
// overrides it, and both languages have every word.
func TestLanguages(t *testing.T) {
	t.Parallel()
	require.NoError(t, console.CheckMessages())
	b := openSQLite(t)
	c := b.anonymous(t)
	req, err := http.NewRequest("GET", b.http.URL+"/console/signin", nil)
	require.NoError(t, err)
	req.Header.Set("Accept-Language", "es-MX,es;q=0.9,en;q=0.5")
	_, body, _ := c.do(req)
	require.Contains(t, body, `<html lang="es">`)
	require.Contains(t, body, "Iniciar sesión")
	_, body, _ = c.get("/console/signin")
	require.Contains(t, body, "Sign in", "English without Accept-Language")
	status, _, loc := c.get("/console/lang/es?next=/console/signin")
	require.Equal(t, http.StatusSeeOther, status)
	require.Equal(t, "/console/signin", loc)
	_, body, _ = c.get("/console/signin")
	require.Contains(t, body, "Iniciar sesión", "the switch is kept")
	status, _, _ = c.get("/console/lang/fr")
	require.Equal(t, http.StatusBadRequest, status)
}

func TestHashPassword(t *testing.T) {
	t.Parallel()
	_, err := console.HashPassword("short")
	require.ErrorContains(t, err, "at least 10")
	h1, err := console.HashPassword(password)
	require.NoError(t, err)
	h2, err := console.HashPassword(password)
	require.NoError(t, err)
	require.NotEqual(t, h1, h2, "salted")
	require.True(t, strings.HasPrefix(h1, "$argon2id$v=19$m=19456,t=2,p=1$"), h1)
}

// TestTemplateWords: every word a template asks for exists, so no page
// shows a key instead of a word.
func TestTemplateWords(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("templates/*.html")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	re := regexp.MustCompile(`\bt \$?[a-z]*\.L "([a-z._]+)"`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			require.True(t, console.HasMessage(m[1]), "%s asks for %q", f, m[1])
		}
	}
}
