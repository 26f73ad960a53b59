package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/faroai/faro/console"
	"github.com/faroai/faro/store"
)

// runStaff manages the console's accounts: `faro staff add|password|list`.
func runStaff(ctx context.Context, env *environment, args []string) error {
	if len(args) == 0 || args[0] == "" || args[0][0] == '-' {
		fmt.Fprintln(env.stderr, "Usage: faro staff add --email E --role admin|staff [--name N]\n       faro staff password --email E\n       faro staff list\n\nThe password is read from FARO_STAFF_PASSWORD, else asked for on the terminal (or read as one line of standard input).")
		return &usageError{"faro staff needs add, password or list"}
	}
	sub, args := args[0], args[1:]
	fs, cfgPath := newFlagSet(env, "staff "+sub)
	email := fs.String("email", "", "the account's email: it signs in with it")
	role := fs.String("role", "staff", "admin (everything, and adds accounts) or staff (may not change the knowledge base or the catalogue)")
	name := fs.String("name", "", "the person's name")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := LoadConfig(*cfgPath, env.getenv)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer st.Close()
	switch sub {
	case "list":
		as, err := st.ListStaff(ctx, 0, 0)
		if err != nil {
			return fmt.Errorf("list staff: %w", err)
		}
		for _, a := range as {
			fmt.Fprintf(env.stdout, "%s\t%s\t%s\n", a.Email, a.Role, a.Name)
		}
		return nil
	case "add", "password":
	default:
		return &usageError{fmt.Sprintf("unknown staff command %q: add, password or list", sub)}
	}
	if strings.TrimSpace(*email) == "" {
		return &usageError{"--email is needed"}
	}
	pw, err := readPassword(env)
	if err != nil {
		return err
	}
	hash, err := console.HashPassword(pw)
	if err != nil {
		return &usageError{err.Error()}
	}
	if sub == "password" {
		a, err := st.StaffByEmail(ctx, *email)
		if err != nil {
			return fmt.Errorf("no account %s: %w", *email, err)
		}
		a.PasswordHash = hash
		if _, err := st.UpdateStaff(ctx, a); err != nil {
			return fmt.Errorf("set the password of %s: %w", *email, err)
		}
		fmt.Fprintf(env.stdout, "password of %s changed\n", a.Email)
		return nil
	}
	acct := store.StaffAccount{Email: *email, Name: *name, Role: store.StaffRole(*role), PasswordHash: hash}
	if _, err := store.CheckStaff(acct, true); err != nil {
		return &usageError{strings.TrimSuffix(err.Error(), ": "+store.ErrInvalid.Error())}
	}
	a, err := st.CreateStaff(ctx, acct)
	switch {
	case errors.Is(err, store.ErrConflict):
		return &usageError{fmt.Sprintf("an account with email %s exists: use faro staff password to change its password", *email)}
	case err != nil:
		return fmt.Errorf("add staff %s: %w", *email, err)
	}
	fmt.Fprintf(env.stdout, "%s account %s created: sign in at /console\n", a.Role, a.Email)
	return nil
}

// readPassword takes FARO_STAFF_PASSWORD, else asks on the terminal
// without echo, else reads one line of standard input.
func readPassword(env *environment) (string, error) {
	if pw := env.getenv("FARO_STAFF_PASSWORD"); pw != "" {
		return pw, nil
	}
	if fd := int(os.Stdin.Fd()); term.IsTerminal(fd) {
		fmt.Fprint(env.stderr, "Password (10 characters or more): ")
		b, err := term.ReadPassword(fd)
		fmt.Fprintln(env.stderr)
		if err != nil {
			return "", fmt.Errorf("read the password: %w", err)
		}
		return string(b), nil
	}
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", &usageError{"no password: set FARO_STAFF_PASSWORD or type it on standard input"}
	}
	return strings.TrimRight(line, "\r\n"), nil
}
