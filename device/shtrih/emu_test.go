package shtrih_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/shtrih"
	"github.com/tillpos/till/device/shtrih/emu"
	"github.com/tillpos/till/device/shtrih/link"
	"github.com/tillpos/till/device/shtrih/proto"
)

// Integration: the driver against the emulator, whose fiscal memory is the
// judge of what really happened.

// quick is an emulator that charges no time, for tests about state.
func quick(shiftOpen bool) emu.Config {
	return emu.Config{Baud: -1, PrintSpeed: -1, FNWrite: -1, ZTime: -1, StartShiftOpen: shiftOpen}
}

// testLink notices a dead line within about a second.
var testLink = link.Config{CtlTimeout: 150 * time.Millisecond, ProbeEvery: 150 * time.Millisecond, ByteTimeout: 150 * time.Millisecond}

func newPair(t testing.TB, cfg emu.Config) (*emu.Emulator, *shtrih.Register) {
	t.Helper()
	e := emu.New(cfg)
	r := shtrih.New(e.Pipe(), shtrih.Config{Link: testLink, PollEvery: 20 * time.Millisecond, Patience: time.Second, SettleEvery: 50 * time.Millisecond})
	t.Cleanup(func() { r.Close() })
	return e, r
}

var cashier = device.Cashier{Name: "Иванов И.И.", INN: "7766888321"}

func receipt(kind device.ReceiptKind, lines int) device.Receipt {
	rc := device.Receipt{Kind: kind, Cashier: cashier}
	var total int64
	for i := range lines {
		price := int64(1000 + 37*i)
		qty := int64(1000 + 250*(i%3))
		amount := (price*qty + 500) / 1000
		rc.Lines = append(rc.Lines, device.ReceiptLine{
			Name: fmt.Sprintf("Товар №%d «тест»", i+1), QtyMilli: qty, Price: price, Amount: amount,
			Tax: []device.TaxSlot{device.Tax20, device.Tax10, device.TaxNone}[i%3],
		})
		total += amount
	}
	rc.Payments = []device.Payment{{Kind: device.PayCash, Amount: total + 1000}}
	return rc
}

func total(rc device.Receipt) int64 {
	var n int64
	for _, l := range rc.Lines {
		n += l.Amount
	}
	return n
}

// receiptsOf counts receipts of amount in the fiscal memory.
func receiptsOf(e *emu.Emulator, amount int64) []emu.Document {
	var out []emu.Document
	for _, d := range e.Documents() {
		if d.Type == 3 && d.Amount == amount {
			out = append(out, d)
		}
	}
	return out
}

func TestDayOverPipe(t *testing.T) {
	e, r := newPair(t, quick(false))
	ctx := context.Background()

	st, err := r.Status(ctx)
	if err != nil || st.ShiftOpen || st.Mode != device.ModeShiftClosed {
		t.Fatalf("status %+v %v, want shift closed", st, err)
	}
	if _, err := r.Fiscalise(ctx, receipt(device.Sale, 1)); !errors.Is(err, device.ErrShiftClosed) {
		t.Fatalf("receipt on a closed shift: %v", err)
	}
	sh, err := r.OpenShift(ctx, cashier)
	if err != nil {
		t.Fatal(err)
	}
	if sh.Shift != 1 || sh.Number == 0 || sh.Sign == 0 {
		t.Errorf("open shift %+v", sh)
	}

	sale := receipt(device.Sale, 3)
	res, err := r.Fiscalise(ctx, sale)
	if err != nil {
		t.Fatal(err)
	}
	if res.Change != 1000 || res.Number != sh.Number+1 {
		t.Errorf("sale %+v", res)
	}
	ret := receipt(device.SaleReturn, 1)
	ret.Payments = []device.Payment{{Kind: device.PayElectronic, Amount: total(ret)}}
	if _, err := r.Fiscalise(ctx, ret); err != nil {
		t.Fatal(err)
	}
	if _, err := r.CashIn(ctx, cashier, 500000); err != nil {
		t.Fatal(err)
	}
	if _, err := r.CashOut(ctx, cashier, 100000); err != nil {
		t.Fatal(err)
	}
	if err := r.XReport(ctx, cashier); err != nil {
		t.Fatal(err)
	}
	if err := r.OpenDrawer(ctx); err != nil {
		t.Fatal(err)
	}
	last, open, err := r.LastDocument(ctx)
	if err != nil || last != res.Number+1 || open != 0 {
		t.Fatalf("last document %d %02X %v", last, open, err)
	}
	doc, err := r.FindDocument(ctx, res.Number)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Type != 3 || doc.Operation != device.Sale || doc.Amount != total(sale) || doc.Sign != res.Sign {
		t.Errorf("find document %+v, fiscalised %+v", doc, res)
	}
	var stages int
	z, err := r.ZReport(ctx, cashier, func(device.Progress) { stages++ })
	if err != nil {
		t.Fatal(err)
	}
	if z.Shift != 1 || z.Number != last+1 || stages < 2 {
		t.Errorf("Z %+v, %d progress calls", z, stages)
	}

	// The fiscal memory agrees, including the cashier tags.
	docs := e.Documents()
	var types []byte
	for _, d := range docs {
		types = append(types, d.Type)
	}
	if diff := cmp.Diff([]byte{emu.DocShiftOpen, emu.DocReceipt, emu.DocReceipt, emu.DocShiftClose}, types); diff != "" {
		t.Errorf("document types (-want +got):\n%s", diff)
	}
	for _, d := range docs {
		if d.Cashier != cashier.Name || d.CashierINN != "7766888321  " {
			t.Errorf("FD %d cashier %q INN %q", d.Number, d.Cashier, d.CashierINN)
		}
	}
	got := docs[1]
	if got.Amount != total(sale) || len(got.Lines) != 3 || got.Lines[0].Name != "Товар №1 «тест»" || got.Lines[1].TaxBits != shtrih.TaxBit10 {
		t.Errorf("sale in FM %+v", got)
	}
	if docs[2].Operation != shtrih.OpSaleReturn || docs[2].Payments[1] != total(ret) {
		t.Errorf("return in FM %+v", docs[2])
	}
}

func TestRealTimingOverPipe(t *testing.T) {
	// Default emulator costs: wire time at 115200, printing, FN writes.
	e, r := newPair(t, emu.Config{StartShiftOpen: true})
	rc := receipt(device.Sale, 5)
	res, err := r.Fiscalise(context.Background(), rc)
	if err != nil {
		t.Fatal(err)
	}
	if d := receiptsOf(e, total(rc)); len(d) != 1 || d[0].Number != res.Number {
		t.Fatalf("FM has %+v", d)
	}
	// Back to back while the head is still printing: the second receipt
	// queues behind the first, the X report and the receipt after it meet
	// the busy paths (submode 4/5, 50h) and must still land exactly once.
	ctx := context.Background()
	rc2 := receipt(device.Sale, 2)
	if _, err := r.Fiscalise(ctx, rc2); err != nil {
		t.Fatal(err)
	}
	if err := r.XReport(ctx, cashier); err != nil {
		t.Fatal(err)
	}
	rc3 := receipt(device.Sale, 1)
	if _, err := r.Fiscalise(ctx, rc3); err != nil {
		t.Fatal(err)
	}
	for _, x := range []device.Receipt{rc2, rc3} {
		if n := len(receiptsOf(e, total(x))); n != 1 {
			t.Errorf("receipt of %d is %d times in FM", total(x), n)
		}
	}
}

// recoverAndFinish is what checkout does after an error: reconcile, then
// redo only if the receipt is not in the fiscal storage.
func recoverAndFinish(t *testing.T, r *shtrih.Register, before uint32, rc device.Receipt) device.FiscalResult {
	t.Helper()
	ctx := context.Background()
	res, done, err := r.Recover(ctx, before, rc.Kind, total(rc))
	if err != nil {
		t.Fatalf("recover: %v", err)
	}
	if done {
		return res
	}
	res, err = r.Fiscalise(ctx, rc)
	if err != nil {
		t.Fatalf("redo: %v", err)
	}
	return res
}

func TestFaultMatrix(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault emu.Fault
		lines int
		// want is what the first attempt returns: nil (the fault is
		// absorbed by the link), or the sentinel it must wrap.
		want    error
		key     string
		unknown bool // the first attempt's outcome is unknown
		inFM    bool // ... and the receipt did reach the fiscal memory
	}{
		{name: "paper out before", fault: emu.Fault{Kind: emu.PaperOut}, lines: 3, want: device.ErrPaperOut, key: "register.paper_load"},
		{name: "paper out mid-receipt", fault: emu.Fault{Kind: emu.PaperOut, AfterLines: 4}, lines: 8, want: device.ErrPaperOut, key: "register.paper_load"},
		// The close writes the FN, then the roll ends while it prints:
		// the reply is 6Bh, but the receipt is fiscalised (§6).
		{name: "paper out during close", fault: emu.Fault{Kind: emu.PaperOut, AfterLines: 12}, lines: 3},
		{name: "cover open", fault: emu.Fault{Kind: emu.CoverOpen}, lines: 3, want: device.ErrCoverOpen, key: "register.cover_open"},
		{name: "silence", fault: emu.Fault{Kind: emu.Silence}, lines: 3, want: device.ErrNoLink, key: "register.no_link"},
		{name: "NAK twice", fault: emu.Fault{Kind: emu.NAK, Count: 2}, lines: 3},
		{name: "NAK forever", fault: emu.Fault{Kind: emu.NAK, Count: 1000}, lines: 3, want: device.ErrNoLink, key: "register.rejected"},
		{name: "corrupt replies", fault: emu.Fault{Kind: emu.CorruptReply, Count: 3}, lines: 3},
		{
			name: "disconnect after a line", fault: emu.Fault{Kind: emu.Disconnect, After: proto.CmdOperationV2}, lines: 3,
			want: device.ErrOutcomeUnknown, key: "register.outcome_unknown", unknown: true,
		},
		{
			name: "disconnect after close", fault: emu.Fault{Kind: emu.Disconnect, After: proto.CmdCloseV2}, lines: 3,
			want: device.ErrOutcomeUnknown, key: "register.outcome_unknown", unknown: true, inFM: true,
		},
		{name: "shift over 24h", fault: emu.Fault{Kind: emu.Shift24h}, lines: 3, want: device.ErrShiftOver24h, key: "register.error.shift24"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, r := newPair(t, quick(true))
			ctx := context.Background()
			before, _, err := r.LastDocument(ctx)
			if err != nil {
				t.Fatal(err)
			}
			rc := receipt(device.Sale, tc.lines)
			e.Inject(tc.fault)
			res, err := r.Fiscalise(ctx, rc)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("fault should be absorbed: %v", err)
				}
			} else {
				if !errors.Is(err, tc.want) {
					t.Fatalf("err = %v, want %v", err, tc.want)
				}
				if got := errors.Is(err, device.ErrOutcomeUnknown); got != tc.unknown {
					t.Errorf("outcome unknown = %v, want %v (%v)", got, tc.unknown, err)
				}
				if m := shtrih.MessageOf(err); m.Key != tc.key || m.String() == "" {
					t.Errorf("message %q %q, want key %q", m.Key, m.String(), tc.key)
				}
				if n := len(receiptsOf(e, total(rc))); (n == 1) != tc.inFM {
					t.Errorf("after the fault FM holds %d copies, want in FM = %v", n, tc.inFM)
				}
				e.Clear(tc.fault.Kind)
				if tc.fault.Kind == emu.Shift24h {
					// Only a Z report helps: close, reopen, then redo.
					if _, err := r.ZReport(ctx, cashier, nil); err != nil {
						t.Fatalf("Z: %v", err)
					}
					if _, err := r.OpenShift(ctx, cashier); err != nil {
						t.Fatalf("open shift: %v", err)
					}
					if before, _, err = r.LastDocument(ctx); err != nil {
						t.Fatal(err)
					}
				}
				res = recoverAndFinish(t, r, before, rc)
				if tc.unknown {
					// The reply the line lost reached the recovery hook,
					// not the answer of a later command.
					held := r.HeldReplies()
					if len(held) == 0 {
						t.Fatal("no held reply collected")
					}
					if cmd, _, _ := proto.SplitCommand(held[0]); cmd != tc.fault.After {
						t.Errorf("held reply % X, want the reply to %v", held[0], tc.fault.After)
					}
				}
			}
			got := receiptsOf(e, total(rc))
			if len(got) != 1 {
				t.Fatalf("FM holds %d copies of the receipt, want exactly 1", len(got))
			}
			if got[0].Number != res.Number || got[0].Sign != res.Sign {
				t.Errorf("result %+v, FM %d/%d", res, got[0].Number, got[0].Sign)
			}
			if mode, _, _, _ := e.State(); mode&0x0F != 2 {
				t.Errorf("register left in mode %02X", mode)
			}
		})
	}
}

func TestSlowZProgress(t *testing.T) {
	e, r := newPair(t, quick(true))
	e.Inject(emu.Fault{Kind: emu.SlowZ, Duration: 1500 * time.Millisecond})
	var calls atomic.Int32
	var last device.Progress
	start := time.Now()
	z, err := r.ZReport(context.Background(), cashier, func(p device.Progress) { calls.Add(1); last = p })
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) < 1400*time.Millisecond || calls.Load() < 4 || last.Percent != 100 {
		t.Errorf("Z took %v with %d progress calls, last %+v", time.Since(start), calls.Load(), last)
	}
	if z.Shift != 1 {
		t.Errorf("Z %+v", z)
	}
}

func TestOverPTY(t *testing.T) {
	e := emu.New(emu.Config{StartShiftOpen: true, PrintSpeed: -1})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	path, err := e.ServePTY(ctx)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	for _, spec := range []string{path + "@115200", path} { // the second detects the rate
		t.Run(spec, func(t *testing.T) {
			r, err := shtrih.Open(spec, shtrih.Config{Link: testLink})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			rc := receipt(device.Sale, 4)
			res, err := r.Fiscalise(context.Background(), rc)
			if err != nil {
				t.Fatal(err)
			}
			if d := receiptsOf(e, total(rc)); len(d) == 0 || d[len(d)-1].Number != res.Number {
				t.Fatalf("FM %+v, result %+v", d, res)
			}
			if st, err := r.Status(context.Background()); err != nil || !st.ShiftOpen || st.Serial == "" {
				t.Fatalf("status %+v %v", st, err)
			}
		})
	}
	if n := len(receiptsOf(e, total(receipt(device.Sale, 4)))); n != 2 {
		t.Fatalf("%d receipts over the pty, want 2", n)
	}
}

func TestCashierInTable(t *testing.T) {
	cfg := quick(false)
	cfg.NameWidth = 21 // an old model: 2Eh says the name field has 21 bytes
	e := emu.New(cfg)
	r := shtrih.New(e.Pipe(), shtrih.Config{Link: testLink, CashierInTable: true, Password: 3, Operator: 3})
	defer r.Close()
	ctx := context.Background()
	c := device.Cashier{Name: "Сидорова Анна Петровна-Длинная", INN: "776688832112"}
	if _, err := r.OpenShift(ctx, c); err != nil {
		t.Fatal(err)
	}
	rc := receipt(device.Sale, 2)
	rc.Cashier = c
	if _, err := r.Fiscalise(ctx, rc); err != nil {
		t.Fatal(err)
	}
	for _, d := range e.Documents() {
		// Table 2 field 2 is 21 characters on this model (2Eh): the name is cut there.
		if d.Cashier != "Сидорова Анна Петровн" || d.CashierINN != "776688832112" || d.Operator != 3 {
			t.Errorf("FD %d: cashier %q INN %q operator %d", d.Number, d.Cashier, d.CashierINN, d.Operator)
		}
	}
}

// A newer model's name field holds 64 bytes (2Eh), so the whole name goes.
func TestCashierInTableWide(t *testing.T) {
	e := emu.New(quick(false))
	r := shtrih.New(e.Pipe(), shtrih.Config{Link: testLink, CashierInTable: true, Password: 3, Operator: 3})
	defer r.Close()
	ctx := context.Background()
	c := device.Cashier{Name: "Сидорова Анна Петровна-Длинная"}
	if _, err := r.OpenShift(ctx, c); err != nil {
		t.Fatal(err)
	}
	f, err := r.FieldInfo(ctx, 2, 2)
	if err != nil || !f.Text || f.Size != 64 || f.Name != "Имя оператора" {
		t.Fatalf("2Eh: %+v %v", f, err)
	}
	ti, err := r.TableInfo(ctx, 2)
	if err != nil || ti.Rows != 30 || ti.Fields != 2 {
		t.Fatalf("2Dh: %+v %v", ti, err)
	}
	if d := e.Documents(); len(d) != 1 || d[0].Cashier != c.Name {
		t.Errorf("documents %+v, want the whole name", d)
	}
}

// Text lines reach the tape in the register's code page and come back as
// written, cut to the field; a paper fault stops the print with its error.
func TestPrintText(t *testing.T) {
	e, r := newPair(t, emu.Config{Baud: -1, PrintSpeed: -1, FNWrite: -1, StartShiftOpen: true})
	ctx := context.Background()
	long := strings.Repeat("Ж", 50)
	if err := r.PrintText(ctx, []string{"ПРЕДЧЕК 1", "caffè", long}); err != nil {
		t.Fatal(err)
	}
	want := []string{"ПРЕДЧЕК 1", "caffe'", strings.Repeat("Ж", 40)}
	if diff := cmp.Diff(want, e.Tape()); diff != "" {
		t.Errorf("tape (-want +got):\n%s", diff)
	}
	e.Inject(emu.Fault{Kind: emu.PaperOut})
	if err := r.PrintText(ctx, []string{"x"}); !errors.Is(err, device.ErrPaperOut) {
		t.Errorf("paper out: %v", err)
	}
}
