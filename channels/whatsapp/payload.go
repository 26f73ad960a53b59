package whatsapp

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/faroai/faro/store"
)

// The webhook's JSON, as the Cloud API sends it: only the fields Faro
// reads. See https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components.
type (
	notification struct {
		Object string  `json:"object"`
		Entry  []entry `json:"entry"`
	}
	entry struct {
		ID      string   `json:"id"`
		Changes []change `json:"changes"`
	}
	change struct {
		Field string `json:"field"`
		Value value  `json:"value"`
	}
	value struct {
		MessagingProduct string `json:"messaging_product"`
		Metadata         struct {
			PhoneNumberID string `json:"phone_number_id"`
		} `json:"metadata"`
		Contacts []struct {
			WaID    string `json:"wa_id"`
			Profile struct {
				Name string `json:"name"`
			} `json:"profile"`
		} `json:"contacts"`
		Messages []wireMessage `json:"messages"`
		Statuses []wireStatus  `json:"statuses"`
	}
	wireMessage struct {
		From      string `json:"from"`
		ID        string `json:"id"`
		Timestamp string `json:"timestamp"`
		Type      string `json:"type"`
		Text      struct {
			Body string `json:"body"`
		} `json:"text"`
		Interactive struct {
			Type        string `json:"type"`
			ButtonReply struct {
				ID    string `json:"id"`
				Title string `json:"title"`
			} `json:"button_reply"`
			ListReply struct {
				ID          string `json:"id"`
				Title       string `json:"title"`
				Description string `json:"description"`
			} `json:"list_reply"`
		} `json:"interactive"`
		// Image, Video and Document may carry a caption: it tells the
		// language of the note that answers them.
		Image    media `json:"image"`
		Video    media `json:"video"`
		Document media `json:"document"`
		// Button is a template's quick-reply button pressed.
		Button struct {
			Text    string `json:"text"`
			Payload string `json:"payload"`
		} `json:"button"`
	}
	media struct {
		Caption string `json:"caption"`
	}
	wireStatus struct {
		ID          string      `json:"id"`
		Status      string      `json:"status"`
		Timestamp   string      `json:"timestamp"`
		RecipientID string      `json:"recipient_id"`
		Errors      []wireError `json:"errors"`
	}
	wireError struct {
		Code      int    `json:"code"`
		Title     string `json:"title"`
		Message   string `json:"message"`
		ErrorData struct {
			Details string `json:"details"`
		} `json:"error_data"`
	}
)

// Kind says what Faro does with an inbound message.
type Kind int

const (
	// KindText is text to answer: a text message, or the title of a
	// button or list item the person chose.
	KindText Kind = iota + 1
	// KindUnsupported is something Faro cannot read yet (an image, a voice
	// note, a location…): it is answered with a short note.
	KindUnsupported
	// KindIgnored needs no answer: a reaction, a system notice (the person
	// changed number), a message deleted before it arrived.
	KindIgnored
)

// Inbound is one message a person sent, as parsed from a webhook.
type Inbound struct {
	// ID is the wamid: the platform id, unique per message.
	ID string
	// From is the sender's wa_id: their phone number, digits only.
	From string
	// Name is the profile name WhatsApp shows, when the webhook has it.
	Name string
	// PhoneNumberID is the business number it was sent to.
	PhoneNumberID string
	// Type is WhatsApp's message type (text, interactive, image…).
	Type string
	Kind Kind
	// Text is what to answer (KindText), control characters removed.
	Text string
	// Caption is the caption of an image, video or document
	// (KindUnsupported), for the language of the note.
	Caption string
	// At is WhatsApp's timestamp; zero when it sent none.
	At time.Time
}

// Status is WhatsApp's report on a message Faro sent.
type Status struct {
	// ID is the wamid of the message Faro sent.
	ID string
	// Status is sent, delivered, read or failed (or a newer one).
	Status      string
	RecipientID string
	At          time.Time
	// Detail explains a failure: "131047: Re-engagement message (…)".
	Detail string
	// Code is the failure's error code, 0 when none.
	Code int
}

// Batch is what one webhook POST carries: it may hold several entries,
// each with messages and statuses.
type Batch struct {
	Messages []Inbound
	Statuses []Status
}

// errNotWhatsApp: a well-formed notification of another product or object.
var errNotWhatsApp = errors.New("not a whatsapp_business_account notification")

// maxIDLen bounds the ids taken from a payload: wamids are about 60
// characters; anything much longer is not WhatsApp's.
const maxIDLen = 256

// Parse reads a webhook body. It fails only for a body that is not a
// WhatsApp Business notification; messages or statuses missing what Faro
// needs (an id, a sender) are left out, since answering them is
// impossible and refusing the POST would make Meta retry it for days.
func Parse(body []byte) (Batch, error) {
	var n notification
	if err := json.Unmarshal(body, &n); err != nil {
		return Batch{}, fmt.Errorf("whatsapp: parse webhook: %w", err)
	}
	if n.Object != "whatsapp_business_account" {
		return Batch{}, fmt.Errorf("whatsapp: parse webhook: object %q: %w", n.Object, errNotWhatsApp)
	}
	var b Batch
	for _, e := range n.Entry {
		for _, c := range e.Changes {
			if c.Field != "" && c.Field != "messages" {
				continue // account updates, template reviews…: not for a chat
			}
			v := c.Value
			names := map[string]string{}
			for _, ct := range v.Contacts {
				names[ct.WaID] = ct.Profile.Name
			}
			for _, m := range v.Messages {
				in, ok := parseMessage(m)
				if !ok {
					continue
				}
				in.Name = store.CleanText(names[in.From])
				in.PhoneNumberID = v.Metadata.PhoneNumberID
				b.Messages = append(b.Messages, in)
			}
			for _, s := range v.Statuses {
				if !validID(s.ID) || s.Status == "" || store.HasControl(s.Status) {
					continue
				}
				st := Status{ID: s.ID, Status: strings.ToLower(s.Status), RecipientID: s.RecipientID, At: unixTime(s.Timestamp)}
				if len(s.Errors) > 0 {
					st.Detail, st.Code = errorDetail(s.Errors[0]), s.Errors[0].Code
				}
				b.Statuses = append(b.Statuses, st)
			}
		}
	}
	return b, nil
}

func parseMessage(m wireMessage) (Inbound, bool) {
	if !validID(m.ID) || !validWaID(m.From) {
		return Inbound{}, false
	}
	in := Inbound{ID: m.ID, From: m.From, Type: m.Type, At: unixTime(m.Timestamp)}
	switch m.Type {
	case "text":
		in.Text = m.Text.Body
	case "interactive":
		switch m.Interactive.Type {
		case "button_reply":
			in.Text = m.Interactive.ButtonReply.Title
		case "list_reply":
			in.Text = m.Interactive.ListReply.Title
		}
	case "button":
		in.Text = m.Button.Text
	case "reaction", "system", "ephemeral", "request_welcome", "order":
		in.Kind = KindIgnored
		return in, true
	}
	in.Text = strings.TrimSpace(store.CleanText(in.Text))
	if in.Text == "" || !utf8.ValidString(in.Text) {
		// Media, locations, contacts, stickers, "unsupported", and a text
		// that is nothing once cleaned: the person gets the note.
		in.Text = ""
		in.Kind = KindUnsupported
		in.Caption = strings.TrimSpace(store.CleanText(m.Image.Caption + " " + m.Video.Caption + " " + m.Document.Caption))
		return in, true
	}
	in.Kind = KindText
	return in, true
}

// validID: an id the store can hold and that looks like one.
func validID(s string) bool {
	return s != "" && len(s) <= maxIDLen && !store.HasControl(s) && utf8.ValidString(s) && !strings.ContainsAny(s, " ")
}

// validWaID: a wa_id is a phone number in digits, with its country code.
func validWaID(s string) bool {
	if len(s) < 5 || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func unixTime(s string) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > 1<<40 {
		return time.Time{}
	}
	return time.Unix(n, 0).UTC()
}

func errorDetail(e wireError) string {
	msg := e.Message
	if msg == "" {
		msg = e.Title
	}
	if e.ErrorData.Details != "" && e.ErrorData.Details != msg {
		msg += " (" + e.ErrorData.Details + ")"
	}
	d := strconv.Itoa(e.Code) + ": " + msg
	d = store.CleanText(d)
	if r := []rune(d); len(r) > 500 {
		d = string(r[:500])
	}
	return d
}
