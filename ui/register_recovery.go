package ui

import (
	"context"
	"errors"

	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/device"
	"github.com/tillpos/till/sale"
)

// The way out of a receipt left open on the register (issue 13): after a
// register error the window asks the register what it holds, and when a
// receipt is open it adds "Cancel receipt on register" to the notice. The
// confirmation names the register's state in words (mode and submode as
// the register reports them), the cancel runs behind fiscal.receipt.cancel
// (a supervisor approves when the matrix says so), and the bill is then
// reconciled: the cancelled receipt was not in fiscal memory, so it comes
// back open to be paid and printed once.

// offerRegisterCancel looks at the register in the background and adds the
// button to the notice err produced, if a receipt is open there.
func (s *saleArea) offerRegisterCancel() {
	if s.d == nil {
		return
	}
	shown := s.m.notice.Text()
	ctx := s.m.ctxOrBackground()
	s.app.async(func() {
		st, err := s.d.RegisterState(ctx)
		if err != nil || !desk.ReceiptOpen(st) {
			return
		}
		s.app.do(func() {
			if s.m.notice.Text() != shown || s.m.notice.button(registerCancelLabel()) != nil {
				return // another notice replaced it meanwhile
			}
			s.m.notice.add(noticeButton{
				label: registerCancelLabel(), icon: theme.DeleteIcon(),
				tap: func() { s.confirmRegisterCancel(st) },
			})
		})
	})
}

func registerCancelLabel() string {
	return lang.X("ui.regcancel.button", "Cancel receipt on register")
}

// registerStateWords is the register's state as a person reads it.
func registerStateWords(st device.RegisterState) map[string]any {
	m, sub := device.ModeMessage(st.Status), device.SubmodeMessage(st.Status)
	return map[string]any{"Mode": tr(Message(m)), "Submode": tr(Message(sub))}
}

func (s *saleArea) confirmRegisterCancel(st device.RegisterState) {
	text := lang.X("ui.regcancel.confirm",
		"The register says: {{.Mode}}; {{.Submode}}. The open receipt is not in fiscal memory, so cancelling it loses nothing; the bill is then checked against the register. Cancel the receipt on the register?",
		registerStateWords(st))
	d := dialog.NewConfirm(registerCancelLabel(), text, func(ok bool) {
		if ok {
			s.cancelOnRegister()
		}
	}, s.app.win)
	s.openDialog(d, nil)
}

// cancelOnRegister runs the cancel; a denial goes the usual way (Ask
// supervisor), a register refusal says why (load paper first).
func (s *saleArea) cancelOnRegister() {
	s.run(func(ctx context.Context) error {
		_, err := s.d.CancelRegisterReceipt(ctx)
		return err
	}, s.registerCancelled)
}

// registerCancelled settles the bill after the cancel: a bill waiting for
// its receipt is reconciled (now provably not printed), anything else just
// says the register is free.
func (s *saleArea) registerCancelled() {
	b, _, err := s.d.Bill(s.m.ctxOrBackground())
	if err == nil && b.State == sale.StateFiscalising {
		s.reconcile()
		return
	}
	if err != nil && !errors.Is(err, desk.ErrNoBill) {
		s.fail(err)
		return
	}
	s.reload()
	s.m.notice.show(widget.SuccessImportance, Message{Key: "ui.regcancel.done", Fallback: "The receipt open on the register was cancelled."})
}

// add appends a button to the notice shown, before its close button.
func (n *noticeBar) add(b noticeButton) {
	if !n.box.Visible() {
		return
	}
	btn := widget.NewButtonWithIcon(b.label, b.icon, b.tap)
	if b.disabled {
		btn.Disable()
	}
	objs := n.buttons.Objects
	if len(objs) == 0 {
		n.buttons.Add(btn)
		return
	}
	last := objs[len(objs)-1]
	n.buttons.Remove(last)
	n.buttons.Add(btn)
	n.buttons.Add(last)
}

// offerContinuePrinting replaces "Receipt N printed" when the register
// fiscalised the receipt but the paper ran out while printing it: the
// customer has no receipt yet, so the cashier is told to load paper and
// press Continue, which prints it (B0h).
func (s *saleArea) offerContinuePrinting(sold desk.Sold) {
	if s.d == nil || !s.d.PrintPending() {
		return
	}
	s.m.notice.show(widget.WarningImportance, Message{
		Key:      "ui.paper.pending",
		Fallback: "Receipt {{.Number}} is fiscalised, but the paper ran out while it printed: load receipt paper, then press Continue to print it.",
		Args:     map[string]any{"Number": int64(sold.Bill.Fiscal.Number)},
	}, noticeButton{
		label: lang.X("ui.paper.continue", "Continue"), icon: theme.MediaPlayIcon(),
		tap: func() { s.continuePrinting(sold) },
	})
}

func (s *saleArea) continuePrinting(sold desk.Sold) {
	s.run(func(ctx context.Context) error { return s.d.ContinuePrinting(ctx) }, func() {
		if s.d.PrintPending() {
			s.offerContinuePrinting(sold)
			return
		}
		s.m.notice.show(widget.SuccessImportance, Message{
			Key: "ui.paper.printed", Fallback: "Receipt {{.Number}} printed.",
			Args: map[string]any{"Number": int64(sold.Bill.Fiscal.Number)},
		})
	})
}
