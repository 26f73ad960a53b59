package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/faroai/faro/store"
)

const ticketColumns = `id, number, contact_id, conversation_id, email, subject, description, category, priority,
	queue, language, status, due_at, created_at, updated_at`

// OpenTicket stores a new ticket, or adds to the person's active ticket on
// the same subject. The write transaction serialises it with every other
// write, so two concurrent calls cannot both miss the active ticket, and
// the next number (the largest plus one) cannot be handed out twice.
func (db *DB) OpenTicket(ctx context.Context, in store.Ticket) (store.Ticket, bool, error) {
	op := fmt.Sprintf("open ticket %q", in.Subject)
	t, owner, subject, err := store.NormalizeTicket(in)
	if err != nil {
		return store.Ticket{}, false, wrap(op, err)
	}
	var created bool
	err = db.write(ctx, func(tx *sql.Tx) error {
		if owner != "" {
			old, err := getTicket(ctx, tx, whereTicketActiveSubject, owner, subject)
			switch {
			case err == nil:
				if desc := strings.TrimSpace(t.Description); desc != "" {
					if _, err := addTicketNote(ctx, tx, old.ID, store.TicketNote{Author: "user", Text: desc}); err != nil {
						return err
					}
				}
				t, err = getTicket(ctx, tx, `WHERE id = ?`, old.ID)
				return err
			case !errors.Is(err, sql.ErrNoRows):
				return err
			}
		}
		id, err := newID()
		if err != nil {
			return err
		}
		var number int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(number), 0) + 1 FROM tickets`).Scan(&number); err != nil {
			return fmt.Errorf("next number: %w", err)
		}
		at := toNanos(now())
		if _, err := tx.ExecContext(ctx, `INSERT INTO tickets (`+ticketColumns+`, owner_key, subject_key, email_fold)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, number, t.ContactID, t.ConversationID, t.Email, t.Subject, t.Description, string(t.Category),
			string(t.Priority), t.Queue, t.Language, string(t.Status), nullTime(t.DueAt), at, at,
			owner, subject, store.FoldEmail(t.Email)); err != nil {
			return fmt.Errorf("insert ticket: %w", err)
		}
		created = true
		t, err = getTicket(ctx, tx, `WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return store.Ticket{}, false, wrap(op, err)
	}
	return t, created, nil
}

// Ticket returns ErrNotFound if there is none with that id.
func (db *DB) Ticket(ctx context.Context, id string) (store.Ticket, error) {
	t, err := getTicket(ctx, db.sql, `WHERE id = ?`, id)
	if err != nil {
		return store.Ticket{}, wrap(fmt.Sprintf("ticket %q", id), err)
	}
	return t, nil
}

// TicketByNumber returns ErrNotFound if there is none with that number.
func (db *DB) TicketByNumber(ctx context.Context, n store.TicketNumber) (store.Ticket, error) {
	t, err := getTicket(ctx, db.sql, `WHERE number = ?`, int64(n))
	if err != nil {
		return store.Ticket{}, wrap(fmt.Sprintf("ticket %s", n), err)
	}
	return t, nil
}

// ListTickets returns tickets matching f, newest first.
func (db *DB) ListTickets(ctx context.Context, f store.TicketFilter, offset, limit int) ([]store.Ticket, error) {
	const op = "list tickets"
	offset, limit, err := listPage(offset, limit)
	if err != nil {
		return nil, wrap(op, err)
	}
	email := store.FoldEmail(f.Email)
	out, err := queryTickets(ctx, db.sql, `WHERE (? = '' OR contact_id = ?) AND (? = '' OR email_fold = ?)
		AND (? = '' OR status = ?) AND (? = '' OR queue = ?) ORDER BY created_at DESC, number DESC LIMIT ? OFFSET ?`,
		f.ContactID, f.ContactID, email, email, string(f.Status), string(f.Status), f.Queue, f.Queue, limit, offset)
	if err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

// UpdateTicket applies u to the ticket.
func (db *DB) UpdateTicket(ctx context.Context, id string, u store.TicketUpdate) (store.Ticket, error) {
	op := fmt.Sprintf("update ticket %q", id)
	var out store.Ticket
	err := db.write(ctx, func(tx *sql.Tx) error {
		t, err := getTicket(ctx, tx, `WHERE id = ?`, id)
		if err != nil {
			return err
		}
		changed, err := store.ApplyTicketUpdate(&t, u)
		if err != nil || !changed {
			out = t
			return err
		}
		// The unique index on active subjects refuses a reopening that
		// would duplicate; wrap reports it as ErrConflict.
		if _, err := tx.ExecContext(ctx, `UPDATE tickets SET status = ?, priority = ?, queue = ?, due_at = ?, updated_at = ?
			WHERE id = ?`, string(t.Status), string(t.Priority), t.Queue, nullTime(t.DueAt), toNanos(now()), id); err != nil {
			return fmt.Errorf("update: %w", err)
		}
		out, err = getTicket(ctx, tx, `WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return store.Ticket{}, wrap(op, err)
	}
	return out, nil
}

// AddTicketNote appends a note to the ticket.
func (db *DB) AddTicketNote(ctx context.Context, ticketID string, n store.TicketNote) (store.TicketNote, error) {
	op := fmt.Sprintf("add note to ticket %q", ticketID)
	if strings.TrimSpace(n.Text) == "" {
		return store.TicketNote{}, wrap(op, invalid("empty note"))
	}
	var out store.TicketNote
	err := db.write(ctx, func(tx *sql.Tx) error {
		if err := mustExist(ctx, tx, `SELECT EXISTS (SELECT 1 FROM tickets WHERE id = ?)`, ticketID); err != nil {
			return err
		}
		var err error
		out, err = addTicketNote(ctx, tx, ticketID, n)
		return err
	})
	if err != nil {
		return store.TicketNote{}, wrap(op, err)
	}
	return out, nil
}

// addTicketNote inserts the note and touches the ticket, inside tx.
func addTicketNote(ctx context.Context, tx *sql.Tx, ticketID string, n store.TicketNote) (store.TicketNote, error) {
	t := now()
	res, err := tx.ExecContext(ctx, `INSERT INTO ticket_notes (ticket_id, author, text, created_at) VALUES (?, ?, ?, ?)`,
		ticketID, n.Author, n.Text, toNanos(t))
	if err != nil {
		return store.TicketNote{}, fmt.Errorf("insert note: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return store.TicketNote{}, fmt.Errorf("note id: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE tickets SET updated_at = ? WHERE id = ?`, toNanos(t), ticketID); err != nil {
		return store.TicketNote{}, fmt.Errorf("touch ticket: %w", err)
	}
	return store.TicketNote{ID: id, TicketID: ticketID, Author: n.Author, Text: n.Text, CreatedAt: t}, nil
}

// TicketNotes lists the ticket's notes, oldest first.
func (db *DB) TicketNotes(ctx context.Context, ticketID string) ([]store.TicketNote, error) {
	out := []store.TicketNote{}
	err := db.read(ctx, func(tx *sql.Tx) error {
		if err := mustExist(ctx, tx, `SELECT EXISTS (SELECT 1 FROM tickets WHERE id = ?)`, ticketID); err != nil {
			return err
		}
		return queryBatch(ctx, tx, `SELECT id, ticket_id, author, text, created_at FROM ticket_notes
			WHERE ticket_id = ? ORDER BY id`, []any{ticketID}, func(rows *sql.Rows) error {
			var n store.TicketNote
			var at int64
			if err := rows.Scan(&n.ID, &n.TicketID, &n.Author, &n.Text, &at); err != nil {
				return err
			}
			n.CreatedAt = fromNanos(at)
			out = append(out, n)
			return nil
		})
	})
	if err != nil {
		return nil, wrap(fmt.Sprintf("notes of ticket %q", ticketID), err)
	}
	return out, nil
}

func getTicket(ctx context.Context, q querier, where string, args ...any) (store.Ticket, error) {
	ts, err := queryTickets(ctx, q, where, args...)
	if err != nil {
		return store.Ticket{}, err
	}
	if len(ts) == 0 {
		return store.Ticket{}, sql.ErrNoRows
	}
	return ts[0], nil
}

func queryTickets(ctx context.Context, q querier, rest string, args ...any) ([]store.Ticket, error) {
	out := []store.Ticket{}
	err := queryBatch(ctx, q, `SELECT `+ticketColumns+` FROM tickets `+rest, args, func(rows *sql.Rows) error {
		var (
			t                          store.Ticket
			number                     int64
			category, priority, status string
			due                        *int64
			created, updated           int64
		)
		if err := rows.Scan(&t.ID, &number, &t.ContactID, &t.ConversationID, &t.Email, &t.Subject, &t.Description,
			&category, &priority, &t.Queue, &t.Language, &status, &due, &created, &updated); err != nil {
			return fmt.Errorf("scan ticket: %w", err)
		}
		t.Number = store.TicketNumber(number)
		t.Category, t.Priority, t.Status = store.TicketCategory(category), store.TicketPriority(priority), store.TicketStatus(status)
		if due != nil {
			t.DueAt = fromNanos(*due)
		}
		t.CreatedAt, t.UpdatedAt = fromNanos(created), fromNanos(updated)
		out = append(out, t)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("select tickets: %w", err)
	}
	return out, nil
}

// nullTime stores the zero time as NULL.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return toNanos(t)
}
