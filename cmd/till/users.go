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
	register("users", "manage users: users reset-password|lift-lockout [-db PATH] LOGIN", runUsers)
}

const usersUsage = "users reset-password [-db PATH] LOGIN | users lift-lockout [-db PATH] LOGIN"

func runUsers(ctx context.Context, args []string) error {
	if len(args) == 0 || (args[0] != "reset-password" && args[0] != "lift-lockout") {
		return fmt.Errorf("%w: %s", errUsage, usersUsage)
	}
	sub := args[0]
	fs := flag.NewFlagSet("users "+sub, flag.ContinueOnError)
	dbPath := fs.String("db", "", "database file (default: the user's config dir, till/till.db)")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: users %s needs exactly one LOGIN", errUsage, sub)
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
	if sub == "lift-lockout" {
		// For the administrator locked out of the back office that would
		// lift it: the operator at the machine's shell.
		u, err := db.UserByLogin(ctx, login)
		if errors.Is(err, store.ErrUnknownUser) {
			return fmt.Errorf("no user with login %q in %s", login, path)
		}
		if err != nil {
			return operatorError(err)
		}
		if err := db.LiftLockout(ctx, u.ID, store.Actor{Terminal: "cli:" + host}); err != nil {
			return operatorError(err)
		}
		fmt.Fprintf(os.Stderr, "%s may sign in again now\n", login)
		return nil
	}
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
