// Package ui is the till's window: the app shell, the theme, and one type per
// screen (login, forced password change, the sale screen, the lock screen),
// each built by a constructor that returns a fyne.CanvasObject; the
// supervisor dialog (ui/approve) and the back office (ui/admin) are hosted
// through hooks in Deps.
//
// The ui owns what the cashier sees and in which language; it owns no data
// and decides nothing. Every sale and shift action goes through the
// cashier's session, desk.Desk, which asks the policy first; everything else
// comes through the small interfaces in deps.go, which cmd/till implements
// over the store, the register driver and the input readers. The keyboard
// wedge (a scanner typing as a keyboard) is split from a person's typing by
// device/scan/events, fed from the window's keys (wedge.go).
//
// It must never import fyne.io/fyne/v2/app (only cmd/till creates the app, so
// these screens test headless with fyne.io/fyne/v2/test), the store, or a
// concrete device package. Background work never touches widgets directly:
// results come back through fyne.Do.
package ui
