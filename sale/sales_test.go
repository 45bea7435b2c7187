package sale

import (
	"context"
	"errors"
	"testing"

	"golang.org/x/text/currency"
	"golang.org/x/text/language"
)

func TestSalesFlow(t *testing.T) {
	ctx := context.Background()
	st := newMemStore()
	s := NewSales(st, ru(t), NewFormatter(language.Russian, currency.RUB), fixedNow)
	b, err := s.Open(ctx, 7, KindSale, 0)
	if err != nil {
		t.Fatal(err)
	}
	milk := Item{ID: 1, Name: "Молоко", Price: 8990, VAT: "10"}
	cheese := Item{ID: 2, Name: "Сыр", Price: 99000, VAT: "10", Weighed: true}
	l1, err := s.AddItem(ctx, b.ID, milk, 2000)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddItem(ctx, b.ID, milk, 1500); !errors.Is(err, ErrQuantity) {
		t.Fatalf("1.5 pieces: %v", err)
	}
	l2, err := s.AddItem(ctx, b.ID, cheese, 347) // 0.347 kg = 343.53
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetLineDiscount(ctx, b.ID, l1, Discount{DiscountAmount, 20000}); !errors.Is(err, ErrDiscount) {
		t.Fatalf("discount over line: %v", err)
	}
	if err := s.SetLineDiscount(ctx, b.ID, l1, Discount{DiscountPercent, 1000}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetDiscount(ctx, b.ID, Discount{DiscountAmount, 40000}); err != nil {
		t.Fatal(err)
	}
	// Voiding the cheese would leave 161.82 under a 400.00 discount: refused.
	if err := s.VoidLine(ctx, b.ID, l2); !errors.Is(err, ErrDiscount) {
		t.Fatalf("void under discount: %v", err)
	}
	if err := s.SetDiscount(ctx, b.ID, Discount{}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPrice(ctx, b.ID, l2, -1); !errors.Is(err, ErrNegative) {
		t.Fatalf("negative price: %v", err)
	}
	_, tot, err := s.Totals(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(16182 + 34353); tot.Due != want {
		t.Fatalf("due %d, want %d", tot.Due, want)
	}
	_, err = s.AddPayment(ctx, b.ID, PayCard, tot.Due+1)
	var se *Error
	if !errors.Is(err, ErrOverpaid) || !errors.As(err, &se) || se.Args["Excess"] != "0,01\u00a0₽" {
		t.Fatalf("card over total: %v", err)
	}
	if _, err := s.AddPayment(ctx, b.ID, PayCard, 10000); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddPayment(ctx, b.ID, PayCash, 50000); err != nil {
		t.Fatal(err)
	}
	if err := s.Cancel(ctx, b.ID); !errors.Is(err, ErrStateConflict) {
		t.Fatalf("cancel with payments: %v", err)
	}
	if err := s.Park(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddItem(ctx, b.ID, milk, 1000); !errors.Is(err, ErrStateConflict) {
		t.Fatalf("add to parked: %v", err)
	}
	if err := s.Recall(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	_, tot, _ = s.Totals(ctx, b.ID)
	if err := CheckPaid(&tot, nil); err != nil || tot.Change != 60000-tot.Due {
		t.Fatalf("paid: %v, change %d", err, tot.Change)
	}
	co := NewCheckout(st, st, &fakeRegister{}, ru(t), fixedNow)
	got, err := co.Checkout(ctx, b.ID, testCashier)
	if err != nil || got.State != StateFiscalised || got.Fiscal.Total != tot.Due {
		t.Fatalf("checkout: %+v, %v", got.Fiscal, err)
	}
}
