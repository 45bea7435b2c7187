package sale

import (
	"errors"
	"math"
	"math/rand"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func ru(t testing.TB) *VATTable {
	t.Helper()
	v, err := VATTableFor("RU")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func line(id LineID, price, qty int64, vat VATCode) Line {
	return Line{ID: id, Name: "item", UnitPrice: price, QtyMilli: qty, VAT: vat}
}

func TestComputeExample(t *testing.T) {
	b := Bill{
		Kind: KindSale,
		Lines: []Line{
			line(1, 3333, 3000, "20"), // 99.99
			line(2, 9990, 3333, "10"), // 332.97
			{ID: 3, UnitPrice: 5000, QtyMilli: 1000, VAT: "20", Voided: true},
			{ID: 4, UnitPrice: 10000, QtyMilli: 2000, VAT: "none", Discount: Discount{DiscountPercent, 1000}}, // 200.00 - 20.00
		},
		Discount: Discount{DiscountAmount, 1000}, // 10.00 over 99.99+332.97+180.00 = 612.96
		Payments: []Payment{{Kind: PayCard, Amount: 50000}, {Kind: PayCash, Amount: 20000}},
	}
	got, err := Compute(&b, ru(t))
	if err != nil {
		t.Fatal(err)
	}
	// Shares of 10.00: 99.99/612.96 -> 163.12.., 332.97 -> 543.21.., 180.00 -> 293.65..
	// floors 163+543+293 = 999, the one left goes to the largest remainder (.65 of line 4).
	want := Totals{
		Lines: []LineTotal{
			{Line: 1, Index: 0, Gross: 9999, BillDiscount: 163, Amount: 9836, VATCode: "20", VATRate: 2000, VAT: 1639},
			{Line: 2, Index: 1, Gross: 33297, BillDiscount: 543, Amount: 32754, VATCode: "10", VATRate: 1000, VAT: 2978},
			{Line: 4, Index: 3, Gross: 20000, LineDiscount: 2000, BillDiscount: 294, Amount: 17706, VATCode: "none"},
		},
		Gross: 63296, LineDiscounts: 2000, Subtotal: 61296, BillDiscount: 1000, Due: 60296,
		VAT: []VATTotal{
			{Code: "20", Rate: 2000, Amount: 9836, VAT: 1639},  // 98.36 × 20/120 = 16.393
			{Code: "10", Rate: 1000, Amount: 32754, VAT: 2978}, // 327.54 / 11 = 29.776
			{Code: "none", Amount: 17706},
		},
		VATTotal: 4617,
		Cash:     20000, NonCash: 50000, Paid: 70000, Change: 9704,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("totals (-want +got):\n%s", d)
	}
	if err := CheckPaid(&got, nil); err != nil {
		t.Fatal(err)
	}
}

func TestComputeErrors(t *testing.T) {
	tests := []struct {
		name string
		b    Bill
		want error
		key  string
	}{
		{"line discount over line", Bill{Lines: []Line{{UnitPrice: 100, QtyMilli: 1000, VAT: "20", Discount: Discount{DiscountAmount, 101}}}}, ErrDiscount, "sale.error.discount_line"},
		{"percent over 100", Bill{Lines: []Line{{UnitPrice: 100, QtyMilli: 1000, VAT: "20", Discount: Discount{DiscountPercent, 10001}}}}, ErrDiscount, "sale.error.discount_range"},
		{"negative discount", Bill{Lines: []Line{{UnitPrice: 100, QtyMilli: 1000, VAT: "20", Discount: Discount{DiscountAmount, -1}}}}, ErrNegative, "sale.error.negative_amount"},
		{"total discount over bill", Bill{Lines: []Line{line(1, 100, 1000, "20")}, Discount: Discount{DiscountAmount, 101}}, ErrDiscount, "sale.error.discount_total"},
		{"unknown vat", Bill{Lines: []Line{line(1, 100, 1000, "22")}}, ErrVATCode, "sale.error.vat_code"},
		{"zero qty", Bill{Lines: []Line{line(1, 100, 0, "20")}}, ErrQuantity, "sale.error.quantity"},
		{"negative price", Bill{Lines: []Line{line(1, -100, 1000, "20")}}, ErrNegative, "sale.error.negative_price"},
		{"line overflow", Bill{Lines: []Line{line(1, 9e16, 1_000_000, "20")}}, ErrOverflow, "sale.error.overflow"},
		{"sum overflow", Bill{Lines: []Line{line(1, math.MaxInt64/2+1, 1000, "20"), line(2, math.MaxInt64/2+1, 1000, "20")}}, ErrOverflow, "sale.error.overflow"},
		{"zero payment", Bill{Lines: []Line{line(1, 100, 1000, "20")}, Payments: []Payment{{Kind: PayCash}}}, ErrPayment, "sale.error.payment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compute(&tt.b, ru(t))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var se *Error
			if !errors.As(err, &se) || se.Key != tt.key {
				t.Fatalf("err = %#v, want key %s", err, tt.key)
			}
		})
	}
}

func TestCheckPaid(t *testing.T) {
	v := ru(t)
	base := []Line{line(1, 10000, 1000, "20")}
	tests := []struct {
		name string
		pays []Payment
		want error
	}{
		{"exact card", []Payment{{Kind: PayCard, Amount: 10000}}, nil},
		{"cash over", []Payment{{Kind: PayCash, Amount: 50000}}, nil},
		{"mixed cash over", []Payment{{Kind: PayCard, Amount: 4000}, {Kind: PayCash, Amount: 10000}}, nil},
		{"card over", []Payment{{Kind: PayCard, Amount: 10001}}, ErrOverpaid},
		{"short", []Payment{{Kind: PayCash, Amount: 9999}}, ErrUnderpaid},
	}
	for _, tt := range tests {
		b := Bill{Lines: base, Payments: tt.pays}
		tot, err := Compute(&b, v)
		if err != nil {
			t.Fatal(err)
		}
		if err := CheckPaid(&tot, nil); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
		if tt.want == nil && (tot.Change > tot.Cash || tot.Paid-tot.Change != tot.Due) {
			t.Errorf("%s: change %d, cash %d, paid %d, due %d", tt.name, tot.Change, tot.Cash, tot.Paid, tot.Due)
		}
	}
	empty := Bill{Lines: []Line{{UnitPrice: 1, QtyMilli: 1000, VAT: "20", Voided: true}}}
	tot, _ := Compute(&empty, v)
	if err := CheckPaid(&tot, nil); !errors.Is(err, ErrEmptyBill) {
		t.Errorf("empty bill: %v", err)
	}
}

var vatCodes = []VATCode{"20", "10", "0", "none", "5", "7", "20/120", "10/110"}

// randomBill makes a bill with prices from 0.01 to ~1e7.00, weighed and
// piece quantities, random line and total discounts.
func randomBill(rng *rand.Rand) Bill {
	var b Bill
	n := 1 + rng.Intn(12)
	for i := range n {
		l := Line{ID: LineID(i + 1), VAT: vatCodes[rng.Intn(len(vatCodes))]}
		switch rng.Intn(3) {
		case 0:
			l.UnitPrice = 1 + rng.Int63n(100)
		case 1:
			l.UnitPrice = 1 + rng.Int63n(100000)
		default:
			l.UnitPrice = 1 + rng.Int63n(1e9)
		}
		if rng.Intn(2) == 0 {
			l.QtyMilli = 1000 * (1 + rng.Int63n(20))
		} else {
			l.QtyMilli = 1 + rng.Int63n(25000)
		}
		switch rng.Intn(4) {
		case 1:
			l.Discount = Discount{DiscountPercent, rng.Int63n(10001)}
		case 2:
			gross, _ := LineAmount(l.UnitPrice, l.QtyMilli)
			l.Discount = Discount{DiscountAmount, rng.Int63n(gross + 1)}
		}
		l.Voided = rng.Intn(10) == 0
		b.Lines = append(b.Lines, l)
	}
	switch rng.Intn(3) {
	case 1:
		b.Discount = Discount{DiscountPercent, rng.Int63n(10001)}
	case 2:
		b.Discount = Discount{DiscountAmount, rng.Int63n(1000)}
	}
	return b
}

func TestComputeProperties(t *testing.T) {
	v := ru(t)
	rng := rand.New(rand.NewSource(42))
	for c := 0; c < 5000; c++ {
		b := randomBill(rng)
		tot, err := Compute(&b, v)
		if errors.Is(err, ErrDiscount) && b.Discount.Kind == DiscountAmount {
			continue // amount larger than a small bill: rejected, as it must be
		}
		if err != nil {
			t.Fatalf("case %d: %v", c, err)
		}
		var sumLines, sumVATLines, sumShares int64
		perRate := map[VATCode]int64{}
		for _, l := range tot.Lines {
			if l.Amount < 0 || l.LineDiscount+l.BillDiscount > l.Gross {
				t.Fatalf("case %d: line %+v negative or over-discounted", c, l)
			}
			if l.Gross-l.LineDiscount-l.BillDiscount != l.Amount {
				t.Fatalf("case %d: line %+v does not add up", c, l)
			}
			if exact, _ := VATPart(l.Amount, l.VATRate); l.VAT-exact > 1 || exact-l.VAT > 1 {
				t.Fatalf("case %d: line VAT %d vs own %d", c, l.VAT, exact)
			}
			sumLines += l.Amount
			sumVATLines += l.VAT
			sumShares += l.BillDiscount
			perRate[l.VATCode] += l.VAT
		}
		if sumLines != tot.Due || tot.Due != tot.Subtotal-tot.BillDiscount || tot.Subtotal != tot.Gross-tot.LineDiscounts {
			t.Fatalf("case %d: lines %d, due %d, totals %+v", c, sumLines, tot.Due, tot)
		}
		if sumShares != tot.BillDiscount {
			t.Fatalf("case %d: shares %d != bill discount %d", c, sumShares, tot.BillDiscount)
		}
		var sumRates, sumRateAmounts int64
		for _, r := range tot.VAT {
			sumRates += r.VAT
			sumRateAmounts += r.Amount
			if perRate[r.Code] != r.VAT {
				t.Fatalf("case %d: rate %s lines VAT %d != %d", c, r.Code, perRate[r.Code], r.VAT)
			}
		}
		if sumRates != tot.VATTotal || sumVATLines != tot.VATTotal || sumRateAmounts != tot.Due {
			t.Fatalf("case %d: VAT rates %d, lines %d, total %d; rate amounts %d due %d", c, sumRates, sumVATLines, tot.VATTotal, sumRateAmounts, tot.Due)
		}
	}
}

func TestAllocateProperties(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for c := 0; c < 10000; c++ {
		n := 1 + rng.Intn(20)
		w := make([]int64, n)
		var sum int64
		for i := range w {
			switch rng.Intn(4) {
			case 0:
				w[i] = 0
			case 1:
				w[i] = rng.Int63n(10)
			default:
				w[i] = rng.Int63n(1 << (10 + rng.Intn(40)))
			}
			sum += w[i]
		}
		total := int64(0)
		if sum > 0 {
			total = rng.Int63n(sum + 1)
		}
		got, err := Allocate(total, w)
		if err != nil {
			t.Fatalf("case %d: %v", c, err)
		}
		var s int64
		for i, g := range got {
			if g < 0 || g > w[i] {
				t.Fatalf("case %d: share %d of weight %d", c, g, w[i])
			}
			// Largest remainder keeps each share within one unit of its exact quota.
			lo, _, _ := mulDivRem(total, w[i], sum)
			if g != lo && g != lo+1 {
				t.Fatalf("case %d: share %d, quota floor %d", c, g, lo)
			}
			s += g
		}
		if s != total {
			t.Fatalf("case %d: shares add to %d, want %d (lost or created a kopeck)", c, s, total)
		}
	}
	if _, err := Allocate(11, []int64{5, 5}); !errors.Is(err, ErrDiscount) {
		t.Fatalf("over-allocation: %v", err)
	}
	if _, err := Allocate(1, []int64{math.MaxInt64, 1}); !errors.Is(err, ErrOverflow) {
		t.Fatalf("weights overflow: %v", err)
	}
}

func TestOverflowRejectedNeverWraps(t *testing.T) {
	v := ru(t)
	rng := rand.New(rand.NewSource(9))
	for c := 0; c < 5000; c++ {
		price := 9e16 + rng.Int63n(1e17)
		qty := 1000 * (1 + rng.Int63n(1e6))
		b := Bill{Lines: []Line{line(1, price, qty, "20")}}
		tot, err := Compute(&b, v)
		if !errors.Is(err, ErrOverflow) {
			t.Fatalf("price %d × qty %d: %v, due %d", price, qty, err, tot.Due)
		}
	}
}

func TestVATTables(t *testing.T) {
	v := ru(t)
	for _, c := range vatCodes {
		if _, err := v.Slot(c); err != nil {
			t.Errorf("RU %s: %v", c, err)
		}
	}
	it, err := VATTableFor("IT")
	if err != nil {
		t.Fatal(err)
	}
	if r, err := it.Rate("22"); err != nil || r.Rate != 2200 {
		t.Fatalf("IT 22: %+v %v", r, err)
	}
	if _, err := it.Slot("22"); !errors.Is(err, ErrNoTaxSlot) {
		t.Fatalf("IT slot: %v", err)
	}
	if _, err := VATTableFor("XX"); !errors.Is(err, ErrVATCode) {
		t.Fatalf("XX: %v", err)
	}
	if got := it.Codes(); !cmp.Equal(got, []VATCode{"22", "10", "5", "4"}) {
		t.Fatalf("codes %v", got)
	}
	parts := []struct{ amount, rate, want int64 }{
		{12000, 2000, 2000}, {11000, 1000, 1000}, {100, 2000, 17}, {1, 2000, 0}, {3, 2000, 1}, {12200, 2200, 2200},
	}
	for _, p := range parts {
		if got, err := VATPart(p.amount, p.rate); err != nil || got != p.want {
			t.Errorf("VATPart(%d, %d) = %d, %v; want %d", p.amount, p.rate, got, err, p.want)
		}
	}
}

func BenchmarkCompute(b *testing.B) {
	v := ru(b)
	bill := randomBill(rand.New(rand.NewSource(1)))
	bill.Discount = Discount{DiscountPercent, 500}
	for b.Loop() {
		if _, err := Compute(&bill, v); err != nil {
			b.Fatal(err)
		}
	}
}

func TestCheckPaidZeroTotal(t *testing.T) {
	b := Bill{Lines: []Line{{UnitPrice: 1000, QtyMilli: 1000, VAT: "20", Discount: Discount{DiscountPercent, 10000}}}}
	tot, err := Compute(&b, ru(t))
	if err != nil {
		t.Fatal(err)
	}
	var se *Error
	if err := CheckPaid(&tot, nil); !errors.Is(err, ErrEmptyBill) || !errors.As(err, &se) || se.Key != "sale.error.zero_total" {
		t.Fatalf("zero total: %v", err)
	}
}
