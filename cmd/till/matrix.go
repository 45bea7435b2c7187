package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/tillpos/till/bundle"
	"github.com/tillpos/till/store"
)

func init() {
	register("matrix", "signed permission bundles: matrix export|import|keygen|trust (matrix help)",
		func(ctx context.Context, args []string) error { return runMatrix(ctx, os.Stdout, args) })
}

const matrixUsage = `matrix export [-db PATH] -key FILE [-publisher TEXT] [-store ID [-chain NAME]] FILE
                                                               sign this till's matrix and users into FILE,
                                                               for this till's store or the one named
       matrix import [-db PATH] FILE                           import a bundle from a trusted publisher
       matrix keygen PREFIX                                    make PREFIX.key (private) and PREFIX.pub
       matrix trust [-db PATH] [-store ID [-chain NAME]] PUBFILE
                                                               trust the publisher key in PUBFILE; -store
                                                               sets the store (and chain) this till is`

func runMatrix(ctx context.Context, out io.Writer, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: %s", errUsage, matrixUsage)
	}
	sub, rest := args[0], args[1:]
	fs := flag.NewFlagSet("matrix "+sub, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dbPath := fs.String("db", "", "database file (default: the user's config dir, till/till.db)")
	var key, publisher *string
	if sub == "export" {
		key = fs.String("key", "", "publisher's private key file (from matrix keygen)")
		publisher = fs.String("publisher", "", "who publishes, a free-text label in the bundle")
	}
	var storeID, chain *string
	if sub == "export" || sub == "trust" {
		storeID = fs.String("store", "", "the store ID (export: the store the bundle is for; trust: this till's store)")
		chain = fs.String("chain", "", "the chain the store belongs to")
	}
	switch sub {
	case "export", "import", "trust", "keygen":
	case "help", "-h", "--help":
		fmt.Fprintln(out, "usage: till "+matrixUsage)
		return nil
	default:
		return fmt.Errorf("%w: unknown matrix command %q\n  %s", errUsage, sub, matrixUsage)
	}
	if err := fs.Parse(rest); err != nil {
		return fmt.Errorf("%w: matrix %s: %v", errUsage, sub, err)
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: matrix %s needs exactly one file argument", errUsage, sub)
	}
	file := fs.Arg(0)
	if sub == "keygen" {
		return matrixKeygen(out, file)
	}
	path, err := dbPathOrDefault(*dbPath)
	if err != nil {
		return err
	}
	host, _ := os.Hostname()
	by := store.Actor{Terminal: "cli:" + host}
	switch sub {
	case "export":
		if *key == "" {
			return fmt.Errorf("%w: matrix export needs -key FILE (make one with till matrix keygen)", errUsage)
		}
		// Read-only, like audit verify: exporting works beside a running
		// till and changes nothing (so it writes no audit row).
		db, err := store.Open(ctx, path, store.Options{ReadOnly: true})
		if err != nil {
			return operatorError(err)
		}
		defer db.Close()
		if *storeID == "" && *chain != "" {
			return fmt.Errorf("%w: matrix export -chain needs -store", errUsage)
		}
		v, err := exportBundleFileFor(ctx, db, file, *key, *publisher, *storeID, *chain)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "bundle version %d written to %s\n", v, file)
		return nil
	case "import":
		db, err := store.Open(ctx, path, store.Options{})
		if err != nil {
			return operatorError(err)
		}
		defer db.Close()
		v, err := importBundleFile(ctx, db, path, file, by)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "bundle version %d imported into %s\n", v, path)
		return nil
	default: // trust
		b, err := os.ReadFile(file)
		if err != nil {
			return fmt.Errorf("read public key: %w", err)
		}
		pub, err := bundle.ParsePublicKey(string(b))
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		trusted := bundle.TrustedPath(path)
		if err := os.MkdirAll(filepath.Dir(trusted), 0o700); err != nil {
			return fmt.Errorf("trust publisher: %w", err)
		}
		if err := bundle.Trust(trusted, pub, filepath.Base(file)); err != nil {
			return err
		}
		fmt.Fprintf(out, "publisher %s trusted in %s\n", bundle.KeyID(pub), trusted)
		if *storeID == "" {
			if *chain != "" {
				return fmt.Errorf("%w: matrix trust -chain needs -store", errUsage)
			}
			return nil
		}
		db, err := store.Open(ctx, path, store.Options{})
		if err != nil {
			return operatorError(err)
		}
		defer db.Close()
		if err := db.SetStoreIdentity(ctx, *storeID, *chain, by); err != nil {
			return operatorError(err)
		}
		fmt.Fprintf(out, "this till is store %q (chain %q): it imports only bundles made for it\n", *storeID, *chain)
		return nil
	}
}

func matrixKeygen(out io.Writer, prefix string) error {
	pub, priv, err := bundle.GenerateKey()
	if err != nil {
		return err
	}
	host, _ := os.Hostname()
	if err := bundle.WriteKeyPair(prefix, pub, priv, "till matrix publisher "+host); err != nil {
		return err
	}
	fmt.Fprintf(out, "publisher %s: private key %s.key (keep it on this machine), public key %s.pub (give it to every till: till matrix trust)\n",
		bundle.KeyID(pub), prefix, prefix)
	return nil
}

// exportBundleFile signs db's matrix and users with the key at keyPath and
// writes the bundle to file through a temporary file and a rename, so a
// full disk or a pulled USB stick never leaves half a bundle under the
// final name.
func exportBundleFile(ctx context.Context, db *store.DB, file, keyPath, publisher string) (int64, error) {
	return exportBundleFileFor(ctx, db, file, keyPath, publisher, "", "")
}

// exportBundleFileFor exports for the store (and chain) named, or for this
// till's own store when storeID is "".
func exportBundleFileFor(ctx context.Context, db *store.DB, file, keyPath, publisher, storeID, chain string) (int64, error) {
	priv, err := bundle.ReadPrivateKey(keyPath)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", errKeyFile, err)
	}
	c, err := db.ExportBundle(ctx, 0)
	if err != nil {
		return 0, operatorError(err)
	}
	if storeID != "" {
		c.Store, c.Chain = storeID, chain
	}
	c.Publisher = publisher
	data, err := bundle.Sign(c, priv)
	if err != nil {
		return 0, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), ".bundle-*")
	if err != nil {
		return 0, fmt.Errorf("write bundle: %w", err)
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), file)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return 0, fmt.Errorf("write bundle %s: %w", file, err)
	}
	return c.Version, nil
}

// errKeyFile: the publisher's private key file is missing or damaged.
var errKeyFile = errors.New("publisher key file")

// errNoTrust: the till trusts no publisher yet.
var errNoTrust = errors.New("this till trusts no publisher")

// importBundleFile verifies the bundle in file against the trust list
// beside the database at dbPath and imports it in one transaction.
func importBundleFile(ctx context.Context, db *store.DB, dbPath, file string, by store.Actor) (int64, error) {
	f, err := os.Open(file)
	if err != nil {
		return 0, fmt.Errorf("read bundle: %w", err)
	}
	data, err := io.ReadAll(io.LimitReader(f, bundle.MaxSize+1))
	f.Close()
	if err != nil {
		return 0, fmt.Errorf("read bundle %s: %w", file, err)
	}
	trustedPath := bundle.TrustedPath(dbPath)
	trusted, err := bundle.ReadTrusted(trustedPath)
	if err != nil {
		return 0, err
	}
	if len(trusted) == 0 {
		return 0, fmt.Errorf("%w: %w (add the publisher's key with till matrix trust; the list is %s)", bundle.ErrUntrusted, errNoTrust, trustedPath)
	}
	v, err := bundle.Open(data, trusted)
	if err != nil {
		return 0, fmt.Errorf("bundle %s refused: %w", file, err)
	}
	if err := db.ImportBundle(ctx, v, by); err != nil {
		if errors.Is(err, bundle.ErrNotNewer) || errors.Is(err, bundle.ErrKeyMismatch) || errors.Is(err, bundle.ErrInvalid) || errors.Is(err, bundle.ErrWrongStore) {
			return 0, fmt.Errorf("bundle %s refused: %w", file, err)
		}
		return 0, operatorError(err)
	}
	return v.Contents.Version, nil
}
