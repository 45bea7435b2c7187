package bundle

import (
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func sample() Contents {
	return Contents{
		Version:        1700000000,
		Created:        "2026-11-25T10:00:00Z",
		Publisher:      "HQ",
		Store:          "msk-014",
		KeyFingerprint: "0011223344556677",
		Settings:       map[string]string{"security.enabled": "true", "approval.mode": "card"},
		Groups: []Group{
			{Name: "Cashiers", Actions: []string{"sale.sell", "bill.discount.line"}, Limits: map[string]int64{"limit.discount.line": 500}},
			{Name: "Admins", Actions: []string{"users.manage.admin"}, Limits: map[string]int64{}},
		},
		Users: []User{
			{
				Login: "zoe", FullName: "Zoe Z", Group: "Cashiers", JournalDays: 1, Active: true, PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$AAAA$BBBB",
				Badges: []Badge{{Hash: []byte{1, 2, 3}, Last4: "1234"}},
			},
			{Login: "adm", FullName: "Ann Admin", Group: "Admins", Active: true, MustChange: true, PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$CCCC$DDDD", PINHash: []byte{9, 9}},
		},
	}
}

func keys(t testing.TB) (ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	pub, priv, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return pub, priv
}

func TestSignOpenRoundTrip(t *testing.T) {
	pub, priv := keys(t)
	c := sample()
	file, err := Sign(c, priv)
	if err != nil {
		t.Fatal(err)
	}
	v, err := Open(file, []ed25519.PublicKey{pub})
	if err != nil {
		t.Fatal(err)
	}
	want := sample()
	want.Normalise()
	if diff := cmp.Diff(want, v.Contents); diff != "" {
		t.Errorf("contents after round trip (-want +got):\n%s", diff)
	}
	if !v.Publisher.Equal(pub) {
		t.Error("publisher key not reported")
	}
	// Two signatures of one matrix carry the same payload: exports are
	// reproducible, so a diff of two bundles shows only real changes.
	again, _ := Sign(sample(), priv)
	if string(again) != string(file) {
		t.Error("signing the same contents twice gave different files")
	}
}

// Every single-bit change anywhere in the file is refused: header, key,
// signature and payload alike.
func TestEveryFlippedBitRefused(t *testing.T) {
	pub, priv := keys(t)
	file, err := Sign(sample(), priv)
	if err != nil {
		t.Fatal(err)
	}
	trusted := []ed25519.PublicKey{pub}
	header := len(file) - len(splitN(file, 4)[3])
	for i := range file {
		for bit := range 8 {
			// Every bit of the header; one bit per payload byte (rotating),
			// which keeps the run short on a loaded machine: each payload
			// flip costs a signature check and they all fail the same way.
			if i >= header && bit != i%8 {
				continue
			}
			bad := append([]byte(nil), file...)
			bad[i] ^= 1 << bit
			if _, err := Open(bad, trusted); err == nil {
				t.Fatalf("byte %d bit %d flipped (%q -> %q): accepted", i, bit, file[i], bad[i])
			}
		}
	}
	// A change in the payload is a signature failure, not a parse error.
	bad := append([]byte(nil), file...)
	bad[len(bad)-10] ^= 1
	if _, err := Open(bad, trusted); !errors.Is(err, ErrSignature) {
		t.Errorf("payload flip: %v, want ErrSignature", err)
	}
	// Truncated and appended files too.
	if _, err := Open(file[:len(file)-1], trusted); err == nil {
		t.Error("truncated file accepted")
	}
	if _, err := Open(append(append([]byte(nil), file...), ' '), trusted); err == nil {
		t.Error("file with a byte appended accepted")
	}
}

func TestUntrustedKeyRefused(t *testing.T) {
	_, priv := keys(t)
	other, _ := keys(t)
	file, err := Sign(sample(), priv)
	if err != nil {
		t.Fatal(err)
	}
	for name, trusted := range map[string][]ed25519.PublicKey{"none": nil, "other": {other}} {
		if _, err := Open(file, trusted); !errors.Is(err, ErrUntrusted) {
			t.Errorf("%s: %v, want ErrUntrusted", name, err)
		}
	}
}

// A publisher swapping in their own key and signature over someone else's
// payload is refused unless that key is trusted; with a trusted key the
// signature must still be theirs.
func TestSignatureOfAnotherKeyRefused(t *testing.T) {
	pubA, privA := keys(t)
	pubB, _ := keys(t)
	file, _ := Sign(sample(), privA)
	// Replace the publisher line with B's key, keep A's signature.
	lines := splitN(file, 3)
	forged := append([]byte(Magic+"\npublisher "+b64.EncodeToString(pubB)+"\n"), lines[2]...)
	if _, err := Open(forged, []ed25519.PublicKey{pubA, pubB}); !errors.Is(err, ErrSignature) {
		t.Errorf("B's key with A's signature: %v, want ErrSignature", err)
	}
}

func splitN(b []byte, n int) [][]byte {
	var out [][]byte
	for range n - 1 {
		i := indexByte(b, '\n')
		out = append(out, b[:i+1])
		b = b[i+1:]
	}
	return append(out, b)
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

func TestValidate(t *testing.T) {
	for name, edit := range map[string]func(*Contents){
		"zero version":   func(c *Contents) { c.Version = 0 },
		"unnamed group":  func(c *Contents) { c.Groups[0].Name = " " },
		"group twice":    func(c *Contents) { c.Groups[1].Name = c.Groups[0].Name },
		"unknown group":  func(c *Contents) { c.Users[0].Group = "Nobody" },
		"login twice":    func(c *Contents) { c.Users[1].Login = c.Users[0].Login },
		"no login":       func(c *Contents) { c.Users[0].Login = "" },
		"plain password": func(c *Contents) { c.Users[0].PasswordHash = "secret" },
		"negative limit": func(c *Contents) { c.Groups[0].Limits["limit.discount.line"] = -1 },
		"empty action":   func(c *Contents) { c.Groups[0].Actions = append(c.Groups[0].Actions, "") },
		"empty badge":    func(c *Contents) { c.Users[0].Badges[0].Hash = nil },
		// Issue 15.5: logins compared without case, a store named, a
		// version with room for the next edit.
		"login in two cases": func(c *Contents) { c.Users[1].Login = "ZOE" },
		"login with spaces":  func(c *Contents) { c.Users[1].Login = " adm" },
		"no store":           func(c *Contents) { c.Store = "" },
		"version 2^63-1":     func(c *Contents) { c.Version = 1<<63 - 1 },
		"version over bound": func(c *Contents) { c.Version = MaxVersion + 1 },
	} {
		c := sample()
		edit(&c)
		if err := c.Validate(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	c := sample()
	if err := c.Validate(); err != nil {
		t.Errorf("sample: %v", err)
	}
}

func TestKeyFilesAndTrustList(t *testing.T) {
	dir := t.TempDir()
	pub, priv := keys(t)
	prefix := filepath.Join(dir, "hq")
	if err := WriteKeyPair(prefix, pub, priv, "HQ  publisher"); err != nil {
		t.Fatal(err)
	}
	if err := WriteKeyPair(prefix, pub, priv, ""); err == nil {
		t.Error("an existing private key file was overwritten")
	}
	st, err := os.Stat(prefix + ".key")
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("private key file mode: %v %v", st, err)
	}
	got, err := ReadPrivateKey(prefix + ".key")
	if err != nil || !got.Equal(priv) {
		t.Fatalf("read private key: %v", err)
	}
	pubLine, _ := os.ReadFile(prefix + ".pub")
	gotPub, err := ParsePublicKey(string(pubLine))
	if err != nil || !gotPub.Equal(pub) {
		t.Fatalf("public key file: %v", err)
	}

	trust := TrustedPath(filepath.Join(dir, "till.db"))
	if ks, err := ReadTrusted(trust); err != nil || len(ks) != 0 {
		t.Fatalf("missing trust list: %v %v, want empty", ks, err)
	}
	if err := Trust(trust, pub, "HQ"); err != nil {
		t.Fatal(err)
	}
	if err := Trust(trust, pub, "HQ again"); err != nil {
		t.Fatal(err)
	}
	ks, err := ReadTrusted(trust)
	if err != nil || len(ks) != 1 || !ks[0].Equal(pub) {
		t.Fatalf("trust list after two Trust calls: %v %v", ks, err)
	}
	os.WriteFile(trust, []byte("# comment\n\nnot-a-key\n"), 0o644)
	if _, err := ReadTrusted(trust); err == nil {
		t.Error("a damaged trust line was skipped")
	}
}

func FuzzOpen(f *testing.F) {
	pub, priv := keys(f)
	file, err := Sign(sample(), priv)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(file)
	f.Add([]byte(Magic + "\n"))
	f.Add([]byte(Magic + "\npublisher AAAA\nsignature AAAA\n{}"))
	trusted := []ed25519.PublicKey{pub}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := Open(b, trusted)
		if err != nil {
			return
		}
		// Anything accepted must be exactly what was signed.
		if string(b) != string(file) {
			t.Fatalf("accepted a file that was never signed: %q", b)
		}
		if err := v.Contents.Validate(); err != nil {
			t.Fatalf("accepted invalid contents: %v", err)
		}
	})
}
