package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/faroai/faro/store"
)

// The aggregates of the KPIs (see [store.Stats]), counted by PostgreSQL.

func checkRange(op string, from, to time.Time) error {
	if err := store.CheckRange(from, to); err != nil {
		return fmt.Errorf("postgres: %s: %w", op, err)
	}
	return nil
}

// LeadStats counts the leads created in [from, to).
func (db *DB) LeadStats(ctx context.Context, from, to time.Time) (store.LeadStats, error) {
	const op = "lead stats"
	if err := checkRange(op, from, to); err != nil {
		return store.LeadStats{}, err
	}
	out := store.LeadStats{ByStage: map[store.LeadStage]int{
		store.StageNew: 0, store.StageMarketingQualified: 0, store.StageSalesQualified: 0,
	}}
	rows, err := db.pool.Query(ctx, `SELECT l.stage, COUNT(*), COALESCE(SUM(CASE
			WHEN EXISTS (SELECT 1 FROM enrollments e WHERE e.email_key = l.email_key AND e.status IN ('active', 'completed'))
			  OR EXISTS (SELECT 1 FROM subscriptions s WHERE s.customer_key = l.email_key
			             OR (l.contact_id <> '' AND s.contact_id = l.contact_id))
			THEN 1 ELSE 0 END), 0)
		FROM leads l WHERE l.created_at >= $1 AND l.created_at < $2 GROUP BY l.stage`, from, to)
	if err != nil {
		return store.LeadStats{}, dbErr(op, err)
	}
	type group struct {
		stage        string
		n, converted int
	}
	groups, err := collect(rows, func(r pgx.Rows) (group, error) {
		var g group
		return g, r.Scan(&g.stage, &g.n, &g.converted)
	})
	if err != nil {
		return store.LeadStats{}, dbErr(op, err)
	}
	for _, g := range groups {
		out.ByStage[store.LeadStage(g.stage)] += g.n
		out.Created += g.n
		out.Converted += g.converted
	}
	return out, nil
}

// EnrollmentStats counts the enrolments made in [from, to) and sums the
// price of the confirmed ones.
func (db *DB) EnrollmentStats(ctx context.Context, from, to time.Time) (store.EnrollmentStats, error) {
	const op = "enrollment stats"
	if err := checkRange(op, from, to); err != nil {
		return store.EnrollmentStats{}, err
	}
	rows, err := db.pool.Query(ctx, `SELECT e.status, c.price_currency, COUNT(*), COALESCE(SUM(c.price_amount), 0)
		FROM enrollments e JOIN courses c ON c.slug = e.course_slug
		WHERE e.created_at >= $1 AND e.created_at < $2 GROUP BY e.status, c.price_currency`, from, to)
	if err != nil {
		return store.EnrollmentStats{}, dbErr(op, err)
	}
	type group struct {
		status, currency string
		n                int
		amount           float64
	}
	groups, err := collect(rows, func(r pgx.Rows) (group, error) {
		var g group
		return g, r.Scan(&g.status, &g.currency, &g.n, &g.amount)
	})
	if err != nil {
		return store.EnrollmentStats{}, dbErr(op, err)
	}
	out := store.EnrollmentStats{Revenue: map[string]float64{}}
	for _, g := range groups {
		store.AddEnrollmentGroup(&out, store.EnrollmentStatus(g.status), g.currency, g.n, g.amount)
	}
	return out, nil
}

// TicketStats counts the tickets opened in [from, to) by where they stand.
func (db *DB) TicketStats(ctx context.Context, from, to, now time.Time) (store.TicketStats, error) {
	const op = "ticket stats"
	if err := checkRange(op, from, to); err != nil {
		return store.TicketStats{}, err
	}
	var out store.TicketStats
	err := db.pool.QueryRow(ctx, `SELECT COUNT(*),
			COUNT(*) FILTER (WHERE status IN ('open', 'pending')),
			COUNT(*) FILTER (WHERE status IN ('resolved', 'closed')),
			COUNT(*) FILTER (WHERE status IN ('open', 'pending') AND due_at IS NOT NULL AND due_at < $3)
		FROM tickets WHERE created_at >= $1 AND created_at < $2`, from, to, now).
		Scan(&out.Opened, &out.StillOpen, &out.Resolved, &out.SLABreached)
	if err != nil {
		return store.TicketStats{}, dbErr(op, err)
	}
	return out, nil
}

// ConversationStats counts the conversations with a message in [from, to)
// and those of them ever handed to a person.
func (db *DB) ConversationStats(ctx context.Context, from, to time.Time) (store.ConversationStats, error) {
	const op = "conversation stats"
	if err := checkRange(op, from, to); err != nil {
		return store.ConversationStats{}, err
	}
	var out store.ConversationStats
	err := db.pool.QueryRow(ctx, `SELECT COUNT(*), COUNT(*) FILTER (WHERE
			c.status = 'handed_off'
			OR EXISTS (SELECT 1 FROM messages s WHERE s.conversation_id = c.id AND s.author = 'staff')
			OR EXISTS (SELECT 1 FROM handoff_events h WHERE h.conversation_id = c.id)
			OR EXISTS (SELECT 1 FROM outbox_events o WHERE o.type = 'conversation.handoff'
			           AND starts_with(o.id, 'conversation.handoff:' || c.id || ':')))
		FROM conversations c
		WHERE c.id IN (SELECT conversation_id FROM messages WHERE created_at >= $1 AND created_at < $2)`, from, to).
		Scan(&out.Active, &out.HandedOff)
	if err != nil {
		return store.ConversationStats{}, dbErr(op, err)
	}
	return out, nil
}

// SubscriptionStats sums and counts the subscriptions around [from, to),
// in one statement so the figures come from one snapshot.
func (db *DB) SubscriptionStats(ctx context.Context, from, to time.Time) (store.SubscriptionStats, error) {
	const op = "subscription stats"
	if err := checkRange(op, from, to); err != nil {
		return store.SubscriptionStats{}, err
	}
	out := store.SubscriptionStats{MRRCents: map[string]int64{}}
	var currencies []string
	var cents []int64
	err := db.pool.QueryRow(ctx, `WITH at_end AS (
			SELECT * FROM subscriptions WHERE started_at < $2 AND (cancelled_at IS NULL OR cancelled_at >= $2)
		), at_start AS (
			SELECT * FROM subscriptions WHERE started_at < $1 AND (cancelled_at IS NULL OR cancelled_at >= $1)
		), mrr AS (
			SELECT currency, SUM(monthly_amount_cents)::bigint AS cents FROM at_end GROUP BY currency
		), firsts AS (
			SELECT k, MIN(at) AS first FROM (
				SELECT customer_key AS k, started_at AS at FROM subscriptions
				UNION ALL
				SELECT email_key, created_at FROM enrollments WHERE status IN ('active', 'completed')
			) AS starts GROUP BY k
		)
		SELECT
			COALESCE((SELECT array_agg(currency ORDER BY currency) FROM mrr), '{}'),
			COALESCE((SELECT array_agg(cents ORDER BY currency) FROM mrr), '{}'),
			(SELECT COUNT(*) FROM at_end),
			(SELECT COUNT(DISTINCT customer_key) FROM at_end),
			(SELECT COUNT(*) FROM at_start),
			(SELECT COUNT(*) FROM subscriptions WHERE cancelled_at >= $1 AND cancelled_at < $2),
			(SELECT COUNT(*) FROM firsts WHERE first >= $1 AND first < $2)`, from, to).
		Scan(&currencies, &cents, &out.ActiveAtEnd, &out.ActiveCustomers, &out.ActiveAtStart, &out.Cancelled, &out.NewCustomers)
	if err != nil {
		return store.SubscriptionStats{}, dbErr(op, err)
	}
	for i, c := range currencies {
		out.MRRCents[c] += cents[i]
	}
	return out, nil
}
