package sale

import (
	"math/bits"
	"sort"
)

// LineTotal is what one line of a bill comes to, after both discounts.
type LineTotal struct {
	Line         LineID
	Index        int   // position in Bill.Lines
	Gross        int64 // round-half-up(unit price × quantity)
	LineDiscount int64 // the line's own discount
	BillDiscount int64 // this line's share of the total discount
	Amount       int64 // Gross − LineDiscount − BillDiscount, never negative
	VATCode      VATCode
	VATRate      int64 // basis points
	VAT          int64 // this line's share of its rate's VAT
}

// VATTotal is the sum of one rate over a bill.
type VATTotal struct {
	Code   VATCode
	Rate   int64
	Amount int64 // VAT included
	VAT    int64 // VATPart(Amount, Rate)
}

// Totals is everything a bill comes to. Invariants (property-tested):
// Σ Lines.Amount == Due; Σ VAT.Amount == Due; Σ VAT.VAT == VATTotal;
// for each rate Σ line VAT == that rate's VAT; Σ BillDiscount == BillDiscount.
type Totals struct {
	Lines         []LineTotal // lines not voided, in bill order
	Gross         int64
	LineDiscounts int64
	Subtotal      int64 // Gross − LineDiscounts: what the total discount applies to
	BillDiscount  int64
	Due           int64
	VAT           []VATTotal // in order of first appearance on the bill
	VATTotal      int64

	Cash, NonCash, Paid int64
	Remaining           int64 // Due − Paid when positive
	Change              int64 // Paid − Due when positive (always ≤ Cash once CheckPaid passes)
}

// Compute works out a bill's totals. It fails on data no rule accepts
// (negative price, zero quantity, a discount larger than its line or bill,
// an unknown VAT code, overflow); it does not judge whether the bill is paid,
// see CheckPaid.
func Compute(b *Bill, vat *VATTable) (Totals, error) {
	var t Totals
	var err error
	for i := range b.Lines {
		l := &b.Lines[i]
		if l.Voided {
			continue
		}
		lt := LineTotal{Line: l.ID, Index: i, VATCode: l.VAT}
		r, err := vat.Rate(l.VAT)
		if err != nil {
			return Totals{}, err
		}
		lt.VATRate = r.Rate
		if lt.Gross, err = LineAmount(l.UnitPrice, l.QtyMilli); err != nil {
			return Totals{}, err
		}
		if lt.LineDiscount, err = discountOf(l.Discount, lt.Gross, "sale.error.discount_line"); err != nil {
			return Totals{}, err
		}
		lt.Amount = lt.Gross - lt.LineDiscount
		if t.Gross, err = Add(t.Gross, lt.Gross); err != nil {
			return Totals{}, err
		}
		if t.Subtotal, err = Add(t.Subtotal, lt.Amount); err != nil {
			return Totals{}, err
		}
		t.Lines = append(t.Lines, lt)
	}
	t.LineDiscounts = t.Gross - t.Subtotal
	if t.BillDiscount, err = discountOf(b.Discount, t.Subtotal, "sale.error.discount_total"); err != nil {
		return Totals{}, err
	}
	weights := make([]int64, len(t.Lines))
	for i := range t.Lines {
		weights[i] = t.Lines[i].Amount
	}
	shares, err := Allocate(t.BillDiscount, weights)
	if err != nil {
		return Totals{}, err
	}
	for i := range t.Lines {
		t.Lines[i].BillDiscount = shares[i]
		t.Lines[i].Amount -= shares[i]
	}
	t.Due = t.Subtotal - t.BillDiscount

	if err := t.computeVAT(); err != nil {
		return Totals{}, err
	}
	if err := t.computePayments(b.Payments); err != nil {
		return Totals{}, err
	}
	return t, nil
}

// computeVAT takes VAT per rate from the rate's total (as the register does
// for the receipt's tax sums), then spreads it over the rate's lines by
// largest remainder, so line VATs add up to the receipt's exactly. A line's
// share differs from VATPart(line) by at most one minor unit.
func (t *Totals) computeVAT() error {
	idx := map[VATCode]int{}
	for _, l := range t.Lines {
		i, ok := idx[l.VATCode]
		if !ok {
			i = len(t.VAT)
			idx[l.VATCode] = i
			t.VAT = append(t.VAT, VATTotal{Code: l.VATCode, Rate: l.VATRate})
		}
		t.VAT[i].Amount += l.Amount // bounded by Due, no overflow
	}
	for i := range t.VAT {
		v := &t.VAT[i]
		var err error
		if v.VAT, err = VATPart(v.Amount, v.Rate); err != nil {
			return err
		}
		t.VATTotal += v.VAT
		var members []int
		var weights []int64
		for j, l := range t.Lines {
			if l.VATCode == v.Code {
				members = append(members, j)
				weights = append(weights, l.Amount)
			}
		}
		shares, err := Allocate(v.VAT, weights)
		if err != nil {
			return err
		}
		for k, j := range members {
			t.Lines[j].VAT = shares[k]
		}
	}
	return nil
}

func (t *Totals) computePayments(ps []Payment) error {
	var err error
	for _, p := range ps {
		if p.Amount <= 0 {
			return newErr(ErrPayment, "sale.error.payment", nil)
		}
		switch p.Kind {
		case PayCash:
			t.Cash, err = Add(t.Cash, p.Amount)
		case PayCard:
			t.NonCash, err = Add(t.NonCash, p.Amount)
		default:
			return newErr(ErrPayment, "sale.error.payment", nil)
		}
		if err != nil {
			return err
		}
	}
	if t.Paid, err = Add(t.Cash, t.NonCash); err != nil {
		return err
	}
	if t.Paid >= t.Due {
		t.Change = t.Paid - t.Due
	} else {
		t.Remaining = t.Due - t.Paid
	}
	return nil
}

// CheckPaid says whether a bill may go to the register: it has lines, a
// total above zero (ErrEmptyBill otherwise), the payments cover the total, and only cash exceeds it (change comes out of
// the drawer; a card cannot be charged more than the bill).
func CheckPaid(t *Totals, f *Formatter) error {
	if len(t.Lines) == 0 {
		return newErr(ErrEmptyBill, "sale.error.empty_bill", nil)
	}
	if t.Due == 0 {
		// The register refuses a zero receipt (error 8Eh); say so before
		// the journal and the register are involved.
		return newErr(ErrEmptyBill, "sale.error.zero_total", nil)
	}
	if t.NonCash > t.Due {
		return newErr(ErrOverpaid, "sale.error.overpaid", map[string]any{"Excess": money(f, t.NonCash-t.Due)})
	}
	if t.Paid < t.Due {
		return newErr(ErrUnderpaid, "sale.error.underpaid", map[string]any{"Missing": money(f, t.Remaining)})
	}
	return nil
}

func money(f *Formatter, v int64) string {
	if f == nil {
		return formatPlain(v)
	}
	return f.Format(v)
}

// formatPlain writes minor units with two decimals, for messages built
// without a Formatter (tests, logs).
func formatPlain(v int64) string {
	u := abs64(v)
	s := make([]byte, 0, 24)
	if v < 0 {
		s = append(s, '-')
	}
	s = appendUint(s, u/100)
	s = append(s, '.', byte('0'+u%100/10), byte('0'+u%10))
	return string(s)
}

func appendUint(s []byte, u uint64) []byte {
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + u%10)
		u /= 10
		if u == 0 {
			break
		}
	}
	return append(s, buf[i:]...)
}

// discountOf turns a discount into minor units of base. A percentage is
// round-half-up(base × bp / 10000) and must be 0..100 %; an amount must not
// exceed base, so a discount never makes a line or bill negative.
func discountOf(d Discount, base int64, tooLarge string) (int64, error) {
	switch d.Kind {
	case DiscountNone:
		return 0, nil
	case DiscountPercent:
		if d.Value < 0 || d.Value > 10000 {
			return 0, newErr(ErrDiscount, "sale.error.discount_range", nil)
		}
		return MulDiv(base, d.Value, 10000)
	case DiscountAmount:
		if d.Value < 0 {
			return 0, negative("amount")
		}
		if d.Value > base {
			return 0, newErr(ErrDiscount, tooLarge, nil)
		}
		return d.Value, nil
	}
	return 0, newErr(ErrDiscount, "sale.error.discount_range", nil)
}

// Allocate splits total over weights proportionally by the largest
// remainder method: each share starts as floor(total × w / Σw), and the
// minor units left over go one each to the largest remainders (ties to the
// earlier line, so the result is deterministic). The shares add up to total
// exactly and no share exceeds its weight when total ≤ Σw. Weights must not
// be negative; total must be 0..Σw.
func Allocate(total int64, weights []int64) ([]int64, error) {
	shares := make([]int64, len(weights))
	if total == 0 {
		return shares, nil
	}
	sum, err := Sum(weights...)
	if err != nil {
		return nil, err
	}
	for _, w := range weights {
		if w < 0 {
			return nil, negative("amount")
		}
	}
	if total < 0 || total > sum {
		return nil, newErr(ErrDiscount, "sale.error.discount_total", nil)
	}
	type rem struct {
		i int
		r uint64
	}
	rems := make([]rem, 0, len(weights))
	var given int64
	for i, w := range weights {
		hi, lo := bits.Mul64(uint64(total), uint64(w))
		// total ≤ sum, so total×w/sum ≤ w fits: Div64 cannot overflow.
		q, r := bits.Div64(hi, lo, uint64(sum))
		shares[i] = int64(q)
		given += int64(q)
		if r != 0 {
			rems = append(rems, rem{i, r})
		}
	}
	left := total - given // < len(rems): each remainder is below one unit
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].r > rems[b].r })
	for k := int64(0); k < left; k++ {
		shares[rems[k].i]++
	}
	return shares, nil
}
