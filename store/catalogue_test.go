package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tillpos/till/exchange"
	"github.com/tillpos/till/sale"
)

func ruRules(t testing.TB, format string) exchange.Rules {
	t.Helper()
	r, err := CatalogueRules("RU", format, "")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// catalogueFixture fills db with n varied items through the back office's
// own save: several barcodes, weighed, marking, inactive, groups,
// departments, receipt names.
func catalogueFixture(t testing.TB, db *DB, n int) {
	t.Helper()
	ctx := context.Background()
	rules := ruRules(t, "csv")
	vats := []sale.VATCode{"20", "10", "0", "none"}
	for i := 1; i <= n; i++ {
		it := CatalogueItem{
			Code: fmt.Sprintf("%05d", i), Name: fmt.Sprintf("Товар %05d «тест»", i), Price: int64(i * 137),
			VAT: vats[i%4], Dept: byte(1 + i%3), Active: i%7 != 0, Weighed: i%5 == 0, Marking: i%11 == 0,
		}
		it.Barcodes = []string{EAN13(fmt.Sprintf("4600001%05d", i))}
		if i%3 == 0 {
			it.Barcodes = append(it.Barcodes, EAN13(fmt.Sprintf("4600002%05d", i)), fmt.Sprintf(`PLU\%d`, i))
		}
		if i%4 == 0 {
			it.Group = fmt.Sprintf("Группа %d", i%9)
		}
		if i%6 == 0 {
			it.ReceiptName = fmt.Sprintf("Тов %d", i)
		}
		if _, err := db.SaveCatalogueItem(ctx, it, rules, Actor{Terminal: "test"}); err != nil {
			t.Fatalf("item %d: %v", i, err)
		}
	}
}

// snapshot is the whole catalogue as export sees it, IDs dropped.
func snapshot(t testing.TB, db *DB) []CatalogueItem {
	t.Helper()
	var out []CatalogueItem
	err := db.ExportCatalogue(context.Background(), func(it CatalogueItem) error {
		it.ID = 0
		out = append(out, it)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func importText(t testing.TB, db *DB, format, text string, dry bool) (ImportResult, error) {
	t.Helper()
	var r exchange.Reader = exchange.NewCSVReader(strings.NewReader(text))
	if format == "atol" {
		r = exchange.NewATOLReader(strings.NewReader(text))
	}
	return db.ImportCatalogue(context.Background(), r, ImportOptions{DryRun: dry, Rules: ruRules(t, format), Source: "test." + format, Format: format}, Actor{Terminal: "test"})
}

// Export, import into an empty till, export again: the same catalogue, in
// both formats; importing the file back into the till it came from
// changes nothing.
func TestCatalogueRoundTrip(t *testing.T) {
	src := openTest(t)
	catalogueFixture(t, src, 300)
	want := snapshot(t, src)
	for _, format := range []string{"csv", "atol"} {
		t.Run(format, func(t *testing.T) {
			var file bytes.Buffer
			n, err := src.WriteCatalogue(context.Background(), &file, format, format == "atol")
			if err != nil || n != 300 {
				t.Fatalf("export: %d, %v", n, err)
			}
			dst := openTest(t)
			res, err := importText(t, dst, format, file.String(), false)
			if err != nil || !res.Applied || res.New != 300 {
				t.Fatalf("import: %v\n%s", err, res.Summary())
			}
			got := snapshot(t, dst)
			if format == "atol" {
				// ATOL carries no unit, marking or department: a new item
				// gets the defaults (unit from the weighed flag).
				for i := range want {
					w := want[i]
					w.Marking, w.Dept = false, 1
					if d := cmp.Diff(w, got[i]); d != "" {
						t.Fatalf("item %s: %s", w.Code, d)
					}
				}
			} else if d := cmp.Diff(want, got); d != "" {
				t.Fatal(d)
			}
			again, err := importText(t, src, format, file.String(), false)
			if err != nil || again.New != 0 || again.Changed != 0 || again.Unchanged != 300 {
				t.Fatalf("re-import: %v\n%s", err, again.Summary())
			}
			if d := cmp.Diff(want, snapshot(t, src)); d != "" {
				t.Fatal(d)
			}
		})
	}
}

// Each bad input gets its verdict and the catalogue (and the audit log)
// before a refused import is intact.
func TestImportBadInputs(t *testing.T) {
	header := "code,barcodes,name,price,vat\r\n"
	tenThousand := func() string {
		var b strings.Builder
		b.WriteString(header)
		for i := range 10000 {
			fmt.Fprintf(&b, "X%d,,Bad %d,1e3,10\r\n", i, i)
		}
		return b.String()
	}()
	cases := []struct {
		name     string
		format   string
		text     string
		ok       bool            // applied
		reason   exchange.Reason // the first problem
		line     int
		rejected int
	}{
		{"BOM", "csv", "\xEF\xBB\xBF" + header + "9001,4600000010038,Молоко,89.90,10\r\n", true, "", 0, 0},
		{"semicolon and decimal comma", "csv", "code;barcodes;name;price;vat\r\n9001;4600000010038;Молоко, 3,2%;89,90;10\r\n", true, "", 0, 0},
		{"empty line", "csv", header + "\r\n9001,,Молоко,89.90,10\r\n\r\n", true, "", 0, 0},
		{"cp1251 bytes", "csv", header + "9001,,\xcc\xee\xeb\xee\xea\xee,89.90,10\r\n", false, exchange.ReasonNotUTF8, 2, 0},
		{"three fields", "csv", header + "9001,,Молоко,89.90,10\r\n9002,Хлеб,45\r\n", false, exchange.ReasonFieldCount, 3, 1},
		{"10,000 rejected rows", "csv", tenThousand, false, exchange.ReasonPriceBad, 2, 10000},
		{"barcode on two items in the file", "csv", header + "9001,4600000010038,Молоко,89.90,10\r\n9002,4600000010038,Кефир,79.90,10\r\n", false, exchange.ReasonBarcodeTwice, 3, 1},
		{"barcode another item keeps", "csv", header + "9001," + EAN13("460000100001") + ",Молоко,89.90,10\r\n", false, exchange.ReasonBarcodeTwice, 2, 1},
		{"code twice", "csv", header + "9001,,Молоко,89.90,10\r\n9001,,Кефир,79.90,10\r\n", false, exchange.ReasonCodeTwice, 3, 1},
		{"price 10^15", "csv", header + "9001,,Молоко,1000000000000000,10\r\n", false, exchange.ReasonPriceRange, 2, 1},
		{"name of 500 characters", "csv", header + "9001,,Молоко" + strings.Repeat("о", 494) + ",89.90,10\r\n", false, exchange.ReasonNameLong, 2, 1},
		{"emoji", "csv", header + "9001,,Молоко 🥛,89.90,10\r\n", false, exchange.ReasonNameChar, 2, 1},
		{"bad check digit", "csv", header + "9001,4600000010039,Молоко,89.90,10\r\n", false, exchange.ReasonCheckDigit, 2, 1},
		{"unknown VAT", "csv", header + "9001,,Молоко,89.90,18\r\n", false, exchange.ReasonVAT, 2, 1},
		{"ATOL signature", "atol", header, false, exchange.ReasonSignature, 1, 0},
		{"ATOL new item without tax group", "atol", "##@@&&\r\n#\r\n$$$ADDQUANTITY\r\n9001;;Молоко;Молоко;89.90;;;0,1;\r\n", false, exchange.ReasonVAT, 4, 1},
		{"ATOL 1C shape", "atol", "##@@&&\r\n#\r\n$$$ADDQUANTITY\r\n1001;;Dairy;Dairy;;;;;;;;;;;;;0;\r\n9001;4600000010038,4600000010045;Milk 3.2%;Milk 3.2%;89.90;;;0,1,1,0,0,0,0,0,1,0,1;;;;;;;;1001;1;;;;;;10;\r\n", true, "", 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := openTest(t)
			catalogueFixture(t, db, 3)
			before := snapshot(t, db)
			head, _, err := db.AuditHead(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			res, err := importText(t, db, c.format, c.text, false)
			if c.ok {
				if err != nil || !res.Applied {
					t.Fatalf("refused: %v\n%s", err, res.Summary())
				}
				if res.New != 1 {
					t.Errorf("new = %d\n%s", res.New, res.Summary())
				}
				return
			}
			if !errors.Is(err, ErrImportRefused) || res.Applied {
				t.Fatalf("err %v applied %v", err, res.Applied)
			}
			first := res.Fatal
			if first == nil && len(res.Problems) > 0 {
				first = res.Problems[0]
			}
			if first == nil || first.Reason != c.reason || first.Line != c.line || res.Rejected != c.rejected {
				t.Fatalf("got %v (rejected %d), want %s at line %d (%d rejected)\n%s", first, res.Rejected, c.reason, c.line, c.rejected, res.Summary())
			}
			if len(res.Problems) > 100 || strings.Count(res.Summary(), "\n") > 110 {
				t.Errorf("%d problems listed, summary of %d lines", len(res.Problems), strings.Count(res.Summary(), "\n"))
			}
			if d := cmp.Diff(before, snapshot(t, db)); d != "" {
				t.Errorf("catalogue changed by a refused import: %s", d)
			}
			if h, _, _ := db.AuditHead(context.Background()); h != head {
				t.Errorf("audit grew from %d to %d", head, h)
			}
		})
	}
}

// A 200 MB file is streamed: a 200 MB line is refused by its length
// without being held, and 200 MB of rows pass through the reader with the
// heap bounded (exchange's TestStreams200MB); here the store's side: the
// refusal names the line and nothing changes.
func TestImportHugeLineIsRefused(t *testing.T) {
	db := openTest(t)
	r := io.MultiReader(strings.NewReader("code,name,price,vat\n"), io.LimitReader(repeatByte('x'), 200<<20), strings.NewReader("\n"))
	res, err := db.ImportCatalogue(context.Background(), exchange.NewCSVReader(r), ImportOptions{Rules: ruRules(t, "csv"), Format: "csv"}, Actor{})
	if !errors.Is(err, ErrImportRefused) || res.Rejected != 1 || res.Problems[0].Reason != exchange.ReasonLineTooLong {
		t.Fatalf("%v\n%s", err, res.Summary())
	}
}

type repeatByte byte

func (b repeatByte) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

// A dry run reports new, changed and deactivated and changes nothing;
// the import then does the same, with one audit row per changed price or
// name (old and new value, the file) and a summary row; $$$DELETEALLWARES
// deactivates what the file does not list and frees its barcodes; a
// barcode moving from one item to another inside the file is allowed.
func TestImportDryRunThenApply(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	catalogueFixture(t, db, 4)
	before := snapshot(t, db)
	moved := before[0].Barcodes[0] // item 00001's barcode goes to 00002
	file := "##@@&&\r\n#\r\n$$$DELETEALLWARES\r\n$$$REPLACEQUANTITY\r\n" +
		"00001;;Товар один;;1.37;;;0,1;;;;;;;;;1;;;;;;10;\r\n" +
		"00002;" + moved + ";Товар 00002 «тест»;;9.99;;;0,1;;;;;;;;;1;;;;;;none;\r\n" +
		"77;2000000000015;Новый;;5;;;1,1;;;;;;;;;1;;;;;;20;\r\n"
	dry, err := importText(t, db, "atol", file, true)
	if err != nil || dry.Applied || dry.New != 1 || dry.Changed != 2 || dry.Deactivated != 2 {
		t.Fatalf("dry run: %v\n%s", err, dry.Summary())
	}
	if d := cmp.Diff(before, snapshot(t, db)); d != "" {
		t.Fatalf("dry run changed the catalogue: %s", d)
	}
	res, err := importText(t, db, "atol", file, false)
	if err != nil || !res.Applied || res.New != 1 || res.Changed != 2 || res.Deactivated != 2 {
		t.Fatalf("import: %v\n%s", err, res.Summary())
	}
	got := snapshot(t, db)
	byCode := map[string]CatalogueItem{}
	for _, it := range got {
		byCode[it.Code] = it
	}
	if it := byCode["00001"]; it.Name != "Товар один" || len(it.Barcodes) != 0 || it.Price != 137 {
		t.Errorf("00001: %+v", it)
	}
	if it := byCode["00002"]; it.Price != 999 || !slices.Equal(it.Barcodes, []string{moved}) || it.VAT != "none" {
		t.Errorf("00002: %+v", it)
	}
	if it := byCode["00003"]; it.Active || len(it.Barcodes) != 0 {
		t.Errorf("00003 not deactivated: %+v", it)
	}
	if it := byCode["77"]; !it.Weighed || it.Unit != "kg" || it.Price != 500 || !it.Active {
		t.Errorf("77: %+v", it)
	}
	if _, err := db.ItemByBarcode(ctx, moved); err != nil {
		t.Errorf("moved barcode: %v", err)
	}
	rows, err := db.SearchAudit(ctx, AuditQuery{Action: "catalogue."})
	if err != nil {
		t.Fatal(err)
	}
	var args []string
	for _, r := range rows {
		args = append(args, r.Action+" "+string(r.Args))
	}
	joined := strings.Join(args, "\n")
	for _, want := range []string{
		`"new_name":"Товар один"`, `"old_name":"Товар 00001 «тест»"`, `"new_price":999`, `"old_price":274`, `"file":"test.atol"`, `"deactivated":2`,
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("audit lacks %s:\n%s", want, joined)
		}
	}
}

// The back office's save: each kind of change its own audit row, price
// and name with old and new value; a barcode another item has is refused;
// a deactivated item is not sold, an extra barcode is.
func TestSaveCatalogueItem(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	rules := ruRules(t, "csv")
	by := Actor{User: 1, Terminal: "t1"}
	it := CatalogueItem{Code: "A1", Barcodes: []string{"4600000010038", "4600000010045"}, Name: "Молоко", Price: 8990, VAT: "10", Active: true}
	id, err := db.SaveCatalogueItem(ctx, it, rules, by)
	if err != nil {
		t.Fatal(err)
	}
	if it, err = db.CatalogueItem(ctx, id); err != nil { // as the back office holds it
		t.Fatal(err)
	}
	it.Name, it.Price = "Молоко 3,2%", 9490
	if _, err := db.SaveCatalogueItem(ctx, it, rules, by); err != nil {
		t.Fatal(err)
	}
	rows, err := db.SearchAudit(ctx, AuditQuery{Action: "catalogue."})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, r.Action+" "+string(r.Args))
	}
	slices.Sort(got)
	want := []string{
		`catalogue.item.create {"active":true,"code":"A1","item":` + fmt.Sprint(id) + `,"name":"Молоко","price":8990}`,
		`catalogue.item.edit {"changed":["name"],"code":"A1","item":` + fmt.Sprint(id) + `,"new_name":"Молоко 3,2%","old_name":"Молоко"}`,
		`catalogue.item.price {"code":"A1","item":` + fmt.Sprint(id) + `,"new_price":9490,"old_price":8990}`,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Error(d)
	}
	other := CatalogueItem{Code: "B1", Barcodes: []string{"4600000010045"}, Name: "Кефир", Price: 1, VAT: "10", Active: true}
	if _, err := db.SaveCatalogueItem(ctx, other, rules, by); !errors.Is(err, ErrExists) {
		t.Errorf("barcode of another item: %v", err)
	}
	if si, err := db.ItemByBarcode(ctx, "4600000010045"); err != nil || si.ID != id || si.Barcode != "4600000010045" {
		t.Errorf("extra barcode: %+v %v", si, err)
	}
	if err := db.SetItemActive(ctx, id, false, by); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ItemByBarcode(ctx, "4600000010038"); !errors.Is(err, ErrNotFound) {
		t.Errorf("deactivated item sold: %v", err)
	}
	if found, err := db.FindItems(ctx, "молоко", 20, false); err != nil || len(found) != 1 || found[0].Active {
		t.Errorf("find: %+v %v", found, err)
	}
	bad := it
	bad.Name = "Молоко 🥛"
	if _, err := db.SaveCatalogueItem(ctx, bad, rules, by); !errors.Is(err, ErrInvalid) {
		t.Errorf("emoji: %v", err)
	}
}

// The search finds by exact code, by any barcode, by name prefix in any
// case and by a part of the name.
func TestFindItems(t *testing.T) {
	db := openTest(t)
	catalogueFixture(t, db, 40)
	ctx := context.Background()
	for q, want := range map[string]string{
		"00012":               "00012",
		EAN13("460000200012"): "00012",
		`PLU\12`:              "00012",
		"товар 0003":          "00030",
		"00039 «":             "00039",
	} {
		got, err := db.FindItems(ctx, q, 20, true)
		if err != nil || len(got) == 0 || got[0].Code != want {
			t.Errorf("%q: %v %v", q, codes(got), err)
		}
	}
	if got, _ := db.FindItems(ctx, "Товар", 20, false); len(got) != 20 {
		t.Errorf("limit: %d", len(got))
	}
	if got, _ := db.FindItems(ctx, "0039 «т", 20, false); len(got) != 0 {
		t.Errorf("contains asked without contains: %v", codes(got))
	}
}

func codes(items []CatalogueItem) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Code)
	}
	return out
}

// hookReader calls hook before the n-th record.
type hookReader struct {
	exchange.Reader
	n    int
	hook func()
}

func (h *hookReader) Next() (exchange.Record, error) {
	h.n--
	if h.n == 0 {
		h.hook()
	}
	return h.Reader.Next()
}

// Reading and checking a file takes no write lock: the till writes (sells,
// edits) while an import reads its file, and what it wrote in the meantime
// is checked against, not overwritten.
func TestImportReadsWithoutTheWriteLock(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	rules := ruRules(t, "csv")
	text := "code,barcodes,name,price,vat\r\n9001,4600000010038,Молоко,89.90,10\r\n9002,4600000010045,Кефир,79.90,10\r\n"
	r := &hookReader{Reader: exchange.NewCSVReader(strings.NewReader(text)), n: 2, hook: func() {
		wctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		it := CatalogueItem{Code: "A1", Barcodes: []string{"4600000010045"}, Name: "Другой", Price: 1, VAT: "10", Active: true}
		if _, err := db.SaveCatalogueItem(wctx, it, rules, Actor{}); err != nil {
			t.Errorf("a write while the import reads: %v", err)
		}
	}}
	res, err := db.ImportCatalogue(ctx, r, ImportOptions{Rules: rules, Format: "csv"}, Actor{})
	if !errors.Is(err, ErrImportRefused) || res.Rejected != 1 || res.Problems[0].Reason != exchange.ReasonBarcodeTwice || res.Problems[0].Line != 3 {
		t.Fatalf("%v\n%s", err, res.Summary())
	}
	if found, _ := db.FindItems(ctx, "9001", 5, false); len(found) != 0 {
		t.Error("refused import left an item")
	}
}

// A barcode given to another item between the import's check and its
// apply is caught by the second check: the import is refused, the other
// item keeps its barcode.
func TestImportChecksAgainUnderTheWriteLock(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	rules := ruRules(t, "csv")
	testHookBetweenPhases = func() {
		it := CatalogueItem{Code: "A1", Barcodes: []string{"4600000010045"}, Name: "Другой", Price: 1, VAT: "10", Active: true}
		if _, err := db.SaveCatalogueItem(ctx, it, rules, Actor{}); err != nil {
			t.Errorf("a write between the phases: %v", err)
		}
	}
	defer func() { testHookBetweenPhases = nil }()
	text := "code,barcodes,name,price,vat\r\n9001,4600000010038,Молоко,89.90,10\r\n9002,4600000010045,Кефир,79.90,10\r\n"
	res, err := importText(t, db, "csv", text, false)
	if !errors.Is(err, ErrImportRefused) || res.Rejected != 1 || res.Problems[0].Line != 3 || res.Problems[0].Reason != exchange.ReasonBarcodeTwice {
		t.Fatalf("%v\n%s", err, res.Summary())
	}
	if found, _ := db.FindItems(ctx, "4600000010045", 5, false); len(found) != 1 || found[0].Code != "A1" {
		t.Errorf("%v", codes(found))
	}
}

// Columns a file does not have keep the till's values: a CSV of prices
// only changes prices.
func TestImportKeepsWhatTheFileDoesNotCarry(t *testing.T) {
	db := openTest(t)
	catalogueFixture(t, db, 12)
	before := snapshot(t, db)
	res, err := importText(t, db, "csv", "code,name,price,vat\r\n00006,Товар 00006 «тест»,5.00,10\r\n", false)
	if err != nil || res.Changed != 1 {
		t.Fatalf("%v\n%s", err, res.Summary())
	}
	after := snapshot(t, db)
	want := before[5]
	want.Price, want.VAT = 500, "10"
	if d := cmp.Diff(want, after[5]); d != "" {
		t.Error(d)
	}
	if d := cmp.Diff(before[6:], after[6:]); d != "" {
		t.Error(d)
	}
}

// The statements matching staged lines with items go through the partial
// code index: a join on code alone does not imply `code <> ”`, and then
// SQLite compared every line of a 100k file with every item.
func TestImportJoinsUseTheCodeIndex(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	conn, err := db.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	defer dropStaging(ctx, conn)
	if _, err := conn.ExecContext(ctx, stagingDDL+`;
		CREATE TEMP TABLE imp_new(line INTEGER); CREATE TEMP TABLE imp_changed(line INTEGER);
		CREATE INDEX temp.imp_items_code ON imp_items(code); CREATE INDEX temp.imp_barcodes_line ON imp_barcodes(line, first)`); err != nil {
		t.Fatal(err)
	}
	for name, q := range map[string]string{"new": newLinesSQL, "changed": changedLinesSQL, "audit": auditSQL, "barcodes": extraBarcodesSQL} {
		rows, err := conn.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var plan string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan += detail + "\n"
		}
		rows.Close()
		if !strings.Contains(plan, "items_code") || strings.Contains(plan, "SCAN i\n") {
			t.Errorf("%s does not use items_code:\n%s", name, plan)
		}
	}
}

// The same file imported twice changes nothing the second time: a file's
// empty unit is "not given" (the item's kind's default on a new item, the
// item's own unit on an existing one). Before, the insert defaulted it to
// "pcs" and the next import wrote the empty cell back, so a daily full file
// counted — and rewrote and audited — every item as changed.
func TestImportSameFileTwiceChangesNothing(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	rules := ruRules(t, "csv")
	text := "code,barcodes,name,receipt_name,price,vat,unit,weighed,marking,department,group,active\r\n" +
		"9001,4600000010038,Молоко,,89.90,10,,0,0,1,,1\r\n" +
		"9002,,Яблоки,,129.90,10,,1,0,1,,1\r\n" +
		"9003,4600000010045,Кефир,,79.90,10,л,0,0,1,,1\r\n"
	imp := func() ImportResult {
		res, err := db.ImportCatalogue(ctx, exchange.NewCSVReader(strings.NewReader(text)), ImportOptions{Rules: rules, Format: "csv"}, Actor{})
		if err != nil {
			t.Fatalf("%v\n%s", err, res.Summary())
		}
		return res
	}
	if res := imp(); res.New != 3 {
		t.Fatalf("first import: %s", res.Summary())
	}
	if res := imp(); res.Changed != 0 || res.Unchanged != 3 {
		t.Fatalf("the same file again: %s", res.Summary())
	}
	for code, unit := range map[string]string{"9001": "pcs", "9002": "kg", "9003": "л"} {
		found, err := db.FindItems(ctx, code, 1, false)
		if err != nil || len(found) != 1 || found[0].Unit != unit {
			t.Errorf("%s: %+v %v, want unit %q", code, found, err, unit)
		}
	}
}
