package store

import (
	"context"
	"errors"
	"testing"

	"github.com/tillpos/till/sale"
)

// The returns ledger: return lines keep the sold line they take back; the
// lines of other returns of a sale that are not cancelled (open ones too)
// are listed, the asking return and cancelled ones are not; the approver of
// a return survives in the bill.
func TestReturnedLines(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	cid := cashier(t, db)
	r := db.Bills()
	sold, err := r.Create(ctx, sale.Bill{Kind: sale.KindSale, CashierID: cid})
	if err != nil {
		t.Fatal(err)
	}
	s1, _ := r.AddLine(ctx, sold.ID, line("Хлеб", 3000, 4990))
	s2, _ := r.AddLine(ctx, sold.ID, line("Молоко", 1000, 8990))

	ret := func(lines ...sale.Line) sale.BillID {
		b, err := r.Create(ctx, sale.Bill{Kind: sale.KindReturn, CashierID: cid, ReturnOf: sold.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range lines {
			if _, err := r.AddLine(ctx, b.ID, l); err != nil {
				t.Fatal(err)
			}
		}
		return b.ID
	}
	back := func(of sale.LineID, name string, qty, price int64) sale.Line {
		l := line(name, qty, price)
		l.ReturnOf = of
		return l
	}
	a := ret(back(s1, "Хлеб", 1000, 4990))
	b := ret(back(s1, "Хлеб", 1000, 4990), back(s2, "Молоко", 1000, 8990))
	c := ret(back(s2, "Молоко", 1000, 8990))
	if err := r.SetState(ctx, c, sale.StateOpen, sale.StateCancelled); err != nil {
		t.Fatal(err)
	}
	got, err := r.ReturnedLines(ctx, sold.ID, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ReturnOf != s1 || got[0].QtyMilli != 1000 || got[0].UnitPrice != 4990 {
		t.Fatalf("returned lines except bill %d: %+v", b, got)
	}
	all, _ := r.ReturnedLines(ctx, sold.ID, 0)
	if len(all) != 3 {
		t.Fatalf("returned lines of every return: %+v", all)
	}
	bills, err := r.ReturnBills(ctx, sold.ID)
	if err != nil || len(bills) != 2 || bills[0].ID != a || bills[1].ID != b {
		t.Fatalf("return bills %+v, %v", bills, err)
	}
	full, _ := r.Get(ctx, b)
	if full.Lines[1].ReturnOf != s2 {
		t.Errorf("a loaded return line lost its sold line: %+v", full.Lines[1])
	}
	if id, err := r.Approver(ctx, a); err != nil || id != 0 {
		t.Fatalf("approver of a new return: %d %v", id, err)
	}
	if err := r.SetApprover(ctx, a, cid); err != nil {
		t.Fatal(err)
	}
	if id, _ := r.Approver(ctx, a); id != cid {
		t.Errorf("approver %d, want %d", id, cid)
	}
	if err := r.SetApprover(ctx, 999, cid); !errors.Is(err, sale.ErrNotFound) {
		t.Errorf("approver of an unknown bill: %v", err)
	}
}
