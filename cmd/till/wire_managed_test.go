package main

import (
	"context"
	"errors"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tillpos/till/bundle"
	"github.com/tillpos/till/chain"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/store"
	"github.com/tillpos/till/ui/admin"
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

// On a till in a chain the catalogue is the head office's too: the Items
// tab shows, searches and exports it, but New item, Save and the import
// are greyed out with the reason at the top, and a tap on Save leaves the
// price as the centre published it.
func TestManagedCatalogueReadOnly(t *testing.T) {
	r := newAdminRig(t, "admin")
	ctx := context.Background()
	deps := adminDeps(r.db, r.path, r.holder, func() policy.Session { return r.sess }, "till-1", nil)
	deps.Async = func(f func()) { f() }
	deps.Do = func(f func()) { f() }
	deps.Managed = true
	r.screen = admin.New(r.win, deps, func() {})
	r.win.SetContent(r.screen.Content())
	if !r.hasText("items and prices come from the chain's centre") {
		t.Fatal("the reason does not name the catalogue")
	}
	r.tab("Items")
	list := find(r, "item list", func(l *widget.List) bool { return l.Length() > 0 })
	list.Select(0)
	code := r.entry("Code").Text
	before, err := r.db.FindItems(ctx, code, 1, false)
	if err != nil || len(before) != 1 {
		t.Fatal(err)
	}
	for _, text := range []string{"Save", "New item", "Check the file"} {
		if b := find(r, "button "+text, func(b *widget.Button) bool { return b.Text == text }); !b.Disabled() {
			t.Errorf("%s is enabled on a managed till", text)
		}
	}
	if b := find(r, "button Export", func(b *widget.Button) bool { return b.Text == "Export" }); b.Disabled() {
		t.Error("export (read-only) is greyed out on a managed till")
	}
	price := r.entry("Price")
	if !price.Disabled() {
		t.Error("the price can be typed on a managed till")
	}
	price.SetText("1.00")
	r.tap("Save") // disabled: nothing
	if after, _ := r.db.FindItems(ctx, code, 1, false); after[0].Price != before[0].Price {
		t.Fatalf("a managed till changed a price: %d → %d", before[0].Price, after[0].Price)
	}
}
