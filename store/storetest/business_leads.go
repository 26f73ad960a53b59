package storetest

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
)

// exerciseBusiness runs the suite of the sales, courses and support data.
func exerciseBusiness(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("Leads", func(t *testing.T) { exerciseLeads(t, open) })
	t.Run("Courses", func(t *testing.T) { exerciseCourses(t, open) })
	t.Run("Enrollments", func(t *testing.T) { exerciseEnrollments(t, open) })
	t.Run("Tickets", func(t *testing.T) { exerciseTickets(t, open) })
	t.Run("Outbox", func(t *testing.T) { exerciseOutbox(t, open) })
	t.Run("GeneratedDocuments", func(t *testing.T) { exerciseGeneratedDocuments(t, open) })
	t.Run("Subscriptions", func(t *testing.T) { exerciseSubscriptions(t, open) })
	t.Run("Stats", func(t *testing.T) { exerciseStats(t, open) })
}

func exerciseLeads(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("UpsertByEmail", func(t *testing.T) {
		b := setup(t, open)
		ctx, s := b.ctx, b.store
		in := store.Lead{
			Email: "  Lucia.Gomez@Example.com ", Name: "Lucía Gómez", Phone: "+52 55 0000 0001",
			Company: "Acme", CompanySize: 40, Industry: "retail", Country: "MX",
			Interest: store.InterestCourses, Budget: 1500, Timeline: "this quarter",
			Signals: store.Signals{PagesViewed: 5, TimeOnSiteSeconds: 300, PricingVisits: 1, EmailOpens: 2},
			// Ignored on upsert: only SetLeadStage sets them.
			Stage: store.StageSalesQualified, Score: 99, ScoreFactors: json.RawMessage(`{"x":1}`),
		}
		before := time.Now()
		l, created, err := s.UpsertLead(ctx, in)
		after := time.Now()
		require.NoError(t, err, "UpsertLead of a new email")
		require.True(t, created, "a new email creates a lead")
		require.NotEmpty(t, l.ID)
		require.Equal(t, "Lucia.Gomez@Example.com", l.Email, "the email is stored trimmed, as spelt")
		require.Equal(t, store.StageNew, l.Stage, "a new lead starts at new, whatever was given")
		require.Zero(t, l.Score, "a new lead has no score until SetLeadStage")
		require.Nil(t, l.ScoreFactors)
		require.Equal(t, in.Signals, l.Signals)
		require.Equal(t, 40, l.CompanySize)
		require.Equal(t, 1500.0, l.Budget)
		require.Equal(t, store.InterestCourses, l.Interest)
		requireStoreTime(t, l.CreatedAt, before, after, "UpsertLead: CreatedAt")
		requireSameTime(t, l.CreatedAt, l.UpdatedAt, "a new lead: UpdatedAt is CreatedAt")

		got, err := s.Lead(ctx, l.ID)
		require.NoError(t, err, "Lead")
		requireSameLead(t, l, got, "Lead returns what UpsertLead returned")
		got, err = s.LeadByEmail(ctx, "LUCIA.gomez@example.COM")
		require.NoError(t, err, "LeadByEmail is case-insensitive")
		requireSameLead(t, l, got, "LeadByEmail")

		// The same person again, in other letters: an update, not a second lead.
		l2, created, err := s.UpsertLead(ctx, store.Lead{
			Email: "lucia.gomez@EXAMPLE.com", Name: "", Company: "Acme S.A.", CompanySize: 0, Budget: 0,
			Interest: store.InterestMarketingSaaS, Timeline: "  ",
			Signals: store.Signals{PagesViewed: 3, TimeOnSiteSeconds: 600, DemoRequested: true, EmailClicks: 1},
		})
		require.NoError(t, err, "UpsertLead of a known email")
		require.False(t, created, "a known email updates its lead")
		require.Equal(t, l.ID, l2.ID, "one lead per email")
		require.Equal(t, "Lucia.Gomez@Example.com", l2.Email, "the first spelling stays")
		require.Equal(t, "Lucía Gómez", l2.Name, "an empty field does not overwrite")
		require.Equal(t, "Acme S.A.", l2.Company, "a non-empty field overwrites")
		require.Equal(t, 40, l2.CompanySize, "a zero size does not overwrite")
		require.Equal(t, 1500.0, l2.Budget, "a zero budget does not overwrite")
		require.Equal(t, "this quarter", l2.Timeline, "a blank field does not overwrite")
		require.Equal(t, store.InterestMarketingSaaS, l2.Interest)
		require.Equal(t, store.Signals{
			PagesViewed: 5, TimeOnSiteSeconds: 600, PricingVisits: 1, DemoRequested: true, EmailOpens: 2, EmailClicks: 1,
		}, l2.Signals, "signals merge as running totals: the larger of each, demo once requested stays")
		requireSameTime(t, l.CreatedAt, l2.CreatedAt, "an update keeps CreatedAt")
		require.False(t, l2.UpdatedAt.Before(l.UpdatedAt), "an update moves UpdatedAt forward")

		// The same report twice changes nothing but the time.
		l3, _, err := s.UpsertLead(ctx, store.Lead{Email: l.Email, Signals: store.Signals{PagesViewed: 3}})
		require.NoError(t, err)
		require.Equal(t, l2.Signals, l3.Signals, "a stale report does not lower the totals")

		all, err := s.ListLeads(ctx, store.LeadFilter{}, 0, 0)
		require.NoError(t, err)
		require.Len(t, all, 1, "still one lead")

		_, err = s.LeadByEmail(ctx, "nobody@example.com")
		requireErrorIs(t, err, store.ErrNotFound, "LeadByEmail of an unknown email")
		_, err = s.LeadByEmail(ctx, "")
		requireErrorIs(t, err, store.ErrNotFound, "LeadByEmail of the empty email")
		_, err = s.Lead(ctx, "no-such-lead")
		requireErrorIs(t, err, store.ErrNotFound, "Lead of an unknown id")
	})

	t.Run("Invalid", func(t *testing.T) {
		b := setup(t, open)
		for name, l := range map[string]store.Lead{
			"no email":         {Name: "x"},
			"blank email":      {Email: "   "},
			"unknown interest": {Email: "a@example.com", Interest: "yachts"},
			"negative budget":  {Email: "a@example.com", Budget: -1},
			"negative size":    {Email: "a@example.com", CompanySize: -3},
			"negative signal":  {Email: "a@example.com", Signals: store.Signals{PricingVisits: -1}},
		} {
			_, _, err := b.store.UpsertLead(b.ctx, l)
			requireErrorIs(t, err, store.ErrInvalid, "UpsertLead with "+name)
		}
		all, err := b.store.ListLeads(b.ctx, store.LeadFilter{}, 0, 0)
		require.NoError(t, err)
		require.Empty(t, all, "refused leads are not stored")
		_, err = b.store.ListLeads(b.ctx, store.LeadFilter{}, -1, 0)
		requireErrorIs(t, err, store.ErrInvalid, "ListLeads with a negative offset")
	})

	t.Run("StageHistory", func(t *testing.T) {
		b := setup(t, open)
		ctx, s := b.ctx, b.store
		l, _, err := s.UpsertLead(ctx, store.Lead{Email: "pedro@example.com", Name: "Pedro"})
		require.NoError(t, err)

		h, err := s.LeadHistory(ctx, l.ID)
		require.NoError(t, err)
		require.Empty(t, h, "a new lead has no moves yet")

		factors := json.RawMessage(`{"engagement":20,"budget":15}`)
		same, err := s.SetLeadStage(ctx, l.ID, store.StageNew, 35, factors)
		require.NoError(t, err, "SetLeadStage to the same stage")
		require.False(t, same.Changed(), "the same stage is no move")
		require.Zero(t, same.ID, "no history row for no move")
		got, err := s.Lead(ctx, l.ID)
		require.NoError(t, err)
		require.Equal(t, 35.0, got.Score, "the score is saved even without a move")
		require.JSONEq(t, string(factors), string(got.ScoreFactors), "the factors are saved")

		before := time.Now()
		mq, err := s.SetLeadStage(ctx, l.ID, store.StageMarketingQualified, 55, json.RawMessage(`{"engagement":40}`))
		after := time.Now()
		require.NoError(t, err)
		require.True(t, mq.Changed())
		require.NotZero(t, mq.ID)
		require.Equal(t, store.StageNew, mq.From)
		require.Equal(t, store.StageMarketingQualified, mq.To)
		require.Equal(t, 55.0, mq.Score)
		requireStoreTime(t, mq.At, before, after, "SetLeadStage: At")
		sq, err := s.SetLeadStage(ctx, l.ID, store.StageSalesQualified, 80, nil)
		require.NoError(t, err)
		require.Equal(t, store.StageMarketingQualified, sq.From)

		got, err = s.Lead(ctx, l.ID)
		require.NoError(t, err)
		require.Equal(t, store.StageSalesQualified, got.Stage)
		require.Equal(t, 80.0, got.Score)
		require.Nil(t, got.ScoreFactors, "empty factors are stored as none")

		h, err = s.LeadHistory(ctx, l.ID)
		require.NoError(t, err)
		require.Len(t, h, 2, "two moves")
		require.Equal(t, mq.ID, h[0].ID)
		requireSameTime(t, mq.At, h[0].At, "history: At")
		require.Equal(t, []store.LeadStage{store.StageNew, store.StageMarketingQualified}, []store.LeadStage{h[0].From, h[1].From})
		require.Equal(t, []store.LeadStage{store.StageMarketingQualified, store.StageSalesQualified}, []store.LeadStage{h[0].To, h[1].To})
		require.Less(t, h[0].ID, h[1].ID, "history ids grow")

		sql, err := s.ListLeads(ctx, store.LeadFilter{Stage: store.StageSalesQualified}, 0, 0)
		require.NoError(t, err)
		require.Len(t, sql, 1)
		none, err := s.ListLeads(ctx, store.LeadFilter{Stage: store.StageNew}, 0, 0)
		require.NoError(t, err)
		require.Empty(t, none, "ListLeads filters by stage")

		_, err = s.SetLeadStage(ctx, "no-such-lead", store.StageNew, 1, nil)
		requireErrorIs(t, err, store.ErrNotFound, "SetLeadStage of an unknown lead")
		_, err = s.SetLeadStage(ctx, l.ID, "hot", 1, nil)
		requireErrorIs(t, err, store.ErrInvalid, "SetLeadStage to an unknown stage")
		_, err = s.SetLeadStage(ctx, l.ID, store.StageNew, 1, json.RawMessage(`{"a":`))
		requireErrorIs(t, err, store.ErrInvalid, "SetLeadStage with factors that are not JSON")
		_, err = s.LeadHistory(ctx, "no-such-lead")
		requireErrorIs(t, err, store.ErrNotFound, "LeadHistory of an unknown lead")
		got, err = s.Lead(ctx, l.ID)
		require.NoError(t, err)
		require.Equal(t, store.StageSalesQualified, got.Stage, "refused calls change nothing")
	})

	t.Run("ListPaginated", func(t *testing.T) {
		b := setup(t, open)
		var ids []string
		for i := range 5 {
			l, _, err := b.store.UpsertLead(b.ctx, store.Lead{Email: fmt.Sprintf("p%d@example.com", i)})
			require.NoError(t, err)
			ids = append([]string{l.ID}, ids...) // newest first
		}
		var got []string
		for off := 0; off < 5; off += 2 {
			page, err := b.store.ListLeads(b.ctx, store.LeadFilter{}, off, 2)
			require.NoError(t, err)
			for _, l := range page {
				got = append(got, l.ID)
			}
		}
		require.Equal(t, ids, got, "pages of ListLeads, newest first, cover every lead once")
	})

	t.Run("ListFilteredAndOrdered", func(t *testing.T) {
		b := setup(t, open)
		ctx, s := b.ctx, b.store
		web, err := s.CreateContact(ctx, store.Contact{Name: "Web"})
		require.NoError(t, err)
		_, err = s.CreateConversation(ctx, store.Conversation{ContactID: web.ID, Channel: "web", ExternalID: "w-1"})
		require.NoError(t, err)
		tg, err := s.CreateContact(ctx, store.Contact{Name: "Telegram"})
		require.NoError(t, err)
		_, err = s.CreateConversation(ctx, store.Conversation{ContactID: tg.ID, Channel: "telegram", ExternalID: "t-1"})
		require.NoError(t, err)
		// a: web, 20, new; b: telegram, 70, sales_qualified; c: no
		// contact (staff qualified it), 45, marketing_qualified.
		ids := map[string]string{}
		for _, l := range []struct {
			key, contact string
			score        float64
			stage        store.LeadStage
		}{{"a", web.ID, 20, store.StageNew}, {"b", tg.ID, 70, store.StageSalesQualified}, {"c", "", 45, store.StageMarketingQualified}} {
			got, _, err := s.UpsertLead(ctx, store.Lead{Email: l.key + "@example.com", ContactID: l.contact})
			require.NoError(t, err)
			_, err = s.SetLeadStage(ctx, got.ID, l.stage, l.score, nil)
			require.NoError(t, err)
			ids[got.ID] = l.key
		}
		list := func(f store.LeadFilter) string {
			t.Helper()
			ls, err := s.ListLeads(ctx, f, 0, 0)
			require.NoError(t, err, "%+v", f)
			var keys string
			for _, l := range ls {
				keys += ids[l.ID]
			}
			return keys
		}
		require.Equal(t, "cba", list(store.LeadFilter{}), "newest first")
		require.Equal(t, "abc", list(store.LeadFilter{Order: store.LeadsOldest}))
		require.Equal(t, "bca", list(store.LeadFilter{Order: store.LeadsByScore}), "highest score first")
		require.Equal(t, "bc", list(store.LeadFilter{MinScore: 45, Order: store.LeadsByScore}), "at least 45, 45 included")
		require.Equal(t, "a", list(store.LeadFilter{Channel: "web"}), "the lead whose contact wrote on the web")
		require.Equal(t, "b", list(store.LeadFilter{Channel: "telegram", MinScore: 10}))
		require.Equal(t, "", list(store.LeadFilter{Channel: "telegram", Stage: store.StageNew}), "filters add up")
		require.Equal(t, "", list(store.LeadFilter{Channel: "slack"}))
		page, err := s.ListLeads(ctx, store.LeadFilter{Order: store.LeadsByScore}, 1, 1)
		require.NoError(t, err)
		require.Len(t, page, 1)
		require.Equal(t, "c", ids[page[0].ID], "the second page by score")
		for _, bad := range []store.LeadFilter{{Order: "random"}, {MinScore: -1}, {Stage: "hot"}} {
			_, err := s.ListLeads(ctx, bad, 0, 0)
			requireErrorIs(t, err, store.ErrInvalid, fmt.Sprintf("ListLeads with %+v", bad))
		}
	})

	t.Run("ConcurrentUpsertOneEmail", func(t *testing.T) {
		b := setup(t, open)
		const n = 8
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			created int
			ids     = map[string]bool{}
			errs    []error
		)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				l, c, err := b.store.UpsertLead(b.ctx, store.Lead{Email: "Same@Example.com", Signals: store.Signals{PagesViewed: i + 1}})
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err)
					return
				}
				ids[l.ID] = true
				if c {
					created++
				}
			}()
		}
		wg.Wait()
		require.Empty(t, errs, "concurrent upserts of one email")
		require.Equal(t, 1, created, "exactly one of the concurrent upserts creates the lead")
		require.Len(t, ids, 1, "every concurrent upsert lands on the one lead")
		l, err := b.store.LeadByEmail(b.ctx, "same@example.com")
		require.NoError(t, err)
		require.Equal(t, n, l.Signals.PagesViewed, "every report merged: the largest total wins")
	})
}

// requireSameLead compares two leads, timestamps as instants.
func requireSameLead(t *testing.T, want, got store.Lead, what string) {
	t.Helper()
	requireSameTime(t, want.CreatedAt, got.CreatedAt, what+": CreatedAt")
	requireSameTime(t, want.UpdatedAt, got.UpdatedAt, what+": UpdatedAt")
	want.CreatedAt, want.UpdatedAt, got.CreatedAt, got.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	require.Equal(t, want, got, what)
}
