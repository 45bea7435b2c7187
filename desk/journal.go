package desk

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/sale"
)

// The journal at the till: the history paged back to the user's journal
// depth, a receipt found from what the customer holds (its number and date,
// or its QR code), a copy of it, and the cashier's parked bills.

// Cursor is a place in the history: the opening time and id of a bill.
type Cursor struct {
	Opened time.Time
	ID     sale.BillID
}

// CursorOf is the place of b.
func CursorOf(b sale.Bill) Cursor { return Cursor{Opened: b.Opened, ID: b.ID} }

// JournalQuery asks the store for one page of history; see the store's.
type JournalQuery struct {
	Cashier       policy.UserID // 0 = every cashier's
	Since         time.Time
	Before, After Cursor
	Limit         int
}

// JournalPage is one page of history, newest first. Bills carry their
// lines, not their payments.
type JournalPage struct {
	Bills        []sale.Bill
	Older, Newer bool
}

// ReceiptQuery finds fiscal receipts by document number, with the
// document's time range or its fiscal sign.
type ReceiptQuery struct {
	Number   uint32
	Sign     uint32
	From, To time.Time
}

// ParkedBill is a parked bill as the recall list shows it.
type ParkedBill struct {
	ID       sale.BillID
	Opened   time.Time
	ParkedAt time.Time
	Lines    int
}

// JournalStore is the journal side of the store: optional; deskstore
// implements it. Without it the desk falls back to the sale core's
// Unfinished for parked and open bills, and Journal answers ErrNoJournal.
type JournalStore interface {
	Journal(ctx context.Context, q JournalQuery) (JournalPage, error)
	FindReceipts(ctx context.Context, q ReceiptQuery) ([]sale.Bill, error)
	// ParkedOf: cashier's parked bills parked before `before` (zero: all),
	// oldest first.
	ParkedOf(ctx context.Context, cashier policy.UserID, before time.Time) ([]ParkedBill, error)
	// OpenBillOf: the cashier's open bill, 0 if none.
	OpenBillOf(ctx context.Context, cashier policy.UserID) (sale.BillID, error)
	// LastShiftEnd: when the newest closed shift closed (zero: never).
	LastShiftEnd(ctx context.Context) (time.Time, error)
}

// SettingParkedStale is how old a parked bill is when sign-in offers to
// cancel it: "shift" (the default) is "parked in a shift that has closed
// since", or a duration ("12h").
const SettingParkedStale = "park.stale_after"

var journalMessages = map[string]string{
	"desk.request.find_receipt":  "look up receipt {{.Receipt}}",
	"desk.request.reprint_bill":  "copy of receipt {{.Receipt}}",
	"desk.request.cancel_parked": "cancel parked bill {{.Bill}}",
	"desk.error.not_receipt":     "“{{.Text}}” is not a receipt number or a receipt's QR code.",
}

func init() {
	for k, v := range journalMessages {
		messages[k] = v
	}
}

// ErrNotReceipt: what was typed or scanned names no receipt.
var ErrNotReceipt = errors.New("desk: not a receipt number or QR code")

func (d *Desk) journalStore() (JournalStore, bool) {
	j, ok := d.cfg.Store.(JournalStore)
	return j, ok
}

// JournalRequest is a page of the history the cashier asks for: all is
// every cashier's (journal.view_all); Before/After page from a row on
// screen (both zero: the newest page).
type JournalRequest struct {
	All           bool
	Before, After Cursor
	Limit         int
}

// Journal returns one page of the history, back to the user's journal
// depth (days). Paging is by keyset: a page a year back costs what today's
// does.
func (d *Desk) Journal(ctx context.Context, q JournalRequest) (JournalPage, error) {
	j, ok := d.journalStore()
	var out JournalPage
	err := d.do(ctx, func(ctx context.Context) (*request, error) {
		if !ok {
			return nil, newErr(ErrNoJournal, "desk.error.no_journal", nil, nil)
		}
		u, _ := d.state()
		days := max(u.JournalDays, 1)
		jq := JournalQuery{
			Cashier: u.ID, Since: d.now().Add(-time.Duration(days) * 24 * time.Hour),
			Before: q.Before, After: q.After, Limit: q.Limit,
		}
		r := &request{
			name: "journal.view",
			desc: Text("desk.request.history_all", nil),
			args: map[string]any{"days": days, "all": q.All},
			run: func(ctx context.Context) error {
				var err error
				out, err = j.Journal(ctx, jq)
				return err
			},
		}
		if q.All {
			jq.Cashier = 0
			r.checks = []check{{action: policy.ActionViewAllBills}}
		}
		return r, nil
	})
	return out, err
}

// ParseReceiptRef reads what the cashier typed or scanned to find a
// receipt: the receipt's QR code (number and fiscal sign, exact), or a
// fiscal document number, with day (zero: any day) the date printed on it.
func ParseReceiptRef(text string, day time.Time) (ReceiptQuery, error) {
	text = strings.TrimSpace(text)
	if qr, err := sale.ParseReceiptQR(text, time.Local); err == nil {
		return ReceiptQuery{Number: qr.Number, Sign: qr.Sign}, nil
	}
	n, err := strconv.ParseUint(text, 10, 32)
	if err != nil || n == 0 {
		return ReceiptQuery{}, newErr(ErrNotReceipt, "desk.error.not_receipt", map[string]any{"Text": text}, err)
	}
	q := ReceiptQuery{Number: uint32(n)}
	if !day.IsZero() {
		y, m, dd := day.Date()
		q.From = time.Date(y, m, dd, 0, 0, 0, 0, day.Location())
		q.To = q.From.AddDate(0, 0, 1)
	}
	return q, nil
}

// FindReceipt finds the fiscal receipts text names (see ParseReceiptRef),
// newest first, with their lines. A receipt the customer holds is found
// whoever sold it and however old it is: the journal depth and
// journal.view_all bound browsing, not the paper in the customer's hand.
// Every lookup is audited.
func (d *Desk) FindReceipt(ctx context.Context, text string, day time.Time) ([]sale.Bill, error) {
	j, ok := d.journalStore()
	var out []sale.Bill
	err := d.do(ctx, func(ctx context.Context) (*request, error) {
		if !ok {
			return nil, newErr(ErrNoJournal, "desk.error.no_journal", nil, nil)
		}
		q, err := ParseReceiptRef(text, day)
		if err != nil {
			return nil, err
		}
		args := map[string]any{"receipt": q.Number}
		if !day.IsZero() {
			args["day"] = day.Format("2006-01-02")
		}
		if q.Sign != 0 {
			args["qr"] = true
		}
		return &request{
			name:   "journal.find_receipt",
			desc:   Text("desk.request.find_receipt", map[string]any{"Receipt": fmt.Sprint(q.Number)}),
			args:   args,
			always: true,
			run: func(ctx context.Context) error {
				var err error
				out, err = j.FindReceipts(ctx, q)
				return err
			},
		}, nil
	})
	return out, err
}

// Reprint allows a copy of a fiscalised receipt from the journal
// (bill.reprint) and prints it on the register's tape — the register's own
// copy (8Ch) when it is the register's last document, else the till's
// text copy when the register prints text; the bill is returned for the
// window to show otherwise.
func (d *Desk) Reprint(ctx context.Context, id sale.BillID) (sale.Bill, error) {
	var out sale.Bill
	err := d.do(ctx, func(ctx context.Context) (*request, error) {
		b, err := d.cfg.Bills.Get(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("copy of bill %d: %w", id, err)
		}
		if b.State != sale.StateFiscalised {
			return nil, newErr(ErrNoBill, "desk.error.no_bill", nil, fmt.Errorf("bill %d is %s", id, b.State))
		}
		return &request{
			checks: []check{{action: policy.ActionReprintBill}},
			desc:   Text("desk.request.reprint_bill", map[string]any{"Receipt": fmt.Sprint(b.Fiscal.Number)}),
			args:   map[string]any{"bill": int64(id), "receipt": b.Fiscal.Number},
			always: true,
			run: func(ctx context.Context) error {
				b, t, err := d.cfg.Sales.Totals(ctx, id)
				if err != nil {
					return err
				}
				out = b
				return d.printCopy(ctx, b, t)
			},
		}, nil
	})
	return out, err
}

// Parked lists the cashier's parked bills, oldest first: summaries of the
// cashier's own, not every cashier's bills with their lines.
func (d *Desk) Parked(ctx context.Context) ([]ParkedBill, error) {
	u, _ := d.state()
	if j, ok := d.journalStore(); ok {
		out, err := j.ParkedOf(ctx, u.ID, time.Time{})
		if err != nil {
			return nil, fmt.Errorf("parked bills: %w", err)
		}
		return out, nil
	}
	bills, err := d.cfg.Bills.Unfinished(ctx)
	if err != nil {
		return nil, fmt.Errorf("parked bills: %w", err)
	}
	var out []ParkedBill
	for _, b := range bills {
		if b.State == sale.StateParked && policy.UserID(b.CashierID) == u.ID {
			n := 0
			for _, l := range b.Lines {
				if !l.Voided {
					n++
				}
			}
			out = append(out, ParkedBill{ID: b.ID, Opened: b.Opened, ParkedAt: b.Updated, Lines: n})
		}
	}
	return out, nil
}

// openBillOf is the cashier's open bill for sign-in, read by index when
// the store can.
func (d *Desk) openBillOf(ctx context.Context, cashier policy.UserID) (sale.BillID, error) {
	if j, ok := d.journalStore(); ok {
		return j.OpenBillOf(ctx, cashier)
	}
	bills, err := d.cfg.Bills.Unfinished(ctx)
	if err != nil {
		return 0, err
	}
	var open sale.BillID
	for _, b := range bills {
		if b.State == sale.StateOpen && policy.UserID(b.CashierID) == cashier {
			open = b.ID
		}
	}
	return open, nil
}

// StaleParked lists the signed-in cashier's parked bills old enough to be
// offered for cancelling (SettingParkedStale): by default those parked in
// a shift that has closed since. Nobody comes back for a parked bill after
// the shift: the goods went back on the shelf.
func (d *Desk) StaleParked(ctx context.Context) ([]ParkedBill, error) {
	j, ok := d.journalStore()
	if !ok {
		return nil, nil
	}
	u, _ := d.state()
	if u.ID == 0 {
		return nil, newErr(ErrNotSignedIn, "desk.error.not_signed_in", nil, nil)
	}
	before, err := d.staleBefore(ctx, j)
	if err != nil || before.IsZero() {
		return nil, err
	}
	out, err := j.ParkedOf(ctx, u.ID, before)
	if err != nil {
		return nil, fmt.Errorf("stale parked bills: %w", err)
	}
	return out, nil
}

func (d *Desk) staleBefore(ctx context.Context, j JournalStore) (time.Time, error) {
	s, err := d.cfg.Store.SettingString(ctx, SettingParkedStale, "shift")
	if err != nil {
		return time.Time{}, err
	}
	if s = strings.TrimSpace(s); s != "" && s != "shift" {
		if v, err := time.ParseDuration(s); err == nil && v > 0 {
			return d.now().Add(-v), nil
		}
		// A malformed setting falls back to the shift's end.
	}
	return j.LastShiftEnd(ctx)
}

// CancelParked cancels one of the cashier's parked bills (bill.cancel,
// audited with the time it was parked): what sign-in offers for stale ones.
func (d *Desk) CancelParked(ctx context.Context, id sale.BillID) error {
	return d.do(ctx, func(ctx context.Context) (*request, error) {
		u, _ := d.state()
		b, err := d.cfg.Bills.Get(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("cancel parked bill %d: %w", id, err)
		}
		if b.State != sale.StateParked || policy.UserID(b.CashierID) != u.ID {
			return nil, fmt.Errorf("cancel parked bill %d (%s): %w", id, b.State, sale.ErrNotFound)
		}
		if len(b.Payments) > 0 {
			return nil, fmt.Errorf("cancel parked bill %d: %d payments to give back first: %w", id, len(b.Payments), sale.ErrStateConflict)
		}
		return &request{
			checks: []check{{action: policy.ActionCancelBill}},
			desc:   Text("desk.request.cancel_parked", map[string]any{"Bill": fmt.Sprint(int64(id))}),
			args:   map[string]any{"bill": int64(id), "parked_at": b.Updated.UTC().Format(time.RFC3339), "lines": len(b.Lines), "stale": true},
			always: true,
			run: func(ctx context.Context) error {
				// Parked -> open -> cancelled: the sale core's moves. A
				// crash between them leaves the bill open for this
				// cashier, and sign-in brings it back.
				if err := d.cfg.Sales.Recall(ctx, id); err != nil {
					return err
				}
				return d.cfg.Sales.Cancel(ctx, id)
			},
		}, nil
	})
}
