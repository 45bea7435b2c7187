package desk_test

import (
	"context"
	"testing"
	"time"

	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/sale"
	"github.com/tillpos/till/store"
)

// ClearPayments takes every tender back before checkout; the bill is then
// unpaid and can be cancelled (the sale core refuses to cancel a paid one).
func TestClearPayments(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	r.signIn(t, "supervisor")
	if _, err := r.d.AddByBarcode(ctx, store.DemoItems()[0].Barcode, 1000); err != nil {
		t.Fatal(err)
	}
	if _, err := r.d.Pay(ctx, sale.PayCard, 1000); err != nil {
		t.Fatal(err)
	}
	if err := r.d.CancelBill(ctx); err == nil {
		t.Fatal("a bill with a payment was cancelled")
	}
	if err := r.d.ClearPayments(ctx); err != nil {
		t.Fatal(err)
	}
	if _, tot, err := r.d.Bill(ctx); err != nil || tot.Paid != 0 {
		t.Fatalf("after ClearPayments paid %d (%v)", tot.Paid, err)
	}
	if err := r.d.CancelBill(ctx); err != nil {
		t.Fatalf("cancel after the payments went back: %v", err)
	}
}

// Verdict keeps "could a supervisor approve" for the screen's buttons.
func TestVerdictForButtons(t *testing.T) {
	r := newRig(t)
	r.signIn(t, "cashier")
	if v := r.d.Verdict(policy.ActionVoidLine); v.Allowed || !v.ApprovalPossible {
		t.Errorf("void for a cashier: %+v, want denied with approval possible", v)
	}
	if v := r.d.Verdict(policy.ActionSell); !v.Allowed {
		t.Errorf("sell for a cashier: %+v", v)
	}
}

// The journal lists the cashier's bills through the store's query, back to
// the journal depth.
func TestHistoryLists(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	r.signIn(t, "cashier")
	if _, err := r.d.AddByBarcode(ctx, store.DemoItems()[0].Barcode, 1000); err != nil {
		t.Fatal(err)
	}
	if _, err := r.d.Pay(ctx, sale.PayCash, 1_000_000); err != nil {
		t.Fatal(err)
	}
	if _, err := r.d.Checkout(ctx); err != nil {
		t.Fatal(err)
	}
	page, err := r.d.Journal(ctx, desk.JournalRequest{})
	bills := page.Bills
	if err != nil || len(bills) != 1 || bills[0].State != sale.StateFiscalised {
		t.Fatalf("history %v, %v", bills, err)
	}
	r.clk.Add(10 * 24 * time.Hour) // past the journal depth
	if page, err = r.d.Journal(ctx, desk.JournalRequest{}); err != nil || len(page.Bills) != 0 {
		t.Errorf("history after 10 days: %d bills, %v", len(page.Bills), err)
	}
}
