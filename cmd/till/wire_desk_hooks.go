package main

import (
	"context"
	"errors"

	"fyne.io/fyne/v2"

	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/device"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/sale"
	"github.com/tillpos/till/store"
	"github.com/tillpos/till/ui"
	"github.com/tillpos/till/ui/admin"
	"github.com/tillpos/till/ui/approve"
)

// hookDesk fills the window's hooks for the supervisor dialog (ui/approve)
// and the back office (ui/admin): the sale screen opens the dialog from
// "Ask supervisor" and the key button and routes the readers' events to
// it while it is open; the Admin button opens the back office, which
// decides with the desk's session over the same policy holder.
func hookDesk(deps *ui.Deps, win fyne.Window, d *desk.Desk, holder *policy.Holder, db *store.DB, dbPath, terminal string, devices admin.Devices) {
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
	hook := adminHook(db, dbPath, holder, win, backOfficeSession(d), terminal, reader.BadgeFromEvent, passwordPrinter(deps), devices)
	deps.Admin = func(back func()) ui.AdminScreen { return hook(back) }
}

// passwordPrinter prints an initial password slip on the register's tape
// in the store's language; nil when the register cannot print text.
func passwordPrinter(deps *ui.Deps) func(ctx context.Context, u admin.User, password string) error {
	tp, ok := deps.Register.(device.TextPrinter)
	if !ok {
		return nil
	}
	tag, unit := storeLocale(deps.Country)
	tape := sale.NewTape(tag, sale.NewFormatter(tag, unit))
	return func(ctx context.Context, u admin.User, password string) error {
		return tp.PrintText(ctx, tape.Password(u.Login, u.FullName, password))
	}
}
