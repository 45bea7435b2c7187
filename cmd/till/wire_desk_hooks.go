package main

import (
	"errors"

	"fyne.io/fyne/v2"

	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/store"
	"github.com/tillpos/till/ui"
	"github.com/tillpos/till/ui/approve"
)

// hookDesk fills the window's hooks for the supervisor dialog (ui/approve)
// and the back office (ui/admin): the sale screen opens the dialog from
// "Ask supervisor" and the key button and routes the readers' events to
// it while it is open; the Admin button opens the back office, which
// decides with the desk's session over the same policy holder.
func hookDesk(deps *ui.Deps, win fyne.Window, d *desk.Desk, holder *policy.Holder, db *store.DB, dbPath, terminal string) {
	reader := deps.Wedge.Reader
	deps.Approve = func(win fyne.Window, p *desk.Pending, done func(error)) ui.InputSink {
		return approve.Show(win, approve.Options{
			Desk:    d,
			Pending: p,
			Reader:  reader,
			Done: func(err error) {
				if errors.Is(err, approve.ErrCancelled) {
					err = errors.Join(ui.ErrCancelled, err)
				}
				done(err)
			},
		})
	}
	hook := adminHook(db, dbPath, holder, win, d.Session, terminal, reader.BadgeFromEvent)
	deps.Admin = func(back func()) ui.AdminScreen { return hook(back) }
}
