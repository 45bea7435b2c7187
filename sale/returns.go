package sale

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Returns by receipt. A return that names its sale (Bill.ReturnOf) holds
// only lines of that sale, each linked to the sold line it takes back
// (Line.ReturnOf), each at most what was sold minus what other returns of
// the sale already take back, and refunds what the customer actually paid
// for it: the sold line's amount after its own discount and its share of
// the total discount, in proportion to the quantity. Partial returns add
// up: the refund for the first c units of a line is round(A × c / Q) of its
// paid amount A for Q units, so the last return of a line refunds exactly
// what is left of A. Other goods are a return without a receipt, its own
// bill under its own right.

// Errors of returns by receipt.
var (
	ErrNotOnReceipt     = errors.New("sale: item is not on the receipt returned")
	ErrReturnQuantity   = errors.New("sale: more than is left to return of the line")
	ErrReturnedInFull   = errors.New("sale: the receipt has already been returned in full")
	ErrReturnPriceFixed = errors.New("sale: the price of a return by receipt is the price paid")
)

func init() {
	for k, v := range map[string]string{
		"sale.error.not_on_receipt":     "{{.Item}} is not on receipt {{.Receipt}}: finish this return, then take it back as a return without a receipt.",
		"sale.error.return_quantity":    "Only {{.Left}} of {{.Item}} can still be returned on receipt {{.Receipt}}.",
		"sale.error.returned_in_full":   "Receipt {{.Receipt}} has already been returned in full (return receipt {{.Returns}}): it cannot be returned again.",
		"sale.error.return_pending":     "Receipt {{.Receipt}} is already being returned on bill {{.Bill}}: finish or cancel that return first.",
		"sale.error.return_price_fixed": "On a return by receipt the customer gets what they paid: prices and discounts cannot be changed.",
	} {
		messages[k] = v
	}
}

// ReturnLedger is what the store knows about earlier returns of a sale. The
// Bills repository given to NewSales implements it (the store's does); one
// that does not holds a return to its receipt but not to earlier returns.
type ReturnLedger interface {
	// ReturnedLines: the lines, not voided, of every return bill of sale
	// orig that is not cancelled, except bill except, with ReturnOf set.
	ReturnedLines(ctx context.Context, orig, except BillID) ([]Line, error)
	// ReturnBills: the return bills of orig that are not cancelled (ID,
	// state, FD number), oldest first.
	ReturnBills(ctx context.Context, orig BillID) ([]Bill, error)
}

// SoldLine is one line of a receipt as a return sees it.
type SoldLine struct {
	Line   Line  // as sold
	Qty    int64 // sold quantity
	Amount int64 // paid for it: after its discount and its share of the total discount
	// Returned by other return bills (open ones included).
	ReturnedQty, ReturnedAmount int64
}

// LeftQty is the quantity that can still be returned.
func (s *SoldLine) LeftQty() int64 { return s.Qty - s.ReturnedQty }

// Receipt is a sold bill with what is left to return of each line.
type Receipt struct {
	Bill  Bill
	Lines []SoldLine // lines not voided, in bill order
}

func (r *Receipt) line(id LineID) *SoldLine {
	for i := range r.Lines {
		if r.Lines[i].Line.ID == id {
			return &r.Lines[i]
		}
	}
	return nil
}

// Left is the total quantity left to return over all lines.
func (r *Receipt) Left() int64 {
	var n int64
	for i := range r.Lines {
		n += r.Lines[i].LeftQty()
	}
	return n
}

// ReturnableOf reads sale orig with what other return bills than except
// already take back of each line.
func (s *Sales) ReturnableOf(ctx context.Context, orig, except BillID) (Receipt, error) {
	b, err := s.bills.Get(ctx, orig)
	if err != nil {
		return Receipt{}, fmt.Errorf("receipt of bill %d: %w", orig, err)
	}
	t, err := Compute(&b, s.vat)
	if err != nil {
		return Receipt{}, fmt.Errorf("receipt of bill %d: %w", orig, err)
	}
	r := Receipt{Bill: b}
	for _, lt := range t.Lines {
		l := b.Lines[lt.Index]
		r.Lines = append(r.Lines, SoldLine{Line: l, Qty: l.QtyMilli, Amount: lt.Amount})
	}
	ledger, ok := s.bills.(ReturnLedger)
	if !ok {
		return r, nil
	}
	done, err := ledger.ReturnedLines(ctx, orig, except)
	if err != nil {
		return Receipt{}, err
	}
	for _, l := range done {
		sl := r.line(l.ReturnOf)
		if sl == nil {
			continue // a line of an older return that names no sold line
		}
		amt, err := lineAmount(&l)
		if err != nil {
			return Receipt{}, err
		}
		sl.ReturnedQty += l.QtyMilli
		sl.ReturnedAmount += amt
	}
	return r, nil
}

// lineAmount is a line's gross less its own discount.
func lineAmount(l *Line) (int64, error) {
	g, err := LineAmount(l.UnitPrice, l.QtyMilli)
	if err != nil {
		return 0, err
	}
	d, err := discountOf(l.Discount, g, "sale.error.discount_line")
	if err != nil {
		return 0, err
	}
	return g - d, nil
}

// refundLine is the return line taking back q of sold line sl (q on top of
// what other returns took): the sold line's item at its price, with an
// amount discount that makes the line refund what was paid for q.
func refundLine(sl *SoldLine, q int64) (Line, error) {
	l := sl.Line
	out := Line{
		Item: l.Item, Barcode: l.Barcode, Name: l.Name, QtyMilli: q, UnitPrice: l.UnitPrice,
		VAT: l.VAT, Dept: l.Dept, Marking: l.Marking, ReturnOf: l.ID,
	}
	left := sl.Amount - sl.ReturnedAmount
	var refund int64
	if cum := sl.ReturnedQty + q; cum >= sl.Qty {
		refund = left
	} else {
		upTo, err := MulDiv(sl.Amount, cum, sl.Qty)
		if err != nil {
			return Line{}, err
		}
		refund = upTo - sl.ReturnedAmount
	}
	refund = max(0, min(refund, left))
	gross, err := LineAmount(out.UnitPrice, q)
	if err != nil {
		return Line{}, err
	}
	if refund > gross {
		// Rounding can leave a kopeck more to refund than q at the sold
		// price (weights, the last part of a line): raise the price to the
		// next one that covers it and discount the rest.
		num, err := Mul(refund, 1000)
		if err != nil {
			return Line{}, err
		}
		out.UnitPrice = (num + q - 1) / q
		if gross, err = LineAmount(out.UnitPrice, q); err != nil {
			return Line{}, err
		}
	}
	if d := gross - refund; d > 0 {
		out.Discount = Discount{Kind: DiscountAmount, Value: d}
	}
	return out, nil
}

// fmtQty writes milli-units as the cashier reads them: "2", "0.35".
func fmtQty(milli int64) string {
	s := strconv.FormatInt(milli/1000, 10)
	if f := milli % 1000; f != 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%03d", f), "0")
	}
	return s
}

func receiptNo(b *Bill) string { return strconv.FormatUint(uint64(b.Fiscal.Number), 10) }

// OpenReturn starts a return of fiscalised sale orig for a cashier, holding
// every line with what is left to return of it. A sale with nothing left is
// refused with ErrReturnedInFull naming the receipt (and the return that
// took it back).
func (s *Sales) OpenReturn(ctx context.Context, cashier int64, orig BillID) (Bill, error) {
	r, err := s.ReturnableOf(ctx, orig, 0)
	if err != nil {
		return Bill{}, err
	}
	if r.Left() <= 0 {
		return Bill{}, s.returnedInFull(ctx, &r.Bill)
	}
	b, err := s.Open(ctx, cashier, KindReturn, orig)
	if err != nil {
		return Bill{}, err
	}
	for i := range r.Lines {
		sl := &r.Lines[i]
		if sl.LeftQty() <= 0 {
			continue
		}
		l, err := refundLine(sl, sl.LeftQty())
		if err != nil {
			return b, fmt.Errorf("return of %q: %w", sl.Line.Name, err)
		}
		if _, err := s.addLine(ctx, b.ID, l); err != nil {
			return b, err
		}
	}
	return s.bills.Get(ctx, b.ID)
}

// ReturnedInFull is ErrReturnedInFull, naming the receipt and its returns,
// when nothing of sale orig is left to return; nil otherwise.
func (s *Sales) ReturnedInFull(ctx context.Context, orig BillID) error {
	r, err := s.ReturnableOf(ctx, orig, 0)
	if err != nil {
		return err
	}
	if r.Left() > 0 {
		return nil
	}
	return s.returnedInFull(ctx, &r.Bill)
}

func (s *Sales) returnedInFull(ctx context.Context, orig *Bill) error {
	args := map[string]any{"Receipt": receiptNo(orig), "Returns": "", "Bill": ""}
	ledger, ok := s.bills.(ReturnLedger)
	if !ok {
		return newErr(ErrReturnedInFull, "sale.error.returned_in_full", args)
	}
	rets, err := ledger.ReturnBills(ctx, orig.ID)
	if err != nil {
		return err
	}
	var nums []string
	for _, rb := range rets {
		if rb.State != StateFiscalised {
			args["Bill"] = strconv.FormatInt(int64(rb.ID), 10)
			return newErr(ErrReturnedInFull, "sale.error.return_pending", args)
		}
		nums = append(nums, strconv.FormatUint(uint64(rb.Fiscal.Number), 10))
	}
	args["Returns"] = strings.Join(nums, ", ")
	return newErr(ErrReturnedInFull, "sale.error.returned_in_full", args)
}

// byReceipt says whether b is a return held to a receipt.
func byReceipt(b *Bill) bool { return b.Kind == KindReturn && b.ReturnOf != 0 }

// addReturnItem puts qty of a scanned item on return-by-receipt b: onto the
// line already taking back that item's sold line, or a new line for the
// first sold line of the item with enough left. Goods the receipt does not
// hold are refused.
func (s *Sales) addReturnItem(ctx context.Context, b *Bill, it Item, qty int64) (LineID, error) {
	r, err := s.ReturnableOf(ctx, b.ReturnOf, b.ID)
	if err != nil {
		return 0, err
	}
	on := func(sold LineID) *Line {
		for i := range b.Lines {
			if !b.Lines[i].Voided && b.Lines[i].ReturnOf == sold {
				return &b.Lines[i]
			}
		}
		return nil
	}
	found := false
	var best int64
	for i := range r.Lines {
		sl := &r.Lines[i]
		if it.ID == 0 || sl.Line.Item != it.ID {
			continue
		}
		found = true
		have := int64(0)
		cur := on(sl.Line.ID)
		if cur != nil {
			have = cur.QtyMilli
		}
		left := sl.LeftQty() - have
		best = max(best, left)
		if left < qty {
			continue
		}
		if cur != nil {
			if err := s.setReturnQty(ctx, b.ID, cur, sl, have+qty); err != nil {
				return 0, err
			}
			return cur.ID, nil
		}
		l, err := refundLine(sl, qty)
		if err != nil {
			return 0, err
		}
		return s.addLine(ctx, b.ID, l)
	}
	args := map[string]any{"Item": it.Name, "Receipt": receiptNo(&r.Bill), "Left": fmtQty(max(best, 0))}
	if !found {
		return 0, fmt.Errorf("return item %d: %w", it.ID, newErr(ErrNotOnReceipt, "sale.error.not_on_receipt", args))
	}
	return 0, fmt.Errorf("return item %d: %w", it.ID, newErr(ErrReturnQuantity, "sale.error.return_quantity", args))
}

// setReturnQty changes the quantity of return line cur (taking back sold
// line sl) to q, with the refund recomputed for q.
func (s *Sales) setReturnQty(ctx context.Context, id BillID, cur *Line, sl *SoldLine, q int64) error {
	if q > sl.LeftQty() {
		return newErr(ErrReturnQuantity, "sale.error.return_quantity", map[string]any{
			"Item": sl.Line.Name, "Receipt": "", "Left": fmtQty(max(sl.LeftQty(), 0)),
		})
	}
	nl, err := refundLine(sl, q)
	if err != nil {
		return err
	}
	return s.changeLine(ctx, id, cur.ID, "return quantity", func(l *Line) {
		l.QtyMilli, l.UnitPrice, l.Discount = nl.QtyMilli, nl.UnitPrice, nl.Discount
	})
}

// returnQuantity is SetQuantity on a return by receipt.
func (s *Sales) returnQuantity(ctx context.Context, b *Bill, lid LineID, qty int64) error {
	var cur *Line
	for i := range b.Lines {
		if b.Lines[i].ID == lid && !b.Lines[i].Voided {
			cur = &b.Lines[i]
		}
	}
	if cur == nil {
		return fmt.Errorf("set quantity: line %d: %w", lid, ErrNotFound)
	}
	if qty <= 0 {
		return newErr(ErrQuantity, "sale.error.quantity", nil)
	}
	r, err := s.ReturnableOf(ctx, b.ReturnOf, b.ID)
	if err != nil {
		return err
	}
	sl := r.line(cur.ReturnOf)
	if sl == nil {
		return newErr(ErrNotOnReceipt, "sale.error.not_on_receipt", map[string]any{"Item": cur.Name, "Receipt": receiptNo(&r.Bill), "Left": "0"})
	}
	if qty%1000 != 0 && sl.Qty%1000 == 0 && sl.Line.Item != 0 {
		// Sold by the piece: a piece comes back whole.
		return newErr(ErrQuantity, "sale.error.quantity", nil)
	}
	err = s.setReturnQty(ctx, b.ID, cur, sl, qty)
	var se *Error
	if errors.As(err, &se) && se.Kind == ErrReturnQuantity {
		se.Args["Receipt"] = receiptNo(&r.Bill)
	}
	return err
}

// CheckReturn proves a return by receipt keeps to its receipt before it is
// printed: every line takes back a line of the sale, no more than is left
// of it after the other returns, for no more than was paid for it. Any
// other bill passes.
func (s *Sales) CheckReturn(ctx context.Context, id BillID) error {
	b, err := s.bills.Get(ctx, id)
	if err != nil {
		return err
	}
	if !byReceipt(&b) {
		return nil
	}
	r, err := s.ReturnableOf(ctx, b.ReturnOf, b.ID)
	if err != nil {
		return err
	}
	t, err := Compute(&b, s.vat)
	if err != nil {
		return err
	}
	qty := map[LineID]int64{}
	amt := map[LineID]int64{}
	for _, lt := range t.Lines {
		l := b.Lines[lt.Index]
		sl := r.line(l.ReturnOf)
		args := map[string]any{"Item": l.Name, "Receipt": receiptNo(&r.Bill), "Left": "0"}
		if sl == nil {
			return newErr(ErrNotOnReceipt, "sale.error.not_on_receipt", args)
		}
		qty[sl.Line.ID] += l.QtyMilli
		amt[sl.Line.ID] += lt.Amount
		if qty[sl.Line.ID] > sl.LeftQty() || amt[sl.Line.ID] > sl.Amount-sl.ReturnedAmount {
			args["Left"] = fmtQty(max(sl.LeftQty(), 0))
			if sl.LeftQty() <= 0 && r.Left() <= 0 {
				return s.returnedInFull(ctx, &r.Bill)
			}
			return newErr(ErrReturnQuantity, "sale.error.return_quantity", args)
		}
	}
	return nil
}

// priceFixed refuses price and discount changes on a return by receipt.
func priceFixed() error {
	return newErr(ErrReturnPriceFixed, "sale.error.return_price_fixed", nil)
}
