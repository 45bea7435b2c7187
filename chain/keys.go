package chain

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/nats-io/nkeys"
)

// A till signs in at the centre's leaf port with its own NKey (Ed25519
// challenge-response: the server sends a nonce, the till signs it, and only
// the public key ever leaves the till). The seed lives in a file of mode
// 0600 beside the till's database, made by `till join`; the centre knows
// only the public key (docs/chain.md, "Joining").

// TillKeyFile is the seed file's name in the till's chain directory.
const TillKeyFile = "till.nk"

// maxSeedFile bounds what ReadTillKey reads: a user seed is 58 characters.
const maxSeedFile = 4096

// NewTillKey makes a till's NKey user pair and writes its seed to path
// (0600, never over an existing file). It returns the public key.
func NewTillKey(path string) (string, error) {
	kp, err := nkeys.CreateUser()
	if err != nil {
		return "", fmt.Errorf("till key: %w", err)
	}
	defer kp.Wipe()
	seed, err := kp.Seed()
	if err != nil {
		return "", fmt.Errorf("till key: %w", err)
	}
	pub, err := kp.PublicKey()
	if err != nil {
		return "", fmt.Errorf("till key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("till key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("till key: %w", err)
	}
	_, werr := f.Write(append(seed, '\n'))
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		os.Remove(path)
		return "", fmt.Errorf("till key %s: %w", path, err)
	}
	return pub, nil
}

// ReadTillKey reads a till's seed file, refusing one other users can read.
// It returns the seed and its public key.
func ReadTillKey(path string) (seed []byte, pub string, err error) {
	b, err := readSecret(path, "till key", maxSeedFile)
	if err != nil {
		return nil, "", err
	}
	seed = bytes.TrimSpace(b)
	kp, err := nkeys.FromSeed(seed)
	if err != nil {
		return nil, "", fmt.Errorf("till key %s: not an NKey seed (%v)", path, err)
	}
	defer kp.Wipe()
	if pub, err = kp.PublicKey(); err != nil || !nkeys.IsValidPublicUserKey(pub) {
		return nil, "", fmt.Errorf("till key %s: not a user key", path)
	}
	return seed, pub, nil
}

// openSecret opens a file of secrets — a seed, credentials, a password —
// refusing one that is missing, not a regular file (looked at before it is
// opened: a FIFO would block the open) or readable by other users, with a
// message that says which and what to do.
func openSecret(path, what string) (*os.File, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s %s is not a regular file", what, path)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s %s can be read by other users (mode %04o): run chmod 600 %s", what, path, st.Mode().Perm(), path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return f, nil
}

// readSecret reads a file of secrets (openSecret) up to max bytes.
func readSecret(path, what string, max int64) ([]byte, error) {
	f, err := openSecret(path, what)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", what, path, err)
	}
	return b, nil
}
