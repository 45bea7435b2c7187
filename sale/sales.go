package sale

import (
	"context"
	"fmt"
	"time"
)

// Sales rings up bills: every change is applied to a copy of the stored
// bill, checked by Compute (no negative line, no discount beyond its line or
// bill, no overflow, a known VAT rate), and only then stored, so a bill in
// the store is always one the register would accept.
//
// Sales does not decide who may do what: the caller asks policy.Decide first
// (discount limits, manual price, void line...) and passes the verdict's
// outcome by calling or not calling these methods.
type Sales struct {
	bills Bills
	vat   *VATTable
	money *Formatter
	now   func() time.Time
}

// NewSales returns a Sales over a Bills repository. money formats amounts
// inside cashier messages in the store's language; it and now may be nil.
func NewSales(bills Bills, vat *VATTable, money *Formatter, now func() time.Time) *Sales {
	if now == nil {
		now = time.Now
	}
	return &Sales{bills: bills, vat: vat, money: money, now: now}
}

// Open starts a bill for a cashier. A return may name the sale it reverses
// (0 when the customer has no receipt).
func (s *Sales) Open(ctx context.Context, cashier int64, kind BillKind, returnOf BillID) (Bill, error) {
	if kind != KindSale && kind != KindReturn {
		return Bill{}, fmt.Errorf("open bill: unknown kind %d", kind)
	}
	b, err := s.bills.Create(ctx, Bill{Kind: kind, CashierID: cashier, ReturnOf: returnOf})
	if err != nil {
		return Bill{}, fmt.Errorf("open bill: %w", err)
	}
	return b, nil
}

// load returns an Open bill.
func (s *Sales) load(ctx context.Context, id BillID) (Bill, error) {
	b, err := s.bills.Get(ctx, id)
	if err != nil {
		return Bill{}, err
	}
	if b.State != StateOpen {
		return Bill{}, fmt.Errorf("bill %d is %s: %w", id, b.State, notOpen())
	}
	return b, nil
}

// check computes the totals of a prospective bill.
func (s *Sales) check(b *Bill) (Totals, error) { return Compute(b, s.vat) }

// AddItem adds a catalogue item. Pieces come in whole units; weighed items in
// any positive number of grams.
func (s *Sales) AddItem(ctx context.Context, id BillID, it Item, qtyMilli int64) (LineID, error) {
	if qtyMilli <= 0 || (!it.Weighed && qtyMilli%1000 != 0) {
		return 0, fmt.Errorf("add item %d: %w", it.ID, newErr(ErrQuantity, "sale.error.quantity", nil))
	}
	l := Line{
		Item: it.ID, Barcode: it.Barcode, Name: it.Name, QtyMilli: qtyMilli,
		UnitPrice: it.Price, VAT: it.VAT, Dept: it.Dept,
	}
	return s.addLine(ctx, id, l)
}

// AddGeneric adds an item without a catalogue card at a typed price.
func (s *Sales) AddGeneric(ctx context.Context, id BillID, name string, price, qtyMilli int64, vat VATCode, dept byte) (LineID, error) {
	l := Line{Name: name, QtyMilli: qtyMilli, UnitPrice: price, VAT: vat, Dept: dept, ManualPrice: true}
	return s.addLine(ctx, id, l)
}

func (s *Sales) addLine(ctx context.Context, id BillID, l Line) (LineID, error) {
	b, err := s.load(ctx, id)
	if err != nil {
		return 0, fmt.Errorf("add line: %w", err)
	}
	if byReceipt(&b) && l.ReturnOf == 0 {
		// A scan on a return by receipt takes back a line of the receipt.
		return s.addReturnItem(ctx, &b, Item{ID: l.Item, Name: l.Name}, l.QtyMilli)
	}
	l.Added = s.now()
	b.Lines = append(b.Lines, l)
	if _, err := s.check(&b); err != nil {
		return 0, fmt.Errorf("add line %q: %w", l.Name, err)
	}
	lid, err := s.bills.AddLine(ctx, id, l)
	if err != nil {
		return 0, fmt.Errorf("add line %q: %w", l.Name, err)
	}
	return lid, nil
}

// changeLine applies f to line lid of an Open bill, checks and stores it.
func (s *Sales) changeLine(ctx context.Context, id BillID, lid LineID, what string, f func(*Line)) error {
	b, err := s.load(ctx, id)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	i := -1
	for k := range b.Lines {
		if b.Lines[k].ID == lid && !b.Lines[k].Voided {
			i = k
		}
	}
	if i < 0 {
		return fmt.Errorf("%s: line %d: %w", what, lid, ErrNotFound)
	}
	f(&b.Lines[i])
	if _, err := s.check(&b); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := s.bills.UpdateLine(ctx, id, b.Lines[i]); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// notByReceipt refuses a price or discount change on a return by receipt:
// its lines refund what the customer paid.
func (s *Sales) notByReceipt(ctx context.Context, id BillID) error {
	b, err := s.load(ctx, id)
	if err != nil {
		return err
	}
	if byReceipt(&b) {
		return priceFixed()
	}
	return nil
}

// SetQuantity changes a line's quantity; on a return by receipt within
// what is left to return of its sold line, with the refund recomputed.
func (s *Sales) SetQuantity(ctx context.Context, id BillID, lid LineID, qtyMilli int64) error {
	if b, err := s.load(ctx, id); err == nil && byReceipt(&b) {
		return s.returnQuantity(ctx, &b, lid, qtyMilli)
	}
	return s.changeLine(ctx, id, lid, "set quantity", func(l *Line) { l.QtyMilli = qtyMilli })
}

// SetPrice overrides a line's unit price (manual price).
func (s *Sales) SetPrice(ctx context.Context, id BillID, lid LineID, price int64) error {
	if err := s.notByReceipt(ctx, id); err != nil {
		return fmt.Errorf("set price: %w", err)
	}
	return s.changeLine(ctx, id, lid, "set price", func(l *Line) { l.UnitPrice, l.ManualPrice = price, true })
}

// SetLineDiscount sets or clears (DiscountNone) a line's discount.
func (s *Sales) SetLineDiscount(ctx context.Context, id BillID, lid LineID, d Discount) error {
	if err := s.notByReceipt(ctx, id); err != nil {
		return fmt.Errorf("line discount: %w", err)
	}
	return s.changeLine(ctx, id, lid, "line discount", func(l *Line) { l.Discount = d })
}

// VoidLine takes a line back. It is refused when an amount discount on the
// bill would then exceed what is left: the cashier lowers the discount first.
func (s *Sales) VoidLine(ctx context.Context, id BillID, lid LineID) error {
	b, err := s.load(ctx, id)
	if err != nil {
		return fmt.Errorf("void line: %w", err)
	}
	found := false
	for k := range b.Lines {
		if b.Lines[k].ID == lid && !b.Lines[k].Voided {
			b.Lines[k].Voided, found = true, true
		}
	}
	if !found {
		return fmt.Errorf("void line %d: %w", lid, ErrNotFound)
	}
	if _, err := s.check(&b); err != nil {
		return fmt.Errorf("void line %d: %w", lid, err)
	}
	if err := s.bills.VoidLine(ctx, id, lid); err != nil {
		return fmt.Errorf("void line %d: %w", lid, err)
	}
	return nil
}

// SetDiscount sets or clears the total discount.
func (s *Sales) SetDiscount(ctx context.Context, id BillID, d Discount) error {
	b, err := s.load(ctx, id)
	if err != nil {
		return fmt.Errorf("total discount: %w", err)
	}
	if byReceipt(&b) {
		return fmt.Errorf("total discount: %w", priceFixed())
	}
	b.Discount = d
	if _, err := s.check(&b); err != nil {
		return fmt.Errorf("total discount: %w", err)
	}
	if err := s.bills.SetDiscount(ctx, id, d); err != nil {
		return fmt.Errorf("total discount: %w", err)
	}
	return nil
}

// AddPayment records a tender. Card payments may not exceed what is left to
// pay; cash may (the difference is change).
func (s *Sales) AddPayment(ctx context.Context, id BillID, kind PaymentKind, amount int64) (PaymentID, error) {
	b, err := s.load(ctx, id)
	if err != nil {
		return 0, fmt.Errorf("add payment: %w", err)
	}
	b.Payments = append(b.Payments, Payment{Kind: kind, Amount: amount, At: s.now()})
	t, err := s.check(&b)
	if err != nil {
		return 0, fmt.Errorf("add payment: %w", err)
	}
	if t.NonCash > t.Due {
		return 0, fmt.Errorf("add payment: %w", newErr(ErrOverpaid, "sale.error.overpaid",
			map[string]any{"Excess": money(s.money, t.NonCash-t.Due)}))
	}
	pid, err := s.bills.AddPayment(ctx, id, b.Payments[len(b.Payments)-1])
	if err != nil {
		return 0, fmt.Errorf("add payment: %w", err)
	}
	return pid, nil
}

// RemovePayment takes a tender back (before checkout only).
func (s *Sales) RemovePayment(ctx context.Context, id BillID, pid PaymentID) error {
	if err := s.bills.RemovePayment(ctx, id, pid); err != nil {
		return fmt.Errorf("remove payment %d: %w", pid, err)
	}
	return nil
}

// Park puts an Open bill aside; Recall brings it back; Cancel abandons it.
func (s *Sales) Park(ctx context.Context, id BillID) error {
	return s.move(ctx, id, StateOpen, StateParked, "park")
}

func (s *Sales) Recall(ctx context.Context, id BillID) error {
	return s.move(ctx, id, StateParked, StateOpen, "recall")
}

// Cancel abandons an Open bill. A bill with payments is refused: the money
// goes back to the customer first (RemovePayment), so the drawer count and
// the journal agree.
func (s *Sales) Cancel(ctx context.Context, id BillID) error {
	b, err := s.load(ctx, id)
	if err != nil {
		return fmt.Errorf("cancel bill: %w", err)
	}
	if len(b.Payments) > 0 {
		return fmt.Errorf("cancel bill %d: %d payments to give back first: %w", id, len(b.Payments), ErrStateConflict)
	}
	return s.move(ctx, id, StateOpen, StateCancelled, "cancel")
}

func (s *Sales) move(ctx context.Context, id BillID, from, to BillState, what string) error {
	if err := s.bills.SetState(ctx, id, from, to); err != nil {
		return fmt.Errorf("%s bill %d: %w", what, id, err)
	}
	return nil
}

// Totals loads a bill and computes what it comes to.
func (s *Sales) Totals(ctx context.Context, id BillID) (Bill, Totals, error) {
	b, err := s.bills.Get(ctx, id)
	if err != nil {
		return Bill{}, Totals{}, fmt.Errorf("bill %d: %w", id, err)
	}
	t, err := Compute(&b, s.vat)
	if err != nil {
		return b, Totals{}, fmt.Errorf("bill %d: %w", id, err)
	}
	return b, t, nil
}
