package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tillpos/till/device/shtrih/emu"
	"github.com/tillpos/till/sale"
	"github.com/tillpos/till/store"
	"github.com/tillpos/till/ui"
)

// A shop goes live without SQL: `till init`, then the window on that
// database with no register configured — the admin signs in with the
// printed password, changes it, opens the back office, finds the register
// on the emulator's pseudo-terminal from the Devices page and saves it —
// and the desk that started without a register fiscalises a sale on it,
// with no restart.
func TestCommissionFreshTill(t *testing.T) {
	dir := initDir(t)
	path := filepath.Join(dir, "till.db")
	ctx := context.Background()
	var out, prompts bytes.Buffer
	if err := runInit(ctx, strings.NewReader(""), &out, &prompts, append([]string{"-db", path, "-language", "en"}, initFlags...)); err != nil {
		t.Fatal(err)
	}
	pw := printedPassword.FindStringSubmatch(out.String())[1]
	regPath, e := ptyRegister(t, emu.Config{PrintSpeed: -1, FNWrite: -1, ZTime: -1})

	test.NewTempApp(t)
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	// As runWindow wires it, with no -register and no saved port.
	live := &liveRegister{}
	t.Cleanup(func() { live.Close() })
	d, holder, country, stop, err := newDesk(ctx, db, live, "till-1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	auth := deskAuth{d: d, db: db, terminal: "till-1"}
	deps := ui.Deps{
		Auth: auth, Badges: auth, Settings: storeSettings{db: db, terminal: "till-1"}, Items: db, Desk: d,
		Register: live, Country: country, Setup: storeSetup{db: db, terminal: "till-1", printer: live},
	}
	w := test.NewWindow(nil)
	w.Resize(fyne.NewSize(1280, 1000))
	t.Cleanup(w.Close)
	devices := newAdminDevices(db, live, "")
	devices.ports = func() ([]serialPort, error) {
		return []serialPort{{Name: regPath, USB: true, VID: "1fc9", PID: "0083", Product: "SHTRIH-M"}}, nil
	}
	devices.bus = stubBus{supported: true}
	hookDesk(&deps, w, d, holder, db, path, "till-1", devices)
	r := &winRig{t: t, db: db, e: e, w: w, app: ui.New(w, deps)}
	r.app.Start()

	if r.shows("This database has no users yet.") {
		t.Fatal("a set-up database opened on the setup screen")
	}
	test.Type(r.focused(), "olga")
	r.enter()
	test.Type(r.focused(), pw)
	r.enter()
	r.waitFor("the forced password change", func() bool { return r.shows("your password was set by an administrator") })
	test.Type(r.focused(), "Ромашка2026")
	r.enter()
	test.Type(r.focused(), "Ромашка2026")
	r.enter()
	r.waitFor("the sale screen's Admin button", func() bool { return r.hasButton("Admin") })
	r.tap("Admin")
	r.waitFor("the back office", func() bool { return r.hasButton("Back to sale") })
	r.selectTab("Devices")
	r.waitFor("the Devices page", func() bool { return r.shows("No fiscal register is set up") })
	port := r.field("Serial port").(*widget.SelectEntry)
	r.w.Canvas().Focus(port)
	test.Type(port, regPath)
	r.tap("Test connection")
	r.waitFor("the register found", func() bool { return r.shows("Register found on " + regPath) })
	r.tap("Save devices")
	r.waitFor("the devices saved", func() bool { return r.shows("Devices saved") })
	if !strings.HasPrefix(live.Port(), regPath+"@") {
		t.Fatalf("the register in use is %q", live.Port())
	}
	r.tap("Back to sale")

	// The desk built before there was a register sells on it now.
	id, err := db.PutItem(ctx, sale.Item{Barcode: store.EAN13("460000001003"), Name: "Молоко 3,2%", Price: 8990, VAT: "10", Dept: 1})
	if err != nil {
		t.Fatal(err)
	}
	it, err := db.Item(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.OpenShift(ctx); err != nil {
		t.Fatalf("open shift on the register found from the Devices page: %v", err)
	}
	if _, err := d.AddItem(ctx, it, 1000); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Pay(ctx, sale.PayCash, 10000); err != nil {
		t.Fatal(err)
	}
	sold, err := d.Checkout(ctx)
	if err != nil {
		t.Fatalf("checkout: %v", err)
	}
	docs := e.Documents()
	if last := docs[len(docs)-1]; last.Type != emu.DocReceipt || last.Amount != 8990 || last.Cashier == "" {
		t.Errorf("the register's last document %+v (sold %+v)", last, sold)
	}
}

func (r *winRig) selectTab(name string) {
	r.t.Helper()
	for _, o := range r.objects() {
		if tabs, ok := o.(*container.AppTabs); ok {
			for _, it := range tabs.Items {
				if it.Text == name {
					tabs.Select(it)
					return
				}
			}
		}
	}
	r.t.Fatalf("no tab %q", name)
}

func (r *winRig) hasButton(text string) bool {
	for _, o := range r.objects() {
		if b, ok := o.(*widget.Button); ok && b.Text == text {
			return true
		}
	}
	return false
}
