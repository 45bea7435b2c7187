package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"

	"github.com/tillpos/till/store"
)

func init() {
	register("audit", "verify the audit log's hash chain: audit verify [-db PATH]", runAudit)
}

// errAuditBroken makes `till audit verify` exit non-zero when the chain
// does not hold; the message names the first bad row.
var errAuditBroken = errors.New("audit log has been tampered with")

func runAudit(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		return fmt.Errorf("%w: audit verify [-db PATH]", errUsage)
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	dbPath := fs.String("db", "", "database file (default: the user's config dir, till/till.db)")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	path, err := dbPathOrDefault(*dbPath)
	if err != nil {
		return err
	}
	// Read-only: verifying must work beside a running till and must never
	// change the evidence.
	db, err := store.Open(ctx, path, store.Options{ReadOnly: true})
	if err != nil {
		return operatorError(err)
	}
	defer db.Close()
	rep, err := db.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if rep.Break != nil {
		return fmt.Errorf("%w: %s: first bad row %d: %s (%d rows read)", errAuditBroken, path, rep.Break.ID, rep.Break.Why, rep.Rows)
	}
	id, head, err := db.AuditHead(ctx)
	if err != nil {
		return err
	}
	// The head hash is the anchor: write it down, and a later verify that
	// ends on an older row shows rows were cut off the end.
	fmt.Fprintf(os.Stdout, "audit log OK: %d rows, last row %d, head %s\n", rep.Rows, id, hex.EncodeToString(head))
	return nil
}

// dbPathOrDefault is the -db flag's value, else store.DefaultPath(); where
// there is no database it says to run till init (noDatabase).
func dbPathOrDefault(flagValue string) (string, error) {
	path := flagValue
	if path == "" {
		p, err := store.DefaultPath()
		if err != nil {
			return "", err
		}
		path = p
	}
	// Operator commands work on a till's database; they never create one
	// (that is till init's).
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return "", noDatabase(path)
	}
	return path, nil
}

// operatorError puts the store's plain sentence (English: operator
// commands run in a shell, often over ssh, without the window's language)
// before the technical detail, when the store knows the error.
func operatorError(err error) error {
	m := store.Message(err)
	if m.Key == store.MessageInternal {
		return err
	}
	return fmt.Errorf("%s\n  (%w)", m.English(), err)
}
