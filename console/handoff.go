package console

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/faroai/faro/handoff"
	"github.com/faroai/faro/store"
)

// Desk is the hand-off state machine the API and the staff chat threads
// use; *handoff.Desk is one. The console takes, replies and releases only
// through it.
type Desk interface {
	Take(ctx context.Context, conversationID string, by handoff.Staff, reason string) (store.Conversation, bool, error)
	Reply(ctx context.Context, conversationID string, by handoff.Staff, text string) (handoff.Result, error)
	Release(ctx context.Context, conversationID string, by handoff.Staff) (store.Conversation, bool, error)
}

var _ Desk = (*handoff.Desk)(nil)

// staffOf is who acts on the desk: "console:<email>".
func staffOf(a store.StaffAccount) handoff.Staff {
	return handoff.Staff{ID: "console:" + a.Email, Name: cmp.Or(a.Name, a.Email)}
}

// act runs one step of the desk for the conversation of the path, then
// goes back to it; a step the conversation's state refuses is shown on
// its page.
func (c *Console) act(step string) func(http.ResponseWriter, *http.Request, *view) {
	return func(w http.ResponseWriter, r *http.Request, v *view) {
		if c.opts.Desk == nil {
			c.fail(w, r, v, http.StatusNotFound)
			return
		}
		id, by := r.PathValue("id"), staffOf(v.Account)
		var err error
		switch step {
		case "take":
			_, _, err = c.opts.Desk.Take(r.Context(), id, by, "console")
		case "reply":
			_, err = c.opts.Desk.Reply(r.Context(), id, by, r.PostFormValue("text"))
		case "release":
			_, _, err = c.opts.Desk.Release(r.Context(), id, by)
		}
		var se *handoff.StateError
		status := http.StatusConflict
		switch {
		case err == nil:
			c.opts.Logger.Info("console: hand-off", "step", step, "conversation_id", id, "staff", v.Account.Email)
			http.Redirect(w, r, "/console/conversations/"+id+"#reply", http.StatusSeeOther)
			return
		case errors.As(err, &se):
			v.Error = fmt.Sprintf(v.L["conv.state"], v.L["status."+string(se.Status)])
		case errors.Is(err, handoff.ErrText):
			v.Error, status = fmt.Sprintf(v.L["conv.text"], handoff.MaxReplyRunes), http.StatusBadRequest
		default:
			c.oops(w, r, v, err)
			return
		}
		c.conversationStatus(w, r, v, status)
	}
}
