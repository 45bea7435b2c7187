package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/tillpos/till/device"
)

// A modal dialog owns the keyboard while it is open (docs/ui.md,
// "Keyboard"): it takes the focus when it opens, Enter presses its default
// button, Escape closes it, and no key reaches the screen behind it — the
// sale screen's Enter and F-keys do nothing while a dialog is open, and
// the readers' events go to the dialog (swallowed unless it takes them).
//
// Every dialog of the window opens through App.showModal. Its fields are
// shortcutEntry (onKey = App.dialogKey, or a handler that calls it first)
// and its lists keyList, so Escape and Enter work where the focus is; with
// nothing focused the canvas hands Enter and Escape to the top modal.

// modalKeys says what a dialog does with the keyboard.
type modalKeys struct {
	// enter is the default button. nil: a confirm dialog confirms, any
	// other dialog closes (its only button is Close).
	enter func()
	// escape closes the dialog; nil = Hide (the dialog's cancel).
	escape func()
	// focus gets the focus when the dialog opens (a prefilled field sets
	// selectOnFocus, so typing replaces its value); nil = none.
	focus fyne.Focusable
	// sink takes the readers' events while the dialog is open; nil =
	// swallow them (nothing changes the bill under a dialog).
	sink InputSink
	// closed runs after the dialog closed.
	closed func()
}

// modal is one open dialog on the App's stack.
type modal struct {
	d    dialog.Dialog
	keys modalKeys
}

func (m *modal) pressEnter() {
	switch {
	case m.keys.enter != nil:
		m.keys.enter()
	case m.d == nil:
	default:
		if c, ok := m.d.(*dialog.ConfirmDialog); ok {
			c.Confirm()
			return
		}
		m.d.Hide()
	}
}

func (m *modal) pressEscape() {
	if m.keys.escape != nil {
		m.keys.escape()
		return
	}
	if m.d != nil {
		m.d.Hide()
	}
}

// swallow is the input sink of a dialog that takes no reader's events.
type swallow struct{}

func (swallow) HandleInput(device.InputEvent) bool { return true }

// showModal shows d as a modal that owns the keyboard, on top of the
// dialogs already open; it comes off the stack (and the input stack) when
// d closes.
func (a *App) showModal(d dialog.Dialog, k modalKeys) *modal {
	m := &modal{d: d, keys: k}
	sink := k.sink
	if sink == nil {
		sink = swallow{}
	}
	pop := a.pushSink(sink)
	a.modals = append(a.modals, m)
	d.SetOnClosed(func() {
		pop()
		a.dropModal(m)
		if k.closed != nil {
			k.closed()
		}
	})
	d.Show()
	if k.focus != nil {
		a.focus(k.focus) // a shortcutEntry with selectOnFocus selects its text
	} else if c := a.win.Canvas(); c != nil {
		c.Unfocus() // the dialog's own focus: keys reach the canvas, then the modal
	}
	return m
}

func (a *App) dropModal(m *modal) {
	for i := len(a.modals) - 1; i >= 0; i-- {
		if a.modals[i] == m {
			a.modals = append(a.modals[:i], a.modals[i+1:]...)
			return
		}
	}
}

// holdKeys marks a dialog shown by someone else (the supervisor dialog,
// ui/approve) as owning the keyboard: keys that reach the canvas go to
// escape (Escape) or nowhere, never to the screen. release undoes it.
func (a *App) holdKeys(escape func()) (release func()) {
	m := &modal{keys: modalKeys{escape: escape, enter: func() {}}}
	a.modals = append(a.modals, m)
	return func() { a.dropModal(m) }
}

// topModal is the dialog that owns the keyboard, nil when none is open.
func (a *App) topModal() *modal {
	if n := len(a.modals); n > 0 {
		return a.modals[n-1]
	}
	return nil
}

// modalKey takes a key that reached the canvas (nothing focused) while a
// dialog is open: Enter and Escape go to the dialog, every other key is
// dropped. False when no dialog is open.
func (a *App) modalKey(ev *fyne.KeyEvent) bool {
	m := a.topModal()
	if m == nil {
		return false
	}
	switch {
	case isEnter(ev.Name):
		m.pressEnter()
	case ev.Name == fyne.KeyEscape:
		m.pressEscape()
	}
	return true
}

// dialogKey is a dialog field's onKey: Escape closes the dialog; the Enter
// whose KeyDown went to the sale screen (and opened this dialog) is not
// this field's — GLFW delivers its TypedKey to whatever has the focus by
// then, and it must not confirm a dialog nobody has looked at.
func (a *App) dialogKey(ev *fyne.KeyEvent) bool {
	if isEnter(ev.Name) && a.keys != nil && a.keys.takeEnter() {
		return true
	}
	if ev.Name == fyne.KeyEscape {
		if m := a.topModal(); m != nil {
			m.pressEscape()
			return true
		}
	}
	return false
}

// selectAll selects a field's text so that typing replaces it (the
// tender's prefilled amount, F2's quantity).
func selectAll(e *shortcutEntry) { e.Entry.TypedShortcut(&fyne.ShortcutSelectAll{}) }

// keyList is a list a dialog is chosen from by keyboard: arrows move,
// Enter (or Space) picks the row under the cursor, Escape closes the
// dialog.
type keyList struct {
	widget.List
	app *App
	// onKey sees a key first (the journal's PgDn/PgUp); true = taken.
	onKey func(*fyne.KeyEvent) bool
}

func newKeyList(a *App, length func() int, create func() fyne.CanvasObject, update func(widget.ListItemID, fyne.CanvasObject)) *keyList {
	l := &keyList{app: a}
	l.Length, l.CreateItem, l.UpdateItem = length, create, update
	l.ExtendBaseWidget(l)
	return l
}

func (l *keyList) TypedKey(ev *fyne.KeyEvent) {
	if l.app.dialogKey(ev) {
		return
	}
	if l.onKey != nil && l.onKey(ev) {
		return
	}
	if isEnter(ev.Name) {
		l.List.TypedKey(&fyne.KeyEvent{Name: fyne.KeySpace})
		return
	}
	l.List.TypedKey(ev)
}

// keyButton is a dialog's button: focused (Tab), Space or Enter presses
// it and Escape closes the dialog, as on any desktop.
type keyButton struct {
	widget.Button
	app *App
}

func newKeyButton(a *App, label string, icon fyne.Resource, tap func()) *keyButton {
	b := &keyButton{app: a}
	b.Text, b.Icon, b.OnTapped = label, icon, tap
	b.ExtendBaseWidget(b)
	return b
}

func (b *keyButton) TypedKey(ev *fyne.KeyEvent) {
	switch {
	case b.app.dialogKey(ev):
	case isEnter(ev.Name):
		if !b.Disabled() {
			b.Tapped(nil)
		}
	default:
		b.Button.TypedKey(ev)
	}
}
