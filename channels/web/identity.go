package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/faroai/faro/store"
)

// User is who a signed-in visitor is, as the embedding site's backend
// vouches for it: the body's "user" of POST /widget/session.
//
//	signature = hex(HMAC-SHA256(identity secret, email + "\n" + name + "\n" + expires))
//
// A signature over three plain fields (rather than a token of our own
// format) is one line in any backend language, the way Intercom's and
// Crisp's identity verification work; the fields stay readable, and a
// newline can appear in neither email nor name, so the message has one
// reading.
type User struct {
	Email     string `json:"email"`
	Name      string `json:"name"`
	Expires   int64  `json:"expires"` // unix seconds
	Signature string `json:"signature"`
}

// Identity errors: POST /widget/session answers them with 401 (403 for
// errIdentityOff), their text as the body, and stores nothing.
var (
	errIdentityOff       = errors.New("identified visitors are not enabled on this server (FARO_WIDGET_IDENTITY_SECRET)")
	errIdentityMalformed = errors.New("identity: email, name, expires and signature are required; the email must be an address and the name one line of at most 200 characters")
	errIdentitySignature = errors.New("identity: the signature does not match (hex HMAC-SHA256 of email, name and expires, each followed by a newline but the last)")
	errIdentityExpired   = errors.New("identity: the signature has expired")
	errIdentityTooLong   = errors.New("identity: expires is more than 7 days ahead")
)

// maxIdentityAhead bounds how far ahead a signature may expire: a leaked
// one is good until then.
const maxIdentityAhead = 7 * 24 * time.Hour

// UserSignature is the signature the site's backend computes for u (its
// Signature aside), hex-encoded: exported for Go backends and tests.
func UserSignature(secret []byte, email, name string, expires int64) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(email + "\n" + name + "\n" + strconv.FormatInt(expires, 10)))
	return hex.EncodeToString(m.Sum(nil))
}

// verifyUser checks u against secret at now: well formed, then the
// signature (in constant time), then the expiry. It returns the email
// trimmed and lower-cased, the form it is bound and matched in.
func verifyUser(secret []byte, u User, now time.Time) (email string, err error) {
	if len(secret) == 0 {
		return "", errIdentityOff
	}
	if !validEmail(u.Email) || !validName(u.Name) || u.Expires <= 0 || len(u.Signature) != 2*sha256.Size {
		return "", errIdentityMalformed
	}
	got, err := hex.DecodeString(u.Signature)
	if err != nil {
		return "", errIdentityMalformed
	}
	want, _ := hex.DecodeString(UserSignature(secret, u.Email, u.Name, u.Expires))
	if !hmac.Equal(got, want) {
		return "", errIdentitySignature
	}
	if now.Unix() >= u.Expires {
		return "", errIdentityExpired
	}
	if time.Unix(u.Expires, 0).Sub(now) > maxIdentityAhead {
		return "", errIdentityTooLong
	}
	return store.FoldEmail(u.Email), nil
}

// validEmail is a plausible address: one @, something either side, a dot
// in the domain, no spaces or control characters, at most 254 bytes.
func validEmail(e string) bool {
	if len(e) == 0 || len(e) > 254 || !utf8.ValidString(e) || strings.ContainsFunc(e, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return false
	}
	local, domain, ok := strings.Cut(e, "@")
	return ok && local != "" && domain != "" && !strings.Contains(domain, "@") &&
		strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

// validName is one line of at most 200 characters (it may be empty: the
// site may know only the email).
func validName(n string) bool {
	return utf8.ValidString(n) && utf8.RuneCountInString(n) <= 200 && !store.HasControl(n) && !strings.ContainsAny(n, "\r\n\t")
}

// identifiedPrefix starts the visitor id of a signed-in user; anonymous
// ids are hex, so a page cannot claim one of these without a signature.
const identifiedPrefix = "u-"

// userVisitor is the visitor id of a signed-in user: the same on every
// device and page load, so their conversation follows them, and another
// user signing in on the same browser gets their own. Keyed by the
// server's token secret, it cannot be computed from the email alone.
func (h *Handler) userVisitor(email string) string {
	m := hmac.New(sha256.New, h.signer.secret)
	m.Write([]byte("user\n" + h.opts.Tenant + "\n" + email))
	return identifiedPrefix + hex.EncodeToString(m.Sum(nil)[:16])
}

// identify makes the store's contact of a verified email ready for the
// turns to come: the contact holding the email (or a new one with it and
// the name) gets the identity web:<email>, which the turns come from, and
// is a student when the email or the contact has an enrolment that is not
// cancelled. Staff are not decided here: FARO_STAFF lists web:<email>.
func (h *Handler) identify(ctx context.Context, email, name string) error {
	id := store.Identity{Channel: Channel, ExternalID: email}
	st := h.opts.Store
	c, err := st.ContactByIdentity(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		c, err = st.ContactByEmail(ctx, email)
		switch {
		case err == nil:
			err = st.LinkIdentity(ctx, c.ID, id)
		case errors.Is(err, store.ErrNotFound):
			c, err = st.CreateContact(ctx, store.Contact{Name: name, Email: email, Identities: []store.Identity{id}})
		}
		if errors.Is(err, store.ErrConflict) {
			// Another session of the same person got there first.
			c, err = st.ContactByIdentity(ctx, id)
		}
	}
	if err != nil {
		return fmt.Errorf("identify %s: contact: %w", email, err)
	}
	if c.Role == store.RoleStudent || c.Role == store.RoleStaff {
		return nil
	}
	enrolled, err := h.hasEnrollment(ctx, c.ID, email)
	if err != nil || !enrolled {
		return err
	}
	c.Role = store.RoleStudent
	if _, err := st.UpdateContact(ctx, c); err != nil {
		return fmt.Errorf("identify %s: make a student: %w", email, err)
	}
	return nil
}

func (h *Handler) hasEnrollment(ctx context.Context, contactID, email string) (bool, error) {
	byContact, err := h.opts.Store.EnrollmentsByContact(ctx, contactID)
	if err != nil {
		return false, fmt.Errorf("identify %s: enrolments: %w", email, err)
	}
	byEmail, err := h.opts.Store.EnrollmentsByEmail(ctx, email)
	if err != nil {
		return false, fmt.Errorf("identify %s: enrolments: %w", email, err)
	}
	for _, e := range append(byContact, byEmail...) {
		if e.Status != store.EnrollmentCancelled {
			return true, nil
		}
	}
	return false, nil
}
