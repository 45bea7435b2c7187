package ui

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/policy"
)

// shiftDialog is the register's day: open the shift, X report, Z report
// (closes the shift), cash in and out with a reason, open the drawer. Each
// button is greyed or hidden by the policy like the sale's.
type shiftDialog struct {
	d       dialog.Dialog
	buttons map[string]*widget.Button
}

func (s *saleArea) openShift() {
	if s.d == nil {
		return
	}
	sd := &shiftDialog{buttons: map[string]*widget.Button{}}
	grid := container.NewGridWithColumns(2)
	add := func(id, label string, a policy.Action, run func()) {
		// Tab reaches it; Enter or Space presses it, Escape closes.
		kb := newKeyButton(s.app, label, nil, func() {
			sd.d.Hide()
			run()
		})
		b := &kb.Button
		sd.buttons[id] = b
		if !s.d.Visible(a) {
			return
		}
		// As on the sale's buttons: a warning sign where a supervisor
		// must approve, greyed where nobody could.
		switch v := s.d.Verdict(a); {
		case v.Allowed:
		case v.ApprovalPossible:
			b.SetIcon(theme.WarningIcon())
		default:
			b.Disable()
		}
		grid.Add(kb)
	}
	add("open", lang.X("ui.shift.open", "Open shift"), policy.ActionShiftOpen, s.openShiftNow)
	// The register's shift as the status bar last read it: opening an
	// open shift is refused by the register anyway.
	if st := s.m.status.Register; st.Err == nil && st.Status.ShiftOpen {
		sd.buttons["open"].Disable()
	}
	add("x", lang.X("ui.shift.x", "X report"), policy.ActionReportX, s.xReport)
	add("z", lang.X("ui.shift.z", "Z report"), policy.ActionReportZWrite, s.zReport)
	add("cash_in", lang.X("ui.shift.cash_in", "Cash in"), policy.ActionCashIn, func() { s.askCash(true) })
	add("cash_out", lang.X("ui.shift.cash_out", "Cash out"), policy.ActionCashOut, func() { s.askCash(false) })
	add("drawer", lang.X("ui.shift.drawer", "Open drawer"), policy.ActionDrawerOpen, s.openDrawer)
	info := widget.NewLabel(s.m.shift.Text)
	sd.d = dialog.NewCustom(lang.X("ui.act.shift", "Shift…"), lang.X("ui.dlg.close", "Close"),
		fixedWidth(460, container.NewVBox(info, grid)), s.app.win)
	s.shiftDlg = sd
	s.openDialog(sd.d, nil)
}

func (s *saleArea) afterShift(m Message) {
	s.m.notice.show(widget.SuccessImportance, m)
	s.app.async(s.m.pollDesk)
}

func (s *saleArea) openShiftNow() {
	var res device.ShiftResult
	s.run(func(ctx context.Context) (err error) {
		res, err = s.d.OpenShift(ctx)
		return err
	}, func() {
		s.afterShift(Message{Key: "ui.shift.opened", Fallback: "Shift {{.Shift}} is open.", Args: map[string]any{"Shift": int64(res.Shift)}})
	})
}

func (s *saleArea) xReport() {
	s.run(func(ctx context.Context) error { return s.d.XReport(ctx) }, func() {
		s.afterShift(Message{Key: "ui.shift.x_done", Fallback: "X report printed."})
	})
}

// zReportNow closes the fiscal day with a progress bar: the register takes
// up to about a minute. The status bar stays live meanwhile (Status takes
// no action lock). zReport (forward.go) asks first.
func (s *saleArea) zReportNow() {
	if s.busy {
		return
	}
	bar := widget.NewProgressBar()
	stage := widget.NewLabel(lang.X("ui.shift.z_running", "Printing the Z report…"))
	wait := widget.NewLabel("")
	wait.Wrapping = fyne.TextWrapWord
	wait.Importance = widget.WarningImportance
	wait.Hide()
	pd := dialog.NewCustomWithoutButtons(lang.X("ui.shift.z", "Z report"), fixedWidth(420, container.NewVBox(stage, bar, wait)), s.app.win)
	s.zBar, s.zStage, s.zWait = bar, stage, wait
	// The register is closing the fiscal day: no key closes this window
	// (it closes itself when the Z report is done); Escape says why.
	busy := func() {
		wait.SetText(lang.X("ui.shift.z_wait", "The Z report is printing: wait until the register has finished; this window closes by itself."))
		wait.Show()
	}
	s.openModal(pd, modalKeys{enter: func() {}, escape: busy})
	progress := func(p device.Progress) {
		s.app.do(func() {
			bar.SetValue(float64(p.Percent) / 100)
			if p.Stage != "" {
				// Stages are the register's message keys (assets/lang/register).
				stage.SetText(lang.X("ui.shift.z_stage", "Z report: {{.Stage}}", map[string]any{"Stage": lang.X(p.Stage, p.Stage)}))
			}
		})
	}
	var res device.ShiftResult
	var zerr error
	// The progress window closes whatever the outcome — no key closes it,
	// so a refused or failed Z must not leave it on screen.
	s.run(func(ctx context.Context) error {
		res, zerr = s.d.ZReport(ctx, progress)
		return nil
	}, func() {
		pd.Hide()
		if zerr != nil {
			s.fail(zerr)
			return
		}
		s.afterShift(Message{
			Key: "ui.shift.z_done", Fallback: "Shift {{.Shift}} is closed: Z report {{.Number}} printed.",
			Args: map[string]any{"Shift": int64(res.Shift), "Number": int64(res.Number)},
		})
	})
	if !s.busy {
		pd.Hide() // done (tests run synchronously) or refused
	} else {
		s.zDialog = pd
	}
}

// askCash moves money in or out of the drawer with a reason for the audit.
func (s *saleArea) askCash(in bool) {
	title := lang.X("ui.shift.cash_out", "Cash out")
	if in {
		title = lang.X("ui.shift.cash_in", "Cash in")
	}
	s.askForm(title, []string{lang.X("ui.dlg.amount_value", "Amount"), lang.X("ui.dlg.reason", "Reason")}, nil, nil, func(t []string) *Message {
		amount, err := parseMoney(t[0])
		if err != nil || amount == 0 {
			return notNumber(t[0])
		}
		reason := strings.TrimSpace(t[1])
		if reason == "" {
			return &Message{Key: "ui.dlg.need_reason", Fallback: "Say why the money moves."}
		}
		s.run(func(ctx context.Context) error {
			var err error
			if in {
				_, err = s.d.CashIn(ctx, amount, reason)
			} else {
				_, err = s.d.CashOut(ctx, amount, reason)
			}
			return err
		}, func() {
			s.afterShift(Message{Key: "ui.shift.cash_done", Fallback: "{{.What}}: {{.Amount}} recorded.", Args: map[string]any{"What": title, "Amount": s.m.money.Format(amount)}})
		})
		return nil
	})
}

func (s *saleArea) openDrawer() {
	s.run(func(ctx context.Context) error { return s.d.OpenDrawer(ctx) }, func() {
		s.m.notice.show(widget.SuccessImportance, Message{Key: "ui.shift.drawer_opened", Fallback: "The drawer is open."})
	})
}
