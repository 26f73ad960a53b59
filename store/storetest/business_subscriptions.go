package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/faroai/faro/store"
)

func exerciseSubscriptions(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("PutIsAnIdempotentUpsert", func(t *testing.T) {
		b := setup(t, open)
		ctx, s := b.ctx, b.store
		started := time.Date(2026, 9, 1, 10, 30, 0, 123456789, time.FixedZone("CDMX", -6*3600))
		in := store.Subscription{
			ExternalID: " sub_001 ", Email: " Ana@Example.com ", Plan: "pulse-pro", MonthlyAmountCents: 4900,
			Currency: "usd", StartedAt: started,
		}
		before := time.Now()
		got, created, err := s.PutSubscription(ctx, in)
		after := time.Now()
		require.NoError(t, err, "PutSubscription")
		require.True(t, created, "the first put creates")
		require.Equal(t, "sub_001", got.ExternalID, "external id trimmed")
		require.Equal(t, "Ana@Example.com", got.Email, "email trimmed, spelling kept")
		require.Equal(t, "USD", got.Currency, "currency upper-cased")
		require.Equal(t, int64(4900), got.MonthlyAmountCents)
		requireSameTime(t, started.Truncate(time.Microsecond), got.StartedAt, "StartedAt, at the microsecond, in UTC")
		require.True(t, got.CancelledAt.IsZero(), "not cancelled")
		requireStoreTime(t, got.CreatedAt, before, after, "CreatedAt")

		read, err := s.Subscription(ctx, "sub_001")
		require.NoError(t, err)
		require.Equal(t, got, read, "Subscription reads what PutSubscription returned")

		// Billing retries: the same put again changes nothing but UpdatedAt.
		again, created, err := s.PutSubscription(ctx, in)
		require.NoError(t, err)
		require.False(t, created, "a second put of one external id replaces")
		requireSameTime(t, got.CreatedAt, again.CreatedAt, "CreatedAt kept on replace")
		again.UpdatedAt = got.UpdatedAt
		require.Equal(t, got, again, "the same put stores the same subscription")

		// Cancelling is a replace with cancelled_at.
		cancelled := time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC)
		in.CancelledAt = cancelled
		in.Currency = ""
		c, created, err := s.PutSubscription(ctx, in)
		require.NoError(t, err)
		require.False(t, created)
		requireSameTime(t, cancelled, c.CancelledAt, "CancelledAt")
		require.Equal(t, "USD", c.Currency, "an empty currency is USD")
		read, err = s.Subscription(ctx, "sub_001")
		require.NoError(t, err)
		requireSameTime(t, cancelled, read.CancelledAt, "CancelledAt read back")

		_, err = s.Subscription(ctx, "no-such")
		requireErrorIs(t, err, store.ErrNotFound, "Subscription of an unknown id")

		ok := store.Subscription{ExternalID: "x", Email: "x@example.com", Plan: "p", StartedAt: started}
		for name, change := range map[string]func(*store.Subscription){
			"no external id":        func(s *store.Subscription) { s.ExternalID = " " },
			"spaces in external id": func(s *store.Subscription) { s.ExternalID = "a b" },
			"no customer":           func(s *store.Subscription) { s.Email = "" },
			"no plan":               func(s *store.Subscription) { s.Plan = "" },
			"not an email":          func(s *store.Subscription) { s.Email = "ana" },
			"a display name":        func(s *store.Subscription) { s.Email = "Ana <ana@example.com>" },
			"two emails":            func(s *store.Subscription) { s.Email = "a@example.com, b@example.com" },
			"negative amount":       func(s *store.Subscription) { s.MonthlyAmountCents = -1 },
			"bad currency":          func(s *store.Subscription) { s.Currency = "dollars" },
			"no start":              func(s *store.Subscription) { s.StartedAt = time.Time{} },
			"cancelled before start": func(s *store.Subscription) {
				s.CancelledAt = s.StartedAt.Add(-time.Hour)
			},
		} {
			bad := ok
			change(&bad)
			_, _, err := s.PutSubscription(ctx, bad)
			requireErrorIs(t, err, store.ErrInvalid, "PutSubscription with "+name)
		}
		_, err = s.Subscription(ctx, "x")
		requireErrorIs(t, err, store.ErrNotFound, "a refused put stores nothing")
		contactOnly := ok
		contactOnly.Email, contactOnly.ContactID = "", "contact-1"
		_, _, err = s.PutSubscription(ctx, contactOnly)
		require.NoError(t, err, "a contact id alone names the customer")
	})

	t.Run("ListNewestStartedFirst", func(t *testing.T) {
		b := setup(t, open)
		ctx, s := b.ctx, b.store
		day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		for i, id := range []string{"b", "a", "c"} {
			_, _, err := s.PutSubscription(ctx, store.Subscription{
				ExternalID: id, Email: id + "@example.com", Plan: "p", StartedAt: day.AddDate(0, i, 0),
			})
			require.NoError(t, err)
		}
		_, _, err := s.PutSubscription(ctx, store.Subscription{ExternalID: "d", Email: "d@example.com", Plan: "p", StartedAt: day.AddDate(0, 2, 0)})
		require.NoError(t, err)
		all, err := s.ListSubscriptions(ctx, 0, 0)
		require.NoError(t, err)
		var ids []string
		for _, x := range all {
			ids = append(ids, x.ExternalID)
		}
		require.Equal(t, []string{"c", "d", "a", "b"}, ids, "newest started first, then by external id")
		page, err := s.ListSubscriptions(ctx, 1, 2)
		require.NoError(t, err)
		require.Len(t, page, 2)
		require.Equal(t, "d", page[0].ExternalID)
		_, err = s.ListSubscriptions(ctx, -1, 0)
		requireErrorIs(t, err, store.ErrInvalid, "a negative offset")
	})
}

func exerciseStats(t *testing.T, open func(t *testing.T) store.Store) {
	t.Run("Subscriptions", func(t *testing.T) {
		b := setup(t, open)
		ctx, s := b.ctx, b.store
		d := func(m time.Month, day int) time.Time { return time.Date(2026, m, day, 0, 0, 0, 0, time.UTC) }
		for _, sub := range []store.Subscription{
			// active before, during and after October
			{ExternalID: "s1", Email: "a@example.com", Plan: "pro", MonthlyAmountCents: 3000, StartedAt: d(9, 1)},
			// active at the start, cancelled during October: the churn
			{ExternalID: "s2", Email: "b@example.com", Plan: "pro", MonthlyAmountCents: 5000, StartedAt: d(8, 1), CancelledAt: d(10, 15)},
			// starts the very first instant of October: new, not active at the start
			{ExternalID: "s3", Email: "C@example.com", Plan: "basic", MonthlyAmountCents: 2000, StartedAt: d(10, 1)},
			// a's second subscription: a is not a new customer
			{ExternalID: "s4", Email: "a@example.com", Plan: "addon", MonthlyAmountCents: 1000, StartedAt: d(10, 20)},
			// known by contact only, in euros, cancelled after October
			{ExternalID: "s5", ContactID: "k1", Plan: "pro", MonthlyAmountCents: 1500, Currency: "EUR", StartedAt: d(10, 5), CancelledAt: d(11, 3)},
			// cancelled at the very end of October: still active at its end
			{ExternalID: "s6", Email: "e@example.com", Plan: "pro", MonthlyAmountCents: 700, StartedAt: d(9, 10), CancelledAt: d(11, 1)},
			// started and cancelled within October: new, and churned
			{ExternalID: "s8", Email: "h@example.com", Plan: "basic", MonthlyAmountCents: 500, StartedAt: d(10, 3), CancelledAt: d(10, 20)},
			// after October
			{ExternalID: "s7", Email: "f@example.com", Plan: "pro", MonthlyAmountCents: 9900, StartedAt: d(11, 5)},
		} {
			_, _, err := s.PutSubscription(ctx, sub)
			require.NoError(t, err, "PutSubscription %s", sub.ExternalID)
		}
		got, err := s.SubscriptionStats(ctx, d(10, 1), d(11, 1))
		require.NoError(t, err, "SubscriptionStats")
		require.Equal(t, map[string]int64{"USD": 3000 + 2000 + 1000 + 700, "EUR": 1500}, got.MRRCents, "MRR: active at the end, by currency")
		require.Equal(t, 5, got.ActiveAtEnd, "s1, s3, s4, s5, s6 at the end")
		require.Equal(t, 4, got.ActiveCustomers, "a, c, contact k1, e: a counted once")
		require.Equal(t, 3, got.ActiveAtStart, "s1, s2, s6 at the start")
		require.Equal(t, 2, got.Cancelled, "s2 and s8 cancelled in the range")
		require.Equal(t, 3, got.NewCustomers, "c, contact k1 and h started in October")

		empty, err := s.SubscriptionStats(ctx, d(1, 1), d(2, 1))
		require.NoError(t, err)
		require.Empty(t, empty.MRRCents, "no MRR before any subscription")
		require.Zero(t, empty.ActiveAtEnd+empty.ActiveAtStart+empty.NewCustomers+empty.Cancelled)

		_, err = s.SubscriptionStats(ctx, d(11, 1), d(10, 1))
		requireErrorIs(t, err, store.ErrInvalid, "a range ending before it starts")
	})

	t.Run("LeadsEnrollmentsAndCustomers", func(t *testing.T) {
		b := setup(t, open)
		ctx, s := b.ctx, b.store
		_, err := s.PutCourse(ctx, store.Course{Slug: "paid", Seats: 10, Price: store.Money{Amount: 149, Currency: "USD"}})
		require.NoError(t, err)
		_, err = s.PutCourse(ctx, store.Course{Slug: "free", Seats: 10})
		require.NoError(t, err)
		start := time.Now().Add(-time.Minute)
		var leads []store.Lead
		for _, email := range []string{"lead1@example.com", "LEAD2@example.com", "lead3@example.com"} {
			l, _, err := s.UpsertLead(ctx, store.Lead{Email: email})
			require.NoError(t, err)
			leads = append(leads, l)
		}
		_, err = s.SetLeadStage(ctx, leads[2].ID, store.StageSalesQualified, 80, nil)
		require.NoError(t, err)
		// lead1 pays for a course; lead2 subscribes; lead3 only holds an
		// unpaid seat.
		e1, _, err := s.Enroll(ctx, store.EnrollRequest{CourseSlug: "paid", Email: "Lead1@example.com"})
		require.NoError(t, err)
		_, err = s.ConfirmPayment(ctx, e1.ID, "pay-1")
		require.NoError(t, err)
		_, _, err = s.PutSubscription(ctx, store.Subscription{ExternalID: "sub-l2", Email: "lead2@example.com", Plan: "pro",
			MonthlyAmountCents: 2900, StartedAt: time.Now().Add(-time.Hour * 24 * 400)})
		require.NoError(t, err)
		_, _, err = s.Enroll(ctx, store.EnrollRequest{CourseSlug: "paid", Email: "lead3@example.com"})
		require.NoError(t, err)
		_, _, err = s.Enroll(ctx, store.EnrollRequest{CourseSlug: "free", Email: "free@example.com"})
		require.NoError(t, err)
		cx, _, err := s.Enroll(ctx, store.EnrollRequest{CourseSlug: "paid", Email: "gone@example.com"})
		require.NoError(t, err)
		_, err = s.CancelEnrollment(ctx, cx.ID)
		require.NoError(t, err)
		end := time.Now().Add(time.Minute)

		ls, err := s.LeadStats(ctx, start, end)
		require.NoError(t, err, "LeadStats")
		require.Equal(t, 3, ls.Created)
		require.Equal(t, map[store.LeadStage]int{store.StageNew: 2, store.StageMarketingQualified: 0, store.StageSalesQualified: 1}, ls.ByStage)
		require.Equal(t, 2, ls.Converted, "lead1 paid an enrolment, lead2 subscribed; lead3's seat is unpaid")
		none, err := s.LeadStats(ctx, end, end.Add(time.Hour))
		require.NoError(t, err)
		require.Zero(t, none.Created, "no lead after they were made")
		_, err = s.LeadStats(ctx, end, start)
		requireErrorIs(t, err, store.ErrInvalid, "LeadStats of a backwards range")

		es, err := s.EnrollmentStats(ctx, start, end)
		require.NoError(t, err, "EnrollmentStats")
		require.Equal(t, 2, es.Confirmed, "the paid one confirmed and the free one")
		require.Equal(t, 1, es.Pending)
		require.Equal(t, 1, es.Cancelled)
		require.Equal(t, map[string]float64{"USD": 149}, es.Revenue, "revenue: the confirmed paid seat")

		ss, err := s.SubscriptionStats(ctx, start, end)
		require.NoError(t, err)
		require.Equal(t, 2, ss.NewCustomers, "lead1 and free@ enrolled for the first time; lead2 subscribed long ago; unpaid and cancelled seats are no customers")
		require.Equal(t, map[string]int64{"USD": 2900}, ss.MRRCents)
	})

	t.Run("Tickets", func(t *testing.T) {
		b := setup(t, open)
		ctx, s := b.ctx, b.store
		start := time.Now().Add(-time.Minute)
		late, _, err := s.OpenTicket(ctx, store.Ticket{Subject: "late", Email: "a@example.com", DueAt: time.Now().Add(-time.Hour)})
		require.NoError(t, err)
		_, _, err = s.OpenTicket(ctx, store.Ticket{Subject: "in time", Email: "a@example.com", DueAt: time.Now().Add(time.Hour)})
		require.NoError(t, err)
		done, _, err := s.OpenTicket(ctx, store.Ticket{Subject: "done", Email: "b@example.com", DueAt: time.Now().Add(-time.Hour)})
		require.NoError(t, err)
		_, err = s.UpdateTicket(ctx, done.ID, store.TicketUpdate{Status: store.TicketResolved})
		require.NoError(t, err)
		pending, _, err := s.OpenTicket(ctx, store.Ticket{Subject: "waiting", Email: "c@example.com"})
		require.NoError(t, err)
		_, err = s.UpdateTicket(ctx, pending.ID, store.TicketUpdate{Status: store.TicketPending})
		require.NoError(t, err)
		end := time.Now().Add(time.Minute)

		ts, err := s.TicketStats(ctx, start, end, time.Now())
		require.NoError(t, err, "TicketStats")
		require.Equal(t, store.TicketStats{Opened: 4, StillOpen: 3, Resolved: 1, SLABreached: 1}, ts,
			"only %s is open past its due time; the resolved one is not counted", late.Number)
		later, err := s.TicketStats(ctx, start, end, time.Now().Add(2*time.Hour))
		require.NoError(t, err)
		require.Equal(t, 2, later.SLABreached, "two hours on, the second one is late too")
		none, err := s.TicketStats(ctx, end, end.Add(time.Hour), time.Now())
		require.NoError(t, err)
		require.Zero(t, none.Opened)
	})

	t.Run("Conversations", func(t *testing.T) {
		b := setup(t, open)
		ctx, s := b.ctx, b.store
		contact, err := s.CreateContact(ctx, store.Contact{Name: "Ana"})
		require.NoError(t, err)
		start := time.Now().Add(-time.Minute)
		conv := func(status store.ConversationStatus) store.Conversation {
			t.Helper()
			c, err := s.CreateConversation(ctx, store.Conversation{ContactID: contact.ID, Channel: "web", Status: status})
			require.NoError(t, err)
			return c
		}
		say := func(c store.Conversation, a store.Author) {
			t.Helper()
			_, _, err := s.AppendMessage(ctx, store.Message{ConversationID: c.ID, Author: a, Text: "hola"})
			require.NoError(t, err)
		}
		bot := conv("")
		say(bot, store.AuthorUser)
		say(bot, store.AuthorAssistant)
		handed := conv(store.ConversationHandedOff)
		say(handed, store.AuthorUser)
		released := conv("") // a person answered, then gave it back
		say(released, store.AuthorUser)
		say(released, store.AuthorStaff)
		notified := conv("") // handed off and released before staff wrote
		say(notified, store.AuthorUser)
		_, err = s.EnqueueEvent(ctx, store.Event{ID: store.HandoffEventPrefix(notified.ID) + "1700000000000", Type: "conversation.handoff", Payload: []byte(`{}`)})
		require.NoError(t, err)
		// Another conversation's hand-off, whose id starts like this one's,
		// must not count for it.
		other := conv("")
		say(other, store.AuthorUser)
		_, err = s.EnqueueEvent(ctx, store.Event{ID: "conversation.handoff:" + other.ID + "x:1", Type: "conversation.handoff", Payload: []byte(`{}`)})
		require.NoError(t, err)
		silent := conv(store.ConversationHandedOff) // no message: not active
		_ = silent
		// Taken by staff from their chat and released before anyone wrote:
		// only the hand-off events tell.
		taken := conv("")
		say(taken, store.AuthorUser)
		_, _, err = s.AddHandoffEvent(ctx, store.HandoffEvent{ConversationID: taken.ID, Kind: store.HandoffTaken, Actor: "slack:U1"})
		require.NoError(t, err)
		_, _, err = s.AddHandoffEvent(ctx, store.HandoffEvent{ConversationID: taken.ID, Kind: store.HandoffReleased, Actor: "slack:U1"})
		require.NoError(t, err)
		end := time.Now().Add(time.Minute)

		cs, err := s.ConversationStats(ctx, start, end)
		require.NoError(t, err, "ConversationStats")
		require.Equal(t, store.ConversationStats{Active: 6, HandedOff: 4}, cs)
		none, err := s.ConversationStats(ctx, end, end.Add(time.Hour))
		require.NoError(t, err)
		require.Zero(t, none.Active)
	})
}
