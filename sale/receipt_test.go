package sale

import (
	"math/rand"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tillpos/till/device"
)

func TestReceiptLines(t *testing.T) {
	base := device.ReceiptLine{Name: "x", Tax: device.Tax20}
	mk := func(q, p, a int64) device.ReceiptLine {
		l := base
		l.QtyMilli, l.Price, l.Amount = q, p, a
		return l
	}
	tests := []struct {
		name        string
		qty, amount int64
		want        []device.ReceiptLine
	}{
		{"exact", 3000, 9999, []device.ReceiptLine{mk(3000, 3333, 9999)}},
		{"3 × 33.33 minus 0.01: split", 3000, 9998, []device.ReceiptLine{mk(1000, 3332, 3332), mk(2000, 3333, 6666)}},
		{"3 × 33.33 minus 0.02: split", 3000, 9997, []device.ReceiptLine{mk(2000, 3332, 6664), mk(1000, 3333, 3333)}},
		{"weighed below 1 kg always exact", 350, 1234, []device.ReceiptLine{mk(350, 3526, 1234)}},
		{"weighed 1.5 kg within a kopeck: amount field", 1500, 1001, []device.ReceiptLine{mk(1500, 667, 1001)}},
		{"heavy weighed: split off 1.000", 10500, 100000, []device.ReceiptLine{mk(9500, 9523, 90469), mk(1000, 9531, 9531)}},
		{"zero after 100 % discount", 2000, 0, []device.ReceiptLine{mk(2000, 0, 0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := receiptLines(base, tt.qty, tt.amount)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Fatalf("(-want +got):\n%s", d)
			}
		})
	}
}

// TestReceiptAgreesWithRegister: for random bills, the register's own
// arithmetic (price × qty, rounded) on our positions gives our amounts: exactly
// where Amount is not needed, within one kopeck where it is, and the receipt
// total always equals the bill's due.
func TestReceiptAgreesWithRegister(t *testing.T) {
	v := ru(t)
	rng := rand.New(rand.NewSource(3))
	cashier := device.Cashier{Name: "Иванов И.И.", INN: "7766888321"}
	for c := 0; c < 5000; c++ {
		b := randomBill(rng)
		b.Kind = KindSale
		if c%2 == 1 {
			b.Kind = KindReturn
		}
		tot, err := Compute(&b, v)
		if err != nil {
			continue // rejected discounts are covered by TestComputeProperties
		}
		if len(tot.Lines) == 0 || tot.Due == 0 {
			continue // refused by CheckPaid, see TestCheckPaidZeroTotal
		}
		b.Payments = []Payment{{Kind: PayCard, Amount: tot.Due / 2}, {Kind: PayCash, Amount: tot.Due - tot.Due/2 + rng.Int63n(5000)}}
		if tot.Due/2 == 0 {
			b.Payments = b.Payments[1:]
		}
		if tot, err = Compute(&b, v); err != nil {
			t.Fatal(err)
		}
		r, err := BuildReceipt(&b, &tot, v, cashier)
		if err != nil {
			t.Fatalf("case %d: %v", c, err)
		}
		if r.Kind != b.Kind.ReceiptKind() || r.Cashier != cashier {
			t.Fatalf("case %d: kind %v cashier %v", c, r.Kind, r.Cashier)
		}
		sum, _ := ReceiptTotal(&r)
		if sum != tot.Due {
			t.Fatalf("case %d: receipt total %d, due %d", c, sum, tot.Due)
		}
		for _, l := range r.Lines {
			reg, err := LineAmount(l.Price, l.QtyMilli)
			if err != nil || l.Price < 0 {
				t.Fatalf("case %d: %+v: %v", c, l, err)
			}
			if d := reg - l.Amount; d < -1 || d > 1 || (d != 0 && l.QtyMilli%1000 == 0) {
				t.Fatalf("case %d: register computes %d for %+v", c, reg, l)
			}
		}
		var paid int64
		for _, p := range r.Payments {
			paid += p.Amount
		}
		if paid != tot.Paid || paid-sum != tot.Change {
			t.Fatalf("case %d: payments %+v, change %d", c, r.Payments, tot.Change)
		}
	}
}

func TestBuildReceiptItalianRateRefused(t *testing.T) {
	it, _ := VATTableFor("IT")
	b := Bill{Kind: KindSale, Lines: []Line{line(1, 1000, 1000, "22")}, Payments: []Payment{{Kind: PayCash, Amount: 1000}}}
	tot, err := Compute(&b, it)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := BuildReceipt(&b, &tot, it, device.Cashier{}); err == nil {
		t.Fatal("an Italian rate reached a Shtrih-M slot")
	}
}
