package agent

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/faroai/faro/store"
)

// MaxTextRunes is the longest message text a turn accepts; channels cut or
// refuse longer ones before they get here (OWASP LLM10).
const MaxTextRunes = 8000

// ErrInvalidMessage wraps what is wrong with a Message given to Turn.
var ErrInvalidMessage = errors.New("agent: invalid message")

// Turn answers one inbound message and returns the reply. stream, when not
// nil, receives the reply's text as the model writes it (a preview: the
// final text is Reply.Text); it is called from another goroutine, one call
// at a time, and never after Turn has returned.
//
// In order:
//
//  1. The sender's contact and the conversation (by Channel and ChatID) are
//     found or created, and the message is persisted, before anything else.
//  2. A message already persisted (same Channel and PlatformID) is a
//     re-delivery: Turn returns the reply stored for it with Duplicate
//     set, and runs nothing — no retrieval, no model call, no tool. If its
//     first delivery is still being answered, Turn waits for that answer
//     instead. (One whose first delivery failed without a reply is
//     answered now.)
//  3. A conversation handed to a person gets no bot reply: Outcome is
//     OutcomeHandedOff and Text is empty.
//  4. Otherwise the message joins its conversation's queue and the turn
//     runs as the package documentation describes (one turn at a time per
//     conversation, bursts folded into one turn).
//
// Turn returns an error when the message is invalid, the store fails, the
// model and its fallback fail, or ctx ends first; Reply.Text is then a
// short apology in the user's language that a channel may show, and no
// reply was persisted (a re-delivery tries again). When ctx ends, the turn
// itself goes on and persists its reply.
func (a *Agent) Turn(ctx context.Context, msg Message, stream func(delta string)) (Reply, error) {
	if !a.enter() {
		return Reply{Text: textFor(a.lang).failure, Language: a.lang, Outcome: OutcomeError}, ErrClosed
	}
	defer a.running.Done()
	msg, err := a.normalize(msg)
	if err != nil {
		return Reply{Text: textFor(a.lang).failure, Language: a.lang, Outcome: OutcomeError}, err
	}

	prepCtx, cancel := context.WithTimeout(ctx, a.limits.TurnTimeout)
	defer cancel()
	w, conv, created, err := a.accept(prepCtx, msg, stream)
	if err != nil {
		lang := cmp.Or(conv.Language, detectLanguage(msg.Text).Lang, a.lang)
		return Reply{ConversationID: conv.ID, Text: textFor(lang).failure, Language: lang, Outcome: OutcomeError},
			fmt.Errorf("agent: turn: %w", err)
	}
	if !created {
		return a.redelivered(ctx, prepCtx, conv, w)
	}
	if conv.Status == store.ConversationHandedOff {
		a.log.Info("message for a person: no bot reply", "conversation_id", conv.ID, "seq", w.seq)
		return handedOffReply(conv, w, a.lang), nil
	}
	a.announce(prepCtx, conv.ID, w.seq)
	a.enqueue(conv.ID, w)
	return a.wait(ctx, conv, w)
}

func handedOffReply(conv store.Conversation, w *waiter, lang string) Reply {
	return Reply{
		ConversationID: conv.ID, InboundSeq: w.seq, Answers: []int64{w.seq}, Language: cmp.Or(conv.Language, lang),
		Role: w.role, Outcome: OutcomeHandedOff, Handoff: true, Duplicate: w.dup,
	}
}

// normalize checks msg and fills its defaults.
func (a *Agent) normalize(msg Message) (Message, error) {
	msg.Channel = strings.ToLower(strings.TrimSpace(msg.Channel))
	if msg.Sender.Channel == "" {
		msg.Sender.Channel = msg.Channel
	}
	if msg.ChatID == "" {
		msg.ChatID = msg.Sender.ExternalID
	}
	if msg.ReceivedAt.IsZero() {
		msg.ReceivedAt = a.now()
	}
	// Control characters carry nothing a person meant and cannot all be
	// stored (NUL): they leave free text, and make an id invalid.
	msg.Text = strings.TrimSpace(store.CleanText(msg.Text))
	msg.SenderName = store.CleanText(msg.SenderName)
	switch {
	case store.HasControl(msg.Channel + msg.Sender.Channel + msg.Sender.ExternalID + msg.ChatID + msg.PlatformID):
		return msg, fmt.Errorf("%w: a control character in an id", ErrInvalidMessage)
	case msg.Channel == "":
		return msg, fmt.Errorf("%w: no channel", ErrInvalidMessage)
	case msg.Sender.ExternalID == "":
		return msg, fmt.Errorf("%w: no sender", ErrInvalidMessage)
	case msg.Text == "":
		return msg, fmt.Errorf("%w: no text", ErrInvalidMessage)
	case len([]rune(msg.Text)) > MaxTextRunes:
		return msg, fmt.Errorf("%w: text longer than %d characters", ErrInvalidMessage, MaxTextRunes)
	case msg.Role != "" && !msg.Role.Valid():
		return msg, fmt.Errorf("%w: unknown role %q", ErrInvalidMessage, msg.Role)
	}
	return msg, nil
}

// accept finds the contact and the conversation, persists the message and
// resolves the role. created is false for a re-delivery.
func (a *Agent) accept(ctx context.Context, msg Message, stream func(string)) (*waiter, store.Conversation, bool, error) {
	contact, err := a.contactFor(ctx, msg)
	if err != nil {
		return nil, store.Conversation{}, false, err
	}
	conv, err := a.conversationFor(ctx, msg, contact)
	if err != nil {
		return nil, conv, false, err
	}
	meta, err := json.Marshal(InboundMeta{
		Language: detectLanguage(msg.Text).Lang, SenderName: msg.SenderName, ContactID: contact.ID,
		HandedOff: conv.Status == store.ConversationHandedOff, ReceivedAt: msg.ReceivedAt,
	})
	if err != nil {
		return nil, conv, false, fmt.Errorf("encode message meta: %w", err)
	}
	stored, created, err := a.store.AppendMessage(ctx, store.Message{
		ConversationID: conv.ID, Author: store.AuthorUser, Text: msg.Text, Channel: msg.Channel,
		PlatformID: msg.PlatformID, Meta: meta,
	})
	if err != nil {
		return nil, conv, false, fmt.Errorf("persist message: %w", err)
	}
	if created {
		a.recent.add(conv.ID, decodeHist(stored))
	}
	role := msg.Role
	if role == "" {
		role = a.roles.ResolveRole(ctx, msg.Sender, contact)
	}
	if !role.Valid() {
		role = store.RoleProspect
	}
	w := &waiter{
		seq: stored.Seq, sender: msg.Sender, msg: msg, inbound: stored, contact: contact, role: role,
		dup: !created, sink: &streamSink{f: stream}, done: make(chan delivery, 1),
	}
	return w, conv, created, nil
}

// contactFor finds the sender's contact, creating it on first contact.
func (a *Agent) contactFor(ctx context.Context, msg Message) (store.Contact, error) {
	c, err := a.store.ContactByIdentity(ctx, msg.Sender)
	if err == nil {
		return c, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return c, fmt.Errorf("find contact: %w", err)
	}
	c, err = a.store.CreateContact(ctx, store.Contact{Name: msg.SenderName, Identities: []store.Identity{msg.Sender}})
	if errors.Is(err, store.ErrConflict) {
		// Created by a message that arrived at the same time.
		c, err = a.store.ContactByIdentity(ctx, msg.Sender)
	}
	if err != nil {
		return c, fmt.Errorf("create contact: %w", err)
	}
	return c, nil
}

// conversationFor finds the conversation of the message's chat, creating
// it on the first message and reopening it if it was closed.
func (a *Agent) conversationFor(ctx context.Context, msg Message, contact store.Contact) (store.Conversation, error) {
	conv, err := a.store.ConversationByExternalID(ctx, msg.Channel, msg.ChatID)
	if errors.Is(err, store.ErrNotFound) {
		conv, err = a.store.CreateConversation(ctx, store.Conversation{
			ContactID: contact.ID, Channel: msg.Channel, ExternalID: msg.ChatID,
			Language: contact.Language, Status: store.ConversationOpen,
		})
		if errors.Is(err, store.ErrConflict) {
			conv, err = a.store.ConversationByExternalID(ctx, msg.Channel, msg.ChatID)
		}
	}
	if err != nil {
		return conv, fmt.Errorf("find conversation: %w", err)
	}
	if conv.Status == store.ConversationClosed {
		conv.Status = store.ConversationOpen
		if conv, err = a.store.UpdateConversation(ctx, conv); err != nil {
			return conv, fmt.Errorf("reopen conversation: %w", err)
		}
	}
	return conv, nil
}

// redelivered answers a message persisted before (see Turn, step 2).
func (a *Agent) redelivered(ctx, prepCtx context.Context, conv store.Conversation, w *waiter) (Reply, error) {
	log := a.log.With("conversation_id", conv.ID, "seq", w.seq, "platform_id", w.msg.PlatformID)
	if a.join(conv.ID, w) {
		log.Info("re-delivered message: waiting for the answer in progress")
		return a.wait(ctx, conv, w)
	}
	stored, meta, found, err := a.storedReply(prepCtx, conv.ID, w.seq)
	if err != nil {
		lang := cmp.Or(conv.Language, a.lang)
		return Reply{ConversationID: conv.ID, InboundSeq: w.seq, Text: textFor(lang).failure, Language: lang, Outcome: OutcomeError, Duplicate: true},
			fmt.Errorf("agent: turn: find the stored reply: %w", err)
	}
	if found {
		log.Info("re-delivered message: answered from the store")
		last := meta.AnswersSeq[len(meta.AnswersSeq)-1]
		return Reply{
			ConversationID: conv.ID, InboundSeq: w.seq, MessageID: stored.ID, Seq: stored.Seq, Answers: meta.AnswersSeq,
			Text: stored.Text, Language: meta.Language, Role: meta.Role, Outcome: meta.Outcome, Citations: meta.Citations,
			Tools: meta.Tools, Documents: documentsOf(meta.Tools), Handoff: meta.Handoff, Duplicate: true, Folded: w.seq != last, Usage: meta.Usage,
		}, nil
	}
	var in InboundMeta
	_ = json.Unmarshal(w.inbound.Meta, &in) // our own JSON; a zero value is the safe reading
	if in.HandedOff || conv.Status == store.ConversationHandedOff {
		log.Info("re-delivered message for a person: no bot reply")
		return handedOffReply(conv, w, a.lang), nil
	}
	// Persisted but never answered: the first delivery failed, or the
	// process stopped before answering. Answer it now.
	log.Info("re-delivered message never answered: answering it now")
	a.enqueue(conv.ID, w)
	return a.wait(ctx, conv, w)
}

// wait returns the answer to w, or gives up when ctx ends (the turn goes
// on and persists its reply).
func (a *Agent) wait(ctx context.Context, conv store.Conversation, w *waiter) (Reply, error) {
	select {
	case d := <-w.done:
		w.sink.close()
		return d.reply, d.err
	case <-ctx.Done():
		w.sink.close()
		lang := cmp.Or(conv.Language, a.lang)
		return Reply{ConversationID: conv.ID, InboundSeq: w.seq, Text: textFor(lang).failure, Language: lang, Outcome: OutcomeError, Duplicate: w.dup},
			fmt.Errorf("agent: turn: stopped waiting for the reply: %w", ctx.Err())
	}
}
