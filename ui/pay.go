package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/sale"
)

// payDialog takes the customer's money: what is due, the tendered amount
// (typed, or a quick-tender button), cash (Enter) or card (an external
// terminal's tender, F2); several tenders make a mixed payment. When the
// bill is covered it is checked out at once: the fiscal receipt, then the
// drawer for cash, and the change is shown big.
type payDialog struct {
	s       *saleArea
	d       dialog.Dialog
	due     *widget.Label
	left    *widget.Label
	amount  *shortcutEntry
	quick   *fyne.Container
	errLine errorLine
	totals  sale.Totals
	// refund: the bill is a return, so the money goes to the customer —
	// "to refund", the exact amount only (no change is given on a refund).
	refund bool
	// cash is the default button: it takes the tender, or prints the
	// receipt of a bill already paid (see showPaid).
	cash     *widget.Button
	cashText string
}

func (s *saleArea) openPay() {
	if s.d == nil || len(s.model.rows) == 0 || s.busy {
		return
	}
	b, t, err := s.d.Bill(s.m.ctxOrBackground())
	if err != nil {
		s.fail(err)
		return
	}
	if b.State == sale.StateFiscalising {
		s.registerFailed(sale.ErrUnreconciled)
		return
	}
	p := &payDialog{s: s, errLine: newErrorLine(), refund: b.Kind == sale.KindReturn}
	p.due = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	p.due.SizeName = theme.SizeNameHeadingText
	p.left = widget.NewLabel("")
	p.amount = newShortcutEntry(s.m.shortcut)
	p.amount.onKey = p.key
	p.amount.selectOnFocus = true
	p.amount.OnSubmitted = func(string) { p.tender(sale.PayCash) }
	p.quick = container.NewGridWithColumns(4)

	cashText, cardText, amountText, title := lang.X("ui.pay.cash", "Cash (Enter)"), lang.X("ui.pay.card", "F2  Card"),
		lang.X("ui.pay.tendered", "Tendered"), lang.X("ui.pay.title", "Payment")
	if p.refund {
		cashText, cardText = lang.X("ui.refund.cash", "Refund cash (Enter)"), lang.X("ui.refund.card", "F2  Refund to card")
		amountText, title = lang.X("ui.refund.amount", "Paid out"), lang.X("ui.refund.title", "Refund")
	}
	a := s.app
	cash := newKeyButton(a, cashText, theme.ConfirmIcon(), func() { p.tender(sale.PayCash) })
	cash.Importance = widget.HighImportance
	p.cash, p.cashText = &cash.Button, cashText
	card := newKeyButton(a, cardText, nil, func() { p.tender(sale.PayCard) })
	clear := newKeyButton(a, lang.X("ui.pay.clear", "Take payments back"), nil, p.clear)
	closeB := newKeyButton(a, lang.X("ui.dlg.cancel", "Cancel (Esc)"), nil, func() { p.d.Hide() })
	body := container.NewVBox(
		p.due, p.left,
		widget.NewLabel(amountText), p.amount,
		p.quick, p.errLine,
		container.NewGridWithColumns(2, cash, card),
		container.NewGridWithColumns(2, clear, closeB),
	)
	p.d = dialog.NewCustomWithoutButtons(title, fixedWidth(520, body), s.app.win)
	s.pay = p
	p.show(t)
	s.openModal(p.d, modalKeys{focus: p.amount, enter: func() { p.tender(sale.PayCash) }, closed: func() {
		if s.pay == p {
			s.pay = nil
		}
	}})
}

func (p *payDialog) key(ev *fyne.KeyEvent) bool {
	if p.s.app.dialogKey(ev) {
		return true
	}
	switch ev.Name {
	case fyne.KeyEscape:
		p.d.Hide()
		return true
	case fyne.KeyF2:
		p.tender(sale.PayCard)
		return true
	}
	return false
}

// show puts the bill's totals in the dialog and offers quick tenders: the
// exact amount and the next round sums (notes) above it.
func (p *payDialog) show(t sale.Totals) {
	p.totals = t
	f := p.s.m.money
	if p.paidInFull() {
		p.showPaid(t)
		return
	}
	if p.cash != nil && p.cash.Text != p.cashText {
		p.cash.SetText(p.cashText)
	}
	if p.refund {
		p.due.SetText(lang.X("ui.refund.due", "To refund {{.Amount}}", map[string]any{"Amount": f.Format(t.Due)}))
	} else {
		p.due.SetText(lang.X("ui.pay.due", "To pay {{.Amount}}", map[string]any{"Amount": f.Format(t.Due)}))
	}
	if t.Paid > 0 {
		p.left.SetText(lang.X("ui.pay.left", "Paid {{.Paid}}, left {{.Left}}", map[string]any{"Paid": f.Format(t.Paid), "Left": f.Format(t.Remaining)}))
	} else {
		p.left.SetText("")
	}
	p.amount.SetText(f.Number(t.Remaining))
	selectAll(p.amount) // typing replaces the prefilled amount
	p.quick.RemoveAll()
	quick := quickTenders(t.Remaining)
	if p.refund {
		quick = quick[:min(1, len(quick))] // the exact amount: nothing is rounded up on a refund
	}
	for _, v := range quick {
		v := v
		b := newKeyButton(p.s.app, f.Format(v), nil, func() {
			p.amount.SetText(f.Number(v))
			p.tender(sale.PayCash)
		})
		p.quick.Add(b)
	}
}

// quickTenders are the exact amount and the next three round sums a
// customer hands over (10, 50, 100, 500, 1000, 5000 in major units).
func quickTenders(left int64) []int64 {
	out := []int64{left}
	for _, note := range []int64{1000, 5000, 10000, 50000, 100000, 500000, 1000000} {
		v := (left + note - 1) / note * note
		if v > out[len(out)-1] {
			out = append(out, v)
		}
		if len(out) == 4 {
			break
		}
	}
	return out
}

// paidInFull: the bill's payments cover it but no receipt was printed
// (the register refused, a refund's payout was approved): nothing is left
// to tender, the one way forward is printing (issue 14).
func (p *payDialog) paidInFull() bool { return p.totals.Paid > 0 && p.totals.Remaining == 0 }

// showPaid is the dialog of a bill paid in full: no tender field
// prefilled with 0,00, Enter prints the receipt with the payments already
// taken; "Take payments back" undoes them.
func (p *payDialog) showPaid(t sale.Totals) {
	f := p.s.m.money
	p.left.SetText(lang.X("ui.pay.paid_in_full", "Paid in full: {{.Paid}}. Press Enter to print the receipt.",
		map[string]any{"Paid": f.Format(t.Paid)}))
	p.amount.SetText("")
	p.amount.SetPlaceHolder(lang.X("ui.pay.nothing_left", "Nothing left to pay"))
	p.quick.RemoveAll()
	if p.cash != nil {
		p.cash.SetText(lang.X("ui.forward.print_enter", "Print receipt (Enter)"))
	}
}

// tender records the typed amount as kind; a covered bill is checked out.
// A cash tender far above what is left (more than the setting
// ui.tender.max_multiple times, 10 by default, and more than the largest
// banknote, which a customer may always hand over) asks first: 10049,90
// for a 49,90 bill is a slip of the keyboard, not a customer's note.
func (p *payDialog) tender(kind sale.PaymentKind) {
	if p.paidInFull() {
		p.d.Hide()
		p.s.checkout()
		return
	}
	amount, m := p.s.readTender(p.amount.Text, p.totals.Remaining)
	if m != nil {
		p.errLine.show(*m)
		return
	}
	if kind == sale.PayCard {
		amount = min(amount, p.totals.Remaining)
	}
	if kind == sale.PayCash && !p.refund && p.totals.Remaining > 0 {
		if mult := p.s.app.tenderMultiple(); mult > 0 && p.totals.Remaining <= maxAmount && amount > p.totals.Remaining*mult && amount > largestNote {
			p.confirmLarge(amount, mult)
			return
		}
	}
	p.record(kind, amount)
}

// confirmLarge asks before taking a tender above the multiple. Enter and
// Escape go back to the amount (selected, to be typed again): taking it
// is a deliberate Tab and Space, or a click.
func (p *payDialog) confirmLarge(amount, mult int64) {
	s := p.s
	f := s.m.money
	c := dialog.NewConfirm(lang.X("ui.pay.large_title", "Check the amount"),
		lang.X("ui.pay.large", "Tendered {{.Amount}} is more than {{.N}} times what is left to pay ({{.Left}}). Take it?",
			map[string]any{"Amount": f.Format(amount), "N": mult, "Left": f.Format(p.totals.Remaining)}),
		func(ok bool) {
			if ok {
				p.record(sale.PayCash, amount)
				return
			}
			if s.pay == p {
				s.app.focus(p.amount)
				selectAll(p.amount)
			}
		}, s.app.win)
	c.SetConfirmText(lang.X("ui.pay.large_take", "Take it"))
	c.SetDismissText(lang.X("ui.pay.large_fix", "Correct (Enter)"))
	s.largeTender = c
	s.app.showModal(c, modalKeys{enter: c.Hide})
}

// record books the tender; a covered bill is checked out.
func (p *payDialog) record(kind sale.PaymentKind, amount int64) {
	s := p.s
	var t sale.Totals
	s.run(func(ctx context.Context) (err error) {
		if _, err = s.d.Pay(ctx, kind, amount); err != nil {
			return err
		}
		_, t, err = s.d.Bill(ctx)
		return err
	}, func() {
		s.printing = t.Remaining == 0 // the checkout follows: no "paid but not printed" meanwhile
		s.reloadTotals()
		if t.Remaining > 0 {
			p.show(t)
			return
		}
		p.d.Hide()
		s.checkout()
	})
}

// clear takes the tenders back (a wrong amount, the customer changes mind).
func (p *payDialog) clear() {
	s := p.s
	var t sale.Totals
	s.run(func(ctx context.Context) (err error) {
		if err = s.d.ClearPayments(ctx); err != nil {
			return err
		}
		_, t, err = s.d.Bill(ctx)
		return err
	}, func() {
		s.reloadTotals()
		p.show(t)
	})
}

func (s *saleArea) reloadTotals() {
	b, t, err := s.d.Bill(s.m.ctxOrBackground())
	if err == nil {
		s.showTotals(b, t)
	}
}

// checkout prints the fiscal receipt; a register error keeps the bill.
func (s *saleArea) checkout() {
	var sold desk.Sold
	s.run(func(ctx context.Context) (err error) {
		sold, err = s.d.Checkout(ctx)
		return err
	}, func() { s.sold(sold) })
}

// sold clears the screen for the next customer and says what happened:
// the receipt's number, the change (big: the cashier reads it aloud), the
// drawer.
func (s *saleArea) sold(sold desk.Sold) {
	s.lastSold = &sold
	s.reload()
	f := s.m.money
	m := Message{Key: "ui.pay.done", Fallback: "Receipt {{.Number}} printed.", Args: map[string]any{"Number": int64(sold.Bill.Fiscal.Number)}}
	if sold.Change > 0 {
		m = Message{
			Key: "ui.pay.done_change", Fallback: "Receipt {{.Number}} printed. Change: {{.Change}}",
			Args: map[string]any{"Number": int64(sold.Bill.Fiscal.Number), "Change": f.Format(sold.Change)},
		}
	}
	s.m.notice.show(widget.SuccessImportance, m)
	if sold.DrawerDenied != nil || sold.DrawerErr != nil {
		extra := Message{Key: "ui.pay.drawer_error", Fallback: "The drawer did not open: {{.Reason}}", Args: map[string]any{"Reason": tr(desk.MessageOf(sold.DrawerErr))}}
		if sold.DrawerDenied != nil {
			extra.Args["Reason"] = lang.X("ui.pay.drawer_denied", "not allowed for you")
		}
		s.m.notice.text.SetText(s.m.notice.text.Text + "  " + tr(extra))
	}
	s.offerContinuePrinting(sold) // register_recovery.go
}
