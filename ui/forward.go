package ui

import (
	"context"
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/device"
	"github.com/tillpos/till/sale"
)

// forwardBar is the one way forward of a bill that cannot simply go on
// (issue 14): a bill waiting for the register's answer (Retry, Reconcile)
// or paid but not printed (Print receipt, Take payments back, and Open
// shift when the register has none). It sits above the bill, apart from
// the notice, so the next message — a refused scan, an X report — does not
// take its buttons away; it follows the bill as the journal has it, so it
// is back after a restart, and goes once the bill is resolved.
type forwardBar struct {
	box     *fyne.Container
	text    *widget.Label
	buttons *fyne.Container
	keys    map[string]*widget.Button // shortcut name -> button
	state   forwardState
	// The bill shown and whether Open shift is offered, so that a status
	// read that finds the register's shift closed (or open again) updates
	// the bar without reading the bill.
	bill      sale.Bill
	totals    sale.Totals
	offerOpen bool
}

type forwardState int

const (
	forwardNone forwardState = iota
	forwardWaiting
	forwardPaid
)

func newForwardBar() *forwardBar {
	// The buttons wrap to a second row rather than widen the window (three
	// keyed buttons in Italian are wider than the bill's column).
	f := &forwardBar{text: widget.NewLabel(""), buttons: newNarrowFlow()}
	f.text.Wrapping = fyne.TextWrapWord
	f.text.Importance = widget.WarningImportance
	// The buttons under the text, not beside it: beside, three keyed
	// buttons left the text a column a word wide, and its height grew the
	// window past the screen.
	f.box = container.NewVBox(f.text, f.buttons)
	f.box.Hide()
	return f
}

// Text is what the bar says, "" when hidden.
func (f *forwardBar) Text() string {
	if !f.box.Visible() {
		return ""
	}
	return f.text.Text
}

// button finds one of the bar's buttons by its label (without its key).
func (f *forwardBar) button(label string) *widget.Button {
	for _, o := range f.buttons.Objects {
		if b, ok := o.(*widget.Button); ok && (b.Text == label || strings.HasPrefix(b.Text, label+" (")) {
			return b
		}
	}
	return nil
}

// keyed is the bar's button of a Ctrl+letter key, nil when none is shown.
func (f *forwardBar) keyed(sc *desktop.CustomShortcut) *widget.Button {
	if !f.box.Visible() {
		return nil
	}
	return f.keys[sc.ShortcutName()]
}

// showForward puts bill b's way forward on the bar, or hides it.
func (s *saleArea) showForward(b *sale.Bill, t *sale.Totals) {
	f := s.forward
	if f == nil || s.d == nil {
		return
	}
	var m Message
	var buttons []noticeButton
	state := forwardNone
	f.bill, f.totals, f.offerOpen = *b, *t, false
	switch {
	case b.ID != 0 && b.State == sale.StateConflict:
		// Retry cannot settle it: the register holds another document.
		state = forwardWaiting
		m = Message{
			Key:      "ui.forward.conflict",
			Fallback: "Bill {{.Bill}}: the fiscal register holds a different document than this bill. A supervisor must decide; no new sale until then.",
			Args:     map[string]any{"Bill": int64(b.ID)},
		}
	case b.ID != 0 && b.State == sale.StateFiscalising:
		state = forwardWaiting
		m = Message{
			Key:      "ui.forward.waiting",
			Fallback: "Bill {{.Bill}}: the fiscal register has not confirmed the receipt. Retry prints it only if the register holds none; Reconcile only checks. No new sale until then.",
			Args:     map[string]any{"Bill": int64(b.ID)},
		}
		buttons = []noticeButton{
			{label: lang.X("ui.reg.retry", "Retry"), icon: theme.ViewRefreshIcon(), key: retryShortcut, tap: s.retryCheckout},
			{label: lang.X("ui.reg.reconcile", "Reconcile"), icon: theme.SearchIcon(), key: reconcileShortcut, tap: s.reconcile},
		}
	case desk.PaidNotPrinted(b, t) && !s.printing:
		// (While the checkout prints, a bill paid in full is not "paid
		// but not printed": the bar would flash on every sale.)
		state = forwardPaid
		m = Message{
			Key:      "ui.forward.paid",
			Fallback: "Bill {{.Bill}} is paid ({{.Paid}}) but its receipt is not printed: print it, or take the payments back.",
			Args:     map[string]any{"Bill": int64(b.ID), "Paid": s.m.money.Format(t.Paid)},
		}
		buttons = []noticeButton{
			{label: lang.X("ui.forward.print", "Print receipt"), icon: theme.DocumentPrintIcon(), key: retryShortcut, tap: s.checkout},
			{label: lang.X("ui.pay.clear", "Take payments back"), icon: theme.ContentUndoIcon(), key: takeBackShortcut, tap: s.takePaymentsBack},
		}
		if s.noShift() {
			f.offerOpen = true
			buttons = append(buttons, noticeButton{label: lang.X("ui.shift.open", "Open shift"), icon: theme.ConfirmIcon(), key: openShiftShortcut, tap: s.openShiftNow})
		}
	}
	f.state = state
	if state == forwardNone {
		f.box.Hide()
		f.text.SetText("")
		f.buttons.RemoveAll()
		f.keys = nil
		return
	}
	f.text.SetText(tr(m))
	f.buttons.RemoveAll()
	f.keys = map[string]*widget.Button{}
	for _, b := range buttons {
		btn := newKeyedButton(b)
		if b.key != nil {
			f.keys[b.key.ShortcutName()] = btn
		}
		f.buttons.Add(btn)
	}
	f.box.Show()
}

// noShift: the status bar last read the register's shift as closed.
func (s *saleArea) noShift() bool {
	st := s.m.status.Register
	return st.Err == nil && s.m.status.SignedIn && !st.Status.ShiftOpen
}

// statusChanged updates the way forward of a paid bill when the register's
// shift was found closed (Open shift offered) or open again.
func (s *saleArea) statusChanged() {
	f := s.forward
	if f == nil || f.state != forwardPaid || f.offerOpen == s.noShift() {
		return
	}
	b, t := f.bill, f.totals
	s.showForward(&b, &t)
}

// takePaymentsBack undoes the bill's own payments (no approval: the money
// goes back to the customer) and shows the bill to pay again.
func (s *saleArea) takePaymentsBack() {
	s.act(func(ctx context.Context) error { return s.d.ClearPayments(ctx) }, func(b *sale.Bill, t *sale.Totals) {
		s.applyReload(b, t)
	})
}

// shiftRefused is the refusal of a first line for the register's shift:
// closed, with Open shift (through its approval when the cashier lacks
// it), or over 24 hours, with the Z report.
func (s *saleArea) shiftRefused(err error) {
	s.reload()
	var buttons []noticeButton
	if errors.Is(err, device.ErrShiftOver24h) {
		buttons = append(buttons, noticeButton{label: lang.X("ui.shift.z", "Z report"), icon: theme.DocumentPrintIcon(), tap: s.zReport})
	} else {
		buttons = append(buttons, noticeButton{label: lang.X("ui.shift.open", "Open shift"), icon: theme.ConfirmIcon(), key: openShiftShortcut, tap: s.openShiftNow})
	}
	s.m.notice.show(widget.DangerImportance, desk.MessageOf(err), buttons...)
}

// enterButton is a button that also answers Enter (and Escape with
// onEsc) while it holds the focus: the default button of a confirmation.
type enterButton struct {
	widget.Button
	onEsc func()
}

func newEnterButton(label string, tap, esc func()) *enterButton {
	b := &enterButton{onEsc: esc}
	b.Text, b.OnTapped = label, tap
	b.Importance = widget.HighImportance
	b.ExtendBaseWidget(b)
	return b
}

func (b *enterButton) TypedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyReturn, fyne.KeyEnter:
		b.Tapped(nil)
	case fyne.KeyEscape:
		if b.onEsc != nil {
			b.onEsc()
		}
	default:
		b.Button.TypedKey(ev)
	}
}

// zReport asks before the Z report closes the fiscal day: it names the
// shift and what closing means. Enter confirms, Escape cancels.
func (s *saleArea) zReport() {
	if s.busy || s.d == nil {
		return
	}
	m := Message{
		Key:      "ui.shift.z_confirm",
		Fallback: "Print the Z report and close the register's shift? This closes the fiscal day: no sale until a new shift is opened.",
	}
	if sh := s.m.status.Shift; sh != nil {
		m = Message{
			Key:      "ui.shift.z_confirm_n",
			Fallback: "Print the Z report and close shift {{.Shift}}? This closes the fiscal day: no sale until a new shift is opened.",
			Args:     map[string]any{"Shift": int64(sh.Number)},
		}
	}
	text := widget.NewLabel(tr(m))
	text.Wrapping = fyne.TextWrapWord
	var d dialog.Dialog
	confirmed := false
	ok := newEnterButton(lang.X("ui.shift.z_confirm_ok", "Close shift (Enter)"), func() {
		confirmed = true
		d.Hide()
	}, func() { d.Hide() })
	cancel := widget.NewButton(lang.X("ui.dlg.cancel", "Cancel (Esc)"), func() { d.Hide() })
	d = dialog.NewCustomWithoutButtons(lang.X("ui.shift.z", "Z report"),
		fixedWidth(460, container.NewVBox(text, container.NewGridWithColumns(2, cancel, ok))), s.app.win)
	// The Z report starts once this dialog is closed, so its progress is
	// the dialog on top; the dialog owns the keyboard like every other.
	s.zConfirm = d
	s.openModal(d, modalKeys{
		focus: ok,
		enter: func() { confirmed = true; d.Hide() },
		closed: func() {
			s.zConfirm = nil
			if confirmed {
				s.zReportNow()
			}
		},
	})
}
