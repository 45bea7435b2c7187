package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/desk/deskstore"
	"github.com/tillpos/till/device/shtrih/emu"
	"github.com/tillpos/till/device/shtrih/shtrihtest"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/sale"
	"github.com/tillpos/till/store"
)

func catalogueCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := runCatalogue(context.Background(), &out, args)
	return out.String(), err
}

// newCatalogueDBs makes n tills' databases with the machine's default key
// file, in a config dir of the test's own that they share, as the tills of
// one machine share the key file.
func newCatalogueDBs(t *testing.T, n int) []string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	var paths []string
	for i := range n {
		path := filepath.Join(dir, fmt.Sprintf("till%d.db", i+1))
		db, err := store.Open(context.Background(), path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
		paths = append(paths, path)
	}
	return paths
}

func newCatalogueDB(t *testing.T) string { return newCatalogueDBs(t, 1)[0] }

// A 1C-style ATOL file (Windows-1251, CR LF, groups, 60+ fields, a tax
// group map) is checked by a dry run, imported, exported as CSV and
// imported into another till; a bad file is refused with its lines named
// and the first till's catalogue unchanged.
func TestCatalogueCommands(t *testing.T) {
	dbs := newCatalogueDBs(t, 2)
	a, b := dbs[0], dbs[1]
	dir := filepath.Dir(a)
	atol := "##@@&&\r\n#\r\n$$$ADDQUANTITY\r\n" +
		"1001;;Молочные;Молочные;;;;;;;;;;;;;0;;;;;;;;;;;;;;;;;;;;;;;;;;120;;;;;\r\n" +
		"2001;4600000010038,4600000010045;Молоко 3,2%;Молоко;89.90;;;0,1,1,0,0,0,0,0,1,0,1;;;;;;;;1001;1;;;;;;2;;;;;;;;;;;;;;;;10;10;;;\r\n" +
		"2002;2000000000015;Сыр весовой;Сыр;990,00;;;1,1,1,0,0,0,0,0,1,0,1;;;;;;;;1001;1;;;;;;1;;;;;;;;;;;;;;;;10;10;;;\r\n"
	enc, err := charmap.Windows1251.NewEncoder().String(atol)
	if err != nil {
		t.Fatal(err)
	}
	atolFile := filepath.Join(dir, "goods.txt")
	if err := os.WriteFile(atolFile, []byte(enc), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := catalogueCmd(t, "import", "-db", a, "-dry-run", "-tax-map", "1=20,2=10", atolFile)
	if err != nil || !strings.Contains(out, "2 new") || !strings.Contains(out, "dry run") {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	if out, err := catalogueCmd(t, "import", "-db", a, atolFile); !errors.Is(err, errImportRefused) || !strings.Contains(out, "Tax group 2 is not one of") {
		t.Fatalf("without the tax map: %v\n%s", err, out)
	}
	if out, err = catalogueCmd(t, "import", "-db", a, "-tax-map", "1=20,2=10", atolFile); err != nil || !strings.Contains(out, "2 new") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	csvFile := filepath.Join(dir, "goods.csv")
	if out, err = catalogueCmd(t, "export", "-db", a, "-format", "csv", csvFile); err != nil || !strings.HasPrefix(out, "2 items") {
		t.Fatalf("export: %v\n%s", err, out)
	}
	raw, _ := os.ReadFile(csvFile)
	for _, want := range []string{
		"code,barcodes,name,receipt_name,price,vat,unit,weighed,marking,department,group,active\r\n",
		"2001,\"4600000010038,4600000010045\",\"Молоко 3,2%\",Молоко,89.90,10,pcs,0,0,1,Молочные,1\r\n",
		"2002,2000000000015,Сыр весовой,Сыр,990.00,20,kg,1,0,1,Молочные,1\r\n",
	} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("export lacks %q:\n%s", want, raw)
		}
	}
	if out, err = catalogueCmd(t, "import", "-db", b, csvFile); err != nil || !strings.Contains(out, "2 new") {
		t.Fatalf("import into b: %v\n%s", err, out)
	}
	csvB := filepath.Join(dir, "b.csv")
	if _, err := catalogueCmd(t, "export", "-db", b, "-format", "csv", csvB); err != nil {
		t.Fatal(err)
	}
	if rawB, _ := os.ReadFile(csvB); !bytes.Equal(raw, rawB) {
		t.Errorf("b's catalogue differs:\n%s\n%s", raw, rawB)
	}

	var bad strings.Builder
	bad.WriteString("code;name;price;vat\r\n")
	for i := range 500 {
		fmt.Fprintf(&bad, "X%d;Плохой товар;%d;10\r\n", i, 1_000_000_000_000_000+i)
	}
	badFile, rejects := filepath.Join(dir, "bad.csv"), filepath.Join(dir, "rejects.txt")
	os.WriteFile(badFile, []byte(bad.String()), 0o600)
	out, err = catalogueCmd(t, "import", "-db", a, "-rejects", rejects, badFile)
	if !errors.Is(err, errImportRefused) || !strings.Contains(out, "500 rejected") || !strings.Contains(out, "line 2: Price") ||
		!strings.Contains(out, "… and 480 more rejected lines") || strings.Count(out, "\n") > 30 {
		t.Fatalf("refused import: %v\n%s", err, out)
	}
	if r, _ := os.ReadFile(rejects); strings.Count(string(r), "\n") != 500 {
		t.Errorf("rejects file has %d lines", strings.Count(string(r), "\n"))
	}
	csvA := filepath.Join(dir, "a-after.csv")
	catalogueCmd(t, "export", "-db", a, "-format", "csv", csvA)
	if after, _ := os.ReadFile(csvA); !bytes.Equal(raw, after) {
		t.Errorf("a refused import changed the catalogue")
	}
	if _, err := catalogueCmd(t, "import", "-db", a, "-format", "xml", csvFile); !errors.Is(err, errUsage) {
		t.Errorf("bad format: %v", err)
	}
}

// A fiscalised sale of an imported item is listed by sales export with its
// FD number, cashier, line and payment; a bill outside the dates is not.
func TestSalesExport(t *testing.T) {
	path := newCatalogueDB(t)
	ctx := context.Background()
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	item, err := db.ItemByBarcode(ctx, store.DemoItems()[0].Barcode)
	if err != nil {
		t.Fatal(err)
	}
	bills := db.Bills()
	sell := func(at time.Time, fd uint32) {
		b, err := bills.Create(ctx, sale.Bill{Kind: sale.KindSale, CashierID: 1})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bills.AddLine(ctx, b.ID, sale.Line{Item: item.ID, Barcode: item.Barcode, Name: item.Name, QtyMilli: 2000, UnitPrice: item.Price, VAT: item.VAT, Dept: 1}); err != nil {
			t.Fatal(err)
		}
		if _, err := bills.AddPayment(ctx, b.ID, sale.Payment{Kind: sale.PayCash, Amount: 2 * item.Price}); err != nil {
			t.Fatal(err)
		}
		if err := bills.MarkFiscalising(ctx, b.ID, sale.Fiscal{Expected: fd, Total: 2 * item.Price}); err != nil {
			t.Fatal(err)
		}
		if err := bills.MarkFiscalised(ctx, b.ID, sale.Fiscal{Number: fd, Sign: 12345, Time: at, Shift: 3}); err != nil {
			t.Fatal(err)
		}
	}
	sell(time.Date(2026, 12, 3, 10, 0, 0, 0, time.Local), 41)
	sell(time.Date(2026, 12, 5, 10, 0, 0, 0, time.Local), 42)
	db.Close()
	file := filepath.Join(filepath.Dir(path), "sales.csv")
	var out bytes.Buffer
	if err := runSales(ctx, &out, []string{"export", "-db", path, "-from", "2026-12-01", "-to", "2026-12-04", file}); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(file)
	text := string(raw)
	lines := strings.Split(strings.TrimSpace(text), "\r\n")
	if len(lines) != 3 || !strings.Contains(lines[1], ",41,12345,3,2026-12-03T10:00:00,sale,") ||
		!strings.Contains(lines[1], ",line,1,"+item.Barcode+",") || !strings.Contains(lines[1], ",2.000,") ||
		!strings.Contains(lines[2], ",payment,") || !strings.HasSuffix(lines[2], ",cash,"+fmt.Sprintf("%d.%02d", 2*item.Price/100, 2*item.Price%100)) {
		t.Fatalf("%s\n%s", out.String(), text)
	}
	if !strings.HasPrefix(out.String(), "1 receipts") {
		t.Error(out.String())
	}
}

// The shop's path end to end: a 1C-style ATOL file loaded with the
// operator command, one of its goods scanned by its second barcode and
// sold through the real desk on the emulated register, and `till sales
// export` listing that receipt with its FD number and the item's code.
func TestImportedGoodsSellAndExport(t *testing.T) {
	path := newCatalogueDB(t)
	ctx := context.Background()
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SeedDemo(ctx); err != nil { // users and the matrix (till init is the setup's)
		t.Fatal(err)
	}
	db.Close()
	b1, b2 := store.EAN13("460999000001"), store.EAN13("460999000002")
	atol := "##@@&&\r\n#\r\n$$$ADDQUANTITY\r\n1001;;Молочные;Молочные;;;;;;;;;;;;;0;\r\n" +
		"2001;" + b1 + "," + b2 + ";Молоко 3,2% 1 л;Молоко 3,2%;89.90;;;0,1,1,0,0,0,0,0,1,0,1;;;;;;;;1001;1;;;;;;2;\r\n"
	enc, _ := charmap.Windows1251.NewEncoder().String(atol)
	file := filepath.Join(filepath.Dir(path), "goods.txt")
	os.WriteFile(file, []byte(enc), 0o600)
	if out, err := catalogueCmd(t, "import", "-db", path, "-tax-map", "1=20,2=10", file); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}

	db, err = store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := emu.New(emu.Config{Baud: -1, PrintSpeed: -1, FNWrite: -1, ZTime: -1, StartShiftOpen: true})
	reg := shtrihtest.Register(t, e)
	vat, _ := sale.VATTableFor("RU")
	d, err := desk.New(desk.Config{
		Holder: policy.NewHolder(nil), Store: deskstore.New(db), Bills: db.Bills(),
		Sales:    sale.NewSales(db.Bills(), vat, nil, time.Now),
		Checkout: sale.NewCheckout(db.Bills(), db.Bills(), reg, vat, time.Now),
		Register: reg, Terminal: "till-1", Now: time.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := d.SignIn(ctx, "admin", "admin123"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.AddByBarcode(ctx, b2, 2000); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Pay(ctx, sale.PayCash, 20000); err != nil {
		t.Fatal(err)
	}
	sold, err := d.Checkout(ctx)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if sold.Bill.Fiscal.Number == 0 || sold.Totals.Due != 17980 {
		t.Fatalf("sold %+v", sold)
	}

	csv := filepath.Join(filepath.Dir(path), "sales.csv")
	today := time.Now().Format(time.DateOnly)
	var out bytes.Buffer
	if err := runSales(ctx, &out, []string{"export", "-db", path, "-from", today, "-to", today, csv}); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(csv)
	fd := fmt.Sprintf(",%d,", sold.Bill.Fiscal.Number)
	if !strings.Contains(string(raw), fd) || !strings.Contains(string(raw), ",line,2001,"+b2+",\"Молоко 3,2% 1 л\",2.000,89.90,0.00,179.80,10,,") ||
		!strings.Contains(string(raw), ",payment,,,,,,,,,cash,179.80") { // 200,00 tendered, 20,20 back
		t.Fatalf("%s\n%s", out.String(), raw)
	}
}

// A cash tender above the total is exported as what the shop kept: the
// payment rows of a receipt add up to its total (change off the cash,
// the card as paid).
func TestSalesExportPaymentsAddUpToTheReceipt(t *testing.T) {
	path := newCatalogueDB(t)
	ctx := context.Background()
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	item, err := db.ItemByBarcode(ctx, store.DemoItems()[0].Barcode)
	if err != nil {
		t.Fatal(err)
	}
	bills := db.Bills()
	b, err := bills.Create(ctx, sale.Bill{Kind: sale.KindSale, CashierID: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bills.AddLine(ctx, b.ID, sale.Line{Item: item.ID, Barcode: item.Barcode, Name: item.Name, QtyMilli: 3000, UnitPrice: item.Price, VAT: item.VAT, Dept: 1}); err != nil {
		t.Fatal(err)
	}
	total := 3 * item.Price
	card := item.Price
	cash := total - card + 5000 // 50,00 of change
	for _, p := range []sale.Payment{{Kind: sale.PayCard, Amount: card}, {Kind: sale.PayCash, Amount: cash}} {
		if _, err := bills.AddPayment(ctx, b.ID, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := bills.MarkFiscalising(ctx, b.ID, sale.Fiscal{Expected: 7, Total: total}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 3, 10, 0, 0, 0, time.Local)
	if err := bills.MarkFiscalised(ctx, b.ID, sale.Fiscal{Number: 7, Sign: 1, Time: at, Shift: 2}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	file := filepath.Join(filepath.Dir(path), "sales.csv")
	if err := runSales(ctx, io.Discard, []string{"export", "-db", path, "-from", "2026-12-03", "-to", "2026-12-03", file}); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(file)
	money := func(v int64) string { return fmt.Sprintf("%d.%02d", v/100, v%100) }
	text := string(raw)
	for _, want := range []string{",card," + money(card) + "\r\n", ",cash," + money(total-card) + "\r\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("no payment row ending %q in\n%s", want, text)
		}
	}
}
