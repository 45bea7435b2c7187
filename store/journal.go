package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/sale"
)

// The journal as the cashier reads it: bill history paged by keyset, receipt
// lookup, a cashier's own parked bills. Every query here is served by an
// index of migration 0007 and reads only the rows it returns
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
// the index range its far end; the OR then drops only the ties. The rows
// are put in order by collectBills, not by a sort in SQL (which would copy
// every row through a temporary b-tree first).
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
	FROM page p JOIN bills b ON b.id = p.id LEFT JOIN fiscal_docs f ON f.bill_id = b.id LEFT JOIN bill_lines l ON l.bill_id = b.id`
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
	bills, err := collectBills(rows, false)
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

// journalCols is how many columns a journal row has: billCols, then
// journalLineCols.
const journalCols = 19 + 14

// scanJournalRow reads one row of billCols + journalLineCols. The values
// are read as the driver gives them (int64, string, nil) and converted
// here: database/sql's reflective conversion of 33 typed destinations per
// row cost more than the query.
func scanJournalRow(vals []any) (sale.Bill, sale.Line, bool) {
	i64 := func(v any) int64 { n, _ := v.(int64); return n }
	str := func(v any) string {
		switch x := v.(type) {
		case string:
			return x
		case []byte:
			return string(x)
		}
		return ""
	}
	b := sale.Bill{
		ID: sale.BillID(i64(vals[0])), Kind: sale.BillKind(i64(vals[1])), State: sale.BillState(i64(vals[2])),
		CashierID: i64(vals[3]), ReturnOf: sale.BillID(i64(vals[4])),
		Opened: fromUS(i64(vals[5])), Updated: fromUS(i64(vals[6])),
		Discount: sale.Discount{Kind: sale.DiscountKind(i64(vals[7])), Value: i64(vals[8])},
	}
	b.Fiscal.Expected, b.Fiscal.Kind, b.Fiscal.Total = uint32(i64(vals[9])), device.ReceiptKind(i64(vals[10])), i64(vals[11])
	b.Fiscal.Attempts, b.Fiscal.StartedAt, b.Fiscal.Reason = int(i64(vals[12])), fromUS(i64(vals[13])), str(vals[14])
	if vals[15] != nil {
		b.Fiscal.Number, b.Fiscal.Sign = uint32(i64(vals[15])), uint32(i64(vals[16]))
		b.Fiscal.Time, b.Fiscal.Shift = fromUS(i64(vals[17])), uint16(i64(vals[18]))
	}
	l := vals[19:]
	if l[0] == nil {
		return b, sale.Line{}, false
	}
	return b, sale.Line{
		ID: sale.LineID(i64(l[0])), Item: sale.ItemID(i64(l[1])), Barcode: str(l[2]), Name: str(l[3]),
		QtyMilli: i64(l[4]), UnitPrice: i64(l[5]), VAT: sale.VATCode(str(l[6])), Dept: byte(i64(l[7])), Marking: str(l[8]),
		Discount:    sale.Discount{Kind: sale.DiscountKind(i64(l[9])), Value: i64(l[10])},
		ManualPrice: i64(l[11]) != 0, Voided: i64(l[12]) != 0, Added: fromUS(i64(l[13])),
	}, true
}

// collectBills reads journal rows in whatever order SQLite gives them and
// returns the bills newest first (by opened, then id; receipts by their
// document's time), each with its lines in order.
func collectBills(rows *sql.Rows, byFiscalTime bool) ([]sale.Bill, error) {
	defer rows.Close()
	vals := make([]any, journalCols)
	ptrs := make([]any, journalCols)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var bills []sale.Bill
	at := map[sale.BillID]int{}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		b, l, ok := scanJournalRow(vals)
		k, seen := at[b.ID]
		if !seen {
			k = len(bills)
			at[b.ID] = k
			bills = append(bills, b)
		}
		if ok {
			bills[k].Lines = append(bills[k].Lines, l)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(bills, func(x, y sale.Bill) int {
		if byFiscalTime {
			if c := y.Fiscal.Time.Compare(x.Fiscal.Time); c != 0 {
				return c
			}
		}
		if c := y.Opened.Compare(x.Opened); c != 0 {
			return c
		}
		return cmp.Compare(y.ID, x.ID)
	})
	for i := range bills {
		slices.SortFunc(bills[i].Lines, func(x, y sale.Line) int { return cmp.Compare(x.ID, y.ID) })
	}
	return bills, nil
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
// storage the till has had): no LIMIT and no ORDER BY, collectBills
// orders the receipts (newest first) and FindReceipts keeps its limit.
const receiptSQL = `SELECT ` + billCols + `, ` + journalLineCols + `
	FROM fiscal_docs f JOIN bills b ON b.id = f.bill_id LEFT JOIN bill_lines l ON l.bill_id = b.id
	WHERE f.number = ? AND f.time >= ? AND f.time < ? AND (? = 0 OR f.sign = ?)`

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
	bills, err := collectBills(rows, true)
	if err != nil {
		return nil, fmt.Errorf("find receipt %d: %w", q.Number, err)
	}
	if len(bills) > q.Limit {
		bills = bills[:q.Limit]
	}
	return bills, nil
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
