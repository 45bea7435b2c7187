package crashtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/shtrih"
	"github.com/tillpos/till/sale"
	"github.com/tillpos/till/store"
)

// Environment of a child till. The parent sets every variable; a child run
// by hand without them skips.
const (
	envRole    = "CRASHTEST_ROLE" // "sale" or "recover"
	envDB      = "CRASHTEST_DB"
	envKey     = "CRASHTEST_KEY"
	envPort    = "CRASHTEST_PORT" // PATH@BAUD
	envPoint   = "CRASHTEST_POINT"
	envSeed    = "CRASHTEST_SEED"
	envReturn  = "CRASHTEST_RETURN" // "1": the bill is a return
	envCashier = "CRASHTEST_CASHIER_ID"
	envName    = "CRASHTEST_CASHIER_NAME"
	envINN     = "CRASHTEST_CASHIER_INN"
)

// messageFD is the pipe to the parent (exec.Cmd.ExtraFiles[0]).
const messageFD = 3

// TestCrashChild is the till process the parent starts and kills. It is a
// test only so that the test binary can be run again as the child: it does
// nothing unless the parent set its environment.
func TestCrashChild(t *testing.T) {
	role := os.Getenv(envRole)
	if role == "" {
		t.Skip("run by TestCrashInjection as a child process")
	}
	ctx := context.Background()
	msg := os.NewFile(messageFD, "parent")
	say := func(format string, args ...any) {
		if _, err := fmt.Fprintf(msg, format+"\n", args...); err != nil {
			t.Fatalf("tell parent: %v", err)
		}
	}
	// hang is the child reaching its kill point: it has told the parent
	// and waits for the SIGKILL. Sleeping (not select{}) keeps the runtime
	// from calling it a deadlock.
	hang := func(what string) {
		say("at %s", what)
		time.Sleep(time.Hour)
		t.Fatalf("parent did not kill the child at %s", what)
	}

	db, err := store.Open(ctx, os.Getenv(envDB), store.Options{KeyPath: os.Getenv(envKey)})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	defer db.Close()
	reg, err := shtrih.Open(os.Getenv(envPort), shtrih.Config{PollEvery: 20 * time.Millisecond, BusyWait: 10 * time.Second})
	if err != nil {
		t.Fatalf("open register: %v", err)
	}
	defer reg.Close()
	vat, err := sale.VATTableFor("RU")
	if err != nil {
		t.Fatal(err)
	}
	cashierID, err := strconv.ParseInt(os.Getenv(envCashier), 10, 64)
	if err != nil {
		t.Fatalf("cashier id: %v", err)
	}
	who := device.Cashier{Name: os.Getenv(envName), INN: os.Getenv(envINN)}
	pt, _ := strconv.Atoi(os.Getenv(envPoint))

	bills := db.Bills()
	journal := &hookJournal{Journal: bills}
	register := &hookRegister{Register: reg}
	co := sale.NewCheckout(bills, journal, register, vat, nil)

	switch role {
	case "sale":
		seed, err := strconv.ParseUint(os.Getenv(envSeed), 10, 64)
		if err != nil {
			t.Fatalf("seed: %v", err)
		}
		kind := sale.KindSale
		if os.Getenv(envReturn) == "1" {
			kind = sale.KindReturn
		}
		s := sale.NewSales(bills, vat, nil, nil)
		id, due := ringUp(ctx, t, s, db, cashierID, kind, rand.New(rand.NewPCG(seed, uint64(kind))))
		say("bill %d %d %d", id, kind, due)
		register.before = func(r device.Receipt) { say("positions %d", len(r.Lines)) }
		switch point(pt) {
		case pointBeforeSend:
			journal.afterFiscalising = func() { hang("fiscalising") }
		case pointReplyIn, pointPaperAfter:
			journal.beforeFiscalised = func() { hang("fiscalised") }
		}
		if waitsAt(point(pt)) {
			// The till waits for the register (issue 13): the first
			// report of the wait is where it dies.
			ctx = device.WithProgress(ctx, func(device.Progress) { hang("waiting") })
		}
		b, err := co.Checkout(ctx, id, who)
		// Reaching here means the parent did not kill us: it reports the
		// point as not reached.
		say("checkout %d %s %v", id, b.State, err)
	case "recover":
		// What the till does at start-up: prove every unfinished receipt,
		// then redo the ones proved not printed (the cashier's "try again").
		res, err := co.ReconcileAll(ctx)
		if err != nil {
			t.Fatalf("reconcile all: %v (%+v)", err, res)
		}
		for _, r := range res {
			say("reconciled %d %d %v", r.Bill, r.Outcome, r.Err)
			if r.Outcome != sale.OutcomeNotPrinted {
				continue
			}
			b, err := co.Retry(ctx, r.Bill, who)
			if err != nil {
				t.Fatalf("retry bill %d: %v", r.Bill, err)
			}
			say("retried %d %s", r.Bill, b.State)
		}
	default:
		t.Fatalf("unknown role %q", role)
	}
}

// hookJournal is the store's journal with a place to stop between the
// checkout's steps: the child hangs there and the parent kills it.
type hookJournal struct {
	sale.Journal
	afterFiscalising func() // the Fiscalising commit is durable
	beforeFiscalised func() // the register answered; the record is not written
}

func (j *hookJournal) MarkFiscalising(ctx context.Context, id sale.BillID, f sale.Fiscal) error {
	if err := j.Journal.MarkFiscalising(ctx, id, f); err != nil {
		return err
	}
	if j.afterFiscalising != nil {
		j.afterFiscalising()
	}
	return nil
}

func (j *hookJournal) MarkFiscalised(ctx context.Context, id sale.BillID, f sale.Fiscal) error {
	if j.beforeFiscalised != nil {
		j.beforeFiscalised()
	}
	return j.Journal.MarkFiscalised(ctx, id, f)
}

// hookRegister tells the parent how many positions the receipt has, so the
// wire knows which FF46h is the last.
type hookRegister struct {
	device.Register
	before func(device.Receipt)
}

// Settle lets the checkout wait for the register through the hook, as it
// does on the real register (device.Settler).
func (r *hookRegister) Settle(ctx context.Context, patience time.Duration) (device.RegisterState, error) {
	if s, ok := r.Register.(device.Settler); ok {
		return s.Settle(ctx, patience)
	}
	return device.RegisterState{}, nil
}

func (r *hookRegister) Fiscalise(ctx context.Context, rc device.Receipt) (device.FiscalResult, error) {
	if r.before != nil {
		r.before(rc)
	}
	return r.Register.Fiscalise(ctx, rc)
}

// Names of generic items: Cyrillic and Italian accents, so the receipt's
// code page is exercised too.
var genericNames = []string{
	"Хлеб «Дарницкий»", "Сыр весовой", "Молоко 3,2 %", "Caffè espresso", "Pâté di fegato",
	"Яблоки Гала", "Gnocchi di patate", "Чай чёрный", "Perù – banane", "Ёлочные игрушки",
}

// vatCodes the Shtrih-M can take (the simplified 5 %/7 % have no tax bit).
var vatCodes = []sale.VATCode{"20", "10", "0", "none"}

// ringUp builds a random bill: catalogue and generic lines, pieces and
// weights, line and bill discounts, cash, card or both with change. It
// returns the bill and its due.
func ringUp(ctx context.Context, t *testing.T, s *sale.Sales, db *store.DB, cashier int64, kind sale.BillKind, rng *rand.Rand) (sale.BillID, int64) {
	t.Helper()
	b, err := s.Open(ctx, cashier, kind, 0)
	if err != nil {
		t.Fatalf("open bill: %v", err)
	}
	catalogue := store.DemoItems()
	lines := 1 + rng.IntN(6)
	for range lines {
		qty := int64(1000 * (1 + rng.IntN(3)))
		var lid sale.LineID
		if it := catalogue[rng.IntN(len(catalogue))]; rng.IntN(2) == 0 && it.Barcode != "" && supported(it.VAT) {
			stored, err := db.ItemByBarcode(ctx, it.Barcode)
			if err != nil {
				t.Fatalf("item %s: %v", it.Barcode, err)
			}
			if stored.Weighed {
				qty = int64(100 + rng.IntN(3000))
			}
			lid, err = s.AddItem(ctx, b.ID, stored, qty)
			if err != nil {
				t.Fatalf("add item: %v", err)
			}
		} else {
			if rng.IntN(3) == 0 {
				qty = int64(100 + rng.IntN(3000)) // weighed generic goods
			}
			name := genericNames[rng.IntN(len(genericNames))]
			price := int64(100 + rng.IntN(500000))
			lid, err = s.AddGeneric(ctx, b.ID, name, price, qty, vatCodes[rng.IntN(len(vatCodes))], byte(1+rng.IntN(2)))
			if err != nil {
				t.Fatalf("add generic: %v", err)
			}
		}
		if rng.IntN(5) == 0 {
			d := sale.Discount{Kind: sale.DiscountPercent, Value: int64(1 + rng.IntN(5000))}
			if err := s.SetLineDiscount(ctx, b.ID, lid, d); err != nil {
				t.Fatalf("line discount: %v", err)
			}
		}
	}
	if rng.IntN(5) == 0 {
		d := sale.Discount{Kind: sale.DiscountPercent, Value: int64(1 + rng.IntN(2000))}
		if err := s.SetDiscount(ctx, b.ID, d); err != nil {
			t.Fatalf("bill discount: %v", err)
		}
	}
	_, tot, err := s.Totals(ctx, b.ID)
	if err != nil {
		t.Fatalf("totals: %v", err)
	}
	due := tot.Due
	pay := func(k sale.PaymentKind, amount int64) {
		if _, err := s.AddPayment(ctx, b.ID, k, amount); err != nil {
			t.Fatalf("pay %d of %d: %v", amount, due, err)
		}
	}
	switch {
	case kind == sale.KindReturn:
		// A return pays out; by card it does not depend on the cash the
		// register holds.
		pay(sale.PayCard, due)
	case rng.IntN(3) == 0:
		pay(sale.PayCash, due+int64(rng.IntN(10000))) // with change
	case rng.IntN(2) == 0:
		pay(sale.PayCard, due)
	default:
		card := due / 2
		pay(sale.PayCard, card)
		pay(sale.PayCash, due-card+int64(rng.IntN(5000)))
	}
	return b.ID, due
}

func supported(c sale.VATCode) bool {
	for _, v := range vatCodes {
		if v == c {
			return true
		}
	}
	return false
}
