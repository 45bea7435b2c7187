package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/tillpos/till/store"
)

func init() {
	register("audit", "verify the audit log: audit verify [-db PATH] [-key FILE] [-anchor FILE]",
		func(ctx context.Context, args []string) error { return runAudit(ctx, os.Stdout, args) })
}

// errAuditBroken makes `till audit verify` exit non-zero when the log does
// not hold; the message names the bad rows.
var errAuditBroken = errors.New("audit log has been tampered with")

// errAuditUnanchored: the rows hold but the anchor is missing or unusable,
// so rows cut off the end or an emptied log cannot be ruled out.
var errAuditUnanchored = errors.New("audit log cannot be checked against its anchor")

const auditUsage = "audit verify [-db PATH] [-key FILE] [-anchor FILE]"

func runAudit(ctx context.Context, out io.Writer, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		return fmt.Errorf("%w: %s", errUsage, auditUsage)
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dbPath := fs.String("db", "", "database file (default: the user's config dir, till/till.db)")
	keyPath := fs.String("key", "", "the till's key file (default: the user's config dir, till/till.key)")
	anchor := fs.String("anchor", "", "anchor file to check against (default: the one beside the key for this database)")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("%w: %v: %s", errUsage, err, auditUsage)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	path, err := dbPathOrDefault(*dbPath)
	if err != nil {
		return err
	}
	// Read-only: verifying works beside a running till and on read-only
	// media, takes no lock and never changes the evidence.
	db, err := store.Open(ctx, path, store.Options{ReadOnly: true, KeyPath: *keyPath})
	if err != nil {
		return operatorError(err)
	}
	defer db.Close()
	rep, err := db.VerifyAuditWith(ctx, store.VerifyOptions{AnchorFile: *anchor})
	if err != nil {
		return operatorError(err)
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(out, "note: %s\n", n)
	}
	if rep.Break != nil {
		for _, b := range rep.Breaks {
			fmt.Fprintf(out, "%s: %s\n", rowsText(b), b.Why)
		}
		b := rep.Break
		since := "from its first row"
		if !b.Since.IsZero() {
			since = "after " + b.Since.UTC().Format(time.RFC3339)
		}
		at := ""
		if !b.Time.IsZero() {
			at = " (" + b.Time.UTC().Format(time.RFC3339) + ")"
		}
		return fmt.Errorf("%w: %s: %d finding(s), the first at row %d%s: the log cannot be trusted %s (%d rows read)",
			errAuditBroken, path, len(rep.Breaks), b.ID, at, since, rep.Rows)
	}
	id, head, err := db.AuditHead(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "audit log rows hold: %d rows (keyed from row %d), last row %d, head %s\n", rep.Rows, rep.KeyedFrom, id, hex.EncodeToString(head))
	if rep.Anchor == nil {
		return fmt.Errorf("%w: %s", errAuditUnanchored, rep.AnchorProblem)
	}
	fmt.Fprintf(out, "anchor %s of %s: %d rows; %d rows written since\n", rep.Anchor.File, rep.Anchor.Time.UTC().Format(time.RFC3339), rep.Anchor.Rows, rep.Unanchored)
	fmt.Fprintln(out, "audit log OK")
	return nil
}

func rowsText(b store.ChainBreak) string {
	s := fmt.Sprintf("row %d", b.ID)
	if b.Last > b.ID {
		s = fmt.Sprintf("rows %d-%d", b.ID, b.Last)
	}
	if !b.Time.IsZero() {
		s += " (" + b.Time.UTC().Format(time.RFC3339) + ", as stored)"
	}
	return s
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
