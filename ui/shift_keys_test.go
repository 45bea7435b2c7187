package ui

// Issue 14, loose ends of the shift: the Shift… dialog by keys only, and
// the Z report's progress window, which no key closes while the register
// closes the day.

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"

	"github.com/tillpos/till/device/shtrih/emu"
)

func countDocs(r *rig, typ byte) int {
	n := 0
	for _, d := range r.e.Documents() {
		if d.Type == typ {
			n++
		}
	}
	return n
}

// Ctrl+D, Tab to a button, Enter presses it; Escape on a focused button
// closes the dialog and does nothing else; Space presses too.
func TestShift_DialogButtonsByKeys(t *testing.T) {
	r := newRig(t, "en")
	m, k := r.counter("admin")
	m.pollDesk() // the status bar has read the register: its shift is open
	before := len(r.e.Documents())
	k.ctrl(fyne.KeyD)
	if m.sale.shiftDlg == nil || !r.dialogOpen() {
		t.Fatal("Ctrl+D opened no Shift… dialog")
	}
	r.w.Canvas().FocusNext() // Tab: the first button that can be pressed
	f, ok := r.w.Canvas().Focused().(*keyButton)
	if !ok {
		t.Fatalf("Tab in Shift… focused %T, want one of its buttons", r.w.Canvas().Focused())
	}
	if f.Text != translation(t, "en", "ui.shift.x") {
		t.Fatalf("Tab focused %q, want the X report (Open shift is greyed while the shift is open)", f.Text)
	}
	k.press(fyne.KeyEscape)
	if r.dialogOpen() || len(r.e.Documents()) != before {
		t.Fatalf("Escape on a focused button: dialog open %v, %d documents printed", r.dialogOpen(), len(r.e.Documents())-before)
	}
	if r.w.Canvas().Focused() != fyne.Focusable(m.sale.entry) {
		t.Errorf("after Escape the focus is on %T, not the barcode field", r.w.Canvas().Focused())
	}
	k.ctrl(fyne.KeyD)
	r.w.Canvas().FocusNext()
	k.press(fyne.KeyReturn)
	if r.notice() != translation(t, "en", "ui.shift.x_done") {
		t.Fatalf("Enter on X report: notice %q", r.notice())
	}
	if r.w.Canvas().Focused() != fyne.Focusable(m.sale.entry) {
		t.Errorf("after the X report the focus is on %T, not the barcode field", r.w.Canvas().Focused())
	}
	k.ctrl(fyne.KeyD)
	r.w.Canvas().FocusNext()
	r.w.Canvas().FocusNext() // Z report
	k.press(fyne.KeySpace)
	if m.sale.zConfirm == nil {
		t.Fatalf("Space on the Z report button did not ask (focus %T)", r.w.Canvas().Focused())
	}
	k.press(fyne.KeyEscape)
	if countDocs(r, emu.DocShiftClose) != 0 || r.dialogOpen() {
		t.Fatal("Escape on the Z question closed the day or left a dialog")
	}
}

// The Z report runs: Enter and Escape do not close its progress window
// (Escape says it is printing); it closes itself when done, and the focus
// is back in the barcode field.
func TestShift_ZProgressIgnoresEnterAndEscape(t *testing.T) {
	r := newRig(t, "en")
	m, k := r.counter("admin")
	m.pollDesk() // the status bar has read the register: its shift is open
	k.ctrl(fyne.KeyD)
	r.w.Canvas().FocusNext()
	r.w.Canvas().FocusNext() // Z report
	k.press(fyne.KeyReturn)
	if m.sale.zConfirm == nil {
		t.Fatal("Z did not ask")
	}
	var held []func()
	r.a.async = func(f func()) { held = append(held, f) } // the register is still closing the day
	k.press(fyne.KeyReturn)                               // confirms: the Z starts
	if m.sale.zDialog == nil || !r.dialogOpen() {
		t.Fatalf("no progress window while the Z runs (%d held)", len(held))
	}
	k.press(fyne.KeyReturn)
	k.press(fyne.KeyEscape)
	k.press(fyne.KeyF12)
	if !r.dialogOpen() || r.a.topModal() == nil {
		t.Fatal("Enter or Escape closed the Z report's progress while it runs")
	}
	if w := m.sale.zWait; w == nil || !w.Visible() || !strings.Contains(w.Text, "printing") {
		t.Errorf("Escape under the Z report says nothing: %v", w)
	}
	if m.sale.pay != nil {
		t.Error("F12 under the Z report opened the payment")
	}
	r.a.async = func(f func()) { f() }
	for _, f := range held {
		f()
	}
	if countDocs(r, emu.DocShiftClose) != 1 {
		t.Fatalf("Z report not done (notice %q)", r.notice())
	}
	if r.dialogOpen() {
		t.Error("the progress window stays after the Z report")
	}
	if !strings.Contains(r.notice(), "Z report") {
		t.Errorf("notice %q", r.notice())
	}
	if r.w.Canvas().Focused() != fyne.Focusable(m.sale.entry) {
		t.Errorf("after the Z report the focus is on %T, not the barcode field", r.w.Canvas().Focused())
	}
}

// Found under Xvfb: a Z report refused (the supervisor may not close the
// shift) left its progress window on screen for good, and no key closes
// it. Refused or failed, the window goes and the notice says why.
func TestShift_RefusedZClosesItsProgress(t *testing.T) {
	r := newRig(t, "en")
	m, k := r.counter("supervisor")
	m.pollDesk()
	k.ctrl(fyne.KeyD)
	r.w.Canvas().FocusNext()
	r.w.Canvas().FocusNext() // Z report (a warning sign: a supervisor's approval)
	k.press(fyne.KeySpace)
	if m.sale.zConfirm == nil {
		t.Fatalf("Z did not ask (notice %q)", r.notice())
	}
	var held []func()
	r.a.async = func(f func()) { held = append(held, f) } // as in the window: the desk answers later
	k.press(fyne.KeyReturn)
	r.a.async = func(f func()) { f() }
	for _, f := range held {
		f()
	}
	if r.dialogOpen() || r.a.topModal() != nil {
		t.Fatalf("the refused Z left its progress window open (notice %q)", r.notice())
	}
	if !strings.Contains(r.notice(), "Z report") || m.notice.keyed(askShortcut) == nil {
		t.Errorf("refusal: notice %q", r.notice())
	}
	if countDocs(r, emu.DocShiftClose) != 0 {
		t.Error("the shift was closed")
	}
	if r.w.Canvas().Focused() != fyne.Focusable(m.sale.entry) {
		t.Errorf("focus on %T after the refusal", r.w.Canvas().Focused())
	}
}
