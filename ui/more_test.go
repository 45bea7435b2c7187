package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"golang.org/x/text/currency"
	"golang.org/x/text/language"

	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/device"
	"github.com/tillpos/till/sale"
	"github.com/tillpos/till/store"
)

type fakeAdmin struct{ back func() }

func (f *fakeAdmin) Content() fyne.CanvasObject         { return widget.NewButton("back to sale", f.back) }
func (f *fakeAdmin) HandleInput(device.InputEvent) bool { return false }

// The Admin button is there for whoever may use an admin action, and
// back returns to the same session's sale screen with the bill.
func TestAdminButton(t *testing.T) {
	r := newRig(t, "en")
	var adm *fakeAdmin
	r.deps.Admin = func(back func()) AdminScreen { adm = &fakeAdmin{back: back}; return adm }
	r.startApp()
	m := r.signIn("cashier")
	if m.admin.Visible() {
		t.Error("Admin shown to a cashier")
	}
	r.a.Logout()
	m = r.signIn("admin")
	if !m.admin.Visible() {
		t.Fatal("Admin hidden from the administrator")
	}
	r.scan(r.item(0).Barcode)
	test.Tap(m.admin)
	if _, ok := r.a.screen.(*adminHost); !ok || adm == nil {
		t.Fatalf("screen %T after Admin", r.a.screen)
	}
	adm.back()
	if n := len(r.main().sale.model.rows); n != 1 {
		t.Errorf("back from admin: %d lines", n)
	}
}

// The key button lends a supervisor's rights (sticky): highlighted and
// named while they last, Restore ends it.
func TestKeyButtonElevationAndRestore(t *testing.T) {
	r := newRig(t, "en")
	r.deps.Approve = func(_ fyne.Window, p *desk.Pending, done func(error)) InputSink {
		if p != nil {
			t.Errorf("key button passed a pending request")
		}
		done(r.d.Elevate(context.Background(), desk.Credential{Mode: desk.ModeUserPassword, Login: "supervisor", Secret: "super123"}))
		return nil
	}
	r.startApp()
	m := r.signIn("cashier")
	if m.sale.action("void").button.Icon == nil {
		t.Error("void is not marked as needing a supervisor")
	}
	test.Tap(m.keyButton)
	if m.keyButton.Importance != widget.WarningImportance || !strings.Contains(m.keyButton.Text, "Волков") {
		t.Errorf("key button while elevated: %q %v", m.keyButton.Text, m.keyButton.Importance)
	}
	if !m.elevation.Visible() || !strings.Contains(m.elevation.Text, "Волков") {
		t.Errorf("status bar elevation %q", m.elevation.Text)
	}
	if m.sale.action("void").button.Icon != nil {
		t.Error("void still marked while the supervisor's rights are lent")
	}
	r.scan(r.item(0).Barcode)
	m.sale.list.Select(0)
	r.press("void")
	if b, _ := r.bill(); !b.Lines[0].Voided {
		t.Errorf("void under elevation refused: %q", r.notice())
	}
	test.Tap(m.keyButton) // Restore
	if r.d.Session().Elevation != nil || m.elevation.Visible() {
		t.Error("Restore did not end the elevation")
	}
}

// Quantity, pre-bill, cancel and reprint from the keyboard.
func TestQuantityPreBillCancelReprint(t *testing.T) {
	r := newRig(t, "en")
	m := r.signIn("admin")
	r.scan(r.item(0).Barcode)
	m.sale.key(&fyne.KeyEvent{Name: fyne.KeyF2})
	r.formSubmit("4")
	if b, _ := r.bill(); b.Lines[0].QtyMilli != 4000 || m.sale.model.rows[0].qty != 4000 {
		t.Fatalf("quantity: %+v (notice %q)", b.Lines[0], r.notice())
	}
	m.sale.key(&fyne.KeyEvent{Name: fyne.KeyF10})
	if m.sale.dialog == nil || !strings.Contains(visible(r.w), "Pre-bill 1") {
		t.Error("pre-bill not shown")
	}
	m.sale.dialog.Hide()
	m.sale.key(&fyne.KeyEvent{Name: fyne.KeyF7})
	m.sale.dialog.(interface{ Confirm() }).Confirm()
	if _, _, err := r.d.Bill(context.Background()); err == nil {
		t.Fatalf("bill still open after cancel: %q", r.notice())
	}
	r.scan(r.item(1).Barcode)
	m.sale.key(&fyne.KeyEvent{Name: fyne.KeyF12}) // F12 pays
	m.sale.pay.tender(sale.PayCash)
	r.press("reprint")
	if !strings.Contains(visible(r.w), r.item(1).Name) {
		t.Error("reprint does not show the receipt's line")
	}
}

// A generic item at a typed price (the cashier may sell one).
func TestGenericItem(t *testing.T) {
	r := newRig(t, "ru")
	m := r.signIn("cashier")
	r.press("generic")
	r.formSubmit("Пакет", "5,50", "2")
	b, _ := r.bill()
	if len(b.Lines) != 1 || b.Lines[0].Name != "Пакет" || b.Lines[0].UnitPrice != 550 || b.Lines[0].QtyMilli != 2000 {
		t.Fatalf("generic line %+v (notice %q)", b.Lines, r.notice())
	}
	_ = m
	_ = store.DemoUsers
}

// The bill history says its depth; a supervisor may switch to every
// cashier's bills.
func TestHistoryDepthAndAll(t *testing.T) {
	r := newRig(t, "en")
	r.signIn("cashier")
	r.scan(r.item(0).Barcode)
	r.main().sale.key(&fyne.KeyEvent{Name: fyne.KeyF12}) // F12 pays
	r.main().sale.pay.tender(sale.PayCash)
	r.a.Logout()
	m := r.signIn("supervisor")
	r.press("history")
	if n := len(m.sale.historyBills); n != 0 {
		t.Errorf("supervisor's own history has %d bills", n)
	}
	all := translation(t, "en", "ui.history.all")
	var check *widget.Check
	walk(r.w.Canvas().Overlays().Top(), func(o fyne.CanvasObject) {
		if c, ok := o.(*widget.Check); ok && c.Text == all {
			check = c
		}
	})
	if check == nil || check.Disabled() {
		t.Fatal("no every-cashier switch for a supervisor")
	}
	check.SetChecked(true)
	if n := len(m.sale.historyBills); n != 1 {
		t.Errorf("every cashier's history has %d bills, want the cashier's 1", n)
	}
	if !strings.Contains(visible(r.w), "last 1 days") && !strings.Contains(visible(r.w), "days") {
		t.Error("the depth is not shown")
	}
}

// A weighed item scanned by its plain code (no weight label) asks the
// weight before it is rung up.
func TestWeighedItemAsksWeight(t *testing.T) {
	r := newRig(t, "en")
	m := r.signIn("cashier")
	apples := r.item(200)
	if !apples.Weighed {
		t.Fatalf("demo item 200 is %+v, want the weighed apples", apples)
	}
	r.scan(apples.Barcode)
	if m.sale.form == nil || len(m.sale.model.rows) != 0 {
		t.Fatalf("no weight asked (notice %q)", r.notice())
	}
	r.formSubmit("0,5")
	if n := len(m.sale.model.rows); n != 1 || m.sale.model.rows[0].qty != 500 {
		t.Fatalf("weighed line %+v (notice %q)", m.sale.model.rows, r.notice())
	}
}

// An elevation nobody uses ends on the status bar's timer: the key button
// goes dark without an action.
func TestIdleElevationEndsOnTheTimer(t *testing.T) {
	r := newRig(t, "en")
	r.deps.Approve = func(_ fyne.Window, _ *desk.Pending, done func(error)) InputSink {
		done(r.d.Elevate(context.Background(), desk.Credential{Mode: desk.ModeUserPassword, Login: "supervisor", Secret: "super123"}))
		return nil
	}
	r.startApp()
	m := r.signIn("cashier")
	test.Tap(m.keyButton)
	if r.d.Session().Elevation == nil || !m.elevation.Visible() {
		t.Fatal("not elevated")
	}
	if err := r.db.SetSetting(context.Background(), desk.SettingIdleTimeout, "1ms", store.Actor{Terminal: "test"}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	m.pollDesk()
	if r.d.Session().Elevation != nil || m.elevation.Visible() || m.keyButton.Importance == widget.WarningImportance {
		t.Errorf("idle elevation still shown: %q", m.keyButton.Text)
	}
}

// With a register that prints text, the pre-bill and the copy go to its
// tape (the pre-bill in the store's language, the copy of the last receipt
// as the register's own repeat) and the screen says so instead of showing
// them.
func TestPreBillAndCopyPrinted(t *testing.T) {
	r := newRig(t, "en")
	r.tape = sale.NewTape(language.Russian, sale.NewFormatter(language.Russian, currency.RUB))
	r.startApp()
	m := r.signIn("admin")
	r.scan(r.item(0).Barcode)
	m.sale.key(&fyne.KeyEvent{Name: fyne.KeyF10})
	if got := r.notice(); got != "Pre-bill 1 printed." || !strings.Contains(strings.Join(r.e.Tape(), "\n"), "ПРЕДЧЕК 1") {
		t.Fatalf("pre-bill: notice %q, tape %q", got, r.e.Tape())
	}
	m.sale.key(&fyne.KeyEvent{Name: fyne.KeyF12}) // F12 pays
	m.sale.pay.tender(sale.PayCash)
	r.press("reprint")
	// The receipt is the register's last document: the register prints
	// its own copy (8Ch), see desk.printCopy.
	if !strings.HasPrefix(r.notice(), "Copy of receipt ") || !strings.Contains(strings.Join(r.e.Tape(), "\n"), "ПОВТОР ДОКУМЕНТА ФД 1") {
		t.Errorf("reprint: notice %q, tape %q", r.notice(), r.e.Tape())
	}
}
