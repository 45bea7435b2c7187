package ui

import (
	"context"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tillpos/till/device"
)

// registerWait is "Waiting for the register": the stage the register is in
// (no answer, damaged replies, refusing, printing, reading its memory), a
// progress bar against the till's patience and a button to stop waiting.
// It opens only when a register call reports that it waits
// (device.WithProgress), so an ordinary sale never shows it. Stopping
// cancels the call's context: the bill stays as the journal has it, to be
// reconciled (Retry, Reconcile) when the register is back.
type registerWait struct {
	app    *App
	cancel context.CancelFunc

	mu     sync.Mutex
	closed bool

	d     dialog.Dialog
	stage *widget.Label
	bar   *widget.ProgressBar
	stop  *widget.Button
}

// waitForRegister derives the context a register call runs with: its
// progress opens the waiting dialog; done closes it.
func (a *App) waitForRegister(parent context.Context) (ctx context.Context, done func()) {
	ctx, cancel := context.WithCancel(parent)
	w := &registerWait{app: a, cancel: cancel}
	return device.WithProgress(ctx, w.report), func() {
		w.mu.Lock()
		w.closed = true
		w.mu.Unlock()
		cancel()
		a.do(w.hide)
	}
}

// report runs on the caller's goroutine; the dialog is changed on Fyne's.
func (w *registerWait) report(p device.Progress) {
	w.mu.Lock()
	closed := w.closed
	w.mu.Unlock()
	if closed {
		return
	}
	w.app.do(func() { w.show(p) })
}

func (w *registerWait) show(p device.Progress) {
	w.mu.Lock()
	closed := w.closed
	w.mu.Unlock()
	if closed {
		return
	}
	if w.d == nil {
		w.stage = widget.NewLabel("")
		w.stage.Wrapping = fyne.TextWrapWord
		w.bar = widget.NewProgressBar()
		w.stop = widget.NewButtonWithIcon(lang.X("ui.wait.stop", "Stop waiting"), theme.CancelIcon(), w.stopWaiting)
		hint := widget.NewLabel(lang.X("ui.wait.hint", "Nothing is lost if you stop: the bill waits, and Reconcile settles it when the register is back."))
		hint.Wrapping = fyne.TextWrapWord
		body := container.NewVBox(w.stage, w.bar, hint, container.NewHBox(w.stop))
		w.d = dialog.NewCustomWithoutButtons(lang.X("ui.wait.title", "Waiting for the register"), fixedWidth(460, body), w.app.win)
		w.d.Show()
	}
	stage := lang.X(p.Stage, p.Stage) // register stages are message keys (assets/lang/register)
	if p.Patience > 0 {
		stage += " — " + lang.X("ui.wait.elapsed", "{{.Elapsed}} of {{.Patience}}", map[string]any{
			"Elapsed": p.Elapsed.Round(time.Second).String(), "Patience": p.Patience.Round(time.Second).String(),
		})
	}
	w.stage.SetText(stage)
	w.bar.SetValue(float64(p.Percent) / 100)
}

func (w *registerWait) stopWaiting() {
	w.cancel()
	if w.stop != nil {
		w.stop.Disable()
		w.stage.SetText(lang.X("ui.wait.stopping", "Stopping…"))
	}
}

func (w *registerWait) hide() {
	if w.d != nil {
		w.d.Hide()
	}
}
