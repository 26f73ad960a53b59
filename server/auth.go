package server

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/faroai/faro/store"
)

// Role is what an API key may do.
type Role string

// The roles of API keys. Admin and staff use the admin API (admin alone
// changes the knowledge base); every role may use the OpenAI-compatible
// API, where the key's role becomes the assistant's role for the caller.
const (
	RoleAdmin    Role = "admin"
	RoleStaff    Role = "staff"
	RoleStudent  Role = "student"
	RoleProspect Role = "prospect"
)

// Valid reports whether r is one of the roles.
func (r Role) Valid() bool {
	return r == RoleAdmin || r == RoleStaff || r == RoleStudent || r == RoleProspect
}

// AgentRole is the role the assistant gives a caller with this key: an
// admin is staff to the assistant.
func (r Role) AgentRole() store.Role {
	switch r {
	case RoleAdmin, RoleStaff:
		return store.RoleStaff
	case RoleStudent:
		return store.RoleStudent
	}
	return store.RoleProspect
}

// KeySpec is one configured API key as read from configuration: a name
// for logs and conversations, a role, and the secret itself.
type KeySpec struct {
	Name string `yaml:"name"`
	Role Role   `yaml:"role"`
	Key  string `yaml:"key"`
}

// MinKeyLength is the shortest secret accepted: shorter ones can be guessed.
const MinKeyLength = 16

// ParseKeySpecs parses "name:role:key,name:role:key" (FARO_API_KEYS). The key
// is everything after the second colon, so it may hold colons itself.
func ParseKeySpecs(s string) ([]KeySpec, error) {
	var specs []KeySpec
	for i, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, rest, ok1 := strings.Cut(part, ":")
		role, key, ok2 := strings.Cut(rest, ":")
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("entry %d is not name:role:key", i+1)
		}
		specs = append(specs, KeySpec{Name: strings.TrimSpace(name), Role: Role(strings.ToLower(strings.TrimSpace(role))), Key: strings.TrimSpace(key)})
	}
	return specs, nil
}

// ValidateKeySpecs checks names, roles and secrets; errors name the key by
// its name or position, never by its secret.
func ValidateKeySpecs(specs []KeySpec) error {
	names := map[string]bool{}
	secrets := map[[sha256.Size]byte]bool{}
	for i, k := range specs {
		switch {
		case !validRequestID(k.Name) || strings.ContainsAny(k.Name, ":,/"):
			// It names the caller in logs and in conversation ids.
			return fmt.Errorf("key %d: the name must be 1 to 128 visible ASCII characters other than ':', ',' and '/'", i+1)
		case names[k.Name]:
			return fmt.Errorf("key %q: the name is used twice", k.Name)
		case !k.Role.Valid():
			return fmt.Errorf("key %q: role %q is not admin, staff, student or prospect", k.Name, k.Role)
		case len(k.Key) < MinKeyLength:
			return fmt.Errorf("key %q: the secret must be at least %d characters", k.Name, MinKeyLength)
		}
		sum := sha256.Sum256([]byte(k.Key))
		if secrets[sum] {
			return fmt.Errorf("key %q: the secret is the same as another key's", k.Name)
		}
		names[k.Name], secrets[sum] = true, true
	}
	return nil
}

// Principal is who an authenticated request comes from.
type Principal struct {
	Name string // the key's name
	Role Role
}

// apiKey is what the server keeps of a key: its SHA-256 digest, never the
// secret.
type apiKey struct {
	Principal
	digest [sha256.Size]byte
}

// Keys authenticates API keys. The zero value knows no key.
type Keys struct {
	keys []apiKey
	// compare is subtle.ConstantTimeCompare outside tests, which check
	// that it is what decides.
	compare func(a, b []byte) int
}

// NewKeys returns Keys for specs, keeping only names, roles and digests.
func NewKeys(specs []KeySpec) (*Keys, error) {
	if err := ValidateKeySpecs(specs); err != nil {
		return nil, err
	}
	k := &Keys{compare: subtle.ConstantTimeCompare}
	for _, s := range specs {
		k.keys = append(k.keys, apiKey{Principal: Principal{Name: s.Name, Role: s.Role}, digest: sha256.Sum256([]byte(s.Key))})
	}
	return k, nil
}

// Len is the number of keys.
func (k *Keys) Len() int {
	if k == nil {
		return 0
	}
	return len(k.keys)
}

// Authenticate returns the principal of secret. Digests of equal length are
// compared in constant time, and every key is compared whatever matched, so
// the time taken says nothing about which key, or how much of one, matched.
func (k *Keys) Authenticate(secret string) (Principal, bool) {
	if k == nil || secret == "" {
		return Principal{}, false
	}
	sum := sha256.Sum256([]byte(secret))
	var found Principal
	ok := 0
	for _, key := range k.keys {
		m := k.compare(sum[:], key.digest[:])
		if m == 1 && ok == 0 {
			found = key.Principal
		}
		ok |= m
	}
	return found, ok == 1
}

type principalKey struct{}

// PrincipalFrom returns the principal of an authenticated request.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

var errNoKey = &Error{Code: CodeUnauthorized, Message: "an API key is needed: Authorization: Bearer <key>"}

// bearer reads the key of "Authorization: Bearer <key>".
func bearer(r *http.Request) (string, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", errNoKey
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", errors.New("not a bearer token")
	}
	return strings.TrimSpace(token), nil
}

// Sessions authenticate browsers signed in to the staff console, so its
// pages call the API as a key would, in the name of the person signed in.
type Sessions interface {
	// SessionPrincipal returns the principal of r's session cookie and
	// the CSRF token its requests must carry; ok false when r has no live
	// session.
	SessionPrincipal(r *http.Request) (p Principal, csrf string, ok bool)
	// CookieName is the session cookie's name, for the OpenAPI document.
	CookieName() string
}

// CSRFHeader carries a console session's CSRF token on API requests that
// change something.
const CSRFHeader = "X-CSRF-Token"

// session authenticates r by its console session, if it has one: a
// request that may change something must carry the session's CSRF token.
func (s *Server) session(r *http.Request) (Principal, bool, error) {
	if s.opts.Sessions == nil || r.Header.Get("Authorization") != "" {
		return Principal{}, false, nil
	}
	p, csrf, ok := s.opts.Sessions.SessionPrincipal(r)
	if !ok {
		return Principal{}, false, nil
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead &&
		subtle.ConstantTimeCompare([]byte(r.Header.Get(CSRFHeader)), []byte(csrf)) != 1 {
		return Principal{}, false, Errorf(CodeForbidden, "the %s header is missing or not this session's", CSRFHeader)
	}
	return p, true, nil
}

// authorize wraps h so that it runs only for a key (or a console
// session) with one of roles.
func (s *Server) authorize(roles []Role, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, ok, err := s.session(r)
		if err != nil {
			s.log(r.Context()).Info("console session refused: no CSRF token", "method", r.Method, "path", r.URL.Path)
			s.writeError(w, r, err)
			return
		}
		if !ok {
			secret, err := bearer(r)
			if err != nil {
				w.Header().Set("WWW-Authenticate", `Bearer realm="faro"`)
				s.writeError(w, r, errNoKey)
				return
			}
			p, ok = s.opts.Keys.Authenticate(secret)
		}
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="faro", error="invalid_token"`)
			s.log(r.Context()).Info("unknown API key", "method", r.Method, "path", r.URL.Path)
			s.writeError(w, r, Errorf(CodeUnauthorized, "the API key is not valid"))
			return
		}
		if !slices.Contains(roles, p.Role) {
			s.log(r.Context()).Info("API key refused for its role", "key", p.Name, "role", p.Role, "method", r.Method, "path", r.URL.Path)
			s.writeError(w, r, Errorf(CodeForbidden, "a %s key may not do this", p.Role))
			return
		}
		if st, ok := w.(*statusRecorder); ok {
			st.principal = p.Name
		}
		h(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	}
}
