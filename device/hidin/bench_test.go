package hidin

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/scan"
	"github.com/tillpos/till/store"
)

const catalogueSize = 100_000

// ean13 is the i-th barcode of the benchmark catalogue: prefix 460 (Russia),
// nine digits, check digit.
func ean13(i int) string {
	body := fmt.Sprintf("460%09d", i)
	c, _ := scan.CheckDigit(body)
	return body + string(c)
}

// benchDSN opens a file with the store's pragmas, for the bulk load and the
// baseline.
func benchDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "busy_timeout(5000)")
	return "file:" + path + "?" + q.Encode()
}

// catalogue creates a store with 100k items. The store's migrations create
// the schema; the rows go in through one bulk transaction (PutItem is one
// durable transaction per item: 100k fsyncs would take minutes).
func catalogue(b *testing.B) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "till.db")
	ctx := context.Background()
	db, err := store.Open(ctx, path, store.Options{KeyPath: filepath.Join(filepath.Dir(path), "key")})
	if err != nil {
		b.Fatal(err)
	}
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	raw, err := sql.Open("sqlite", benchDSN(path))
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	tx, err := raw.Begin()
	if err != nil {
		b.Fatal(err)
	}
	st, err := tx.Prepare(`INSERT INTO items(barcode, name, price, vat, weighed, dept) VALUES(?,?,?,?,0,1)`)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < catalogueSize; i++ {
		if _, err := st.Exec(ean13(i), fmt.Sprintf("Item %d", i), 100+i%5000, "20"); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return path
}

// scanReports is what a keyboard-mode scanner sends for one code: press and
// release per digit, then Enter.
func scanReports(code string) [][]byte {
	var out [][]byte
	for _, c := range code + "\r" {
		u := byte(0x28)
		switch {
		case c == '0':
			u = 0x27
		case c >= '1' && c <= '9':
			u = byte(0x1E + c - '1')
		}
		out = append(out, []byte{0, 0, u, 0, 0, 0, 0, 0}, make([]byte, 8))
	}
	return out
}

// BenchmarkScanToItem: boot reports of a 13-digit scan -> usage IDs decoded
// -> parsed and check digit verified -> Scan event -> item found through
// store.ItemByBarcode in a 100k-item catalogue. Compare with
// BenchmarkScanToItemBaseline, the bare indexed SELECT.
func BenchmarkScanToItem(b *testing.B) {
	path := catalogue(b)
	ctx := context.Background()
	db, err := store.Open(ctx, path, store.Options{KeyPath: filepath.Join(filepath.Dir(path), "key")})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	const n = 1024
	reports := make([][][]byte, n)
	for i := range reports {
		reports[i] = scanReports(ean13(i * 97 % catalogueSize))
	}
	p := newPipeline(DeviceConfig{
		Name: "scanner", Role: device.RoleScanner, Protocol: Boot, Terminators: []rune{scan.Enter},
		Idle: time.Second,
	})
	p.cfg.Reader.Source = device.Source{Name: "scanner", Role: device.RoleScanner}
	now := time.Now()
	i := 0
	b.ResetTimer()
	for b.Loop() {
		var evs []device.InputEvent
		for _, r := range reports[i%n] {
			evs = append(evs, p.report(now, r)...)
		}
		i++
		if len(evs) != 1 {
			b.Fatalf("events %v", evs)
		}
		s, ok := evs[0].(device.Scan)
		if !ok {
			b.Fatalf("event %#v", evs[0])
		}
		if _, err := db.ItemByBarcode(ctx, s.Item.GTIN); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScanToItemBaseline is the floor: the SELECT by barcode served by
// the unique index, same file and pragmas, no decoding. The index is partial
// (WHERE barcode <> ”), so SQLite uses it only when the query repeats that
// condition; a bare "barcode = ?" scans the table (EXPLAIN QUERY PLAN:
// SCAN items), which is what the ratio against BenchmarkScanToItem exposes.
func BenchmarkScanToItemBaseline(b *testing.B) {
	path := catalogue(b)
	raw, err := sql.Open("sqlite", benchDSN(path))
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	ctx := context.Background()
	const n = 1024
	codes := make([]string, n)
	for i := range codes {
		codes[i] = ean13(i * 97 % catalogueSize)
	}
	i := 0
	b.ResetTimer()
	for b.Loop() {
		var (
			id, price, dept int64
			bc, name, vat   string
			weighed         bool
		)
		err := raw.QueryRowContext(ctx, `SELECT id, barcode, name, price, vat, weighed, dept FROM items WHERE barcode = ? AND barcode <> ''`, codes[i%n]).
			Scan(&id, &bc, &name, &price, &vat, &weighed, &dept)
		i++
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScanDecode is the input side alone: boot reports of a 13-digit
// scan to a Scan event, no database.
func BenchmarkScanDecode(b *testing.B) {
	reports := scanReports(ean13(4242))
	p := newPipeline(DeviceConfig{Name: "scanner", Role: device.RoleScanner, Protocol: Boot, Terminators: []rune{scan.Enter}})
	now := time.Now()
	for b.Loop() {
		var evs []device.InputEvent
		for _, r := range reports {
			evs = append(evs, p.report(now, r)...)
		}
		if len(evs) != 1 {
			b.Fatal(evs)
		}
	}
}
