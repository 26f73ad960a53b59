package whatsapp

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestValidSignature(t *testing.T) {
	t.Parallel()
	secret := []byte("app-secret-0123456789")
	body := []byte(`{"object":"whatsapp_business_account","entry":[]}`)
	good := Sign(secret, body)
	require.True(t, ValidSignature(secret, body, good))
	require.True(t, ValidSignature(secret, body, "sha256="+strings.ToUpper(good[7:])), "hex in upper case")
	changed := append([]byte(nil), body...)
	changed[10] ^= 1
	for name, c := range map[string]struct {
		secret []byte
		body   []byte
		header string
	}{
		"missing":           {secret, body, ""},
		"no prefix":         {secret, body, good[7:]},
		"sha1":              {secret, body, "sha1=" + good[7:]},
		"one byte changed":  {secret, changed, good},
		"other secret":      {[]byte("another-secret"), body, good},
		"no secret":         {nil, body, Sign(nil, body)},
		"truncated":         {secret, body, good[:len(good)-2]},
		"not hex":           {secret, body, "sha256=" + strings.Repeat("zz", 32)},
		"trailing space":    {secret, body, good + " "},
		"signature of none": {secret, nil, good},
	} {
		require.False(t, ValidSignature(c.secret, c.body, c.header), name)
	}
}

// FuzzSignature: only the body's own MAC under the secret verifies, and
// nothing panics.
func FuzzSignature(f *testing.F) {
	secret := []byte("app-secret-0123456789")
	f.Add([]byte(`{"object":"whatsapp_business_account"}`), Sign(secret, []byte(`{"object":"whatsapp_business_account"}`)))
	f.Add([]byte(""), "sha256=")
	f.Add([]byte("x"), "sha256="+strings.Repeat("0", 64))
	f.Fuzz(func(t *testing.T, body []byte, header string) {
		if !ValidSignature(secret, body, Sign(secret, body)) {
			t.Fatalf("the body's own signature does not verify")
		}
		if ValidSignature(secret, body, header) && !strings.EqualFold(header, Sign(secret, body)) {
			t.Fatalf("verified %q, which is not the body's signature", header)
		}
	})
}
