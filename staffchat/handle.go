package staffchat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/faroai/faro/handoff"
	"github.com/faroai/faro/store"
)

func jsonUnmarshal(b []byte, v any) error {
	if len(b) == 0 {
		return errors.New("empty")
	}
	return json.Unmarshal(b, v)
}

// The answers staff see, only them. English: the staff channel is the
// team's, and FARO_STAFF lists who is in it.
const (
	answerNotStaff = "Only staff listed in FARO_STAFF can answer people or hand conversations back from this channel; nothing was changed."
	answerUsage    = "Commands: `/faro take <conversation>` takes a conversation over; `/faro release` in its thread (or `/faro release <conversation>`) hands it back to the bot. Anything else written in a conversation's thread is sent to the person."
	answerNoThread = "This thread is not a conversation Faro follows; nothing was sent."
	answerIsBots   = "The bot answers this conversation now; nothing was sent. `/faro take %s` takes it over, then reply again."
)

// command is a staff command read from a text.
type command struct {
	name string // take, release, help; "" for a reply
	arg  string
}

// parseCommand reads "/faro release", "/faro take <id>", "faro take <id>"
// and, for a platform command, "take <id>"; anything else in a thread is
// a reply.
func parseCommand(text string, isCommand bool) command {
	t := strings.TrimSpace(text)
	lower := strings.ToLower(t)
	switch {
	case strings.HasPrefix(lower, "/faro"):
		t = strings.TrimSpace(t[len("/faro"):])
	case strings.HasPrefix(lower, "faro "):
		t = strings.TrimSpace(t[len("faro "):])
	case !isCommand:
		return command{}
	}
	name, arg, _ := strings.Cut(t, " ")
	switch name = strings.ToLower(name); name {
	case "take", "release":
		return command{name: name, arg: strings.TrimSpace(arg)}
	}
	if isCommand || strings.HasPrefix(lower, "/faro") {
		return command{name: "help"}
	}
	return command{} // "faro …" in a thread: words for the person
}

// Handle acts on what a person did in the staff channel and returns what
// they alone should see. A person not in FARO_STAFF changes nothing.
func (s *Service) Handle(ctx context.Context, in Incoming) string {
	p := s.opts.Platform
	who := store.Identity{Channel: p.Name(), ExternalID: in.User}
	log := s.log.With("user", who.Channel+":"+who.ExternalID, "thread", in.Thread)
	cmd := parseCommand(in.Text, in.Command)
	if in.Thread == "" && cmd.name == "" {
		return "" // talk in the channel: not Faro's
	}
	convID := cmd.arg
	if convID == "" && in.Thread != "" {
		th, err := s.opts.Store.StaffThreadByThread(ctx, p.Name(), in.Channel, in.Thread)
		switch {
		case errors.Is(err, store.ErrNotFound) && cmd.name == "":
			return "" // a thread of the team's own
		case errors.Is(err, store.ErrNotFound):
			convID = ""
		case err != nil:
			log.Error("staff channel: thread not found", "err", err)
			return "Something went wrong; try again."
		default:
			convID = th.ConversationID
		}
	}
	if in.User == "" || !s.opts.IsStaff(who) {
		log.Warn("staff channel: refused a person who is not staff", "command", cmd.name, "conversation_id", convID)
		return answerNotStaff
	}
	staff := handoff.Staff{ID: who.Channel + ":" + who.ExternalID}
	staff.Name = staff.ID
	if convID == "" && in.Thread != "" && cmd.name != "help" {
		return answerNoThread
	}
	switch cmd.name {
	case "help":
		return answerUsage
	case "take":
		if convID == "" {
			return answerUsage
		}
		_, changed, err := s.opts.Desk.Take(ctx, convID, staff, "")
		if err != nil {
			return s.refusal(log, "take", convID, err)
		}
		if !changed {
			return fmt.Sprintf("Conversation %s is with staff already; you take it too. Reply in its thread.", convID)
		}
		return fmt.Sprintf("Conversation %s is yours: the bot stays quiet. Reply in its thread.", convID)
	case "release":
		if convID == "" {
			return answerUsage
		}
		_, changed, err := s.opts.Desk.Release(ctx, convID, staff)
		if err != nil {
			return s.refusal(log, "release", convID, err)
		}
		if !changed {
			return fmt.Sprintf("Conversation %s is with the bot already.", convID)
		}
		return fmt.Sprintf("Conversation %s is back with the bot.", convID)
	}
	res, err := s.opts.Desk.ReplyOnce(ctx, convID, staff, in.Text, keyPrefix(p.Name())+in.Channel+"/"+in.ID)
	if err != nil {
		return s.refusal(log, "reply", convID, err)
	}
	if !res.Delivered && !res.Duplicate {
		return "Stored, but the person's channel could not take it now; it is in their conversation."
	}
	return ""
}

// refusal is what staff see when the desk refuses a step.
func (s *Service) refusal(log interface{ Error(string, ...any) }, op, convID string, err error) string {
	var se *handoff.StateError
	switch {
	case errors.As(err, &se) && op == "reply" && se.Status == store.ConversationOpen:
		return fmt.Sprintf(answerIsBots, convID)
	case errors.As(err, &se):
		return fmt.Sprintf("Not done: %s.", se.Error())
	case errors.Is(err, handoff.ErrText):
		return fmt.Sprintf("Not sent: a reply must have text, at most %d characters.", handoff.MaxReplyRunes)
	case errors.Is(err, store.ErrNotFound):
		return fmt.Sprintf("There is no conversation %q.", convID)
	}
	log.Error("staff channel: "+op+" failed", "conversation_id", convID, "err", err)
	return "Something went wrong; try again."
}

// StartsWithCommand reports whether text starts with take or release: a
// platform's own command (/faro take…), its text without the command.
func StartsWithCommand(text string) bool {
	word, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(text)), " ")
	return word == "take" || word == "release"
}

// IsCommand reports whether text is a take or release command, for a
// platform deciding whether a post outside a thread is the staff
// channel's (mentioned: the text began with the bot's mention).
func IsCommand(text string, mentioned bool) bool {
	c := parseCommand(text, mentioned)
	return c.name == "take" || c.name == "release"
}
