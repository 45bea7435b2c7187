package main

import (
	"errors"

	"fyne.io/fyne/v2"

	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/store"
	"github.com/tillpos/till/ui"
	"github.com/tillpos/till/ui/approve"
)

// hookDesk fills the window's hooks for the supervisor dialog (ui/approve):
// the sale screen opens it from "Ask supervisor" and the key button, and
// routes the readers' events to it while it is open.
func hookDesk(deps *ui.Deps, d *desk.Desk, db *store.DB, terminal string) {
	_, _ = db, terminal
	deps.Approve = func(win fyne.Window, p *desk.Pending, done func(error)) ui.InputSink {
		return approve.Show(win, approve.Options{
			Desk:    d,
			Pending: p,
			Done: func(err error) {
				if errors.Is(err, approve.ErrCancelled) {
					err = errors.Join(ui.ErrCancelled, err)
				}
				done(err)
			},
		})
	}
}
