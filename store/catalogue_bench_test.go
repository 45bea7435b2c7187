package store

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/tillpos/till/exchange"
)

// bench100k is a 100k-item CSV as a shop's ERP writes it: code, one
// barcode, a Cyrillic name, price, VAT, unit, group.
var bench100k = func() string {
	var b strings.Builder
	b.WriteString("code,barcodes,name,price,vat,unit,weighed,group\r\n")
	vats := []string{"20", "10", "0", "none"}
	for i := range 100_000 {
		fmt.Fprintf(&b, "%06d,%s,Товар %06d молочный,%d.%02d,%s,pcs,0,Группа %d\r\n",
			i, EAN13(fmt.Sprintf("46%010d", i)), i, 10+i%5000, i%100, vats[i%4], i%50)
	}
	return b.String()
}()

// BenchmarkImport100k: the CSV parsed, every row checked (barcode check
// digit, name characters, VAT, price), staged, checked across the file and
// the catalogue, committed in one transaction.
func BenchmarkImport100k(b *testing.B) {
	ctx := context.Background()
	rules := ruRules(b, "csv")
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db := openTest(b)
		b.StartTimer()
		res, err := db.ImportCatalogue(ctx, exchange.NewCSVReader(strings.NewReader(bench100k)),
			ImportOptions{Rules: rules, Format: "csv", Source: "bench.csv"}, Actor{})
		if err != nil || res.New != 100_000 {
			b.Fatalf("%v\n%s", err, res.Summary())
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
}

// BenchmarkImport100kBaseline is the floor: the same rows, already split,
// bulk-inserted in one transaction with one prepared statement, no checks.
func BenchmarkImport100kBaseline(b *testing.B) {
	ctx := context.Background()
	lines := strings.Split(strings.TrimSpace(bench100k), "\r\n")[1:]
	rows := make([][]string, len(lines))
	for i, l := range lines {
		rows[i] = strings.Split(l, ",")
	}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db := openTest(b)
		b.StartTimer()
		tx, err := db.db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		st, err := tx.PrepareContext(ctx, `INSERT INTO items(code, barcode, name, price, vat, unit, weighed, grp) VALUES(?,?,?,?,?,?,?,?)`)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range rows {
			if _, err := st.ExecContext(ctx, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]); err != nil {
				b.Fatal(err)
			}
		}
		st.Close()
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
}

func benchCatalogue(b *testing.B) *DB {
	b.Helper()
	db := openTest(b)
	res, err := db.ImportCatalogue(context.Background(), exchange.NewCSVReader(strings.NewReader(bench100k)),
		ImportOptions{Rules: ruRules(b, "csv"), Format: "csv"}, Actor{})
	if err != nil || res.New != 100_000 {
		b.Fatalf("%v\n%s", err, res.Summary())
	}
	return db
}

// BenchmarkSearchItems: the back office's search on 100k items, a name
// prefix typed in lower case, 20 results (code and barcode lookups first,
// then the NOCASE name range).
func BenchmarkSearchItems(b *testing.B) {
	db := benchCatalogue(b)
	ctx := context.Background()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		q := fmt.Sprintf("товар %04d", i%1000)
		got, err := db.FindItems(ctx, q, 20, false)
		if err != nil || len(got) != 20 {
			b.Fatalf("%q: %d %v", q, len(got), err)
		}
		i++
	}
}

// BenchmarkSearchItemsBaseline: one indexed SELECT of the same 20 rows.
func BenchmarkSearchItemsBaseline(b *testing.B) {
	db := benchCatalogue(b)
	ctx := context.Background()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		q := fmt.Sprintf("Товар %04d", i%1000)
		rows, err := db.db.QueryContext(ctx, `SELECT `+catalogueCols+` FROM items
			WHERE name >= ?1 COLLATE NOCASE AND name < (?1 || char(1114111)) COLLATE NOCASE ORDER BY name COLLATE NOCASE LIMIT 20`, q)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for rows.Next() {
			if _, err := scanCatalogue(rows); err != nil {
				b.Fatal(err)
			}
			n++
		}
		rows.Close()
		if n != 20 {
			b.Fatalf("%q: %d", q, n)
		}
		i++
	}
}
