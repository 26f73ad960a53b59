package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/faroai/faro/store"
)

// inboxRow is one conversation of the inbox.
type inboxRow struct {
	Conv    store.Conversation
	Contact store.Contact
	Last    string
	Unread  int
	// Holder is who took the handed-off conversation (their desk id),
	// "" when no one has yet.
	Holder string
}

type inboxData struct {
	Q, Status, Channel, Language, Role string
	Mine                               bool
	Channels                           []string
	Rows                               []inboxRow
}

// inboxScan is how many recent conversations the inbox filters from.
const inboxScan = 300

// inboxRows loads the conversations r's filters keep, newest first. The
// console's own "try a question" conversations are left out.
func (c *Console) loadInbox(ctx context.Context, r *http.Request, me store.StaffAccount) (inboxData, error) {
	q := r.URL.Query()
	d := inboxData{Q: strings.TrimSpace(q.Get("q")), Status: q.Get("status"), Channel: q.Get("channel"),
		Language: q.Get("language"), Role: q.Get("role"), Mine: q.Get("mine") == "1"}
	myID := staffOf(me).ID
	convs, err := c.opts.Store.ListConversations(ctx, "", 0, inboxScan)
	if err != nil {
		return d, fmt.Errorf("inbox: %w", err)
	}
	seen := map[string]bool{}
	contacts := map[string]store.Contact{}
	needle := strings.ToLower(d.Q)
	for _, conv := range convs {
		if conv.Channel == tryChannel {
			continue
		}
		if !seen[conv.Channel] {
			seen[conv.Channel] = true
			d.Channels = append(d.Channels, conv.Channel)
		}
		if d.Status != "" && string(conv.Status) != d.Status || d.Channel != "" && conv.Channel != d.Channel ||
			d.Language != "" && conv.Language != d.Language {
			continue
		}
		ct, ok := contacts[conv.ContactID]
		if !ok {
			ct, err = c.opts.Store.Contact(ctx, conv.ContactID)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return d, fmt.Errorf("inbox: contact %s: %w", conv.ContactID, err)
			}
			contacts[conv.ContactID] = ct
		}
		if d.Role != "" && string(ct.Role) != d.Role {
			continue
		}
		if needle != "" && !strings.Contains(strings.ToLower(ct.Name), needle) && !strings.Contains(strings.ToLower(ct.Email), needle) {
			continue
		}
		row := inboxRow{Conv: conv, Contact: ct}
		if conv.Status == store.ConversationHandedOff {
			if row.Holder, err = c.holder(ctx, conv.ID); err != nil {
				return d, err
			}
		}
		if d.Mine && row.Holder != myID {
			continue
		}
		if err := c.summarise(ctx, &row); err != nil {
			return d, err
		}
		d.Rows = append(d.Rows, row)
		if len(d.Rows) == pageSize {
			break
		}
	}
	slices.Sort(d.Channels)
	return d, nil
}

// holder is who took the conversation last, since it was last released.
func (c *Console) holder(ctx context.Context, convID string) (string, error) {
	evs, err := c.opts.Store.HandoffEvents(ctx, convID)
	if err != nil {
		return "", fmt.Errorf("inbox: hand-off of %s: %w", convID, err)
	}
	for i := len(evs) - 1; i >= 0; i-- {
		switch evs[i].Kind {
		case store.HandoffTaken:
			return evs[i].Actor, nil
		case store.HandoffReleased:
			return "", nil
		}
	}
	return "", nil
}

// summarise fills the row's last message and its unread count: the
// contact's messages since anyone last answered them, where the bot's
// "a person will take over" is no answer.
func (c *Console) summarise(ctx context.Context, row *inboxRow) error {
	msgs, err := c.opts.Store.Messages(ctx, row.Conv.ID, store.MessageQuery{Limit: 30, Last: true})
	if err != nil {
		return fmt.Errorf("inbox: messages of %s: %w", row.Conv.ID, err)
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		if m.IsStep() || m.Text == "" {
			continue
		}
		if row.Last == "" {
			row.Last = clip(m.Text, 90)
		}
		if m.Author == store.AuthorUser {
			row.Unread++
			continue
		}
		if m.Author == store.AuthorAssistant && handoffReply(m) {
			continue
		}
		break
	}
	return nil
}

// handoffReply reports whether m is the bot's reply that handed the
// conversation to a person.
func handoffReply(m store.Message) bool {
	var meta struct {
		Handoff bool `json:"handoff"`
	}
	return len(m.Meta) > 0 && json.Unmarshal(m.Meta, &meta) == nil && meta.Handoff
}

func clip(s string, n int) string {
	r := []rune(strings.Join(strings.Fields(s), " "))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}

func (c *Console) inbox(w http.ResponseWriter, r *http.Request, v *view) {
	v.Title = v.L["inbox.title"]
	d, err := c.loadInbox(r.Context(), r, v.Account)
	if err != nil {
		c.oops(w, r, v, err)
		return
	}
	v.Data = d
	c.render(w, r, http.StatusOK, "inbox", v)
}

// inboxRows is the inbox table's body alone, which the page's script
// polls.
func (c *Console) inboxRows(w http.ResponseWriter, r *http.Request, v *view) {
	d, err := c.loadInbox(r.Context(), r, v.Account)
	if err != nil {
		c.oops(w, r, v, err)
		return
	}
	v.Data = d
	c.render(w, r, http.StatusOK, "inbox_rows", v)
}
