package llmtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// Forever, as Reply.Times, makes a reply answer every request from then on.
const Forever = -1

// DefaultAPIKey is the key the OpenAI and Anthropic servers expect unless
// Server.APIKey is changed before the first request.
const DefaultAPIKey = "llmtest-key"

// Reply is one scripted answer. The zero Reply is an empty answer; set Text,
// ToolCalls or both for an answer, or Status, Body or Hangup for a failure.
type Reply struct {
	// Text is the answer's text. Streamed, it is sent a word at a time.
	Text string
	// Chunks, when set, are the streamed pieces of the text, and their
	// concatenation is the text (Text is then ignored).
	Chunks []string
	// ToolCalls are the tools the model asks for, after the text.
	ToolCalls []ToolCall
	// StopReason replaces the provider's finish_reason / stop_reason /
	// done_reason, which is otherwise the right one for the answer
	// ("stop"/"tool_calls", "end_turn"/"tool_use", "stop").
	StopReason string
	// Usage replaces the token counts, which are otherwise the number of
	// words of the request's messages and of the answer.
	Usage *Usage

	// Status, other than 0 and 200, answers with that status and the
	// provider's error body (Body replaces it when set).
	Status int
	// RetryAfter is sent as the Retry-After header ("0", "2", or an HTTP
	// date).
	RetryAfter string
	// Body is sent as the whole response body, as it is, with Status (or
	// 200): for malformed answers.
	Body string
	// Hangup closes the connection without answering.
	Hangup bool

	// Delay is waited before answering at all.
	Delay time.Duration
	// ChunkDelay is waited before each streamed event after the first.
	ChunkDelay time.Duration
	// StallAfter, when positive, stops a stream after that many pieces of
	// text: the server sends nothing more and holds the connection open
	// until the client gives up.
	StallAfter int

	// Times is how many requests this reply answers: 0 means 1, [Forever]
	// means all that come.
	Times int
	// Func, when set, makes the reply from the request, for answers that
	// depend on what the client sent (a tool result, the user's words). The
	// returned Reply's Times and Func are ignored.
	Func func(Request) Reply
}

// ToolCall is a call the model asks for.
type ToolCall struct {
	// ID is the call's identifier; empty means a fresh one.
	ID string
	// Name is the tool's name.
	Name string
	// Args is the arguments as a JSON object; empty means {}.
	Args string
}

// Usage is a token count.
type Usage struct {
	PromptTokens, CompletionTokens int
}

// Request is one request as the server received and decoded it, in a form
// common to the three protocols.
type Request struct {
	// Index is its position among the server's requests, from 0.
	Index int
	// API is "openai" (chat completions, including Ollama's compatible
	// endpoint), "ollama" (its native /api/chat) or "anthropic".
	API string
	// Path is the URL path requested.
	Path string
	// Header is the request's header.
	Header http.Header
	// Body is the raw JSON body, for anything not decoded here.
	Body []byte
	// Model is the model asked for.
	Model string
	// Stream is whether the client asked for a stream (for Ollama's native
	// API, which streams unless told not to, whether it got one).
	Stream bool
	// MaxTokens is the limit on the answer's tokens, 0 when unset.
	MaxTokens int
	// System is the text of the system prompt (Anthropic's top-level system,
	// or every system message of the others, joined by blank lines).
	System string
	// Messages is the conversation, system messages included.
	Messages []Message
	// Tools are the tools offered to the model.
	Tools []Tool
	// Rejected is why the server refused the request as invalid (the test
	// has been failed already); empty for accepted requests.
	Rejected string
}

// Message is one message of a conversation.
type Message struct {
	// Role is system, user, assistant or tool (a tool's result; Anthropic's
	// tool_result blocks become messages of this role).
	Role string
	// Text is the message's text; for a tool result, the result.
	Text string
	// ToolCalls are the calls an assistant message asked for.
	ToolCalls []ToolCall
	// ToolCallID is, for a tool result, the call it answers.
	ToolCallID string
	// Name is, for a tool result, the tool's name when the protocol sends it.
	Name string
}

// Tool is a tool offered to the model.
type Tool struct {
	Name, Description string
	// Parameters is the JSON schema of the arguments.
	Parameters json.RawMessage
}

// LastUserText returns the text of the last user message.
func (r Request) LastUserText() string {
	for i := len(r.Messages) - 1; i >= 0; i-- {
		if r.Messages[i].Role == "user" {
			return r.Messages[i].Text
		}
	}
	return ""
}

// ToolResults returns the tool results in the conversation, in order.
func (r Request) ToolResults() []Message {
	var out []Message
	for _, m := range r.Messages {
		if m.Role == "tool" {
			out = append(out, m)
		}
	}
	return out
}

// LastToolResult returns the last tool result in the conversation.
func (r Request) LastToolResult() (Message, bool) {
	res := r.ToolResults()
	if len(res) == 0 {
		return Message{}, false
	}
	return res[len(res)-1], true
}

// ToolNames returns the names of the tools offered.
func (r Request) ToolNames() []string {
	names := make([]string, len(r.Tools))
	for i, t := range r.Tools {
		names[i] = t.Name
	}
	return names
}

// Server is a scripted provider on 127.0.0.1. It is closed when the test
// ends.
type Server struct {
	// URL is the server's root, http://127.0.0.1:port.
	URL string
	// APIKey is what the OpenAI and Anthropic servers expect in the
	// Authorization and x-api-key headers.
	APIKey string

	t    testing.TB
	kind string // openai, ollama or anthropic
	srv  *httptest.Server
	done chan struct{} // closed when the test ends, to release held requests

	mu       sync.Mutex
	script   []*entry
	requests []Request
	seq      int
	extra    map[string]http.Handler
}

type entry struct {
	reply Reply
	left  int // requests it still answers; Forever never runs out
}

// NewOpenAI starts an OpenAI chat completions server: POST
// /v1/chat/completions, or any path ending in /chat/completions. Point the
// client at [Server.BaseURL] with [Server.APIKey].
func NewOpenAI(t testing.TB, replies ...Reply) *Server {
	return newServer(t, "openai", replies)
}

// NewOllama starts an Ollama server: POST /api/chat (the native API) and
// /v1/chat/completions (its OpenAI-compatible API, which needs no key).
// Point the native client at [Server.BaseURL].
func NewOllama(t testing.TB, replies ...Reply) *Server {
	return newServer(t, "ollama", replies)
}

// NewAnthropic starts an Anthropic messages server: POST /v1/messages, or
// any path ending in /messages. Point the client at [Server.BaseURL] with
// [Server.APIKey].
func NewAnthropic(t testing.TB, replies ...Reply) *Server {
	return newServer(t, "anthropic", replies)
}

func newServer(t testing.TB, kind string, replies []Reply) *Server {
	t.Helper()
	s := &Server{APIKey: DefaultAPIKey, t: t, kind: kind, done: make(chan struct{}), extra: map[string]http.Handler{}}
	s.Script(replies...)
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.URL = s.srv.URL
	t.Cleanup(func() {
		close(s.done)
		s.srv.Close()
		if t.Failed() {
			return // the unused replies are then noise
		}
		if n := s.unused(); n > 0 {
			t.Errorf("llmtest: %s server: %d scripted replies were never requested", s.kind, n)
		}
	})
	return s
}

// BaseURL is what the langchaingo client is given: URL+"/v1" for OpenAI's
// WithBaseURL and Anthropic's WithBaseURL, URL for Ollama's WithServerURL.
func (s *Server) BaseURL() string {
	if s.kind == "ollama" {
		return s.URL
	}
	return s.URL + "/v1"
}

// Script appends replies to the script.
func (s *Server) Script(replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range replies {
		left := r.Times
		if left == 0 {
			left = 1
		}
		s.script = append(s.script, &entry{reply: r, left: left})
	}
}

// Handle serves another path on the same server (an embeddings endpoint,
// say), so one base URL can serve everything a client needs.
func (s *Server) Handle(path string, h http.Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.extra[path] = h
}

// Requests returns the requests received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

func (s *Server) unused() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, e := range s.script {
		if e.left > 0 {
			n++
		}
	}
	return n
}

// next takes the reply for req.
func (s *Server) next() (Reply, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.script) > 0 {
		e := s.script[0]
		if e.left == Forever {
			return e.reply, true
		}
		if e.left > 0 {
			e.left--
			if e.left == 0 {
				s.script = s.script[1:]
			}
			return e.reply, true
		}
		s.script = s.script[1:]
	}
	return Reply{}, false
}

func (s *Server) record(req Request) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	req.Index = len(s.requests)
	s.requests = append(s.requests, req)
	return req.Index
}

func (s *Server) nextID(prefix string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return fmt.Sprintf("%s%d", prefix, s.seq)
}

// api tells which protocol a path speaks on this server.
func (s *Server) api(path string) string {
	switch {
	case s.kind == "openai" && strings.HasSuffix(path, "/chat/completions"):
		return "openai"
	case s.kind == "anthropic" && strings.HasSuffix(path, "/messages"):
		return "anthropic"
	case s.kind == "ollama" && strings.HasSuffix(path, "/api/chat"):
		return "ollama"
	case s.kind == "ollama" && strings.HasSuffix(path, "/v1/chat/completions"):
		return "openai"
	}
	return ""
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	h := s.extra[r.URL.Path]
	s.mu.Unlock()
	if h != nil {
		h.ServeHTTP(w, r)
		return
	}
	api := s.api(r.URL.Path)
	if api == "" {
		s.t.Errorf("llmtest: %s server: no such endpoint: %s %s", s.kind, r.Method, r.URL.Path)
		writeError(w, s.kind, http.StatusNotFound, "llmtest: no such endpoint: "+r.URL.Path)
		return
	}
	if r.Method != http.MethodPost {
		s.t.Errorf("llmtest: %s server: %s %s: only POST is served", s.kind, r.Method, r.URL.Path)
		writeError(w, api, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return // the client went away
	}
	var req Request
	var status int
	var problem string
	switch api {
	case "openai":
		req, status, problem = s.parseOpenAI(r, body)
	case "anthropic":
		req, status, problem = s.parseAnthropic(r, body)
	case "ollama":
		req, status, problem = parseOllama(body)
	}
	req.API, req.Path, req.Header, req.Body, req.Rejected = api, r.URL.Path, r.Header.Clone(), body, problem
	idx := s.record(req)
	if problem != "" {
		s.t.Errorf("llmtest: %s server: request %d rejected as the real service would (HTTP %d): %s", s.kind, idx, status, problem)
		writeError(w, api, status, problem)
		return
	}
	req.Index = idx
	reply, ok := s.next()
	if !ok {
		msg := fmt.Sprintf("llmtest: the script has no reply left for request %d (%d requests so far)", idx, idx+1)
		s.t.Errorf("llmtest: %s server: %s; last user message: %q", s.kind, msg, req.LastUserText())
		writeError(w, api, http.StatusInternalServerError, msg)
		return
	}
	if reply.Func != nil {
		reply = reply.Func(req)
	}
	s.respond(w, r, api, req, reply)
}

func (s *Server) respond(w http.ResponseWriter, r *http.Request, api string, req Request, reply Reply) {
	if !s.sleep(r, reply.Delay) {
		return
	}
	if reply.Hangup {
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
		}
		return
	}
	if reply.RetryAfter != "" {
		w.Header().Set("Retry-After", reply.RetryAfter)
	}
	if reply.Body != "" {
		status := reply.Status
		if status == 0 {
			status = http.StatusOK
		}
		w.Header().Set("Content-Type", contentType(api, req.Stream && status == http.StatusOK))
		w.WriteHeader(status)
		io.WriteString(w, reply.Body)
		return
	}
	if reply.Status != 0 && reply.Status != http.StatusOK {
		writeError(w, api, reply.Status, fmt.Sprintf("llmtest: scripted HTTP %d", reply.Status))
		return
	}
	a, problem := s.answer(api, req, reply)
	if problem != "" {
		s.t.Errorf("llmtest: %s server: bad scripted reply for request %d: %s", s.kind, req.Index, problem)
		writeError(w, api, http.StatusInternalServerError, problem)
		return
	}
	p := &pacer{s: s, w: w, r: r, reply: reply}
	switch {
	case api == "openai" && req.Stream:
		streamOpenAI(p, req, a)
	case api == "openai":
		writeJSON(w, openAIResponse(req, a))
	case api == "anthropic" && req.Stream:
		streamAnthropic(p, req, a)
	case api == "anthropic":
		writeJSON(w, anthropicResponse(req, a))
	case api == "ollama" && req.Stream:
		streamOllama(p, req, a)
	default:
		writeJSON(w, ollamaFinal(req, a, true))
	}
}

// answer is a reply made ready to send: ids given, usage counted.
type answer struct {
	id         string
	text       string
	chunks     []string
	calls      []ToolCall
	stopReason string
	usage      Usage
}

func (s *Server) answer(api string, req Request, r Reply) (answer, string) {
	a := answer{text: r.Text, chunks: r.Chunks, stopReason: r.StopReason}
	if len(a.chunks) > 0 {
		a.text = strings.Join(a.chunks, "")
	} else {
		a.chunks = words(a.text)
	}
	prefix := map[string]string{"openai": "call_llmtest_", "anthropic": "toolu_llmtest_", "ollama": "call_llmtest_"}[api]
	for _, c := range r.ToolCalls {
		if c.Name == "" {
			return a, "a tool call has no Name"
		}
		if c.ID == "" {
			c.ID = s.nextID(prefix)
		}
		if strings.TrimSpace(c.Args) == "" {
			c.Args = "{}"
		}
		if api != "openai" {
			// Anthropic and Ollama send arguments as a JSON object, not a
			// string, so they cannot carry anything else.
			var obj map[string]any
			if err := json.Unmarshal([]byte(c.Args), &obj); err != nil {
				return a, fmt.Sprintf("tool call %s: Args %q is not a JSON object, which %s cannot send", c.Name, c.Args, api)
			}
		}
		a.calls = append(a.calls, c)
	}
	a.id = s.nextID(map[string]string{"openai": "chatcmpl-llmtest-", "anthropic": "msg_llmtest_", "ollama": "ollama-llmtest-"}[api])
	if r.Usage != nil {
		a.usage = *r.Usage
	} else {
		a.usage = Usage{PromptTokens: max(1, countWords(req)), CompletionTokens: max(1, len(strings.Fields(a.text))+len(a.calls))}
	}
	return a, ""
}

func countWords(req Request) int {
	n := 0
	for _, m := range req.Messages {
		n += len(strings.Fields(m.Text))
		for _, c := range m.ToolCalls {
			n += len(strings.Fields(c.Args))
		}
	}
	if len(req.Messages) == 0 || req.Messages[0].Role != "system" {
		n += len(strings.Fields(req.System))
	}
	return n
}

// words splits text into pieces that each start with the spaces before a
// word, the way models stream: "Hola, ¿qué tal?" → "Hola,", " ¿qué", " tal?".
func words(text string) []string {
	var out []string
	start := 0
	inSpace := false
	for i, r := range text {
		space := r == ' ' || r == '\n' || r == '\t'
		if space && !inSpace && i > start {
			out = append(out, text[start:i])
			start = i
		}
		inSpace = space
	}
	if start < len(text) {
		out = append(out, text[start:])
	}
	return out
}

// fragments splits a JSON argument string into pieces of at most 12 bytes,
// on rune boundaries, as providers stream them.
func fragments(s string) []string {
	var out []string
	for len(s) > 0 {
		n := min(12, len(s))
		for n < len(s) && !utf8.RuneStart(s[n]) {
			n++
		}
		out = append(out, s[:n])
		s = s[n:]
	}
	return out
}

// pacer sends the events of a stream, flushing each, waiting ChunkDelay
// between them, and stalling after StallAfter pieces of text.
type pacer struct {
	s        *Server
	w        http.ResponseWriter
	r        *http.Request
	reply    Reply
	sent     int
	textSent int
}

// send writes one event; false means stop (the client left or the stream
// stalled).
func (p *pacer) send(event string, isText bool) bool {
	if p.reply.StallAfter > 0 && p.textSent >= p.reply.StallAfter {
		p.s.hold(p.r)
		return false
	}
	if p.sent > 0 && !p.s.sleep(p.r, p.reply.ChunkDelay) {
		return false
	}
	if _, err := io.WriteString(p.w, event); err != nil {
		return false
	}
	if err := http.NewResponseController(p.w).Flush(); err != nil {
		return false
	}
	p.sent++
	if isText {
		p.textSent++
	}
	return true
}

// sleep waits d; false means the client left or the test ended first.
func (s *Server) sleep(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
	case <-s.done:
	}
	return false
}

// hold keeps a request open until the client leaves or the test ends.
func (s *Server) hold(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-s.done:
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func contentType(api string, stream bool) string {
	switch {
	case !stream:
		return "application/json"
	case api == "ollama":
		return "application/x-ndjson"
	default:
		return "text/event-stream"
	}
}

// writeError answers with the provider's error body.
func writeError(w http.ResponseWriter, api string, status int, msg string) {
	var body any
	switch api {
	case "anthropic":
		typ := map[int]string{400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
			404: "not_found_error", 413: "request_too_large", 429: "rate_limit_error", 529: "overloaded_error"}[status]
		if typ == "" {
			typ = "api_error"
		}
		body = map[string]any{"type": "error", "error": map[string]any{"type": typ, "message": msg}}
	case "ollama":
		body = map[string]any{"error": msg}
	default:
		typ := map[int]string{400: "invalid_request_error", 401: "invalid_request_error", 404: "invalid_request_error",
			429: "rate_limit_exceeded"}[status]
		if typ == "" {
			typ = "server_error"
		}
		body = map[string]any{"error": map[string]any{"message": msg, "type": typ, "param": nil, "code": nil}}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}
