package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/tillpos/till/sale"
)

// The journal as the cashier reads it: bill history paged by keyset, receipt
// lookup, a cashier's own parked bills. Every query here is served by an
// index of migration 0004 and reads only the rows it returns
// (TestJournalQueryPlans reads the plans).

// Cursor is a place in the history: the (opened, id) of a bill. Pages are
// cut by keyset, not by offset, so a page a year back costs what today's
// does and a bill written meanwhile neither repeats nor hides a row.
type Cursor struct {
	Opened time.Time
	ID     sale.BillID
}

// CursorOf is the place of b in the history.
func CursorOf(b sale.Bill) Cursor { return Cursor{Opened: b.Opened, ID: b.ID} }

// IsZero reports the zero cursor (no place: the newest page).
func (c Cursor) IsZero() bool { return c.ID == 0 && c.Opened.IsZero() }

// JournalQuery is one page of the bill history.
type JournalQuery struct {
	Cashier int64     // only this cashier's bills; 0 = every cashier's (journal.view_all)
	Since   time.Time // nothing opened before (the user's journal depth); zero = no bound
	// Before gives the page of bills older than this place (the "Older"
	// button: the last row of the page on screen); After the page newer than
	// it ("Newer": the first row). Both zero: the newest page.
	Before, After Cursor
	Limit         int // rows per page; 0 = DefaultJournalPage
}

// DefaultJournalPage is the rows of one history page.
const DefaultJournalPage = 50

// JournalPage is a page of history, newest first. Bills carry their lines
// (what the history shows and totals) but not their payments: Get reads a
// whole bill when one is chosen.
type JournalPage struct {
	Bills []sale.Bill
	Older bool // there are bills older than the last row (within Since)
	Newer bool // there are bills newer than the first row
}

const journalLineCols = `l.id, l.item_id, l.barcode, l.name, l.qty_milli, l.unit_price, l.vat, l.dept, l.marking,
	l.discount_kind, l.discount_value, l.manual_price, l.voided, l.added`

// journalSQL is the page query: the page's bill ids by keyset on the
// history index, then those bills with their fiscal document and lines, in
// one statement. The redundant "opened <= ?" / "opened >= ?" bound gives
// the index range its far end; the OR then drops only the ties.
func journalSQL(own, newer bool) string {
	where := `opened >= ? AND opened <= ? AND (opened < ? OR (opened = ? AND id < ?))`
	order := `opened DESC, id DESC`
	if newer {
		where = `opened >= ? AND opened >= ? AND (opened > ? OR (opened = ? AND id > ?))`
		order = `opened, id`
	}
	if own {
		where = `cashier_id = ? AND ` + where
	}
	return `WITH page(id) AS (SELECT id FROM bills WHERE ` + where + ` ORDER BY ` + order + ` LIMIT ?)
	SELECT ` + billCols + `, ` + journalLineCols + `
	FROM page p JOIN bills b ON b.id = p.id LEFT JOIN fiscal_docs f ON f.bill_id = b.id LEFT JOIN bill_lines l ON l.bill_id = b.id
	ORDER BY b.opened DESC, b.id DESC, l.id`
}

func journalArgs(q JournalQuery, limit int) []any {
	var args []any
	if q.Cashier != 0 {
		args = append(args, q.Cashier)
	}
	since := us(q.Since)
	if q.Since.IsZero() {
		since = math.MinInt64
	}
	if !q.After.IsZero() {
		at := us(q.After.Opened)
		return append(args, since, at, at, at, int64(q.After.ID), limit)
	}
	at, id := int64(math.MaxInt64), int64(math.MaxInt64)
	if !q.Before.IsZero() {
		at, id = us(q.Before.Opened), int64(q.Before.ID)
	}
	return append(args, since, at, at, at, id, limit)
}

// Journal returns one page of the history, newest first, in one query.
func (r *BillRepo) Journal(ctx context.Context, q JournalQuery) (JournalPage, error) {
	if q.Limit <= 0 {
		q.Limit = DefaultJournalPage
	}
	newer := !q.After.IsZero()
	// One row more than the page tells whether there is another page.
	rows, err := r.d.db.QueryContext(ctx, journalSQL(q.Cashier != 0, newer), journalArgs(q, q.Limit+1)...)
	if err != nil {
		return JournalPage{}, fmt.Errorf("journal: %w", err)
	}
	bills, err := collectBills(rows, 0)
	if err != nil {
		return JournalPage{}, fmt.Errorf("journal: %w", err)
	}
	p := JournalPage{}
	more := len(bills) > q.Limit
	switch {
	case newer && more:
		bills = bills[1:] // the extra row is the newest
	case more:
		bills = bills[:q.Limit]
	}
	p.Bills = bills
	if newer {
		p.Newer, p.Older = more, true
	} else {
		p.Older, p.Newer = more, !q.Before.IsZero()
	}
	return p, nil
}

func scanJournalRow(r rowScanner) (sale.Bill, sale.Line, bool, error) {
	var b sale.Bill
	var l sale.Line
	var retOf, fNum, fSign, fTime, fShift sql.NullInt64
	var opened, updated, started int64
	var lid, item, qty, price, dept, dk, dv, manual, voided, added sql.NullInt64
	var barcode, name, vat, marking sql.NullString
	err := r.Scan((*int64)(&b.ID), &b.Kind, &b.State, &b.CashierID, &retOf, &opened, &updated, &b.Discount.Kind, &b.Discount.Value,
		&b.Fiscal.Expected, &b.Fiscal.Kind, &b.Fiscal.Total, &b.Fiscal.Attempts, &started, &b.Fiscal.Reason,
		&fNum, &fSign, &fTime, &fShift,
		&lid, &item, &barcode, &name, &qty, &price, &vat, &dept, &marking, &dk, &dv, &manual, &voided, &added)
	if err != nil {
		return b, l, false, err
	}
	b.ReturnOf = sale.BillID(retOf.Int64)
	b.Opened, b.Updated, b.Fiscal.StartedAt = fromUS(opened), fromUS(updated), fromUS(started)
	if fNum.Valid {
		b.Fiscal.Number, b.Fiscal.Sign = uint32(fNum.Int64), uint32(fSign.Int64)
		b.Fiscal.Time, b.Fiscal.Shift = fromUS(fTime.Int64), uint16(fShift.Int64)
	}
	if !lid.Valid {
		return b, l, false, nil
	}
	l = sale.Line{
		ID: sale.LineID(lid.Int64), Item: sale.ItemID(item.Int64), Barcode: barcode.String, Name: name.String,
		QtyMilli: qty.Int64, UnitPrice: price.Int64, VAT: sale.VATCode(vat.String), Dept: byte(dept.Int64), Marking: marking.String,
		Discount:    sale.Discount{Kind: sale.DiscountKind(dk.Int64), Value: dv.Int64},
		ManualPrice: manual.Int64 != 0, Voided: voided.Int64 != 0, Added: fromUS(added.Int64),
	}
	return b, l, true, nil
}

// ReceiptQuery finds fiscal receipts the way a customer's receipt names
// them: the fiscal document number, with the document's date, or with its
// fiscal sign (both are on the receipt and in its QR code). Document
// numbers start again at 1 when the register's fiscal storage is replaced,
// so a number alone may name more than one receipt.
type ReceiptQuery struct {
	Number   uint32
	Sign     uint32    // 0 = any
	From, To time.Time // the document's time, From inclusive, To exclusive; zero = no bound
	Limit    int       // 0 = 20
}

// receiptSQL finds the documents by number (and time, and sign) on the
// number index, with their bills and lines, in one statement. A number
// with its day names one receipt, a number alone a few (one per fiscal
// storage the till has had): no LIMIT, FindReceipts stops reading at its
// limit.
const receiptSQL = `SELECT ` + billCols + `, ` + journalLineCols + `
	FROM fiscal_docs f JOIN bills b ON b.id = f.bill_id LEFT JOIN bill_lines l ON l.bill_id = b.id
	WHERE f.number = ? AND f.time >= ? AND f.time < ? AND (? = 0 OR f.sign = ?)
	ORDER BY f.time DESC, l.id`

// FindReceipts returns the fiscalised bills matching q, newest first, with
// their lines (not their payments), in one query.
func (r *BillRepo) FindReceipts(ctx context.Context, q ReceiptQuery) ([]sale.Bill, error) {
	if q.Number == 0 {
		return nil, nil
	}
	if q.Limit <= 0 {
		q.Limit = 20
	}
	from, to := us(q.From), us(q.To)
	if q.From.IsZero() {
		from = math.MinInt64
	}
	if q.To.IsZero() {
		to = math.MaxInt64
	}
	rows, err := r.d.db.QueryContext(ctx, receiptSQL, int64(q.Number), from, to, int64(q.Sign), int64(q.Sign))
	if err != nil {
		return nil, fmt.Errorf("find receipt %d: %w", q.Number, err)
	}
	bills, err := collectBills(rows, q.Limit)
	if err != nil {
		return nil, fmt.Errorf("find receipt %d: %w", q.Number, err)
	}
	return bills, nil
}

// collectBills reads rows of scanJournalRow, a bill's rows together, up
// to limit bills (0: all).
func collectBills(rows *sql.Rows, limit int) ([]sale.Bill, error) {
	defer rows.Close()
	var bills []sale.Bill
	for rows.Next() {
		b, l, ok, err := scanJournalRow(rows)
		if err != nil {
			return nil, err
		}
		if n := len(bills); n == 0 || bills[n-1].ID != b.ID {
			if limit > 0 && n == limit {
				break
			}
			bills = append(bills, b)
		}
		if ok {
			last := &bills[len(bills)-1]
			last.Lines = append(last.Lines, l)
		}
	}
	return bills, rows.Err()
}

// ParkedBill is a parked bill as the recall list shows it: no lines, their
// count.
type ParkedBill struct {
	ID       sale.BillID
	Opened   time.Time
	ParkedAt time.Time // when it was parked (its last change)
	Lines    int       // lines not voided
}

const parkedSQL = `SELECT b.id, b.opened, b.updated,
	(SELECT count(*) FROM bill_lines l WHERE l.bill_id = b.id AND l.voided = 0)
	FROM bills b WHERE b.state = ? AND b.cashier_id = ? AND b.updated < ? ORDER BY b.updated, b.id`

// ParkedOf lists cashier's parked bills parked before `before` (zero: all),
// oldest first: summaries, not whole bills.
func (r *BillRepo) ParkedOf(ctx context.Context, cashier int64, before time.Time) ([]ParkedBill, error) {
	b := int64(math.MaxInt64)
	if !before.IsZero() {
		b = us(before)
	}
	rows, err := r.d.db.QueryContext(ctx, parkedSQL, int64(sale.StateParked), cashier, b)
	if err != nil {
		return nil, fmt.Errorf("parked bills of #%d: %w", cashier, err)
	}
	defer rows.Close()
	var out []ParkedBill
	for rows.Next() {
		var p ParkedBill
		var opened, updated int64
		if err := rows.Scan((*int64)(&p.ID), &opened, &updated, &p.Lines); err != nil {
			return nil, fmt.Errorf("parked bills of #%d: %w", cashier, err)
		}
		p.Opened, p.ParkedAt = fromUS(opened), fromUS(updated)
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("parked bills of #%d: %w", cashier, err)
	}
	return out, nil
}

const openBillSQL = `SELECT id FROM bills WHERE state = ? AND cashier_id = ? ORDER BY updated DESC, id DESC LIMIT 1`

// OpenBillOf is the cashier's open bill (the newest, should there be
// several), 0 when there is none: what sign-in brings back.
func (r *BillRepo) OpenBillOf(ctx context.Context, cashier int64) (sale.BillID, error) {
	var id int64
	err := r.d.db.QueryRowContext(ctx, openBillSQL, int64(sale.StateOpen), cashier).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("open bill of #%d: %w", cashier, err)
	}
	return sale.BillID(id), nil
}

// LastShiftEnd is when the newest closed shift closed; zero when no shift
// has closed yet. A bill parked before it was parked in a shift that is
// over.
func (d *DB) LastShiftEnd(ctx context.Context) (time.Time, error) {
	var v sql.NullInt64
	if err := d.db.QueryRowContext(ctx, `SELECT max(closed) FROM shifts`).Scan(&v); err != nil {
		return time.Time{}, fmt.Errorf("last shift end: %w", err)
	}
	return fromUS(v.Int64), nil
}
