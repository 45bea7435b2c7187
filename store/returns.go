package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/tillpos/till/sale"
)

// Returns of a sale: what has already been taken back of each sold line, so
// a receipt cannot be refunded twice or for more than it sold.

// ReturnedLines returns the lines (not voided) of every return bill of sale
// orig that is not cancelled, except bill except (the return being rung
// up). Open and parked returns count: they hold their quantities until they
// are cancelled, so two returns of one receipt cannot both take the same
// goods back. Each line carries ReturnOf, the sale line it takes back.
func (r *BillRepo) ReturnedLines(ctx context.Context, orig, except sale.BillID) ([]sale.Line, error) {
	rows, err := r.d.db.QueryContext(ctx, `SELECT l.id, l.return_of_line, l.qty_milli, l.unit_price,
		l.discount_kind, l.discount_value, l.vat
		FROM bills b JOIN bill_lines l ON l.bill_id = b.id
		WHERE b.return_of = ? AND b.kind = ? AND b.state <> ? AND b.id <> ? AND l.voided = 0
		ORDER BY l.id`,
		int64(orig), int64(sale.KindReturn), int64(sale.StateCancelled), int64(except))
	if err != nil {
		return nil, fmt.Errorf("returns of bill #%d: %w", orig, err)
	}
	defer rows.Close()
	var out []sale.Line
	for rows.Next() {
		var l sale.Line
		var retOf sql.NullInt64
		if err := rows.Scan((*int64)(&l.ID), &retOf, &l.QtyMilli, &l.UnitPrice, &l.Discount.Kind, &l.Discount.Value, (*string)(&l.VAT)); err != nil {
			return nil, fmt.Errorf("returns of bill #%d: %w", orig, err)
		}
		l.ReturnOf = sale.LineID(retOf.Int64)
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("returns of bill #%d: %w", orig, err)
	}
	return out, nil
}

// ReturnBills returns the IDs and FD numbers (0 while not fiscalised) of
// the return bills of sale orig that are not cancelled, oldest first: what
// a refused second return names.
func (r *BillRepo) ReturnBills(ctx context.Context, orig sale.BillID) ([]sale.Bill, error) {
	rows, err := r.d.db.QueryContext(ctx, `SELECT b.id, b.state, f.number FROM bills b LEFT JOIN fiscal_docs f ON f.bill_id = b.id
		WHERE b.return_of = ? AND b.kind = ? AND b.state <> ? ORDER BY b.id`,
		int64(orig), int64(sale.KindReturn), int64(sale.StateCancelled))
	if err != nil {
		return nil, fmt.Errorf("returns of bill #%d: %w", orig, err)
	}
	defer rows.Close()
	var out []sale.Bill
	for rows.Next() {
		b := sale.Bill{Kind: sale.KindReturn, ReturnOf: orig}
		var num sql.NullInt64
		if err := rows.Scan((*int64)(&b.ID), &b.State, &num); err != nil {
			return nil, fmt.Errorf("returns of bill #%d: %w", orig, err)
		}
		b.Fiscal.Number = uint32(num.Int64)
		out = append(out, b)
	}
	return out, rows.Err()
}

// SetApprover records the supervisor whose approval covers bill id (a
// return: the bill and its payout); 0 clears it.
func (r *BillRepo) SetApprover(ctx context.Context, id sale.BillID, approver int64) error {
	var v any
	if approver != 0 {
		v = approver
	}
	res, err := r.d.db.ExecContext(ctx, `UPDATE bills SET approved_by = ? WHERE id = ?`, v, int64(id))
	if err != nil {
		return fmt.Errorf("approver of bill #%d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound(id)
	}
	return nil
}

// Approver is the supervisor recorded by SetApprover, 0 if none.
func (r *BillRepo) Approver(ctx context.Context, id sale.BillID) (int64, error) {
	var v sql.NullInt64
	err := r.d.db.QueryRowContext(ctx, `SELECT approved_by FROM bills WHERE id = ?`, int64(id)).Scan(&v)
	if err == sql.ErrNoRows {
		return 0, notFound(id)
	}
	if err != nil {
		return 0, fmt.Errorf("approver of bill #%d: %w", id, err)
	}
	return v.Int64, nil
}
