package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/tillpos/till/chain"
	"github.com/tillpos/till/store"
	"github.com/tillpos/till/ui"
)

// A till is in a chain when its database has these settings (docs/chain.md):
// the store's ID (store.id, shared with the bundles), the till's own name,
// the centre's leaf address and the file holding the leaf password. They
// are set with `till chain set`, so a till's place in the chain lives with
// its data, not in a start-up script; an empty chain.centre keeps the till
// on its own (`make run`, `till -demo`).
const (
	settingChainTill     = "chain.till"
	settingChainCentre   = "chain.centre"
	settingChainAuthFile = "chain.auth_file"
)

func init() {
	register("chain", "the till's place in a chain: chain set [-db PATH] [-key FILE] -store ID -till NAME -centre nats-leaf://HOST:PORT -auth-file FILE | chain show | chain off",
		func(ctx context.Context, args []string) error { return runChain(ctx, os.Stdout, args) })
}

const chainUsage = `chain set [-db PATH] [-key FILE] -store ID -till NAME -centre nats-leaf://HOST:PORT -auth-file FILE
       chain show [-db PATH]
       chain off [-db PATH]      the till works on its own again (what it has not sent stays)`

func runChain(ctx context.Context, out io.Writer, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: %s", errUsage, chainUsage)
	}
	fs := flag.NewFlagSet("chain "+args[0], flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dbFlag := fs.String("db", "", "database file (default: the user's config dir, till/till.db)")
	keyFlag := fs.String("key", "", "the till's key file (default: the user's config dir, till/till.key)")
	storeID := fs.String("store", "", "the store's ID in the chain (letters, digits, '-', '_')")
	tillName := fs.String("till", "", "this till's name in its store")
	centre := fs.String("centre", "", "the centre's leaf address, nats-leaf://HOST:PORT")
	authFile := fs.String("auth-file", "", "the leaf auth file copied from the centre (mode 0600)")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("%w: %v\n%s", errUsage, err, chainUsage)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q\n%s", errUsage, fs.Arg(0), chainUsage)
	}
	path, err := dbPathOrDefault(*dbFlag)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, path, store.Options{KeyPath: *keyFlag})
	if err != nil {
		return operatorError(err)
	}
	defer db.Close()
	host, _ := os.Hostname()
	by := store.Actor{Terminal: "cli:" + host}
	switch args[0] {
	case "set":
		id := chain.TillID{Store: *storeID, Till: *tillName}
		if err := id.Valid(); err != nil {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		if !strings.HasPrefix(*centre, "nats-leaf://") {
			return fmt.Errorf("%w: -centre %q: want nats-leaf://HOST:PORT (the centre prints it)", errUsage, *centre)
		}
		abs, err := filepath.Abs(*authFile)
		if err != nil || *authFile == "" {
			return fmt.Errorf("%w: -auth-file: the leaf auth file copied from the centre", errUsage)
		}
		if _, err := chain.ReadAuthFile(abs); err != nil {
			return err
		}
		_, chainName, err := db.StoreIdentity(ctx)
		if err != nil {
			return operatorError(err)
		}
		if err := db.SetStoreIdentity(ctx, id.Store, chainName, by); err != nil {
			return operatorError(err)
		}
		if err := db.SetSettings(ctx, map[string]string{settingChainTill: id.Till, settingChainCentre: *centre, settingChainAuthFile: abs}, by); err != nil {
			return operatorError(err)
		}
		fmt.Fprintf(out, "till %s of store %s reports to %s from its next start\n", id.Till, id.Store, *centre)
		fmt.Fprintf(out, "at the centre: till centre add-till %s %s\n", id.Store, id.Till)
		return nil
	case "off":
		if err := db.SetSetting(ctx, settingChainCentre, "", by); err != nil {
			return operatorError(err)
		}
		// On its own the till keeps no outbox; what was not sent waits
		// for the till to rejoin (starting its node enables it again).
		if err := db.DisableOutbox(ctx); err != nil {
			return operatorError(err)
		}
		fmt.Fprintln(out, "the till works on its own from its next start and keeps no outbox; events not yet sent stay in it until the till rejoins")
		return nil
	case "show":
		cfg, on, err := chainConfig(ctx, db, path, chainFlags{})
		switch {
		case err != nil:
			fmt.Fprintf(out, "chain: misconfigured: %v\n", err)
		case !on:
			fmt.Fprintln(out, "chain: off (the till works on its own)")
		default:
			fmt.Fprintf(out, "chain: store %s, till %s, centre %s, data in %s\n", cfg.ID.Store, cfg.ID.Till, cfg.Centre, cfg.Dir)
		}
		m, err := db.OutboxMarks(ctx)
		if err != nil {
			return operatorError(err)
		}
		fmt.Fprintf(out, "outbox: last event %d, in the till's stream up to %d, the centre has up to %d (%d waiting)\n", m.Last, m.Sent, m.Centre, m.Waiting())
		return nil
	}
	return fmt.Errorf("%w: unknown chain command %q\n%s", errUsage, args[0], chainUsage)
}

// chainConfig reads the till's chain settings; on is false when the till is
// on its own. The node's files sit beside the database (TILL-chain/), so two
// tills on one machine with their own -db never share them.
func chainConfig(ctx context.Context, db *store.DB, dbPath string, over chainFlags) (cfg chain.TillConfig, on bool, err error) {
	centre, err := db.SettingString(ctx, settingChainCentre, "")
	if err != nil {
		return cfg, false, err
	}
	centre = or(over.Centre, centre)
	if centre == "" {
		return cfg, false, nil
	}
	storeID, _, err := db.StoreIdentity(ctx)
	if err != nil {
		return cfg, false, err
	}
	storeID = or(over.Store, storeID)
	name, err := db.SettingString(ctx, settingChainTill, "")
	if err != nil {
		return cfg, false, err
	}
	name = or(over.Till, name)
	authFile, err := db.SettingString(ctx, settingChainAuthFile, "")
	if err != nil {
		return cfg, false, err
	}
	authFile = or(over.AuthFile, authFile)
	cfg.ID = chain.TillID{Store: storeID, Till: name}
	if err := cfg.ID.Valid(); err != nil {
		return cfg, true, fmt.Errorf("%v: run till chain set", err)
	}
	if authFile == "" {
		return cfg, true, fmt.Errorf("no leaf auth file: run till chain set -auth-file")
	}
	if cfg.Auth, err = chain.ReadAuthFile(authFile); err != nil {
		return cfg, true, err
	}
	base := strings.TrimSuffix(filepath.Base(dbPath), filepath.Ext(dbPath))
	cfg.Dir = filepath.Join(filepath.Dir(dbPath), base+"-chain")
	cfg.Centre = centre
	return cfg, true, nil
}

// chainFlags are the window's -centre, -store, -till and -chain-auth: for
// this run only, over the settings (a demo or a test till; a real till is
// set once with till chain set).
type chainFlags struct {
	Centre, Store, Till, AuthFile string
}

func (f *chainFlags) add(fs *flag.FlagSet) {
	fs.StringVar(&f.Centre, "centre", "", "for this run: the head office's leaf address, nats-leaf://HOST:PORT (default: the chain.centre setting)")
	fs.StringVar(&f.Store, "store", "", "for this run: the store's ID in the chain (default: the store.id setting)")
	fs.StringVar(&f.Till, "till", "", "for this run: this till's name in the chain (default: the chain.till setting)")
	fs.StringVar(&f.AuthFile, "chain-auth", "", "for this run: the leaf auth file from the centre (default: the chain.auth_file setting)")
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// wireChain starts the till's chain node when the till is in a chain. The
// till sells whatever happens here: a node that cannot start is said on the
// status bar and on stderr, and the events wait in the outbox. status is
// nil for a till on its own; stop closes the node.
func wireChain(ctx context.Context, db *store.DB, dbPath string, over chainFlags, logTo io.Writer) (status func() ui.ChainStatus, stop func()) {
	cfg, on, err := chainConfig(ctx, db, dbPath, over)
	if !on && err == nil {
		return nil, func() {}
	}
	if err == nil {
		cfg.Log = slog.New(slog.NewTextHandler(logTo, &slog.HandlerOptions{Level: slog.LevelWarn}))
		var node *chain.Till
		node, err = chain.StartTill(ctx, cfg, db)
		if err == nil {
			return func() ui.ChainStatus {
				st := node.Status()
				return ui.ChainStatus{Online: st.Online, OfflineSince: st.OfflineSince, Waiting: st.Waiting}
			}, node.Close
		}
	}
	fmt.Fprintln(logTo, "till: warning: head office link not started:", err)
	problem := err.Error()
	return func() ui.ChainStatus { return ui.ChainStatus{Problem: problem} }, func() {}
}
