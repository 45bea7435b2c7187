package desk_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/text/currency"
	"golang.org/x/text/language"

	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/desk/deskstore"
	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/shtrih/emu"
	"github.com/tillpos/till/device/shtrih/shtrihtest"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/sale"
	"github.com/tillpos/till/store"
)

// fullJournal is the store's journal on a disk that fills up: once full is
// set, the chosen write fails the way the store reports SQLITE_FULL.
type fullJournal struct {
	sale.Journal
	path          string
	full          atomic.Bool
	failFiscalise bool // MarkFiscalising (before printing) instead of MarkFiscalised (after)
}

func (j *fullJournal) diskFull() error {
	return &store.PathError{Kind: store.ErrDiskFull, Path: j.path, Err: fmt.Errorf("database or disk is full (13) (%w)", syscall.ENOSPC)}
}

func (j *fullJournal) MarkFiscalising(ctx context.Context, id sale.BillID, f sale.Fiscal) error {
	if j.full.Load() && j.failFiscalise {
		return j.diskFull()
	}
	return j.Journal.MarkFiscalising(ctx, id, f)
}

func (j *fullJournal) MarkFiscalised(ctx context.Context, id sale.BillID, f sale.Fiscal) error {
	if j.full.Load() && !j.failFiscalise {
		return j.diskFull()
	}
	return j.Journal.MarkFiscalised(ctx, id, f)
}

type diskRig struct {
	e   *emu.Emulator
	db  *store.DB
	reg device.Register
	clk *clock
}

func newDiskRig(t *testing.T) *diskRig {
	t.Helper()
	dir := t.TempDir()
	db, err := store.Open(context.Background(), filepath.Join(dir, "till.db"), store.Options{KeyPath: filepath.Join(dir, "till.key")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.SeedDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := &diskRig{e: emu.New(emu.Config{Baud: -1, PrintSpeed: -1, FNWrite: -1, ZTime: -1, StartShiftOpen: true}), db: db, clk: &clock{t: time.Now()}}
	r.reg = shtrihtest.Register(t, r.e)
	return r
}

// desk starts a desk on the rig's database and register with journal
// (a "start of the till": it reconciles what is unfinished).
func (r *diskRig) desk(t *testing.T, journal sale.Journal) (*desk.Desk, []sale.Reconciled) {
	t.Helper()
	vat, err := sale.VATTableFor("RU")
	if err != nil {
		t.Fatal(err)
	}
	d, err := desk.New(desk.Config{
		Holder:   policy.NewHolder(nil),
		Store:    deskstore.New(r.db),
		Bills:    r.db.Bills(),
		Sales:    sale.NewSales(r.db.Bills(), vat, nil, r.clk.Now),
		Checkout: sale.NewCheckout(r.db.Bills(), journal, r.reg, vat, r.clk.Now),
		Register: r.reg,
		Tape:     sale.NewTape(language.Russian, sale.NewFormatter(language.Russian, currency.RUB)),
		Terminal: "till-1",
		Now:      r.clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := d.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return d, rec
}

func (r *diskRig) sellOne(t *testing.T, d *desk.Desk) {
	t.Helper()
	ctx := context.Background()
	if _, err := d.SignIn(ctx, "cashier", demoUser(t, "cashier").Password); err != nil {
		t.Fatal(err)
	}
	if _, err := d.AddByBarcode(ctx, store.DemoItems()[0].Barcode, 1000); err != nil {
		t.Fatal(err)
	}
	_, tot, _ := d.Bill(ctx)
	if _, err := d.Pay(ctx, sale.PayCash, tot.Due); err != nil {
		t.Fatal(err)
	}
}

func (r *diskRig) receipts() int {
	n := 0
	for _, d := range r.e.Documents() {
		if d.Type == emu.DocReceipt {
			n++
		}
	}
	return n
}

// The disk fills just after the register printed the receipt: the cashier
// is told the receipt is valid and was not recorded, and what to do; the
// next start records it from the register.
func TestDiskFullAfterPrintSaysPrintedNotRecorded(t *testing.T) {
	r := newDiskRig(t)
	j := &fullJournal{Journal: r.db.Bills(), path: r.db.Path()}
	d, _ := r.desk(t, j)
	r.sellOne(t, d)
	j.full.Store(true)
	sold, err := d.Checkout(context.Background())
	if err == nil {
		t.Fatal("checkout succeeded on a full disk")
	}
	if r.receipts() != 1 {
		t.Fatalf("%d receipts printed, want 1", r.receipts())
	}
	msg := desk.MessageOf(err)
	en := msg.English()
	if msg.Key != "sale.error.printed_disk_full" || strings.Contains(en, "fiscal register reported an error") ||
		!strings.Contains(en, "was printed") || !strings.Contains(en, "disk is full") || !strings.Contains(en, "restart") {
		t.Fatalf("message %s: %q", msg.Key, en)
	}
	if !errors.Is(err, sale.ErrNotRecorded) || !errors.Is(err, store.ErrDiskFull) {
		t.Errorf("err = %v: want sale.ErrNotRecorded and store.ErrDiskFull", err)
	}
	id := sold.Bill.ID
	if b, err := r.db.Bills().Get(context.Background(), id); err != nil || b.State != sale.StateFiscalising {
		t.Fatalf("bill after the failed record: %+v, %v", b.State, err)
	}

	// Space freed, the till restarted: reconciliation records the receipt.
	_, rec := r.desk(t, r.db.Bills())
	if len(rec) != 1 || rec[0].Outcome != sale.OutcomeFiscalised {
		t.Fatalf("reconciled at start: %+v", rec)
	}
	b, err := r.db.Bills().Get(context.Background(), id)
	if err != nil || b.State != sale.StateFiscalised || b.Fiscal.Number == 0 {
		t.Fatalf("bill after the restart: %v %+v, %v", b.State, b.Fiscal, err)
	}
}

// The disk fills before the receipt: it says the disk is full, the receipt
// was not printed and the bill is still open.
func TestDiskFullBeforePrintSaysNotPrinted(t *testing.T) {
	r := newDiskRig(t)
	j := &fullJournal{Journal: r.db.Bills(), path: r.db.Path(), failFiscalise: true}
	d, _ := r.desk(t, j)
	r.sellOne(t, d)
	j.full.Store(true)
	_, err := d.Checkout(context.Background())
	if err == nil {
		t.Fatal("checkout succeeded on a full disk")
	}
	if r.receipts() != 0 {
		t.Fatalf("%d receipts printed", r.receipts())
	}
	msg := desk.MessageOf(err)
	if en := msg.English(); msg.Key != "desk.error.disk_full_not_printed" || !strings.Contains(en, "not printed") || !strings.Contains(en, "disk is full") {
		t.Fatalf("message %s: %q", msg.Key, en)
	}
	if b, _, err := d.Bill(context.Background()); err != nil || b.State != sale.StateOpen {
		t.Fatalf("bill: %v, %v", b.State, err)
	}
}

// Any other write on a full disk says the disk is full, not "details are
// in the log".
func TestDiskFullElsewhereSaysDiskFull(t *testing.T) {
	err := fmt.Errorf("add line: %w", &store.PathError{Kind: store.ErrDiskFull, Path: "/x/till.db", Err: fmt.Errorf("full (%w)", syscall.ENOSPC)})
	msg := desk.MessageOf(err)
	if msg.Key != "desk.error.disk_full" || strings.Contains(msg.English(), "details are in the log") {
		t.Fatalf("message %s: %q", msg.Key, msg.English())
	}
}
