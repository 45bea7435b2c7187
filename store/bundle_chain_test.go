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

func priceOf(t testing.TB, db *DB, code string) int64 {
	t.Helper()
	its, err := db.FindItems(context.Background(), code, 10, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range its {
		if it.Code == code {
			return it.Price
		}
	}
	return -1
}

// A catalogue bundle goes through the catalogue import: applied whole with
// its version, the same file again is in force, a bad row, an older version
// or another store refuse it all with the reason audited.
func TestApplySignedCatalogue(t *testing.T) {
	ctx := context.Background()
	db := openWithKey(t, filepath.Join(t.TempDir(), "till.key"))
	if err := db.SetStoreIdentity(ctx, "s1", "north", Actor{}); err != nil {
		t.Fatal(err)
	}
	pub, priv, err := bundle.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	trusted := []ed25519.PublicKey{pub}
	by := Actor{Terminal: "chain"}
	v := time.Now().Unix()
	sign := func(c bundle.Catalogue) []byte {
		b, err := bundle.SignCatalogue(c, priv)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	good := sign(bundle.Catalogue{Version: v, Store: "s1", Chain: "north", Format: "csv", Data: "code,name,price,vat\nA1,Bread,49.90,10\nA2,Milk,89.90,10\n"})
	if got, err := db.ApplySignedCatalogue(ctx, good, trusted, by); err != nil || got != v {
		t.Fatalf("apply: %d, %v", got, err)
	}
	if p := priceOf(t, db, "A1"); p != 4990 {
		t.Fatalf("A1 costs %d, want 4990", p)
	}
	if got, err := db.ApplySignedCatalogue(ctx, good, trusted, by); err != nil || got != v {
		t.Fatalf("the same file again: %d, %v", got, err)
	}
	refusals := []struct {
		name string
		file []byte
		want error
	}{
		{"a bad row", sign(bundle.Catalogue{Version: v + 1, Store: "s1", Chain: "north", Format: "csv", Data: "code,name,price,vat\nA1,Bread,55.00,10\nA2,Milk,-1,10\n"}), bundle.ErrInvalid},
		{"older", sign(bundle.Catalogue{Version: v - 1, Store: "s1", Chain: "north", Format: "csv", Data: "code,name,price,vat\nA1,Bread,1.00,10\n"}), bundle.ErrNotNewer},
		{"another chain", sign(bundle.Catalogue{Version: v + 2, Store: "s1", Chain: "south", Format: "csv", Data: "code,name,price,vat\nA1,Bread,1.00,10\n"}), bundle.ErrWrongStore},
		{"a matrix bundle", mustSign(t, bundle.Contents{Version: v + 3, Store: "s1", Chain: "north"}, priv), bundle.ErrFormat},
	}
	for _, tc := range refusals {
		if _, err := db.ApplySignedCatalogue(ctx, tc.file, trusted, by); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if p := priceOf(t, db, "A1"); p != 4990 {
		t.Fatalf("after refusals A1 costs %d, want 4990 kept", p)
	}
	if n := countAudit(t, db, "catalogue.bundle.refused"); n != len(refusals) {
		t.Fatalf("%d refusals audited, want %d", n, len(refusals))
	}
	next := sign(bundle.Catalogue{Version: v + 5, Store: "s1", Chain: "north", Format: "csv", Data: "code,name,price,vat\nA1,Bread,52.00,10\n"})
	if _, err := db.ApplySignedCatalogue(ctx, next, trusted, by); err != nil {
		t.Fatal(err)
	}
	if p := priceOf(t, db, "A1"); p != 5200 {
		t.Fatalf("A1 costs %d, want 5200", p)
	}
	if got, _ := db.CatalogueBundleVersion(ctx); got != v+5 {
		t.Fatalf("catalogue bundle version %d, want %d", got, v+5)
	}
	if n := countAudit(t, db, "catalogue.bundle.import"); n != 2 {
		t.Fatalf("%d catalogue bundles audited, want 2", n)
	}
}
