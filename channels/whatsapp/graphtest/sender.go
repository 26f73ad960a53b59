package graphtest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Sender posts webhooks to Faro's callback URL as Meta does: a JSON
// notification signed with X-Hub-Signature-256 (sha256= and the hex
// HMAC-SHA256 of the raw body under the app secret).
type Sender struct {
	URL       string // Faro's callback URL
	AppSecret string
	server    *Server
	client    *http.Client
	mu        sync.Mutex
	n         int
}

// Sender returns a sender to Faro's callback url, signing with
// appSecret, whose people's messages open their window on s.
func (s *Server) Sender(url, appSecret string) *Sender {
	return &Sender{URL: url, AppSecret: appSecret, server: s, client: &http.Client{Timeout: 10 * time.Second}}
}

// Message is one message a person sends, for [Sender.Notification].
type Message struct {
	From string // wa_id
	Name string // profile name
	ID   string // wamid; empty makes one
	// Type is text (the default), interactive (Text is the title of a
	// button_reply), image, audio, location, sticker, reaction…
	Type    string
	Text    string
	Caption string
	At      time.Time // zero is the server's now
}

// Status is one status callback, for [Sender.Notification].
type Status struct {
	ID          string // the wamid Faro sent
	Status      string // sent, delivered, read, failed
	RecipientID string
	// ErrorCode, with ErrorTitle, explains a failed status.
	ErrorCode  int
	ErrorTitle string
}

// Notification builds the body of one webhook with one entry holding msgs
// and sts, filling the ids it makes in msgs. People who write open their
// window on the server.
func (s *Sender) Notification(msgs []*Message, sts []Status) []byte {
	s.server.mu.Lock()
	now := s.server.now()
	pnid := s.server.PhoneNumberID
	s.server.mu.Unlock()
	value := map[string]any{
		"messaging_product": "whatsapp",
		"metadata":          map[string]any{"display_phone_number": "15550001234", "phone_number_id": pnid},
	}
	var contacts, messages, statuses []map[string]any
	for _, m := range msgs {
		if m.ID == "" {
			s.mu.Lock()
			s.n++
			m.ID = fmt.Sprintf("wamid.HBgNInbound%08dFQIAEhgU", s.n)
			s.mu.Unlock()
		}
		if m.At.IsZero() {
			m.At = now
		}
		if m.Type == "" {
			m.Type = "text"
		}
		contacts = append(contacts, map[string]any{"profile": map[string]any{"name": m.Name}, "wa_id": m.From})
		wm := map[string]any{"from": m.From, "id": m.ID, "timestamp": strconv.FormatInt(m.At.Unix(), 10), "type": m.Type}
		switch m.Type {
		case "text":
			wm["text"] = map[string]any{"body": m.Text}
		case "interactive":
			wm["interactive"] = map[string]any{"type": "button_reply", "button_reply": map[string]any{"id": "btn-1", "title": m.Text}}
		case "image", "video", "document":
			wm[m.Type] = map[string]any{"id": "1234567890", "mime_type": "image/jpeg", "sha256": "abc", "caption": m.Caption}
		case "audio", "sticker":
			wm[m.Type] = map[string]any{"id": "1234567890", "mime_type": "audio/ogg"}
		case "location":
			wm["location"] = map[string]any{"latitude": 19.43, "longitude": -99.13}
		case "reaction":
			wm["reaction"] = map[string]any{"message_id": "wamid.x", "emoji": "👍"}
		}
		messages = append(messages, wm)
		s.server.Wrote(m.From, m.At)
	}
	for _, st := range sts {
		ws := map[string]any{
			"id": st.ID, "status": st.Status, "timestamp": strconv.FormatInt(now.Unix(), 10), "recipient_id": st.RecipientID,
			"conversation": map[string]any{"id": "CONVERSATION_ID", "origin": map[string]any{"type": "service"}},
			"pricing":      map[string]any{"billable": true, "pricing_model": "PMP", "category": "service"},
		}
		if st.ErrorCode != 0 {
			ws["errors"] = []map[string]any{{"code": st.ErrorCode, "title": st.ErrorTitle, "message": st.ErrorTitle,
				"error_data": map[string]any{"details": st.ErrorTitle}}}
		}
		statuses = append(statuses, ws)
	}
	if contacts != nil {
		value["contacts"] = contacts
		value["messages"] = messages
	}
	if statuses != nil {
		value["statuses"] = statuses
	}
	body, _ := json.Marshal(map[string]any{
		"object": "whatsapp_business_account",
		"entry":  []map[string]any{{"id": "102290129340398", "changes": []map[string]any{{"field": "messages", "value": value}}}},
	})
	return body
}

// Batch joins several notifications' entries into one body, as Meta does
// when several events are ready at once.
func Batch(bodies ...[]byte) []byte {
	var entries []json.RawMessage
	for _, b := range bodies {
		var n struct {
			Entry []json.RawMessage `json:"entry"`
		}
		_ = json.Unmarshal(b, &n)
		entries = append(entries, n.Entry...)
	}
	out, _ := json.Marshal(map[string]any{"object": "whatsapp_business_account", "entry": entries})
	return out
}

// Sign is the X-Hub-Signature-256 of body under the sender's app secret.
func (s *Sender) Sign(body []byte) string {
	m := hmac.New(sha256.New, []byte(s.AppSecret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Post signs body and posts it; it returns the HTTP status Faro answered.
func (s *Sender) Post(body []byte) (int, error) {
	return s.PostSigned(body, s.Sign(body))
}

// PostSigned posts body with signature as X-Hub-Signature-256 (none when
// empty): forged and unsigned requests.
func (s *Sender) PostSigned(body []byte, signature string) (int, error) {
	req, err := http.NewRequest(http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "facebookexternalua")
	if signature != "" {
		req.Header.Set("X-Hub-Signature-256", signature)
	}
	res, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	_ = res.Body.Close()
	return res.StatusCode, nil
}

// Say posts one text message from waID and returns its wamid and the
// status Faro answered.
func (s *Sender) Say(waID, name, text string) (string, int, error) {
	m := &Message{From: waID, Name: name, Text: text}
	code, err := s.Post(s.Notification([]*Message{m}, nil))
	return m.ID, code, err
}

// Deliver posts Meta's retries of body until Faro answers 200 or tries
// run out, as Meta retries any other answer; it returns the last status.
func (s *Sender) Deliver(body []byte, tries int, wait time.Duration) (int, error) {
	var code int
	var err error
	for range tries {
		if code, err = s.Post(body); err == nil && code == http.StatusOK {
			return code, nil
		}
		time.Sleep(wait)
	}
	return code, err
}
