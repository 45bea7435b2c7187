package admin

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
)

// A dialog of the back office owns the keyboard while it is open, as the
// sale screen's do (docs/ui.md, "Keyboard"): it takes the focus from the
// field behind it, Enter presses its default button and Escape closes it.
// The window hands the keys nobody took to Screen.TypedKey (the shell's
// canvas handler); the dialogs opened through showKeyed answer them.

// keyedDialog is one open dialog and its default action.
type keyedDialog struct {
	d     dialog.Dialog
	enter func()
}

// showKeyed shows d owning the keyboard; enter is its default button (nil:
// close it); closed, if any, runs when it closes (SetOnClosed is taken).
func (s *Screen) showKeyed(d dialog.Dialog, enter, closed func()) {
	k := &keyedDialog{d: d, enter: enter}
	s.dialogs = append(s.dialogs, k)
	d.SetOnClosed(func() {
		for i := len(s.dialogs) - 1; i >= 0; i-- {
			if s.dialogs[i] == k {
				s.dialogs = append(s.dialogs[:i], s.dialogs[i+1:]...)
				break
			}
		}
		if closed != nil {
			closed()
		}
	})
	d.Show()
	if c := s.win.Canvas(); c != nil {
		c.Unfocus() // the field behind keeps no keys
	}
}

// confirmKeyed is dialog.ShowConfirm owning the keyboard: Enter confirms.
func (s *Screen) confirmKeyed(title, message string, answer func(bool)) {
	c := dialog.NewConfirm(title, message, answer, s.win)
	s.showKeyed(c, c.Confirm, nil)
}

// TypedKey takes a key that reached the window with nothing focused: Enter
// and Escape go to the open dialog, other keys to nobody while one is
// open. False when no dialog is open.
func (s *Screen) TypedKey(ev *fyne.KeyEvent) bool {
	n := len(s.dialogs)
	if n == 0 {
		return false
	}
	top := s.dialogs[n-1]
	switch ev.Name {
	case fyne.KeyReturn, fyne.KeyEnter:
		if top.enter != nil {
			top.enter()
		} else {
			top.d.Hide()
		}
	case fyne.KeyEscape:
		top.d.Hide()
	}
	return true
}
