package desk

import (
	"context"
	"fmt"

	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/sale"
)

// ClearPayments takes back every tender recorded on the open bill before it
// is checked out: the cashier typed a wrong amount, or the customer changes
// from card to cash. The money goes back to the customer first, so the bill
// and the drawer agree. Undoing the bill's own payments asks no right (a
// cashier who took the money, or paid it out under an approval, can always
// give it back); it is audited every time.
func (d *Desk) ClearPayments(ctx context.Context) error {
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
			name:   "bill.payments.clear",
			always: true,
			desc:   Text("desk.request.clear_payments", nil),
			args:   map[string]any{"bill": int64(id), "payments": len(b.Payments), "paid": t.Paid},
			run: func(ctx context.Context) error {
				for _, p := range b.Payments {
					if err := d.cfg.Sales.RemovePayment(ctx, id, p.ID); err != nil {
						return err
					}
				}
				return nil
			},
		}, nil
	})
}

// Verdict is the decision on action a with zero arguments for the current
// session. The sale screen uses it beyond Allowed: a button whose action is
// denied but could be approved stays pressable, so the cashier gets the
// denial with its reason and "Ask supervisor"; one nobody could approve is
// greyed out.
func (d *Desk) Verdict(a policy.Action) policy.Verdict {
	return policy.Decide(d.cfg.Holder.Load(), d.Session().Principal(), a, policy.Args{})
}

// Item looks a barcode up in the catalogue without selling it: the sale
// screen asks the weight of a weighed item scanned by its plain EAN (no
// weight label) before ringing it up. Looking up decides nothing.
func (d *Desk) Item(ctx context.Context, barcode string) (sale.Item, error) {
	it, err := d.cfg.Store.ItemByBarcode(ctx, barcode)
	if err != nil {
		return sale.Item{}, fmt.Errorf("barcode %s: %w", barcode, err)
	}
	return it, nil
}
