package agent

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/faroai/faro/knowledge"
	"github.com/faroai/faro/store"
	"github.com/faroai/faro/tools"
)

// Message is one inbound message as a channel adapter hands it to
// [Agent.Turn], after verifying the platform's signature.
type Message struct {
	// Channel is web, telegram, whatsapp, slack, discord, mattermost or
	// api.
	Channel string
	// PlatformID is the platform's id of the message (update_id, wamid,
	// event_id, client_msg_id…). With Channel it makes a re-delivery
	// recognisable: a message already handled is answered from the store
	// and nothing runs again. Empty means no dedupe.
	PlatformID string
	// ChatID is the platform's conversation, chat or thread id; it finds
	// the conversation (store.Conversation.ExternalID). Empty means the
	// sender's direct chat, Sender.ExternalID.
	ChatID string
	// Sender is who wrote it; an empty Sender.Channel means Channel.
	Sender store.Identity
	// SenderName is the name the platform shows, for a new contact.
	SenderName string
	// Text is what they wrote. It must not be empty.
	Text string
	// Role is set only by trusted code that authenticated the caller
	// itself (the API with a key that carries a role, an evaluation);
	// empty means the role is resolved by the agent's RoleResolver. Never
	// copy it from anything the user sent.
	Role store.Role
	// ReceivedAt is when the platform received it; zero means now.
	ReceivedAt time.Time
}

// Outcome says how a turn ended.
type Outcome string

// The outcomes of a turn.
const (
	// OutcomeAnswered: the model answered.
	OutcomeAnswered Outcome = "answered"
	// OutcomeHandedOff: the conversation is with a person; the bot did
	// not answer (Reply.Text is empty).
	OutcomeHandedOff Outcome = "handed_off"
	// OutcomeStepLimit: the model still wanted tools after MaxSteps calls.
	OutcomeStepLimit Outcome = "step_limit"
	// OutcomeToolLimit: the model asked for more tool calls than
	// MaxToolCallsPerTurn allows.
	OutcomeToolLimit Outcome = "tool_limit"
	// OutcomeBudget: a token budget is spent; the reply offers a person.
	OutcomeBudget Outcome = "budget"
	// OutcomeTimeout: the turn ran out of TurnTimeout.
	OutcomeTimeout Outcome = "timeout"
	// OutcomeError: the turn failed (the model and its fallback, or the
	// store); Turn returned an error and nothing was persisted as a reply,
	// so a re-delivery of the message tries again.
	OutcomeError Outcome = "error"
)

// Reply is what a turn answers to one inbound message.
type Reply struct {
	// ConversationID is the conversation the message belongs to.
	ConversationID string
	// InboundSeq is the Seq of the caller's message in the conversation.
	InboundSeq int64
	// MessageID and Seq identify the stored reply; empty and 0 when there
	// is none (a handed-off conversation, an error).
	MessageID string
	Seq       int64
	// Answers are the Seqs of the inbound messages this reply answers: more
	// than one when a burst was answered at once.
	Answers []int64
	// Text is the reply, final and authoritative: a channel that streamed
	// deltas replaces what it showed with Text. On an error it is a short
	// apology in the user's language that a channel may show (nothing was
	// persisted).
	Text string
	// Language is the reply's language: es, en or pt.
	Language string
	// Role is the role the turn ran with.
	Role store.Role
	// Outcome says how the turn ended.
	Outcome Outcome
	// Citations are the knowledge passages the reply cites, in order of
	// first citation; markers citing nothing retrieved were removed from
	// Text.
	Citations []Citation
	// Tools are the tool calls of the turn, in order.
	Tools []ToolSummary
	// Documents are the documents generate_document made in the turn, in
	// order, with an http(s) download link: what a channel sends as a
	// file or a link, without reading a tool's result format.
	Documents []Document
	// Handoff reports that the conversation is with a person now (a
	// request_human call in this turn, or earlier).
	Handoff bool
	// Duplicate reports a re-delivered message: the stored reply is
	// returned and nothing ran again (or, if the first delivery is still
	// being answered, this is its answer).
	Duplicate bool
	// Folded reports that the message was answered together with newer
	// messages of the same sender, by the turn of the newest one: Text is
	// that turn's reply and was (or will be) delivered through the newest
	// message's Turn call. A channel must not send it a second time, and
	// must drop any preview it streamed for this message.
	Folded bool
	// Usage is the tokens the turn cost.
	Usage Usage
}

// Citation is a passage a reply cites: the marker used in the text and
// where the passage comes from.
type Citation struct {
	// Ref is the marker without brackets: "1" for the turn's passages,
	// "k3f9a2c" for those a search_knowledge call found.
	Ref string `json:"ref"`
	knowledge.Citation
}

// Document is a document a turn generated, ready to download.
type Document struct {
	// Name is the file name ("certificado-ia-101.pdf").
	Name string `json:"name"`
	// URL is the download link, http or https only.
	URL string `json:"url"`
	// Format is pdf, html or markdown.
	Format string `json:"format"`
	// Tool is the index in Reply.Tools of the call that made it.
	Tool int `json:"tool"`
}

// documentsOf finds the documents generate_document made among ts.
func documentsOf(ts []ToolSummary) []Document {
	var out []Document
	for i, t := range ts {
		if t.Name != "generate_document" || t.Status != tools.StatusOK {
			continue
		}
		var res tools.GenerateDocumentResult
		if json.Unmarshal(t.Result, &res) != nil || res.Status != tools.DocGenerated {
			continue
		}
		if !strings.HasPrefix(res.URL, "https://") && !strings.HasPrefix(res.URL, "http://") {
			continue
		}
		out = append(out, Document{Name: res.Filename, URL: res.URL, Format: res.Format, Tool: i})
	}
	return out
}

// ToolSummary is one tool call of a turn.
type ToolSummary struct {
	Name string `json:"name"`
	// Args are the arguments as the model sent them.
	Args json.RawMessage `json:"args,omitempty"`
	// Status is how the call ended: a tools.Status, or [StatusSkipped].
	Status tools.Status `json:"status"`
	// Result is what the model read back: the tool's JSON result, or an
	// error result (tools.ErrorResult).
	Result json.RawMessage `json:"result,omitempty"`
}

// StatusSkipped is the status of a tool call the model asked for but the
// turn did not execute, because a limit was reached.
const StatusSkipped tools.Status = "skipped"

// Usage counts the tokens of a turn, as providers report them (the
// offline engine reports none).
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	// ModelCalls is the number of model calls made, including those of a
	// generation discarded for a newer message.
	ModelCalls int `json:"model_calls"`
}

// Total is PromptTokens + CompletionTokens.
func (u Usage) Total() int64 { return int64(u.PromptTokens) + int64(u.CompletionTokens) }

func (u *Usage) add(o Usage) {
	u.PromptTokens += o.PromptTokens
	u.CompletionTokens += o.CompletionTokens
	u.ModelCalls += o.ModelCalls
}

// TurnEvent describes a turn that ran, for [Options.OnTurnFunc].
type TurnEvent struct {
	ConversationID string
	Channel        string
	Role           store.Role
	Language       string
	Outcome        Outcome
	// Messages is the number of inbound messages answered (above 1 for a
	// burst).
	Messages  int
	Steps     int // model calls
	ToolCalls int
	Usage     Usage
	Fallback  bool // an answer came from the fallback model
	// Restarts counts generations discarded because a newer message
	// arrived.
	Restarts int
	Duration time.Duration
	Err      error
}

// ToolCallEvent describes one tool call, for [Options.OnToolCallFunc].
type ToolCallEvent struct {
	ConversationID string
	Role           store.Role
	Tool           string
	Status         tools.Status
	Duration       time.Duration
}

// FallbackEvent describes an answer of the fallback model, for
// [Options.OnFallbackFunc].
type FallbackEvent struct {
	ConversationID string
	// StreamInterrupted: the primary had streamed part of an answer
	// before failing; the reply's Text replaces it.
	StreamInterrupted bool
}

// ReplyMeta is the Meta of a stored reply (an assistant message that ends
// a turn). It lets a re-delivered message be answered from the store and
// budgets be summed.
type ReplyMeta struct {
	// AnswersSeq are the Seqs of the inbound messages the reply answers.
	AnswersSeq []int64       `json:"answers_seq"`
	Outcome    Outcome       `json:"outcome"`
	Language   string        `json:"language"`
	Role       store.Role    `json:"role"`
	Citations  []Citation    `json:"citations,omitempty"`
	Tools      []ToolSummary `json:"tools,omitempty"`
	Handoff    bool          `json:"handoff,omitempty"`
	Fallback   bool          `json:"fallback,omitempty"`
	Usage      Usage         `json:"usage"`
	// ConversationTokens is the conversation's total after this turn, so
	// the conversation budget needs only the latest reply.
	ConversationTokens int64 `json:"conversation_tokens"`
}

// Documents are the documents the reply's turn generated, as
// Reply.Documents.
func (m ReplyMeta) Documents() []Document { return documentsOf(m.Tools) }

// InboundMeta is the Meta of a stored user message.
type InboundMeta struct {
	// Language detected in the message, "" when unsure.
	Language string `json:"language,omitempty"`
	// SenderName as the platform showed it.
	SenderName string `json:"sender_name,omitempty"`
	// ContactID of the sender: in a group chat it is not the
	// conversation's contact.
	ContactID string `json:"contact_id,omitempty"`
	// HandedOff: the conversation was with a person when it arrived; the
	// bot did not answer it.
	HandedOff bool `json:"handed_off,omitempty"`
	// ReceivedAt is when the platform received it.
	ReceivedAt time.Time `json:"received_at,omitzero"`
}

// ToolCallRecord is one element of the ToolCalls of a stored assistant
// message: a call the model asked for, persisted before it ran.
type ToolCallRecord struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

// ToolResultRecord is the ToolResults of a stored tool message: what a
// call returned, persisted before the model read it.
type ToolResultRecord struct {
	ToolCallID string       `json:"tool_call_id"`
	Name       string       `json:"name"`
	Status     tools.Status `json:"status"`
	// Content is what the model reads: JSON of the result or an error
	// result.
	Content string `json:"content"`
}
