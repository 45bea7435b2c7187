package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"golang.org/x/text/encoding/charmap"

	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/store"
)

// The admin types a search letter by letter, the list narrows as they type,
// they pick the item, change its price and name, save: the item is changed
// and the audit log has the old and the new value of each.
func TestCatalogueTabSearchEditAudit(t *testing.T) {
	r := newAdminRig(t, "admin")
	ctx := context.Background()
	r.tab("Items")
	search := find(r, "item search", func(e *widget.Entry) bool { return strings.HasPrefix(e.PlaceHolder, "Search by name, code or barcode") })
	list := find(r, "item list", func(l *widget.List) bool { return l.Length() > 0 })
	all := list.Length()
	target, err := r.db.FindItems(ctx, "Кефир", 1, false)
	if err != nil || len(target) != 1 {
		t.Fatalf("demo has no Кефир: %v %v", target, err)
	}
	it := target[0]
	// A part of a name finds nothing as typed, and its items on Enter.
	test.Type(search, "ефир")
	if list.Length() != 0 {
		t.Fatalf("inside names without Enter: %d", list.Length())
	}
	search.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if list.Length() == 0 {
		t.Fatal("Enter found nothing inside names")
	}
	search.SetText("")
	var lengths []int
	for _, c := range "кефир" {
		test.Type(search, string(c))
		lengths = append(lengths, list.Length())
	}
	if lengths[0] == 0 || lengths[len(lengths)-1] == 0 || lengths[len(lengths)-1] > lengths[0] || lengths[0] > all {
		t.Fatalf("list lengths as typed: %v (all %d)", lengths, all)
	}
	list.Select(0)
	if got := r.entry("Name").Text; !strings.HasPrefix(got, "Кефир") {
		t.Fatalf("picked %q", got)
	}
	it, err = r.db.CatalogueItem(ctx, it.ID)
	if err != nil {
		t.Fatal(err)
	}
	code := r.entry("Code").Text
	picked, err := r.db.FindItems(ctx, code, 1, false)
	if err != nil || len(picked) != 1 {
		t.Fatal(err)
	}
	old := picked[0]
	price := r.entry("Price")
	price.SetText("")
	test.Type(price, "123,45")
	name := r.entry("Name")
	name.SetText("")
	test.Type(name, "Кефир 1% новый")
	r.tap("Save")
	if !strings.Contains(r.status(), "saved") {
		t.Fatalf("status %q", r.status())
	}
	now, err := r.db.CatalogueItem(ctx, old.ID)
	if err != nil || now.Price != 12345 || now.Name != "Кефир 1% новый" {
		t.Fatalf("item after save: %+v %v", now, err)
	}
	// Another item's barcode is refused, naming that item.
	taken, err := r.db.FindItems(ctx, "Молоко", 1, false)
	if err != nil || len(taken) != 1 {
		t.Fatal(err)
	}
	barcodes := r.entry("Barcodes")
	barcodes.SetText("")
	test.Type(barcodes, taken[0].Barcodes[0])
	r.tap("Save")
	if want := "Barcode " + taken[0].Barcodes[0] + " is also on item " + taken[0].Code; !strings.Contains(r.status(), want) {
		t.Errorf("status %q, want %q", r.status(), want)
	}
	rows, err := r.db.SearchAudit(ctx, store.AuditQuery{Action: "catalogue.item."})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]map[string]any{}
	for _, e := range rows {
		var a map[string]any
		json.Unmarshal(e.Args, &a)
		got[e.Action] = a
		if e.Actor != r.sess.Cashier {
			t.Errorf("%s by %d, want %d", e.Action, e.Actor, r.sess.Cashier)
		}
	}
	if p := got["catalogue.item.price"]; p == nil || p["old_price"] != float64(old.Price) || p["new_price"] != float64(12345) {
		t.Errorf("price audit: %v", got)
	}
	if n := got["catalogue.item.edit"]; n == nil || n["old_name"] != old.Name || n["new_name"] != "Кефир 1% новый" {
		t.Errorf("name audit: %v", got)
	}
}

// A cashier may open the tab (it only reads) but every change is refused
// with the reason on the status line and a denied row in the audit log:
// edit, price, activation, import, export.
func TestCatalogueActionsDeniedToCashier(t *testing.T) {
	r := newAdminRig(t, "cashier")
	r.tab("Items")
	dir := t.TempDir()
	file := filepath.Join(dir, "goods.csv")
	os.WriteFile(file, []byte("code,name,price,vat\r\n9001,Молоко,89.90,10\r\n"), 0o600)
	pick := func() {
		l := find(r, "item list", func(l *widget.List) bool { return l.Length() > 0 })
		l.UnselectAll()
		l.Select(0) // the card as stored again
	}
	steps := []struct {
		action policy.Action
		do     func()
	}{
		{policy.ActionItemEdit, func() { pick(); r.set("Name", "Другое имя"); r.tap("Save") }},
		{policy.ActionItemPrice, func() { pick(); r.set("Price", "1.00"); r.tap("Save") }},
		{policy.ActionItemActive, func() {
			pick()
			find(r, "active check", func(c *widget.Check) bool { return c.Text == "On sale (active)" }).SetChecked(false)
			r.tap("Save")
		}},
		{policy.ActionItemsImport, func() { r.set("Import from", file); r.tap("Check the file") }},
		{policy.ActionItemsExport, func() { r.set("Export to", filepath.Join(dir, "out.csv")); r.tap("Export") }},
	}
	before := snapshotCSV(t, r.db)
	for _, s := range steps {
		s.do()
		// The refusal names the action ("You may not change prices.").
		if !strings.Contains(r.status(), "You may not") {
			t.Errorf("%s: status %q", s.action, r.status())
		}
		last := r.lastAudit()
		if last.Action != string(s.action) || last.Outcome != store.OutcomeDenied || last.Actor != r.sess.Cashier {
			t.Errorf("%s: last audit %+v", s.action, last)
		}
	}
	if after := snapshotCSV(t, r.db); after != before {
		t.Error("a refused change changed the catalogue")
	}
	if _, err := os.Stat(filepath.Join(dir, "out.csv")); err == nil {
		t.Error("a refused export wrote its file")
	}
}

func snapshotCSV(t *testing.T, db *store.DB) string {
	t.Helper()
	var b strings.Builder
	if _, err := db.WriteCatalogue(context.Background(), &b, "csv", false); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// From the back office: a file with a bad line is refused by the check
// with the line named; the corrected file is checked, applied after the
// confirmation, and the progress bar ends full.
func TestCatalogueTabImport(t *testing.T) {
	r := newAdminRig(t, "admin")
	ctx := context.Background()
	r.tab("Items")
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("code,name,price,vat\r\n9001,Молоко,89.90,10\r\n9002,Кефир 🥛,79.90,10\r\n"), 0o600)
	r.set("Import from", bad)
	r.tap("Check the file")
	if !strings.Contains(r.status(), "refused") || !r.hasText("Line 3: The name has the character '🥛'") {
		t.Fatalf("bad file: status %q", r.status())
	}
	good := filepath.Join(dir, "good.csv")
	os.WriteFile(good, []byte("code,name,price,vat\r\n9001,Молоко,89.90,10\r\n9002,Кефир,79.90,10\r\n"), 0o600)
	r.set("Import from", good)
	r.tap("Check the file")
	if !r.hasText("2 new") {
		t.Fatalf("dry run: status %q", r.status())
	}
	if found, _ := r.db.FindItems(ctx, "9001", 1, false); len(found) != 0 {
		t.Fatal("the check imported")
	}
	r.tap("Yes")
	if !strings.Contains(r.status(), "Catalogue loaded: 2 new") {
		t.Fatalf("apply: status %q", r.status())
	}
	if found, _ := r.db.FindItems(ctx, "9001", 1, false); len(found) != 1 || found[0].Price != 8990 {
		t.Fatalf("not imported: %+v", found)
	}
	if bar := find(r, "progress", func(*widget.ProgressBar) bool { return true }); bar.Value != 1 {
		t.Errorf("progress %v", bar.Value)
	}
}

// A 1C ATOL file names Frontol's tax groups, not VAT rates: the admin maps
// them in the Items tab, the map is checked against the store's VAT codes,
// stored (audited) and used by the import — no SQL, no command line.
func TestCatalogueTabATOLTaxGroups(t *testing.T) {
	r := newAdminRig(t, "admin")
	ctx := context.Background()
	r.tab("Items")
	atol := "##@@&&\r\n#\r\n$$$ADDQUANTITY\r\n" +
		"2001;4609990007776;Молоко 3,2%;Молоко;89.90;;;0,1,1,0,0,0,0,0,1,0,1;;;;;;;;;1;;;;;;2;;;;;;;;;;;;;;;;10;10;;;\r\n"
	enc, err := charmap.Windows1251.NewEncoder().String(atol)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "goods.txt")
	if err := os.WriteFile(file, []byte(enc), 0o600); err != nil {
		t.Fatal(err)
	}
	r.set("Import from", file)
	r.tap("Check the file")
	if !r.hasText("Tax group 2 is not one of") {
		t.Fatalf("unmapped group: status %q", r.status())
	}
	r.set("Tax groups", "2=33")
	r.tap("Check the file")
	if m, _ := r.db.SettingString(ctx, store.SettingATOLTaxMap, ""); m != "" {
		t.Fatalf("a map with a VAT code the store lacks was stored: %q (status %q)", m, r.status())
	}
	r.set("Tax groups", "2=10")
	r.tap("Check the file")
	if !r.hasText("1 new") {
		t.Fatalf("mapped group: status %q; %s", r.status(), visibleText(r))
	}
	if m, _ := r.db.SettingString(ctx, store.SettingATOLTaxMap, ""); m != "2=10" {
		t.Fatalf("stored map %q", m)
	}
	r.tap("Yes")
	if found, _ := r.db.FindItems(ctx, "2001", 1, false); len(found) != 1 || found[0].VAT != "10" {
		t.Fatalf("imported %+v (status %q)", found, r.status())
	}
}

func visibleText(r *adminRig) string {
	var b strings.Builder
	r.walk(func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && l.Visible() && l.Text != "" {
			b.WriteString(l.Text + "\n")
		}
	})
	return b.String()
}

// The confirmation of an import owns the keyboard: the path field behind
// it loses the focus, Escape answers No and Enter answers Yes (by hand at
// the centre, Enter went to the field behind and nothing happened).
func TestCatalogueImportConfirmByKeyboard(t *testing.T) {
	r := newAdminRig(t, "admin")
	ctx := context.Background()
	r.tab("Items")
	good := filepath.Join(t.TempDir(), "good.csv")
	os.WriteFile(good, []byte("code,name,price,vat\r\n9001,Молоко,89.90,10\r\n"), 0o600)
	r.set("Import from", good)
	r.tap("Check the file")
	if !r.hasText("1 new") {
		t.Fatalf("dry run: status %q", r.status())
	}
	if f := r.win.Canvas().Focused(); f != nil {
		t.Fatalf("%T keeps the focus under the confirmation", f)
	}
	if !r.screen.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape}) {
		t.Fatal("Escape under the confirmation went to nobody")
	}
	if found, _ := r.db.FindItems(ctx, "9001", 1, false); len(found) != 0 {
		t.Fatal("Escape loaded the catalogue")
	}
	if r.screen.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) {
		t.Fatal("Enter was taken with no dialog open")
	}
	r.tap("Check the file")
	if !r.screen.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) {
		t.Fatal("Enter under the confirmation went to nobody")
	}
	if found, _ := r.db.FindItems(ctx, "9001", 1, false); len(found) != 1 || found[0].Price != 8990 {
		t.Fatalf("Enter did not load the catalogue: %+v", found)
	}
}
