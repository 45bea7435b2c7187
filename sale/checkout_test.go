package sale

import (
	"context"
	"errors"
	"math/rand"
	"testing"
	"time"

	"github.com/tillpos/till/device"
)

var testCashier = device.Cashier{Name: "Иванов И.И.", INN: "7766888321"}

func fixedNow() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }

// paidBill stores an Open bill of one line at price, paid in cash.
func paidBill(t testing.TB, st *memStore, kind BillKind, price int64) BillID {
	t.Helper()
	ctx := context.Background()
	b, err := st.Create(ctx, Bill{Kind: kind, CashierID: 7})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddLine(ctx, b.ID, line(0, price, 1000, "20")); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddPayment(ctx, b.ID, Payment{Kind: PayCash, Amount: price}); err != nil {
		t.Fatal(err)
	}
	return b.ID
}

// settle does what the till and its people do after a failed checkout, one
// deliberate step at a time: pay again when the bill is Open, "try again"
// (reconcile, then redo only if proved unprinted) when it is Fiscalising, and
// a supervisor's "not printed" after checking a Conflict. It never calls
// Fiscalise directly.
func settle(t *testing.T, co *Checkout, st *memStore, id BillID) {
	t.Helper()
	ctx := context.Background()
	for range 12 {
		b, err := st.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		switch b.State {
		case StateFiscalised:
			return
		case StateOpen:
			_, _ = co.Checkout(ctx, id, testCashier)
		case StateFiscalising:
			_, _ = co.Retry(ctx, id, testCashier)
		case StateConflict:
			if err := co.ResolveNotPrinted(ctx, id, "document is not ours"); err != nil {
				t.Fatal(err)
			}
		default:
			t.Fatalf("bill %d in state %s", id, b.State)
		}
	}
	t.Fatalf("bill %d did not settle", id)
}

// assertOnce checks the rule this file exists for: the register holds exactly
// one receipt for the bill and the journal records that one.
func assertOnce(t *testing.T, st *memStore, reg *fakeRegister, id BillID, kind device.ReceiptKind, amount int64) {
	t.Helper()
	if reg.resent != 0 {
		t.Fatalf("Fiscalise was called %d times for a receipt already in fiscal storage", reg.resent)
	}
	docs := reg.receiptsOf(kind, amount)
	if len(docs) != 1 {
		t.Fatalf("bill %d: %d receipts in fiscal storage, want 1: %+v", id, len(docs), docs)
	}
	b, _ := st.Get(context.Background(), id)
	if b.State != StateFiscalised || b.Fiscal.Number != docs[0].Number || b.Fiscal.Sign != docs[0].Sign {
		t.Fatalf("bill %d: state %s fiscal %+v, register %+v", id, b.State, b.Fiscal, docs[0])
	}
}

func TestCheckoutFaults(t *testing.T) {
	tests := []struct {
		fault     fault
		wantErr   []error // errors.Is on the first Checkout's error
		wantState BillState
		calls     int // Fiscalise calls until settled
	}{
		{faultNone, nil, StateFiscalised, 1},
		{faultBefore, []error{device.ErrPaperOut}, StateOpen, 2},
		{faultTimeout, nil, StateFiscalised, 1}, // reconcile found it: success
		// Reconciliation proved the open receipt was never closed: that, not
		// the unknown outcome, is what the cashier is told.
		{faultLeaveOpen, []error{device.ErrNotDone}, StateOpen, 2},
		{faultPowerLoss, []error{device.ErrOutcomeUnknown, device.ErrNoLink}, StateFiscalising, 2},
		{faultPowerLossAfterWrite, []error{device.ErrOutcomeUnknown, device.ErrNoLink}, StateFiscalising, 1},
		{faultForeign, []error{ErrReconcileConflict}, StateConflict, 2},
	}
	for _, tt := range tests {
		for _, kind := range []BillKind{KindSale, KindReturn} {
			t.Run(tt.fault.String()+"/"+map[BillKind]string{KindSale: "sale", KindReturn: "return"}[kind], func(t *testing.T) {
				ctx := context.Background()
				st, reg := newMemStore(), &fakeRegister{faults: []fault{tt.fault}}
				reg.store(device.Sale, 5000) // history: the register is not new
				co := NewCheckout(st, st, reg, ru(t), fixedNow)
				id := paidBill(t, st, kind, 12345)

				got, err := co.Checkout(ctx, id, testCashier)
				if got.State != tt.wantState {
					t.Errorf("Checkout returned the bill as %s, want %s", got.State, tt.wantState)
				}
				for _, w := range tt.wantErr {
					if !errors.Is(err, w) {
						t.Errorf("first checkout: %v, want %v", err, w)
					}
				}
				if tt.wantErr == nil && err != nil {
					t.Errorf("first checkout: %v", err)
				}
				if b, _ := st.Get(ctx, id); b.State != tt.wantState {
					t.Fatalf("after first checkout: %s, want %s (%s)", b.State, tt.wantState, b.Fiscal.Reason)
				}
				settle(t, co, st, id)
				assertOnce(t, st, reg, id, kind.ReceiptKind(), 12345)
				if reg.fiscalise != tt.calls {
					t.Errorf("Fiscalise called %d times, want %d", reg.fiscalise, tt.calls)
				}
				if reg.open {
					t.Error("receipt left open")
				}
			})
		}
	}
}

func TestCheckoutCancelledStillSettles(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, reg := newMemStore(), &fakeRegister{faults: []fault{faultCancelled}, cancelCtx: cancel}
	co := NewCheckout(st, st, reg, ru(t), fixedNow)
	id := paidBill(t, st, KindSale, 999)
	if _, err := co.Checkout(ctx, id, testCashier); err != nil {
		t.Fatalf("cancelled after the write: %v", err)
	}
	assertOnce(t, st, reg, id, device.Sale, 999)
}

func TestCheckoutBlockedWhileUnreconciled(t *testing.T) {
	ctx := context.Background()
	st, reg := newMemStore(), &fakeRegister{faults: []fault{faultPowerLoss}}
	co := NewCheckout(st, st, reg, ru(t), fixedNow)
	first, second := paidBill(t, st, KindSale, 1000), paidBill(t, st, KindSale, 2000)
	if _, err := co.Checkout(ctx, first, testCashier); err == nil {
		t.Fatal("power loss reported success")
	}
	reg.offline = 0 // the register is back, but bill 1 is still unproven
	if _, err := co.Checkout(ctx, second, testCashier); !errors.Is(err, ErrUnreconciled) {
		t.Fatalf("second bill: %v, want ErrUnreconciled", err)
	}
	var se *Error
	if _, err := co.Checkout(ctx, second, testCashier); !errors.As(err, &se) || se.Key != "sale.error.unreconciled" {
		t.Fatalf("no cashier message: %v", err)
	}
	if reg.fiscalise != 1 {
		t.Fatalf("Fiscalise called %d times", reg.fiscalise)
	}
	res, err := co.ReconcileAll(ctx)
	if err != nil || len(res) != 1 || res[0].Outcome != OutcomeNotPrinted {
		t.Fatalf("ReconcileAll: %+v, %v", res, err)
	}
	for _, id := range []BillID{first, second} {
		if _, err := co.Checkout(ctx, id, testCashier); err != nil {
			t.Fatal(err)
		}
	}
	assertOnce(t, st, reg, first, device.Sale, 1000)
	assertOnce(t, st, reg, second, device.Sale, 2000)
}

// TestRestart: the till itself dies at each point of the checkout; a new
// Checkout on the same journal and register reconciles at start-up.
func TestRestart(t *testing.T) {
	tests := []struct {
		name    string
		crash   func(t *testing.T, co *Checkout, st *memStore, reg *fakeRegister, id BillID)
		outcome Outcome
		calls   int
	}{
		{"after journal, before register", func(t *testing.T, _ *Checkout, st *memStore, reg *fakeRegister, id BillID) {
			expected := uint32(len(reg.docs) + 1)
			if err := st.MarkFiscalising(context.Background(), id, Fiscal{Expected: expected, Kind: device.Sale, Total: 4200}); err != nil {
				t.Fatal(err)
			}
		}, OutcomeNotPrinted, 1},
		{"receipt open in the register", func(t *testing.T, _ *Checkout, st *memStore, reg *fakeRegister, id BillID) {
			if err := st.MarkFiscalising(context.Background(), id, Fiscal{Expected: uint32(len(reg.docs) + 1), Kind: device.Sale, Total: 4200}); err != nil {
				t.Fatal(err)
			}
			reg.open = true
		}, OutcomeNotPrinted, 1},
		{"printed, journal write lost", func(t *testing.T, co *Checkout, st *memStore, _ *fakeRegister, id BillID) {
			st.failMarkFiscalised = 1
			if _, err := co.Checkout(context.Background(), id, testCashier); err == nil {
				t.Fatal("lost journal write reported success")
			}
		}, OutcomeFiscalised, 1},
		{"printed, then a Z report, then restart", func(t *testing.T, co *Checkout, st *memStore, reg *fakeRegister, id BillID) {
			st.failMarkFiscalised = 1
			_, _ = co.Checkout(context.Background(), id, testCashier)
			reg.docs = append(reg.docs, device.Document{Number: uint32(len(reg.docs) + 1), Type: 5})
		}, OutcomeFiscalised, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			st, reg := newMemStore(), &fakeRegister{}
			id := paidBill(t, st, KindSale, 4200)
			tt.crash(t, NewCheckout(st, st, reg, ru(t), fixedNow), st, reg, id)

			co := NewCheckout(st, st, reg, ru(t), fixedNow) // the restarted till
			res, err := co.ReconcileAll(ctx)
			if err != nil || len(res) != 1 || res[0].Outcome != tt.outcome {
				t.Fatalf("ReconcileAll: %+v, %v", res, err)
			}
			if tt.outcome == OutcomeNotPrinted {
				if _, err := co.Checkout(ctx, id, testCashier); err != nil {
					t.Fatal(err)
				}
			}
			assertOnce(t, st, reg, id, device.Sale, 4200)
			if reg.fiscalise != tt.calls {
				t.Fatalf("Fiscalise called %d times, want %d", reg.fiscalise, tt.calls)
			}
			// Reconciling again changes nothing: recorded exactly once.
			if o, err := co.Reconcile(ctx, id); err != nil || o != OutcomeFiscalised {
				t.Fatalf("second reconcile: %v %v", o, err)
			}
		})
	}
}

func TestReconcileRecordsOnce(t *testing.T) {
	ctx := context.Background()
	st, reg := newMemStore(), &fakeRegister{faults: []fault{faultPowerLossAfterWrite}}
	co := NewCheckout(st, st, reg, ru(t), fixedNow)
	id := paidBill(t, st, KindSale, 777)
	_, _ = co.Checkout(ctx, id, testCashier)
	reg.offline = 0
	// Two tills' worth of reconcilers on one journal: the journal's
	// compare-and-set lets one record the receipt; the other sees it done.
	other := NewCheckout(st, st, reg, ru(t), fixedNow)
	errs := make(chan error, 2)
	for _, c := range []*Checkout{co, other} {
		go func() { _, err := c.Reconcile(ctx, id); errs <- err }()
	}
	for range 2 {
		if err := <-errs; err != nil && !errors.Is(err, ErrStateConflict) {
			t.Fatal(err)
		}
	}
	assertOnce(t, st, reg, id, device.Sale, 777)
}

func TestCheckoutRefusals(t *testing.T) {
	ctx := context.Background()
	st, reg := newMemStore(), &fakeRegister{}
	co := NewCheckout(st, st, reg, ru(t), fixedNow)
	b, _ := st.Create(ctx, Bill{Kind: KindSale})
	_, _ = st.AddLine(ctx, b.ID, line(0, 1000, 1000, "20"))
	_, _ = st.AddPayment(ctx, b.ID, Payment{Kind: PayCash, Amount: 999})
	if _, err := co.Checkout(ctx, b.ID, testCashier); !errors.Is(err, ErrUnderpaid) {
		t.Fatalf("underpaid: %v", err)
	}
	if err := st.SetState(ctx, b.ID, StateOpen, StateParked); err != nil {
		t.Fatal(err)
	}
	if _, err := co.Checkout(ctx, b.ID, testCashier); !errors.Is(err, ErrStateConflict) {
		t.Fatalf("parked: %v", err)
	}
	if reg.fiscalise != 0 || len(reg.docs) != 0 {
		t.Fatal("register touched by a refused checkout")
	}
	// A leftover open receipt with no bill of ours fiscalising is cancelled.
	id := paidBill(t, st, KindSale, 1000)
	reg.open = true
	if _, err := co.Checkout(ctx, id, testCashier); err != nil {
		t.Fatal(err)
	}
	assertOnce(t, st, reg, id, device.Sale, 1000)
	if reg.cancels != 1 {
		t.Fatalf("cancels %d", reg.cancels)
	}
}

// TestCheckoutRandomFaults runs many bills through random faults and random
// till restarts, settling each the way people would; every paid bill ends
// with exactly one receipt and no receipt is sent for a bill already printed.
func TestCheckoutRandomFaults(t *testing.T) {
	for _, seed := range []int64{1, 2, 3, 4} {
		rng := rand.New(rand.NewSource(seed))
		st, reg := newMemStore(), &fakeRegister{}
		co := NewCheckout(st, st, reg, ru(t), fixedNow)
		ids := map[BillID]int64{}
		for i := 0; i < 300; i++ {
			price := int64(10000 + i) // unique: a receipt names its bill
			id := paidBill(t, st, KindSale, price)
			ids[id] = price
			for range rng.Intn(3) {
				reg.faults = append(reg.faults, fault(rng.Intn(int(faultForeign)+1)))
			}
			if rng.Intn(20) == 0 {
				st.failMarkFiscalised = 1
			}
			_, _ = co.Checkout(context.Background(), id, testCashier)
			if rng.Intn(10) == 0 {
				co = NewCheckout(st, st, reg, ru(t), fixedNow) // till restart
				_, _ = co.ReconcileAll(context.Background())
			}
			settle(t, co, st, id)
			reg.faults = nil
		}
		for id, price := range ids {
			assertOnce(t, st, reg, id, device.Sale, price)
		}
	}
}
