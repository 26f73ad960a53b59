package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/faroai/faro/store"
)

const leadColumns = `id, contact_id, email, name, phone, company, company_size, industry, country, interest,
	budget, timeline, signals, score, score_factors, stage, created_at, updated_at`

// UpsertLead stores l as the lead of its email; see [store.Leads].
func (db *DB) UpsertLead(ctx context.Context, l store.Lead) (store.Lead, bool, error) {
	op := fmt.Sprintf("upsert lead %q", l.Email)
	if err := store.CheckLead(l); err != nil {
		return store.Lead{}, false, wrap(op, err)
	}
	key := store.FoldEmail(l.Email)
	var (
		out     store.Lead
		created bool
	)
	err := db.write(ctx, func(tx *sql.Tx) error {
		old, err := getLead(ctx, tx, `WHERE email_fold = ?`, key)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			created = true
			id, err := newID()
			if err != nil {
				return err
			}
			t := now()
			l.ID, l.Email, l.Stage, l.Score, l.ScoreFactors = id, strings.TrimSpace(l.Email), store.StageNew, 0, nil
			l.CreatedAt, l.UpdatedAt = t, t
			if err := insertLead(ctx, tx, l, key); err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			if err := updateLead(ctx, tx, store.MergeLead(old, l, now())); err != nil {
				return err
			}
			l.ID = old.ID
		}
		out, err = getLead(ctx, tx, `WHERE id = ?`, l.ID)
		return err
	})
	if err != nil {
		return store.Lead{}, false, wrap(op, err)
	}
	return out, created, nil
}

func insertLead(ctx context.Context, tx *sql.Tx, l store.Lead, key string) error {
	signals, err := json.Marshal(l.Signals)
	if err != nil {
		return fmt.Errorf("encode signals: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO leads (`+leadColumns+`, email_fold)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		l.ID, strings.TrimSpace(l.ContactID), l.Email, strings.TrimSpace(l.Name), strings.TrimSpace(l.Phone),
		strings.TrimSpace(l.Company), l.CompanySize, strings.TrimSpace(l.Industry), strings.TrimSpace(l.Country),
		string(l.Interest), l.Budget, strings.TrimSpace(l.Timeline), string(signals), l.Score, nullJSON(l.ScoreFactors),
		string(l.Stage), toNanos(l.CreatedAt), toNanos(l.UpdatedAt), key)
	if err != nil {
		return fmt.Errorf("insert lead: %w", err)
	}
	return nil
}

func updateLead(ctx context.Context, tx *sql.Tx, l store.Lead) error {
	signals, err := json.Marshal(l.Signals)
	if err != nil {
		return fmt.Errorf("encode signals: %w", err)
	}
	_, err = tx.ExecContext(ctx, `UPDATE leads SET contact_id = ?, name = ?, phone = ?, company = ?, company_size = ?,
		industry = ?, country = ?, interest = ?, budget = ?, timeline = ?, signals = ?, updated_at = ? WHERE id = ?`,
		l.ContactID, l.Name, l.Phone, l.Company, l.CompanySize, l.Industry, l.Country, string(l.Interest),
		l.Budget, l.Timeline, string(signals), toNanos(l.UpdatedAt), l.ID)
	if err != nil {
		return fmt.Errorf("update lead: %w", err)
	}
	return nil
}

// Lead returns ErrNotFound if there is no lead with that id.
func (db *DB) Lead(ctx context.Context, id string) (store.Lead, error) {
	l, err := getLead(ctx, db.sql, `WHERE id = ?`, id)
	if err != nil {
		return store.Lead{}, wrap(fmt.Sprintf("lead %q", id), err)
	}
	return l, nil
}

// LeadByEmail matches case-insensitively; ErrNotFound if none.
func (db *DB) LeadByEmail(ctx context.Context, email string) (store.Lead, error) {
	op := fmt.Sprintf("lead by email %q", email)
	key := store.FoldEmail(email)
	if key == "" {
		return store.Lead{}, wrap(op, store.ErrNotFound)
	}
	l, err := getLead(ctx, db.sql, `WHERE email_fold = ?`, key)
	if err != nil {
		return store.Lead{}, wrap(op, err)
	}
	return l, nil
}

// ListLeads returns leads in f's order, filtered and paginated.
func (db *DB) ListLeads(ctx context.Context, f store.LeadFilter, offset, limit int) ([]store.Lead, error) {
	const op = "list leads"
	offset, limit, err := listPage(offset, limit)
	if err != nil {
		return nil, wrap(op, err)
	}
	if err := f.Check(); err != nil {
		return nil, wrap(op, err)
	}
	order := `created_at DESC, id DESC`
	switch f.Order {
	case store.LeadsOldest:
		order = `created_at, id`
	case store.LeadsByScore:
		order = `score DESC, created_at DESC, id DESC`
	}
	out, err := queryLeads(ctx, db.sql, `WHERE (? = '' OR stage = ?) AND score >= ?
		AND (? = '' OR contact_id IN (SELECT contact_id FROM conversations WHERE channel = ?))
		ORDER BY `+order+` LIMIT ? OFFSET ?`,
		string(f.Stage), string(f.Stage), f.MinScore, f.Channel, f.Channel, limit, offset)
	if err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

// SetLeadStage saves score, factors and stage, recording a move in the
// history in the same transaction.
func (db *DB) SetLeadStage(ctx context.Context, leadID string, stage store.LeadStage, score float64, factors json.RawMessage) (store.LeadStageChange, error) {
	op := fmt.Sprintf("set stage of lead %q to %q", leadID, stage)
	if !stage.Valid() {
		return store.LeadStageChange{}, wrap(op, invalid("stage %q", stage))
	}
	if err := checkJSON("score factors", factors); err != nil {
		return store.LeadStageChange{}, wrap(op, err)
	}
	var change store.LeadStageChange
	err := db.write(ctx, func(tx *sql.Tx) error {
		var from string
		if err := tx.QueryRowContext(ctx, `SELECT stage FROM leads WHERE id = ?`, leadID).Scan(&from); err != nil {
			return err
		}
		t := now()
		change = store.LeadStageChange{LeadID: leadID, From: store.LeadStage(from), To: stage, Score: score, At: t}
		if _, err := tx.ExecContext(ctx, `UPDATE leads SET stage = ?, score = ?, score_factors = ?, updated_at = ? WHERE id = ?`,
			string(stage), score, nullJSON(factors), toNanos(t), leadID); err != nil {
			return fmt.Errorf("update lead: %w", err)
		}
		if !change.Changed() {
			return nil
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO lead_stage_changes (lead_id, from_stage, to_stage, score, created_at)
			VALUES (?, ?, ?, ?, ?)`, leadID, from, string(stage), score, toNanos(t))
		if err != nil {
			return fmt.Errorf("insert stage change: %w", err)
		}
		change.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return store.LeadStageChange{}, wrap(op, err)
	}
	return change, nil
}

// LeadHistory lists the stage changes of a lead, oldest first.
func (db *DB) LeadHistory(ctx context.Context, leadID string) ([]store.LeadStageChange, error) {
	op := fmt.Sprintf("history of lead %q", leadID)
	out := []store.LeadStageChange{}
	err := db.read(ctx, func(tx *sql.Tx) error {
		if err := mustExist(ctx, tx, `SELECT EXISTS (SELECT 1 FROM leads WHERE id = ?)`, leadID); err != nil {
			return err
		}
		return queryBatch(ctx, tx, `SELECT id, lead_id, from_stage, to_stage, score, created_at
			FROM lead_stage_changes WHERE lead_id = ? ORDER BY id`, []any{leadID}, func(rows *sql.Rows) error {
			var c store.LeadStageChange
			var from, to string
			var at int64
			if err := rows.Scan(&c.ID, &c.LeadID, &from, &to, &c.Score, &at); err != nil {
				return err
			}
			c.From, c.To, c.At = store.LeadStage(from), store.LeadStage(to), fromNanos(at)
			out = append(out, c)
			return nil
		})
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

func getLead(ctx context.Context, q querier, where string, args ...any) (store.Lead, error) {
	ls, err := queryLeads(ctx, q, where, args...)
	if err != nil {
		return store.Lead{}, err
	}
	if len(ls) == 0 {
		return store.Lead{}, sql.ErrNoRows
	}
	return ls[0], nil
}

func queryLeads(ctx context.Context, q querier, rest string, args ...any) ([]store.Lead, error) {
	out := []store.Lead{}
	err := queryBatch(ctx, q, `SELECT `+leadColumns+` FROM leads `+rest, args, func(rows *sql.Rows) error {
		var (
			l                store.Lead
			interest, stage  string
			signals          string
			factors          *string
			created, updated int64
		)
		if err := rows.Scan(&l.ID, &l.ContactID, &l.Email, &l.Name, &l.Phone, &l.Company, &l.CompanySize,
			&l.Industry, &l.Country, &interest, &l.Budget, &l.Timeline, &signals, &l.Score, &factors, &stage,
			&created, &updated); err != nil {
			return fmt.Errorf("scan lead: %w", err)
		}
		if err := json.Unmarshal([]byte(signals), &l.Signals); err != nil {
			return fmt.Errorf("decode signals of lead %q: %w", l.ID, err)
		}
		l.Interest, l.Stage, l.ScoreFactors = store.LeadInterest(interest), store.LeadStage(stage), rawJSON(factors)
		l.CreatedAt, l.UpdatedAt = fromNanos(created), fromNanos(updated)
		out = append(out, l)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("select leads: %w", err)
	}
	return out, nil
}

// mustExist runs an "SELECT EXISTS (…)" query and answers sql.ErrNoRows
// (ErrNotFound through wrap) when it is false.
func mustExist(ctx context.Context, q querier, query string, args ...any) error {
	var ok bool
	if err := q.QueryRowContext(ctx, query, args...).Scan(&ok); err != nil {
		return fmt.Errorf("check existence: %w", err)
	}
	if !ok {
		return sql.ErrNoRows
	}
	return nil
}

// listPage checks the offset and limit of a List method and turns them
// into SQL values: limit 0 means no cap (-1 to SQLite); negative values
// are ErrInvalid, as everywhere in the store.
func listPage(offset, limit int) (int, int, error) {
	if offset < 0 || limit < 0 {
		return 0, 0, invalid("offset %d, limit %d: must not be negative", offset, limit)
	}
	if limit == 0 {
		limit = -1
	}
	return offset, limit, nil
}
