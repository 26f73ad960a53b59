package console

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/faroai/faro/store"
)

type leadRow struct {
	store.Lead
	Factors string
	// Sources are the channels the lead's contact wrote on; none when
	// staff qualified the lead outside a chat.
	Sources []string
}

type leadsData struct {
	// The filters as given, to fill the form back in.
	Stage, MinScore, Source, Sort string
	Stages                        []store.LeadStage
	Sources                       []string
	Sorts                         []store.LeadOrder
	Rows                          []leadRow
	Page                          int
	Prev, Next                    string // links to the pages around, "" at either end
}

// leadSorts are the orders the leads page offers; the first is the default.
var leadSorts = []store.LeadOrder{store.LeadsNewest, store.LeadsOldest, store.LeadsByScore}

// leads lists the leads by stage, minimum score and source (the channel
// the contact wrote on), newest first or by score, a page at a time. The
// store filters and pages; a filter that makes no sense is said so in the
// person's language and left out, the others still apply.
func (c *Console) leads(w http.ResponseWriter, r *http.Request, v *view) {
	v.Title = v.L["leads.title"]
	q := r.URL.Query()
	d := leadsData{Stage: q.Get("stage"), MinScore: strings.TrimSpace(q.Get("min_score")), Source: q.Get("source"),
		Sort: q.Get("sort"), Page: 1, Sorts: leadSorts,
		Stages: []store.LeadStage{store.StageNew, store.StageMarketingQualified, store.StageSalesQualified}}
	f := store.LeadFilter{Stage: store.LeadStage(d.Stage), Channel: d.Source, Order: store.LeadOrder(d.Sort)}
	var bad []string
	if f.Stage != "" && !f.Stage.Valid() {
		bad, f.Stage, d.Stage = append(bad, v.L["leads.stage"]), "", ""
	}
	if d.MinScore != "" {
		n, err := strconv.ParseFloat(strings.Replace(d.MinScore, ",", ".", 1), 64)
		if err != nil || n < 0 || math.IsInf(n, 0) || math.IsNaN(n) {
			bad = append(bad, v.L["leads.minscore"])
		} else {
			f.MinScore = n
		}
	}
	if !f.Order.Valid() {
		bad, f.Order, d.Sort = append(bad, v.L["leads.sort"]), "", ""
	}
	if p := q.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > math.MaxInt32/pageSize {
			bad = append(bad, v.L["leads.page"])
		} else {
			d.Page = n
		}
	}
	status := http.StatusOK
	if len(bad) > 0 {
		status = http.StatusBadRequest
		v.Error = fmt.Sprintf(v.L["leads.bad"], strings.Join(bad, ", "))
	}
	// One more than a page tells whether there is a next one.
	ls, err := c.opts.Store.ListLeads(r.Context(), f, (d.Page-1)*pageSize, pageSize+1)
	if errors.Is(err, store.ErrInvalid) && f.Channel != "" {
		// A source no channel could have (a NUL in it, say).
		status, v.Error = http.StatusBadRequest, fmt.Sprintf(v.L["leads.bad"], strings.Join(append(bad, v.L["leads.source"]), ", "))
		f.Channel, d.Source = "", ""
		ls, err = c.opts.Store.ListLeads(r.Context(), f, (d.Page-1)*pageSize, pageSize+1)
	}
	if err != nil {
		c.oops(w, r, v, err)
		return
	}
	if len(ls) > pageSize {
		ls = ls[:pageSize]
		d.Next = leadsPage(q, d.Page+1)
	}
	if d.Page > 1 {
		d.Prev = leadsPage(q, d.Page-1)
	}
	sources := map[string][]string{}
	for _, l := range ls {
		row := leadRow{Lead: l, Factors: prettyJSON(l.ScoreFactors)}
		if l.ContactID != "" {
			s, ok := sources[l.ContactID]
			if !ok {
				if s, err = c.channelsOf(r.Context(), l.ContactID); err != nil {
					c.oops(w, r, v, err)
					return
				}
				sources[l.ContactID] = s
			}
			row.Sources = s
		}
		d.Rows = append(d.Rows, row)
	}
	if d.Sources, err = c.recentChannels(r.Context()); err != nil {
		c.oops(w, r, v, err)
		return
	}
	if d.Source != "" && !slices.Contains(d.Sources, d.Source) {
		d.Sources = append(d.Sources, d.Source)
	}
	v.Data = d
	c.render(w, r, status, "leads", v)
}

// leadsPage is the link to page n of the leads with q's filters.
func leadsPage(q url.Values, n int) string {
	q = maps.Clone(q)
	q.Set("page", strconv.Itoa(n))
	if n == 1 {
		q.Del("page")
	}
	return "/console/leads?" + q.Encode()
}

// contactScan is how many of a contact's conversations name its channels.
const contactScan = 20

// channelsOf lists the channels a contact's conversations are on, sorted.
func (c *Console) channelsOf(ctx context.Context, contactID string) ([]string, error) {
	convs, err := c.opts.Store.ListConversations(ctx, contactID, 0, contactScan)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("leads: conversations of contact %s: %w", contactID, err)
	}
	var out []string
	for _, conv := range convs {
		if conv.Channel != tryChannel && !slices.Contains(out, conv.Channel) {
			out = append(out, conv.Channel)
		}
	}
	slices.Sort(out)
	return out, nil
}

// recentChannels are the channels of the latest conversations, sorted:
// the sources the filter offers.
func (c *Console) recentChannels(ctx context.Context) ([]string, error) {
	convs, err := c.opts.Store.ListConversations(ctx, "", 0, inboxScan)
	if err != nil {
		return nil, fmt.Errorf("leads: channels: %w", err)
	}
	var out []string
	for _, conv := range convs {
		if conv.Channel != tryChannel && !slices.Contains(out, conv.Channel) {
			out = append(out, conv.Channel)
		}
	}
	slices.Sort(out)
	return out, nil
}
