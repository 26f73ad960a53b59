package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/faroai/faro/store"
)

const ticketColumns = `id, number, contact_id, conversation_id, email, subject, description, category, priority,
	queue, language, status, due_at, created_at, updated_at`

func scanTicket(row pgx.Row) (store.Ticket, error) {
	var (
		t      store.Ticket
		number int64
		due    *time.Time
	)
	if err := row.Scan(&t.ID, &number, &t.ContactID, &t.ConversationID, &t.Email, &t.Subject, &t.Description,
		&t.Category, &t.Priority, &t.Queue, &t.Language, &t.Status, &due, &t.CreatedAt, &t.UpdatedAt); err != nil {
		return store.Ticket{}, err
	}
	t.Number = store.TicketNumber(number)
	if due != nil {
		t.DueAt = due.UTC()
	}
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	return t, nil
}

// activeTicket is the person's active ticket on the subject, locked.
const activeTicket = `SELECT ` + ticketColumns + ` FROM tickets
	WHERE owner_key = $1 AND subject_key = $2 AND status IN ('open', 'pending') AND owner_key <> '' FOR UPDATE`

// OpenTicket stores a new ticket, or adds to the person's active ticket on
// the same subject. Concurrent calls meet at the unique index on active
// subjects: the loser's insert does nothing (ON CONFLICT waits for the
// winner to commit), and it adds its note to the winner's ticket.
func (db *DB) OpenTicket(ctx context.Context, in store.Ticket) (store.Ticket, bool, error) {
	op := fmt.Sprintf("open ticket %q", in.Subject)
	t, owner, subject, err := store.NormalizeTicket(in)
	if err != nil {
		return store.Ticket{}, false, fmt.Errorf("postgres: %s: %w", op, err)
	}
	id, err := newID()
	if err != nil {
		return store.Ticket{}, false, fmt.Errorf("postgres: %s: %w", op, err)
	}
	var (
		out     store.Ticket
		created bool
	)
	err = db.inTx(ctx, pgx.TxOptions{}, func(tx pgx.Tx) error {
		// addTo adds the description to the active ticket found.
		addTo := func() error {
			old, err := scanTicket(tx.QueryRow(ctx, activeTicket, owner, subject))
			if err != nil {
				return err
			}
			if desc := strings.TrimSpace(t.Description); desc != "" {
				if _, err := addTicketNote(ctx, tx, old.ID, store.TicketNote{Author: "user", Text: desc}); err != nil {
					return err
				}
			}
			out, err = scanTicket(tx.QueryRow(ctx, `SELECT `+ticketColumns+` FROM tickets WHERE id = $1`, old.ID))
			return err
		}
		if owner != "" {
			err := addTo()
			if err == nil || !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
		}
		var due any
		if !t.DueAt.IsZero() {
			due = t.DueAt
		}
		at := now()
		out, err = scanTicket(tx.QueryRow(ctx, `INSERT INTO tickets (id, owner_key, subject_key, contact_id, conversation_id,
				email, email_key, subject, description, category, priority, queue, language, status, due_at, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)
			ON CONFLICT (owner_key, subject_key) WHERE status IN ('open', 'pending') AND owner_key <> '' DO NOTHING
			RETURNING `+ticketColumns,
			id, owner, subject, t.ContactID, t.ConversationID, t.Email, store.FoldEmail(t.Email), t.Subject, t.Description,
			string(t.Category), string(t.Priority), t.Queue, t.Language, string(t.Status), due, at))
		if errors.Is(err, pgx.ErrNoRows) {
			return addTo() // a concurrent call opened it first
		}
		created = err == nil
		return err
	})
	if err != nil {
		return store.Ticket{}, false, dbErr(op, err)
	}
	return out, created, nil
}

// Ticket returns ErrNotFound if there is none with that id.
func (db *DB) Ticket(ctx context.Context, id string) (store.Ticket, error) {
	t, err := scanTicket(db.pool.QueryRow(ctx, `SELECT `+ticketColumns+` FROM tickets WHERE id = $1`, id))
	if err != nil {
		return store.Ticket{}, dbErr(fmt.Sprintf("ticket %q", id), err)
	}
	return t, nil
}

// TicketByNumber returns ErrNotFound if there is none with that number.
func (db *DB) TicketByNumber(ctx context.Context, n store.TicketNumber) (store.Ticket, error) {
	t, err := scanTicket(db.pool.QueryRow(ctx, `SELECT `+ticketColumns+` FROM tickets WHERE number = $1`, int64(n)))
	if err != nil {
		return store.Ticket{}, dbErr(fmt.Sprintf("ticket %s", n), err)
	}
	return t, nil
}

// ListTickets returns tickets matching f, newest first.
func (db *DB) ListTickets(ctx context.Context, f store.TicketFilter, offset, limit int) ([]store.Ticket, error) {
	const op = "list tickets"
	if err := checkPage(op, offset, limit); err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, `SELECT `+ticketColumns+` FROM tickets
		WHERE ($1 = '' OR contact_id = $1) AND ($2 = '' OR email_key = $2) AND ($3 = '' OR status = $3)
			AND ($4 = '' OR queue = $4)
		ORDER BY created_at DESC, number DESC OFFSET $5 LIMIT $6`,
		f.ContactID, store.FoldEmail(f.Email), string(f.Status), f.Queue, offset, limitArg(limit))
	if err != nil {
		return nil, dbErr(op, err)
	}
	out, err := collect(rows, func(r pgx.Rows) (store.Ticket, error) { return scanTicket(r) })
	if err != nil {
		return nil, dbErr(op, err)
	}
	return out, nil
}

// UpdateTicket applies u to the ticket under its row lock.
func (db *DB) UpdateTicket(ctx context.Context, id string, u store.TicketUpdate) (store.Ticket, error) {
	op := fmt.Sprintf("update ticket %q", id)
	var out store.Ticket
	err := db.inTx(ctx, pgx.TxOptions{}, func(tx pgx.Tx) error {
		t, err := scanTicket(tx.QueryRow(ctx, `SELECT `+ticketColumns+` FROM tickets WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return err
		}
		changed, err := store.ApplyTicketUpdate(&t, u)
		if err != nil || !changed {
			out = t
			return err
		}
		var due any
		if !t.DueAt.IsZero() {
			due = t.DueAt
		}
		// The unique index on active subjects refuses a reopening that
		// would duplicate; dbErr reports it as ErrConflict.
		out, err = scanTicket(tx.QueryRow(ctx, `UPDATE tickets SET status = $2, priority = $3, queue = $4, due_at = $5,
			updated_at = $6 WHERE id = $1 RETURNING `+ticketColumns,
			id, string(t.Status), string(t.Priority), t.Queue, due, now()))
		return err
	})
	if err != nil {
		return store.Ticket{}, dbErr(op, err)
	}
	return out, nil
}

// AddTicketNote appends a note to the ticket.
func (db *DB) AddTicketNote(ctx context.Context, ticketID string, n store.TicketNote) (store.TicketNote, error) {
	op := fmt.Sprintf("add note to ticket %q", ticketID)
	if strings.TrimSpace(n.Text) == "" {
		return store.TicketNote{}, invalid(op, "empty note")
	}
	var out store.TicketNote
	err := db.inTx(ctx, pgx.TxOptions{}, func(tx pgx.Tx) error {
		var err error
		out, err = addTicketNote(ctx, tx, ticketID, n)
		return err
	})
	if err != nil {
		return store.TicketNote{}, dbErr(op, err)
	}
	return out, nil
}

// addTicketNote touches the ticket (pgx.ErrNoRows if there is none) and
// inserts the note, inside tx.
func addTicketNote(ctx context.Context, tx pgx.Tx, ticketID string, n store.TicketNote) (store.TicketNote, error) {
	at := now()
	tag, err := tx.Exec(ctx, `UPDATE tickets SET updated_at = $2 WHERE id = $1`, ticketID, at)
	if err != nil {
		return store.TicketNote{}, err
	}
	if tag.RowsAffected() == 0 {
		return store.TicketNote{}, pgx.ErrNoRows
	}
	out := store.TicketNote{TicketID: ticketID, Author: n.Author, Text: n.Text, CreatedAt: at}
	err = tx.QueryRow(ctx, `INSERT INTO ticket_notes (ticket_id, author, text, created_at) VALUES ($1, $2, $3, $4)
		RETURNING id`, ticketID, n.Author, n.Text, at).Scan(&out.ID)
	return out, err
}

// TicketNotes lists the ticket's notes, oldest first.
func (db *DB) TicketNotes(ctx context.Context, ticketID string) ([]store.TicketNote, error) {
	op := fmt.Sprintf("notes of ticket %q", ticketID)
	var out []store.TicketNote
	err := db.inTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := exists(ctx, tx, `SELECT EXISTS (SELECT 1 FROM tickets WHERE id = $1)`, ticketID); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id, ticket_id, author, text, created_at FROM ticket_notes
			WHERE ticket_id = $1 ORDER BY id`, ticketID)
		if err != nil {
			return err
		}
		out, err = collect(rows, func(r pgx.Rows) (store.TicketNote, error) {
			var n store.TicketNote
			err := r.Scan(&n.ID, &n.TicketID, &n.Author, &n.Text, &n.CreatedAt)
			n.CreatedAt = n.CreatedAt.UTC()
			return n, err
		})
		return err
	})
	if err != nil {
		return nil, dbErr(op, err)
	}
	return out, nil
}
