// Command faro is the Faro assistant server: one binary that serves the chat
// widget and the APIs, and the tools to run it
// (migrate, ingest, eval, chat). It is the composition root: configuration is
// read here and every dependency is built and wired here.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	// The time zone database in the binary: FARO_TIMEZONE works on hosts
	// and images without /usr/share/zoneinfo.
	_ "time/tzdata"
)

// command is one subcommand of the binary.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *environment, args []string) error
}

// environment is what a subcommand may touch of the outside world, so tests
// run commands without a process of their own.
type environment struct {
	stdout, stderr io.Writer
	getenv         func(string) string
}

func commands() []command {
	return []command{
		{"serve", "run the assistant server (the default)", runServe},
		{"migrate", "apply database schema migrations and exit", runMigrate},
		{"eval", "evaluate retrieval and conversations", runEval},
		{"ingest", "load documents into the knowledge base", runIngest},
		{"chat", "talk to the assistant in the terminal", runChat},
		{"loadtest", "open N widget visitors against a running server and measure", runLoadtest},
		{"staff", "add console accounts and set their passwords", runStaff},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	env := &environment{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	err := run(ctx, env, os.Args[1:])
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "faro:", err)
		}
		os.Exit(exitCode(err))
	}
}

// usageError is a mistake in how the command was called.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// exitError is an error that asks for a particular exit status.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func exitCode(err error) int {
	var ue *usageError
	var ce *configError
	var xe *exitError
	switch {
	case errors.As(err, &xe):
		return xe.code
	case errors.As(err, &ue), errors.As(err, &ce), errors.Is(err, flag.ErrHelp):
		return 2
	}
	return 1
}

func run(ctx context.Context, env *environment, args []string) error {
	name := "serve"
	switch {
	case len(args) > 0 && isHelpFlag(args[0]):
		// `faro --help` asks about the binary, not about serve, the
		// default command (`faro serve --help` shows serve's flags).
		name = "help"
	case len(args) > 0 && args[0] != "" && args[0][0] != '-':
		name, args = args[0], args[1:]
	}
	if name == "help" {
		usage(env.stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, env, args)
		}
	}
	usage(env.stderr)
	return &usageError{fmt.Sprintf("unknown command %q", name)}
}

func isHelpFlag(arg string) bool {
	switch arg {
	case "-h", "-help", "--help":
		return true
	}
	return false
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: faro <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'faro <command> -h' for a command's flags. Configuration: FARO_* environment variables, or a YAML file (--config or FARO_CONFIG).")
}

// newFlagSet makes a command's flag set with the --config flag every command
// shares.
func newFlagSet(env *environment, name string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("faro "+name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	cfg := fs.String("config", "", "YAML configuration file (default $FARO_CONFIG)")
	return fs, cfg
}
