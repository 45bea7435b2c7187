package sale_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/shtrih/emu"
	"github.com/tillpos/till/sale"
	"github.com/tillpos/till/store"
)

// Partial returns add up (issue 14): random sales (pieces and weights, line
// and total discounts) on the real store are returned in random slices over
// several return bills. Every return line is linked to its sold line and
// refunds what was paid for it; the refunds of each sold line add up to
// exactly what it was paid, never more; every return prints (the register's
// arithmetic agrees); a receipt returned in full is refused, naming it; a
// scan of goods the receipt does not hold is refused.
func TestPartialReturnsAddUpToTheReceipt(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(14, 3))
	items := store.DemoItems()
	var pieces, weighed []sale.Item
	for _, it := range items {
		if it.Price <= 0 || it.Barcode == "" {
			continue
		}
		db, err := r.db.ItemByBarcode(ctx, it.Barcode)
		if err != nil {
			t.Fatal(err)
		}
		if it.Weighed {
			weighed = append(weighed, db)
		} else {
			pieces = append(pieces, db)
		}
	}
	cashier := int64(r.cashier.ID)
	for round := range 40 {
		b, err := r.sales.Open(ctx, cashier, sale.KindSale, 0)
		if err != nil {
			t.Fatal(err)
		}
		used := map[sale.ItemID]bool{}
		for range 1 + rng.IntN(4) {
			var it sale.Item
			var q int64
			if rng.IntN(3) == 0 {
				it, q = weighed[rng.IntN(len(weighed))], int64(50+rng.IntN(3000))
			} else {
				it, q = pieces[rng.IntN(len(pieces))], int64(1+rng.IntN(5))*1000
			}
			if used[it.ID] {
				continue
			}
			used[it.ID] = true
			lid, err := r.sales.AddItem(ctx, b.ID, it, q)
			if err != nil {
				t.Fatal(err)
			}
			if rng.IntN(2) == 0 {
				if err := r.sales.SetLineDiscount(ctx, b.ID, lid, sale.Discount{Kind: sale.DiscountPercent, Value: int64(rng.IntN(3000))}); err != nil {
					t.Fatal(err)
				}
			}
		}
		if rng.IntN(2) == 0 {
			if err := r.sales.SetDiscount(ctx, b.ID, sale.Discount{Kind: sale.DiscountPercent, Value: int64(1 + rng.IntN(1500))}); err != nil {
				t.Fatal(err)
			}
		}
		_, st, err := r.sales.Totals(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.sales.AddPayment(ctx, b.ID, sale.PayCash, st.Due); err != nil {
			t.Fatal(err)
		}
		sold, err := r.co.Checkout(ctx, b.ID, device.Cashier{Name: "test"})
		if err != nil {
			t.Fatalf("round %d: sale checkout: %v", round, err)
		}
		paid := map[sale.LineID]int64{}
		for _, lt := range st.Lines {
			paid[sold.Lines[lt.Index].ID] = lt.Amount
		}

		refunded := map[sale.LineID]int64{}
		var total int64
		for ret := 0; ; ret++ {
			rb, err := r.sales.OpenReturn(ctx, cashier, b.ID)
			if errors.Is(err, sale.ErrReturnedInFull) {
				var se *sale.Error
				if !errors.As(err, &se) || se.Args["Receipt"] == "" || se.Args["Receipt"] == "0" {
					t.Fatalf("round %d: refusal %v does not name the receipt", round, err)
				}
				break
			}
			if err != nil {
				t.Fatalf("round %d return %d: %v", round, ret, err)
			}
			if ret > 20 {
				t.Fatalf("round %d: the receipt never runs out", round)
			}
			// Take a random part of each line back (at least one unit of
			// one line), void the rest.
			for i, l := range rb.Lines {
				switch k := rng.IntN(3); {
				case k == 0 && i > 0:
					if err := r.sales.VoidLine(ctx, rb.ID, l.ID); err != nil {
						t.Fatal(err)
					}
				case k == 1 && l.QtyMilli > 1000 && l.QtyMilli%1000 == 0:
					q := int64(1+rng.IntN(int(l.QtyMilli/1000)-1)) * 1000
					if err := r.sales.SetQuantity(ctx, rb.ID, l.ID, q); err != nil {
						t.Fatalf("round %d: %d of %d: %v", round, q, l.QtyMilli, err)
					}
				case k == 1 && l.QtyMilli%1000 != 0 && l.QtyMilli > 2:
					if err := r.sales.SetQuantity(ctx, rb.ID, l.ID, 1+int64(rng.IntN(int(l.QtyMilli-1)))); err != nil {
						t.Fatalf("round %d: weight: %v", round, err)
					}
				}
			}
			// More than is left, a changed price and foreign goods are refused.
			rb, rt, err := r.sales.Totals(ctx, rb.ID)
			if err != nil {
				t.Fatal(err)
			}
			lt := rt.Lines[0]
			l := rb.Lines[lt.Index]
			if err := r.sales.SetQuantity(ctx, rb.ID, l.ID, l.QtyMilli+soldQty(sold, l.ReturnOf)); !errors.Is(err, sale.ErrReturnQuantity) {
				t.Fatalf("round %d: more than sold: %v", round, err)
			}
			if err := r.sales.SetPrice(ctx, rb.ID, l.ID, 1); !errors.Is(err, sale.ErrReturnPriceFixed) {
				t.Fatalf("round %d: price on a return by receipt: %v", round, err)
			}
			for _, it := range pieces {
				if !used[it.ID] {
					if _, err := r.sales.AddItem(ctx, rb.ID, it, 1000); !errors.Is(err, sale.ErrNotOnReceipt) {
						t.Fatalf("round %d: %s is not on the receipt: %v", round, it.Name, err)
					}
					break
				}
			}
			if err := r.sales.CheckReturn(ctx, rb.ID); err != nil {
				t.Fatalf("round %d: check return: %v", round, err)
			}
			for _, lt := range rt.Lines {
				l := rb.Lines[lt.Index]
				if l.ReturnOf == 0 {
					t.Fatalf("round %d: return line %s names no sold line", round, l.Name)
				}
				refunded[l.ReturnOf] += lt.Amount
				if refunded[l.ReturnOf] > paid[l.ReturnOf] {
					t.Fatalf("round %d: line %d refunded %d, paid %d", round, l.ReturnOf, refunded[l.ReturnOf], paid[l.ReturnOf])
				}
			}
			if _, err := r.sales.AddPayment(ctx, rb.ID, sale.PayCash, rt.Due); err != nil {
				t.Fatal(err)
			}
			if _, err := r.co.Checkout(ctx, rb.ID, device.Cashier{Name: "test"}); err != nil {
				t.Fatalf("round %d return %d: checkout: %v", round, ret, err)
			}
			total += rt.Due
		}
		if total != st.Due {
			t.Fatalf("round %d: returns refunded %d, the sale was %d", round, total, st.Due)
		}
		for id, p := range paid {
			if refunded[id] != p {
				t.Errorf("round %d: line %d refunded %d, paid %d", round, id, refunded[id], p)
			}
		}
	}
	var sales, returns int64
	nret := 0
	for _, d := range r.e.Documents() {
		switch d.Operation {
		case emu.OpSale:
			sales += d.Amount
		case emu.OpSaleReturn:
			returns += d.Amount
			nret++
		}
	}
	if nret < 60 {
		t.Errorf("only %d return receipts for 40 sales: the slices are not partial", nret)
	}
	if sales != returns {
		t.Errorf("the register sold %d and refunded %d", sales, returns)
	}
}

func soldQty(b sale.Bill, id sale.LineID) int64 {
	for _, l := range b.Lines {
		if l.ID == id {
			return l.QtyMilli
		}
	}
	return 0
}
