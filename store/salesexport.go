package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/tillpos/till/sale"
)

// SoldBill is a fiscalised bill as the sales export sends it back to the
// accounting system: the bill with lines and payments, its cashier's name
// and the exchange codes of its items.
type SoldBill struct {
	Bill    sale.Bill
	Cashier string
	Codes   map[sale.ItemID]string // item ID -> exchange code, for the bill's items
}

// SoldBills calls fn with every fiscalised sale and return whose fiscal
// document time is in [from, to), oldest first, from one read transaction
// (the export is one state of the journal).
func (d *DB) SoldBills(ctx context.Context, from, to time.Time, fn func(SoldBill) error) error {
	tx, err := d.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("sales export: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT `+billCols+`, COALESCE(u.full_name, '')
		FROM bills b JOIN fiscal_docs f ON f.bill_id = b.id LEFT JOIN users u ON u.id = b.cashier_id
		WHERE b.state = ? AND f.time >= ? AND f.time < ? ORDER BY f.time, b.id`,
		int(sale.StateFiscalised), us(from), us(to))
	if err != nil {
		return fmt.Errorf("sales export: %w", err)
	}
	var bills []SoldBill
	for rows.Next() {
		var sb SoldBill
		var err error
		sb.Bill, err = scanBill(scanWithTail{rows, &sb.Cashier})
		if err != nil {
			rows.Close()
			return fmt.Errorf("sales export: %w", err)
		}
		bills = append(bills, sb)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sales export: %w", err)
	}
	for _, sb := range bills {
		if err := loadParts(ctx, tx, &sb.Bill); err != nil {
			return err
		}
		sb.Codes = map[sale.ItemID]string{}
		for _, l := range sb.Bill.Lines {
			if l.Item == 0 {
				continue
			}
			var code string
			err := tx.QueryRowContext(ctx, `SELECT code FROM items WHERE id = ?`, int64(l.Item)).Scan(&code)
			if err != nil && err != sql.ErrNoRows {
				return fmt.Errorf("sales export: %w", err)
			}
			sb.Codes[l.Item] = code
		}
		if err := fn(sb); err != nil {
			return err
		}
	}
	return nil
}

// scanWithTail scans the bill's columns and one more at the end.
type scanWithTail struct {
	r    rowScanner
	tail any
}

func (s scanWithTail) Scan(dest ...any) error { return s.r.Scan(append(dest, s.tail)...) }
