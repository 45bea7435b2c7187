package bundle

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Magic is the first line of every bundle file; the "v1" is the format
// version, bumped only for an incompatible change of the layout.
const Magic = "till-matrix-bundle v1"

// MaxSize bounds a bundle file: a store's users and groups fit in far less,
// and a reader must not allocate without limit on a hostile file.
const MaxSize = 16 << 20

// Errors callers branch on; test with errors.Is.
var (
	// ErrFormat: the file is not a bundle (or a damaged one).
	ErrFormat = errors.New("bundle: not a valid matrix bundle")
	// ErrSignature: the signature does not match the content: the file was
	// changed after signing.
	ErrSignature = errors.New("bundle: signature does not match")
	// ErrUntrusted: signed by a key this till does not trust.
	ErrUntrusted = errors.New("bundle: publisher key is not trusted")
	// ErrNotNewer: the bundle's version is not newer than the till's matrix.
	ErrNotNewer = errors.New("bundle: version is not newer than the till's matrix")
	// ErrKeyMismatch: the bundle carries badge or PIN hashes made with a
	// different badge key than this till's, so none of them would match.
	ErrKeyMismatch = errors.New("bundle: badge key differs from this till's")
	// ErrInvalid: the signed content is inconsistent (a user in an unknown
	// group, two groups of one name, ...).
	ErrInvalid = errors.New("bundle: content is inconsistent")
	// ErrWrongStore: the bundle names another store or chain than this
	// till's.
	ErrWrongStore = errors.New("bundle: made for another store")
)

// MaxVersion bounds a bundle's version whatever the till: versions are
// Unix seconds plus local edits, and a version near 2^63 would leave no
// room for the next edit (the store refuses to bump past it).
const MaxVersion = 1 << 53

// Contents is what a bundle carries. Field order and JSON names are the
// payload's layout: add fields, never rename one.
type Contents struct {
	// Version orders bundles: a till imports only a version newer than its
	// matrix version. Export uses the larger of the exporting till's matrix
	// version and the current Unix time in seconds, so a publisher's next
	// bundle is newer than any local edits made since (each adds 1).
	Version int64 `json:"version"`
	// Created is informative (RFC 3339, UTC).
	Created string `json:"created"`
	// Publisher is a free-text label: who made it ("HQ, J. Smith").
	Publisher string `json:"publisher,omitempty"`
	// KeyFingerprint identifies the badge/PIN HMAC key the hashes below were
	// made with (the store's key fingerprint); empty when none are carried.
	KeyFingerprint string `json:"key_fingerprint,omitempty"`
	// Store names the store the bundle is for (the till's store ID, see
	// docs/admin.md); a till of another store refuses it. Required.
	Store string `json:"store,omitempty"`
	// Chain names the chain; when set, it must be the till's chain too.
	Chain string `json:"chain,omitempty"`
	// Settings are the security settings (security module, hide disabled,
	// approval mode, idle timeout, lockout numbers) as stored.
	Settings map[string]string `json:"settings"`
	Groups   []Group           `json:"groups"`
	Users    []User            `json:"users"`
}

// Group is a matrix row. Groups are matched by name on import: IDs differ
// from till to till.
type Group struct {
	Name    string           `json:"name"`
	Actions []string         `json:"actions"` // sorted
	Limits  map[string]int64 `json:"limits"`
}

// User is a user card with its secrets in hashed form only. Users are
// matched by login on import.
type User struct {
	Login        string  `json:"login"`
	FullName     string  `json:"full_name"`
	Group        string  `json:"group"` // group name
	ReceiptName  string  `json:"receipt_name"`
	INN          string  `json:"inn"`
	JournalDays  int     `json:"journal_days"`
	Active       bool    `json:"active"`
	MustChange   bool    `json:"must_change"`
	PasswordHash string  `json:"password_hash"`      // argon2id PHC string
	PINHash      []byte  `json:"pin_hash,omitempty"` // keyed hash, base64 in JSON
	Badges       []Badge `json:"badges,omitempty"`
}

// Badge is an enrolled card: the keyed hash of its canonical ID and the
// last four characters an admin sees.
type Badge struct {
	Hash  []byte `json:"hash"`
	Last4 string `json:"last4"`
}

// HasKeyedHashes reports whether any user carries a badge or PIN hash: only
// then must the importing till share the publisher's badge key.
func (c *Contents) HasKeyedHashes() bool {
	for _, u := range c.Users {
		if len(u.PINHash) > 0 || len(u.Badges) > 0 {
			return true
		}
	}
	return false
}

// Validate checks what a database constraint would not explain well: names
// present and unique, every user's group in the bundle, sane numbers.
// Uniqueness of badge and PIN hashes is left to the database, which is the
// authority on it (the import transaction fails and rolls back).
func (c *Contents) Validate() error {
	if c.Version <= 0 || c.Version > MaxVersion {
		return fmt.Errorf("%w: version %d", ErrInvalid, c.Version)
	}
	if strings.TrimSpace(c.Store) == "" {
		return fmt.Errorf("%w: the bundle names no store", ErrInvalid)
	}
	groups := map[string]bool{}
	for _, g := range c.Groups {
		if strings.TrimSpace(g.Name) == "" {
			return fmt.Errorf("%w: a group without a name", ErrInvalid)
		}
		if groups[g.Name] {
			return fmt.Errorf("%w: group %q twice", ErrInvalid, g.Name)
		}
		groups[g.Name] = true
		for _, a := range g.Actions {
			if a == "" {
				return fmt.Errorf("%w: group %q has an empty action", ErrInvalid, g.Name)
			}
		}
		for l, v := range g.Limits {
			if v < 0 {
				return fmt.Errorf("%w: group %q limit %s is negative", ErrInvalid, g.Name, l)
			}
		}
	}
	logins := map[string]bool{}
	for _, u := range c.Users {
		if strings.TrimSpace(u.Login) == "" || u.Login != strings.TrimSpace(u.Login) {
			return fmt.Errorf("%w: a user without a login, or with spaces around it", ErrInvalid)
		}
		// "ADMIN" and "admin" are one person to whoever types a login.
		fold := strings.ToLower(u.Login)
		if logins[fold] {
			return fmt.Errorf("%w: login %q twice (logins are compared without case)", ErrInvalid, u.Login)
		}
		logins[fold] = true
		if !groups[u.Group] {
			return fmt.Errorf("%w: user %q is in group %q, which the bundle lacks", ErrInvalid, u.Login, u.Group)
		}
		if !strings.HasPrefix(u.PasswordHash, "$argon2id$") {
			return fmt.Errorf("%w: user %q has no argon2id password hash", ErrInvalid, u.Login)
		}
		for _, b := range u.Badges {
			if len(b.Hash) == 0 {
				return fmt.Errorf("%w: user %q has an empty badge hash", ErrInvalid, u.Login)
			}
		}
	}
	return nil
}

// Normalise sorts what has no meaningful order, so two exports of one
// matrix produce the same payload.
func (c *Contents) Normalise() {
	sort.Slice(c.Groups, func(i, j int) bool { return c.Groups[i].Name < c.Groups[j].Name })
	for i := range c.Groups {
		sort.Strings(c.Groups[i].Actions)
	}
	sort.Slice(c.Users, func(i, j int) bool { return c.Users[i].Login < c.Users[j].Login })
}

var b64 = base64.StdEncoding.Strict()

// signedMessageFor is what a signature covers: the file's magic line (so a
// matrix bundle can never pass for a catalogue bundle) and the payload.
func signedMessageFor(magic string, payload []byte) []byte {
	msg := make([]byte, 0, len(magic)+1+len(payload))
	msg = append(msg, magic...)
	msg = append(msg, '\n')
	return append(msg, payload...)
}

// Sign encodes c and signs it with priv, returning the bundle file.
func Sign(c Contents, priv ed25519.PrivateKey) ([]byte, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("sign bundle: private key has %d bytes, want %d", len(priv), ed25519.PrivateKeySize)
	}
	c.Normalise()
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("sign bundle: %w", err)
	}
	payload, err := json.MarshalIndent(c, "", "\t")
	if err != nil {
		return nil, fmt.Errorf("sign bundle: %w", err)
	}
	payload = append(payload, '\n')
	return envelope(Magic, payload, priv), nil
}

// envelope is the signed file: the magic line, the publisher key, the
// signature of the magic line and payload, then the payload.
func envelope(magic string, payload []byte, priv ed25519.PrivateKey) []byte {
	sig := ed25519.Sign(priv, signedMessageFor(magic, payload))
	pub := priv.Public().(ed25519.PublicKey)
	var out bytes.Buffer
	out.WriteString(magic + "\n")
	out.WriteString("publisher " + b64.EncodeToString(pub) + "\n")
	out.WriteString("signature " + b64.EncodeToString(sig) + "\n")
	out.Write(payload)
	return out.Bytes()
}

// Verified is a bundle whose signature checked out against a trusted key.
type Verified struct {
	Contents  Contents
	Publisher ed25519.PublicKey
}

// PublisherID is a short, stable name of the publisher key for logs and
// matrix_meta.source.
func (v Verified) PublisherID() string { return KeyID(v.Publisher) }

// KeyID is the first 12 characters of a public key's base64 form: enough
// to tell a store's few publisher keys apart in a log line.
func KeyID(pub ed25519.PublicKey) string {
	s := b64.EncodeToString(pub)
	if len(s) > 12 {
		s = s[:12]
	}
	return s
}

// Open checks a bundle file: its layout, that the publisher key is one of
// trusted, that the signature holds, and only then parses and validates the
// payload. Errors wrap ErrFormat, ErrUntrusted, ErrSignature or ErrInvalid.
func Open(file []byte, trusted []ed25519.PublicKey) (Verified, error) {
	var v Verified
	pub, payload, err := openEnvelope(file, Magic, trusted)
	if err != nil {
		return v, err
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v.Contents); err != nil {
		return v, fmt.Errorf("%w: payload: %v", ErrFormat, err)
	}
	if err := v.Contents.Validate(); err != nil {
		return v, err
	}
	v.Publisher = pub
	return v, nil
}

// openEnvelope checks a signed file's layout, that its publisher key is
// one of trusted and that the signature holds, and returns the key and the
// payload (not yet parsed).
func openEnvelope(file []byte, magic string, trusted []ed25519.PublicKey) (ed25519.PublicKey, []byte, error) {
	if len(file) > MaxSize {
		return nil, nil, fmt.Errorf("%w: %d bytes, at most %d", ErrFormat, len(file), MaxSize)
	}
	rest, ok := bytes.CutPrefix(file, []byte(magic+"\n"))
	if !ok {
		return nil, nil, fmt.Errorf("%w: first line is not %q", ErrFormat, magic)
	}
	pub, rest, err := field(rest, "publisher", ed25519.PublicKeySize)
	if err != nil {
		return nil, nil, err
	}
	sig, payload, err := field(rest, "signature", ed25519.SignatureSize)
	if err != nil {
		return nil, nil, err
	}
	if !isTrusted(pub, trusted) {
		return nil, nil, fmt.Errorf("%w: %s", ErrUntrusted, KeyID(pub))
	}
	if !ed25519.Verify(pub, signedMessageFor(magic, payload), sig) {
		return nil, nil, ErrSignature
	}
	return pub, payload, nil
}

// field reads one "name <base64>\n" header line holding exactly size bytes.
func field(b []byte, name string, size int) (val, rest []byte, err error) {
	line, rest, ok := bytes.Cut(b, []byte{'\n'})
	if !ok {
		return nil, nil, fmt.Errorf("%w: no %s line", ErrFormat, name)
	}
	enc, ok := bytes.CutPrefix(line, []byte(name+" "))
	if !ok {
		return nil, nil, fmt.Errorf("%w: expected the %s line", ErrFormat, name)
	}
	val = make([]byte, b64.DecodedLen(len(enc)))
	n, err := b64.Decode(val, enc)
	if err != nil || n != size {
		return nil, nil, fmt.Errorf("%w: %s is not %d bytes of base64", ErrFormat, name, size)
	}
	return val[:n], rest, nil
}

func isTrusted(pub ed25519.PublicKey, trusted []ed25519.PublicKey) bool {
	for _, t := range trusted {
		if pub.Equal(t) {
			return true
		}
	}
	return false
}
