package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/shtrih/emu"
	"github.com/tillpos/till/device/shtrih/proto"
	"github.com/tillpos/till/sale"
)

// Paper runs out as the receipt closes, so the till's own cancel is refused
// too and the receipt stays open on the register. The window says to load
// paper, offers "Cancel receipt on register" naming the register's state;
// the cancel without paper says to load paper first, with paper it
// cancels, the bill is proved not printed, and paying again prints it once.
func TestCancelReceiptOnRegisterInTheWindow(t *testing.T) {
	r := newRig(t, "en")
	m := r.signIn("admin") // the demo administrator holds fiscal.receipt.cancel
	r.scan(r.item(0).Barcode)
	r.e.Inject(emu.Fault{Kind: emu.PaperOut, On: proto.CmdCloseV2})
	m.sale.openPay() // F12: the scan field's Enter never pays
	m.sale.pay.tender(sale.PayCash)
	if b, _ := r.bill(); b.State != sale.StateFiscalising {
		t.Fatalf("bill %s, notice %q", b.State, r.notice())
	}
	r.mustContain("paper message", "load receipt paper, then press Retry")
	label := translation(t, "en", "ui.regcancel.button")
	cancelOnRegister := func() {
		t.Helper()
		b := m.notice.button(label)
		if b == nil {
			t.Fatalf("no %q on the notice %q", label, r.notice())
		}
		test.Tap(b)
		if !strings.Contains(visible(r.w), "a receipt is open; paper ran out while printing") {
			t.Fatalf("the confirmation does not name the register's state:\n%s", visible(r.w))
		}
		m.sale.dialog.(interface{ Confirm() }).Confirm()
	}
	cancelOnRegister()
	r.mustContain("cancel refused", "load receipt paper")
	if mode, _, _, _ := r.e.State(); mode&0x0F != 8 {
		t.Fatalf("receipt gone without paper: mode %02X", mode)
	}
	r.e.Clear() // paper loaded
	cancelOnRegister()
	if mode, sub, _, _ := r.e.State(); mode != 2 || sub != 0 {
		t.Fatalf("register mode %02X submode %d after the cancel (notice %q)", mode, sub, r.notice())
	}
	r.mustContain("not printed", translation(t, "en", "ui.reg.not_printed"))
	if b, _ := r.bill(); b.State != sale.StateOpen {
		t.Fatalf("bill %s after the cancel", b.State)
	}
	// The bill is paid and open: printing it is what Retry does (the
	// window's paid-but-unprinted flow offers it).
	m.sale.retryCheckout()
	if n := len(r.receipts()); n != 1 {
		t.Fatalf("%d receipts, want 1 (notice %q)", n, r.notice())
	}
}

// The waiting dialog opens at the first progress report, shows the stage
// in words, and "Stop waiting" cancels the call's context.
func TestWaitingForTheRegisterDialog(t *testing.T) {
	r := newRig(t, "en")
	r.signIn("cashier")
	ctx, done := r.a.waitForRegister(context.Background())
	defer done()
	if strings.Contains(visible(r.w), translation(t, "en", "ui.wait.title")) {
		t.Fatal("the dialog opened before anything waited")
	}
	device.ProgressOf(ctx)(device.Progress{Stage: device.StageWaitGarbled, Percent: 20, Elapsed: 36 * time.Second, Patience: 3 * time.Minute})
	r.mustContain("waiting dialog", translation(t, "en", "ui.wait.title"), "its replies arrive damaged", "36s of 3m0s")
	stop := findButton(r.w.Canvas().Overlays().Top(), translation(t, "en", "ui.wait.stop"))
	if stop == nil {
		t.Fatal("no Stop waiting button")
	}
	test.Tap(stop)
	if ctx.Err() == nil {
		t.Fatal("Stop waiting did not cancel the wait")
	}
	done()
	if r.w.Canvas().Overlays().Top() != nil {
		t.Error("the dialog stays after the call ended")
	}
}

// The paper runs out after the fiscal write: the window never says just
// "printed"; it says to load paper and press Continue, which prints it.
func TestPaperOutAfterTheFiscalWriteInTheWindow(t *testing.T) {
	r := newRig(t, "en")
	m := r.signIn("cashier")
	r.scan(r.item(0).Barcode)
	r.e.Inject(emu.Fault{Kind: emu.PaperAfter, On: proto.CmdCloseV2})
	m.sale.openPay() // F12: the scan field's Enter never pays
	m.sale.pay.tender(sale.PayCash)
	if b, _ := r.bill(); b.ID != 0 && b.State != sale.StateFiscalised {
		t.Fatalf("bill %s", b.State)
	}
	if n := len(r.receipts()); n != 1 {
		t.Fatalf("%d receipts, want 1", n)
	}
	r.mustContain("paper notice", "the paper ran out while it printed: load receipt paper, then press Continue")
	cont := m.notice.button(translation(t, "en", "ui.paper.continue"))
	if cont == nil {
		t.Fatalf("no Continue on %q", r.notice())
	}
	test.Tap(cont) // paper still out: the same advice again
	r.mustContain("still out", "load receipt paper, then press Continue")
	r.e.Clear() // paper loaded
	test.Tap(m.notice.button(translation(t, "en", "ui.paper.continue")))
	if _, sub, _, _ := r.e.State(); sub != 0 {
		t.Fatalf("submode %d after Continue, want 0 (printed); notice %q", sub, r.notice())
	}
	want := strings.ReplaceAll(translation(t, "en", "ui.paper.printed"), "{{.Number}}", "1")
	if r.notice() != want {
		t.Errorf("notice %q, want %q", r.notice(), want)
	}
}

// The close is swallowed and the register is silent for 700 ms: the window
// waits for it (the waiting dialog comes and goes), the register's state
// proves the receipt was not printed, the notice says so truthfully with
// Retry, and Retry prints it once.
func TestCloseNotAckedInTheWindow(t *testing.T) {
	r := newRig(t, "en")
	m := r.signIn("cashier")
	r.scan(r.item(0).Barcode)
	r.e.Inject(emu.Fault{Kind: emu.Silence, On: proto.CmdCloseV2, Duration: 700 * time.Millisecond})
	m.sale.openPay() // F12 (Enter in the empty field takes no money since issue 14)
	m.sale.pay.tender(sale.PayCash)
	r.mustContain("not done", "The register did not do it")
	if strings.Contains(r.notice(), "does not answer") {
		t.Errorf("notice blames the line: %q", r.notice())
	}
	if top := r.w.Canvas().Overlays().Top(); top != nil && strings.Contains(visible(r.w), translation(t, "en", "ui.wait.title")) {
		t.Error("the waiting dialog stayed open")
	}
	retry := m.notice.button(translation(t, "en", "ui.reg.retry"))
	if retry == nil {
		t.Fatalf("no Retry on %q", r.notice())
	}
	test.Tap(retry)
	if n := len(r.receipts()); n != 1 {
		t.Fatalf("%d receipts, want 1 (notice %q)", n, r.notice())
	}
}
