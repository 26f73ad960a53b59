package documents

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Link errors, for errors.Is.
var (
	// ErrLinkInvalid: the signature does not match the id and expiry (a
	// link edited by hand, or signed with another secret).
	ErrLinkInvalid = errors.New("documents: link signature invalid")
	// ErrLinkExpired: the link was genuine but its time is over.
	ErrLinkExpired = errors.New("documents: link expired")
)

// DefaultLinkTTL is how long a download link works.
const DefaultLinkTTL = 7 * 24 * time.Hour

// linkKeyLabel separates the key of document links from every other use
// of the server's secret (the widget's visitor tokens are signed with the
// secret itself), so a signature made for one can never pass for the
// other.
const linkKeyLabel = "faro/documents/download-link/v1"

// Links makes and checks download links that need no API key:
// <base>/d/<id>?exp=<unix seconds>&sig=<base64url HMAC-SHA256(key, id "\n" exp)>.
// Whoever has the link can download the document until it expires; the
// id alone is not enough.
type Links struct {
	base string
	key  []byte
	ttl  time.Duration
}

// NewLinks signs with a key derived from secret (at least 16 bytes), for
// links under baseURL (the server's public http(s) address), valid for
// ttl (zero: [DefaultLinkTTL]).
func NewLinks(baseURL string, secret []byte, ttl time.Duration) (*Links, error) {
	if len(secret) < 16 {
		return nil, fmt.Errorf("documents: link secret shorter than 16 bytes")
	}
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("documents: link base %q is not an http(s) URL", baseURL)
	}
	if ttl <= 0 {
		ttl = DefaultLinkTTL
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(linkKeyLabel))
	return &Links{base: strings.TrimRight(baseURL, "/"), key: m.Sum(nil), ttl: ttl}, nil
}

// Path is the path a link of id is served at (without the query).
func Path(id string) string { return "/d/" + url.PathEscape(id) }

// URL returns the link of document id, valid from now for the TTL, and
// when it expires.
func (l *Links) URL(id string, now time.Time) (string, time.Time) {
	exp := now.Add(l.ttl).Truncate(time.Second).UTC()
	e := strconv.FormatInt(exp.Unix(), 10)
	return l.base + Path(id) + "?exp=" + e + "&sig=" + l.sign(id, e), exp
}

func (l *Links) sign(id, exp string) string {
	return base64.RawURLEncoding.EncodeToString(l.mac(id, exp))
}

func (l *Links) mac(id, exp string) []byte {
	m := hmac.New(sha256.New, l.key)
	m.Write([]byte(id + "\n" + exp))
	return m.Sum(nil)
}

// Verify checks a link's id, exp and sig as they came in the request:
// the signature first (nothing of an unsigned link is trusted, not even
// its expiry), then the expiry against now.
func (l *Links) Verify(id, exp, sig string, now time.Time) error {
	// Strict: a lenient decoder ignores the unused low bits of the last
	// character, so several spellings of sig would open one link.
	got, err := base64.RawURLEncoding.Strict().DecodeString(sig)
	if err != nil || id == "" || exp == "" {
		return ErrLinkInvalid
	}
	if !hmac.Equal(got, l.mac(id, exp)) { // constant time
		return ErrLinkInvalid
	}
	n, err := strconv.ParseInt(exp, 10, 64)
	if err != nil {
		return ErrLinkInvalid
	}
	if !now.Before(time.Unix(n, 0)) {
		return ErrLinkExpired
	}
	return nil
}
