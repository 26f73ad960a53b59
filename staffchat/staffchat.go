// Package staffchat lets staff take over conversations from their own
// chat (Slack today; Mattermost and Discord implement the same
// [Platform]). When a conversation is handed to a person, a summary is
// posted into the staff channel and opens a thread for it; a staff member
// replying in that thread replies to the person, on the person's own
// channel; the person's next messages appear in the thread; `/faro
// release` (or the platform's button) hands the conversation back to the
// bot, and `/faro take <conversation>` takes one over. Every step goes
// through the hand-off desk (package handoff), the same state machine as
// the REST API's, and only the staff identities configured (FARO_STAFF)
// may do any of it.
//
// The thread of each conversation is stored (store.StaffThread), so a
// reply in a thread reaches its person after a restart too. Posting into
// the staff channel follows the desk's events in this process: the server
// where a step happened posts it.
package staffchat

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/faroai/faro/handoff"
	"github.com/faroai/faro/store"
)

// Platform is a staff chat platform as the staff channel needs it. The
// adapter of Slack, Mattermost or Discord implements it.
type Platform interface {
	// Name is the platform's name, the channel of its identities
	// ("slack": staff are "slack:<user id>").
	Name() string
	// Open posts the summary of a conversation into the staff channel as
	// a new thread and returns the thread's id.
	Open(ctx context.Context, channel string, s Summary) (thread string, err error)
	// Post posts text (plain: the platform escapes it) into a thread.
	Post(ctx context.Context, channel, thread, text string) error
	// Route makes h the receiver of what staff write in the staff
	// channel: messages in its threads, the take and release commands,
	// buttons. The platform shows h's answer to that person only, where
	// it can.
	Route(h Handler)
}

// Handler receives staff input from a platform.
type Handler interface {
	Handle(ctx context.Context, in Incoming) (answer string)
}

// Incoming is one thing a person did in the staff channel.
type Incoming struct {
	// Channel is the staff channel; Thread the thread it was written in
	// ("" at the channel's top level).
	Channel, Thread string
	// User is the platform's user id of who wrote it.
	User string
	// Text is what they wrote: a reply to the person, or a command
	// ("/faro release", "/faro take <conversation>"; the command's name
	// may be left out when the platform knows it was one).
	Text string
	// ID is the platform's id of the message, so a message the platform
	// delivers again is a reply once.
	ID string
	// Command is true for the platform's own command or button (not a
	// message in a thread): the text is a command, never a reply.
	Command bool
}

// Summary is what staff see when a conversation comes to them.
type Summary struct {
	ConversationID string
	// Who: the contact's name, email and phone, as known.
	Name, Email, Phone string
	// Channel is the person's channel (web, telegram, whatsapp…);
	// Language the conversation's.
	Channel, Language string
	// Why: "requested" (the person asked) or "taken" (by whom).
	Why, By, Reason string
	// Last are the conversation's last messages, oldest first.
	Last []Line
	// LeadScore and LeadStage, when the contact is a lead.
	LeadScore *float64
	LeadStage string
	// Enrolments are the contact's courses, "slug (status)".
	Enrolments []string
}

// Line is one message of a summary.
type Line struct {
	Author store.Author
	Text   string
}

// Store is what the staff channel reads and keeps; store.Store satisfies
// it.
type Store interface {
	Conversation(ctx context.Context, id string) (store.Conversation, error)
	Contact(ctx context.Context, id string) (store.Contact, error)
	Messages(ctx context.Context, conversationID string, q store.MessageQuery) ([]store.Message, error)
	LeadByEmail(ctx context.Context, email string) (store.Lead, error)
	EnrollmentsByContact(ctx context.Context, contactID string) ([]store.Enrollment, error)
	SaveStaffThread(ctx context.Context, th store.StaffThread) (store.StaffThread, bool, error)
	StaffThread(ctx context.Context, conversationID string) (store.StaffThread, error)
	StaffThreadByThread(ctx context.Context, platform, channel, thread string) (store.StaffThread, error)
}

// Interface guard.
var _ Store = store.Store(nil)

// Options configure a [Service]. All but Logger and LastMessages are
// required.
type Options struct {
	Desk     *handoff.Desk
	Store    Store
	Platform Platform
	// Channel is the staff channel's id on the platform.
	Channel string
	// IsStaff reports whether an identity ("slack:U0123") is staff.
	IsStaff func(store.Identity) bool
	Logger  *slog.Logger
	// LastMessages is how many of the conversation's last messages the
	// summary shows. Default 6.
	LastMessages int
}

// Service is the staff channel of one platform.
type Service struct {
	opts Options
	log  *slog.Logger
	// opening serialises the opening of threads in this process, so two
	// events of one conversation open one thread.
	opening sync.Mutex
}

// New checks opts and returns the service; Run starts it.
func New(opts Options) (*Service, error) {
	switch {
	case opts.Desk == nil, opts.Store == nil, opts.Platform == nil, opts.IsStaff == nil:
		return nil, errors.New("staffchat: a desk, a store, a platform and the staff are required")
	case strings.TrimSpace(opts.Channel) == "":
		return nil, errors.New("staffchat: no staff channel")
	}
	opts.Logger = cmp.Or(opts.Logger, slog.New(slog.DiscardHandler))
	if opts.LastMessages <= 0 {
		opts.LastMessages = 6
	}
	s := &Service{opts: opts, log: opts.Logger.With("staff_channel", opts.Platform.Name()+":"+opts.Channel)}
	opts.Platform.Route(s)
	return s, nil
}

// Run posts the desk's events into the staff channel until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	events, stop := s.opts.Desk.Subscribe()
	defer stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-events:
			if !ok {
				return nil
			}
			if err := s.follow(ctx, e); err != nil && ctx.Err() == nil {
				s.log.Error("staff channel not updated", "conversation_id", e.Conversation.ID, "kind", string(e.Kind), "err", err)
			}
		}
	}
}

// follow posts one event into the conversation's thread, opening it when
// the conversation comes to staff.
func (s *Service) follow(ctx context.Context, e handoff.Event) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	p := s.opts.Platform
	switch e.Kind {
	case handoff.EventRequested, handoff.EventTaken:
		th, opened, err := s.thread(ctx, e)
		if err != nil || opened {
			return err
		}
		// Taken again (or asked again) after a release: the thread goes on.
		return s.post(ctx, th, s.say(ctx, e))
	case handoff.EventMessage, handoff.EventReleased:
		th, _, err := s.thread(ctx, e)
		if err != nil {
			return err
		}
		return s.post(ctx, th, s.say(ctx, e))
	case handoff.EventReplied:
		if strings.HasPrefix(e.Message.PlatformID, keyPrefix(p.Name())) {
			return nil // written in the thread: staff see it there
		}
		th, err := s.opts.Store.StaffThread(ctx, e.Conversation.ID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return s.post(ctx, th, s.say(ctx, e))
	}
	return nil
}

func (s *Service) post(ctx context.Context, th store.StaffThread, text string) error {
	if text == "" {
		return nil
	}
	return s.opts.Platform.Post(ctx, th.Channel, th.Thread, text)
}

// say is how an event reads in the thread.
func (s *Service) say(ctx context.Context, e handoff.Event) string {
	switch e.Kind {
	case handoff.EventMessage:
		return fmt.Sprintf("%s: %s", s.personName(ctx, e.Conversation), e.Message.Text)
	case handoff.EventReplied:
		return fmt.Sprintf("%s (%s): %s", staffName(e.Message), e.Actor, e.Message.Text)
	case handoff.EventReleased:
		return fmt.Sprintf("Handed back to the bot by %s. `/faro take %s` takes it over again.", e.Actor, e.Conversation.ID)
	case handoff.EventTaken:
		return fmt.Sprintf("Taken by %s. Reply in this thread to answer; `/faro release` hands it back to the bot.", e.Actor)
	case handoff.EventRequested:
		return "The person asked for a human again." + reasonOf(e.Reason)
	}
	return ""
}

func reasonOf(r string) string {
	if r == "" {
		return ""
	}
	return " Reason: " + r
}

// thread is the conversation's thread, opened (summary posted, thread
// stored) when it has none.
func (s *Service) thread(ctx context.Context, e handoff.Event) (store.StaffThread, bool, error) {
	s.opening.Lock()
	defer s.opening.Unlock()
	th, err := s.opts.Store.StaffThread(ctx, e.Conversation.ID)
	if err == nil || !errors.Is(err, store.ErrNotFound) {
		return th, false, err
	}
	sum, err := s.summary(ctx, e)
	if err != nil {
		return th, false, err
	}
	id, err := s.opts.Platform.Open(ctx, s.opts.Channel, sum)
	if err != nil {
		return th, false, fmt.Errorf("open a thread: %w", err)
	}
	th, created, err := s.opts.Store.SaveStaffThread(ctx, store.StaffThread{
		ConversationID: e.Conversation.ID, Platform: s.opts.Platform.Name(), Channel: s.opts.Channel, Thread: id,
	})
	if err != nil {
		return th, false, fmt.Errorf("store the thread: %w", err)
	}
	s.log.Info("conversation opened in the staff channel", "conversation_id", e.Conversation.ID, "thread", th.Thread,
		"another_server_first", !created)
	return th, true, nil
}

// summary gathers who the person is and what they said.
func (s *Service) summary(ctx context.Context, e handoff.Event) (Summary, error) {
	conv := e.Conversation
	sum := Summary{ConversationID: conv.ID, Channel: conv.Channel, Language: conv.Language, Why: string(e.Kind),
		By: e.Actor, Reason: e.Reason}
	if c, err := s.opts.Store.Contact(ctx, conv.ContactID); err == nil {
		sum.Name, sum.Email, sum.Phone = c.Name, c.Email, c.Phone
		if c.Email != "" {
			if l, err := s.opts.Store.LeadByEmail(ctx, c.Email); err == nil && l.Stage != "" {
				score := l.Score
				sum.LeadScore, sum.LeadStage = &score, string(l.Stage)
			}
		}
		if ens, err := s.opts.Store.EnrollmentsByContact(ctx, c.ID); err == nil {
			for _, en := range ens {
				sum.Enrolments = append(sum.Enrolments, fmt.Sprintf("%s (%s)", en.CourseSlug, en.Status))
			}
		}
	}
	ms, err := s.opts.Store.Messages(ctx, conv.ID, store.MessageQuery{Limit: s.opts.LastMessages * 3, Last: true})
	if err != nil {
		return sum, fmt.Errorf("summary of %s: %w", conv.ID, err)
	}
	for _, m := range ms {
		if (m.Author == store.AuthorUser || m.Author == store.AuthorAssistant || m.Author == store.AuthorStaff) && m.Text != "" {
			sum.Last = append(sum.Last, Line{Author: m.Author, Text: m.Text})
		}
	}
	if len(sum.Last) > s.opts.LastMessages {
		sum.Last = sum.Last[len(sum.Last)-s.opts.LastMessages:]
	}
	return sum, nil
}

func (s *Service) personName(ctx context.Context, conv store.Conversation) string {
	if c, err := s.opts.Store.Contact(ctx, conv.ContactID); err == nil && c.Name != "" {
		return c.Name
	}
	return "The person"
}

func staffName(m store.Message) string {
	var meta struct {
		Staff string `json:"staff"`
	}
	if err := jsonUnmarshal(m.Meta, &meta); err == nil && meta.Staff != "" {
		return meta.Staff
	}
	return "Staff"
}

// keyPrefix starts the platform id of every staff reply written on
// platform: its messages are stored once per platform message.
func keyPrefix(platform string) string { return "staff:" + platform + ":" }
