package whatsapp

import (
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
)

func TestParse(t *testing.T) {
	t.Parallel()
	body, err := os.ReadFile("testdata/batch.json")
	require.NoError(t, err)
	b, err := Parse(body)
	require.NoError(t, err)
	require.Equal(t, []Inbound{
		{ID: "wamid.A1", From: "5215512345678", Name: "Ana", PhoneNumberID: "106540352242922", Type: "text", Kind: KindText,
			Text: "Hola, quiero inscribirme", At: time.Unix(1733500000, 0).UTC()},
		{ID: "wamid.A2", From: "5215512345678", Name: "Ana", PhoneNumberID: "106540352242922", Type: "interactive", Kind: KindText,
			Text: "IA 101", At: time.Unix(1733500001, 0).UTC()},
		{ID: "wamid.A3", From: "5215512345678", Name: "Ana", PhoneNumberID: "106540352242922", Type: "interactive", Kind: KindText,
			Text: "Marketing con IA", At: time.Unix(1733500002, 0).UTC()},
		{ID: "wamid.A4", From: "5215512345678", Name: "Ana", PhoneNumberID: "106540352242922", Type: "image", Kind: KindUnsupported,
			Caption: "mira esto", At: time.Unix(1733500003, 0).UTC()},
		{ID: "wamid.A5", From: "5215512345678", Name: "Ana", PhoneNumberID: "106540352242922", Type: "reaction", Kind: KindIgnored,
			At: time.Unix(1733500004, 0).UTC()},
		{ID: "wamid.B1", From: "447700900123", Name: "Bob", PhoneNumberID: "106540352242922", Type: "button", Kind: KindText,
			Text: "Yes, continue", At: time.Unix(1733500005, 0).UTC()},
		{ID: "wamid.B2", From: "447700900123", Name: "Bob", PhoneNumberID: "106540352242922", Type: "location", Kind: KindUnsupported,
			At: time.Unix(1733500006, 0).UTC()},
	}, b.Messages)
	require.Equal(t, []Status{
		{ID: "wamid.OUT1", Status: "delivered", RecipientID: "5215512345678", At: time.Unix(1733500010, 0).UTC()},
		{ID: "wamid.OUT2", Status: "failed", RecipientID: "447700900123", At: time.Unix(1733500011, 0).UTC(), Code: 131047,
			Detail: "131047: Re-engagement message (Message failed to send because more than 24 hours have passed since the customer last replied to this number.)"},
	}, b.Statuses)
}

func TestParseRefuses(t *testing.T) {
	t.Parallel()
	for _, body := range []string{``, `[]`, `{"object":"page","entry":[]}`, `{"object":"whatsapp_business_account","entry":{}}`} {
		_, err := Parse([]byte(body))
		require.Error(t, err, body)
	}
	// What cannot be answered is left out, not refused: Meta would retry
	// a refusal for days.
	b, err := Parse([]byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{
		"messages":[{"from":"12ab","id":"wamid.X","type":"text","text":{"body":"hi"}},
			{"from":"5215512345678","id":"","type":"text","text":{"body":"hi"}},
			{"from":"5215512345678","id":"wamid.\u0000","type":"text","text":{"body":"hi"}},
			{"from":"5215512345678","id":"wamid.Y","type":"text","text":{"body":" \u0000 "}}]}}]}]}`))
	require.NoError(t, err)
	require.Len(t, b.Messages, 1)
	require.Equal(t, KindUnsupported, b.Messages[0].Kind, "a text that is nothing once cleaned gets the note")
}

// FuzzParse: any body parses or is refused without panic, and what it
// gives is what the store and the agent can take.
func FuzzParse(f *testing.F) {
	seed, err := os.ReadFile("testdata/batch.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"messages":[{"from":"123456","id":"w","type":"text","text":{"body":"\u0000"}}]}}]}]}`))
	f.Add([]byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"statuses":[{"id":"w","status":"failed","errors":[{"code":1}]}]}}]}]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := Parse(body)
		if err != nil {
			return
		}
		for _, m := range b.Messages {
			if !validID(m.ID) || !validWaID(m.From) || store.HasControl(m.Name) {
				t.Fatalf("gave a message the store cannot hold: %+v", m)
			}
			switch m.Kind {
			case KindText:
				if m.Text == "" || m.Text != strings.TrimSpace(m.Text) || store.HasControl(m.Text) || !utf8.ValidString(m.Text) {
					t.Fatalf("gave text %q", m.Text)
				}
			case KindUnsupported, KindIgnored:
				if m.Text != "" {
					t.Fatalf("gave text %q with kind %d", m.Text, m.Kind)
				}
			default:
				t.Fatalf("no kind: %+v", m)
			}
		}
		for _, s := range b.Statuses {
			if !validID(s.ID) || s.Status == "" || store.HasControl(s.Status+s.Detail) || utf8.RuneCountInString(s.Detail) > 500 {
				t.Fatalf("gave status %+v", s)
			}
		}
	})
}
