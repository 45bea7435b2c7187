package bundle

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Key files.
//
// The publisher's private key file holds the line PrivateKeyMagic and the
// base64 Ed25519 seed (32 bytes); it is written 0600 and belongs on the
// central admin's machine only. The public key file is one trust line: the
// base64 public key, a space and a comment.
//
// A till's trust list is a text file, by default TrustedFile next to the
// database: one public key per line, optional comment after the key, '#'
// starts a comment line. It is a file and not a setting because trusting a
// publisher is a decision for whoever administers the machine, not for
// anyone who can import a bundle: a bundle could otherwise carry its own
// key into the settings it imports.

// PrivateKeyMagic is the first line of a private key file.
const PrivateKeyMagic = "till-matrix-publisher-key v1"

// TrustedFile is the trust list's file name, in the database's directory.
const TrustedFile = "trusted-publishers"

// TrustedPath is the trust list beside the database at dbPath.
func TrustedPath(dbPath string) string {
	return filepath.Join(filepath.Dir(dbPath), TrustedFile)
}

// GenerateKey makes a publisher key pair.
func GenerateKey() (ed25519.PublicKey, ed25519.PrivateKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate publisher key: %w", err)
	}
	return pub, priv, nil
}

// WriteKeyPair writes prefix+".key" (private, 0600, never overwritten) and
// prefix+".pub" (a trust line with comment).
func WriteKeyPair(prefix string, pub ed25519.PublicKey, priv ed25519.PrivateKey, comment string) error {
	if err := os.MkdirAll(filepath.Dir(prefix+".key"), 0o700); err != nil {
		return fmt.Errorf("key directory: %w", err)
	}
	f, err := os.OpenFile(prefix+".key", os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("create private key file: %w", err)
	}
	_, err = fmt.Fprintf(f, "%s\n%s\n", PrivateKeyMagic, b64.EncodeToString(priv.Seed()))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(prefix + ".key")
		return fmt.Errorf("write private key file: %w", err)
	}
	if err := os.WriteFile(prefix+".pub", []byte(TrustLine(pub, comment)), 0o644); err != nil {
		return fmt.Errorf("write public key file: %w", err)
	}
	return nil
}

// TrustLine is the line a till's trust list holds for pub.
func TrustLine(pub ed25519.PublicKey, comment string) string {
	comment = strings.Join(strings.Fields(comment), " ")
	if comment == "" {
		return b64.EncodeToString(pub) + "\n"
	}
	return b64.EncodeToString(pub) + " " + comment + "\n"
}

// ReadPrivateKey reads a file written by WriteKeyPair.
func ReadPrivateKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read private key: %w", err)
	}
	rest, ok := bytes.CutPrefix(b, []byte(PrivateKeyMagic+"\n"))
	if !ok {
		return nil, fmt.Errorf("read private key %s: not a publisher key file", path)
	}
	seed, err := b64.DecodeString(strings.TrimSpace(string(rest)))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("read private key %s: damaged key", path)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// ParsePublicKey reads the key of one trust line.
func ParsePublicKey(line string) (ed25519.PublicKey, error) {
	f := strings.Fields(line)
	if len(f) == 0 {
		return nil, errors.New("empty public key")
	}
	k, err := b64.DecodeString(f[0])
	if err != nil || len(k) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("public key %q: not %d bytes of base64", f[0], ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(k), nil
}

// ReadTrusted reads a trust list. A missing file is an empty list (the till
// then trusts nobody and refuses every bundle, naming the file); a damaged
// line is an error naming the line, never skipped, so a typo cannot quietly
// drop a key.
func ReadTrusted(path string) ([]ed25519.PublicKey, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read trusted publishers: %w", err)
	}
	var keys []ed25519.PublicKey
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, err := ParsePublicKey(line)
		if err != nil {
			return nil, fmt.Errorf("trusted publishers %s line %d: %w", path, n, err)
		}
		keys = append(keys, k)
	}
	return keys, sc.Err()
}

// Trust appends pub to the trust list at path (creating it), unless it is
// already there.
func Trust(path string, pub ed25519.PublicKey, comment string) error {
	have, err := ReadTrusted(path)
	if err != nil {
		return err
	}
	if isTrusted(pub, have) {
		return nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("trust publisher: %w", err)
	}
	_, err = f.WriteString(TrustLine(pub, comment))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("trust publisher: %w", err)
	}
	return nil
}
