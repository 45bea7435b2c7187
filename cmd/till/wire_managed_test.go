package main

import (
	"context"
	"errors"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/tillpos/till/bundle"
	"github.com/tillpos/till/chain"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/store"
)

// The back office says "Managed by the head office" exactly when the till
// names a chain and trusts a centre key; the flag is read each time the
// screen opens, so a till that joins needs no restart.
func TestAdminHookManagedInChain(t *testing.T) {
	test.NewTempApp(t)
	ctx := context.Background()
	db, path := openTestStore(t)
	if err := db.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	holder := policy.NewHolder(nil)
	if _, err := db.RefreshPolicy(ctx, holder); err != nil {
		t.Fatal(err)
	}
	cashier, err := db.UserByLogin(ctx, "cashier")
	if err != nil {
		t.Fatal(err)
	}
	w := test.NewWindow(nil)
	defer w.Close()
	hook := adminHook(db, path, holder, w, func() policy.Session { return policy.Session{Cashier: cashier.ID} }, "till-1", nil, nil, nil)
	managed := func() bool {
		s := hook(func() {})
		w.SetContent(s.Content())
		r := &adminRig{t: t, db: db, win: w, screen: s}
		return r.hasText("Managed by the head office")
	}
	if managed() {
		t.Fatal("a till on its own is shown as managed")
	}
	pub, _, err := bundle.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if err := bundle.Trust(bundle.TrustedPath(path), pub, "store publisher"); err != nil {
		t.Fatal(err)
	}
	if managed() {
		t.Fatal("a till sharing bundle files without a chain is shown as managed")
	}
	if err := db.SetStoreIdentity(ctx, "s1", "north", store.Actor{}); err != nil {
		t.Fatal(err)
	}
	if !managed() {
		t.Fatal("a till in a chain with a trusted centre key does not say it is managed")
	}
}

// The chain watch's applier takes a bundle signed by the key in the trust
// list beside the database, and the running sessions decide with the new
// matrix at once; a bundle from another key is refused.
func TestChainApplierRefreshesSessions(t *testing.T) {
	ctx := context.Background()
	db, path := openTestStore(t)
	if err := db.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.SetStoreIdentity(ctx, "s1", "north", store.Actor{}); err != nil {
		t.Fatal(err)
	}
	holder := policy.NewHolder(nil)
	if _, err := db.RefreshPolicy(ctx, holder); err != nil {
		t.Fatal(err)
	}
	pub, priv, err := bundle.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	c, err := db.ExportBundle(ctx, time.Now().Unix()+50)
	if err != nil {
		t.Fatal(err)
	}
	file, err := bundle.Sign(c, priv)
	if err != nil {
		t.Fatal(err)
	}
	a, err := chainApplier(chain.KindMatrix, db, path, holder)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.ApplyBundle(ctx, file); !errors.Is(err, bundle.ErrUntrusted) {
		t.Fatalf("before the centre's key is trusted: %v", err)
	}
	if err := bundle.Trust(bundle.TrustedPath(path), pub, "centre"); err != nil {
		t.Fatal(err)
	}
	if v, err := a.ApplyBundle(ctx, file); err != nil || v != c.Version {
		t.Fatalf("apply: %d, %v", v, err)
	}
	if got := holder.Load().Version(); got != c.Version {
		t.Fatalf("the running sessions decide with version %d, want %d", got, c.Version)
	}
	if _, err := chainApplier("prices", db, path, holder); err == nil {
		t.Fatal("an unknown kind was accepted")
	}
}
