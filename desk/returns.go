package desk

import (
	"context"
	"fmt"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/sale"
)

// The rules of issue 14 that sit between the sale screen and the sale
// core: one approval covers a whole return, a bill waiting for the
// register blocks the next sale, the shift is checked before the first
// line, and a paid bill can always be finished or undone.

// billApprovals records the supervisor whose approval covers a bill (the
// store's bill repository has it; see store/returns.go).
type billApprovals interface {
	SetApprover(ctx context.Context, id sale.BillID, approver int64) error
	Approver(ctx context.Context, id sale.BillID) (int64, error)
}

// coveredBy is the supervisor whose approval covers return bill b: the
// return right was approved once for it, so adding its goods, paying out
// and printing it ask nothing again. 0 for any other bill.
func (d *Desk) coveredBy(ctx context.Context, b *sale.Bill) policy.UserID {
	if b.ID == 0 || b.Kind != sale.KindReturn {
		return 0
	}
	if ba, ok := d.cfg.Bills.(billApprovals); ok {
		if id, err := ba.Approver(ctx, b.ID); err == nil {
			return policy.UserID(id)
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.covered[b.ID]
}

// cover records that approver's approval of a return request covers the
// open return bill from now on.
func (d *Desk) cover(ctx context.Context, approver policy.UserID, r *request) {
	if approver == 0 || !r.returnRight() {
		return
	}
	_, id := d.state()
	if id == 0 {
		return
	}
	b, err := d.cfg.Bills.Get(ctx, id)
	if err != nil || b.Kind != sale.KindReturn {
		return
	}
	d.mu.Lock()
	d.covered[id] = approver
	d.mu.Unlock()
	if ba, ok := d.cfg.Bills.(billApprovals); ok {
		// Kept in memory too: a store error must not make the cashier ask
		// again for what was approved.
		_ = ba.SetApprover(ctx, id, int64(approver))
	}
}

// returnRight says whether the request asks the return right.
func (r *request) returnRight() bool {
	for _, c := range r.checks {
		if c.action == policy.ActionReturn {
			return true
		}
	}
	return r.coveredBy != 0
}

// sellChecksOf is sellChecks for bill b, except that a return bill covered
// by an approval asks nothing again: the request is audited under the
// covering supervisor instead.
func (d *Desk) sellChecksOf(ctx context.Context, b *sale.Bill, qty, totalAfter int64, r *request) []check {
	if by := d.coveredBy(ctx, b); by != 0 {
		r.coveredBy = by
		r.name = string(policy.ActionReturn)
		r.always = true
		return nil
	}
	return sellChecks(b, qty, totalAfter)
}

// unresolved refuses to touch bill b while the register has not answered
// for it: a sale whose receipt may be printed must be retried or
// reconciled before anything else happens on the till.
func unresolved(b *sale.Bill) error {
	if b.State != sale.StateFiscalising && b.State != sale.StateConflict {
		return nil
	}
	return newErr(ErrUnresolved, "desk.error.unresolved",
		map[string]any{"Bill": fmt.Sprint(int64(b.ID))}, sale.ErrUnreconciled)
}

// shiftReady is asked before the first line of a bill: the register says
// whether its shift is open and under 24 hours, so the cashier learns it
// at the first scan and not after taking the money. A register that does
// not answer is not a reason to refuse a scan (the status bar says it; the
// checkout will ask again).
func (d *Desk) shiftReady(ctx context.Context) error {
	st, err := d.cfg.Register.Status(ctx)
	if err != nil {
		return nil
	}
	switch {
	case !st.ShiftOpen:
		return newErr(device.ErrShiftClosed, "desk.error.shift_closed_first", nil, ErrShiftNeeded)
	case st.ShiftOver24:
		return newErr(device.ErrShiftOver24h, "desk.error.shift_over24_first", nil, ErrShiftNeeded)
	}
	return nil
}

// LastSold is the last receipt of this session as a checkout returns it:
// after Reconcile proved a lost receipt printed, the screen shows its
// change from here. ErrNoBill when there was none.
func (d *Desk) LastSold(ctx context.Context) (Sold, error) {
	d.mu.Lock()
	id := d.lastReceipt
	d.mu.Unlock()
	if id == 0 {
		return Sold{}, newErr(ErrNoBill, "desk.error.no_bill", nil, nil)
	}
	b, t, err := d.cfg.Sales.Totals(ctx, id)
	if err != nil {
		return Sold{}, err
	}
	return Sold{Bill: b, Totals: t, Change: t.Change}, nil
}

// PaidNotPrinted says whether the open bill is paid in full but has no
// receipt yet: the sale screen then offers "Print receipt" (Checkout) and
// "Take payments back" (ClearPayments), also after a restart.
func PaidNotPrinted(b *sale.Bill, t *sale.Totals) bool {
	return b.ID != 0 && b.State == sale.StateOpen && len(t.Lines) > 0 && t.Paid > 0 && t.Remaining == 0
}
