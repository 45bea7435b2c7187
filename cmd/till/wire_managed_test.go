package main

import (
	"context"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/tillpos/till/bundle"
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
