package main

import (
	"context"
	"crypto/ed25519"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/tillpos/till/bundle"
	"github.com/tillpos/till/chain"
	"github.com/tillpos/till/chain/centredb"
	"github.com/tillpos/till/store"
)

// Joining at the centre (docs/chain.md, "Joining"): `till centre
// join-token` makes a one-time token for one till, printed once and kept
// only as a hash; a running centre answers `till join` with it; `till
// centre revoke` shuts a till's key out; `till centre audit` lists joins,
// refusals and revocations.

const centreJoinUsage = `centre join-token [-dir DIR] [-ttl 24h] STORE TILL   a one-time token for a till to join with (printed once)
       centre revoke [-dir DIR] STORE TILL                   the till's key stops working (a running centre drops it within seconds)
       centre audit [-dir DIR] [-n 50]                       joins, refused joins and sign-ins, revocations`

// centreJoinConfig is what the running centre hands a joining till: its
// signing key, the chain's name and badge key from the back office
// (master.db, master.key; both made on first use).
func centreJoinConfig(files centreFiles, chainName string) (*chain.JoinConfig, error) {
	priv, err := files.signer()
	if err != nil {
		return nil, err
	}
	key, err := os.ReadFile(files.masterKey())
	if err != nil {
		return nil, fmt.Errorf("the chain's badge key: %w", err)
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("the chain's badge key %s: %d bytes, want 32", files.masterKey(), len(key))
	}
	return &chain.JoinConfig{Signer: priv, Chain: chainName, BadgeKey: key}, nil
}

func centreTillArgs(fs *flag.FlagSet, args []string, usage string) (chain.TillID, error) {
	if err := fs.Parse(args); err != nil {
		return chain.TillID{}, fmt.Errorf("%w: %v\n%s", errUsage, err, centreJoinUsage)
	}
	if fs.NArg() != 2 {
		return chain.TillID{}, fmt.Errorf("%w: %s\n%s", errUsage, usage, centreJoinUsage)
	}
	id := chain.TillID{Store: fs.Arg(0), Till: fs.Arg(1)}
	if err := id.Valid(); err != nil {
		return chain.TillID{}, fmt.Errorf("%w: %v", errUsage, err)
	}
	return id, nil
}

func runCentreJoinToken(ctx context.Context, out io.Writer, args []string) error {
	fs, dirFlag := centreFlags("centre join-token")
	ttl := fs.Duration("ttl", 24*time.Hour, "how long the token may be used")
	id, err := centreTillArgs(fs, args, "centre join-token [-dir DIR] [-ttl 24h] STORE TILL")
	if err != nil {
		return err
	}
	if *ttl <= 0 || *ttl > 30*24*time.Hour {
		return fmt.Errorf("%w: -ttl %v: between a second and 30 days", errUsage, *ttl)
	}
	dir, err := resolveCentreDir(*dirFlag)
	if err != nil {
		return err
	}
	files := centreFiles{dir: dir}
	// Tills join a named chain only (runCentre answers joins only then):
	// read the name beside a running centre without taking master.db.
	master, err := store.Open(ctx, files.masterDB(), store.Options{KeyPath: files.masterKey(), ReadOnly: true})
	if err != nil {
		return fmt.Errorf("the chain's back office: %w (start the centre once: till centre -dir %s -chain NAME)", operatorError(err), dir)
	}
	_, name, err := master.StoreIdentity(ctx)
	master.Close()
	if err != nil {
		return operatorError(err)
	}
	if name == "" {
		return fmt.Errorf("the chain has no name yet, so no till can join it: start the centre once with -chain NAME (till centre -dir %s -chain NAME)", dir)
	}
	priv, err := files.signer()
	if err != nil {
		return err
	}
	tok, err := chain.NewToken(id, bundle.KeyID(priv.Public().(ed25519.PublicKey)))
	if err != nil {
		return err
	}
	cdb, err := centredb.Open(ctx, files.centreDB())
	if err != nil {
		return err
	}
	defer cdb.Close()
	until := time.Now().Add(*ttl)
	if err := cdb.AddJoinToken(ctx, id, tok.Hash(), until); err != nil {
		return err
	}
	fmt.Fprintf(out, "join token for till %s of store %s, valid until %s (shown once, used once):\n\n%s\n\n", id.Till, id.Store, until.Local().Format("2006-01-02 15:04"), tok)
	fmt.Fprintln(out, "On the till, with the centre running (its client port, -listen):")
	fmt.Fprintln(out, "  till join [-db PATH] [-key FILE] - nats://CENTRE-HOST:4222   and paste the token")
	return nil
}

func runCentreRevoke(ctx context.Context, out io.Writer, args []string) error {
	fs, dirFlag := centreFlags("centre revoke")
	id, err := centreTillArgs(fs, args, "centre revoke [-dir DIR] STORE TILL")
	if err != nil {
		return err
	}
	dir, err := resolveCentreDir(*dirFlag)
	if err != nil {
		return err
	}
	cdb, err := centredb.Open(ctx, centreFiles{dir: dir}.centreDB())
	if err != nil {
		return err
	}
	defer cdb.Close()
	n, err := cdb.Revoke(ctx, id)
	if err != nil {
		return err
	}
	if n == 0 {
		fmt.Fprintf(out, "till %s of store %s had no key in force; its unused join tokens, if any, are void\n", id.Till, id.Store)
		return nil
	}
	fmt.Fprintf(out, "till %s of store %s revoked: a running centre drops its connection within seconds; it must join again with a new token\n", id.Till, id.Store)
	return nil
}

func runCentreAudit(ctx context.Context, out io.Writer, args []string) error {
	fs, dirFlag := centreFlags("centre audit")
	n := fs.Int("n", 50, "the newest N rows (0: all)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v\n%s", errUsage, err, centreJoinUsage)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q\n%s", errUsage, fs.Arg(0), centreJoinUsage)
	}
	cdb, err := openCentreRO(ctx, *dirFlag)
	if err != nil {
		return err
	}
	defer cdb.Close()
	rows, err := cdb.Audit(ctx, *n)
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		fmt.Fprintln(out, "the centre's audit is empty")
		return nil
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTIME\tACTION\tTILL\tDETAIL")
	for _, r := range rows {
		till := "-"
		if r.Till.Store != "" {
			till = r.Till.String()
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", r.ID, r.At.Local().Format("2006-01-02 15:04:05"), r.Action, till, r.Detail)
	}
	return tw.Flush()
}

// printJoins is the joining part of `till centre status`: each till's key
// (joined or revoked), each token not used yet, and how many joins and
// sign-ins were refused.
func printJoins(ctx context.Context, out io.Writer, cdb *centredb.DB) error {
	js, err := cdb.Joins(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(out)
	if len(js) == 0 {
		fmt.Fprintln(out, "joining: no till has joined and no token waits (till centre join-token STORE TILL)")
	} else {
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "STORE\tTILL\tJOINING\tSINCE\tKEY")
		for _, j := range js {
			key := j.Key
			if key == "" {
				key = "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", j.Store, j.Till, j.State, j.Since.Local().Format("2006-01-02 15:04"), key)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	rows, err := cdb.Audit(ctx, 0)
	if err != nil {
		return err
	}
	var joins, leafs int
	for _, r := range rows {
		switch r.Action {
		case "join.refused":
			joins++
		case "leaf.refused":
			leafs++
		}
	}
	if joins+leafs > 0 {
		fmt.Fprintf(out, "refused: %d join(s), %d leaf sign-in(s) — till centre audit lists them\n", joins, leafs)
	}
	return nil
}
