package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// claims are what a visitor token binds: the tenant, the visitor, the
// origin the page was served from and when the token stops being valid.
type claims struct {
	Tenant  string `json:"t"`
	Visitor string `json:"v"`
	Origin  string `json:"o"`
	Expiry  int64  `json:"e"` // unix seconds
	// Email is the signed-in user's, verified when the session was
	// issued (lower case); empty for an anonymous visitor.
	Email string `json:"u,omitempty"`
}

// Token errors; the socket closes with 4401 on any of them.
var (
	errTokenMalformed = errors.New("web: token malformed")
	errTokenSignature = errors.New("web: token signature invalid")
	errTokenExpired   = errors.New("web: token expired")
)

// signer issues and verifies visitor tokens: base64url(JSON claims) "."
// base64url(HMAC-SHA256(secret, first part)).
type signer struct{ secret []byte }

func (s signer) sign(c claims) string {
	payload, _ := json.Marshal(c) // claims always marshal
	p := base64.RawURLEncoding.EncodeToString(payload)
	return p + "." + base64.RawURLEncoding.EncodeToString(s.mac(p))
}

func (s signer) mac(p string) []byte {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(p))
	return m.Sum(nil)
}

// verify checks the signature first (nothing of an unsigned token is
// trusted, not even its expiry), then the expiry against now.
func (s signer) verify(tok string, now time.Time) (claims, error) {
	var c claims
	p, sig, ok := strings.Cut(tok, ".")
	if !ok || p == "" || sig == "" || len(tok) > 1024 {
		return c, errTokenMalformed
	}
	// Strict: a lenient decoder ignores the unused low bits of the last
	// character, so one token would have several spellings.
	got, err := base64.RawURLEncoding.Strict().DecodeString(sig)
	if err != nil {
		return c, errTokenMalformed
	}
	if !hmac.Equal(got, s.mac(p)) {
		return c, errTokenSignature
	}
	raw, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return c, errTokenMalformed
	}
	if err := json.Unmarshal(raw, &c); err != nil || c.Visitor == "" {
		return c, errTokenMalformed
	}
	if now.Unix() >= c.Expiry {
		return c, errTokenExpired
	}
	return c, nil
}

// SecretFile is the file under the data directory that holds the widget's
// signing secret when FARO_WIDGET_SECRET is not set.
const SecretFile = "widget_secret"

// LoadOrCreateSecret returns the signing secret kept in dataDir/SecretFile,
// creating it (32 random bytes, hex, mode 0600) on first start, so that
// visitor tokens survive a restart. Several servers behind a load balancer
// need the same FARO_WIDGET_SECRET instead.
func LoadOrCreateSecret(dataDir string) ([]byte, error) {
	path := filepath.Join(dataDir, SecretFile)
	if b, err := os.ReadFile(path); err == nil {
		s := strings.TrimSpace(string(b))
		if len(s) < 32 {
			return nil, fmt.Errorf("widget secret %s: shorter than 32 characters", path)
		}
		return []byte(s), nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("widget secret: read %s: %w", path, err)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("widget secret: create %s: %w", dataDir, err)
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return nil, fmt.Errorf("widget secret: random: %w", err)
	}
	s := hex.EncodeToString(buf)
	// O_EXCL: two processes starting at once on one data dir must not
	// each write a different secret; the loser reads the winner's.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return LoadOrCreateSecret(dataDir)
	}
	if err != nil {
		return nil, fmt.Errorf("widget secret: create %s: %w", path, err)
	}
	if _, err := f.WriteString(s + "\n"); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("widget secret: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("widget secret: write %s: %w", path, err)
	}
	return []byte(s), nil
}
