package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/faroai/faro/store"
)

const contactColumns = `id, name, email, phone, language, role, created_at, updated_at`

// CreateContact stores c with a new ID and its identities. ErrConflict if
// the email or an identity belongs to another contact; ErrInvalid for an
// unknown role or an identity missing its channel or external id. An empty
// role is stored as prospect, the least privileged.
func (db *DB) CreateContact(ctx context.Context, c store.Contact) (store.Contact, error) {
	const op = "create contact"
	role, err := contactRole(c.Role)
	if err != nil {
		return store.Contact{}, wrap(op, err)
	}
	for _, id := range c.Identities {
		if err := checkIdentity(id); err != nil {
			return store.Contact{}, wrap(op, err)
		}
	}
	id, err := newID()
	if err != nil {
		return store.Contact{}, wrap(op, err)
	}
	t := toNanos(now())
	var out store.Contact
	err = db.write(ctx, func(tx *sql.Tx) error {
		if err := checkEmailFree(ctx, tx, c.Email, ""); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO contacts (`+contactColumns+`, email_fold) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, c.Name, c.Email, c.Phone, c.Language, string(role), t, t, foldEmail(c.Email)); err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		for _, ident := range c.Identities {
			if _, err := linkIdentity(ctx, tx, id, ident); err != nil {
				return err
			}
		}
		out, err = getContact(ctx, tx, `WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return store.Contact{}, wrap(op, err)
	}
	return out, nil
}

// Contact returns ErrNotFound if there is no contact with that id.
func (db *DB) Contact(ctx context.Context, id string) (store.Contact, error) {
	var out store.Contact
	err := db.read(ctx, func(tx *sql.Tx) (err error) {
		out, err = getContact(ctx, tx, `WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return store.Contact{}, wrap(fmt.Sprintf("contact %q", id), err)
	}
	return out, nil
}

// ContactByIdentity returns ErrNotFound if no contact has the identity.
func (db *DB) ContactByIdentity(ctx context.Context, ident store.Identity) (store.Contact, error) {
	var out store.Contact
	err := db.read(ctx, func(tx *sql.Tx) (err error) {
		out, err = getContact(ctx, tx,
			`WHERE id = (SELECT contact_id FROM identities WHERE channel = ? AND external_id = ?)`,
			ident.Channel, ident.ExternalID)
		return err
	})
	if err != nil {
		return store.Contact{}, wrap(fmt.Sprintf("contact by identity %s:%q", ident.Channel, ident.ExternalID), err)
	}
	return out, nil
}

// ContactByEmail matches case-insensitively; ErrNotFound if none (always
// for the empty email, which many contacts share).
func (db *DB) ContactByEmail(ctx context.Context, email string) (store.Contact, error) {
	op := fmt.Sprintf("contact by email %q", email)
	key := foldEmail(email)
	if key == "" {
		return store.Contact{}, wrap(op, store.ErrNotFound)
	}
	var out store.Contact
	err := db.read(ctx, func(tx *sql.Tx) (err error) {
		out, err = getContact(ctx, tx, whereContactEmail, key)
		return err
	})
	if err != nil {
		return store.Contact{}, wrap(op, err)
	}
	return out, nil
}

// ContactByPhone finds the one contact whose phone has the digits of
// phone (store.PhoneDigits); ErrNotFound if none, ErrConflict if several.
// It reads every contact with a phone: it runs once for a sender the store
// does not know yet, not for every message.
func (db *DB) ContactByPhone(ctx context.Context, phone string) (store.Contact, error) {
	op := fmt.Sprintf("contact by phone %q", phone)
	digits := store.PhoneDigits(phone)
	if digits == "" {
		return store.Contact{}, wrap(op, store.ErrNotFound)
	}
	var out store.Contact
	err := db.read(ctx, func(tx *sql.Tx) error {
		cs, err := queryContacts(ctx, tx, `WHERE phone <> '' AND
			replace(replace(replace(replace(replace(replace(phone, ' ', ''), '-', ''), '.', ''), '(', ''), ')', ''), '+', '') = ?
			LIMIT 2`, digits)
		switch {
		case err != nil:
			return err
		case len(cs) == 0:
			return sql.ErrNoRows
		case len(cs) > 1:
			return fmt.Errorf("%d contacts have it: %w", len(cs), store.ErrConflict)
		}
		out = cs[0]
		return nil
	})
	if err != nil {
		return store.Contact{}, wrap(op, err)
	}
	return out, nil
}

// UpdateContact saves name, email, phone, language and role of c.ID.
// ErrNotFound if c.ID does not exist, ErrConflict if the email belongs to
// another contact, ErrInvalid for an unknown role (empty means prospect).
func (db *DB) UpdateContact(ctx context.Context, c store.Contact) (store.Contact, error) {
	op := fmt.Sprintf("update contact %q", c.ID)
	role, err := contactRole(c.Role)
	if err != nil {
		return store.Contact{}, wrap(op, err)
	}
	var out store.Contact
	err = db.write(ctx, func(tx *sql.Tx) error {
		// Existence first: a missing contact is ErrNotFound whatever its email.
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM contacts WHERE id = ?)`, c.ID).Scan(&exists); err != nil {
			return fmt.Errorf("find contact: %w", err)
		}
		if !exists {
			return sql.ErrNoRows
		}
		if err := checkEmailFree(ctx, tx, c.Email, c.ID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx,
			`UPDATE contacts SET name = ?, email = ?, email_fold = ?, phone = ?, language = ?, role = ?, updated_at = ?
			WHERE id = ?`,
			c.Name, c.Email, foldEmail(c.Email), c.Phone, c.Language, string(role), toNanos(now()), c.ID)
		if err != nil {
			return fmt.Errorf("update: %w", err)
		}
		if err := mustAffect(res); err != nil {
			return err
		}
		out, err = getContact(ctx, tx, `WHERE id = ?`, c.ID)
		return err
	})
	if err != nil {
		return store.Contact{}, wrap(op, err)
	}
	return out, nil
}

// LinkIdentity adds ident to the contact. Linking an identity the contact
// already has does nothing; one linked to another contact is ErrConflict;
// ErrNotFound if the contact does not exist.
func (db *DB) LinkIdentity(ctx context.Context, contactID string, ident store.Identity) error {
	op := fmt.Sprintf("link identity %s:%q to contact %q", ident.Channel, ident.ExternalID, contactID)
	if err := checkIdentity(ident); err != nil {
		return wrap(op, err)
	}
	err := db.write(ctx, func(tx *sql.Tx) error {
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM contacts WHERE id = ?)`, contactID).Scan(&exists); err != nil {
			return fmt.Errorf("find contact: %w", err)
		}
		if !exists {
			return notFound("contact")
		}
		linked, err := linkIdentity(ctx, tx, contactID, ident)
		if err != nil || !linked {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE contacts SET updated_at = ? WHERE id = ?`, toNanos(now()), contactID); err != nil {
			return fmt.Errorf("touch contact: %w", err)
		}
		return nil
	})
	return wrap(op, err)
}

// ListContacts returns contacts newest first, offset/limit paginated;
// limit 0 means no cap, a negative offset or limit is ErrInvalid.
func (db *DB) ListContacts(ctx context.Context, offset, limit int) ([]store.Contact, error) {
	offset, limit, err := page(offset, limit)
	if err != nil {
		return nil, wrap("list contacts", err)
	}
	var out []store.Contact
	err = db.read(ctx, func(tx *sql.Tx) (err error) {
		out, err = queryContacts(ctx, tx, `ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`, limit, offset)
		return err
	})
	if err != nil {
		return nil, wrap("list contacts", err)
	}
	return out, nil
}

func contactRole(r store.Role) (store.Role, error) {
	if r == "" {
		return store.RoleProspect, nil
	}
	if !r.Valid() {
		return "", invalid("role %q", r)
	}
	return r, nil
}

func checkIdentity(id store.Identity) error {
	if id.Channel == "" || id.ExternalID == "" {
		return invalid("identity %s:%q: channel and external id are required", id.Channel, id.ExternalID)
	}
	return nil
}

// checkEmailFree fails with ErrConflict if another contact than self has
// email (compared folded).
func checkEmailFree(ctx context.Context, q querier, email, self string) error {
	key := foldEmail(email)
	if key == "" {
		return nil
	}
	var owner string
	err := q.QueryRowContext(ctx, `SELECT id FROM contacts `+whereContactEmail, key).Scan(&owner)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("find email owner: %w", err)
	case owner != self:
		return conflict("email %q belongs to another contact", email)
	}
	return nil
}

// linkIdentity links ident to contactID inside a write transaction and
// reports whether it was new to the contact.
func linkIdentity(ctx context.Context, tx *sql.Tx, contactID string, ident store.Identity) (bool, error) {
	var owner string
	err := tx.QueryRowContext(ctx,
		`SELECT contact_id FROM identities WHERE channel = ? AND external_id = ?`,
		ident.Channel, ident.ExternalID).Scan(&owner)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return false, fmt.Errorf("find identity owner: %w", err)
	case owner == contactID:
		return false, nil
	default:
		return false, conflict("identity %s:%q belongs to another contact", ident.Channel, ident.ExternalID)
	}
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO identities (channel, external_id, contact_id) VALUES (?, ?, ?)`,
		ident.Channel, ident.ExternalID, contactID); err != nil {
		return false, fmt.Errorf("insert identity: %w", err)
	}
	return true, nil
}

// getContact returns the one contact selected by where, or sql.ErrNoRows.
func getContact(ctx context.Context, q querier, where string, args ...any) (store.Contact, error) {
	cs, err := queryContacts(ctx, q, where, args...)
	if err != nil {
		return store.Contact{}, err
	}
	if len(cs) == 0 {
		return store.Contact{}, sql.ErrNoRows
	}
	return cs[0], nil
}

// queryContacts selects contacts by the SQL tail rest, with their identities.
func queryContacts(ctx context.Context, q querier, rest string, args ...any) ([]store.Contact, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+contactColumns+` FROM contacts `+rest, args...)
	if err != nil {
		return nil, fmt.Errorf("select contacts: %w", err)
	}
	defer rows.Close()
	out := []store.Contact{}
	index := map[string]int{}
	for rows.Next() {
		var c store.Contact
		var role string
		var created, updated int64
		if err := rows.Scan(&c.ID, &c.Name, &c.Email, &c.Phone, &c.Language, &role, &created, &updated); err != nil {
			return nil, fmt.Errorf("scan contact: %w", err)
		}
		c.Role = store.Role(role)
		c.CreatedAt, c.UpdatedAt = fromNanos(created), fromNanos(updated)
		c.Identities = []store.Identity{}
		index[c.ID] = len(out)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("select contacts: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	ids := make([]any, len(out))
	for i, c := range out {
		ids[i] = c.ID
	}
	err = queryIn(ctx, q,
		`SELECT contact_id, channel, external_id FROM identities WHERE contact_id IN (%s) ORDER BY rowid`, ids,
		func(rows *sql.Rows) error {
			var owner string
			var id store.Identity
			if err := rows.Scan(&owner, &id.Channel, &id.ExternalID); err != nil {
				return err
			}
			c := &out[index[owner]]
			c.Identities = append(c.Identities, id)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("select identities: %w", err)
	}
	return out, nil
}

// mustAffect turns an UPDATE or DELETE that matched nothing into
// sql.ErrNoRows, which wrap reports as ErrNotFound.
func mustAffect(res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("rows affected: %w", err)
	}
	if n == 0 {
		return sql.ErrNoRows
	}
	return nil
}
