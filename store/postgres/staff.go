package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/faroai/faro/store"
)

const staffColumns = `id, email, name, role, password_hash, failed_sign_ins, last_failed_at, created_at`

func scanStaff(row pgx.Row) (store.StaffAccount, error) {
	var (
		a      store.StaffAccount
		failed *time.Time
	)
	if err := row.Scan(&a.ID, &a.Email, &a.Name, &a.Role, &a.PasswordHash, &a.FailedSignIns, &failed, &a.CreatedAt); err != nil {
		return store.StaffAccount{}, err
	}
	a.CreatedAt = a.CreatedAt.UTC()
	if failed != nil {
		a.LastFailedAt = failed.UTC()
	}
	return a, nil
}

// CreateStaff stores a with a new ID; ErrConflict if the email is taken.
func (db *DB) CreateStaff(ctx context.Context, a store.StaffAccount) (store.StaffAccount, error) {
	const op = "create staff"
	a, err := store.CheckStaff(a, true)
	if err != nil {
		return store.StaffAccount{}, fmt.Errorf("postgres: %s: %w", op, err)
	}
	if a.ID, err = newID(); err != nil {
		return store.StaffAccount{}, fmt.Errorf("postgres: %s: %w", op, err)
	}
	a.CreatedAt, a.FailedSignIns, a.LastFailedAt = now(), 0, time.Time{}
	_, err = db.pool.Exec(ctx, `INSERT INTO staff_accounts (id, email, name, role, password_hash, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, a.ID, a.Email, a.Name, string(a.Role), a.PasswordHash, a.CreatedAt)
	if err != nil {
		return store.StaffAccount{}, dbErr(op, err)
	}
	return a, nil
}

// StaffAccount returns ErrNotFound if there is no account with id.
func (db *DB) StaffAccount(ctx context.Context, id string) (store.StaffAccount, error) {
	return db.oneStaff(ctx, fmt.Sprintf("staff %q", id), `WHERE id = $1`, id)
}

// StaffByEmail matches trimmed and case-insensitively.
func (db *DB) StaffByEmail(ctx context.Context, email string) (store.StaffAccount, error) {
	return db.oneStaff(ctx, fmt.Sprintf("staff %q", email), `WHERE email = $1`, strings.ToLower(strings.TrimSpace(email)))
}

func (db *DB) oneStaff(ctx context.Context, op, where, arg string) (store.StaffAccount, error) {
	if strings.ContainsRune(arg, 0) {
		return store.StaffAccount{}, invalid(op, "holds a NUL")
	}
	a, err := scanStaff(db.pool.QueryRow(ctx, `SELECT `+staffColumns+` FROM staff_accounts `+where, arg))
	if err != nil {
		return store.StaffAccount{}, dbErr(op, err)
	}
	return a, nil
}

// ListStaff lists accounts by email.
func (db *DB) ListStaff(ctx context.Context, offset, limit int) ([]store.StaffAccount, error) {
	const op = "list staff"
	if err := checkPage(op, offset, limit); err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, `SELECT `+staffColumns+` FROM staff_accounts ORDER BY email OFFSET $1 LIMIT $2`,
		offset, limitArg(limit))
	if err != nil {
		return nil, dbErr(op, err)
	}
	out, err := collect(rows, func(r pgx.Rows) (store.StaffAccount, error) { return scanStaff(r) })
	if err != nil {
		return nil, dbErr(op, err)
	}
	return out, nil
}

// UpdateStaff saves name, role and, when given, the password hash.
func (db *DB) UpdateStaff(ctx context.Context, a store.StaffAccount) (store.StaffAccount, error) {
	op := fmt.Sprintf("update staff %q", a.ID)
	a, err := store.CheckStaff(a, false)
	if err != nil {
		return store.StaffAccount{}, fmt.Errorf("postgres: %s: %w", op, err)
	}
	out, err := scanStaff(db.pool.QueryRow(ctx, `UPDATE staff_accounts SET name = $1, role = $2,
		password_hash = CASE WHEN $3 = '' THEN password_hash ELSE $3 END WHERE id = $4 RETURNING `+staffColumns,
		a.Name, string(a.Role), a.PasswordHash, a.ID))
	if err != nil {
		return store.StaffAccount{}, dbErr(op, err)
	}
	return out, nil
}

// RecordSignIn counts a failed sign-in, or clears the count.
func (db *DB) RecordSignIn(ctx context.Context, id string, ok bool, at time.Time) error {
	op := fmt.Sprintf("record sign-in of staff %q", id)
	if strings.ContainsRune(id, 0) {
		return invalid(op, "holds a NUL")
	}
	q := `UPDATE staff_accounts SET failed_sign_ins = failed_sign_ins + 1, last_failed_at = $1 WHERE id = $2`
	args := []any{at.UTC().Truncate(time.Microsecond), id}
	if ok {
		q, args = `UPDATE staff_accounts SET failed_sign_ins = 0 WHERE id = $1`, []any{id}
	}
	tag, err := db.pool.Exec(ctx, q, args...)
	if err != nil {
		return dbErr(op, err)
	}
	if tag.RowsAffected() == 0 {
		return dbErr(op, pgx.ErrNoRows)
	}
	return nil
}

// CreateStaffSession stores s.
func (db *DB) CreateStaffSession(ctx context.Context, s store.StaffSession) (store.StaffSession, error) {
	const op = "create staff session"
	if err := store.CheckStaffSession(s); err != nil {
		return store.StaffSession{}, fmt.Errorf("postgres: %s: %w", op, err)
	}
	s.CreatedAt, s.ExpiresAt = now(), s.ExpiresAt.UTC().Truncate(time.Microsecond)
	// Expired sessions go as new ones come, so the table stays the size
	// of the sessions alive.
	if _, err := db.pool.Exec(ctx, `DELETE FROM staff_sessions WHERE expires_at < $1`, s.CreatedAt); err != nil {
		return store.StaffSession{}, dbErr(op, err)
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO staff_sessions (token_hash, staff_id, csrf, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5)`, s.TokenHash, s.StaffID, s.CSRF, s.CreatedAt, s.ExpiresAt)
	if err != nil {
		return store.StaffSession{}, dbErr(op, err)
	}
	return s, nil
}

// StaffSession returns the live session of tokenHash and its account.
func (db *DB) StaffSession(ctx context.Context, tokenHash string, at time.Time) (store.StaffSession, store.StaffAccount, error) {
	const op = "staff session"
	if strings.ContainsRune(tokenHash, 0) {
		return store.StaffSession{}, store.StaffAccount{}, invalid(op, "token holds a NUL")
	}
	var s store.StaffSession
	err := db.pool.QueryRow(ctx, `SELECT token_hash, staff_id, csrf, created_at, expires_at FROM staff_sessions
		WHERE token_hash = $1`, tokenHash).Scan(&s.TokenHash, &s.StaffID, &s.CSRF, &s.CreatedAt, &s.ExpiresAt)
	if err != nil {
		return store.StaffSession{}, store.StaffAccount{}, dbErr(op, err)
	}
	s.CreatedAt, s.ExpiresAt = s.CreatedAt.UTC(), s.ExpiresAt.UTC()
	if s.ExpiresAt.Before(at) {
		if err := db.DeleteStaffSession(ctx, tokenHash); err != nil {
			return store.StaffSession{}, store.StaffAccount{}, err
		}
		return store.StaffSession{}, store.StaffAccount{}, fmt.Errorf("postgres: %s: expired: %w", op, store.ErrNotFound)
	}
	a, err := db.StaffAccount(ctx, s.StaffID)
	if err != nil {
		return store.StaffSession{}, store.StaffAccount{}, err
	}
	return s, a, nil
}

// DeleteStaffSession signs a session out.
func (db *DB) DeleteStaffSession(ctx context.Context, tokenHash string) error {
	const op = "delete staff session"
	if strings.ContainsRune(tokenHash, 0) {
		return invalid(op, "token holds a NUL")
	}
	if _, err := db.pool.Exec(ctx, `DELETE FROM staff_sessions WHERE token_hash = $1`, tokenHash); err != nil {
		return dbErr(op, err)
	}
	return nil
}
