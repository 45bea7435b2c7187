package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/tillpos/till/sale"
)

// itemByBarcodeQuery is served by the unique barcode index. The index is
// partial (generic items have no barcode), and SQLite uses a partial index
// only when the query itself implies its WHERE: `barcode = ?` alone cannot,
// so without the second term every scan read the whole catalogue.
const itemByBarcodeQuery = `SELECT id, barcode, name, price, vat, weighed, dept, active FROM items WHERE barcode = ? AND barcode <> ''`

// extraBarcodeQuery finds an item by its second or further barcode
// (item_barcodes' primary key); asked only when the first query misses.
const extraBarcodeQuery = `SELECT i.id, b.barcode, i.name, i.price, i.vat, i.weighed, i.dept, i.active
	FROM item_barcodes b JOIN items i ON i.id = b.item_id WHERE b.barcode = ?`

// ItemByBarcode is on the scan hot path: one query on the barcode index,
// and a second on item_barcodes only when the first misses. ErrNotFound
// (wrapping sale.ErrNotFound too) when no item has the code, "" included,
// and when the item is deactivated (off sale).
func (d *DB) ItemByBarcode(ctx context.Context, barcode string) (sale.Item, error) {
	var it sale.Item
	var id int64
	var active bool
	err := d.db.QueryRowContext(ctx, itemByBarcodeQuery, barcode).
		Scan(&id, &it.Barcode, &it.Name, &it.Price, (*string)(&it.VAT), &it.Weighed, &it.Dept, &active)
	if errors.Is(err, sql.ErrNoRows) && barcode != "" {
		err = d.db.QueryRowContext(ctx, extraBarcodeQuery, barcode).
			Scan(&id, &it.Barcode, &it.Name, &it.Price, (*string)(&it.VAT), &it.Weighed, &it.Dept, &active)
	}
	if errors.Is(err, sql.ErrNoRows) || err == nil && !active {
		return sale.Item{}, fmt.Errorf("item %s: %w", barcode, errors.Join(ErrNotFound, sale.ErrNotFound))
	}
	if err != nil {
		return it, fmt.Errorf("item %s: %w", barcode, err)
	}
	it.ID = sale.ItemID(id)
	return it, nil
}

// Item returns an item by ID.
func (d *DB) Item(ctx context.Context, id sale.ItemID) (sale.Item, error) {
	var it sale.Item
	err := d.db.QueryRowContext(ctx, `SELECT id, barcode, name, price, vat, weighed, dept FROM items WHERE id = ?`, int64(id)).
		Scan((*int64)(&it.ID), &it.Barcode, &it.Name, &it.Price, (*string)(&it.VAT), &it.Weighed, &it.Dept)
	if errors.Is(err, sql.ErrNoRows) {
		return it, fmt.Errorf("item #%d: %w", id, errors.Join(ErrNotFound, sale.ErrNotFound))
	}
	if err != nil {
		return it, fmt.Errorf("item #%d: %w", id, err)
	}
	return it, nil
}

// SearchItems returns up to limit items whose name starts with prefix
// (case-insensitive for ASCII; SQLite's NOCASE does not fold Cyrillic, so
// the prefix is also tried with its first letter upper-cased, which is how
// catalogue names are written). The range scan uses the NOCASE name index.
func (d *DB) SearchItems(ctx context.Context, prefix string, limit int) ([]sale.Item, error) {
	prefix = strings.TrimSpace(prefix)
	if limit <= 0 {
		limit = 50
	}
	variants := []string{prefix}
	if r := []rune(prefix); len(r) > 0 {
		up := string(append([]rune(strings.ToUpper(string(r[0]))), r[1:]...))
		low := strings.ToLower(prefix)
		for _, v := range []string{up, low} {
			if v != prefix {
				variants = append(variants, v)
			}
		}
	}
	seen := map[sale.ItemID]bool{}
	var out []sale.Item
	for _, p := range variants {
		// name >= p AND name < p+U+10FFFF is a prefix range the index serves
		// (LIKE would need case_sensitive_like and ASCII only).
		rows, err := d.db.QueryContext(ctx, `SELECT id, barcode, name, price, vat, weighed, dept FROM items
			WHERE name >= ?1 COLLATE NOCASE AND name < (?1 || char(1114111)) COLLATE NOCASE AND active = 1
			ORDER BY name COLLATE NOCASE LIMIT ?2`, p, limit)
		if err != nil {
			return nil, fmt.Errorf("search items %q: %w", prefix, err)
		}
		for rows.Next() {
			var it sale.Item
			if err := rows.Scan((*int64)(&it.ID), &it.Barcode, &it.Name, &it.Price, (*string)(&it.VAT), &it.Weighed, &it.Dept); err != nil {
				rows.Close()
				return nil, fmt.Errorf("search items %q: %w", prefix, err)
			}
			if !seen[it.ID] && len(out) < limit {
				seen[it.ID] = true
				out = append(out, it)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("search items %q: %w", prefix, err)
		}
	}
	return out, nil
}

// PutItem inserts an item (ID 0) or replaces it by ID, and returns its ID.
// A barcode already used by another item wraps ErrExists.
func (d *DB) PutItem(ctx context.Context, it sale.Item) (sale.ItemID, error) {
	id := int64(it.ID)
	err := d.tx(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = putItem(ctx, tx, it, false)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("save item %q: %w", it.Name, err)
	}
	return sale.ItemID(id), nil
}

func putItem(ctx context.Context, tx *sql.Tx, it sale.Item, generic bool) (int64, error) {
	if it.Dept == 0 {
		it.Dept = 1
	}
	var res sql.Result
	var err error
	if it.ID == 0 {
		res, err = tx.ExecContext(ctx, `INSERT INTO items(barcode, name, price, vat, weighed, dept, generic) VALUES(?,?,?,?,?,?,?)`,
			it.Barcode, it.Name, it.Price, string(it.VAT), it.Weighed, it.Dept, generic)
	} else {
		res, err = tx.ExecContext(ctx, `INSERT INTO items(id, barcode, name, price, vat, weighed, dept, generic) VALUES(?,?,?,?,?,?,?,?)
			ON CONFLICT(id) DO UPDATE SET barcode=excluded.barcode, name=excluded.name, price=excluded.price,
			vat=excluded.vat, weighed=excluded.weighed, dept=excluded.dept, generic=excluded.generic`,
			int64(it.ID), it.Barcode, it.Name, it.Price, string(it.VAT), it.Weighed, it.Dept, generic)
	}
	if isUnique(err) {
		return 0, fmt.Errorf("barcode %s: %w", it.Barcode, ErrExists)
	}
	if err != nil {
		return 0, err
	}
	if it.ID != 0 {
		return int64(it.ID), nil
	}
	id, err := res.LastInsertId()
	if err != nil || generic {
		return id, err
	}
	// An item made here (the demo's) takes its id as its exchange code, as
	// migration 0008 did for older ones; a code an import already gave
	// another item leaves this one without (OR IGNORE).
	_, err = tx.ExecContext(ctx, `UPDATE OR IGNORE items SET code = CAST(id AS TEXT) WHERE id = ? AND code = ''`, id)
	return id, err
}

// GenericItem returns the catalogue's generic item (sold with a typed
// price); ErrNotFound if the catalogue has none.
func (d *DB) GenericItem(ctx context.Context) (sale.Item, error) {
	var id int64
	err := d.db.QueryRowContext(ctx, `SELECT id FROM items WHERE generic = 1 ORDER BY id LIMIT 1`).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return sale.Item{}, fmt.Errorf("generic item: %w", ErrNotFound)
	}
	if err != nil {
		return sale.Item{}, fmt.Errorf("generic item: %w", err)
	}
	return d.Item(ctx, sale.ItemID(id))
}
