// Package telegramtest is a local Bot API server for tests: the real
// go-telegram/bot client talks to it through bot.WithServerURL, in the
// real wire format (multipart form requests, {"ok":…} answers, 429 with
// parameters.retry_after, 400 for markup Telegram cannot parse or a text
// over 4096 characters), and it sends updates to a webhook the way
// Telegram does (JSON with the secret token header) or serves them to
// getUpdates.
//
// What it does not model: Telegram's rate limits by themselves (a test
// scripts a 429), file downloads by URL (sendDocument accepts any http(s)
// URL), message entities other than the HTML parse mode, chat membership,
// and the whole of the HTML grammar (it checks the tags Telegram
// supports, their nesting, and entities).
package telegramtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"
)

// BotID and Username are the fake bot's; Token is a token of BotID.
const (
	BotID    = 7000001
	Username = "faro_test_bot"
	Token    = "7000001:AAtest_token_for_the_fake_bot_api"
)

// Sent is one call the server answered with success.
type Sent struct {
	Method    string
	ChatID    int64
	Text      string // text, or a document's caption
	ParseMode string
	ReplyTo   int
	Document  string
	MessageID int
	At        time.Time
}

// Parts is 1: a Sent is one message (kept for readable assertions).
func (Sent) Parts() int { return 1 }

// SecretHeader is the webhook's secret token header.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// Fault is an answer the server gives instead of success.
type Fault struct {
	Status int
	Body   string
}

// TooMany is a 429 with retry_after seconds, as Telegram sends it.
func TooMany(retryAfter int) Fault {
	return Fault{429, fmt.Sprintf(`{"ok":false,"error_code":429,"description":"Too Many Requests: retry after %d","parameters":{"retry_after":%d}}`, retryAfter, retryAfter)}
}

// BadGateway is what Telegram's front answers while it is down.
func BadGateway() Fault {
	return Fault{502, "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"}
}

// Server is the fake Bot API.
type Server struct {
	*httptest.Server
	t testing.TB

	mu      sync.Mutex
	sent    []Sent
	calls   map[string]int
	faults  map[string][]Fault
	down    bool
	nextID  int
	updates []json.RawMessage
	posted  chan struct{}
	rejects []string
}

// New starts the server on 127.0.0.1; it stops when the test ends.
func New(t testing.TB) *Server {
	s := &Server{t: t, calls: map[string]int{}, faults: map[string][]Fault{}, nextID: 100, posted: make(chan struct{}, 1)}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// Fail queues faults for the next calls of method, in order.
func (s *Server) Fail(method string, fs ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[method] = append(s.faults[method], fs...)
}

// SetDown makes every sendMessage answer 502 while down.
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// Sent returns the successful calls of method ("" for all), in order.
func (s *Server) Sent(method string) []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Sent
	for _, m := range s.sent {
		if method == "" || m.Method == method {
			out = append(out, m)
		}
	}
	return out
}

// Calls counts the calls of method, answered or not.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// Rejected lists the descriptions of the 400s the server answered.
func (s *Server) Rejected() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.rejects...)
}

// WaitSent waits until method has n successful calls and returns them.
func (s *Server) WaitSent(method string, n int, within time.Duration) []Sent {
	s.t.Helper()
	deadline := time.Now().Add(within)
	for {
		if got := s.Sent(method); len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("telegramtest: %d %s calls after %s, want %d", len(s.Sent(method)), method, within, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Queue makes update available to getUpdates.
func (s *Server) Queue(update any) {
	raw, err := json.Marshal(update)
	if err != nil {
		s.t.Fatalf("telegramtest: %v", err)
	}
	s.mu.Lock()
	s.updates = append(s.updates, raw)
	s.mu.Unlock()
	select {
	case s.posted <- struct{}{}:
	default:
	}
}

var pathPattern = regexp.MustCompile(`^/bot([^/]+)/([A-Za-z]+)$`)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	m := pathPattern.FindStringSubmatch(r.URL.Path)
	if r.Method != http.MethodPost && r.Method != http.MethodGet || m == nil {
		answer(w, 404, `{"ok":false,"error_code":404,"description":"Not Found"}`)
		return
	}
	token, method := m[1], m[2]
	if token != Token {
		answer(w, 401, `{"ok":false,"error_code":401,"description":"Unauthorized"}`)
		return
	}
	params, err := readParams(r)
	if err != nil {
		answer(w, 400, fmt.Sprintf(`{"ok":false,"error_code":400,"description":%q}`, "Bad Request: "+err.Error()))
		return
	}
	s.mu.Lock()
	s.calls[method]++
	var fault *Fault
	if fs := s.faults[method]; len(fs) > 0 {
		fault, s.faults[method] = &fs[0], fs[1:]
	} else if s.down && method != "getUpdates" {
		f := BadGateway()
		fault = &f
	}
	s.mu.Unlock()
	if fault != nil {
		answer(w, fault.Status, fault.Body)
		return
	}
	switch method {
	case "getMe":
		ok(w, map[string]any{"id": BotID, "is_bot": true, "first_name": "Faro", "username": Username})
	case "deleteWebhook", "setWebhook":
		ok(w, true)
	case "sendChatAction":
		s.record(Sent{Method: method, ChatID: atoi64(params["chat_id"]), Text: params["action"]})
		ok(w, true)
	case "sendMessage", "editMessageText":
		s.sendMessage(w, method, params)
	case "sendDocument":
		doc := params["document"]
		if !strings.HasPrefix(doc, "http://") && !strings.HasPrefix(doc, "https://") {
			s.reject(w, "Bad Request: wrong remote file identifier specified")
			return
		}
		id := s.record(Sent{Method: method, ChatID: atoi64(params["chat_id"]), Text: params["caption"], Document: doc})
		ok(w, message(id, params["chat_id"], params["caption"]))
	case "getUpdates":
		s.getUpdates(w, r.Context(), params)
	default:
		answer(w, 404, `{"ok":false,"error_code":404,"description":"Not Found: method not found"}`)
	}
}

func (s *Server) sendMessage(w http.ResponseWriter, method string, p map[string]string) {
	text := p["text"]
	if strings.TrimSpace(text) == "" {
		s.reject(w, "Bad Request: message text is empty")
		return
	}
	visible := text
	if strings.EqualFold(p["parse_mode"], "HTML") {
		v, err := checkHTML(text)
		if err != nil {
			s.reject(w, "Bad Request: can't parse entities: "+err.Error())
			return
		}
		visible = v
	}
	if len(utf16.Encode([]rune(visible))) > 4096 {
		s.reject(w, "Bad Request: message is too long")
		return
	}
	var reply struct {
		MessageID int `json:"message_id"`
	}
	if rp := p["reply_parameters"]; rp != "" {
		_ = json.Unmarshal([]byte(rp), &reply)
	}
	id := s.record(Sent{Method: method, ChatID: atoi64(p["chat_id"]), Text: text, ParseMode: p["parse_mode"], ReplyTo: reply.MessageID})
	ok(w, message(id, p["chat_id"], visible))
}

func (s *Server) getUpdates(w http.ResponseWriter, ctx context.Context, p map[string]string) {
	offset := atoi64(p["offset"])
	wait := min(time.Duration(atoi64(p["timeout"]))*time.Second, 500*time.Millisecond)
	deadline := time.Now().Add(wait)
	for {
		var out []json.RawMessage
		s.mu.Lock()
		for _, u := range s.updates {
			var head struct {
				ID int64 `json:"update_id"`
			}
			_ = json.Unmarshal(u, &head)
			if head.ID >= offset {
				out = append(out, u)
			}
		}
		s.mu.Unlock()
		if len(out) > 0 || time.Now().After(deadline) {
			if out == nil {
				out = []json.RawMessage{}
			}
			ok(w, out)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-s.posted:
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (s *Server) record(m Sent) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	m.MessageID, m.At = s.nextID, time.Now()
	s.sent = append(s.sent, m)
	return s.nextID
}

func (s *Server) reject(w http.ResponseWriter, description string) {
	s.mu.Lock()
	s.rejects = append(s.rejects, description)
	s.mu.Unlock()
	answer(w, 400, fmt.Sprintf(`{"ok":false,"error_code":400,"description":%q}`, description))
}

func message(id int, chatID, text string) map[string]any {
	return map[string]any{"message_id": id, "date": time.Now().Unix(), "text": text,
		"chat": map[string]any{"id": atoi64(chatID), "type": "private"},
		"from": map[string]any{"id": BotID, "is_bot": true, "first_name": "Faro", "username": Username}}
}

func ok(w http.ResponseWriter, result any) {
	raw, _ := json.Marshal(map[string]any{"ok": true, "result": result})
	answer(w, 200, string(raw))
}

func answer(w http.ResponseWriter, status int, body string) {
	if strings.HasPrefix(body, "{") {
		w.Header().Set("Content-Type", "application/json")
	} else {
		w.Header().Set("Content-Type", "text/html")
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// readParams reads a call's parameters: multipart form (what
// go-telegram/bot sends), URL-encoded form, JSON or the query string.
func readParams(r *http.Request) (map[string]string, error) {
	out := map[string]string{}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil // a method without parameters sends an empty form
			}
			return nil, err
		}
		for k, v := range r.MultipartForm.Value {
			out[k] = v[0]
		}
	case "application/json":
		var m map[string]any
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			return nil, err
		}
		for k, v := range m {
			if s, isString := v.(string); isString {
				out[k] = s
			} else {
				raw, _ := json.Marshal(v)
				out[k] = string(raw)
			}
		}
	default:
		if err := r.ParseForm(); err != nil {
			return nil, err
		}
		for k, v := range r.Form {
			out[k] = v[0]
		}
	}
	return out, nil
}

func atoi64(s string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return n
}

// allowedTags are the tags of Telegram's HTML parse mode.
var allowedTags = map[string]bool{
	"b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true, "s": true, "strike": true, "del": true,
	"span": true, "tg-spoiler": true, "a": true, "code": true, "pre": true, "blockquote": true, "tg-emoji": true,
}

var (
	tagPattern    = regexp.MustCompile(`^<(/?)([a-z-]+)((?:\s+[a-z-]+="[^"<>]*")*)\s*>`)
	entityPattern = regexp.MustCompile(`^&(lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});`)
)

// checkHTML parses text as Telegram's HTML and returns the text a person
// sees, or why Telegram would refuse it.
func checkHTML(text string) (string, error) {
	var (
		stack   []string
		visible strings.Builder
	)
	for i := 0; i < len(text); {
		switch text[i] {
		case '<':
			m := tagPattern.FindStringSubmatch(text[i:])
			if m == nil {
				return "", fmt.Errorf("unsupported start tag at byte offset %d", i)
			}
			name := m[2]
			if !allowedTags[name] {
				return "", fmt.Errorf("unsupported start tag %q at byte offset %d", name, i)
			}
			if m[1] == "/" {
				if len(stack) == 0 || stack[len(stack)-1] != name {
					return "", fmt.Errorf("unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", i, top(stack), name)
				}
				stack = stack[:len(stack)-1]
			} else {
				stack = append(stack, name)
			}
			i += len(m[0])
		case '&':
			m := entityPattern.FindString(text[i:])
			if m == "" {
				// Telegram takes a lone '&' as text; a malformed entity
				// like "&foo;" is refused.
				if e := regexp.MustCompile(`^&[A-Za-z0-9#]+;`).FindString(text[i:]); e != "" {
					return "", fmt.Errorf("unsupported entity %q at byte offset %d", e, i)
				}
				visible.WriteByte('&')
				i++
				continue
			}
			visible.WriteString(html.UnescapeString(m))
			i += len(m)
		case '>':
			visible.WriteByte('>')
			i++
		default:
			visible.WriteByte(text[i])
			i++
		}
	}
	if len(stack) > 0 {
		return "", fmt.Errorf("can't find end tag corresponding to start tag %q", top(stack))
	}
	return visible.String(), nil
}

func top(stack []string) string {
	if len(stack) == 0 {
		return ""
	}
	return stack[len(stack)-1]
}
