// Package graphtest is a local stand-in for the WhatsApp Cloud API, for
// tests: a Graph API server on 127.0.0.1 answering
// POST /{version}/{phone-number-id}/messages in the API's shapes (its
// answers, its errors, its throttling codes, the 24-hour window), and a
// sender that posts webhooks to Faro signed the way Meta signs them.
//
// What it does not model: media upload and download, the typing
// indicator's 25-second expiry, delivery to a phone (statuses are sent
// only when a test asks), template approval and parameters, and the
// asynchronous form of errors (the real API may accept a message and
// report 131047 later in a failed status; here the send answers it).
package graphtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// Sent is one message the server accepted.
type Sent struct {
	ID   string // the wamid it answered
	To   string
	Type string // text, template, document
	// Text is a text message's body; Template and Language a template's;
	// Link and Filename a document's.
	Text, Template, Language, Link, Filename string
	At                                       time.Time
}

// Failure is an error the server answers instead of sending, in the Graph
// API's shape.
type Failure struct {
	HTTPStatus int
	Code       int
	Subcode    int
	Type       string
	Message    string
}

// The failures tests use most.
var (
	Throughput   = Failure{HTTPStatus: 400, Code: 130429, Type: "OAuthException", Message: "(#130429) Rate limit hit"}
	PairRate     = Failure{HTTPStatus: 400, Code: 131056, Type: "OAuthException", Message: "(#131056) (Business Account, Consumer Account) pair rate limit hit"}
	AccountRate  = Failure{HTTPStatus: 400, Code: 80007, Type: "OAuthException", Message: "(#80007) Rate limit issues"}
	Unavailable  = Failure{HTTPStatus: 503, Code: 2, Type: "OAuthException", Message: "Service temporarily unavailable"}
	UnknownError = Failure{HTTPStatus: 500, Code: 1, Type: "OAuthException", Message: "An unknown error has occurred."}
)

// Server is the stand-in Graph API.
type Server struct {
	URL           string
	Version       string
	PhoneNumberID string
	Token         string

	srv *httptest.Server
	mu  sync.Mutex
	now func() time.Time
	// lastInbound is when each wa_id last wrote (fed by the Sender), for
	// the 24-hour window; a wa_id never seen may get templates only.
	lastInbound map[string]time.Time
	sent        []Sent
	typing      []string
	failures    []Failure
	down        bool
	calls       int
	n           int
}

// New starts a server for one business number, stopped when t ends.
func New(t testing.TB) *Server {
	s := &Server{
		Version: "v21.0", PhoneNumberID: "106540352242922", Token: "EAAGtest-token",
		now: time.Now, lastInbound: map[string]time.Time{},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// SetNow sets the server's clock (the window's).
func (s *Server) SetNow(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// Wrote records that waID wrote at t, opening their window (the Sender
// calls it for every message it posts).
func (s *Server) Wrote(waID string, t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t.After(s.lastInbound[waID]) {
		s.lastInbound[waID] = t
	}
}

// Fail makes the next calls answer fs, in order, instead of sending.
func (s *Server) Fail(fs ...Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, fs...)
}

// SetDown makes every call answer 503 until SetDown(false).
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// Sent returns the messages sent so far, in order.
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.sent...)
}

// SentTo returns the messages sent to waID, in order.
func (s *Server) SentTo(waID string) []Sent {
	var out []Sent
	for _, m := range s.Sent() {
		if m.To == waID {
			out = append(out, m)
		}
	}
	return out
}

// Typing returns the message ids the typing indicator was shown for.
func (s *Server) Typing() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.typing...)
}

// Calls is the number of requests answered, failed ones included.
func (s *Server) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// request is what the messages endpoint reads.
type request struct {
	MessagingProduct string `json:"messaging_product"`
	To               string `json:"to"`
	Type             string `json:"type"`
	Status           string `json:"status"`
	MessageID        string `json:"message_id"`
	TypingIndicator  *struct {
		Type string `json:"type"`
	} `json:"typing_indicator"`
	Text *struct {
		Body string `json:"body"`
	} `json:"text"`
	Template *struct {
		Name     string `json:"name"`
		Language struct {
			Code string `json:"code"`
		} `json:"language"`
	} `json:"template"`
	Document *struct {
		Link     string `json:"link"`
		Filename string `json:"filename"`
	} `json:"document"`
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	want := "/" + s.Version + "/" + s.PhoneNumberID + "/messages"
	switch {
	case r.Method != http.MethodPost || r.URL.Path != want:
		graphError(w, Failure{HTTPStatus: 400, Code: 100, Type: "GraphMethodException",
			Message: fmt.Sprintf("Unsupported %s request. Object with ID '%s' does not exist", r.Method, r.URL.Path)})
		return
	case r.Header.Get("Authorization") != "Bearer "+s.Token:
		graphError(w, Failure{HTTPStatus: 401, Code: 190, Type: "OAuthException", Message: "Invalid OAuth access token - Cannot parse access token"})
		return
	case s.down:
		graphError(w, Unavailable)
		return
	case len(s.failures) > 0:
		f := s.failures[0]
		s.failures = s.failures[1:]
		graphError(w, f)
		return
	}
	var req request
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil || req.MessagingProduct != "whatsapp" {
		graphError(w, invalidParam("(#100) The parameter messaging_product is required."))
		return
	}
	if req.Status != "" {
		if req.Status != "read" || req.MessageID == "" {
			graphError(w, invalidParam("(#100) Invalid parameter"))
			return
		}
		if req.TypingIndicator != nil {
			s.typing = append(s.typing, req.MessageID)
		}
		writeJSON(w, 200, map[string]any{"success": true})
		return
	}
	m := Sent{To: req.To, Type: req.Type, At: s.now()}
	switch {
	case req.To == "":
		graphError(w, invalidParam("(#100) The parameter to is required."))
		return
	case req.Type == "text" && req.Text != nil:
		body := req.Text.Body
		switch {
		case strings.TrimSpace(body) == "":
			graphError(w, invalidParam("(#100) Param text['body'] is required."))
			return
		case utf8.RuneCountInString(body) > 4096:
			graphError(w, invalidParam("(#100) Param text['body'] must be at most 4096 characters long."))
			return
		}
		if !s.inWindow(req.To) {
			graphError(w, Failure{HTTPStatus: 400, Code: 131047, Type: "OAuthException",
				Message: "(#131047) Re-engagement message: more than 24 hours have passed since the recipient last replied to the sender number."})
			return
		}
		m.Text = body
	case req.Type == "template" && req.Template != nil && req.Template.Name != "" && req.Template.Language.Code != "":
		m.Template, m.Language = req.Template.Name, req.Template.Language.Code
	case req.Type == "document" && req.Document != nil && (strings.HasPrefix(req.Document.Link, "https://") || strings.HasPrefix(req.Document.Link, "http://")):
		if !s.inWindow(req.To) {
			graphError(w, Failure{HTTPStatus: 400, Code: 131047, Type: "OAuthException", Message: "(#131047) Re-engagement message"})
			return
		}
		m.Link, m.Filename = req.Document.Link, req.Document.Filename
	default:
		graphError(w, invalidParam(fmt.Sprintf("(#100) Invalid parameter: type %q", req.Type)))
		return
	}
	s.n++
	m.ID = fmt.Sprintf("wamid.HBgLFaroTest%08dFQIAERgS", s.n)
	s.sent = append(s.sent, m)
	writeJSON(w, 200, map[string]any{
		"messaging_product": "whatsapp",
		"contacts":          []map[string]string{{"input": req.To, "wa_id": req.To}},
		"messages":          []map[string]string{{"id": m.ID}},
	})
}

// inWindow reports whether free-form messages may go to waID now.
func (s *Server) inWindow(waID string) bool {
	last, ok := s.lastInbound[waID]
	return ok && s.now().Sub(last) < 24*time.Hour
}

func invalidParam(msg string) Failure {
	return Failure{HTTPStatus: 400, Code: 100, Type: "OAuthException", Message: msg}
}

func graphError(w http.ResponseWriter, f Failure) {
	body := map[string]any{"message": f.Message, "type": f.Type, "code": f.Code, "fbtrace_id": "AbCdEfGhIjKlMnOp"}
	if f.Subcode != 0 {
		body["error_subcode"] = f.Subcode
	}
	writeJSON(w, f.HTTPStatus, map[string]any{"error": body})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
