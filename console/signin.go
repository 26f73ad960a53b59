package console

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/faroai/faro/server"
	"github.com/faroai/faro/store"
)

func (c *Console) secure(r *http.Request) bool { return c.opts.SecureCookies || r.TLS != nil }

// csrfOK reports whether r carries the session's CSRF token, in the form
// or in the header the API reads.
func (c *Console) csrfOK(r *http.Request, want string) bool {
	got := r.Header.Get(server.CSRFHeader)
	if got == "" {
		got = r.PostFormValue("csrf")
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// next is where to go after signing in: a console page, never elsewhere.
func next(r *http.Request) string {
	n := r.FormValue("next")
	u, err := url.Parse(n)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(n, "/console/") ||
		strings.HasPrefix(n, "//") || strings.ContainsAny(n, "\\\r\n\t") {
		return "/console/"
	}
	return n
}

func (c *Console) signinPage(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r)
	v := &view{Lang: lang, L: messages[lang], Path: r.URL.Path, Data: next(r)}
	if _, _, ok := c.session(r); ok {
		http.Redirect(w, r, next(r), http.StatusSeeOther)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	c.render(w, r, http.StatusOK, "signin", v)
}

// signin checks the password, throttling an account after
// MaxFailedSignIns failures in a row, and starts a session. A wrong email
// and a wrong password get the same answer, after the same work.
func (c *Console) signin(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r)
	v := &view{Lang: lang, L: messages[lang], Path: r.URL.Path, Data: next(r)}
	w.Header().Set("Cache-Control", "no-store")
	// The sign-in form has no session to carry a CSRF token yet: another
	// site posting it (to sign a browser in as someone else) is refused
	// by its Origin, which browsers send on every cross-site POST.
	if o := r.Header.Get("Origin"); o != "" {
		if u, err := url.Parse(o); err != nil || u.Host != r.Host && u.Host != r.Header.Get("X-Forwarded-Host") || u.Host == "" {
			c.opts.Logger.Info("console: sign-in refused: foreign origin", "origin", o)
			v.Error = v.L["csrf.bad"]
			c.render(w, r, http.StatusForbidden, "signin", v)
			return
		}
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<14)
	email := strings.TrimSpace(r.PostFormValue("email"))
	password := r.PostFormValue("password")
	now := c.opts.Clock()
	acct, err := c.opts.Store.StaffByEmail(r.Context(), email)
	if err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrInvalid) {
		c.opts.Logger.Error("console: sign-in look-up failed", "err", err)
		v.Error = v.L["error.text"]
		c.render(w, r, http.StatusInternalServerError, "signin", v)
		return
	}
	if err != nil {
		_, _ = checkPassword(dummyHash, password)
		c.opts.Logger.Info("console: sign-in refused: unknown email")
		v.Error = v.L["signin.bad"]
		c.render(w, r, http.StatusUnauthorized, "signin", v)
		return
	}
	if acct.FailedSignIns >= MaxFailedSignIns {
		if wait := acct.LastFailedAt.Add(ThrottleWindow).Sub(now); wait > 0 {
			c.opts.Logger.Info("console: sign-in throttled", "staff", acct.Email, "failed", acct.FailedSignIns)
			v.Error = fmt.Sprintf(v.L["signin.throttled"], int(math.Ceil(wait.Minutes())))
			c.render(w, r, http.StatusTooManyRequests, "signin", v)
			return
		}
	}
	ok, err := checkPassword(acct.PasswordHash, password)
	if err != nil {
		c.opts.Logger.Error("console: stored password hash unreadable", "staff", acct.Email, "err", err)
	}
	if err := c.opts.Store.RecordSignIn(r.Context(), acct.ID, ok, now); err != nil {
		c.opts.Logger.Error("console: record sign-in", "err", err)
	}
	if !ok {
		c.opts.Logger.Info("console: sign-in refused: wrong password", "staff", acct.Email, "failed", acct.FailedSignIns+1)
		v.Error = v.L["signin.bad"]
		c.render(w, r, http.StatusUnauthorized, "signin", v)
		return
	}
	token, err := newToken()
	if err == nil {
		var csrf string
		if csrf, err = newToken(); err == nil {
			_, err = c.opts.Store.CreateStaffSession(r.Context(), store.StaffSession{
				TokenHash: tokenHash(token), StaffID: acct.ID, CSRF: csrf, ExpiresAt: now.Add(c.opts.SessionTTL),
			})
		}
	}
	if err != nil {
		c.opts.Logger.Error("console: start session", "err", err)
		v.Error = v.L["error.text"]
		c.render(w, r, http.StatusInternalServerError, "signin", v)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: c.secure(r),
		SameSite: http.SameSiteLaxMode, Expires: now.Add(c.opts.SessionTTL),
	})
	c.opts.Logger.Info("console: signed in", "staff", acct.Email, "role", acct.Role)
	http.Redirect(w, r, next(r), http.StatusSeeOther)
}

func (c *Console) signout(w http.ResponseWriter, r *http.Request, v *view) {
	if ck, err := r.Cookie(sessionCookie); err == nil {
		if err := c.opts.Store.DeleteStaffSession(r.Context(), tokenHash(ck.Value)); err != nil {
			c.opts.Logger.Error("console: sign out", "err", err)
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: c.secure(r),
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
	c.opts.Logger.Info("console: signed out", "staff", v.Account.Email)
	http.Redirect(w, r, "/console/signin", http.StatusSeeOther)
}

// setLang keeps the language picked, for a year, and goes back.
func (c *Console) setLang(w http.ResponseWriter, r *http.Request) {
	lang := r.PathValue("lang")
	if lang != "es" && lang != "en" {
		http.Error(w, "es or en", http.StatusBadRequest)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/console", SameSite: http.SameSiteLaxMode,
		Secure: c.secure(r), Expires: c.opts.Clock().Add(365 * 24 * time.Hour)})
	http.Redirect(w, r, next(r), http.StatusSeeOther)
}
