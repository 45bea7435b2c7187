package desk

import (
	"context"
	"errors"
	"fmt"
	"syscall"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/sale"
)

// The sale screen's actions. Each builds a request (policy checks, words,
// audit args, work) and hands it to do; a denial comes back as *Denied with
// a Pending that ApproveOnce can run.

// ---- helpers ----

func (d *Desk) money(v int64) string {
	if d.cfg.Money != nil {
		return d.cfg.Money.Format(v)
	}
	return policy.FormatMoney(v)
}

// state returns the cashier and the open bill under the state lock.
func (d *Desk) state() (User, sale.BillID) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cashier, d.bill
}

func (d *Desk) setBill(id sale.BillID) {
	d.mu.Lock()
	d.bill = id
	d.mu.Unlock()
}

// registerCashier is who the register prints and reports: always the
// signed-in cashier, never an approver.
func (d *Desk) registerCashier() device.Cashier {
	u, _ := d.state()
	name := u.ReceiptName
	if name == "" {
		name = u.DisplayName()
	}
	return device.Cashier{Name: name, INN: u.INN}
}

// Bill returns the open bill and its totals; ErrNoBill when there is none.
func (d *Desk) Bill(ctx context.Context) (sale.Bill, sale.Totals, error) {
	_, id := d.state()
	if id == 0 {
		return sale.Bill{}, sale.Totals{}, newErr(ErrNoBill, "desk.error.no_bill", nil, nil)
	}
	return d.cfg.Sales.Totals(ctx, id)
}

// current is Bill for a bill that may not exist yet: a zero bill of kind
// sale and zero totals.
func (d *Desk) current(ctx context.Context) (sale.Bill, sale.Totals, error) {
	_, id := d.state()
	if id == 0 {
		// The first line of a bill: the shift must be usable now, not
		// after the money is taken.
		if err := d.shiftReady(ctx); err != nil {
			return sale.Bill{}, sale.Totals{}, err
		}
		return sale.Bill{Kind: sale.KindSale}, sale.Totals{}, nil
	}
	b, t, err := d.cfg.Sales.Totals(ctx, id)
	if err != nil {
		return b, t, err
	}
	return b, t, unresolved(&b)
}

// ensureBill opens a sale bill for the cashier when none is open.
func (d *Desk) ensureBill(ctx context.Context) (sale.BillID, error) {
	u, id := d.state()
	if id != 0 {
		return id, nil
	}
	b, err := d.cfg.Sales.Open(ctx, int64(u.ID), sale.KindSale, 0)
	if err != nil {
		return 0, err
	}
	d.setBill(b.ID)
	return b.ID, nil
}

// openBill returns the open bill's ID or ErrNoBill.
func (d *Desk) openBill() (sale.BillID, error) {
	if _, id := d.state(); id != 0 {
		return id, nil
	}
	return 0, newErr(ErrNoBill, "desk.error.no_bill", nil, nil)
}

// sellChecks are the checks of putting goods on bill b: selling with the
// quantity of the line and the bill's total after this step, or, on a
// return, the return right (and "without receipt" for a free return).
func sellChecks(b *sale.Bill, qty, totalAfter int64) []check {
	if b.Kind == sale.KindReturn {
		cs := []check{{action: policy.ActionReturn}}
		if b.ReturnOf == 0 {
			cs = append(cs, check{action: policy.ActionReturnNoReceipt})
		}
		return cs
	}
	return []check{{action: policy.ActionSell, args: policy.Args{Quantity: qty, Amount: totalAfter}}}
}

func zeroPrice(price int64) []check {
	if price == 0 {
		return []check{{action: policy.ActionZeroPrice}}
	}
	return nil
}

func findLine(b *sale.Bill, t *sale.Totals, lid sale.LineID) (sale.Line, sale.LineTotal, error) {
	for _, lt := range t.Lines {
		if lt.Line == lid {
			return b.Lines[lt.Index], lt, nil
		}
	}
	return sale.Line{}, sale.LineTotal{}, fmt.Errorf("line %d: %w", lid, sale.ErrNotFound)
}

// percentOf is a discount as basis points of base, rounded up so that an
// amount of 5.01 % is not let through a 5 % limit. An amount larger than
// base reads as 100 %: the sale core then refuses it with its own message.
func percentOf(dc sale.Discount, base int64) int32 {
	switch dc.Kind {
	case sale.DiscountPercent:
		if dc.Value < 0 || dc.Value > policy.MaxPercent {
			return -1 // policy: invalid args
		}
		return int32(dc.Value)
	case sale.DiscountAmount:
		if dc.Value <= 0 || base <= 0 {
			return 0
		}
		if dc.Value >= base {
			return policy.MaxPercent
		}
		num, err := sale.Mul(dc.Value, policy.MaxPercent)
		if err != nil {
			return policy.MaxPercent
		}
		return int32((num + base - 1) / base)
	}
	return 0
}

func (d *Desk) discountText(dc sale.Discount) string {
	if dc.Kind == sale.DiscountAmount {
		return d.money(dc.Value)
	}
	return policy.FormatPercent(dc.Value)
}

// ---- ringing up ----

// AddItem puts qty (milli-units) of a catalogue item on the open bill,
// opening a sale bill if none is open.
func (d *Desk) AddItem(ctx context.Context, it sale.Item, qty int64) (sale.LineID, error) {
	var lid sale.LineID
	err := d.do(ctx, func(ctx context.Context) (*request, error) {
		b, t, err := d.current(ctx)
		if err != nil {
			return nil, err
		}
		gross, err := sale.LineAmount(it.Price, qty)
		if err != nil {
			return nil, fmt.Errorf("add %s: %w", it.Name, err)
		}
		after, err := sale.Add(t.Due, gross)
		if err != nil {
			return nil, fmt.Errorf("add %s: %w", it.Name, err)
		}
		r := &request{
			desc: Text("desk.request.sell", map[string]any{"Quantity": policy.FormatQuantity(qty), "Item": it.Name}),
			args: map[string]any{"item": int64(it.ID), "qty": qty, "price": it.Price},
			run: func(ctx context.Context) error {
				id, err := d.ensureBill(ctx)
				if err != nil {
					return err
				}
				lid, err = d.cfg.Sales.AddItem(ctx, id, it, qty)
				return err
			},
		}
		r.checks = append(d.sellChecksOf(ctx, &b, qty, after, r), zeroPrice(it.Price)...)
		return r, nil
	})
	return lid, err
}

// AddByBarcode looks a scanned or typed barcode up and adds the item.
func (d *Desk) AddByBarcode(ctx context.Context, barcode string, qty int64) (sale.LineID, error) {
	it, err := d.cfg.Store.ItemByBarcode(ctx, barcode)
	if err != nil {
		return 0, fmt.Errorf("barcode %s: %w", barcode, err)
	}
	return d.AddItem(ctx, it, qty)
}

// AddGeneric sells an item without a card at a typed price.
func (d *Desk) AddGeneric(ctx context.Context, name string, price, qty int64, vat sale.VATCode, dept byte) (sale.LineID, error) {
	var lid sale.LineID
	err := d.do(ctx, func(ctx context.Context) (*request, error) {
		b, t, err := d.current(ctx)
		if err != nil {
			return nil, err
		}
		gross, err := sale.LineAmount(price, qty)
		if err != nil {
			return nil, fmt.Errorf("add %s: %w", name, err)
		}
		after, err := sale.Add(t.Due, gross)
		if err != nil {
			return nil, fmt.Errorf("add %s: %w", name, err)
		}
		r := &request{
			desc: Text("desk.request.generic", map[string]any{"Item": name, "Price": d.money(price)}),
			args: map[string]any{"name": name, "qty": qty, "price": price},
			run: func(ctx context.Context) error {
				id, err := d.ensureBill(ctx)
				if err != nil {
					return err
				}
				lid, err = d.cfg.Sales.AddGeneric(ctx, id, name, price, qty, vat, dept)
				return err
			},
		}
		checks := []check{{action: policy.ActionGenericItem, args: policy.Args{Amount: price}}}
		checks = append(checks, d.sellChecksOf(ctx, &b, qty, after, r)...)
		r.checks = append(checks, zeroPrice(price)...)
		if r.coveredBy != 0 {
			r.name = string(policy.ActionGenericItem)
		}
		return r, nil
	})
	return lid, err
}

// SetQuantity changes a line's quantity (milli-units).
func (d *Desk) SetQuantity(ctx context.Context, lid sale.LineID, qty int64) error {
	return d.do(ctx, func(ctx context.Context) (*request, error) {
		id, err := d.openBill()
		if err != nil {
			return nil, err
		}
		b, t, err := d.cfg.Sales.Totals(ctx, id)
		if err != nil {
			return nil, err
		}
		l, lt, err := findLine(&b, &t, lid)
		if err != nil {
			return nil, err
		}
		gross, err := sale.LineAmount(l.UnitPrice, qty)
		if err != nil {
			return nil, err
		}
		after, err := sale.Add(t.Due-lt.Amount, gross)
		if err != nil {
			return nil, err
		}
		r := &request{
			desc: Text("desk.request.set_quantity", map[string]any{"Quantity": policy.FormatQuantity(qty), "Item": l.Name}),
			args: map[string]any{"bill": int64(id), "line": int64(lid), "qty": qty, "was": l.QtyMilli},
			run:  func(ctx context.Context) error { return d.cfg.Sales.SetQuantity(ctx, id, lid, qty) },
		}
		r.checks = d.sellChecksOf(ctx, &b, qty, after, r)
		return r, nil
	})
}

// ManualPrice types a line's unit price: the manual price right on a sale,
// the return price right on a return.
func (d *Desk) ManualPrice(ctx context.Context, lid sale.LineID, price int64) error {
	return d.do(ctx, func(ctx context.Context) (*request, error) {
		id, err := d.openBill()
		if err != nil {
			return nil, err
		}
		b, t, err := d.cfg.Sales.Totals(ctx, id)
		if err != nil {
			return nil, err
		}
		l, lt, err := findLine(&b, &t, lid)
		if err != nil {
			return nil, err
		}
		if b.Kind == sale.KindReturn && b.ReturnOf != 0 {
			return nil, newErr(sale.ErrReturnPriceFixed, "desk.error.price_fixed", nil, nil)
		}
		action := policy.ActionManualPrice
		var checks []check
		if b.Kind == sale.KindReturn {
			action = policy.ActionReturnPrice
		}
		checks = append(checks, check{action: action, args: policy.Args{Amount: price}})
		if b.Kind == sale.KindSale {
			gross, err := sale.LineAmount(price, l.QtyMilli)
			if err != nil {
				return nil, err
			}
			after, err := sale.Add(t.Due-lt.Amount, gross)
			if err != nil {
				return nil, err
			}
			checks = append(checks, sellChecks(&b, l.QtyMilli, after)...)
		}
		return &request{
			checks: append(checks, zeroPrice(price)...),
			desc:   Text("desk.request.manual_price", map[string]any{"Price": d.money(price), "Item": l.Name}),
			args:   map[string]any{"bill": int64(id), "line": int64(lid), "price": price, "was": l.UnitPrice},
			always: true,
			run:    func(ctx context.Context) error { return d.cfg.Sales.SetPrice(ctx, id, lid, price) },
		}, nil
	})
}

// LineDiscount sets a line's discount (percent in basis points, or an
// amount); DiscountNone clears it, which needs no right.
func (d *Desk) LineDiscount(ctx context.Context, lid sale.LineID, dc sale.Discount) error {
	return d.do(ctx, func(ctx context.Context) (*request, error) {
		id, err := d.openBill()
		if err != nil {
			return nil, err
		}
		b, t, err := d.cfg.Sales.Totals(ctx, id)
		if err != nil {
			return nil, err
		}
		l, lt, err := findLine(&b, &t, lid)
		if err != nil {
			return nil, err
		}
		if b.Kind == sale.KindReturn && b.ReturnOf != 0 {
			return nil, newErr(sale.ErrReturnPriceFixed, "desk.error.price_fixed", nil, nil)
		}
		r := &request{
			desc: Text("desk.request.line_discount", map[string]any{"Discount": d.discountText(dc), "Item": l.Name}),
			args: map[string]any{"bill": int64(id), "line": int64(lid), "item": l.Name, "kind": int(dc.Kind), "value": dc.Value},
			run:  func(ctx context.Context) error { return d.cfg.Sales.SetLineDiscount(ctx, id, lid, dc) },
		}
		if dc.Kind == sale.DiscountNone {
			r.checks = sellChecks(&b, 0, t.Due)
		} else {
			r.checks = []check{{action: policy.ActionDiscountLine, args: policy.Args{Percent: percentOf(dc, lt.Gross)}}}
			r.always = true
		}
		return r, nil
	})
}

// TotalDiscount sets the bill's discount (percent or amount of the
// subtotal); DiscountNone clears it.
func (d *Desk) TotalDiscount(ctx context.Context, dc sale.Discount) error {
	return d.do(ctx, func(ctx context.Context) (*request, error) {
		id, err := d.openBill()
		if err != nil {
			return nil, err
		}
		b, t, err := d.cfg.Sales.Totals(ctx, id)
		if err != nil {
			return nil, err
		}
		if b.Kind == sale.KindReturn && b.ReturnOf != 0 {
			return nil, newErr(sale.ErrReturnPriceFixed, "desk.error.price_fixed", nil, nil)
		}
		r := &request{
			desc: Text("desk.request.total_discount", map[string]any{"Discount": d.discountText(dc)}),
			args: map[string]any{"bill": int64(id), "kind": int(dc.Kind), "value": dc.Value},
			run:  func(ctx context.Context) error { return d.cfg.Sales.SetDiscount(ctx, id, dc) },
		}
		if dc.Kind == sale.DiscountNone {
			r.checks = sellChecks(&b, 0, t.Due)
		} else {
			r.checks = []check{{action: policy.ActionDiscountTotal, args: policy.Args{Percent: percentOf(dc, t.Subtotal)}}}
			r.always = true
		}
		return r, nil
	})
}

// VoidLine takes a line back (it stays in the journal, marked voided).
func (d *Desk) VoidLine(ctx context.Context, lid sale.LineID) error {
	return d.do(ctx, func(ctx context.Context) (*request, error) {
		id, err := d.openBill()
		if err != nil {
			return nil, err
		}
		b, t, err := d.cfg.Sales.Totals(ctx, id)
		if err != nil {
			return nil, err
		}
		l, _, err := findLine(&b, &t, lid)
		if err != nil {
			return nil, err
		}
		return &request{
			checks: []check{{action: policy.ActionVoidLine}},
			desc:   Text("desk.request.void_line", map[string]any{"Item": l.Name}),
			args:   map[string]any{"bill": int64(id), "line": int64(lid), "item": l.Name, "qty": l.QtyMilli, "price": l.UnitPrice},
			always: true,
			run:    func(ctx context.Context) error { return d.cfg.Sales.VoidLine(ctx, id, lid) },
		}, nil
	})
}

// CancelBill abandons the open bill.
func (d *Desk) CancelBill(ctx context.Context) error {
	return d.do(ctx, func(ctx context.Context) (*request, error) {
		id, err := d.openBill()
		if err != nil {
			return nil, err
		}
		b, t, err := d.cfg.Sales.Totals(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := unresolved(&b); err != nil {
			return nil, err
		}
		return &request{
			checks: []check{{action: policy.ActionCancelBill}},
			desc:   Text("desk.request.cancel_bill", nil),
			args:   map[string]any{"bill": int64(id), "total": t.Due, "lines": len(t.Lines)},
			always: true,
			run: func(ctx context.Context) error {
				if err := d.cfg.Sales.Cancel(ctx, id); err != nil {
					return err
				}
				d.setBill(0)
				return nil
			},
		}, nil
	})
}

// Park puts the open bill aside.
func (d *Desk) Park(ctx context.Context) error {
	return d.do(ctx, func(ctx context.Context) (*request, error) {
		id, err := d.openBill()
		if err != nil {
			return nil, err
		}
		b, err := d.cfg.Bills.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := unresolved(&b); err != nil {
			return nil, err
		}
		return &request{
			checks: []check{{action: policy.ActionParkBill}},
			desc:   Text("desk.request.park", nil),
			args:   map[string]any{"bill": int64(id)},
			run: func(ctx context.Context) error {
				if err := d.cfg.Sales.Park(ctx, id); err != nil {
					return err
				}
				d.setBill(0)
				return nil
			},
		}, nil
	})
}

// Recall brings one of the cashier's parked bills back. An open bill with
// lines must be parked or finished first; an empty one is cancelled.
func (d *Desk) Recall(ctx context.Context, bill sale.BillID) error {
	return d.do(ctx, func(ctx context.Context) (*request, error) {
		if err := d.clearEmptyBill(ctx); err != nil {
			return nil, err
		}
		u, _ := d.state()
		b, err := d.cfg.Bills.Get(ctx, bill)
		if err != nil {
			return nil, fmt.Errorf("recall bill %d: %w", bill, err)
		}
		if b.State != sale.StateParked || policy.UserID(b.CashierID) != u.ID {
			return nil, fmt.Errorf("recall bill %d (%s): %w", bill, b.State, sale.ErrNotFound)
		}
		return &request{
			checks: []check{{action: policy.ActionParkBill}},
			desc:   Text("desk.request.recall", nil),
			args:   map[string]any{"bill": int64(bill)},
			run: func(ctx context.Context) error {
				if err := d.cfg.Sales.Recall(ctx, bill); err != nil {
					return err
				}
				d.setBill(bill)
				return nil
			},
		}, nil
	})
}

// clearEmptyBill makes room for another bill: none open, or an open one
// without lines (cancelled: nothing was rung up). A bill with lines is
// refused with ErrBillOpen.
func (d *Desk) clearEmptyBill(ctx context.Context) error {
	_, id := d.state()
	if id == 0 {
		return nil
	}
	b, err := d.cfg.Bills.Get(ctx, id)
	if err != nil {
		return err
	}
	if err := unresolved(&b); err != nil {
		return err
	}
	if len(b.Lines) > 0 || len(b.Payments) > 0 {
		return newErr(ErrBillOpen, "desk.error.bill_open", nil, nil)
	}
	if err := d.cfg.Sales.Cancel(ctx, id); err != nil {
		return err
	}
	d.setBill(0)
	return nil
}

// PreBill is what a pre-bill print shows, and its number on this bill.
type PreBill struct {
	Bill    sale.Bill
	Totals  sale.Totals
	Print   int32 // 1 for the first print
	Printed bool  // on the register's tape (else the screen shows it)
}

// PreBill allows the next pre-bill print of the open bill (the counter is
// checked against the max pre-bill prints limit) and returns its content.
// device.Register prints only fiscal documents, so the UI prints it (or
// shows it); the counter lives in memory and restarts with the till.
func (d *Desk) PreBill(ctx context.Context) (PreBill, error) {
	var out PreBill
	err := d.do(ctx, func(ctx context.Context) (*request, error) {
		id, err := d.openBill()
		if err != nil {
			return nil, err
		}
		d.mu.Lock()
		n := d.prebills[id] + 1
		d.mu.Unlock()
		return &request{
			checks: []check{{action: policy.ActionPreBillPrint, args: policy.Args{Count: n}}},
			desc:   Text("desk.request.prebill", map[string]any{"Count": fmt.Sprint(n)}),
			args:   map[string]any{"bill": int64(id), "print": n},
			run: func(ctx context.Context) error {
				b, t, err := d.cfg.Sales.Totals(ctx, id)
				if err != nil {
					return err
				}
				// Counted only once printed: a pre-bill the register
				// refused (paper out) was never handed to anyone.
				printed, err := d.printText(ctx, func(tp *sale.Tape) []string { return tp.PreBill(b, t, n) })
				if err != nil {
					return err
				}
				d.mu.Lock()
				d.prebills[id] = n
				d.mu.Unlock()
				out = PreBill{Bill: b, Totals: t, Print: n, Printed: printed}
				return nil
			},
		}, nil
	})
	return out, err
}

// Return starts a return bill. from names a fiscalised sale in the journal:
// its lines and discount are copied (void or change lines for a partial
// return). from == 0 is a return without a receipt: an empty return bill
// the cashier rings the goods up on.
func (d *Desk) Return(ctx context.Context, from sale.BillID) (sale.BillID, error) {
	var out sale.BillID
	err := d.do(ctx, func(ctx context.Context) (*request, error) {
		if err := d.clearEmptyBill(ctx); err != nil {
			return nil, err
		}
		if err := d.shiftReady(ctx); err != nil {
			return nil, err
		}
		u, _ := d.state()
		if from == 0 {
			return &request{
				checks: []check{{action: policy.ActionReturn}, {action: policy.ActionReturnNoReceipt}},
				desc:   Text("desk.request.return_free", nil),
				always: true,
				run: func(ctx context.Context) error {
					b, err := d.cfg.Sales.Open(ctx, int64(u.ID), sale.KindReturn, 0)
					if err != nil {
						return err
					}
					d.setBill(b.ID)
					out = b.ID
					return nil
				},
			}, nil
		}
		orig, err := d.cfg.Bills.Get(ctx, from)
		if err != nil {
			return nil, fmt.Errorf("return of bill %d: %w", from, err)
		}
		if orig.Kind != sale.KindSale || orig.State != sale.StateFiscalised {
			return nil, newErr(ErrNotReturnable, "desk.error.not_returnable", nil,
				fmt.Errorf("bill %d is %s", from, orig.State))
		}
		// A receipt returned in full is refused before anyone is asked to
		// approve: there is nothing to approve.
		if err := d.cfg.Sales.ReturnedInFull(ctx, from); err != nil {
			return nil, err
		}
		return &request{
			checks: []check{{action: policy.ActionReturn}},
			desc:   Text("desk.request.return", map[string]any{"Receipt": fmt.Sprint(orig.Fiscal.Number)}),
			args:   map[string]any{"of_bill": int64(from), "receipt": orig.Fiscal.Number, "total": orig.Fiscal.Total},
			always: true,
			run: func(ctx context.Context) error {
				b, err := d.cfg.Sales.OpenReturn(ctx, int64(u.ID), from)
				if b.ID != 0 {
					d.setBill(b.ID)
				}
				out = b.ID
				return err
			},
		}, nil
	})
	return out, err
}

// ---- paying ----

// payChecks: taking money on a sale is selling up to its total; paying
// money out on a return is the return right, unless an approval already
// covers this return.
func (d *Desk) payChecks(ctx context.Context, b *sale.Bill, t *sale.Totals, r *request) []check {
	return d.sellChecksOf(ctx, b, 0, t.Due, r)
}

// Pay records a tender on the open bill: cash may exceed what is due (the
// difference is change), card may not.
func (d *Desk) Pay(ctx context.Context, kind sale.PaymentKind, amount int64) (sale.PaymentID, error) {
	var pid sale.PaymentID
	err := d.do(ctx, func(ctx context.Context) (*request, error) {
		id, err := d.openBill()
		if err != nil {
			return nil, err
		}
		b, t, err := d.cfg.Sales.Totals(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := unresolved(&b); err != nil {
			return nil, err
		}
		r := &request{
			desc: Text("desk.request.pay", map[string]any{"Amount": d.money(amount)}),
			args: map[string]any{"bill": int64(id), "kind": int(kind), "amount": amount},
			run: func(ctx context.Context) error {
				pid, err = d.cfg.Sales.AddPayment(ctx, id, kind, amount)
				return err
			},
		}
		r.checks = d.payChecks(ctx, &b, &t, r)
		return r, nil
	})
	return pid, err
}

// Sold is the result of a checkout.
type Sold struct {
	Bill   sale.Bill
	Totals sale.Totals
	Change int64
	// DrawerOpened is true when the drawer was opened for cash. DrawerDenied
	// holds the verdict when drawer.open was refused (the sale is done
	// anyway: the drawer never blocks a receipt); DrawerErr a device error.
	DrawerOpened bool
	DrawerDenied *policy.Verdict
	DrawerErr    error
}

// Checkout fiscalises the open, paid bill on the register with the
// cashier's name and INN, then opens the drawer if cash was taken and
// drawer.open.payment allows. A register error leaves the bill as the journal says
// (Open to fix and retry, Fiscalising to Reconcile); the error's message
// says what to do.
func (d *Desk) Checkout(ctx context.Context) (Sold, error) {
	var out Sold
	err := d.do(ctx, func(ctx context.Context) (*request, error) {
		id, err := d.openBill()
		if err != nil {
			return nil, err
		}
		b, t, err := d.cfg.Sales.Totals(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := sale.CheckPaid(&t, d.cfg.Money); err != nil {
			return nil, err
		}
		// A return by receipt is held to its receipt once more before it
		// is printed: another return of the same receipt may have been
		// finished meanwhile.
		if err := d.cfg.Sales.CheckReturn(ctx, id); err != nil {
			return nil, err
		}
		r := &request{
			desc: Text("desk.request.checkout", map[string]any{"Amount": d.money(t.Due)}),
			args: map[string]any{"bill": int64(id), "total": t.Due, "kind": int(b.Kind)},
			run: func(ctx context.Context) error {
				out, err = d.fiscalise(ctx, id, func(ctx context.Context) (sale.Bill, error) {
					return d.cfg.Checkout.Checkout(ctx, id, d.registerCashier())
				})
				return err
			},
		}
		r.checks = d.payChecks(ctx, &b, &t, r)
		return r, nil
	})
	return out, err
}

// Retry reconciles a bill whose checkout failed and, only if the register
// proves no receipt exists, checks it out again. It was decided when first
// checked out, so it asks no right again.
func (d *Desk) Retry(ctx context.Context) (Sold, error) {
	var out Sold
	err := d.do(ctx, func(ctx context.Context) (*request, error) {
		id, err := d.openBill()
		if err != nil {
			return nil, err
		}
		return &request{
			name: "checkout.retry",
			desc: Text("desk.request.checkout", map[string]any{"Amount": ""}),
			args: map[string]any{"bill": int64(id)},
			run: func(ctx context.Context) error {
				out, err = d.fiscalise(ctx, id, func(ctx context.Context) (sale.Bill, error) {
					return d.cfg.Checkout.Retry(ctx, id, d.registerCashier())
				})
				return err
			},
		}, nil
	})
	return out, err
}

// Reconcile proves what became of the open bill's receipt without sending
// anything ("Reconcile" next to "Retry").
func (d *Desk) Reconcile(ctx context.Context) (sale.Outcome, error) {
	var out sale.Outcome
	err := d.do(ctx, func(ctx context.Context) (*request, error) {
		id, err := d.openBill()
		if err != nil {
			return nil, err
		}
		return &request{
			name: "checkout.reconcile",
			desc: Text("desk.request.checkout", map[string]any{"Amount": ""}),
			args: map[string]any{"bill": int64(id)},
			run: func(ctx context.Context) error {
				out, err = d.cfg.Checkout.Reconcile(ctx, id)
				if err != nil {
					return registerErr("reconcile", err)
				}
				if out == sale.OutcomeFiscalised {
					d.mu.Lock()
					d.bill, d.lastReceipt = 0, id
					sess := d.session
					d.mu.Unlock()
					// The customer still waits for the change: the drawer
					// opens as after a checkout (LastSold tells the screen).
					if _, t, err := d.cfg.Sales.Totals(ctx, id); err == nil && t.Cash > 0 {
						sold := Sold{Bill: sale.Bill{ID: id}}
						d.openDrawerForCash(ctx, sess, &sold)
					}
				}
				return nil
			},
		}, nil
	})
	return out, err
}

// fiscalise runs a checkout call and settles the desk's state after it.
func (d *Desk) fiscalise(ctx context.Context, id sale.BillID, call func(context.Context) (sale.Bill, error)) (Sold, error) {
	b, err := call(ctx)
	if err != nil {
		var se *sale.Error
		if errors.As(err, &se) {
			return Sold{Bill: b}, err
		}
		if errors.Is(err, syscall.ENOSPC) {
			// The journal refused before the register was asked (a
			// printed receipt comes as sale.ErrNotRecorded above).
			return Sold{Bill: b}, &Error{Kind: err, Msg: Text("desk.error.disk_full_not_printed", nil), Err: fmt.Errorf("checkout: %w", err)}
		}
		return Sold{Bill: b}, registerErr("checkout", err)
	}
	// Totals are for the screen; the receipt is printed either way, so an
	// error reading them back is not the checkout's.
	_, t, _ := d.cfg.Sales.Totals(ctx, id)
	out := Sold{Bill: b, Totals: t, Change: t.Change}
	d.mu.Lock()
	d.bill, d.lastReceipt = 0, id
	delete(d.prebills, id)
	sess := d.session
	d.mu.Unlock()
	if t.Cash > 0 {
		d.openDrawerForCash(ctx, sess, &out)
	}
	return out, nil
}

// openDrawerForCash opens the drawer after a cash receipt when
// drawer.open.payment allows it (drawer.open is the drawer without a sale);
// a denial is audited and reported, never an error.
func (d *Desk) openDrawerForCash(ctx context.Context, sess policy.Session, out *Sold) {
	p := sess.Principal()
	v := policy.Decide(d.cfg.Holder.Load(), p, policy.ActionDrawerPayment, policy.Args{})
	if !v.Allowed {
		out.DrawerDenied = &v
		var approver policy.UserID
		if p.Elevated() {
			approver = p.As
		}
		out.DrawerErr = d.audit(ctx, AuditEntry{
			Action: string(policy.ActionDrawerPayment), Actor: sess.Cashier,
			Approver: approver, Outcome: OutcomeDenied, Reason: v.String(),
		},
			map[string]any{"bill": int64(out.Bill.ID), "request": "drawer after cash payment"})
		return
	}
	if err := d.cfg.Register.OpenDrawer(ctx); err != nil {
		out.DrawerErr = registerErr("open drawer", err)
		return
	}
	out.DrawerOpened = true
}

// ReprintLast allows reprinting the last fiscal receipt of this session
// and returns its bill (number, sign, lines) for the copy: the register's
// own copy (8Ch) when the receipt is its last document, else the till's
// text copy (see printCopy).
func (d *Desk) ReprintLast(ctx context.Context) (sale.Bill, error) {
	var out sale.Bill
	err := d.do(ctx, func(ctx context.Context) (*request, error) {
		d.mu.Lock()
		id := d.lastReceipt
		d.mu.Unlock()
		if id == 0 {
			return nil, newErr(ErrNoBill, "desk.error.no_bill", nil, nil)
		}
		return &request{
			checks: []check{{action: policy.ActionReprintReceipt}},
			desc:   Text("desk.request.reprint", nil),
			args:   map[string]any{"bill": int64(id)},
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

// printCopy prints a copy of the fiscalised bill b. When the register can
// repeat a document and b's receipt is the last document in its fiscal
// storage (nothing open after it), the register prints its own copy (8Ch):
// the fiscal document exactly as printed. Otherwise — an older receipt, a
// shift or correction document since, a register without the command —
// the till's text copy goes out with 17h as before.
//
// Either way it prints only when PrintsText: otherwise the window shows
// the copy on screen and says nothing was printed, which must stay true.
func (d *Desk) printCopy(ctx context.Context, b sale.Bill, t sale.Totals) error {
	if _, prints := d.textPrinter(); !prints {
		return nil
	}
	if rep, ok := d.cfg.Register.(device.DocumentRepeater); ok && b.Fiscal.Number != 0 {
		last, open, err := d.cfg.Register.LastDocument(ctx)
		if err == nil && open == 0 && last == b.Fiscal.Number {
			err := rep.RepeatDocument(ctx)
			if err == nil {
				return nil
			}
			if !errors.Is(err, device.ErrCannotRepeat) {
				return registerErr("repeat document", err)
			}
		}
	}
	_, err := d.printText(ctx, func(tp *sale.Tape) []string { return tp.Copy(b, t) })
	return err
}

// PrintsText says whether PreBill and ReprintLast print on the register's
// tape (else the UI shows their content).
func (d *Desk) PrintsText() bool {
	_, ok := d.textPrinter()
	return ok
}

// textPrinter is the register as a text printer, when the till has a Tape
// to write with and the register prints text.
func (d *Desk) textPrinter() (device.TextPrinter, bool) {
	p, ok := d.cfg.Register.(device.TextPrinter)
	return p, ok && d.cfg.Tape != nil
}

// printText prints what doc writes on the register's tape when the till has
// a Tape and the register prints text; false, nil when it does not (the UI
// shows the content instead).
func (d *Desk) printText(ctx context.Context, doc func(*sale.Tape) []string) (bool, error) {
	p, ok := d.textPrinter()
	if !ok {
		return false, nil
	}
	if err := p.PrintText(ctx, doc(d.cfg.Tape)); err != nil {
		return false, registerErr("print text", err)
	}
	return true, nil
}
