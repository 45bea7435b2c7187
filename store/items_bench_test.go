package store

import (
	"context"
	"strings"
	"testing"
)

// BenchmarkItemByBarcode is the scan hot path on the demo catalogue.
func BenchmarkItemByBarcode(b *testing.B) {
	db := openTest(b)
	ctx := context.Background()
	if err := db.SeedDemo(ctx); err != nil {
		b.Fatal(err)
	}
	items := DemoItems()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if _, err := db.ItemByBarcode(ctx, items[i%200].Barcode); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkItemByBarcodeBaseline is the floor: the same indexed SELECT of
// one column through database/sql, without mapping to sale.Item.
func BenchmarkItemByBarcodeBaseline(b *testing.B) {
	db := openTest(b)
	ctx := context.Background()
	if err := db.SeedDemo(ctx); err != nil {
		b.Fatal(err)
	}
	items := DemoItems()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		var id int64
		if err := db.db.QueryRowContext(ctx, `SELECT id FROM items WHERE barcode = ? AND barcode <> ''`, items[i%200].Barcode).Scan(&id); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// The scan lookup is served by the barcode index: SQLite uses the partial
// index only when the query implies its WHERE, and a full scan of a 100k
// catalogue costs milliseconds per scan.
func TestItemByBarcodeUsesTheIndex(t *testing.T) {
	db := openTest(t)
	var plan string
	rows, err := db.db.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+itemByBarcodeQuery, "4600000000008")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan += detail + "\n"
	}
	if !strings.Contains(plan, "USING INDEX items_barcode") {
		t.Errorf("plan:\n%s", plan)
	}
}
