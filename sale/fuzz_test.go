package sale

import (
	"testing"

	"github.com/tillpos/till/device"
)

// FuzzTotals feeds arbitrary numbers (negative, huge, zero) through Compute
// and BuildReceipt: they must never panic, and whenever they accept a bill
// the invariants hold.
func FuzzTotals(f *testing.F) {
	f.Add(int64(3333), int64(3000), int64(9990), int64(3333), int64(1000), int64(1000), uint8(0x25), int64(20000))
	f.Add(int64(9e16), int64(1_000_000), int64(1), int64(1), int64(0), int64(0), uint8(0), int64(0))
	f.Add(int64(100), int64(10500), int64(0), int64(1000), int64(10000), int64(9999), uint8(0x1a), int64(1))
	f.Add(int64(-5), int64(0), int64(1<<62), int64(1<<62), int64(-1), int64(1<<62), uint8(0xff), int64(-1))
	f.Fuzz(func(t *testing.T, p1, q1, p2, q2, ld, bd int64, kinds uint8, cash int64) {
		v := ru(t)
		b := Bill{
			Kind: BillKind(1 + kinds>>7),
			Lines: []Line{
				{ID: 1, UnitPrice: p1, QtyMilli: q1, VAT: vatCodes[int(kinds)%len(vatCodes)], Discount: Discount{DiscountKind(kinds & 3), ld}},
				{ID: 2, UnitPrice: p2, QtyMilli: q2, VAT: vatCodes[int(kinds>>3)%len(vatCodes)], Voided: kinds&0x40 != 0},
			},
			Discount: Discount{DiscountKind(kinds >> 2 & 3), bd},
			Payments: []Payment{{Kind: PayCash, Amount: cash}},
		}
		tot, err := Compute(&b, v)
		if err != nil {
			return
		}
		var sum, vat int64
		for _, l := range tot.Lines {
			if l.Amount < 0 || l.VAT < 0 || l.VAT > l.Amount {
				t.Fatalf("line %+v", l)
			}
			sum += l.Amount
			vat += l.VAT
		}
		if sum != tot.Due || vat != tot.VATTotal || tot.Due < 0 {
			t.Fatalf("lines %d/%d, totals %+v", sum, vat, tot)
		}
		r, err := BuildReceipt(&b, &tot, v, device.Cashier{})
		if err != nil {
			return
		}
		if rt, err := ReceiptTotal(&r); err != nil || rt != tot.Due {
			t.Fatalf("receipt total %d, due %d, %v", rt, tot.Due, err)
		}
	})
}
