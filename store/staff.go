package store

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// StaffRole is what a staff account may do in the console: the same
// split as the API keys' admin and staff roles.
type StaffRole string

// The staff roles. Staff may not change the knowledge base or the
// catalogue; admins may, and may add accounts.
const (
	StaffAdmin  StaffRole = "admin"
	StaffMember StaffRole = "staff"
)

// Valid reports whether r is one of the staff roles.
func (r StaffRole) Valid() bool { return r == StaffAdmin || r == StaffMember }

// StaffAccount is a person who signs in to the console.
type StaffAccount struct {
	ID string `json:"id"`
	// Email signs in; stored trimmed and lower-cased, unique.
	Email string    `json:"email"`
	Name  string    `json:"name"`
	Role  StaffRole `json:"role"`
	// PasswordHash is the encoded password hash (the console's format);
	// the store never sees a password.
	PasswordHash string `json:"-"`
	// FailedSignIns counts failed sign-ins since the last success, the
	// last at LastFailedAt: what throttling is decided from.
	FailedSignIns int       `json:"failed_sign_ins"`
	LastFailedAt  time.Time `json:"last_failed_at"`
	CreatedAt     time.Time `json:"created_at"`
}

// StaffSession is a signed-in browser. The store keeps a digest of the
// cookie's token, never the token.
type StaffSession struct {
	TokenHash string `json:"-"`
	StaffID   string `json:"staff_id"`
	// CSRF is the token every state-changing request of the session
	// must carry.
	CSRF      string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Staff stores console accounts and their sessions.
type Staff interface {
	// CreateStaff stores a with a new ID. ErrInvalid for an email that is
	// not an address, an unknown role or an empty PasswordHash;
	// ErrConflict if another account has the email.
	CreateStaff(ctx context.Context, a StaffAccount) (StaffAccount, error)
	// StaffAccount returns ErrNotFound if there is no account with id.
	StaffAccount(ctx context.Context, id string) (StaffAccount, error)
	// StaffByEmail matches trimmed and case-insensitively; ErrNotFound if
	// none.
	StaffByEmail(ctx context.Context, email string) (StaffAccount, error)
	// ListStaff lists accounts by email.
	ListStaff(ctx context.Context, offset, limit int) ([]StaffAccount, error)
	// UpdateStaff saves name, role and, when not empty, PasswordHash of
	// a.ID. ErrNotFound if it does not exist; ErrInvalid as CreateStaff.
	UpdateStaff(ctx context.Context, a StaffAccount) (StaffAccount, error)
	// RecordSignIn counts a failed sign-in of id at at (FailedSignIns+1,
	// LastFailedAt at), or, when ok, clears the count. ErrNotFound if the
	// account does not exist.
	RecordSignIn(ctx context.Context, id string, ok bool, at time.Time) error
	// CreateStaffSession stores s. ErrInvalid without TokenHash, CSRF or
	// ExpiresAt; ErrNotFound if the account does not exist; ErrConflict
	// if the TokenHash is taken.
	CreateStaffSession(ctx context.Context, s StaffSession) (StaffSession, error)
	// StaffSession returns the session of tokenHash and its account;
	// ErrNotFound if there is none or it expired before now (an expired
	// one is deleted).
	StaffSession(ctx context.Context, tokenHash string, now time.Time) (StaffSession, StaffAccount, error)
	// DeleteStaffSession signs a session out; deleting one that does not
	// exist is not an error.
	DeleteStaffSession(ctx context.Context, tokenHash string) error
}

// CheckStaff validates a for CreateStaff and UpdateStaff, normalising its
// email; needHash asks for a PasswordHash.
func CheckStaff(a StaffAccount, needHash bool) (StaffAccount, error) {
	a.Email = strings.ToLower(strings.TrimSpace(a.Email))
	a.Name = strings.TrimSpace(a.Name)
	if addr, err := mail.ParseAddress(a.Email); err != nil || addr.Address != a.Email {
		return a, fmt.Errorf("staff email %q is not an address: %w", a.Email, ErrInvalid)
	}
	switch {
	case !a.Role.Valid():
		return a, fmt.Errorf("staff role %q is not admin or staff: %w", a.Role, ErrInvalid)
	case needHash && a.PasswordHash == "":
		return a, fmt.Errorf("staff %s without a password: %w", a.Email, ErrInvalid)
	case strings.ContainsRune(a.Email+a.Name+a.PasswordHash, 0):
		return a, fmt.Errorf("staff text holds a NUL: %w", ErrInvalid)
	}
	return a, nil
}

// CheckStaffSession validates s for CreateStaffSession.
func CheckStaffSession(s StaffSession) error {
	switch {
	case s.TokenHash == "" || s.CSRF == "":
		return fmt.Errorf("staff session without a token: %w", ErrInvalid)
	case s.StaffID == "":
		return fmt.Errorf("staff session without an account: %w", ErrInvalid)
	case s.ExpiresAt.IsZero():
		return fmt.Errorf("staff session without an expiry: %w", ErrInvalid)
	case strings.ContainsRune(s.TokenHash+s.CSRF+s.StaffID, 0):
		return fmt.Errorf("staff session holds a NUL: %w", ErrInvalid)
	}
	return nil
}
