package server

import (
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/faroai/faro/store"
)

// FuzzChatRequest: any body sent to /v1/chat/completions decodes without
// panic, and one taken becomes a turn with text and a conversation id the
// agent and the store accept (the agent cleans the text itself).
func FuzzChatRequest(f *testing.F) {
	for _, seed := range []string{
		`{"model":"faro","messages":[{"role":"user","content":"hola"}]}`,
		`{"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"image_url"}]}],"stream":true,"stream_options":{"include_usage":true}}`,
		`{"messages":[{"role":"user","content":"hola\u0000"}],"user":"u\u0000"}`,
		`{"messages":[{"role":"system","content":null}]}`,
		`{"messages":[]} {}`,
		`{"model":"gpt-4","messages":[{"role":"user","content":"x"}]}`,
		`{"messages":[{"role":"user","content":"` + strings.Repeat("a", 9000) + `"}],"temperature":2}`,
	} {
		f.Add(seed, "")
	}
	f.Add(`{"messages":[{"role":"user","content":"x"}]}`, "conv-1")
	f.Fuzz(func(t *testing.T, body, convHeader string) {
		req := httptest.NewRequest("POST", "/v1/chat/completions", strings.NewReader(body))
		if !validHeaderValue(convHeader) {
			return
		}
		req.Header.Set(ConversationHeader, convHeader)
		var cr ChatRequest
		if err := decodeBody(httptest.NewRecorder(), req, &cr, 4<<20, true); err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("a decoding error that is not the API's: %v", err)
			}
			return
		}
		turn, err := turnOf(req, Principal{Name: "site", Role: RoleProspect}, cr)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("a refusal that is not the API's: %v", err)
			}
			return
		}
		m := turn.msg
		if strings.TrimSpace(m.Text) == "" || store.HasControl(m.Text) {
			t.Fatalf("a turn with text %q", m.Text)
		}
		for _, id := range []string{turn.conversationID, m.ChatID, m.Sender.ExternalID} {
			if id == "" || !utf8.ValidString(id) || store.HasControl(id) || len(id) > 300 {
				t.Fatalf("a turn with id %q", id)
			}
		}
	})
}

func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] < ' ' && v[i] != '\t' || v[i] == 0x7f {
			return false
		}
	}
	return true
}

// FuzzKeySpecs: FARO_API_KEYS parses without panic; a set that validates
// authenticates each key as its own name and role, and names are fit for
// logs and conversation ids (visible characters only).
func FuzzKeySpecs(f *testing.F) {
	f.Add("ops:admin:0123456789abcdef0123,site:prospect:abcdefabcdefabcdef:with:colons")
	f.Add("a\x00b:admin:0123456789abcdef0123")
	f.Add("x:ADMIN: 0123456789abcdef0123 ")
	f.Add(",,,")
	f.Add("a:b")
	f.Fuzz(func(t *testing.T, s string) {
		specs, err := ParseKeySpecs(s)
		if err != nil {
			return
		}
		keys, err := NewKeys(specs)
		if err != nil {
			return
		}
		for _, k := range specs {
			if !validRequestID(k.Name) {
				t.Fatalf("a key named %q", k.Name)
			}
			p, ok := keys.Authenticate(k.Key)
			if !ok || p.Name != k.Name || p.Role != k.Role {
				t.Fatalf("key %q authenticates as %+v, %v", k.Name, p, ok)
			}
		}
		if _, ok := keys.Authenticate(""); ok {
			t.Fatal("the empty secret authenticates")
		}
	})
}
