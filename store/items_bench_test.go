package store

import (
	"context"
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
		if err := db.db.QueryRowContext(ctx, `SELECT id FROM items WHERE barcode = ?`, items[i%200].Barcode).Scan(&id); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
