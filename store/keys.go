package store

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// The key file holds 32 random bytes that key the HMAC-SHA-256 of badge IDs
// and password-only PINs. It lives outside the database, so a copied or
// stolen database alone does not let anyone test badge numbers against it.
//
// Rules:
//   - created (0600) on first use when the database has no keyed hashes yet;
//   - once the database holds a fingerprint of the key (setting
//     store.key_fingerprint, written with the first key use), a missing file
//     is ErrKeyMissing and a different file is ErrKeyInvalid: never silently
//     regenerated, because every enrolled badge would stop working;
//   - a file of the wrong size, not a regular file or unreadable is
//     ErrKeyInvalid (it is read with a size bound);
//   - a file group or other users may read or write is ErrKeyExposed.
const keyLen = 32

const fingerprintKey = "store.key_fingerprint"

// Purposes separate the hashes made with one key, so a badge number can
// never match a PIN.
const (
	purposeBadge = "badge\x00"
	purposePIN   = "pin\x00"
	purposeFP    = "fingerprint\x00"
)

// KeyFingerprintOf is the fingerprint KeyFingerprint gives for a key
// file's content: what a till joining a chain compares with the one its
// database recorded before it takes the chain's key.
func KeyFingerprintOf(key []byte) string { return hex.EncodeToString(keyed(key, purposeFP, "")[:8]) }

// KeyPath is the key file this database uses.
func (d *DB) KeyPath() string { return d.keyPath }

// CheckKey loads the key file now (creating it on a fresh database), so the
// till can report a key problem at start instead of at the first badge.
func (d *DB) CheckKey(ctx context.Context) error {
	_, err := d.loadKey(ctx)
	return err
}

func (d *DB) loadKey(ctx context.Context) ([]byte, error) {
	d.keyMu.Lock()
	defer d.keyMu.Unlock()
	if d.key != nil {
		return d.key, nil
	}
	var fp string
	err := d.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, fingerprintKey).Scan(&fp)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read key fingerprint: %w", err)
	}
	key, err := readKeyFile(d.keyPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if fp != "" || d.readOnly {
			// A read-only open never creates anything.
			return nil, &PathError{Kind: ErrKeyMissing, Path: d.keyPath}
		}
		if key, err = createKey(d.keyPath); err != nil {
			return nil, err
		}
	case errors.Is(err, ErrKeyExposed):
		return nil, err
	case err != nil:
		return nil, &PathError{Kind: ErrKeyInvalid, Path: d.keyPath, Err: err}
	case len(key) != keyLen:
		return nil, &PathError{Kind: ErrKeyInvalid, Path: d.keyPath, Err: fmt.Errorf("%d bytes, want %d", len(key), keyLen)}
	}
	got := hex.EncodeToString(keyed(key, purposeFP, "")[:8])
	switch {
	case fp == "":
		if d.readOnly {
			break
		}
		if _, err := d.db.ExecContext(ctx, `INSERT INTO settings(key, value) VALUES(?, ?)`, fingerprintKey, got); err != nil {
			return nil, classify(d.path, fmt.Errorf("store key fingerprint: %w", err))
		}
	case fp != got:
		return nil, &PathError{Kind: ErrKeyInvalid, Path: d.keyPath, Err: errors.New("not the key this database was set up with")}
	}
	d.key = key
	return key, nil
}

// readKeyFile reads the key file with a size bound (a link to /dev/zero or a
// huge file must not fill memory): it must be a regular file, and one only
// its owner can read or write. A key file other users can read is refused,
// as ssh refuses such a private key: whoever reads it can forge badge
// hashes and audit rows.
func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file (%s)", st.Mode().Type())
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, &PathError{Kind: ErrKeyExposed, Path: path, Err: fmt.Errorf("mode %04o", st.Mode().Perm())}
	}
	key, err := io.ReadAll(io.LimitReader(f, keyLen+1))
	if err != nil {
		return nil, err
	}
	return key, nil
}

func createKey(path string) ([]byte, error) {
	key := make([]byte, keyLen)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, classify(path, fmt.Errorf("key directory: %w", err))
	}
	// O_EXCL: if two processes race on first run, one loses instead of both
	// writing different keys.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, classify(path, fmt.Errorf("create key file: %w", err))
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("write key file %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("sync key file %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("close key file %s: %w", path, err)
	}
	return key, nil
}

func keyed(key []byte, purpose, value string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(purpose))
	m.Write([]byte(value))
	return m.Sum(nil)
}
