package sale_test

// End to end: the sale core with the real store (SQLite in a temp dir), the
// real Shtrih-M driver and the emulator, whose fiscal memory is the judge.
// The unit tests beside it use fakes; this one proves the pieces agree on the
// contracts (repo.go, device.Register). An external test package, so sale
// itself still imports neither store nor a concrete device.

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/shtrih"
	"github.com/tillpos/till/device/shtrih/emu"
	"github.com/tillpos/till/device/shtrih/link"
	"github.com/tillpos/till/device/shtrih/proto"
	"github.com/tillpos/till/sale"
	"github.com/tillpos/till/store"
)

type rig struct {
	e       *emu.Emulator
	db      *store.DB
	path    string
	key     string
	cashier store.User
	vat     *sale.VATTable
	reg     *shtrih.Register
	sales   *sale.Sales
	co      *sale.Checkout
}

// e2ePatience is how long the tests wait for a register that is away (the
// till waits minutes).
const e2ePatience = 1500 * time.Millisecond

var e2eLink = link.Config{CtlTimeout: 150 * time.Millisecond, ProbeEvery: 150 * time.Millisecond, ByteTimeout: 150 * time.Millisecond}

func newRig(t *testing.T) *rig {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	r := &rig{
		e:    emu.New(emu.Config{Baud: -1, PrintSpeed: -1, FNWrite: -1, ZTime: -1, StartShiftOpen: true}),
		path: filepath.Join(dir, "till.db"),
		key:  filepath.Join(dir, "till.key"),
	}
	var err error
	if r.vat, err = sale.VATTableFor("RU"); err != nil {
		t.Fatal(err)
	}
	r.open(t)
	if err := r.db.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	if r.cashier, err = r.db.Authenticate(ctx, "cashier", "cashier1"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if r.reg != nil {
			r.reg.Close()
		}
		if r.db != nil {
			r.db.Close()
		}
	})
	return r
}

// open starts (or restarts) the till: database, driver, services.
func (r *rig) open(t *testing.T) {
	t.Helper()
	db, err := store.Open(context.Background(), r.path, store.Options{KeyPath: r.key})
	if err != nil {
		t.Fatal(err)
	}
	r.db = db
	r.reg = shtrih.New(r.e.Pipe(), shtrih.Config{
		Link: e2eLink, PollEvery: 20 * time.Millisecond, BusyWait: 2 * time.Second,
		Patience: e2ePatience, SettleEvery: 50 * time.Millisecond,
	})
	r.sales = sale.NewSales(db.Bills(), r.vat, nil, nil)
	r.co = sale.NewCheckout(db.Bills(), db.Bills(), r.reg, r.vat, nil)
	r.co.SetPatience(e2ePatience)
}

// restart is the till dying and coming back: a new process on the same
// database and register; its in-memory state is gone.
func (r *rig) restart(t *testing.T) {
	t.Helper()
	r.reg.Close()
	r.db.Close()
	r.open(t)
}

func (r *rig) who() device.Cashier {
	return device.Cashier{Name: r.cashier.ReceiptName, INN: r.cashier.INN}
}

// bill rings up two lines with a total discount, paid mixed, due unique to
// the bill (price) so its receipt can be found in fiscal memory.
func (r *rig) bill(t *testing.T, price int64) (sale.BillID, int64) {
	t.Helper()
	ctx := context.Background()
	b, err := r.sales.Open(ctx, int64(r.cashier.ID), sale.KindSale, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.sales.AddGeneric(ctx, b.ID, "Хлеб «Дарницкий»", price, 3000, "10", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := r.sales.AddGeneric(ctx, b.ID, "Сыр весовой", 99000, 347, "20", 1); err != nil {
		t.Fatal(err)
	}
	if err := r.sales.SetDiscount(ctx, b.ID, sale.Discount{Kind: sale.DiscountAmount, Value: 1}); err != nil {
		t.Fatal(err)
	}
	_, tot, err := r.sales.Totals(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.sales.AddPayment(ctx, b.ID, sale.PayCard, tot.Due/2); err != nil {
		t.Fatal(err)
	}
	if _, err := r.sales.AddPayment(ctx, b.ID, sale.PayCash, tot.Due); err != nil {
		t.Fatal(err)
	}
	return b.ID, tot.Due
}

func (r *rig) assertOnce(t *testing.T, id sale.BillID, due int64) {
	t.Helper()
	var docs []emu.Document
	for _, d := range r.e.Documents() {
		if d.Type == emu.DocReceipt && d.Amount == due {
			docs = append(docs, d)
		}
	}
	if len(docs) != 1 {
		t.Fatalf("bill %d: fiscal memory holds %d receipts of %d, want 1", id, len(docs), due)
	}
	b, err := r.db.Bills().Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if b.State != sale.StateFiscalised || b.Fiscal.Number != docs[0].Number || b.Fiscal.Sign != docs[0].Sign {
		t.Fatalf("bill %d: %s %+v, fiscal memory %d/%08X", id, b.State, b.Fiscal, docs[0].Number, docs[0].Sign)
	}
	if mode, _, _, _ := r.e.State(); mode&0x0F != 2 {
		t.Fatalf("register left in mode %02X", mode)
	}
}

func TestEndToEndFaults(t *testing.T) {
	tests := []struct {
		name    string
		fault   *emu.Fault
		want    error          // on the first Checkout
		state   sale.BillState // after the first Checkout
		restart bool           // the till restarts before the fault is cleared
	}{
		{name: "clean"},
		{name: "paper out before", fault: &emu.Fault{Kind: emu.PaperOut}, want: device.ErrPaperOut, state: sale.StateOpen},
		{name: "cover open", fault: &emu.Fault{Kind: emu.CoverOpen}, want: device.ErrCoverOpen, state: sale.StateOpen},
		// The close reaches fiscal memory, then the roll ends: reconcile
		// finds the receipt, so the checkout succeeds.
		{name: "paper out during close", fault: &emu.Fault{Kind: emu.PaperOut, AfterLines: 14}},
		{name: "corrupt replies", fault: &emu.Fault{Kind: emu.CorruptReply, Count: 3}},
		{
			name: "disconnect after a line", fault: &emu.Fault{Kind: emu.Disconnect, After: proto.CmdOperationV2},
			want: device.ErrOutcomeUnknown, state: sale.StateFiscalising,
		},
		{
			name: "disconnect after close", fault: &emu.Fault{Kind: emu.Disconnect, After: proto.CmdCloseV2},
			want: device.ErrOutcomeUnknown, state: sale.StateFiscalising,
		},
		{
			name: "disconnect after close, till restarts", fault: &emu.Fault{Kind: emu.Disconnect, After: proto.CmdCloseV2},
			want: device.ErrOutcomeUnknown, state: sale.StateFiscalising, restart: true,
		},
		// Silent from the start: the checkout stops at "last document",
		// before the journal is touched.
		{name: "silence", fault: &emu.Fault{Kind: emu.Silence}, want: device.ErrNoLink, state: sale.StateOpen},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			r := newRig(t)
			id, due := r.bill(t, int64(10000+i))
			if tt.fault != nil {
				r.e.Inject(*tt.fault)
			}
			b, err := r.co.Checkout(ctx, id, r.who())
			if !errors.Is(err, tt.want) {
				t.Fatalf("first checkout: %v, want %v", err, tt.want)
			}
			if tt.want == nil {
				r.assertOnce(t, id, due)
				return
			}
			if b.State != tt.state {
				t.Fatalf("after first checkout: %s, want %s", b.State, tt.state)
			}
			if tt.restart {
				r.restart(t)
			}
			if tt.fault != nil {
				r.e.Clear(tt.fault.Kind)
			}
			if tt.state == sale.StateFiscalising {
				// Start-up / "try again": prove, then redo only if needed.
				res, err := r.co.ReconcileAll(ctx)
				if err != nil || len(res) != 1 {
					t.Fatalf("reconcile: %+v %v", res, err)
				}
			}
			if b, _ = r.db.Bills().Get(ctx, id); b.State == sale.StateOpen {
				if _, err := r.co.Checkout(ctx, id, r.who()); err != nil {
					t.Fatalf("second checkout: %v", err)
				}
			}
			r.assertOnce(t, id, due)
			// The till carries on: the next bill goes through.
			id2, due2 := r.bill(t, int64(20000+i))
			if _, err := r.co.Checkout(ctx, id2, r.who()); err != nil {
				t.Fatal(err)
			}
			r.assertOnce(t, id2, due2)
		})
	}
}
