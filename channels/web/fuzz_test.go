package web

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/faroai/faro/store"
)

// FuzzVisitorToken: a token verifies only as the server signed it (one
// spelling per token), and nothing a client sends panics.
func FuzzVisitorToken(f *testing.F) {
	s := signer{secret: []byte("0123456789abcdef0123456789abcdef")}
	now := time.Unix(1_800_000_000, 0)
	good := s.sign(claims{Tenant: "t", Visitor: "v-0123456789abcdef", Origin: "https://a.example", Expiry: now.Unix() + 900})
	f.Add(good)
	// Every other last character: 32 bytes leave two bits of it unused,
	// which a lenient decoder ignores.
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" {
		f.Add(good[:len(good)-1] + string(c))
	}
	f.Add("")
	f.Add(".")
	f.Add("e30.")
	f.Add("eyJ2IjoieCJ9." + good[strings.Index(good, ".")+1:])
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := s.verify(tok, now)
		if err != nil {
			return
		}
		if c.Visitor == "" || now.Unix() >= c.Expiry {
			t.Fatalf("accepted %q with claims %+v", tok, c)
		}
		p, _, _ := strings.Cut(tok, ".")
		// The one spelling the server makes of this payload's signature.
		if tok != p+"."+base64.RawURLEncoding.EncodeToString(s.mac(p)) {
			t.Fatalf("accepted a token the server did not spell: %q", tok)
		}
	})
}

// FuzzMessageFrame: any frame decodes without panic, and a message frame
// that passes is text the store can hold, within the limits, with an id of
// the protocol's shape.
func FuzzMessageFrame(f *testing.F) {
	for _, seed := range []string{
		`{"type":"message","client_msg_id":"aaaaaaaa-0001","text":"hola"}`,
		`{"type":"message","client_msg_id":"aaaaaaaa-0001","text":"hola\u0000"}`,
		`{"type":"message","client_msg_id":"aaaaaaaa-0001","text":"\u0000\u0001 "}`,
		`{"type":"message","client_msg_id":"short","text":"x"}`,
		`{"type":"resume","conversation_id":"c","last_seq":9223372036854775807}`,
		`{"type":"signals","pages_viewed":-1}`,
		`{"type":"message","text":"` + strings.Repeat("é", 4001) + `"}`,
		`[]`, `null`, `{"type":1}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var fr inFrame
		if json.Unmarshal(data, &fr) != nil {
			return
		}
		text, code, _ := messageText(fr)
		if code != "" {
			if text != "" {
				t.Fatalf("refused with %s but gave text %q", code, text)
			}
			return
		}
		switch {
		case !clientMsgIDPattern.MatchString(fr.ClientMsgID):
			t.Fatalf("accepted client_msg_id %q", fr.ClientMsgID)
		case text == "" || text != strings.TrimSpace(text):
			t.Fatalf("accepted text %q", text)
		case !utf8.ValidString(text) || utf8.RuneCountInString(text) > maxTextRunes:
			t.Fatalf("accepted text of %d runes, valid %v", utf8.RuneCountInString(text), utf8.ValidString(text))
		case store.HasControl(text):
			t.Fatalf("accepted a control character: %q", text)
		}
	})
}

// FuzzIdentifiedUser: a user verifies only with the signature of exactly
// its fields under the secret, unexpired, and what it binds is a plausible
// lower-case email; nothing a page sends panics.
func FuzzIdentifiedUser(f *testing.F) {
	secret := []byte("site-backend-shared-secret-0123456789")
	now := time.Unix(1_800_000_000, 0)
	exp := now.Unix() + 600
	f.Add("ana@example.com", "Ana", exp, UserSignature(secret, "ana@example.com", "Ana", exp))
	f.Add("ANA@Example.com ", "Ana\nPérez", exp, UserSignature(secret, "ANA@Example.com ", "Ana\nPérez", exp))
	f.Add("a@b.c", "", now.Unix(), UserSignature(secret, "a@b.c", "", now.Unix()))
	f.Add("@", "x", int64(-1), "zz")
	f.Add("a@b.c", "", exp, strings.Repeat("0", 64))
	f.Fuzz(func(t *testing.T, email, name string, expires int64, sig string) {
		got, err := verifyUser(secret, User{Email: email, Name: name, Expires: expires, Signature: sig}, now)
		if err != nil {
			if got != "" {
				t.Fatalf("an error with an email %q", got)
			}
			return
		}
		if sig != UserSignature(secret, email, name, expires) {
			t.Fatalf("accepted %q for %q %q %d", sig, email, name, expires)
		}
		if expires <= now.Unix() || got != store.FoldEmail(email) || !validEmail(got) || strings.ContainsAny(name, "\r\n") || !utf8.ValidString(name) {
			t.Fatalf("accepted %q %q %d as %q", email, name, expires, got)
		}
		if _, err := verifyUser(nil, User{Email: email, Name: name, Expires: expires, Signature: sig}, now); err != errIdentityOff {
			t.Fatalf("without a secret: %v", err)
		}
	})
}
