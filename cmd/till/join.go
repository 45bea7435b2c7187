package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/tillpos/till/bundle"
	"github.com/tillpos/till/chain"
	"github.com/tillpos/till/store"
)

// `till join` puts a till in a chain with a token from `till centre
// join-token` (docs/chain.md, "Joining"): the till makes its own NKey (the
// seed stays in TILL-chain/till.nk, 0600), the centre lets that key in and
// answers, signed, with the chain's badge key and its signing key; the till
// takes the badge key as its key file, trusts the signing key for bundles
// and keeps its place in the chain in its database. `till -db PATH` then
// starts in the chain with no other step.

func init() {
	register("join", "join a chain: join [-db PATH] [-key FILE] TOKEN|- nats://CENTRE-HOST:PORT (- reads the token from stdin)",
		func(ctx context.Context, args []string) error { return runJoin(ctx, os.Stdin, os.Stdout, args) })
}

const joinUsage = `join [-db PATH] [-key FILE] TOKEN|- nats://CENTRE-HOST:PORT
  TOKEN is from till centre join-token; - reads it from stdin (so it is not on the command line)
  PORT is the centre's client port (till centre -listen, default 4222)`

// chainDir is where a till's chain files live: beside its database, so two
// tills on one machine with their own -db never share them.
func chainDir(dbPath string) string {
	base := strings.TrimSuffix(filepath.Base(dbPath), filepath.Ext(dbPath))
	return filepath.Join(filepath.Dir(dbPath), base+"-chain")
}

func runJoin(ctx context.Context, in io.Reader, out io.Writer, args []string) error {
	fset := flag.NewFlagSet("join", flag.ContinueOnError)
	fset.SetOutput(io.Discard)
	dbFlag := fset.String("db", "", "database file (default: the user's config dir, till/till.db; made if missing)")
	keyFlag := fset.String("key", "", "the till's key file, which becomes the chain's badge key (default: the user's config dir, till/till.key)")
	if err := fset.Parse(args); err != nil {
		return fmt.Errorf("%w: %v\n%s", errUsage, err, joinUsage)
	}
	if fset.NArg() != 2 {
		return fmt.Errorf("%w: %s", errUsage, joinUsage)
	}
	text, url := fset.Arg(0), fset.Arg(1)
	if text == "-" {
		if f, ok := in.(*os.File); ok {
			if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
				fmt.Fprint(out, "join token: ") // typed or pasted, not piped
			}
		}
		line, err := bufio.NewReader(in).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("%w: no token on stdin", errUsage)
		}
		text = strings.TrimSpace(line)
	}
	tok, err := chain.ParseToken(text)
	if err != nil {
		return fmt.Errorf("%w: %v: it is the line till centre join-token printed, tilljoin1:STORE:TILL:…", errUsage, err)
	}
	if !strings.HasPrefix(url, "nats://") {
		return fmt.Errorf("%w: %q: want nats://CENTRE-HOST:PORT, the centre's client port", errUsage, url)
	}
	path := *dbFlag
	if path == "" {
		if path, err = store.DefaultPath(); err != nil {
			return err
		}
	}
	if path, err = filepath.Abs(path); err != nil {
		return err
	}
	keyPath := *keyFlag
	if keyPath == "" {
		if keyPath, err = store.DefaultKeyPath(); err != nil {
			return err
		}
	}
	// A database that exists is keyed already (opening one keys its
	// audit): the chain's key must be that key. A new one is made only
	// after the join, with the chain's key in place first.
	var db *store.DB
	var had string
	if _, err := os.Stat(path); err == nil {
		if db, err = store.Open(ctx, path, store.Options{KeyPath: keyPath}); err != nil {
			return operatorError(err)
		}
		defer db.Close()
		if had, err = db.SettingString(ctx, "store.key_fingerprint", ""); err != nil {
			return operatorError(err)
		}
	}

	// The till's key: a new one for every join, put in place only if the
	// join succeeds.
	dir := chainDir(path)
	seedPath := filepath.Join(dir, chain.TillKeyFile)
	newSeed := seedPath + ".new"
	if err := os.Remove(newSeed); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	pub, err := chain.NewTillKey(newSeed)
	if err != nil {
		return err
	}
	defer os.Remove(newSeed)

	j, err := chain.Join(ctx, url, tok, pub, bundle.KeyID)
	switch {
	case errors.Is(err, chain.ErrJoinRefused):
		return fmt.Errorf("%v\n  the till is not in the chain; ask for a new token (till centre join-token %s %s)", err, tok.Till.Store, tok.Till.Till)
	case errors.Is(err, chain.ErrJoinForged):
		return fmt.Errorf("refused the centre's answer: %v\n  the till is not in the chain: check the address %s is your centre's, and the token", err, url)
	case err != nil:
		return fmt.Errorf("%v\n  is the centre running (till centre) and is %s its client port (-listen)?", err, url)
	}
	// From here the centre has this till's key: a refusal must say so.
	atCentre := fmt.Sprintf("the centre has recorded this till's key: run `till centre revoke %s %s` there, fix this, and join with a new token", j.Till.Store, j.Till.Till)
	want := store.KeyFingerprintOf(j.BadgeKey)
	if had != "" && had != want {
		return fmt.Errorf("refused to join: this till's database has badges, PINs and audit keyed with another key (fingerprint %s) than the chain's (%s); taking the chain's key would make every badge enrolled here stop working. Join with a new database (-db), or one set up with the chain's key\n  %s", had, want, atCentre)
	}
	exists, same, err := keyFileHolds(keyPath, j.BadgeKey)
	if err != nil {
		return fmt.Errorf("key file %s: %w\n  %s", keyPath, err, atCentre)
	}
	if exists && !same {
		return fmt.Errorf("refused to join: the key file %s holds another key than the chain's (another till database may use it); give this till its own file with -key\n  %s", keyPath, atCentre)
	}
	if !exists {
		if err := writeKeyFile(keyPath, j.BadgeKey); err != nil {
			return fmt.Errorf("%w\n  %s", err, atCentre)
		}
	}
	if db == nil {
		if db, err = store.Open(ctx, path, store.Options{KeyPath: keyPath}); err != nil {
			return operatorError(err)
		}
		defer db.Close()
	}
	// Loads the key now: a database's fingerprint is recorded with it.
	if err := db.CheckKey(ctx); err != nil {
		return operatorError(err)
	}
	if err := os.Rename(newSeed, seedPath); err != nil {
		return fmt.Errorf("till key: %w", err)
	}
	if err := bundle.Trust(bundle.TrustedPath(path), j.SigningKey, "centre of chain "+j.Chain); err != nil {
		return err
	}
	host, _ := os.Hostname()
	by := store.Actor{Terminal: "cli:" + host}
	if err := db.SetStoreIdentity(ctx, j.Till.Store, j.Chain, by); err != nil {
		return operatorError(err)
	}
	if err := db.SetSettings(ctx, map[string]string{
		settingChainTill: j.Till.Till, settingChainCentre: j.LeafURL, settingChainKeyFile: seedPath,
	}, by); err != nil {
		return operatorError(err)
	}
	args2 := fmt.Sprintf(`{"store":%q,"till":%q,"chain":%q,"centre":%q,"nkey":%q,"signing_key":%q}`,
		j.Till.Store, j.Till.Till, j.Chain, j.LeafURL, pub, bundle.KeyID(j.SigningKey))
	if _, err := db.Audit(ctx, store.AuditEntry{Terminal: by.Terminal, Action: "chain.join", Args: []byte(args2), Outcome: store.OutcomeOK}); err != nil {
		return operatorError(err)
	}
	fmt.Fprintf(out, "joined: till %s of store %s in chain %q, reporting to %s\n", j.Till.Till, j.Till.Store, j.Chain, j.LeafURL)
	fmt.Fprintf(out, "  till key %s (seed in %s, 0600)\n  badge key %s, fingerprint %s\n  bundles trusted from the centre's key %s (%s)\n",
		pub, seedPath, db.KeyPath(), want, bundle.KeyID(j.SigningKey), bundle.TrustedPath(path))
	fmt.Fprintf(out, "start the till (till -db %s) and it is in the chain\n", path)
	return nil
}

// keyFileHolds says whether the file at path exists and holds key.
func keyFileHolds(path string, key []byte) (exists, same bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, false, nil
	}
	if err != nil {
		return false, false, err
	}
	return true, bytes.Equal(b, key), nil
}

// writeKeyFile writes the chain's badge key as the till's key file (0600,
// never over an existing file).
func writeKeyFile(path string, key []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("key file: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("key file: %w", err)
	}
	_, werr := f.Write(key)
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		os.Remove(path)
		return fmt.Errorf("key file %s: %w", path, err)
	}
	return nil
}
