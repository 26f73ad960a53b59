package whatsapp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// SignatureHeader carries Meta's signature of a webhook POST.
const SignatureHeader = "X-Hub-Signature-256"

// Sign is the X-Hub-Signature-256 value Meta sends with body: "sha256=" and
// the hex HMAC-SHA256 of the raw body keyed with the app secret.
func Sign(appSecret, body []byte) string {
	m := hmac.New(sha256.New, appSecret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// ValidSignature reports whether header is the signature of the raw body
// under appSecret. It compares the MAC in constant time; an empty secret
// verifies nothing. Hex digits are read in either case (hex.DecodeString),
// as Meta's docs do not promise lower case.
func ValidSignature(appSecret, body []byte, header string) bool {
	if len(appSecret) == 0 {
		return false
	}
	hexMAC, ok := strings.CutPrefix(header, "sha256=")
	if !ok || len(hexMAC) != 2*sha256.Size {
		return false
	}
	got, err := hex.DecodeString(hexMAC)
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, appSecret)
	m.Write(body)
	return hmac.Equal(got, m.Sum(nil))
}
