package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/faroai/faro/store"
)

// HandOffer is what request_human needs from the store: read the caller's
// conversation and save its status. store.Store satisfies it.
type HandOffer interface {
	Conversation(ctx context.Context, id string) (store.Conversation, error)
	UpdateConversation(ctx context.Context, c store.Conversation) (store.Conversation, error)
}

// RequestHumanArgs are the arguments of request_human.
type RequestHumanArgs struct {
	// Reason is optional on purpose: someone who asks for a person should
	// get one, not a question about why.
	Reason string `json:"reason,omitempty" jsonschema:"maxLength=500" jsonschema_description:"Why the user needs a person, in a few words (what they asked, what went wrong). Optional."`
}

// RequestHumanResult is what request_human returns.
type RequestHumanResult struct {
	// Status is "handed_off".
	Status string `json:"status"`
	// AlreadyHandedOff says the conversation was with a person already.
	AlreadyHandedOff bool `json:"already_handed_off,omitempty"`
	// Message is the confirmation to give the user, in their language
	// (the caller's): a model may say it as it is or in its own words.
	Message string `json:"message"`
}

// handedOffMessage is RequestHumanResult.Message by language.
var handedOffMessage = map[string]string{
	"es": "Listo: una persona del equipo continuará esta conversación aquí lo antes posible.",
	"en": "Done: a person from the team will continue this conversation here as soon as possible.",
	"pt": "Pronto: uma pessoa da equipe vai continuar esta conversa aqui o quanto antes.",
}

// StatusHandedOff is RequestHumanResult.Status once the conversation is
// with a person.
const StatusHandedOff = "handed_off"

// EventHandoff is the outbox event of a conversation handed to a person:
// the webhooks notify staff. Its id is "conversation.handoff:<conversation
// id>:<the hand-off's time>", so one hand-off is one notification however
// often the model asks again.
const EventHandoff = "conversation.handoff"

// handoffPayload is the body of a conversation.handoff event.
type handoffPayload struct {
	ConversationID string    `json:"conversation_id"`
	ContactID      string    `json:"contact_id,omitempty"`
	Channel        string    `json:"channel,omitempty"`
	Language       string    `json:"language,omitempty"`
	Name           string    `json:"name,omitempty"`
	Email          string    `json:"email,omitempty"`
	Reason         string    `json:"reason,omitempty"`
	At             time.Time `json:"at"`
}

// AddRequestHuman registers request_human, which hands the caller's
// conversation to a person: it marks the conversation handed off, after
// which the bot stays quiet in it until staff hand it back. Everyone may
// call it. It panics when h is nil.
//
// When h is also an [EventEnqueuer] (store.Store is), the hand-off
// enqueues a conversation.handoff event, which the webhook deliverer sends
// to staff.
func AddRequestHuman(r *Registry, h HandOffer) {
	if h == nil {
		panic("tools: AddRequestHuman: nil HandOffer")
	}
	Add(r, Spec{
		Name: "request_human",
		Description: "Hand the conversation to a person from the team. Use it when the user asks for a person, " +
			"when they are upset, or when you cannot help with what they need. After it, tell the user a person will reply here; " +
			"the assistant then stops answering in this conversation.",
		Roles: []store.Role{store.RoleProspect, store.RoleStudent, store.RoleStaff},
		Examples: []Example{
			{Lang: "es", Text: "quiero hablar con una persona"},
			{Lang: "es", Text: "me pasas con un humano por favor"},
			{Lang: "es", Text: "necesito hablar con alguien de soporte, esto no funciona"},
			{Lang: "es", Text: "hay algun asesor real?"},
			{Lang: "en", Text: "can I talk to a human"},
			{Lang: "en", Text: "i want to speak with a real person please"},
			{Lang: "en", Text: "get me someone from support, this isn't working"},
			{Lang: "pt", Text: "quero falar com um atendente humano"},
			{Lang: "es", Text: "prefiero hablar con alguien de carne y hueso"},
			{Lang: "en", Text: "transfer me to a live agent please"},
			{Lang: "pt", Text: "tem alguem da equipe pra me atender?"},
			{Lang: "pt", Text: "me passa para um humano por favor"},
		},
		Mutating: true,
	}, func(ctx context.Context, c Caller, in RequestHumanArgs) (RequestHumanResult, error) {
		return requestHuman(ctx, h, c, in)
	})
}

func requestHuman(ctx context.Context, h HandOffer, c Caller, in RequestHumanArgs) (RequestHumanResult, error) {
	if c.ConversationID == "" {
		return RequestHumanResult{}, Fail("no_conversation", "there is no conversation to hand over; tell the user how to reach the team directly")
	}
	// Read the conversation afresh and change only its status, so that a
	// language or summary saved meanwhile is kept.
	conv, err := h.Conversation(ctx, c.ConversationID)
	if errors.Is(err, store.ErrNotFound) {
		return RequestHumanResult{}, &Failure{Code: "no_conversation", Message: "the conversation was not found", Err: err}
	}
	if err != nil {
		return RequestHumanResult{}, fmt.Errorf("request_human: load conversation: %w", err)
	}
	msg, ok := handedOffMessage[c.Language]
	if !ok {
		msg = handedOffMessage["es"]
	}
	done := RequestHumanResult{Status: StatusHandedOff, Message: msg}
	if conv.Status == store.ConversationHandedOff {
		done.AlreadyHandedOff = true
		// Enqueued again with the id of the hand-off: a notification lost
		// to a crash after the status was saved is sent now, one already
		// enqueued is not repeated.
		return done, notifyHandoff(ctx, h, c, conv, in.Reason)
	}
	conv.Status = store.ConversationHandedOff
	if _, err := h.UpdateConversation(ctx, conv); err != nil {
		return RequestHumanResult{}, fmt.Errorf("request_human: hand off conversation %s: %w", conv.ID, err)
	}
	// Read back, so the event id is made from the hand-off time as stored
	// (at the store's precision): a retry of this call after a failed
	// enqueue makes the same id.
	if _, ok := h.(EventEnqueuer); ok {
		if conv, err = h.Conversation(ctx, conv.ID); err != nil {
			return RequestHumanResult{}, fmt.Errorf("request_human: read conversation %s back: %w", c.ConversationID, err)
		}
	}
	return done, notifyHandoff(ctx, h, c, conv, in.Reason)
}

// notifyHandoff enqueues conversation.handoff when h has an outbox.
func notifyHandoff(ctx context.Context, h HandOffer, c Caller, conv store.Conversation, reason string) error {
	q, ok := h.(EventEnqueuer)
	if !ok {
		return nil
	}
	at := conv.UpdatedAt.UTC()
	payload, err := json.Marshal(handoffPayload{
		ConversationID: conv.ID, ContactID: conv.ContactID, Channel: conv.Channel, Language: c.Language,
		Name: c.Name, Email: c.Email, Reason: reason, At: at,
	})
	if err != nil {
		return fmt.Errorf("request_human: encode event: %w", err)
	}
	// The prefix is the store's: the KPIs find past hand-offs by it.
	id := fmt.Sprintf("%s%d", store.HandoffEventPrefix(conv.ID), at.UnixMilli())
	if _, err := q.EnqueueEvent(ctx, store.Event{ID: id, Type: EventHandoff, Payload: payload}); err != nil {
		return fmt.Errorf("request_human: enqueue %s for conversation %s: %w", EventHandoff, conv.ID, err)
	}
	return nil
}
