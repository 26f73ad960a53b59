package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/store"
)

// Turner answers one message; *agent.Agent satisfies it.
type Turner interface {
	Turn(ctx context.Context, msg agent.Message, stream func(delta string)) (agent.Reply, error)
}

var _ Turner = (*agent.Agent)(nil)

// streamWriteTimeout bounds one write of a streamed reply, so a client
// that stops reading is dropped instead of holding the handler.
const streamWriteTimeout = 30 * time.Second

// ModelID is the one model the OpenAI-compatible API lists: Faro itself,
// with its knowledge base and tools.
const ModelID = "faro"

// ConversationHeader names the conversation of an OpenAI-compatible request
// when the caller keeps its own ids; it comes back on every response.
const ConversationHeader = "X-Faro-Conversation"

// ChatRequest is the part of OpenAI's chat completion request Faro reads.
// Other fields (temperature, tools…) are accepted and ignored: Faro decides
// its own sampling and tools.
type ChatRequest struct {
	Model         string        `json:"model"`
	Messages      []ChatMessage `json:"messages"`
	Stream        bool          `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options,omitempty"`
	// User is the caller's id for the end user; it names the conversation
	// when no X-Faro-Conversation header does.
	User string `json:"user"`
}

// ChatMessage is one message of a chat completion request or response.
type ChatMessage struct {
	Role    string      `json:"role"`
	Content ChatContent `json:"content" text:"free"`
}

// ChatContent is a message's content: a string, or an array of parts of
// which the text parts are read.
type ChatContent string

// UnmarshalJSON reads a string, null, or an array of content parts.
func (c *ChatContent) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*c = ""
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*c = ChatContent(s)
		return nil
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(b, &parts); err != nil {
		return errors.New("content must be a string or an array of content parts")
	}
	var sb strings.Builder
	for _, p := range parts {
		if p.Type == "text" {
			if sb.Len() > 0 {
				sb.WriteString("\n")
			}
			sb.WriteString(p.Text)
		}
	}
	*c = ChatContent(sb.String())
	return nil
}

// ChatCompletion is OpenAI's chat.completion object.
type ChatCompletion struct {
	ID      string       `json:"id"`
	Object  string       `json:"object"`
	Created int64        `json:"created"`
	Model   string       `json:"model"`
	Choices []ChatChoice `json:"choices"`
	Usage   ChatUsage    `json:"usage"`
	// Faro carries what OpenAI's format has no place for; clients ignore it.
	Faro *ChatExtras `json:"faro,omitempty"`
}

// ChatChoice is one choice of a ChatCompletion.
type ChatChoice struct {
	Index        int              `json:"index"`
	Message      ChatReplyMessage `json:"message"`
	FinishReason string           `json:"finish_reason"`
}

// ChatReplyMessage is the assistant's message of a choice.
type ChatReplyMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// ChatUsage is OpenAI's token usage.
type ChatUsage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// ChatExtras is Faro's own data on a reply.
type ChatExtras struct {
	ConversationID string           `json:"conversation_id"`
	Outcome        agent.Outcome    `json:"outcome"`
	Language       string           `json:"language"`
	Citations      []agent.Citation `json:"citations,omitempty"`
	Handoff        bool             `json:"handoff,omitempty"`
}

// ChatChunk is OpenAI's chat.completion.chunk object, one per SSE event.
type ChatChunk struct {
	ID      string            `json:"id"`
	Object  string            `json:"object"`
	Created int64             `json:"created"`
	Model   string            `json:"model"`
	Choices []ChatChunkChoice `json:"choices"`
	Usage   *ChatUsage        `json:"usage,omitempty"`
}

// ChatChunkChoice is one choice of a ChatChunk.
type ChatChunkChoice struct {
	Index        int       `json:"index"`
	Delta        ChatDelta `json:"delta"`
	FinishReason *string   `json:"finish_reason"`
}

// ChatDelta is what a chunk adds to the message.
type ChatDelta struct {
	Role    string `json:"role,omitempty"`
	Content string `json:"content,omitempty"`
}

// ModelList is OpenAI's list of models.
type ModelList struct {
	Object string  `json:"object"`
	Data   []Model `json:"data"`
}

// Model is OpenAI's model object.
type Model struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

func (s *Server) listModels(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, ModelList{Object: "list", Data: []Model{faroModel()}})
}

func (s *Server) getModel(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("model") != ModelID {
		s.writeError(w, r, Errorf(CodeNotFound, "the model %q does not exist; use %q", r.PathValue("model"), ModelID))
		return
	}
	writeJSON(w, http.StatusOK, faroModel())
}

func faroModel() Model { return Model{ID: ModelID, Object: "model", OwnedBy: "faro"} }

// chatTurn is a request turned into the agent's message.
type chatTurn struct {
	msg            agent.Message
	conversationID string // the caller's id of the conversation
}

// turnOf makes the agent's message of a chat request: only the last user
// message is new (Faro keeps the earlier ones in its own history), the
// key's role is the caller's role, and the conversation is the header's,
// else the user field's, else a hash of the key and the first user
// message, so a client resending the whole history stays in one
// conversation. Conversations are namespaced by key: one key never reaches
// another's.
func turnOf(r *http.Request, p Principal, req ChatRequest) (chatTurn, error) {
	if req.Model != "" && req.Model != ModelID {
		return chatTurn{}, Errorf(CodeNotFound, "the model %q does not exist; use %q", req.Model, ModelID)
	}
	var first, last string
	for _, m := range req.Messages {
		if m.Role == "user" && strings.TrimSpace(string(m.Content)) != "" {
			if first == "" {
				first = string(m.Content)
			}
			last = string(m.Content)
		}
	}
	if last == "" {
		return chatTurn{}, Errorf(CodeInvalid, "messages must hold a user message with text")
	}
	conv := strings.TrimSpace(r.Header.Get(ConversationHeader))
	if conv == "" {
		conv = strings.TrimSpace(req.User)
	}
	if conv == "" {
		sum := sha256.Sum256([]byte(p.Name + "\x00" + first))
		conv = hex.EncodeToString(sum[:12])
	}
	if len(conv) > 128 || !validRequestID(conv) {
		return chatTurn{}, Errorf(CodeInvalid, "the conversation id must be at most 128 visible ASCII characters")
	}
	sender := p.Name
	if req.User != "" && validRequestID(req.User) && len(req.User) <= 128 {
		sender = p.Name + "/" + req.User
	}
	return chatTurn{
		conversationID: conv,
		msg: agent.Message{
			Channel: agent.APIChannel,
			ChatID:  p.Name + "/" + conv,
			Sender:  store.Identity{Channel: agent.APIChannel, ExternalID: sender},
			Text:    last,
			Role:    p.Role.AgentRole(),
		},
	}, nil
}

func (s *Server) chatCompletions(w http.ResponseWriter, r *http.Request) {
	var req ChatRequest
	if err := decodeBody(w, r, &req, 4<<20, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	p, _ := PrincipalFrom(r.Context())
	t, err := turnOf(r, p, req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set(ConversationHeader, t.conversationID)
	id := "chatcmpl-" + newRequestID()
	created := s.opts.Clock().Unix()
	if req.Stream {
		s.streamChat(w, r, t, id, created, req.StreamOptions != nil && req.StreamOptions.IncludeUsage)
		return
	}
	reply, err := s.opts.Agent.Turn(r.Context(), t.msg, nil)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("chat completion: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, ChatCompletion{
		ID: id, Object: "chat.completion", Created: created, Model: ModelID,
		Choices: []ChatChoice{{Message: ChatReplyMessage{Role: "assistant", Content: reply.Text}, FinishReason: "stop"}},
		Usage:   usageOf(reply.Usage),
		Faro:    extrasOf(reply),
	})
}

func usageOf(u agent.Usage) ChatUsage {
	return ChatUsage{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, TotalTokens: u.PromptTokens + u.CompletionTokens}
}

func extrasOf(r agent.Reply) *ChatExtras {
	return &ChatExtras{ConversationID: r.ConversationID, Outcome: r.Outcome, Language: r.Language, Citations: r.Citations, Handoff: r.Handoff}
}

// streamChat answers in OpenAI's server-sent events: a first chunk with
// the role, a chunk per piece of text, a last chunk with finish_reason,
// the usage chunk when asked for, and "data: [DONE]".
//
// The agent streams a preview and returns the final text, which may differ
// (citation markers that cite nothing are dropped, a withheld answer is
// replaced): when the final text continues what was streamed, the rest is
// sent; otherwise what was streamed stands, and the difference is logged.
func (s *Server) streamChat(w http.ResponseWriter, r *http.Request, t chatTurn, id string, created int64, includeUsage bool) {
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no") // proxies must not hold events back
	w.WriteHeader(http.StatusOK)

	chunk := func(delta ChatDelta, finish *string) ChatChunk {
		return ChatChunk{ID: id, Object: "chat.completion.chunk", Created: created, Model: ModelID,
			Choices: []ChatChunkChoice{{Delta: delta, FinishReason: finish}}}
	}
	send := func(v any) {
		b, err := json.Marshal(v)
		if err != nil {
			return // our own types always encode
		}
		// A client that went away, or stopped reading, is not an error of
		// the turn, which goes on and is persisted; its writes just fail.
		_ = rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
		_, _ = fmt.Fprintf(w, "data: %s\n\n", b)
		_ = rc.Flush()
	}
	send(chunk(ChatDelta{Role: "assistant"}, nil))

	// The agent calls stream from its own goroutine and must never wait on
	// this client: its text is gathered under a lock and this goroutine,
	// the only one writing the response, sends whatever has gathered.
	var (
		mu      sync.Mutex
		pending strings.Builder
	)
	wake := make(chan struct{}, 1)
	type result struct {
		reply agent.Reply
		err   error
	}
	done := make(chan result, 1)
	go func() {
		reply, err := s.opts.Agent.Turn(r.Context(), t.msg, func(d string) {
			mu.Lock()
			pending.WriteString(d)
			mu.Unlock()
			select {
			case wake <- struct{}{}:
			default:
			}
		})
		done <- result{reply, err}
	}()
	var streamed strings.Builder
	flush := func() {
		mu.Lock()
		d := pending.String()
		pending.Reset()
		mu.Unlock()
		if d != "" {
			streamed.WriteString(d)
			send(chunk(ChatDelta{Content: d}, nil))
		}
	}
	var res result
loop:
	for {
		select {
		case <-wake:
			flush()
		case res = <-done:
			flush() // what came before Turn returned
			break loop
		}
	}
	if res.err != nil {
		s.log(r.Context()).Error("chat completion failed while streaming", "err", res.err)
		code, msg := classify(res.err)
		send(ErrorBody{Error: ErrorDetail{Code: code, Message: msg}})
		_, _ = io.WriteString(w, "data: [DONE]\n\n")
		_ = rc.Flush()
		return
	}
	final, sent := res.reply.Text, streamed.String()
	switch {
	case strings.HasPrefix(final, sent):
		if rest := final[len(sent):]; rest != "" {
			send(chunk(ChatDelta{Content: rest}, nil))
		}
	default:
		s.log(r.Context()).Info("streamed preview differs from the final reply", "conversation_id", res.reply.ConversationID,
			"streamed_chars", len(sent), "final_chars", len(final))
	}
	stop := "stop"
	send(chunk(ChatDelta{}, &stop))
	if includeUsage {
		u := usageOf(res.reply.Usage)
		send(ChatChunk{ID: id, Object: "chat.completion.chunk", Created: created, Model: ModelID, Choices: []ChatChunkChoice{}, Usage: &u})
	}
	_, _ = io.WriteString(w, "data: [DONE]\n\n")
	_ = rc.Flush()
}
