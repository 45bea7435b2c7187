package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/tillpos/till/bundle"
	"github.com/tillpos/till/store"
)

// centreFiles is the centre's data directory (docs/chain.md, "The centre's
// files"). Every part of the centre — running it, its back office, joining
// a till — finds its files here, and nowhere else:
//
//	centre.db    the centre's own database: events, marks, tills, joins
//	master.db    the chain's back office: users, groups, matrix, limits,
//	             badges and the catalogue, in a till's schema, so the same
//	             screens and commands edit it
//	master.key   the chain's badge key: master.db's key file, which every
//	             till of the chain must share for badge and PIN hashes
//	signing.key  the centre's ed25519 key that signs every bundle it
//	             publishes (0600); signing.pub is its trust line
//	jetstream/   the NATS server's file store
type centreFiles struct{ dir string }

func (f centreFiles) centreDB() string   { return filepath.Join(f.dir, "centre.db") }
func (f centreFiles) masterDB() string   { return filepath.Join(f.dir, "master.db") }
func (f centreFiles) masterKey() string  { return filepath.Join(f.dir, "master.key") }
func (f centreFiles) signingKey() string { return filepath.Join(f.dir, "signing.key") }
func (f centreFiles) signingPub() string { return filepath.Join(f.dir, "signing.pub") }

// signer reads the centre's signing key, making the pair on first use.
func (f centreFiles) signer() (ed25519.PrivateKey, error) {
	priv, err := bundle.ReadPrivateKey(f.signingKey())
	if err == nil {
		return priv, nil
	}
	if _, serr := os.Stat(f.signingKey()); !errors.Is(serr, fs.ErrNotExist) {
		return nil, err
	}
	pub, priv, err := bundle.GenerateKey()
	if err != nil {
		return nil, err
	}
	if err := bundle.WriteKeyPair(filepath.Join(f.dir, "signing"), pub, priv, "till centre "+f.dir); err != nil {
		return nil, fmt.Errorf("centre signing key: %w", err)
	}
	return priv, nil
}

// openMaster opens (creating on first use) the chain's back-office
// database with its badge key, and loads the key now so a problem with it
// is said at start.
func (f centreFiles) openMaster(ctx context.Context) (*store.DB, error) {
	if err := os.MkdirAll(f.dir, 0o700); err != nil {
		return nil, fmt.Errorf("centre data directory: %w", err)
	}
	db, err := store.Open(ctx, f.masterDB(), store.Options{KeyPath: f.masterKey()})
	if err != nil {
		return nil, operatorError(err)
	}
	if err := db.CheckKey(ctx); err != nil {
		db.Close()
		return nil, operatorError(err)
	}
	return db, nil
}
