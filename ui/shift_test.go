package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/tillpos/till/device/shtrih/emu"
	"github.com/tillpos/till/sale"
)

// The administrator's day end: X report, cash out with a reason, Z report
// with the progress bar filled and the result shown; the register's
// fiscal memory has the shift closed.
func TestShiftXCashOutAndZ(t *testing.T) {
	r := newRig(t, "en")
	m := r.signIn("admin")
	r.press("shift")
	if m.sale.shiftDlg == nil {
		t.Fatal("no shift dialog")
	}
	test.Tap(m.sale.shiftDlg.buttons["x"])
	if want := translation(t, "en", "ui.shift.x_done"); r.notice() != want {
		t.Errorf("X: notice %q", r.notice())
	}
	r.press("shift")
	test.Tap(m.sale.shiftDlg.buttons["cash_in"])
	r.formSubmit("500", "float")
	r.press("shift")
	test.Tap(m.sale.shiftDlg.buttons["cash_out"])
	r.formSubmit("100", "")
	if got := m.sale.form.errLine.text(); got == "" {
		t.Error("cash out without a reason was accepted")
	}
	r.formSubmit("100", "collection")
	if !strings.Contains(r.notice(), m.money.Format(10000)) {
		t.Errorf("cash out: notice %q", r.notice())
	}
	r.press("shift")
	test.Tap(m.sale.shiftDlg.buttons["z"])
	// Z asks first (issue 14): nothing is closed until Enter confirms.
	if m.sale.zConfirm == nil || shiftClosed(r) {
		t.Fatalf("Z without a confirmation (dialog %v)", m.sale.zConfirm)
	}
	r.w.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if !strings.Contains(r.notice(), "Z") {
		t.Fatalf("Z: notice %q", r.notice())
	}
	if m.sale.zBar == nil || m.sale.zBar.Value < 1 {
		t.Errorf("progress bar at %v after the Z report", m.sale.zBar)
	}
	// The register names its stages by message key; the cashier reads them.
	if got := m.sale.zStage.Text; strings.Contains(got, "register.progress") || !strings.Contains(got, "Shift closed") {
		t.Errorf("Z stage %q", got)
	}
	if _, _, shift, _ := r.e.State(); shift == 0 {
		t.Error("register has no shift number")
	}
	found := false
	for _, d := range r.e.Documents() {
		if d.Type == emu.DocShiftClose {
			found = true
		}
	}
	if !found {
		t.Error("no shift close document on the register")
	}
}

// A cashier may not print the X report: greyed out only if nobody could
// approve it; pressing gives the reason.
func TestShiftButtonsFollowPolicy(t *testing.T) {
	r := newRig(t, "en")
	m := r.signIn("cashier")
	r.press("shift")
	x := m.sale.shiftDlg.buttons["x"]
	if x.Disabled() {
		t.Fatal("X report greyed although a supervisor may approve it")
	}
	if x.Icon == nil || m.sale.shiftDlg.buttons["cash_in"].Icon != nil {
		t.Error("the warning sign is not on exactly the actions that need a supervisor")
	}
	// The register's shift is open (the status bar has read it): opening
	// it again is greyed.
	m.sale.shiftDlg.d.Hide()
	m.pollDesk()
	r.press("shift")
	if !m.sale.shiftDlg.buttons["open"].Disabled() {
		t.Error("Open shift offered while the shift is open")
	}
	x = m.sale.shiftDlg.buttons["x"]
	test.Tap(x)
	if r.notice() == "" {
		t.Error("X report by a cashier went through without a notice")
	}
	if n := len(r.e.Documents()); n > 1 {
		t.Errorf("register printed %d documents", n)
	}
}

// A shift over 24 hours: the status bar says so and the Z report is
// offered; a sale is refused by the register with the same words.
func TestShiftOver24Offered(t *testing.T) {
	r := newRig(t, "en")
	m := r.signIn("cashier")
	r.e.Inject(emu.Fault{Kind: emu.Shift24h})
	m.pollDesk()
	if want := translation(t, "en", "ui.status.shift_over24"); m.shift.Text != want {
		t.Errorf("status bar shift %q, want %q", m.shift.Text, want)
	}
	if m.notice.button(translation(t, "en", "ui.shift.z")) == nil {
		t.Errorf("no Z report offered: %q", r.notice())
	}
}

// Card and cash make a mixed payment: the card covers part, the cash the
// rest with change; both tenders reach the receipt.
func TestMixedPayment(t *testing.T) {
	r := newRig(t, "en")
	m := r.signIn("cashier")
	r.scan("3*" + r.item(0).Barcode)
	due := 3 * r.item(0).Price
	m.sale.key(&fyne.KeyEvent{Name: fyne.KeyF12})
	p := m.sale.pay
	p.amount.SetText(m.money.Number(due / 3))
	p.key(&fyne.KeyEvent{Name: fyne.KeyF2}) // card
	if _, t2 := r.bill(); t2.NonCash != due/3 {
		t.Fatalf("card tender %d, want %d (notice %q)", t2.NonCash, due/3, r.notice())
	}
	p.amount.SetText("1000")
	p.amount.OnSubmitted(p.amount.Text) // Enter = cash
	rec := r.receipts()
	if len(rec) != 1 {
		t.Fatalf("no receipt: %q", r.notice())
	}
	if rec[0].Payments[0] != 100000 || rec[0].Payments[1] != due/3 || rec[0].Change != 100000-(due-due/3) {
		t.Errorf("receipt payments %v change %d", rec[0].Payments[:2], rec[0].Change)
	}
}

// Lock keeps the bill; only the cashier's password comes back to it.
func TestLockScreen(t *testing.T) {
	r := newRig(t, "en")
	r.signIn("cashier")
	r.scan(r.item(0).Barcode)
	r.a.Lock()
	l, ok := r.a.screen.(*LockScreen)
	if !ok {
		t.Fatalf("screen %T after lock", r.a.screen)
	}
	l.password.SetText("wrong")
	l.Submit()
	if l.ErrorText() == "" {
		t.Error("wrong password unlocked or said nothing")
	}
	l.password.SetText("cashier1")
	l.Submit()
	m := r.main()
	if len(m.sale.model.rows) != 1 {
		t.Errorf("bill after unlock: %v", m.sale.model.rows)
	}
	b, _ := r.bill()
	if b.State != sale.StateOpen {
		t.Errorf("bill %s", b.State)
	}
}

// shiftClosed says whether the register printed a Z report.
func shiftClosed(r *rig) bool {
	for _, d := range r.e.Documents() {
		if d.Type == emu.DocShiftClose {
			return true
		}
	}
	return false
}
