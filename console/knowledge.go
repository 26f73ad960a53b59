package console

import (
	"cmp"
	"context"
	"net/http"
	"time"

	"github.com/faroai/faro/agent"
	"github.com/faroai/faro/knowledge"
	"github.com/faroai/faro/store"
)

type knowledgeData struct {
	Docs     []store.Document
	Question string
	Results  []knowledge.Result
	Answer   string
	Tried    bool
}

func (c *Console) knowledgeData(ctx context.Context) (knowledgeData, error) {
	docs, err := c.opts.Store.ListDocuments(ctx, 0, 0)
	return knowledgeData{Docs: docs}, err
}

func (c *Console) knowledge(w http.ResponseWriter, r *http.Request, v *view) {
	v.Title = v.L["kb.title"]
	d, err := c.knowledgeData(r.Context())
	if err != nil {
		c.oops(w, r, v, err)
		return
	}
	v.Data = d
	c.render(w, r, http.StatusOK, "knowledge", v)
}

// tryChannel is the channel of "try a question" turns, which the inbox
// leaves out.
const tryChannel = "console"

// tryQuestion shows the passages a question finds, with their scores,
// and the answer the assistant gives a prospect asking it, in a fresh
// conversation of its own.
func (c *Console) tryQuestion(w http.ResponseWriter, r *http.Request, v *view) {
	v.Title = v.L["kb.title"]
	d, err := c.knowledgeData(r.Context())
	if err != nil {
		c.oops(w, r, v, err)
		return
	}
	d.Question, d.Tried = clip(r.PostFormValue("question"), 500), true
	if d.Question != "" && c.opts.Knowledge != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
		defer cancel()
		if d.Results, err = c.opts.Knowledge.Search(ctx, knowledge.Query{Text: d.Question, K: 5}); err != nil {
			c.opts.Logger.Warn("console: try a question: search", "err", err)
			v.Error = v.L["failed"] + " " + err.Error()
		}
		if c.opts.Agent != nil {
			token, _ := newToken()
			reply, err := c.opts.Agent.Turn(ctx, agent.Message{
				Channel: tryChannel, ChatID: "try-" + token[:16], Sender: store.Identity{Channel: tryChannel, ExternalID: v.Account.ID},
				SenderName: cmp.Or(v.Account.Name, v.Account.Email), Text: d.Question, Role: store.RoleProspect,
			}, nil)
			if err != nil {
				c.opts.Logger.Warn("console: try a question: turn", "err", err)
			}
			d.Answer = reply.Text
		}
	}
	v.Data = d
	c.render(w, r, http.StatusOK, "knowledge", v)
}
