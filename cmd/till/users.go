package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/tillpos/till/store"
)

func init() {
	register("users", "manage users: users reset-password [-db PATH] LOGIN", runUsers)
}

func runUsers(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "reset-password" {
		return fmt.Errorf("%w: users reset-password [-db PATH] LOGIN", errUsage)
	}
	fs := flag.NewFlagSet("users reset-password", flag.ContinueOnError)
	dbPath := fs.String("db", "", "database file (default: the user's config dir, till/till.db)")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: users reset-password needs exactly one LOGIN", errUsage)
	}
	login := fs.Arg(0)
	path, err := dbPathOrDefault(*dbPath)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		return operatorError(err)
	}
	defer db.Close()
	host, _ := os.Hostname()
	pw, err := db.ResetPassword(ctx, login, store.Actor{Terminal: "cli:" + host})
	if errors.Is(err, store.ErrUnknownUser) {
		// The login screen hides which logins exist; an operator at the
		// machine's shell may know.
		return fmt.Errorf("no user with login %q in %s", login, path)
	}
	if err != nil {
		return operatorError(err)
	}
	// Only the password on stdout, so a script can capture it; the hint
	// goes to stderr.
	fmt.Fprintln(os.Stdout, pw)
	fmt.Fprintf(os.Stderr, "new initial password for %s: %s must change it at the next login\n", login, login)
	return nil
}
