package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/faroai/faro/store"
)

const staffColumns = `id, email, name, role, password_hash, failed_sign_ins, last_failed_at, created_at`

// CreateStaff stores a with a new ID; ErrConflict if the email is taken.
func (db *DB) CreateStaff(ctx context.Context, a store.StaffAccount) (store.StaffAccount, error) {
	const op = "create staff"
	a, err := store.CheckStaff(a, true)
	if err != nil {
		return store.StaffAccount{}, wrap(op, err)
	}
	if a.ID, err = newID(); err != nil {
		return store.StaffAccount{}, wrap(op, err)
	}
	a.CreatedAt, a.FailedSignIns, a.LastFailedAt = now(), 0, time.Time{}
	err = db.write(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM staff_accounts WHERE email = ?`, a.Email).Scan(&one)
		if err == nil {
			return conflict("staff email %q is taken", a.Email)
		}
		if err != sql.ErrNoRows {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO staff_accounts (`+staffColumns+`) VALUES (?, ?, ?, ?, ?, 0, 0, ?)`,
			a.ID, a.Email, a.Name, string(a.Role), a.PasswordHash, toNanos(a.CreatedAt))
		return err
	})
	if err != nil {
		return store.StaffAccount{}, wrap(op, err)
	}
	return a, nil
}

// StaffAccount returns ErrNotFound if there is no account with id.
func (db *DB) StaffAccount(ctx context.Context, id string) (store.StaffAccount, error) {
	return db.oneStaff(ctx, fmt.Sprintf("staff %q", id), `WHERE id = ?`, id)
}

// StaffByEmail matches trimmed and case-insensitively.
func (db *DB) StaffByEmail(ctx context.Context, email string) (store.StaffAccount, error) {
	return db.oneStaff(ctx, fmt.Sprintf("staff %q", email), `WHERE email = ?`, strings.ToLower(strings.TrimSpace(email)))
}

func (db *DB) oneStaff(ctx context.Context, op, where string, arg string) (store.StaffAccount, error) {
	if strings.ContainsRune(arg, 0) {
		return store.StaffAccount{}, wrap(op, invalid("holds a NUL"))
	}
	as, err := queryStaff(ctx, db.sql, where, arg)
	if err == nil && len(as) == 0 {
		err = sql.ErrNoRows
	}
	if err != nil {
		return store.StaffAccount{}, wrap(op, err)
	}
	return as[0], nil
}

// ListStaff lists accounts by email.
func (db *DB) ListStaff(ctx context.Context, offset, limit int) ([]store.StaffAccount, error) {
	offset, limit, err := page(offset, limit)
	if err != nil {
		return nil, wrap("list staff", err)
	}
	as, err := queryStaff(ctx, db.sql, `ORDER BY email LIMIT ? OFFSET ?`, limit, offset)
	if err != nil {
		return nil, wrap("list staff", err)
	}
	return as, nil
}

// UpdateStaff saves name, role and, when given, the password hash.
func (db *DB) UpdateStaff(ctx context.Context, a store.StaffAccount) (store.StaffAccount, error) {
	op := fmt.Sprintf("update staff %q", a.ID)
	a, err := store.CheckStaff(a, false)
	if err != nil {
		return store.StaffAccount{}, wrap(op, err)
	}
	var out store.StaffAccount
	err = db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE staff_accounts SET name = ?, role = ?,
			password_hash = CASE WHEN ? = '' THEN password_hash ELSE ? END WHERE id = ?`,
			a.Name, string(a.Role), a.PasswordHash, a.PasswordHash, a.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("staff %q", a.ID)
		}
		as, err := queryStaff(ctx, tx, `WHERE id = ?`, a.ID)
		if err != nil {
			return err
		}
		out = as[0]
		return nil
	})
	if err != nil {
		return store.StaffAccount{}, wrap(op, err)
	}
	return out, nil
}

// RecordSignIn counts a failed sign-in, or clears the count.
func (db *DB) RecordSignIn(ctx context.Context, id string, ok bool, at time.Time) error {
	op := fmt.Sprintf("record sign-in of staff %q", id)
	if strings.ContainsRune(id, 0) {
		return wrap(op, invalid("holds a NUL"))
	}
	return wrap(op, db.write(ctx, func(tx *sql.Tx) error {
		q := `UPDATE staff_accounts SET failed_sign_ins = failed_sign_ins + 1, last_failed_at = ? WHERE id = ?`
		args := []any{toNanos(at.UTC()), id}
		if ok {
			q, args = `UPDATE staff_accounts SET failed_sign_ins = 0 WHERE id = ?`, []any{id}
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("staff %q", id)
		}
		return nil
	}))
}

// CreateStaffSession stores s.
func (db *DB) CreateStaffSession(ctx context.Context, s store.StaffSession) (store.StaffSession, error) {
	const op = "create staff session"
	if err := store.CheckStaffSession(s); err != nil {
		return store.StaffSession{}, wrap(op, err)
	}
	s.CreatedAt, s.ExpiresAt = now(), s.ExpiresAt.UTC().Round(0)
	err := db.write(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM staff_accounts WHERE id = ?`, s.StaffID).Scan(&one); err != nil {
			if err == sql.ErrNoRows {
				return notFound("staff %q", s.StaffID)
			}
			return err
		}
		// Expired sessions go as new ones come, so the table stays the
		// size of the sessions alive.
		if _, err := tx.ExecContext(ctx, `DELETE FROM staff_sessions WHERE expires_at < ?`, toNanos(s.CreatedAt)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO staff_sessions (token_hash, staff_id, csrf, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?)`, s.TokenHash, s.StaffID, s.CSRF, toNanos(s.CreatedAt), toNanos(s.ExpiresAt))
		return err
	})
	if err != nil {
		return store.StaffSession{}, wrap(op, err)
	}
	return s, nil
}

// StaffSession returns the live session of tokenHash and its account.
func (db *DB) StaffSession(ctx context.Context, tokenHash string, at time.Time) (store.StaffSession, store.StaffAccount, error) {
	const op = "staff session"
	if strings.ContainsRune(tokenHash, 0) {
		return store.StaffSession{}, store.StaffAccount{}, wrap(op, invalid("token holds a NUL"))
	}
	var (
		s                  store.StaffSession
		created, expiresAt int64
	)
	err := db.sql.QueryRowContext(ctx, `SELECT token_hash, staff_id, csrf, created_at, expires_at FROM staff_sessions
		WHERE token_hash = ?`, tokenHash).Scan(&s.TokenHash, &s.StaffID, &s.CSRF, &created, &expiresAt)
	if err != nil {
		return store.StaffSession{}, store.StaffAccount{}, wrap(op, err)
	}
	s.CreatedAt, s.ExpiresAt = fromNanos(created), fromNanos(expiresAt)
	if s.ExpiresAt.Before(at) {
		if err := db.DeleteStaffSession(ctx, tokenHash); err != nil {
			return store.StaffSession{}, store.StaffAccount{}, err
		}
		return store.StaffSession{}, store.StaffAccount{}, wrap(op, notFound("session expired"))
	}
	a, err := db.StaffAccount(ctx, s.StaffID)
	if err != nil {
		return store.StaffSession{}, store.StaffAccount{}, err
	}
	return s, a, nil
}

// DeleteStaffSession signs a session out.
func (db *DB) DeleteStaffSession(ctx context.Context, tokenHash string) error {
	if strings.ContainsRune(tokenHash, 0) {
		return wrap("delete staff session", invalid("token holds a NUL"))
	}
	return wrap("delete staff session", db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM staff_sessions WHERE token_hash = ?`, tokenHash)
		return err
	}))
}

func queryStaff(ctx context.Context, q querier, where string, args ...any) ([]store.StaffAccount, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+staffColumns+` FROM staff_accounts `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []store.StaffAccount{}
	for rows.Next() {
		var (
			a               store.StaffAccount
			role            string
			failed, created int64
		)
		if err := rows.Scan(&a.ID, &a.Email, &a.Name, &role, &a.PasswordHash, &a.FailedSignIns, &failed, &created); err != nil {
			return nil, err
		}
		a.Role, a.CreatedAt = store.StaffRole(role), fromNanos(created)
		if failed != 0 {
			a.LastFailedAt = fromNanos(failed)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
