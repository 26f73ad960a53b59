package web

import "github.com/faroai/faro/agent"

// inFrame is any client→server frame; Type says which fields matter.
// PROTOCOL.md documents each.
type inFrame struct {
	Type  string `json:"type"`
	Token string `json:"token,omitempty"`

	VisitorID string   `json:"visitor_id,omitempty"`
	Language  string   `json:"language,omitempty"`
	Page      string   `json:"page,omitempty"`
	Consent   *consent `json:"consent,omitempty"`

	ClientMsgID string `json:"client_msg_id,omitempty"`
	Text        string `json:"text,omitempty"`

	ConversationID string `json:"conversation_id,omitempty"`
	LastSeq        int64  `json:"last_seq,omitempty"`

	PagesViewed       *int  `json:"pages_viewed,omitempty"`
	TimeOnSiteSeconds *int  `json:"time_on_site_seconds,omitempty"`
	PricingVisits     *int  `json:"pricing_visits,omitempty"`
	DemoRequested     *bool `json:"demo_requested,omitempty"`
}

type consent struct {
	Analytics bool `json:"analytics"`
}

// Signals are the engagement signals a visitor's page reports, with the
// visitor's consent to analytics: what the lead score reads.
type Signals struct {
	// VisitorID is the visitor's id, or a signed-in user's email: the
	// ExternalID of the web identity their messages come from.
	VisitorID         string `json:"visitor_id"`
	ConversationID    string `json:"conversation_id,omitempty"`
	PagesViewed       int    `json:"pages_viewed"`
	TimeOnSiteSeconds int    `json:"time_on_site_seconds"`
	PricingVisits     int    `json:"pricing_visits"`
	DemoRequested     bool   `json:"demo_requested"`
}

// Server→client frames.

type readyFrame struct {
	Type           string `json:"type"` // ready
	ConversationID string `json:"conversation_id"`
	Seq            int64  `json:"seq"`
	// Language is the conversation's pinned language, when it has one:
	// the widget's interface strings follow it.
	Language string `json:"language,omitempty"`
}

type ackFrame struct {
	Type           string `json:"type"` // ack
	ClientMsgID    string `json:"client_msg_id"`
	Seq            int64  `json:"seq"`
	ConversationID string `json:"conversation_id"`
	// HandedOff: the conversation is with a person, so no bot reply
	// follows; theirs arrives as a staff reply.
	HandedOff bool `json:"handed_off,omitempty"`
	// Language is the conversation's language as of this turn (es, en,
	// pt), so the notes that follow the ack are in it.
	Language string `json:"language,omitempty"`
}

type typingFrame struct {
	Type string `json:"type"` // typing
}

type deltaFrame struct {
	Type     string `json:"type"` // delta
	StreamID string `json:"stream_id"`
	Index    int    `json:"index"`
	Text     string `json:"text"`
}

// userFrame replays (or mirrors to the visitor's other tabs) a message the
// visitor wrote.
type userFrame struct {
	Type        string `json:"type"` // user
	Seq         int64  `json:"seq"`
	Text        string `json:"text"`
	ClientMsgID string `json:"client_msg_id,omitempty"`
}

type replyFrame struct {
	Type      string        `json:"type"` // reply
	Seq       int64         `json:"seq"`
	Text      string        `json:"text"`
	StreamID  string        `json:"stream_id,omitempty"`
	From      string        `json:"from"` // assistant or staff
	Citations []citation    `json:"citations"`
	Tools     []toolOutcome `json:"tools"`
	Handoff   bool          `json:"handoff"`
	Language  string        `json:"language,omitempty"`
	Outcome   agent.Outcome `json:"outcome,omitempty"`
	Answers   []int64       `json:"answers,omitempty"`
}

// citation is what the widget shows of a cited passage; only http(s) URLs
// are passed on.
type citation struct {
	Ref     string `json:"ref"`
	Title   string `json:"title"`
	Heading string `json:"heading,omitempty"`
	Quote   string `json:"quote,omitempty"`
	URL     string `json:"url,omitempty"`
}

// toolOutcome is what the visitor may see of a tool call: its name and
// status, never its arguments or raw result (which may hold other people's
// data or internals) — except the download link of a document generated
// for them, which is theirs.
type toolOutcome struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	Link   string `json:"link,omitempty"`
}

type errorFrame struct {
	Type    string `json:"type"` // error
	Code    string `json:"code"`
	Message string `json:"message"`
	// ClientMsgID names the message the error is about, if any.
	ClientMsgID string `json:"client_msg_id,omitempty"`
}

type pongFrame struct {
	Type string `json:"type"` // pong
}
