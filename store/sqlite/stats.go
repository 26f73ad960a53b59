package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/faroai/faro/store"
)

// The aggregates of the KPIs (see [store.Stats]): counted by SQLite, each
// method in one read transaction so its figures agree with each other.

// statsRange checks the range and returns it in the stored unit.
func statsRange(op string, from, to time.Time) (int64, int64, error) {
	if err := store.CheckRange(from, to); err != nil {
		return 0, 0, wrap(op, err)
	}
	return toNanos(from), toNanos(to), nil
}

// LeadStats counts the leads created in [from, to).
func (db *DB) LeadStats(ctx context.Context, from, to time.Time) (store.LeadStats, error) {
	const op = "lead stats"
	f, t, err := statsRange(op, from, to)
	if err != nil {
		return store.LeadStats{}, err
	}
	out := store.LeadStats{ByStage: map[store.LeadStage]int{
		store.StageNew: 0, store.StageMarketingQualified: 0, store.StageSalesQualified: 0,
	}}
	err = queryBatch(ctx, db.sql, `SELECT l.stage, COUNT(*), COALESCE(SUM(CASE
			WHEN EXISTS (SELECT 1 FROM enrollments e WHERE e.email_fold = l.email_fold AND e.status IN ('active', 'completed'))
			  OR EXISTS (SELECT 1 FROM subscriptions s WHERE s.customer_key = l.email_fold
			             OR (l.contact_id <> '' AND s.contact_id = l.contact_id))
			THEN 1 ELSE 0 END), 0)
		FROM leads l WHERE l.created_at >= ? AND l.created_at < ? GROUP BY l.stage`, []any{f, t},
		func(rows *sql.Rows) error {
			var (
				stage        string
				n, converted int
			)
			if err := rows.Scan(&stage, &n, &converted); err != nil {
				return err
			}
			out.ByStage[store.LeadStage(stage)] += n
			out.Created += n
			out.Converted += converted
			return nil
		})
	if err != nil {
		return store.LeadStats{}, wrap(op, err)
	}
	return out, nil
}

// EnrollmentStats counts the enrolments made in [from, to) and sums the
// price of the confirmed ones.
func (db *DB) EnrollmentStats(ctx context.Context, from, to time.Time) (store.EnrollmentStats, error) {
	const op = "enrollment stats"
	f, t, err := statsRange(op, from, to)
	if err != nil {
		return store.EnrollmentStats{}, err
	}
	out := store.EnrollmentStats{Revenue: map[string]float64{}}
	err = queryBatch(ctx, db.sql, `SELECT e.status, c.price_currency, COUNT(*), COALESCE(SUM(c.price_amount), 0)
		FROM enrollments e JOIN courses c ON c.slug = e.course_slug
		WHERE e.created_at >= ? AND e.created_at < ? GROUP BY e.status, c.price_currency`, []any{f, t},
		func(rows *sql.Rows) error {
			var (
				status, currency string
				n                int
				amount           float64
			)
			if err := rows.Scan(&status, &currency, &n, &amount); err != nil {
				return err
			}
			store.AddEnrollmentGroup(&out, store.EnrollmentStatus(status), currency, n, amount)
			return nil
		})
	if err != nil {
		return store.EnrollmentStats{}, wrap(op, err)
	}
	return out, nil
}

// TicketStats counts the tickets opened in [from, to) by where they stand.
func (db *DB) TicketStats(ctx context.Context, from, to, now time.Time) (store.TicketStats, error) {
	const op = "ticket stats"
	f, t, err := statsRange(op, from, to)
	if err != nil {
		return store.TicketStats{}, err
	}
	var out store.TicketStats
	err = db.sql.QueryRowContext(ctx, `SELECT COUNT(*),
			COALESCE(SUM(CASE WHEN status IN ('open', 'pending') THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN status IN ('resolved', 'closed') THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN status IN ('open', 'pending') AND due_at IS NOT NULL AND due_at < ? THEN 1 ELSE 0 END), 0)
		FROM tickets WHERE created_at >= ? AND created_at < ?`, toNanos(now), f, t).
		Scan(&out.Opened, &out.StillOpen, &out.Resolved, &out.SLABreached)
	if err != nil {
		return store.TicketStats{}, wrap(op, err)
	}
	return out, nil
}

// ConversationStats counts the conversations with a message in [from, to)
// and those of them ever handed to a person.
func (db *DB) ConversationStats(ctx context.Context, from, to time.Time) (store.ConversationStats, error) {
	const op = "conversation stats"
	f, t, err := statsRange(op, from, to)
	if err != nil {
		return store.ConversationStats{}, err
	}
	var out store.ConversationStats
	err = db.sql.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE
			WHEN c.status = 'handed_off'
			  OR EXISTS (SELECT 1 FROM messages s WHERE s.conversation_id = c.id AND s.author = 'staff')
			  OR EXISTS (SELECT 1 FROM handoff_events h WHERE h.conversation_id = c.id)
			  OR EXISTS (SELECT 1 FROM outbox_events o WHERE o.type = 'conversation.handoff'
			             AND substr(o.id, 1, length('conversation.handoff:' || c.id || ':')) = 'conversation.handoff:' || c.id || ':')
			THEN 1 ELSE 0 END), 0)
		FROM conversations c
		WHERE c.id IN (SELECT conversation_id FROM messages WHERE created_at >= ? AND created_at < ?)`, f, t).
		Scan(&out.Active, &out.HandedOff)
	if err != nil {
		return store.ConversationStats{}, wrap(op, err)
	}
	return out, nil
}

// SubscriptionStats sums and counts the subscriptions around [from, to).
func (db *DB) SubscriptionStats(ctx context.Context, from, to time.Time) (store.SubscriptionStats, error) {
	const op = "subscription stats"
	f, t, err := statsRange(op, from, to)
	if err != nil {
		return store.SubscriptionStats{}, err
	}
	out := store.SubscriptionStats{MRRCents: map[string]int64{}}
	err = db.read(ctx, func(tx *sql.Tx) error {
		// Active at to: started before it, not cancelled by then.
		err := queryBatch(ctx, tx, `SELECT currency, COALESCE(SUM(monthly_amount_cents), 0), COUNT(*) FROM subscriptions
			WHERE started_at < ? AND (cancelled_at IS NULL OR cancelled_at >= ?) GROUP BY currency`, []any{t, t},
			func(rows *sql.Rows) error {
				var (
					currency string
					cents    int64
					n        int
				)
				if err := rows.Scan(&currency, &cents, &n); err != nil {
					return err
				}
				out.MRRCents[currency] += cents
				out.ActiveAtEnd += n
				return nil
			})
		if err != nil {
			return fmt.Errorf("mrr: %w", err)
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(DISTINCT customer_key) FROM subscriptions
			WHERE started_at < ? AND (cancelled_at IS NULL OR cancelled_at >= ?)`, t, t).Scan(&out.ActiveCustomers); err != nil {
			return fmt.Errorf("active customers: %w", err)
		}
		if err := tx.QueryRowContext(ctx, `SELECT
				COALESCE(SUM(CASE WHEN started_at < ? AND (cancelled_at IS NULL OR cancelled_at >= ?) THEN 1 ELSE 0 END), 0),
				COALESCE(SUM(CASE WHEN cancelled_at >= ? AND cancelled_at < ? THEN 1 ELSE 0 END), 0)
			FROM subscriptions`, f, f, f, t).
			Scan(&out.ActiveAtStart, &out.Cancelled); err != nil {
			return fmt.Errorf("churn: %w", err)
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM (
				SELECT k, MIN(at) AS first FROM (
					SELECT customer_key AS k, started_at AS at FROM subscriptions
					UNION ALL
					SELECT email_fold, created_at FROM enrollments WHERE status IN ('active', 'completed')
				) GROUP BY k
			) WHERE first >= ? AND first < ?`, f, t).Scan(&out.NewCustomers); err != nil {
			return fmt.Errorf("new customers: %w", err)
		}
		return nil
	})
	if err != nil {
		return store.SubscriptionStats{}, wrap(op, err)
	}
	return out, nil
}
