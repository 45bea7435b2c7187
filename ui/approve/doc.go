// Package approve is the supervisor's dialog: a supervisor identifies
// themselves (login + password, a PIN, or a card or badge, as the admin set
// approval.mode) so that the cashier may do one denied action ("Ask
// supervisor") or work with the supervisor's rights until Restore (the
// toolbar's key button). The sale stays the cashier's; the session rules
// are desk's, this package only collects the credential, calls the desk off
// the UI goroutine and says in the user's language what went wrong.
//
// # Using it
//
//	dlg := approve.Show(win, approve.Options{Desk: d, Pending: den.Request,
//		Done: func(err error) { /* nil: approved; ErrCancelled: closed */ }})
//	// while it is open, the window hands reader events to it first:
//	if dlg.HandleInput(ev) { return }
//
// # Boundaries
//
// approve imports desk, device, device/scan/events, policy and Fyne. It
// must never import package ui (the sale screen imports this package, not
// the other way round), the store or a concrete device driver. It writes no
// log: nothing it handles (password, PIN, badge) may reach one, and the
// desk audits every attempt.
package approve
