package main

import (
	"context"
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tillpos/till/bundle"
	"github.com/tillpos/till/chain"
	"github.com/tillpos/till/store"
	"github.com/tillpos/till/ui/admin"
)

// The head office's window (till centre -window) on a new master.db, in
// the centre process that publishes: the first start is the till's setup
// screen (the master administrator, an initial password shown once), the
// admin signs in key by key, is made to change the password, lands in the
// back office (no sale screen), changes an item's price on the Items tab
// and saves — and the catalogue bundle with the new price is in the
// centre's bucket for the store within seconds.
func TestCentreWindowSavePublishes(t *testing.T) {
	test.NewTempApp(t)
	ctx := context.Background()
	pr := newPubRig(t)
	w := test.NewWindow(nil)
	w.Resize(fyne.NewSize(1280, 1000))
	t.Cleanup(w.Close)
	// Inline: the window changes only on this goroutine, which walks it.
	app, stop, err := newCentreWindow(ctx, pr.master, centreFiles{pr.cdir}.masterDB(), "centre:test", w, func(f func()) { f() })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	r := &winRig{t: t, db: pr.master, w: w, app: app}
	app.Start()
	wait := r.waitFor

	if !r.shows("The head office's database has no users yet.") || !r.shows("Set up the head office") {
		t.Fatalf("a new master.db opened on %q", r.texts())
	}
	// Nothing is published before the master administrator exists.
	if b := pr.published(chain.KindMatrix, "s1"); b != nil {
		t.Fatal("a matrix bundle was published from a master.db without users")
	}
	r.typeInto("Trading name", "North HQ")
	r.typeInto("Legal name of the organisation", "North Ltd")
	r.typeInto("Organisation INN / partita IVA", "7707083893")
	r.typeInto("Address", "Moscow, Lenina 1")
	r.field("Language of the till").(*widget.Select).SetSelected("English")
	r.typeInto("Administrator's login", "olga")
	r.typeInto("Administrator's full name", "Olga")
	r.tap("Set up the head office")
	wait("the initial password", func() bool { return r.shows("Initial password of Olga (login olga)") })
	if r.shows("Print on the register's tape") {
		t.Error("the head office, which has no register, offers to print the password")
	}
	var pw string
	for _, o := range r.objects() {
		if l, ok := o.(*widget.Label); ok && l.TextStyle.Monospace && l.SizeName != "" {
			pw = l.Text
		}
	}
	if len(pw) != store.InitialPasswordLen {
		t.Fatalf("the password shown is %q", pw)
	}
	r.tap("Continue to sign-in")
	wait("the login screen", func() bool { return !r.shows("Initial password of") })
	test.Type(r.focused(), "olga")
	r.enter()
	test.Type(r.focused(), pw)
	r.enter()
	wait("the forced password change", func() bool { return r.shows("your password was set by an administrator") })
	test.Type(r.focused(), "Север2026!")
	r.enter()
	test.Type(r.focused(), "Север2026!")
	r.enter()
	wait("the back office", func() bool { return r.shows("Back office") && !r.shows("your password was set") })
	if r.shows("Back to sale") {
		t.Error("the head office's back office offers a sale screen")
	}

	// An item the chain sells; the admin changes its price on the Items tab.
	if _, err := (adminCatalogue{db: pr.master}).SaveItem(ctx, admin.Item{Code: "B1", Name: "Bread", Price: 4990, VAT: "10", Unit: "pcs", Dept: 1, Active: true}, admin.Actor{Terminal: "test"}); err != nil {
		t.Fatal(err)
	}
	var search *widget.Entry
	for _, o := range r.objects() {
		if x, ok := o.(*container.AppTabs); ok {
			for _, it := range x.Items {
				if it.Text == "Items" {
					x.Select(it)
				}
			}
		}
	}
	for _, o := range r.objects() {
		if e, ok := o.(*widget.Entry); ok && strings.HasPrefix(e.PlaceHolder, "Search by name, code or barcode") {
			search = e
		}
	}
	if search == nil {
		t.Fatalf("no Items tab; the window shows %q", r.texts())
	}
	w.Canvas().Focus(search)
	test.Type(search, "B1")
	var list *widget.List
	wait("the item found", func() bool {
		for _, o := range r.objects() {
			if l, ok := o.(*widget.List); ok && l.Length() == 1 {
				list = l
			}
		}
		return list != nil
	})
	list.Select(0)
	wait("the item's card", func() bool { return r.field("Price").(*widget.Entry).Text == "49.90" })
	r.erase("Price")
	r.typeInto("Price", "61.50")
	r.tap("Save")
	saved := time.Now()
	var took time.Duration
	r.waitFor("the item saved", func() bool { return r.shows("Item B1 saved.") })
	if it, err := pr.master.FindItems(ctx, "B1", 1, false); err != nil || len(it) != 1 || it[0].Price != 6150 {
		t.Fatalf("master.db after Save: %+v, %v", it, err)
	}

	// Save published: the bucket's catalogue bundle for s1 has the price.
	priv, err := centreFiles{pr.cdir}.signer()
	if err != nil {
		t.Fatal(err)
	}
	trusted := []ed25519.PublicKey{priv.Public().(ed25519.PublicKey)}
	wait("the catalogue bundle published", func() bool {
		b := pr.published(chain.KindCatalogue, "s1")
		if b == nil {
			return false
		}
		v, err := bundle.OpenCatalogue(b, trusted)
		if err != nil {
			t.Fatalf("the published catalogue: %v", err)
		}
		if v.Catalogue.Store == "s1" && v.Catalogue.Chain == "north" && strings.Contains(v.Catalogue.Data, "61.50") {
			took = time.Since(saved)
			return true
		}
		return false
	})
	t.Logf("the catalogue bundle was in the bucket %v after Save", took)
	// And the matrix bundle carries the master administrator.
	v, err := bundle.Open(pr.published(chain.KindMatrix, "s1"), trusted)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, u := range v.Contents.Users {
		found = found || u.Login == "olga" && !u.MustChange
	}
	if !found {
		t.Errorf("the matrix bundle lacks olga with her own password: %+v", v.Contents.Users)
	}

	// Sign out: the back button.
	r.tap("Sign out")
	wait("the login screen", func() bool { return app.User() == nil })
}
