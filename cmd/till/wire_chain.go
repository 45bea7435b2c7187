package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/tillpos/till/chain"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/store"
	"github.com/tillpos/till/ui"
)

// A till is in a chain when its database has these settings (docs/chain.md):
// the store's ID (store.id, shared with the bundles), the till's own name,
// the centre's leaf address and the file holding the till's NKey seed. They
// are set by `till join` (and `till chain set` changes them), so a till's
// place in the chain lives with its data, not in a start-up script; an
// empty chain.centre keeps the till on its own (`make run`, `till -demo`).
const (
	settingChainTill    = "chain.till"
	settingChainCentre  = "chain.centre"
	settingChainKeyFile = "chain.nkey_file"
)

func init() {
	register("chain", "the till's place in a chain (till join puts it there): chain set [-db PATH] [-key FILE] [-store ID] [-till NAME] [-centre nats-leaf://HOST:PORT] | chain key | chain show | chain off",
		func(ctx context.Context, args []string) error { return runChain(ctx, os.Stdout, args) })
}

const chainUsage = `chain set [-db PATH] [-key FILE] [-store ID] [-till NAME] [-centre nats-leaf://HOST:PORT]   change what till join set
       chain key [-db PATH]      make (once) and print this till's key, for a cluster's operator (till centre -nats)
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
		// What till join set, changed (the centre moved, a till renamed
		// together with the centre's records); the till's key stays.
		storeNow, chainName, err := db.StoreIdentity(ctx)
		if err != nil {
			return operatorError(err)
		}
		tillNow, err := db.SettingString(ctx, settingChainTill, "")
		if err != nil {
			return operatorError(err)
		}
		centreNow, err := db.SettingString(ctx, settingChainCentre, "")
		if err != nil {
			return operatorError(err)
		}
		id := chain.TillID{Store: or(*storeID, storeNow), Till: or(*tillName, tillNow)}
		if err := id.Valid(); err != nil {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		to := or(*centre, centreNow)
		if !strings.HasPrefix(to, "nats-leaf://") {
			return fmt.Errorf("%w: -centre %q: want nats-leaf://HOST:PORT (the centre prints it)", errUsage, to)
		}
		if err := db.SetStoreIdentity(ctx, id.Store, chainName, by); err != nil {
			return operatorError(err)
		}
		if err := db.SetSettings(ctx, map[string]string{settingChainTill: id.Till, settingChainCentre: to}, by); err != nil {
			return operatorError(err)
		}
		fmt.Fprintf(out, "till %s of store %s reports to %s from its next start\n", id.Till, id.Store, to)
		if k, _ := db.SettingString(ctx, settingChainKeyFile, ""); k == "" {
			fmt.Fprintln(out, "it has no till key yet: join it with till join (a token from till centre join-token)")
		}
		return nil
	case "key":
		// A till on an existing NATS cluster (till centre -nats) cannot
		// join: the cluster's operator lets its key in. The seed stays
		// here; only the public key is printed, for the operator.
		seedPath := filepath.Join(chainDir(path), chain.TillKeyFile)
		_, pub, err := chain.ReadTillKey(seedPath)
		if errors.Is(err, os.ErrNotExist) {
			if err := os.MkdirAll(chainDir(path), 0o700); err != nil {
				return err
			}
			pub, err = chain.NewTillKey(seedPath)
		}
		if err != nil {
			return err
		}
		if err := db.SetSetting(ctx, settingChainKeyFile, seedPath, by); err != nil {
			return operatorError(err)
		}
		fmt.Fprintf(out, "this till's key (the seed stays in %s, mode 0600):\n%s\n", seedPath, pub)
		fmt.Fprintln(out, "on a cluster the centre does not run, its operator adds {nkey: \""+pub+"\"} to the centre's account;")
		fmt.Fprintln(out, "then: till chain set -store STORE -till TILL -centre nats-leaf://CLUSTER-HOST:LEAF-PORT")
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
	keyFile, err := db.SettingString(ctx, settingChainKeyFile, "")
	if err != nil {
		return cfg, false, err
	}
	cfg.ID = chain.TillID{Store: storeID, Till: name}
	if err := cfg.ID.Valid(); err != nil {
		return cfg, true, fmt.Errorf("%v: run till chain set", err)
	}
	if keyFile == "" {
		return cfg, true, fmt.Errorf("no till key: the till has not joined the chain (till join)")
	}
	if cfg.Seed, _, err = chain.ReadTillKey(keyFile); err != nil {
		return cfg, true, err
	}
	cfg.Dir = chainDir(dbPath)
	cfg.Centre = centre
	return cfg, true, nil
}

// chainFlags are the window's -centre, -store and -till: for this run
// only, over the settings (a test till; a real till is set by till join).
// The till's key is always the one it joined with.
type chainFlags struct {
	Centre, Store, Till string
}

func (f *chainFlags) add(fs *flag.FlagSet) {
	fs.StringVar(&f.Centre, "centre", "", "for this run: the head office's leaf address, nats-leaf://HOST:PORT (default: the chain.centre setting)")
	fs.StringVar(&f.Store, "store", "", "for this run: the store's ID in the chain (default: the store.id setting)")
	fs.StringVar(&f.Till, "till", "", "for this run: this till's name in the chain (default: the chain.till setting)")
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// wireChain starts the till's chain node when the till is in a chain. The
// till sells whatever happens here: a node that cannot start is said on the
// status bar and on stderr, and the events wait in the outbox. With the
// node up it watches the head office's bundles of each kind (matrix,
// catalogue) and applies them through chainApplier, which refreshes
// holder (the session's policy) after a matrix; a refused bundle shows on
// the status bar. status is nil for a till on its own; stop ends the
// watches, then closes the node.
func wireChain(ctx context.Context, db *store.DB, dbPath string, over chainFlags, logTo io.Writer, holder *policy.Holder) (status func() ui.ChainStatus, stop func()) {
	cfg, on, err := chainConfig(ctx, db, dbPath, over)
	if !on && err == nil {
		return nil, func() {}
	}
	if err == nil {
		cfg.Log = slog.New(slog.NewTextHandler(logTo, &slog.HandlerOptions{Level: slog.LevelWarn}))
		var node *chain.Till
		node, err = chain.StartTill(ctx, cfg, db)
		if err == nil {
			watches := watchWhenSetUp(ctx, db, func() []*chain.ConfigWatch {
				return watchBundles(ctx, node, db, dbPath, holder, logTo)
			}, time.Second)
			return func() ui.ChainStatus {
					st := node.Status()
					cs := ui.ChainStatus{Online: st.Online, OfflineSince: st.OfflineSince, Waiting: st.Waiting}
					for _, w := range watches.list() {
						if r := w.Status().Refused; r != "" {
							cs.Refused = r
						}
					}
					return cs
				}, func() {
					watches.stop()
					node.Close()
				}
		}
	}
	fmt.Fprintln(logTo, "till: warning: head office link not started:", err)
	problem := err.Error()
	return func() ui.ChainStatus { return ui.ChainStatus{Problem: problem} }, func() {}
}

// setUpWatches are the bundle watches of a till that may not be set up
// yet. A till's first start after `till join` is the setup screen (the
// store's details, which no bundle carries, and a first administrator): a
// matrix bundle applied under that screen would bring users and make the
// setup fail as "already set up", so the watches start once the database
// has its users; the head office's users then replace the first
// administrator (docs/chain.md, "Joining").
type setUpWatches struct {
	mu      sync.Mutex
	ws      []*chain.ConfigWatch
	stopped bool
	quit    chan struct{}
	done    chan struct{}
	once    sync.Once
}

// watchWhenSetUp calls start at once when db is set up, else as soon as it
// is (looked at every poll).
func watchWhenSetUp(ctx context.Context, db *store.DB, start func() []*chain.ConfigWatch, poll time.Duration) *setUpWatches {
	w := &setUpWatches{quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		t := time.NewTicker(poll)
		defer t.Stop()
		for {
			if need, err := db.NeedsSetup(ctx); err == nil && !need {
				w.mu.Lock()
				if !w.stopped {
					w.ws = start()
				}
				w.mu.Unlock()
				return
			}
			select {
			case <-w.quit:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return w
}

func (w *setUpWatches) list() []*chain.ConfigWatch {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ws
}

func (w *setUpWatches) stop() {
	w.once.Do(func() { close(w.quit) })
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopped = true
	for _, cw := range w.ws {
		cw.Stop()
	}
}

// watchBundles starts one watch per kind of bundle the centre publishes.
// A watch that cannot start is said on logTo; the till sells on with what
// it has.
func watchBundles(ctx context.Context, node *chain.Till, db *store.DB, dbPath string, holder *policy.Holder, logTo io.Writer) []*chain.ConfigWatch {
	var out []*chain.ConfigWatch
	for _, kind := range []string{chain.KindMatrix, chain.KindCatalogue} {
		apply, err := chainApplier(kind, db, dbPath, holder)
		if err == nil {
			var w *chain.ConfigWatch
			// A mirror silent for 3 s (the centre restarted: NATS retries a
			// mirror's source with a growing back-off) is bypassed by
			// asking the centre itself, so a bundle is there in seconds.
			o := chain.WatchOptions{Kind: kind, Applier: apply, Check: time.Second, Stalled: 3 * time.Second}
			if w, err = node.WatchConfig(ctx, o); err == nil {
				out = append(out, w)
				continue
			}
		}
		fmt.Fprintf(logTo, "till: warning: head office %s bundles not watched: %v\n", kind, err)
	}
	return out
}
