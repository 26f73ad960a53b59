package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/faroai/faro/store"
)

const leadColumns = `id, contact_id, email, name, phone, company, company_size, industry, country, interest,
	budget, timeline, signals, score, score_factors, stage, created_at, updated_at`

func scanLead(row pgx.Row) (store.Lead, error) {
	var (
		l                store.Lead
		signals, factors []byte
	)
	if err := row.Scan(&l.ID, &l.ContactID, &l.Email, &l.Name, &l.Phone, &l.Company, &l.CompanySize, &l.Industry,
		&l.Country, &l.Interest, &l.Budget, &l.Timeline, &signals, &l.Score, &factors, &l.Stage,
		&l.CreatedAt, &l.UpdatedAt); err != nil {
		return store.Lead{}, err
	}
	if err := json.Unmarshal(signals, &l.Signals); err != nil {
		return store.Lead{}, fmt.Errorf("decode signals of lead %q: %w", l.ID, err)
	}
	l.ScoreFactors = compactJSON(factors)
	l.CreatedAt, l.UpdatedAt = l.CreatedAt.UTC(), l.UpdatedAt.UTC()
	return l, nil
}

// UpsertLead stores l as the lead of its email; see [store.Leads]. The
// lead's row is locked while the report merges into it, and a concurrent
// first report of the same email loses the insert race to the unique
// email_key and merges instead.
func (db *DB) UpsertLead(ctx context.Context, l store.Lead) (store.Lead, bool, error) {
	op := fmt.Sprintf("upsert lead %q", l.Email)
	if err := store.CheckLead(l); err != nil {
		return store.Lead{}, false, fmt.Errorf("postgres: %s: %w", op, err)
	}
	key := store.FoldEmail(l.Email)
	id, err := newID()
	if err != nil {
		return store.Lead{}, false, fmt.Errorf("postgres: %s: %w", op, err)
	}
	signals, err := json.Marshal(l.Signals)
	if err != nil {
		return store.Lead{}, false, fmt.Errorf("postgres: %s: encode signals: %w", op, err)
	}
	var (
		out     store.Lead
		created bool
	)
	err = db.inTx(ctx, pgx.TxOptions{}, func(tx pgx.Tx) error {
		t := now()
		tag, err := tx.Exec(ctx, `INSERT INTO leads (id, contact_id, email, email_key, name, phone, company, company_size,
				industry, country, interest, budget, timeline, signals, stage, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'new', $15, $15)
			ON CONFLICT (email_key) DO NOTHING`,
			id, strings.TrimSpace(l.ContactID), strings.TrimSpace(l.Email), key, strings.TrimSpace(l.Name),
			strings.TrimSpace(l.Phone), strings.TrimSpace(l.Company), l.CompanySize, strings.TrimSpace(l.Industry),
			strings.TrimSpace(l.Country), string(l.Interest), l.Budget, strings.TrimSpace(l.Timeline), string(signals), t)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 1 {
			created = true
			out, err = scanLead(tx.QueryRow(ctx, `SELECT `+leadColumns+` FROM leads WHERE id = $1`, id))
			return err
		}
		old, err := scanLead(tx.QueryRow(ctx, `SELECT `+leadColumns+` FROM leads WHERE email_key = $1 FOR UPDATE`, key))
		if err != nil {
			return err
		}
		m := store.MergeLead(old, l, t)
		merged, err := json.Marshal(m.Signals)
		if err != nil {
			return fmt.Errorf("encode signals: %w", err)
		}
		out, err = scanLead(tx.QueryRow(ctx, `UPDATE leads SET contact_id = $2, name = $3, phone = $4, company = $5,
				company_size = $6, industry = $7, country = $8, interest = $9, budget = $10, timeline = $11,
				signals = $12, updated_at = $13
			WHERE id = $1 RETURNING `+leadColumns,
			m.ID, m.ContactID, m.Name, m.Phone, m.Company, m.CompanySize, m.Industry, m.Country, string(m.Interest),
			m.Budget, m.Timeline, string(merged), m.UpdatedAt))
		return err
	})
	if err != nil {
		return store.Lead{}, false, dbErr(op, err)
	}
	return out, created, nil
}

// Lead returns ErrNotFound if there is no lead with that id.
func (db *DB) Lead(ctx context.Context, id string) (store.Lead, error) {
	l, err := scanLead(db.pool.QueryRow(ctx, `SELECT `+leadColumns+` FROM leads WHERE id = $1`, id))
	if err != nil {
		return store.Lead{}, dbErr(fmt.Sprintf("lead %q", id), err)
	}
	return l, nil
}

// LeadByEmail matches case-insensitively; ErrNotFound if none.
func (db *DB) LeadByEmail(ctx context.Context, email string) (store.Lead, error) {
	op := fmt.Sprintf("lead by email %q", email)
	key := store.FoldEmail(email)
	if key == "" {
		return store.Lead{}, fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
	}
	l, err := scanLead(db.pool.QueryRow(ctx, `SELECT `+leadColumns+` FROM leads WHERE email_key = $1`, key))
	if err != nil {
		return store.Lead{}, dbErr(op, err)
	}
	return l, nil
}

// ListLeads returns leads in f's order, filtered and paginated.
func (db *DB) ListLeads(ctx context.Context, f store.LeadFilter, offset, limit int) ([]store.Lead, error) {
	const op = "list leads"
	if err := checkPage(op, offset, limit); err != nil {
		return nil, err
	}
	if err := f.Check(); err != nil {
		return nil, dbErr(op, err)
	}
	order := `created_at DESC, id DESC`
	switch f.Order {
	case store.LeadsOldest:
		order = `created_at, id`
	case store.LeadsByScore:
		order = `score DESC, created_at DESC, id DESC`
	}
	rows, err := db.pool.Query(ctx, `SELECT `+leadColumns+` FROM leads WHERE ($1 = '' OR stage = $1) AND score >= $2
		AND ($3 = '' OR contact_id IN (SELECT contact_id FROM conversations WHERE channel = $3))
		ORDER BY `+order+` OFFSET $4 LIMIT $5`, string(f.Stage), f.MinScore, f.Channel, offset, limitArg(limit))
	if err != nil {
		return nil, dbErr(op, err)
	}
	out, err := collect(rows, func(r pgx.Rows) (store.Lead, error) { return scanLead(r) })
	if err != nil {
		return nil, dbErr(op, err)
	}
	return out, nil
}

// SetLeadStage saves score, factors and stage under the lead's row lock,
// recording a move in the history in the same transaction.
func (db *DB) SetLeadStage(ctx context.Context, leadID string, stage store.LeadStage, score float64, factors json.RawMessage) (store.LeadStageChange, error) {
	op := fmt.Sprintf("set stage of lead %q to %q", leadID, stage)
	if !stage.Valid() {
		return store.LeadStageChange{}, invalid(op, "stage %q", stage)
	}
	fs, err := jsonArg(op, "score factors", factors)
	if err != nil {
		return store.LeadStageChange{}, err
	}
	var change store.LeadStageChange
	err = db.inTx(ctx, pgx.TxOptions{}, func(tx pgx.Tx) error {
		var from store.LeadStage
		if err := tx.QueryRow(ctx, `SELECT stage FROM leads WHERE id = $1 FOR UPDATE`, leadID).Scan(&from); err != nil {
			return err
		}
		t := now()
		change = store.LeadStageChange{LeadID: leadID, From: from, To: stage, Score: score, At: t}
		if _, err := tx.Exec(ctx, `UPDATE leads SET stage = $2, score = $3, score_factors = $4, updated_at = $5 WHERE id = $1`,
			leadID, string(stage), score, fs, t); err != nil {
			return err
		}
		if !change.Changed() {
			return nil
		}
		return tx.QueryRow(ctx, `INSERT INTO lead_stage_changes (lead_id, from_stage, to_stage, score, created_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, leadID, string(from), string(stage), score, t).Scan(&change.ID)
	})
	if err != nil {
		return store.LeadStageChange{}, dbErr(op, err)
	}
	return change, nil
}

// LeadHistory lists the stage changes of a lead, oldest first.
func (db *DB) LeadHistory(ctx context.Context, leadID string) ([]store.LeadStageChange, error) {
	op := fmt.Sprintf("history of lead %q", leadID)
	var out []store.LeadStageChange
	err := db.inTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := exists(ctx, tx, `SELECT EXISTS (SELECT 1 FROM leads WHERE id = $1)`, leadID); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id, lead_id, from_stage, to_stage, score, created_at
			FROM lead_stage_changes WHERE lead_id = $1 ORDER BY id`, leadID)
		if err != nil {
			return err
		}
		out, err = collect(rows, func(r pgx.Rows) (store.LeadStageChange, error) {
			var c store.LeadStageChange
			err := r.Scan(&c.ID, &c.LeadID, &c.From, &c.To, &c.Score, &c.At)
			c.At = c.At.UTC()
			return c, err
		})
		return err
	})
	if err != nil {
		return nil, dbErr(op, err)
	}
	return out, nil
}

// exists runs a "SELECT EXISTS (…)" query and answers pgx.ErrNoRows
// (ErrNotFound through dbErr) when it is false.
func exists(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, query string, args ...any) error {
	var ok bool
	if err := q.QueryRow(ctx, query, args...).Scan(&ok); err != nil {
		return err
	}
	if !ok {
		return pgx.ErrNoRows
	}
	return nil
}
