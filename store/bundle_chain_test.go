package store

import (
	"context"
	"crypto/ed25519"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/tillpos/till/bundle"
)

func countAudit(t testing.TB, db *DB, action string) int {
	t.Helper()
	es, err := db.AuditEntries(context.Background(), 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range es {
		if e.Action == action {
			n++
		}
	}
	return n
}

// ApplySignedBundle: the same file again is in force (nothing audited);
// another file of that version, an untrusted key and an empty trust list
// are refused and audited; a bundle imported from a file forgets the
// chain's file, so the chain's copy of that version is refused after it.
func TestApplySignedBundle(t *testing.T) {
	ctx := context.Background()
	key := filepath.Join(t.TempDir(), "till.key")
	hq, till := openWithKey(t, key), openWithKey(t, key)
	pub, priv, err := bundle.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	trusted := []ed25519.PublicKey{pub}
	by := Actor{Terminal: "chain"}
	v := time.Now().Unix() + 10
	c, err := hq.ExportBundle(ctx, v)
	if err != nil {
		t.Fatal(err)
	}
	file, err := bundle.Sign(c, priv)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := till.ApplySignedBundle(ctx, file, trusted, by); err != nil || got != v {
		t.Fatalf("apply: %d, %v", got, err)
	}
	if got, err := till.ApplySignedBundle(ctx, file, trusted, by); err != nil || got != v {
		t.Fatalf("the same file again: %d, %v", got, err)
	}
	if n := countAudit(t, till, "security.bundle.import"); n != 1 {
		t.Fatalf("%d imports audited, want 1", n)
	}
	if n := countAudit(t, till, "security.bundle.refused"); n != 0 {
		t.Fatalf("%d refusals audited for the bundle in force", n)
	}
	c.Publisher = "someone else"
	other, err := bundle.Sign(c, priv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := till.ApplySignedBundle(ctx, other, trusted, by); !errors.Is(err, bundle.ErrNotNewer) {
		t.Fatalf("another file of the version in force: %v", err)
	}
	_, rogue, _ := bundle.GenerateKey()
	forged, err := bundle.Sign(c, rogue)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := till.ApplySignedBundle(ctx, forged, trusted, by); !errors.Is(err, bundle.ErrUntrusted) {
		t.Fatalf("untrusted key: %v", err)
	}
	if _, err := till.ApplySignedBundle(ctx, file, nil, by); !errors.Is(err, bundle.ErrUntrusted) {
		t.Fatalf("no trusted key: %v", err)
	}
	if n := countAudit(t, till, "security.bundle.refused"); n != 3 {
		t.Fatalf("%d refusals audited, want 3", n)
	}
	// A file import of the next version forgets the chain's file.
	c.Version = v + 1
	vf, err := bundle.Open(mustSign(t, c, priv), trusted)
	if err != nil {
		t.Fatal(err)
	}
	if err := till.ImportBundle(ctx, vf, Actor{}); err != nil {
		t.Fatal(err)
	}
	if d, _, _ := rawSetting(ctx, till.db, settingChainDigest); d != "" {
		t.Fatalf("a file import kept the chain's digest %q", d)
	}
	if _, err := till.ApplySignedBundle(ctx, file, trusted, by); !errors.Is(err, bundle.ErrNotNewer) {
		t.Fatalf("the chain's older file after a file import: %v", err)
	}
}

func mustSign(t testing.TB, c bundle.Contents, priv ed25519.PrivateKey) []byte {
	t.Helper()
	b, err := bundle.Sign(c, priv)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
