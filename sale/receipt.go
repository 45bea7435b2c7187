package sale

import (
	"github.com/tillpos/till/device"
)

// BuildReceipt turns a paid bill into what the register prints.
//
// The register computes each position as price × quantity and rounds; our
// line amount already includes both discounts. So each line is sent with a
// discounted unit price chosen to make the register's arithmetic land on our
// amount to the kopeck:
//
//  1. price = round-half-up(amount / qty); if price × qty rounds back to the
//     amount, send one position. (Always true for qty ≤ 1: every amount is
//     reachable. For 3 × 33.33 with 0.01 off, it is not.)
//  2. whole pieces (qty a multiple of 1000): split into two positions with
//     unit prices q and q+1, where q = amount / n and r = amount mod n
//     pieces carry the extra kopeck: 3 pcs for 99.98 -> 1 × 33.32 + 2 × 33.33.
//     Both positions are exact, and the receipt reads honestly.
//  3. fractional quantity above 1 (weighed goods): splitting a weight reads
//     badly, so when the nearest price gives price × qty within one kopeck
//     of our amount, send one position with Amount set to ours: FF46h
//     accepts an amount "within ±1 kop of price×qty".
//  4. otherwise (a heavy weight with a discount: 10.5 kg is 10.5 kopecks per
//     price step): split off 1.000 of the quantity: qty−1 at the floor
//     price, then 1.000 at whatever is left, so both positions are exact.
//
// Payments are summed per kind: cash to slot 1, card to slot 2. Cash is the
// amount tendered, so the register's change equals Totals.Change.
func BuildReceipt(b *Bill, t *Totals, vat *VATTable, cashier device.Cashier) (device.Receipt, error) {
	if err := CheckPaid(t, nil); err != nil {
		return device.Receipt{}, err
	}
	r := device.Receipt{Kind: b.Kind.ReceiptKind(), Cashier: cashier}
	for _, lt := range t.Lines {
		l := &b.Lines[lt.Index]
		slot, err := vat.Slot(l.VAT)
		if err != nil {
			return device.Receipt{}, err
		}
		base := device.ReceiptLine{Name: l.Name, Tax: slot, Dept: l.Dept, Marking: l.Marking}
		lines, err := receiptLines(base, l.QtyMilli, lt.Amount)
		if err != nil {
			return device.Receipt{}, err
		}
		r.Lines = append(r.Lines, lines...)
	}
	if t.Cash > 0 {
		r.Payments = append(r.Payments, device.Payment{Kind: device.PayCash, Amount: t.Cash})
	}
	if t.NonCash > 0 {
		r.Payments = append(r.Payments, device.Payment{Kind: device.PayElectronic, Amount: t.NonCash})
	}
	return r, nil
}

// receiptLines gives the register position(s) for qty at amount; see
// BuildReceipt for the cases.
func receiptLines(base device.ReceiptLine, qty, amount int64) ([]device.ReceiptLine, error) {
	price, err := MulDiv(amount, 1000, qty)
	if err != nil {
		return nil, err
	}
	got, err := LineAmount(price, qty)
	if err != nil {
		return nil, err
	}
	one := base
	one.QtyMilli, one.Price, one.Amount = qty, price, amount
	if got == amount {
		return []device.ReceiptLine{one}, nil
	}
	if qty%1000 != 0 {
		if d := got - amount; d >= -1 && d <= 1 {
			return []device.ReceiptLine{one}, nil // case 3
		}
		// Case 4: the floor price keeps the first part ≤ amount, so the
		// remainder is a non-negative price for exactly 1.000.
		p0, _, err := mulDivRem(amount, 1000, qty)
		if err != nil {
			return nil, err
		}
		first, err := LineAmount(p0, qty-1000)
		if err != nil {
			return nil, err
		}
		a, b := base, base
		a.QtyMilli, a.Price, a.Amount = qty-1000, p0, first
		b.QtyMilli, b.Price, b.Amount = 1000, amount-first, amount-first
		return []device.ReceiptLine{a, b}, nil
	}
	n := qty / 1000
	q, rem := amount/n, amount%n
	a, b := base, base
	a.QtyMilli, a.Price, a.Amount = (n-rem)*1000, q, (n-rem)*q
	b.QtyMilli, b.Price, b.Amount = rem*1000, q+1, rem*(q+1)
	return []device.ReceiptLine{a, b}, nil
}

// ReceiptTotal is the sum of a receipt's positions: what the register
// records as the document's amount.
func ReceiptTotal(r *device.Receipt) (int64, error) {
	var s int64
	for _, l := range r.Lines {
		var err error
		if s, err = Add(s, l.Amount); err != nil {
			return 0, err
		}
	}
	return s, nil
}
