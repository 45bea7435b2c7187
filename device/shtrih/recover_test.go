package shtrih_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/shtrih"
	"github.com/tillpos/till/device/shtrih/emu"
	"github.com/tillpos/till/device/shtrih/proto"
)

func docsOfType(e *emu.Emulator, typ byte) []emu.Document {
	var out []emu.Document
	for _, d := range e.Documents() {
		if d.Type == typ {
			out = append(out, d)
		}
	}
	return out
}

// The shift, Z and cash commands through the faults of issue 13: each ends
// done exactly once, found by the register's own state when the reply was
// lost, redone when the state proves it was not done, and never resent
// blindly.
func TestShiftAndCashRecovery(t *testing.T) {
	const short = 500 * time.Millisecond
	tests := []struct {
		name      string
		shiftOpen bool // at start
		faults    []emu.Fault
		run       func(ctx context.Context, r device.Register) error
		check     func(t *testing.T, e *emu.Emulator)
	}{
		{
			name:   "open shift on firmware without FF41h",
			faults: []emu.Fault{{Kind: emu.Missing, On: proto.CmdFNBeginOpen}},
			run:    openShiftRun,
			check:  shiftOpenOnce,
		},
		{
			name:   "open shift on firmware without FF41h and 1Eh",
			faults: []emu.Fault{{Kind: emu.Missing, On: proto.CmdFNBeginOpen}, {Kind: emu.Missing, On: proto.CmdWriteTable}},
			run:    openShiftRun,
			check:  shiftOpenOnce,
		},
		{
			name:   "open shift on firmware without FF0Ch",
			faults: []emu.Fault{{Kind: emu.Missing, On: proto.CmdFNWriteTLV}},
			run:    openShiftRun,
			check: func(t *testing.T, e *emu.Emulator) {
				shiftOpenOnce(t, e)
				d := docsOfType(e, emu.DocShiftOpen)
				if !strings.HasPrefix(cashier.Name, d[0].Cashier) || d[0].Cashier == "" {
					t.Errorf("shift opened by %q, want %q (table 2)", d[0].Cashier, cashier.Name)
				}
			},
		},
		{
			name:   "open shift: reply lost, register back after 500 ms",
			faults: []emu.Fault{{Kind: emu.Disconnect, After: proto.CmdOpenShift, Duration: short}},
			run:    openShiftRun,
			check:  shiftOpenOnce,
		},
		{
			name:   "open shift: frame swallowed, register back after 500 ms",
			faults: []emu.Fault{{Kind: emu.Silence, On: proto.CmdOpenShift, Duration: short}},
			run:    openShiftRun,
			check:  shiftOpenOnce,
		},
		{
			name: "slow Z (2 s)", shiftOpen: true,
			faults: []emu.Fault{{Kind: emu.SlowZ, Duration: 2 * time.Second}},
			run:    zRun,
			check:  shiftClosedOnce,
		},
		{
			name: "Z: reply lost, register back after 500 ms", shiftOpen: true,
			faults: []emu.Fault{{Kind: emu.Disconnect, After: proto.CmdZReport, Duration: short}},
			run:    zRun,
			check:  shiftClosedOnce,
		},
		{
			name: "Z: frame swallowed, register back after 500 ms", shiftOpen: true,
			faults: []emu.Fault{{Kind: emu.Silence, On: proto.CmdZReport, Duration: short}},
			run:    zRun,
			check:  shiftClosedOnce,
		},
		{
			name: "cash in: reply lost, register back after 500 ms", shiftOpen: true,
			faults: []emu.Fault{{Kind: emu.Disconnect, After: proto.CmdCashIn, Duration: short}},
			run:    cashRun,
			check:  cashOnce,
		},
		{
			name: "cash in: frame swallowed, register back after 500 ms", shiftOpen: true,
			faults: []emu.Fault{{Kind: emu.Silence, On: proto.CmdCashIn, Duration: short}},
			run:    cashRun,
			check:  cashOnce,
		},
		{
			name: "cash in: NAK storm", shiftOpen: true,
			faults: []emu.Fault{{Kind: emu.NAK, Count: 25, On: proto.CmdCashIn}},
			run:    cashRun,
			check:  cashOnce,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, r := newPair(t, quick(tc.shiftOpen))
			for _, f := range tc.faults {
				e.Inject(f)
			}
			var stages []string
			ctx := device.WithProgress(context.Background(), func(p device.Progress) { stages = append(stages, p.Stage) })
			if err := tc.run(ctx, r); err != nil {
				t.Fatalf("%v (stages %v)", err, stages)
			}
			tc.check(t, e)
			if mode, sub, _, _ := e.State(); sub != 0 || (mode != 2 && mode != 4) {
				t.Errorf("register left in mode %02X submode %d", mode, sub)
			}
		})
	}
}

func openShiftRun(ctx context.Context, r device.Register) error {
	_, err := r.OpenShift(ctx, cashier)
	return err
}

func zRun(ctx context.Context, r device.Register) error {
	_, err := r.ZReport(ctx, cashier, nil)
	return err
}

func cashRun(ctx context.Context, r device.Register) error {
	_, err := r.CashIn(ctx, cashier, 12345)
	return err
}

func shiftOpenOnce(t *testing.T, e *emu.Emulator) {
	t.Helper()
	if n := len(docsOfType(e, emu.DocShiftOpen)); n != 1 {
		t.Errorf("%d shift-open documents, want 1", n)
	}
	if mode, _, _, _ := e.State(); mode != 2 {
		t.Errorf("mode %02X, want shift open", mode)
	}
}

func shiftClosedOnce(t *testing.T, e *emu.Emulator) {
	t.Helper()
	if n := len(docsOfType(e, emu.DocShiftClose)); n != 1 {
		t.Errorf("%d shift-close documents, want 1", n)
	}
	if mode, _, _, _ := e.State(); mode != 4 {
		t.Errorf("mode %02X, want shift closed", mode)
	}
}

func cashOnce(t *testing.T, e *emu.Emulator) {
	t.Helper()
	if got := e.CashInDrawer(); got != 12345 {
		t.Errorf("cash in the register %d, want 12345 (once)", got)
	}
}

// The cashier gives up waiting: the error says so, and nothing is lost.
func TestSettleCancelled(t *testing.T) {
	e, r := newPair(t, quick(true))
	e.Inject(emu.Fault{Kind: emu.Silence})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := r.Settle(ctx, time.Minute)
	if !errors.Is(err, device.ErrWaitCancelled) {
		t.Fatalf("err = %v, want ErrWaitCancelled", err)
	}
	e.Clear()
	st, err := r.Settle(context.Background(), time.Second)
	if err != nil || !st.ShiftOpen || st.LastFD != 0 {
		t.Fatalf("after the line is back: %+v %v", st, err)
	}
}

// The register says what it is: model name (FCh) and firmware as two
// characters (11h).
func TestIdentify(t *testing.T) {
	_, r := newPair(t, quick(true))
	id, err := r.Identify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if id.FirmwareVer != "C1" || id.Device.Name == "" || !strings.Contains(id.String(), "firmware C1") {
		t.Errorf("identity %+v (%s)", id, id)
	}
}

// 8Ch prints the register's own copy of the last receipt (no new fiscal
// document); 29h feeds the tape.
func TestRepeatDocumentAndFeed(t *testing.T) {
	e, r := newPair(t, quick(true))
	ctx := context.Background()
	var e56 *shtrih.Error
	if err := r.RepeatDocument(ctx); !errors.As(err, &e56) || e56.Code != 0x56 || shtrih.MessageOf(err).Key != "register.error.56" {
		t.Fatalf("repeat with no receipt: %v", err)
	}
	rc := receipt(device.Sale, 2)
	if _, err := r.Fiscalise(ctx, rc); err != nil {
		t.Fatal(err)
	}
	if err := r.RepeatDocument(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.Feed(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if n := len(receiptsOf(e, total(rc))); n != 1 {
		t.Errorf("%d receipts after the copy, want 1", n)
	}
	if err := r.Feed(ctx, 0); err == nil {
		t.Error("feed 0 lines accepted")
	}
}

// 1Fh reads back the cashier 1Eh wrote to table 2.
func TestReadTable(t *testing.T) {
	e := emu.New(quick(true))
	r := shtrih.New(e.Pipe(), shtrih.Config{Link: testLink, CashierInTable: true, Password: 3, Operator: 3})
	t.Cleanup(func() { r.Close() })
	ctx := context.Background()
	if _, err := r.Fiscalise(ctx, receipt(device.Sale, 1)); err != nil {
		t.Fatal(err)
	}
	d, err := r.ReadTable(ctx, 2, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := shtrih.DecodeTableString(d); !strings.HasPrefix(cashier.Name, got) || got == "" {
		t.Errorf("table 2 row 3 name %q, want %q", got, cashier.Name)
	}
	var e33 *shtrih.Error
	if _, err := r.ReadTable(ctx, 9, 1, 1); !errors.As(err, &e33) || e33.Code != 0x33 {
		t.Errorf("unknown table: %v", err)
	}
}

// 26h tells the receipt line's width; C2h prints a barcode.
func TestFontInfoAndBarcode(t *testing.T) {
	e, r := newPair(t, quick(true))
	ctx := context.Background()
	f, err := r.FontInfo(ctx, 1)
	if err != nil || f.CharsPerLine != 36 || f.Fonts != 7 {
		t.Fatalf("font 1: %+v %v", f, err)
	}
	if err := r.PrintBarcode(ctx, 460123456789); err != nil {
		t.Fatal(err)
	}
	e.Inject(emu.Fault{Kind: emu.PaperOut})
	if err := r.PrintBarcode(ctx, 460123456789); !errors.Is(err, device.ErrPaperOut) {
		t.Errorf("barcode without paper: %v", err)
	}
}
