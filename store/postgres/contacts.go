package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/faroai/faro/store"
)

// contactColumns reads a contact from a row source aliased c, its
// identities aggregated in link order.
const contactColumns = `c.id, c.name, c.email, c.phone, c.language, c.role, c.created_at, c.updated_at,
	i.channels, i.external_ids`

const identitiesJoin = `LEFT JOIN LATERAL (
		SELECT array_agg(channel ORDER BY ord) AS channels, array_agg(external_id ORDER BY ord) AS external_ids
		FROM identities WHERE contact_id = c.id
	) i ON true`

func scanContact(row pgx.Row) (store.Contact, error) {
	var (
		c                   store.Contact
		channels, externals []string
	)
	if err := row.Scan(&c.ID, &c.Name, &c.Email, &c.Phone, &c.Language, &c.Role, &c.CreatedAt, &c.UpdatedAt,
		&channels, &externals); err != nil {
		return store.Contact{}, err
	}
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	for k := range channels {
		c.Identities = append(c.Identities, store.Identity{Channel: channels[k], ExternalID: externals[k]})
	}
	return c, nil
}

// emailKey is the form of an email that uniqueness and look-ups compare.
// Surrounding spaces are dropped as SQLite's store does: an address typed
// or pasted with a trailing space is the same address.
func emailKey(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

func checkRole(op string, r store.Role) error {
	if r != "" && !r.Valid() {
		return invalid(op, "role %q", r)
	}
	return nil
}

func checkIdentity(op string, id store.Identity) error {
	if id.Channel == "" || id.ExternalID == "" {
		return invalid(op, "identity needs a channel and an external id, got %q/%q", id.Channel, id.ExternalID)
	}
	return nil
}

// CreateContact stores c with a new ID and its identities (repeats of one
// identity count once). An empty role is [store.RoleProspect]. It returns
// ErrConflict if the email or an identity belongs to another contact.
func (db *DB) CreateContact(ctx context.Context, c store.Contact) (store.Contact, error) {
	const op = "create contact"
	if err := checkRole(op, c.Role); err != nil {
		return store.Contact{}, err
	}
	if c.Role == "" {
		c.Role = store.RoleProspect
	}
	var channels, externals []string
	seen := map[store.Identity]bool{}
	for _, id := range c.Identities {
		if err := checkIdentity(op, id); err != nil {
			return store.Contact{}, err
		}
		if !seen[id] {
			seen[id] = true
			channels = append(channels, id.Channel)
			externals = append(externals, id.ExternalID)
		}
	}
	id, err := newID()
	if err != nil {
		return store.Contact{}, fmt.Errorf("postgres: %s: %w", op, err)
	}
	t := now()
	var out store.Contact
	err = db.inTx(ctx, pgx.TxOptions{}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO contacts (id, name, email, email_key, phone, language, role, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
			id, c.Name, c.Email, emailKey(c.Email), c.Phone, c.Language, c.Role, t); err != nil {
			return err
		}
		if len(channels) > 0 {
			// WITH ORDINALITY keeps the identities in the order given.
			if _, err := tx.Exec(ctx, `INSERT INTO identities (channel, external_id, contact_id)
				SELECT u.channel, u.external_id, $3 FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(channel, external_id, n)
				ORDER BY u.n`, channels, externals, id); err != nil {
				return err
			}
		}
		var err error
		out, err = scanContact(tx.QueryRow(ctx, `SELECT `+contactColumns+` FROM contacts c `+identitiesJoin+` WHERE c.id = $1`, id))
		return err
	})
	if err != nil {
		return store.Contact{}, dbErr(op, err)
	}
	return out, nil
}

// Contact returns ErrNotFound if there is no contact with that id.
func (db *DB) Contact(ctx context.Context, id string) (store.Contact, error) {
	c, err := scanContact(db.pool.QueryRow(ctx, `SELECT `+contactColumns+` FROM contacts c `+identitiesJoin+` WHERE c.id = $1`, id))
	if err != nil {
		return store.Contact{}, dbErr(fmt.Sprintf("contact %q", id), err)
	}
	return c, nil
}

// ContactByIdentity returns ErrNotFound if no contact has the identity.
func (db *DB) ContactByIdentity(ctx context.Context, id store.Identity) (store.Contact, error) {
	c, err := scanContact(db.pool.QueryRow(ctx, `SELECT `+contactColumns+` FROM contacts c `+identitiesJoin+`
		WHERE c.id = (SELECT contact_id FROM identities WHERE channel = $1 AND external_id = $2)`, id.Channel, id.ExternalID))
	if err != nil {
		return store.Contact{}, dbErr(fmt.Sprintf("contact by identity %s/%s", id.Channel, id.ExternalID), err)
	}
	return c, nil
}

// ContactByEmail matches case-insensitively; ErrNotFound if none (and for
// the empty email, which many contacts may share).
func (db *DB) ContactByEmail(ctx context.Context, email string) (store.Contact, error) {
	op := fmt.Sprintf("contact by email %q", email)
	key := emailKey(email)
	if key == "" {
		return store.Contact{}, fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
	}
	c, err := scanContact(db.pool.QueryRow(ctx, `SELECT `+contactColumns+` FROM contacts c `+identitiesJoin+`
		WHERE c.email_key = $1 AND c.email_key <> ''`, key))
	if err != nil {
		return store.Contact{}, dbErr(op, err)
	}
	return c, nil
}

// ContactByPhone finds the one contact whose phone has the digits of
// phone (store.PhoneDigits); ErrNotFound if none, ErrConflict if several.
// It reads every contact with a phone: it runs once for a sender the store
// does not know yet, not for every message.
func (db *DB) ContactByPhone(ctx context.Context, phone string) (store.Contact, error) {
	op := fmt.Sprintf("contact by phone %q", phone)
	digits := store.PhoneDigits(phone)
	if digits == "" {
		return store.Contact{}, fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
	}
	rows, err := db.pool.Query(ctx, `SELECT `+contactColumns+` FROM contacts c `+identitiesJoin+`
		WHERE c.phone <> '' AND translate(c.phone, ' -.()+', '') = $1 ORDER BY c.id LIMIT 2`, digits)
	if err != nil {
		return store.Contact{}, dbErr(op, err)
	}
	defer rows.Close()
	var cs []store.Contact
	for rows.Next() {
		c, err := scanContact(rows)
		if err != nil {
			return store.Contact{}, dbErr(op, err)
		}
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return store.Contact{}, dbErr(op, err)
	}
	switch len(cs) {
	case 0:
		return store.Contact{}, fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
	case 1:
		return cs[0], nil
	}
	return store.Contact{}, fmt.Errorf("postgres: %s: %d contacts have it: %w", op, len(cs), store.ErrConflict)
}

// UpdateContact saves name, email, phone, language and role of c.ID; an
// empty role leaves the stored one. ErrNotFound if c.ID does not exist,
// ErrConflict if the email belongs to another contact.
func (db *DB) UpdateContact(ctx context.Context, c store.Contact) (store.Contact, error) {
	op := fmt.Sprintf("update contact %q", c.ID)
	if err := checkRole(op, c.Role); err != nil {
		return store.Contact{}, err
	}
	out, err := scanContact(db.pool.QueryRow(ctx, `WITH c AS (
			UPDATE contacts SET name = $2, email = $3, email_key = $4, phone = $5, language = $6,
				role = COALESCE(NULLIF($7, ''), role), updated_at = $8
			WHERE id = $1 RETURNING *
		)
		SELECT `+contactColumns+` FROM c `+identitiesJoin,
		c.ID, c.Name, c.Email, emailKey(c.Email), c.Phone, c.Language, string(c.Role), now()))
	if err != nil {
		return store.Contact{}, dbErr(op, err)
	}
	return out, nil
}

// LinkIdentity adds id to the contact. Linking an identity the contact
// already has does nothing; one linked to another contact is ErrConflict;
// ErrNotFound if the contact does not exist.
func (db *DB) LinkIdentity(ctx context.Context, contactID string, id store.Identity) error {
	op := fmt.Sprintf("link identity %s/%s to contact %q", id.Channel, id.ExternalID, contactID)
	if err := checkIdentity(op, id); err != nil {
		return err
	}
	var owner string
	err := db.inTx(ctx, pgx.TxOptions{}, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO identities (channel, external_id, contact_id) VALUES ($1, $2, $3)
			ON CONFLICT (channel, external_id) DO NOTHING`, id.Channel, id.ExternalID, contactID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 1 {
			owner = contactID
			_, err := tx.Exec(ctx, `UPDATE contacts SET updated_at = $2 WHERE id = $1`, contactID, now())
			return err
		}
		return tx.QueryRow(ctx, `SELECT contact_id FROM identities WHERE channel = $1 AND external_id = $2`,
			id.Channel, id.ExternalID).Scan(&owner)
	})
	if err != nil {
		return dbErr(op, err)
	}
	if owner != contactID {
		return fmt.Errorf("postgres: %s: identity belongs to another contact: %w", op, store.ErrConflict)
	}
	return nil
}

// ListContacts returns contacts newest first, offset/limit paginated;
// limit 0 means no cap.
func (db *DB) ListContacts(ctx context.Context, offset, limit int) ([]store.Contact, error) {
	const op = "list contacts"
	if err := checkPage(op, offset, limit); err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, `SELECT `+contactColumns+` FROM contacts c `+identitiesJoin+`
		ORDER BY c.created_at DESC, c.id DESC OFFSET $1 LIMIT $2`, offset, limitArg(limit))
	if err != nil {
		return nil, dbErr(op, err)
	}
	out, err := collect(rows, func(r pgx.Rows) (store.Contact, error) { return scanContact(r) })
	if err != nil {
		return nil, dbErr(op, err)
	}
	return out, nil
}
