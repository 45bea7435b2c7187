package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/sale"
)

// BillRepo stores bills and their fiscal journal: it implements sale.Bills
// and sale.Journal. Every call is one transaction committed with
// synchronous=FULL before it returns, so a crash never loses a change the
// sale core was told about.
type BillRepo struct{ d *DB }

var (
	_ sale.Bills   = (*BillRepo)(nil)
	_ sale.Journal = (*BillRepo)(nil)
)

// Bills returns the bill repository.
func (d *DB) Bills() *BillRepo { return &BillRepo{d: d} }

// now is the clock for stored times, truncated to what is stored so a
// returned value equals what a later Get reads.
func now() time.Time { return fromUS(us(time.Now())) }

func notFound(id sale.BillID) error {
	return fmt.Errorf("bill #%d: %w", id, errors.Join(sale.ErrNotFound, ErrNotFound))
}

// casState moves bill id from one of from to `to` (setting updated), or
// returns ErrNotFound / ErrStateConflict. It is the compare-and-set every
// change runs first, in the change's transaction.
func casState(ctx context.Context, tx *sql.Tx, id sale.BillID, to sale.BillState, from ...sale.BillState) error {
	q := `UPDATE bills SET state = ?, updated = ? WHERE id = ? AND state IN (?`
	args := []any{int64(to), us(time.Now()), int64(id), int64(from[0])}
	for _, f := range from[1:] {
		q += `,?`
		args = append(args, int64(f))
	}
	res, err := tx.ExecContext(ctx, q+`)`, args...)
	if err != nil {
		return fmt.Errorf("bill #%d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	var st int64
	err = tx.QueryRowContext(ctx, `SELECT state FROM bills WHERE id = ?`, int64(id)).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound(id)
	}
	if err != nil {
		return fmt.Errorf("bill #%d: %w", id, err)
	}
	return fmt.Errorf("bill #%d is %s: %w", id, sale.BillState(st), sale.ErrStateConflict)
}

// touchOpen is casState(Open -> Open): the bill must be open; its updated
// time moves.
func touchOpen(ctx context.Context, tx *sql.Tx, id sale.BillID) error {
	return casState(ctx, tx, id, sale.StateOpen, sale.StateOpen)
}

func (r *BillRepo) Create(ctx context.Context, b sale.Bill) (sale.Bill, error) {
	if b.Kind != sale.KindSale && b.Kind != sale.KindReturn {
		return sale.Bill{}, fmt.Errorf("create bill: unknown kind %d", b.Kind)
	}
	t := now()
	out := sale.Bill{Kind: b.Kind, State: sale.StateOpen, CashierID: b.CashierID, ReturnOf: b.ReturnOf, Opened: t, Updated: t}
	err := r.d.tx(ctx, func(tx *sql.Tx) error {
		var ret any
		if b.ReturnOf != 0 {
			ret = int64(b.ReturnOf)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO bills(kind, state, cashier_id, return_of, opened, updated) VALUES(?,?,?,?,?,?)`,
			int64(b.Kind), int64(sale.StateOpen), b.CashierID, ret, us(t), us(t))
		if err != nil {
			return err
		}
		id, err := res.LastInsertId()
		out.ID = sale.BillID(id)
		return err
	})
	if err != nil {
		return sale.Bill{}, fmt.Errorf("create bill for cashier #%d: %w", b.CashierID, err)
	}
	return out, nil
}

func (r *BillRepo) Get(ctx context.Context, id sale.BillID) (sale.Bill, error) {
	tx, err := r.d.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return sale.Bill{}, fmt.Errorf("bill #%d: %w", id, err)
	}
	defer tx.Rollback()
	return getBill(ctx, tx, id)
}

const billCols = `b.id, b.kind, b.state, b.cashier_id, b.return_of, b.opened, b.updated, b.discount_kind, b.discount_value,
	b.fiscal_expected, b.fiscal_kind, b.fiscal_total, b.fiscal_attempts, b.fiscal_started, b.fiscal_reason,
	f.number, f.sign, f.time, f.shift`

func scanBill(r rowScanner) (sale.Bill, error) {
	var b sale.Bill
	var retOf, fNum, fSign, fTime, fShift sql.NullInt64
	var opened, updated, started int64
	err := r.Scan((*int64)(&b.ID), &b.Kind, &b.State, &b.CashierID, &retOf, &opened, &updated, &b.Discount.Kind, &b.Discount.Value,
		&b.Fiscal.Expected, &b.Fiscal.Kind, &b.Fiscal.Total, &b.Fiscal.Attempts, &started, &b.Fiscal.Reason,
		&fNum, &fSign, &fTime, &fShift)
	if err != nil {
		return b, err
	}
	b.ReturnOf = sale.BillID(retOf.Int64)
	b.Opened, b.Updated, b.Fiscal.StartedAt = fromUS(opened), fromUS(updated), fromUS(started)
	if fNum.Valid {
		b.Fiscal.Number, b.Fiscal.Sign = uint32(fNum.Int64), uint32(fSign.Int64)
		b.Fiscal.Time, b.Fiscal.Shift = fromUS(fTime.Int64), uint16(fShift.Int64)
	}
	return b, nil
}

func getBill(ctx context.Context, tx *sql.Tx, id sale.BillID) (sale.Bill, error) {
	b, err := scanBill(tx.QueryRowContext(ctx, `SELECT `+billCols+` FROM bills b LEFT JOIN fiscal_docs f ON f.bill_id = b.id WHERE b.id = ?`, int64(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return b, notFound(id)
	}
	if err != nil {
		return b, fmt.Errorf("bill #%d: %w", id, err)
	}
	if err := loadParts(ctx, tx, &b); err != nil {
		return b, err
	}
	return b, nil
}

func loadParts(ctx context.Context, tx *sql.Tx, b *sale.Bill) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, item_id, barcode, name, qty_milli, unit_price, vat, dept, marking,
		discount_kind, discount_value, manual_price, voided, added, return_of_line FROM bill_lines WHERE bill_id = ? ORDER BY id`, int64(b.ID))
	if err != nil {
		return fmt.Errorf("lines of bill #%d: %w", b.ID, err)
	}
	for rows.Next() {
		var l sale.Line
		var item, retOf sql.NullInt64
		var added int64
		if err := rows.Scan((*int64)(&l.ID), &item, &l.Barcode, &l.Name, &l.QtyMilli, &l.UnitPrice, (*string)(&l.VAT), &l.Dept, &l.Marking,
			&l.Discount.Kind, &l.Discount.Value, &l.ManualPrice, &l.Voided, &added, &retOf); err != nil {
			rows.Close()
			return fmt.Errorf("lines of bill #%d: %w", b.ID, err)
		}
		l.Item, l.Added, l.ReturnOf = sale.ItemID(item.Int64), fromUS(added), sale.LineID(retOf.Int64)
		b.Lines = append(b.Lines, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("lines of bill #%d: %w", b.ID, err)
	}
	rows, err = tx.QueryContext(ctx, `SELECT id, kind, amount, at FROM payments WHERE bill_id = ? ORDER BY id`, int64(b.ID))
	if err != nil {
		return fmt.Errorf("payments of bill #%d: %w", b.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var p sale.Payment
		var at int64
		if err := rows.Scan((*int64)(&p.ID), &p.Kind, &p.Amount, &at); err != nil {
			return fmt.Errorf("payments of bill #%d: %w", b.ID, err)
		}
		p.At = fromUS(at)
		b.Payments = append(b.Payments, p)
	}
	return rows.Err()
}

func (r *BillRepo) AddLine(ctx context.Context, id sale.BillID, l sale.Line) (sale.LineID, error) {
	if l.Added.IsZero() {
		l.Added = time.Now()
	}
	var lid int64
	err := r.d.tx(ctx, func(tx *sql.Tx) error {
		if err := touchOpen(ctx, tx, id); err != nil {
			return err
		}
		var item, retOf any
		if l.Item != 0 {
			item = int64(l.Item)
		}
		if l.ReturnOf != 0 {
			retOf = int64(l.ReturnOf)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO bill_lines(bill_id, item_id, barcode, name, qty_milli, unit_price, vat, dept, marking,
			discount_kind, discount_value, manual_price, voided, added, return_of_line) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,0,?,?)`,
			int64(id), item, l.Barcode, l.Name, l.QtyMilli, l.UnitPrice, string(l.VAT), l.Dept, l.Marking,
			int64(l.Discount.Kind), l.Discount.Value, l.ManualPrice, us(l.Added), retOf)
		if err != nil {
			return fmt.Errorf("insert line: %w", err)
		}
		lid, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("add line to bill #%d: %w", id, err)
	}
	return sale.LineID(lid), nil
}

// lineChange runs an UPDATE on one line of an open bill and maps "no such
// line on this bill" to ErrNotFound.
func (r *BillRepo) lineChange(ctx context.Context, id sale.BillID, line sale.LineID, what, q string, args ...any) error {
	err := r.d.tx(ctx, func(tx *sql.Tx) error {
		if err := touchOpen(ctx, tx, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, q, append(args, int64(line), int64(id))...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("line #%d: %w", line, errors.Join(sale.ErrNotFound, ErrNotFound))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s on bill #%d: %w", what, id, err)
	}
	return nil
}

func (r *BillRepo) UpdateLine(ctx context.Context, id sale.BillID, l sale.Line) error {
	return r.lineChange(ctx, id, l.ID, "update line",
		`UPDATE bill_lines SET qty_milli=?, unit_price=?, discount_kind=?, discount_value=?, manual_price=? WHERE id=? AND bill_id=? AND voided=0`,
		l.QtyMilli, l.UnitPrice, int64(l.Discount.Kind), l.Discount.Value, l.ManualPrice)
}

func (r *BillRepo) VoidLine(ctx context.Context, id sale.BillID, line sale.LineID) error {
	return r.lineChange(ctx, id, line, "void line", `UPDATE bill_lines SET voided=1 WHERE id=? AND bill_id=?`)
}

func (r *BillRepo) SetDiscount(ctx context.Context, id sale.BillID, d sale.Discount) error {
	err := r.d.tx(ctx, func(tx *sql.Tx) error {
		if err := touchOpen(ctx, tx, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE bills SET discount_kind=?, discount_value=? WHERE id=?`, int64(d.Kind), d.Value, int64(id))
		return err
	})
	if err != nil {
		return fmt.Errorf("set discount on bill #%d: %w", id, err)
	}
	return nil
}

func (r *BillRepo) AddPayment(ctx context.Context, id sale.BillID, p sale.Payment) (sale.PaymentID, error) {
	if p.At.IsZero() {
		p.At = time.Now()
	}
	var pid int64
	err := r.d.tx(ctx, func(tx *sql.Tx) error {
		if err := touchOpen(ctx, tx, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO payments(bill_id, kind, amount, at) VALUES(?,?,?,?)`, int64(id), int64(p.Kind), p.Amount, us(p.At))
		if err != nil {
			return err
		}
		pid, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("add payment to bill #%d: %w", id, err)
	}
	return sale.PaymentID(pid), nil
}

func (r *BillRepo) RemovePayment(ctx context.Context, id sale.BillID, p sale.PaymentID) error {
	err := r.d.tx(ctx, func(tx *sql.Tx) error {
		if err := touchOpen(ctx, tx, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM payments WHERE id=? AND bill_id=?`, int64(p), int64(id))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("payment #%d: %w", p, errors.Join(sale.ErrNotFound, ErrNotFound))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("remove payment from bill #%d: %w", id, err)
	}
	return nil
}

// SetState allows only the non-fiscal moves of the state diagram: park,
// recall, cancel. Anything else is ErrStateConflict without a change.
func (r *BillRepo) SetState(ctx context.Context, id sale.BillID, from, to sale.BillState) error {
	ok := (from == sale.StateOpen && (to == sale.StateParked || to == sale.StateCancelled)) ||
		(from == sale.StateParked && to == sale.StateOpen)
	if !ok {
		return fmt.Errorf("bill #%d: %s -> %s is not a move SetState makes: %w", id, from, to, sale.ErrStateConflict)
	}
	err := r.d.tx(ctx, func(tx *sql.Tx) error { return casState(ctx, tx, id, to, from) })
	if err != nil {
		return fmt.Errorf("bill #%d %s -> %s: %w", id, from, to, err)
	}
	return nil
}

func (r *BillRepo) Unfinished(ctx context.Context) ([]sale.Bill, error) {
	return r.byStates(ctx, "unfinished bills", sale.StateOpen, sale.StateParked)
}

func (r *BillRepo) Stuck(ctx context.Context) ([]sale.Bill, error) {
	return r.byStates(ctx, "bills being fiscalised", sale.StateFiscalising)
}

// Conflicts returns bills a human must look at (register held a document
// that did not match), oldest first.
func (r *BillRepo) Conflicts(ctx context.Context) ([]sale.Bill, error) {
	return r.byStates(ctx, "bills in conflict", sale.StateConflict)
}

func (r *BillRepo) byStates(ctx context.Context, what string, states ...sale.BillState) ([]sale.Bill, error) {
	tx, err := r.d.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer tx.Rollback()
	q := `SELECT ` + billCols + ` FROM bills b LEFT JOIN fiscal_docs f ON f.bill_id = b.id WHERE b.state IN (?`
	args := []any{int64(states[0])}
	for _, s := range states[1:] {
		q += `,?`
		args = append(args, int64(s))
	}
	rows, err := tx.QueryContext(ctx, q+`) ORDER BY b.opened, b.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	var out []sale.Bill
	for rows.Next() {
		b, err := scanBill(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	for i := range out {
		if err := loadParts(ctx, tx, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (r *BillRepo) MarkFiscalising(ctx context.Context, id sale.BillID, f sale.Fiscal) error {
	if f.StartedAt.IsZero() {
		f.StartedAt = time.Now()
	}
	if f.Kind == 0 {
		f.Kind = device.Sale
	}
	err := r.d.tx(ctx, func(tx *sql.Tx) error {
		if err := casState(ctx, tx, id, sale.StateFiscalising, sale.StateOpen); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE bills SET fiscal_expected=?, fiscal_kind=?, fiscal_total=?, fiscal_started=?,
			fiscal_attempts = fiscal_attempts + 1, fiscal_reason='' WHERE id=?`,
			int64(f.Expected), int64(f.Kind), f.Total, us(f.StartedAt), int64(id))
		return err
	})
	if err != nil {
		return fmt.Errorf("mark bill #%d fiscalising: %w", id, err)
	}
	return nil
}

func (r *BillRepo) MarkFiscalised(ctx context.Context, id sale.BillID, f sale.Fiscal) error {
	err := r.d.tx(ctx, func(tx *sql.Tx) error {
		if err := casState(ctx, tx, id, sale.StateFiscalised, sale.StateFiscalising, sale.StateConflict); err != nil {
			return err
		}
		noteOutboxEvent(tx) // the receipt
		// The register's close reply carries no shift number (FF45h): when
		// the driver could not tell (0), the receipt belongs to the shift
		// the till recorded as open on that register.
		_, err := r.d.exec(ctx, tx, `INSERT INTO fiscal_docs(bill_id, number, sign, time, shift)
			VALUES(?,?,?,?, COALESCE(NULLIF(?, 0), (SELECT number FROM shifts WHERE closed IS NULL ORDER BY id DESC LIMIT 1), 0))`,
			int64(id), int64(f.Number), int64(f.Sign), us(f.Time), int64(f.Shift))
		return err
	})
	if err != nil {
		return fmt.Errorf("mark bill #%d fiscalised (FD %d): %w", id, f.Number, err)
	}
	return nil
}

func (r *BillRepo) MarkFailed(ctx context.Context, id sale.BillID, reason string) error {
	return r.markBack(ctx, id, "failed", sale.StateOpen, reason, sale.StateFiscalising, sale.StateConflict)
}

func (r *BillRepo) MarkConflict(ctx context.Context, id sale.BillID, reason string) error {
	return r.markBack(ctx, id, "conflict", sale.StateConflict, reason, sale.StateFiscalising)
}

func (r *BillRepo) markBack(ctx context.Context, id sale.BillID, what string, to sale.BillState, reason string, from ...sale.BillState) error {
	err := r.d.tx(ctx, func(tx *sql.Tx) error {
		if err := casState(ctx, tx, id, to, from...); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE bills SET fiscal_reason=? WHERE id=?`, reason, int64(id))
		return err
	})
	if err != nil {
		return fmt.Errorf("mark bill #%d %s: %w", id, what, err)
	}
	return nil
}
